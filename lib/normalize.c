/* normalize.c: value normalisation per field type (see normalize.h). */
#include "normalize.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unicode/ucal.h>
#include <unicode/udat.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include "util.h"

/* ICU's Japanese calendar: eras and their first days come from it (no hand
 * table), so a new era needs an ICU update, not a code change. */
#define JA_CAL_LOCALE "ja_JP@calendar=japanese"
#define DAY_MS 86400000.0

/* Text through ICU's NFKC: full-width ASCII, half-width katakana (ｶﾀｶﾅ),
 * circled digits (①), the ideographic space, ㍻ and the like become their
 * plain forms. Returns a malloc'd UTF-8 string (invalid UTF-8 becomes
 * U+FFFD), NULL if ICU failed. */
static char *nfkc(const char *in)
{
	UErrorCode st = U_ZERO_ERROR;
	const UNormalizer2 *n2 = unorm2_getNFKCInstance(&st);
	int32_t l16 = 0, ln = 0, l8 = 0;
	UChar *u = NULL, *nu = NULL;
	char *out = NULL;

	if (U_FAILURE(st))
		return NULL;
	u_strFromUTF8WithSub(NULL, 0, &l16, in, -1, 0xFFFD, NULL, &st);
	if (st != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(st))
		return NULL;
	st = U_ZERO_ERROR;
	u = xmalloc(((size_t)l16 + 1) * sizeof *u);
	u_strFromUTF8WithSub(u, l16 + 1, NULL, in, -1, 0xFFFD, NULL, &st);
	if (U_FAILURE(st))
		goto out;
	ln = unorm2_normalize(n2, u, l16, NULL, 0, &st);
	if (st != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(st))
		goto out;
	st = U_ZERO_ERROR;
	nu = xmalloc(((size_t)ln + 1) * sizeof *nu);
	unorm2_normalize(n2, u, l16, nu, ln + 1, &st);
	if (U_FAILURE(st))
		goto out;
	u_strToUTF8(NULL, 0, &l8, nu, ln, &st);
	if (st != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(st))
		goto out;
	st = U_ZERO_ERROR;
	out = xmalloc((size_t)l8 + 1);
	u_strToUTF8(out, l8 + 1, NULL, nu, ln, &st);
	if (U_FAILURE(st)) {
		free(out);
		out = NULL;
	}
out:
	free(u);
	free(nu);
	return out;
}

static int is_dash(unsigned c)
{
	return c == 0x30FC || c == 0xFF0D || c == 0x2014 || c == 0x2010 || c == 0x2011 || c == 0x2012 ||
	       c == 0x2013 || c == 0x2212 || c == 0xFF70 || c == 0x4E00 /* 一 read for a dash */;
}

void norm_ascii(const char *in, char *out, size_t n)
{
	char *folded = nfkc(in ? in : "");
	const unsigned char *s = (const unsigned char *)(folded ? folded : in ? in : "");
	size_t o = 0;
	unsigned prev = 0;

	if (!n) {
		free(folded);
		return;
	}
	while (*s && o + 1 < n) {
		int l;
		unsigned c = utf8_decode((const char *)s, &l);
		unsigned next_c = 0;
		if (s[l]) {
			int l2;
			next_c = utf8_decode((const char *)s + l, &l2);
		}
		/* OCR's dash variants between digits are '-' (NFKC keeps ー, —, 一) */
		if (is_dash(c) && isdigit((int)prev) && next_c >= '0' && next_c <= '9')
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
			if (o + (size_t)l + 1 >= n)
				break;
			memcpy(out + o, s, (size_t)l);
			o += (size_t)l;
		}
		prev = c;
		s += l;
	}
	out[o] = '\0';
	free(folded);
}

