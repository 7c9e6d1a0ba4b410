/* forms.h: form templates (the .form files of models/forms, documented in docs/FORMS.md).
 *
 * A template says how a form is recognised (text printed on it and where the
 * title is), and where each field is, in millimetres from the page's top-left
 * corner. forms_load_dir() reads every *.form file of a folder; a mistake is
 * reported as "FILE:LINE: problem". Templates are read when a worker starts:
 * adding a form type needs no rebuild. */
#ifndef DP_FORMS_H
#define DP_FORMS_H

#include "err.h"
#include "fieldtype.h"

struct form_rect {
	double x, y, w, h; /* mm */
};

#define FORM_NAME_MAX 64
#define FORM_TEXT_MAX 256
#define FORM_OPTIONS_MAX 16
#define FORM_MATCH_MAX 8
#define FORM_RULES_MAX 32

struct form_option {
	char label[FORM_NAME_MAX];
	struct form_rect box;
};

struct form_field {
	char name[FORM_NAME_MAX];
	char label[FORM_TEXT_MAX];
	const struct field_type *type; /* its row in the field type table */
	struct form_rect box;
	int has_box;
	int cells;              /* comb field: N printed cells, one character each */
	int required;
	double min_conf;        /* below: needs_review */
	struct form_option opts[FORM_OPTIONS_MAX];
	int nopts;
	int line;               /* where it was defined, for messages */
};

struct form_rule {
	char text[FORM_TEXT_MAX]; /* "total = fee + postage" */
	int line;
};

struct form {
	char path[1024];
	char id[FORM_NAME_MAX];
	char name[FORM_TEXT_MAX];
	char procedure[32];
	double page_w, page_h;  /* mm */
	char match[FORM_MATCH_MAX][FORM_TEXT_MAX];
	int nmatch;
	struct form_rect title;
	struct form_field *fields;
	int nfields;
	struct form_rule rules[FORM_RULES_MAX];
	int nrules;
};

struct form_set {
	struct form *forms;
	int n;
};

enum dp_err forms_parse(struct form *f, const char *name, const char *text, struct dp_msg *m);
enum dp_err forms_load_dir(struct form_set *fs, const char *dir, struct dp_msg *m);
void forms_release(struct form_set *fs);
const struct form *forms_find(const struct form_set *fs, const char *id);
const struct form_field *form_field(const struct form *f, const char *name);

#endif
