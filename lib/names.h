/* names.h: a dictionary of Japanese personal names, as independent evidence
 * that a reading of a name field is right.
 *
 * The dictionary is the personal-name part of the IPA dictionary (Debian's
 * mecab-ipadic, /usr/share/mecab/dic/ipadic/Noun.name.csv, EUC-JP): about
 * 13,000 family names and 19,000 given names, each with its reading in
 * katakana. A value is a name when it is a family name followed by a given
 * name (spaces ignored; a leading title such as 代表取締役 is set aside), in
 * writing (山田太郎) or, for kana fields, in reading (ヤマダタロウ).
 * The OCR stage accepts such a value without review when two readings agree
 * on it and no other reading is a name too (stages/ocr.c, docs/FORMS.md). */
#ifndef DP_NAMES_H
#define DP_NAMES_H

#include "err.h"

struct names;

/* Load the dictionary at path (EUC-JP or UTF-8 CSV in the IPA dictionary's
 * columns). NULL *out and DP_OK for an empty path (no name evidence). */
enum dp_err names_load(struct names **out, const char *path, struct dp_msg *m);
void names_free(struct names **n);
/* 1 when v (UTF-8, NFKC) is a family name followed by a given name: kana = 0
 * compares the written forms, kana = 1 the katakana readings. */
int names_is_person(const struct names *n, const char *v, int kana);
/* entries loaded (family + given names, written and read) */
long names_count(const struct names *n);

#endif
