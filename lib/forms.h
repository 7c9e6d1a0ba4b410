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

/* What a field is for: the fee, Pay-easy, QR identity and grant checks find
 * their fields by role, not by name. A field without `role =` whose name is
 * a role's name (or a legacy alias: company -> org, payeasy_confirm ->
 * payeasy_confirmation) gets that role. */
enum form_role {
	ROLE_NONE = 0,
	ROLE_FEE,
	ROLE_COPIES,
	ROLE_POSTAGE,
	ROLE_TOTAL,
	ROLE_PAYMENT,
	ROLE_PAYEASY_BILLER,
	ROLE_PAYEASY_CUSTOMER,
	ROLE_PAYEASY_CONFIRMATION,
	ROLE_NAME,
	ROLE_ORG,
	ROLE_TEL,
	ROLE_VISIT,
	ROLE_CORPORATE_NUMBER,
	ROLE_PROGRAM,
	ROLE_APPLICATION_DATE,
	ROLE_AMOUNT,
	ROLE_ELIGIBLE_COST,
	ROLE_DELIVERY,
	ROLE_COUNT
};

enum form_qr {
	FORM_QR_NONE = 0, /* the form carries no QR code (default) */
	FORM_QR_OPTIONAL, /* it may carry one: nothing is reported when missing */
	FORM_QR_REQUIRED, /* it must: qr_missing / qr_unreadable */
};

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
	enum form_role role;    /* ROLE_NONE: no check uses it */
	int role_line;          /* the line of its `role =`, 0 when taken from the name */
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
	enum form_qr qr;        /* qr = required | optional | none */
	char reference[1024];   /* reference = FILE, resolved against the template's folder; "" none */
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
/* The field of f with role r, NULL if none. */
const struct form_field *form_field_by_role(const struct form *f, enum form_role r);
/* "fee", "payeasy_confirmation", ... ("" for ROLE_NONE). */
const char *form_role_name(enum form_role r);
/* The role named s, ROLE_NONE if there is none. */
enum form_role form_role_find(const char *s);
/* The name a check uses in its messages for role r when the template has no
 * field with it (the legacy field name: payeasy_confirm, ...). */
const char *form_role_default_field(enum form_role r);
/* A rule's name "FORM_ID.FIELD" split at the dot: form id into id (size n),
 * returns the field part; a plain name: id "" and the name itself. */
const char *form_rule_name_split(const char *qname, char *id, size_t n);

#endif
