/* fieldtype.c: the field type table (see fieldtype.h). */
#include "fieldtype.h"

#include <stdio.h>
#include <string.h>

#include "normalize.h"
#include "util.h"

#define KATAKANA                                                                                                    \
	"ァアィイゥウェエォオカガキギクグケゲコゴサザシジスズセゼソゾタダチヂッツヅテデトドナニヌネノハバパヒビピフブプヘベペホボポ" \
	"マミムメモャヤュユョヨラリルレロヮワヰヱヲンヴヵヶー"

/* name, read, model, allowed, latin, min_conf, normalise */
static const struct field_type types[] = {
	{ "text", FIELD_READ_TEXT, FIELD_MODEL_JPN, "", "", 80, norm_text },
	{ "kana", FIELD_READ_TEXT, FIELD_MODEL_JPN, KATAKANA, NULL, 80, norm_text },
	{ "digits", FIELD_READ_TEXT, FIELD_MODEL_ENG, "0123456789", NULL, 80, norm_digits },
	{ "yen", FIELD_READ_TEXT, FIELD_MODEL_JPN, "0123456789,¥円", "0123456789,Y", 80, norm_yen },
	{ "date", FIELD_READ_TEXT, FIELD_MODEL_JPN, "0123456789年月日元令和平成昭和大正RHST.-/", "0123456789RHSTrhst.-/",
	  80, norm_date },
	{ "postal", FIELD_READ_TEXT, FIELD_MODEL_JPN, "0123456789-〒", "0123456789-", 80, norm_postal },
	{ "phone", FIELD_READ_TEXT, FIELD_MODEL_ENG, "0123456789-", NULL, 80, norm_phone },
	{ "email", FIELD_READ_TEXT, FIELD_MODEL_ENG, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@._-+",
	  NULL, 80, norm_email },
	{ "checkbox", FIELD_READ_TICK, FIELD_MODEL_JPN, "", NULL, 0, NULL },
	{ "choice", FIELD_READ_CHOICE, FIELD_MODEL_JPN, "", NULL, 0, NULL },
};
#define NTYPES (sizeof types / sizeof types[0])

const struct field_type *field_type_find(const char *name)
{
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

int field_type_valid(const struct field_type *t, const char *v)
{
	char out[1024];

	return !*v || field_type_normalise(t, v, out, sizeof out) == 0;
}
