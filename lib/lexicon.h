/* lexicon.h: Japanese words docpipe checks readings against: personal
 * names, place names, and the katakana words that tell ー (the long-vowel
 * mark) from 一 (the kanji "one"), two glyphs the recognisers cannot tell
 * apart.
 *
 * The source is the IPA dictionary as Debian ships it (mecab-ipadic,
 * /usr/share/mecab/dic/ipadic: CSV files in EUC-JP). Noun.name.csv gives
 * about 13,000 family names and 19,000 given names with their readings in
 * katakana; every Noun*.csv gives the words written in katakana alone
 * (about 16,000: レジ, センター, エネルギー, ...); Noun.place.csv about
 * 67,000 place names (東京, 千代田, 霞が関, ...).
 *
 * The OCR stage (stages/ocr.c, docs/FORMS-reference.md) uses it three times:
 *  - a value that is a family name followed by a given name, written
 *    (山田太郎; a leading title such as 代表取締役 set aside) or in kana
 *    (ヤマダタロウ), read so by two readings, needs no confidence threshold;
 *  - so does an address made of place names in the order addresses are
 *    written, with its units and numbers (lexicon_is_address);
 *  - a value where ー or 一 stands between katakana and a kanji and the
 *    dictionary knows only the other reading (レジー式, where レジ is a word
 *    and レジー is not) is corrected (レジ一式) and goes to review. */
#ifndef DP_LEXICON_H
#define DP_LEXICON_H

#include "err.h"

struct lexicon;

/* Load the dictionary folder dir (Noun.name.csv is required; the other
 * Noun*.csv add katakana words). NULL *out and DP_OK for an empty dir (no
 * such evidence). A file may be EUC-JP or UTF-8. */
enum dp_err lexicon_load(struct lexicon **out, const char *dir, struct dp_msg *m);
/* 1 when lexicon_load would find its required file in dir (or dir is empty:
 * nothing to load), without loading it. */
int lexicon_present(const char *dir);
void lexicon_free(struct lexicon **lx);
/* 1 when v (UTF-8, NFKC) is a family name followed by a given name: kana = 0
 * compares the written forms, kana = 1 the katakana readings. Spaces between
 * the two are ignored. */
int lexicon_is_person(const struct lexicon *lx, const char *v, int kana);
/* 1 when v (UTF-8, NFKC) reads as an address holding at least one of the
 * dictionary's place names (東京, 千代田, 霞が関: two characters or more,
 * or one followed by its unit or number, 北区), in the written order: each
 * name followed by its unit (都 道 府 県 市 区 町 村 郡) or, for the last,
 * by its numbers, in digits (1-3-1, 602番地1) or in kanji numerals with
 * their unit (二丁目); after a number 番地 番 号 丁目 先 の 地内 or a road
 * (市道 12号); 字 before a name; spaces. Nothing else. */
int lexicon_is_address(const struct lexicon *lx, const char *v);
/* Misreadings the words settle, written corrected into out (size n):
 *  - ー or 一 between a katakana word and a kanji, where the katakana before
 *    it is a word only with the other glyph (レジー式 -> レジ一式: レジ is a
 *    word, レジー is not; センタ一長 -> センター長); needs lx;
 *  - 丁日 -> 丁目, and 」目 after a numeral -> 丁目 (no Japanese word has
 *    丁日 or 」; the address unit 丁目 misread), also without lx.
 * Returns the number of characters changed (0: out untouched). */
int lexicon_correct(const struct lexicon *lx, const char *v, char *out, size_t n);
/* entries loaded: names (written and read) and katakana words */
long lexicon_count(const struct lexicon *lx);

#endif
