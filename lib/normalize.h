/* normalize.h: turning what OCR read into the value a procedure uses.
 *
 * Every function takes the raw text and writes the normalised value into out
 * (size n). It returns 0 when the text is a valid value of the type, -1 when
 * it is not (out then holds the best effort, for the clerk to see). An empty
 * input gives an empty value and returns 0: whether it may be empty is the
 * validation stage's business. */
#ifndef DP_NORMALIZE_H
#define DP_NORMALIZE_H

#include <stddef.h>

/* Unicode NFKC (ICU): full-width ASCII (Ａ-Ｚ, ０-９, ＠, －, ，...) to ASCII,
 * half-width katakana (ｶﾀｶﾅ) to full-width, ① to 1, the ideographic space
 * to a space; then the usual OCR dash variants (ー, —, ‐, 一) between digits
 * to '-'. */
void norm_ascii(const char *in, char *out, size_t n);
/* norm_ascii and remove every space (names, addresses, kana). */
int norm_text(const char *in, char *out, size_t n);
/* Only digits remain; fails when anything but digits, spaces and separators was read. */
int norm_digits(const char *in, char *out, size_t n);
/* ¥12,000 / 12,000円 / １２，０００円 -> "12000". */
int norm_yen(const char *in, char *out, size_t n);
/* 令和2年4月15日, R2.4.15, 令和元年..., 平成/昭和/大正/明治, 2020年4月15日, 2020-04-15,
 * 2020/4/15 -> "2020-04-15"; checks that the month is 1-12, the day exists and
 * the era date is in its era. The eras (names, Latin initials M T S H R, first
 * days) are those of ICU's Japanese calendar. */
int norm_date(const char *in, char *out, size_t n);
/* An era year: 平成29年度, 令和元年, R1, H29, 2017年度, 2017 -> "2017" (the
 * western year); the era year must fall within its era. */
int norm_era_year(const char *in, char *out, size_t n);
/* Today's local date as YYYY-MM-DD (for "not in the future"); 0 on success. */
int norm_date_today(char *out, size_t n);
/* The era names and Latin initials ICU knows, concatenated into names (size n)
 * ("明治M大正T昭和S平成H令和R"), for recognition whitelists; returns how many eras. */
int norm_eras(char *names, size_t n);
/* 〒160-0023 / 1600023 -> "160-0023". */
int norm_postal(const char *in, char *out, size_t n);
/* 03-5321-1111, (03)5321-1111, 0353211111 -> digits with hyphens; 10 or 11 digits starting with 0. */
int norm_phone(const char *in, char *out, size_t n);
/* lowercase, spaces removed; must look like local@domain.tld. */
int norm_email(const char *in, char *out, size_t n);

/* 法人番号: 13 digits whose first digit is the check digit of the other 12. */
int corporate_number_valid(const char *digits13);

#endif
