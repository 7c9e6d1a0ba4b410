/* normalize.c: value normalisation per field type (see normalize.h). */
#include "normalize.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Decode one UTF-8 code point; *len receives its byte length. */
static unsigned utf8_cp(const unsigned char *s, int *len)
{
	if (s[0] < 0x80) { *len = 1; return s[0]; }
	if ((s[0] & 0xE0) == 0xC0 && (s[1] & 0xC0) == 0x80) {
		*len = 2;
		return ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
	}
	if ((s[0] & 0xF0) == 0xE0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
		*len = 3;
		return ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
	}
	if ((s[0] & 0xF8) == 0xF0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80) {
		*len = 4;
		return ((s[0] & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
	}
	*len = 1;
	return 0xFFFD;
}

static int is_dash(unsigned c)
{
	return c == 0x30FC || c == 0xFF0D || c == 0x2014 || c == 0x2010 || c == 0x2011 || c == 0x2012 ||
	       c == 0x2013 || c == 0x2212 || c == 0xFF70 || c == 0x4E00 /* 一 read for a dash */;
}

void norm_ascii(const char *in, char *out, size_t n)
{
	const unsigned char *s = (const unsigned char *)(in ? in : "");
	size_t o = 0;
	unsigned prev = 0;

	while (*s && o + 1 < n) {
		int l;
		unsigned c = utf8_cp(s, &l);
		unsigned next_l_c = 0;
		if (s[l]) {
			int l2;
			next_l_c = utf8_cp(s + l, &l2);
		}
		if (c >= 0xFF01 && c <= 0xFF5E)
			c -= 0xFEE0;
		else if (c == 0x3000)
			c = ' ';
		else if (c == 0xFFE5)
			c = 0xA5; /* fullwidth yen -> ¥ */
		if (is_dash(c) && isdigit((int)prev) &&
		    ((next_l_c >= '0' && next_l_c <= '9') || (next_l_c >= 0xFF10 && next_l_c <= 0xFF19)))
			c = '-';
		/* in Latin codes (DX-B2) a dash read as —, ー or several dashes is one '-' */
		if ((is_dash(c) || c == '-') && prev < 0x80 && (isalnum((int)prev) || prev == '-')) {
			if (prev == '-') {
				s += l;
				continue;
			}
			c = '-';
		}
		if (c < 0x80) {
			out[o++] = (char)c;
		} else {
			/* copy the original bytes (or the converted ¥) */
			char tmp[4];
			int tl;
			if (c == 0xA5) {
				tmp[0] = (char)0xC2;
				tmp[1] = (char)0xA5;
				tl = 2;
			} else {
				memcpy(tmp, s, (size_t)l);
				tl = l;
			}
			if (o + (size_t)tl + 1 >= n)
				break;
			memcpy(out + o, tmp, (size_t)tl);
			o += (size_t)tl;
		}
		prev = c;
		s += l;
	}
	out[o] = '\0';
}

int norm_text(const char *in, char *out, size_t n)
{
	char tmp[1024];
	size_t o = 0;

	norm_ascii(in, tmp, sizeof tmp);
	for (char *p = tmp; *p && o + 1 < n; p++)
		if (*p != ' ' && *p != '\t' && *p != '\n')
			out[o++] = *p;
	out[o] = '\0';
	return 0;
}

int norm_digits(const char *in, char *out, size_t n)
{
	char tmp[1024];
	size_t o = 0;
	int bad = 0;

	norm_ascii(in, tmp, sizeof tmp);
	for (char *p = tmp; *p; p++) {
		if (isdigit((unsigned char)*p)) {
			if (o + 1 < n)
				out[o++] = *p;
		} else if (*p != ' ' && *p != '-') {
			bad = 1;
		}
	}
	out[o] = '\0';
	return bad ? -1 : 0;
}

int norm_yen(const char *in, char *out, size_t n)
{
	char tmp[1024];
	size_t o = 0;
	int bad = 0, digits = 0;
	const char *p;

	norm_ascii(in, tmp, sizeof tmp);
	for (p = tmp; *p;) {
		unsigned char c = (unsigned char)*p;
		if (isdigit(c)) {
			if (o + 1 < n)
				out[o++] = (char)c;
			digits++;
			p++;
		} else if (c == ',' || c == ' ' || c == '.' || c == '\\') {
			/* thousands separators ('.' is how OCR often reads a small comma) */
			p++;
		} else if (!strncmp(p, "\xC2\xA5", 2)) {
			p += 2; /* ¥ */
		} else if (!strncmp(p, "\xE5\x86\x86", 3)) {
			p += 3; /* 円 */
		} else if (c == 'Y' || c == 'y') {
			p++;
		} else {
			bad = 1;
			p++;
		}
	}
	out[o] = '\0';
	/* drop leading zeros */
	size_t z = 0;
	while (z + 1 < o && out[z] == '0')
		z++;
	if (z)
		memmove(out, out + z, o - z + 1);
	return bad || (!digits && *str_trim(tmp)) ? -1 : 0;
}

static int days_in_month(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

struct era {
	const char *name, *latin;
	int start_y, start_m, start_d; /* first day of the era */
	int end_y, end_m, end_d;       /* last day */
};

static const struct era eras[] = {
	{ "令和", "R", 2019, 5, 1, 9999, 12, 31 },
	{ "平成", "H", 1989, 1, 8, 2019, 4, 30 },
	{ "昭和", "S", 1926, 12, 25, 1989, 1, 7 },
	{ "大正", "T", 1912, 7, 30, 1926, 12, 25 },
};

static long ymd(int y, int m, int d)
{
	return (long)y * 10000 + m * 100 + d;
}

/* Read up to 3 numbers separated by anything non-digit; returns how many. */
static int numbers(const char *s, int *v, int max)
{
	int k = 0;
	while (*s && k < max) {
		if (isdigit((unsigned char)*s)) {
			long x = strtol(s, (char **)&s, 10);
			v[k++] = x > 100000 ? 100000 : (int)x;
		} else {
			s++;
		}
	}
	return k;
}

int norm_date(const char *in, char *out, size_t n)
{
	char t[512];
	const struct era *era = NULL;
	const char *p;
	int v[4] = { 0 }, k, y, mo, d;

	norm_text(in, t, sizeof t);
	out[0] = '\0';
	if (!t[0])
		return 0;
	p = t;
	for (size_t i = 0; i < sizeof eras / sizeof eras[0]; i++) {
		size_t l = strlen(eras[i].name);
		if (!strncmp(p, eras[i].name, l)) {
			era = &eras[i];
			p += l;
			break;
		}
		if ((p[0] == eras[i].latin[0] || p[0] == eras[i].latin[0] + 32) && (isdigit((unsigned char)p[1]) || !strncmp(p + 1, "元", 3))) {
			era = &eras[i];
			p += 1;
			break;
		}
	}
	if (era && !strncmp(p, "元", 3)) { /* 元年 = year 1 */
		char tmp[512];
		snprintf(tmp, sizeof tmp, "1%s", p + 3);
		k = numbers(tmp, v, 4);
	} else {
		k = numbers(p, v, 4);
	}
	if (k != 3) {
		snprintf(out, n, "%s", t);
		return -1;
	}
	y = v[0];
	mo = v[1];
	d = v[2];
	if (era) {
		if (y < 1 || y > 99) {
			snprintf(out, n, "%s", t);
			return -1;
		}
		y = era->start_y + y - 1;
	}
	if (y < 1868 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) {
		snprintf(out, n, "%s", t);
		return -1;
	}
	snprintf(out, n, "%04d-%02d-%02d", y, mo, d);
	if (era && (ymd(y, mo, d) < ymd(era->start_y, era->start_m, era->start_d) ||
		    ymd(y, mo, d) > ymd(era->end_y, era->end_m, era->end_d)))
		return -1; /* e.g. 平成32年: no such era date */
	return 0;
}

int norm_postal(const char *in, char *out, size_t n)
{
	char t[512], dg[32];
	size_t k = 0;
	int bad = 0;

	norm_ascii(in, t, sizeof t);
	for (const char *p = t; *p; p++) {
		if (isdigit((unsigned char)*p)) {
			if (k + 1 < sizeof dg)
				dg[k++] = *p;
		} else if (!strncmp(p, "〒", 3)) {
			p += 2;
		} else if (*p == '-') {
			if (k != 3) /* the hyphen separates 3 digits from 4 */
				bad = 1;
		} else if (*p != ' ') {
			bad = 1;
		}
	}
	dg[k] = '\0';
	if (!k) {
		out[0] = '\0';
		return bad ? -1 : 0;
	}
	if (k != 7 || bad) {
		snprintf(out, n, "%s", t);
		return -1;
	}
	snprintf(out, n, "%.3s-%.4s", dg, dg + 3);
	return 0;
}

int norm_phone(const char *in, char *out, size_t n)
{
	char t[512];
	size_t o = 0, digits = 0;
	int bad = 0;

	norm_ascii(in, t, sizeof t);
	for (const char *p = t; *p && o + 1 < n; p++) {
		if (isdigit((unsigned char)*p)) {
			out[o++] = *p;
			digits++;
		} else if (*p == '-' || *p == '(' || *p == ')') {
			if (o && out[o - 1] != '-' && (*p != '(' || o))
				out[o++] = '-';
		} else if (*p != ' ') {
			bad = 1;
		}
	}
	while (o && out[o - 1] == '-')
		o--;
	out[o] = '\0';
	if (!digits)
		return bad ? -1 : 0;
	if (bad || (digits != 10 && digits != 11) || out[0] != '0')
		return -1;
	return 0;
}

int norm_email(const char *in, char *out, size_t n)
{
	char t[512];
	size_t o = 0;
	const char *at, *dot;

	norm_ascii(in, t, sizeof t);
	for (const char *p = t; *p && o + 1 < n; p++)
		if (*p != ' ')
			out[o++] = (char)tolower((unsigned char)*p);
	out[o] = '\0';
	if (!o)
		return 0;
	at = strchr(out, '@');
	if (!at || at == out || strchr(at + 1, '@'))
		return -1;
	dot = strrchr(at, '.');
	if (!dot || dot == at + 1 || !dot[1])
		return -1;
	for (const char *p = out; *p; p++)
		if (!(isalnum((unsigned char)*p) || strchr("@._-+", *p)))
			return -1;
	return 0;
}

int corporate_number_valid(const char *s)
{
	int sum = 0;

	if (!s || strlen(s) != 13)
		return 0;
	for (int i = 0; i < 13; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	/* base digits s[1..12]; P(n) counted from the right, weight 1 for odd n, 2 for even */
	for (int n = 1; n <= 12; n++) {
		int digit = s[13 - n] - '0';
		sum += digit * (n % 2 ? 1 : 2);
	}
	return s[0] - '0' == 9 - sum % 9;
}