int norm_text(const char *in, char *out, size_t n)
{
	char tmp[1024], packed[1024];
	size_t o = 0;

	norm_ascii(in, tmp, sizeof tmp);
	for (char *p = tmp; *p && o + 1 < sizeof packed; p++)
		if (*p != ' ' && *p != '\t' && *p != '\n')
			packed[o++] = *p;
	packed[o] = '\0';
	/* a dash read between digits with spaces around it ("2 一 4") is '-'
	 * once the spaces are gone, as norm_ascii makes it without them */
	o = 0;
	for (const char *p = packed; *p && o + 1 < n;) {
		int l;
		unsigned c = utf8_decode(p, &l);
		if (is_dash(c) && p > packed && isdigit((unsigned char)p[-1]) && isdigit((unsigned char)p[l])) {
			out[o++] = '-';
			p += l;
			continue;
		}
		if (o + (size_t)l + 1 > n)
			break;
		memcpy(out + o, p, (size_t)l);
		o += (size_t)l;
		p += l;
	}
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

/* The eras of ICU's Japanese calendar from 明治 on, read once from ICU:
 * names (明治, 大正, ..., 令和 and any later one ICU knows), their Latin
 * initials (M T S H R) and first days. */
#define ERAS_MAX 16

struct era {
	int icu;                       /* ICU's era number */
	char name[32], latin[8];       /* 令和, R */
	int start_y, start_m, start_d; /* first day */
	int end_y, end_m, end_d;       /* last day (9999-12-31 for the current era) */
};

static struct era eras[ERAS_MAX];
static int neras;
static pthread_once_t eras_once = PTHREAD_ONCE_INIT;

static UCalendar *ja_calendar(void)
{
	UErrorCode st = U_ZERO_ERROR;
	UCalendar *c = ucal_open(u"UTC", -1, JA_CAL_LOCALE, UCAL_TRADITIONAL, &st);
	if (U_FAILURE(st)) {
		if (c)
			ucal_close(c);
		return NULL;
	}
	return c;
}

static void era_text(UDateFormat *f, UDate d, char *out, size_t n)
{
	UErrorCode st = U_ZERO_ERROR;
	UChar buf[32];
	int32_t l = udat_format(f, d, buf, 32, NULL, &st);
	out[0] = '\0';
	if (U_FAILURE(st) || l >= 32)
		return;
	u_strToUTF8(out, (int32_t)n, NULL, buf, l, &st);
	if (U_FAILURE(st))
		out[0] = '\0';
}

static void load_eras(void)
{
	UErrorCode st = U_ZERO_ERROR;
	UCalendar *c = ja_calendar();
	UDateFormat *full = NULL, *narrow = NULL;
	int first, last;

	if (!c)
		return;
	full = udat_open(UDAT_PATTERN, UDAT_PATTERN, JA_CAL_LOCALE, u"UTC", -1, u"GGGG", -1, &st);
	narrow = udat_open(UDAT_PATTERN, UDAT_PATTERN, JA_CAL_LOCALE, u"UTC", -1, u"GGGGG", -1, &st);
	if (U_FAILURE(st))
		goto out;
	/* the era of 1873-01-01 (明治 6) is the first modern era */
	ucal_clear(c);
	ucal_set(c, UCAL_EXTENDED_YEAR, 1873);
	ucal_set(c, UCAL_MONTH, UCAL_JANUARY);
	ucal_set(c, UCAL_DATE, 1);
	first = ucal_get(c, UCAL_ERA, &st);
	last = ucal_getLimit(c, UCAL_ERA, UCAL_MAXIMUM, &st);
	if (U_FAILURE(st))
		goto out;
	for (int e = first; e <= last && neras < ERAS_MAX; e++) {
		struct era *r = &eras[neras];
		UDate d;
		int k;
		/* year 1 of era e starts in that western year, on its first day of era e */
		ucal_clear(c);
		ucal_set(c, UCAL_ERA, e);
		ucal_set(c, UCAL_YEAR, 1);
		ucal_set(c, UCAL_MONTH, UCAL_JANUARY);
		ucal_set(c, UCAL_DATE, 1);
		d = ucal_getMillis(c, &st);
		for (k = 0; k < 367 && U_SUCCESS(st); k++) {
			ucal_setMillis(c, d + k * DAY_MS, &st);
			if (ucal_get(c, UCAL_ERA, &st) == e)
				break;
		}
		if (U_FAILURE(st) || k == 367)
			break;
		d += k * DAY_MS;
		r->icu = e;
		r->start_y = ucal_get(c, UCAL_EXTENDED_YEAR, &st);
		r->start_m = ucal_get(c, UCAL_MONTH, &st) + 1;
		r->start_d = ucal_get(c, UCAL_DATE, &st);
		era_text(full, d, r->name, sizeof r->name);
		era_text(narrow, d, r->latin, sizeof r->latin);
		if (U_FAILURE(st) || !r->name[0])
			break;
		/* a Latin initial is one ASCII letter (M, T, S, H, R), else none */
		if (!(isupper((unsigned char)r->latin[0]) && !r->latin[1]))
			r->latin[0] = '\0';
		r->end_y = 9999;
		r->end_m = 12;
		r->end_d = 31;
		if (neras) {
			/* the previous era ends the day before */
			struct era *p = &eras[neras - 1];
			ucal_setMillis(c, d - DAY_MS, &st);
			p->end_y = ucal_get(c, UCAL_EXTENDED_YEAR, &st);
			p->end_m = ucal_get(c, UCAL_MONTH, &st) + 1;
			p->end_d = ucal_get(c, UCAL_DATE, &st);
		}
		neras++;
	}
out:
	if (full)
		udat_close(full);
	if (narrow)
		udat_close(narrow);
	ucal_close(c);
}

static int era_count(void)
{
	pthread_once(&eras_once, load_eras);
	return neras;
}

int norm_eras(char *names, size_t n)
{
	int k = era_count();
	size_t o = 0;

	if (n)
		names[0] = '\0';
	for (int i = 0; i < k && n; i++) {
		int w = snprintf(names + o, n - o, "%s%s", eras[i].name, eras[i].latin);
		if (w < 0 || (size_t)w >= n - o)
			break;
		o += (size_t)w;
	}
	return k;
}

/* The western year of year y of an era, by ICU's Japanese calendar. */
static int era_western_year(const struct era *e, int y)
{
	UErrorCode st = U_ZERO_ERROR;
	UCalendar *c = ja_calendar();
	int w;

	if (!c)
		return e->start_y + y - 1;
	ucal_clear(c);
	ucal_set(c, UCAL_ERA, e->icu);
	ucal_set(c, UCAL_YEAR, y);
	ucal_set(c, UCAL_MONTH, UCAL_JULY);
	ucal_set(c, UCAL_DATE, 1);
	w = ucal_get(c, UCAL_EXTENDED_YEAR, &st);
	ucal_close(c);
	return U_FAILURE(st) ? e->start_y + y - 1 : w;
}

/* An era name (令和) or its Latin initial followed by a digit or 元 (R2, H元)
 * at the start of p: the era, and *len its length; NULL when none. */
static const struct era *era_prefix(const char *p, size_t *len)
{
	int k = era_count();
	for (int i = 0; i < k; i++) {
		size_t l = strlen(eras[i].name);
		if (l && !strncmp(p, eras[i].name, l)) {
			*len = l;
			return &eras[i];
		}
	}
	for (int i = 0; i < k; i++)
		if (eras[i].latin[0] && (p[0] == eras[i].latin[0] || p[0] == eras[i].latin[0] + 32) &&
		    (isdigit((unsigned char)p[1]) || !strncmp(p + 1, "元", 3))) {
			*len = 1;
			return &eras[i];
		}
	return NULL;
}

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

/* norm_text of in into t (size tn), its era (or NULL) into *era; returns
 * where the year starts (after the era name or letter). */
static const char *era_text_start(const char *in, char *t, size_t tn, const struct era **era)
{
	size_t el = 0;

	norm_text(in, t, tn);
	*era = t[0] ? era_prefix(t, &el) : NULL;
	return t + el;
}

int norm_date(const char *in, char *out, size_t n)
{
	char t[512];
	const struct era *era = NULL;
	const char *p = era_text_start(in, t, sizeof t, &era);
	int v[4] = { 0 }, k, y, mo, d;

	out[0] = '\0';
	if (!t[0])
		return 0;
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
		y = era_western_year(era, y);
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

int norm_era_year(const char *in, char *out, size_t n)
{
	char t[512];
	const struct era *era = NULL;
	const char *p = era_text_start(in, t, sizeof t, &era);
	long y, ndigits = 0;
	char *end;

	out[0] = '\0';
	if (!t[0])
		return 0;
	if (era && !strncmp(p, "元", 3)) {
		y = 1;
		end = (char *)p + 3;
	} else if (isdigit((unsigned char)*p)) {
		y = strtol(p, &end, 10);
		ndigits = end - p;
	} else {
		goto bad;
	}
	/* what may follow the number: 年度, 年, 度 (a fiscal year is written 年度) */
	if (!strcmp(end, "年度") || !strcmp(end, "年") || !strcmp(end, "度"))
		end += strlen(end);
	if (*end)
		goto bad;
	if (era) {
		int w;
		if (y < 1 || y > 99)
			goto bad;
		w = era_western_year(era, (int)y);
		/* some day of that western year must belong to the era: 平成31年
		 * (2019, until 4月30日) is, 平成32年 is not */
		if (w < era->start_y || w > era->end_y)
			goto bad;
		y = w;
	} else if (ndigits != 4 || y < 1868 || y > 2200) {
		goto bad;
	}
	snprintf(out, n, "%04ld", y);
	return 0;
bad:
	snprintf(out, n, "%s", t);
	return -1;
}

int norm_date_today(char *out, size_t n)
{
	time_t now = time(NULL);
	struct tm tm;

	if (!localtime_r(&now, &tm))
		return -1;
	snprintf(out, n, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
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
