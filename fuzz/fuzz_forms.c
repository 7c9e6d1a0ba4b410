/* fuzz_forms.c: libFuzzer target for forms_parse() (lib/forms.c), the reader
 * of the .form templates in models/forms (and, through [check] rules, of
 * expr_check_rule and expr_names in lib/expr.c).
 *
 * Input: the text of one template (forms_load_dir refuses a NUL byte, so
 * the text ends at the first one). Checks: memory safety and no leak
 * (fields are freed whether the template was accepted or not); an accepted
 * template has an id, a match line, a title box on the page, and every field
 * a known type with a box or, for a choice, at least two options. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/forms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct form f; /* about 12 KiB */
	struct dp_msg m;
	char *text = malloc(len + 1);
	enum dp_err e;

	if (!text)
		return 0;
	memcpy(text, data, len);
	text[len] = '\0';
	m.text[0] = '\0';
	e = forms_parse(&f, "fuzz.form", text, &m);
	if (e == DP_OK) {
		if (!f.id[0] || f.nmatch < 1 || f.nmatch > FORM_MATCH_MAX || f.title.w <= 0 ||
		    f.nrules > FORM_RULES_MAX) {
			fprintf(stderr, "fuzz_forms: accepted an incomplete template\n");
			abort();
		}
		if (f.qr != FORM_QR_NONE && f.qr != FORM_QR_OPTIONAL && f.qr != FORM_QR_REQUIRED) {
			fprintf(stderr, "fuzz_forms: qr %d\n", (int)f.qr);
			abort();
		}
		for (int i = 0; i < f.nfields; i++) {
			const struct form_field *fd = &f.fields[i];
			/* one field per role, and by_role finds it */
			if (fd->role < ROLE_NONE || fd->role >= ROLE_COUNT ||
			    (fd->role && form_field_by_role(&f, fd->role) != fd)) {
				fprintf(stderr, "fuzz_forms: role %d of field '%s'\n", (int)fd->role, fd->name);
				abort();
			}
			if (!fd->type || field_type_find(fd->type->name) != fd->type || fd->min_conf < 0 ||
			    (fd->type->read == FIELD_READ_CHOICE ? fd->nopts < 2 : !fd->has_box) ||
			    form_field(&f, fd->name) != &f.fields[i]) {
				fprintf(stderr, "fuzz_forms: accepted a bad field '%s'\n", fd->name);
				abort();
			}
		}
	} else if (!m.text[0]) {
		fprintf(stderr, "fuzz_forms: error %d without a message\n", (int)e);
		abort();
	}
	free(f.fields);
	f.fields = NULL;
	free(text);
	return 0;
}
