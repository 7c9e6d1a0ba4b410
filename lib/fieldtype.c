/* fieldtype.c: the field type table (see fieldtype.h). */
#include "fieldtype.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "normalize.h"
#include "util.h"

#define KATAKANA                                                                                                    \
	"ァアィイゥウェエォオカガキギクグケゲコゴサザシジスズセゼソゾタダチヂッツヅテデトドナニヌネノハバパヒビピフブプヘベペホボポ" \
	"マミムメモャヤュユョヨラリルレロヮワヰヱヲンヴヵヶー"

/* The characters of dates and era years: digits, separators and the era
 * names and initials of ICU's Japanese calendar (filled in once, by
 * init_era_chars: a new era needs no code change). */
static char date_allowed[512], date_latin[64], year_allowed[512], year_latin[64];

/* brackets, quotes and ASCII symbols: never part of a name, an address or
 * a description on a form (after NFKC, full-width forms are these); a
 * speck above the line between two characters reads as ' */
#define TEXT_NEVER "「」『』【】〔〕〈〉《》[]{}|\\^`\"'‘’“”<>~"

/* name, read, model, allowed, latin, min_conf, normalise, multi, never, second, person */
static const struct field_type types[] = {
	{ "text", FIELD_READ_TEXT, FIELD_MODEL_JPN, "", "", 90, norm_text, 0, TEXT_NEVER, 1, FIELD_PERSON_WRITTEN },
	{ "kana", FIELD_READ_TEXT, FIELD_MODEL_JPN, KATAKANA, NULL, 90, norm_text, 0, TEXT_NEVER, 1, FIELD_PERSON_READING },
	{ "digits", FIELD_READ_TEXT, FIELD_MODEL_ENG, "0123456789", NULL, 80, norm_digits, 0, NULL, 0, 0 },
	{ "yen", FIELD_READ_TEXT, FIELD_MODEL_JPN, "0123456789,¥円", "0123456789,Y", 80, norm_yen, 0, NULL, 0, 0 },
	{ "date", FIELD_READ_TEXT, FIELD_MODEL_JPN, date_allowed, date_latin, 80, norm_date, 0, NULL, 0, 0 },
	{ "era_year", FIELD_READ_TEXT, FIELD_MODEL_JPN, year_allowed, year_latin, 80, norm_era_year, 0, NULL, 0, 0 },
	{ "postal", FIELD_READ_TEXT, FIELD_MODEL_JPN, "0123456789-〒", "0123456789-", 80, norm_postal, 0, NULL, 0, 0 },
	{ "phone", FIELD_READ_TEXT, FIELD_MODEL_ENG, "0123456789-", NULL, 80, norm_phone, 0, NULL, 0, 0 },
	{ "email", FIELD_READ_TEXT, FIELD_MODEL_ENG, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@._-+",
	  NULL, 80, norm_email, 0, NULL, 0, 0 },
	{ "checkbox", FIELD_READ_TICK, FIELD_MODEL_JPN, "", NULL, 0, NULL, 0, NULL, 0, 0 },
	{ "choice", FIELD_READ_CHOICE, FIELD_MODEL_JPN, "", NULL, 0, NULL, 0, NULL, 0, 0 },
	{ "choices", FIELD_READ_CHOICE, FIELD_MODEL_JPN, "", NULL, 0, NULL, 1, NULL, 0, 0 },
};
#define NTYPES (sizeof types / sizeof types[0])

static pthread_once_t era_chars_once = PTHREAD_ONCE_INIT;

static void init_era_chars(void)
{
	char eras[256], initials[32] = "";
	size_t k = 0;

	norm_eras(eras, sizeof eras);
	/* the ASCII letters of "明治M大正T..." are the initials, upper and lower case */
	for (const char *p = eras; *p && k + 3 < sizeof initials; p++)
		if (*p >= 'A' && *p <= 'Z') {
			initials[k++] = *p;
			initials[k++] = (char)(*p + 32);
		}
	initials[k] = '\0';
	snprintf(date_allowed, sizeof date_allowed, "0123456789年月日元.-/%s", eras);
	snprintf(date_latin, sizeof date_latin, "0123456789%s.-/", initials);
	snprintf(year_allowed, sizeof year_allowed, "0123456789年度元%s", eras);
	snprintf(year_latin, sizeof year_latin, "0123456789%s", initials);
}

const struct field_type *field_type_find(const char *name)
{
	pthread_once(&era_chars_once, init_era_chars);
	for (size_t i = 0; i < NTYPES; i++)
		if (!strcmp(types[i].name, name))
			return &types[i];
	return NULL;
}

void field_type_names(char *out, size_t n)
{
	out[0] = '\0';
	for (size_t i = 0; i < NTYPES; i++) {
		size_t l = strlen(out);
		snprintf(out + l, n - l, "%s%s", i ? ", " : "", types[i].name);
	}
}

int field_type_normalise(const struct field_type *t, const char *raw, char *out, size_t n)
{
	if (!t->normalise) {
		str_copy(out, n, raw);
		return 0;
	}
	return t->normalise(raw, out, n);
}

int field_type_never(const struct field_type *t, const char *v)
{
	if (!t->never)
		return 0;
	/* UTF-8 synchronises: a whole character of v found in never is one of
	 * never's characters */
	for (const unsigned char *p = (const unsigned char *)v; *p;) {
		size_t l = *p < 0x80 ? 1 : *p < 0xE0 ? 2 : *p < 0xF0 ? 3 : 4;
		char ch[5] = "";
		size_t k;
		for (k = 0; k < l && p[k]; k++)
			ch[k] = (char)p[k];
		ch[k] = '\0';
		if (strstr(t->never, ch))
			return 1;
		p += k;
	}
	return 0;
}

int field_type_valid(const struct field_type *t, const char *v)
{
	char out[1024];

	return !*v || field_type_normalise(t, v, out, sizeof out) == 0;
}
