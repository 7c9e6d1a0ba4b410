/* forms.c: the form templates: their keys and checks (see forms.h and docs/FORMS.md); ini.c reads the lines. */
#include "forms.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "expr.h"
#include "ini.h"
#include "util.h"

static int parse_rect(const char *s, struct form_rect *r)
{
	char extra;
	return sscanf(s, "%lf %lf %lf %lf %c", &r->x, &r->y, &r->w, &r->h, &extra) == 4 && r->w > 0 && r->h > 0 &&
			       r->x >= 0 && r->y >= 0
		       ? 0
		       : -1;
}

static int inside(const struct form *f, const struct form_rect *r)
{
	return r->x + r->w <= f->page_w + 0.01 && r->y + r->h <= f->page_h + 0.01;
}

static int utf8_chars(const char *s)
{
	int n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xC0) != 0x80 && *p != ' ')
			n++;
	return n;
}

static int valid_name(const char *s)
{
	if (!*s)
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || (*p >= 'A' && *p <= 'Z')))
			return 0;
	return 1;
}

#define FAIL(...) return dp_fail(m, DP_ERR_CONFIG, __VA_ARGS__)

/* role names, in enum form_role order; the second name is the legacy field
 * name that also gives the role (company -> org) */
static const struct {
	const char *name, *alias;
} ROLES[ROLE_COUNT] = {
	[ROLE_NONE] = { "", NULL },
	[ROLE_FEE] = { "fee", NULL },
	[ROLE_COPIES] = { "copies", NULL },
	[ROLE_POSTAGE] = { "postage", NULL },
	[ROLE_TOTAL] = { "total", NULL },
	[ROLE_PAYMENT] = { "payment", NULL },
	[ROLE_PAYEASY_BILLER] = { "payeasy_biller", NULL },
	[ROLE_PAYEASY_CUSTOMER] = { "payeasy_customer", NULL },
	[ROLE_PAYEASY_CONFIRMATION] = { "payeasy_confirmation", "payeasy_confirm" },
	[ROLE_NAME] = { "name", NULL },
	[ROLE_ORG] = { "org", "company" },
	[ROLE_TEL] = { "tel", NULL },
	[ROLE_VISIT] = { "visit", NULL },
	[ROLE_CORPORATE_NUMBER] = { "corporate_number", NULL },
	[ROLE_PROGRAM] = { "program", NULL },
	[ROLE_APPLICATION_DATE] = { "application_date", NULL },
	[ROLE_AMOUNT] = { "amount", NULL },
	[ROLE_ELIGIBLE_COST] = { "eligible_cost", NULL },
	[ROLE_DELIVERY] = { "delivery", NULL },
};

const char *form_role_name(enum form_role r)
{
	return r > ROLE_NONE && r < ROLE_COUNT ? ROLES[r].name : "";
}

enum form_role form_role_find(const char *s)
{
	for (int r = ROLE_NONE + 1; r < ROLE_COUNT; r++)
		if (!strcmp(ROLES[r].name, s))
			return (enum form_role)r;
	return ROLE_NONE;
}

const char *form_role_default_field(enum form_role r)
{
	if (r <= ROLE_NONE || r >= ROLE_COUNT)
		return "";
	return ROLES[r].alias && r == ROLE_PAYEASY_CONFIRMATION ? ROLES[r].alias : ROLES[r].name;
}

static void role_names(char *out, size_t n)
{
	out[0] = '\0';
	for (int r = ROLE_NONE + 1; r < ROLE_COUNT; r++) {
		size_t l = strlen(out);
		snprintf(out + l, n - l, "%s%s", r > 1 ? ", " : "", ROLES[r].name);
	}
}

const char *form_rule_name_split(const char *qname, char *id, size_t n)
{
	const char *dot = strchr(qname, '.');
	size_t l;

	if (!dot) {
		if (n)
			id[0] = '\0';
		return qname;
	}
	l = (size_t)(dot - qname);
	if (n) {
		if (l >= n)
			l = n - 1;
		memcpy(id, qname, l);
		id[l] = '\0';
	}
	return dot + 1;
}

/* reference = FILE: resolved against the template's folder, and readable */
static int set_reference(struct form *f, const char *tmpl, const char *val, struct ini *in, struct dp_msg *m)
{
	const char *slash = strrchr(tmpl, '/');
	struct stat st;
	int fd, w;

	if (!*val)
		return ini_fail(in, m, "reference needs the name of a scan of the form (a file beside the template)");
	if (val[0] == '/' || !slash)
		w = snprintf(f->reference, sizeof f->reference, "%s", val);
	else
		w = snprintf(f->reference, sizeof f->reference, "%.*s/%s", (int)(slash - tmpl), tmpl, val);
	if (w < 0 || (size_t)w >= sizeof f->reference)
		return ini_fail(in, m, "reference '%s': the path is too long", val);
	fd = open(f->reference, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ini_fail(in, m, "reference '%s': cannot read '%s': %s", val, f->reference, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ini_fail(in, m, "reference '%s': '%s' is not a file", val, f->reference);
	}
	close(fd);
	return 0;
}

/* Fields without `role =` whose name is a role's (or its alias) get it, when
 * no other field took that role; two fields with one role are an error. */
static enum dp_err assign_roles(struct form *f, const char *name, struct dp_msg *m)
{
	for (int i = 0; i < f->nfields; i++)
		for (int k = 0; k < i; k++)
			if (f->fields[i].role && f->fields[i].role == f->fields[k].role)
				FAIL("%s:%d: fields '%s' and '%s' both have role '%s' (one field per role)", name,
				     f->fields[i].role_line ? f->fields[i].role_line : f->fields[i].line, f->fields[k].name,
				     f->fields[i].name, form_role_name(f->fields[i].role));
	for (int r = ROLE_NONE + 1; r < ROLE_COUNT; r++) {
		struct form_field *by_name = NULL, *by_alias = NULL;
		if (form_field_by_role(f, (enum form_role)r))
			continue;
		for (int i = 0; i < f->nfields; i++) {
			struct form_field *fd = &f->fields[i];
			if (fd->role_line)
				continue; /* its own role = ... */
			if (!strcmp(fd->name, ROLES[r].name))
				by_name = fd;
			else if (ROLES[r].alias && !strcmp(fd->name, ROLES[r].alias))
				by_alias = fd;
		}
		if (!by_name)
			by_name = by_alias;
		if (by_name && !by_name->role)
			by_name->role = (enum form_role)r;
	}
	return DP_OK;
}

static enum dp_err finish_field(const struct form *f, const struct form_field *fd, const char *name,
				struct dp_msg *m)
{
	if (fd->type->read == FIELD_READ_CHOICE) {
		if (fd->nopts < 2 && fd->type->multi)
			FAIL("%s:%d: field '%s' is a choices group but has fewer than two 'option =' lines", name, fd->line,
			     fd->name);
		if (fd->nopts < 2)
			FAIL("%s:%d: field '%s' is a choice but has fewer than two 'option =' lines", name, fd->line,
			     fd->name);
		for (int i = 0; i < fd->nopts; i++)
			if (!inside(f, &fd->opts[i].box))
				FAIL("%s:%d: option '%s' of field '%s' lies outside the %gx%g mm page", name, fd->line,
				     fd->opts[i].label, fd->name, f->page_w, f->page_h);
		return DP_OK;
	}
	if (!fd->has_box)
		FAIL("%s:%d: field '%s' has no 'box = X Y WIDTH HEIGHT'", name, fd->line, fd->name);
	if (!inside(f, &fd->box))
		FAIL("%s:%d: the box of field '%s' lies outside the %gx%g mm page", name, fd->line, fd->name, f->page_w,
		     f->page_h);
	if (fd->nopts)
		FAIL("%s:%d: field '%s' has options but is not 'type = choice' or 'type = choices'", name, fd->line,
		     fd->name);
	return DP_OK;
}

enum dp_err forms_parse(struct form *f, const char *name, const char *text, struct dp_msg *m)
{
	enum { NONE, FORM, FIELD, CHECK } sec = NONE;
	struct form_field *fd = NULL;
	int have_form = 0;
	struct ini in;
	enum dp_err e;

	memset(f, 0, sizeof *f);
	str_copy(f->path, sizeof f->path, name);
	f->page_w = 210;
	f->page_h = 297;
	ini_start(&in, name, text);
	while (ini_next(&in, m)) {
		const char *s = in.section, *key = in.key;
		char *val = in.value;

		if (!key) {
			if (fd && (e = finish_field(f, fd, name, m)))
				return e;
			fd = NULL;
			if (!strcmp(s, "form")) {
				sec = FORM;
				have_form = 1;
			} else if (!strcmp(s, "check")) {
				sec = CHECK;
			} else if (!strncmp(s, "field", 5) && (s[5] == ' ' || s[5] == '\t')) {
				const char *fname = s + 5 + strspn(s + 5, " \t\n\v\f\r");
				if (!valid_name(fname) || strlen(fname) >= FORM_NAME_MAX)
					return ini_fail(&in, m, "field name '%s' must be letters, digits and _ (it is the name stored in the database)",
							fname);
				for (int i = 0; i < f->nfields; i++)
					if (!strcmp(f->fields[i].name, fname))
						return ini_fail(&in, m, "field '%s' is defined twice (first on line %d)",
								fname, f->fields[i].line);
				f->fields = xrealloc(f->fields, (size_t)(f->nfields + 1) * sizeof *f->fields);
				fd = &f->fields[f->nfields++];
				memset(fd, 0, sizeof *fd);
				str_copy(fd->name, sizeof fd->name, fname);
				fd->line = in.line;
				fd->type = field_type_find("text");
				fd->min_conf = -1;
				sec = FIELD;
			} else {
				return ini_fail(&in, m, "unknown section [%s] (expected [form], [field NAME] or [check])", s);
			}
			continue;
		}
		if (sec == FORM) {
			if (!strcmp(key, "id")) {
				if (!valid_name(val) || strlen(val) >= FORM_NAME_MAX)
					return ini_fail(&in, m, "form id '%s' must be letters, digits and _", val);
				str_copy(f->id, sizeof f->id, val);
			} else if (!strcmp(key, "name")) {
				str_copy(f->name, sizeof f->name, val);
			} else if (!strcmp(key, "procedure")) {
				str_copy(f->procedure, sizeof f->procedure, val);
			} else if (!strcmp(key, "page")) {
				char extra;
				if (!strcmp(val, "A4")) { f->page_w = 210; f->page_h = 297; }
				else if (!strcmp(val, "A3")) { f->page_w = 297; f->page_h = 420; }
				else if (!strcmp(val, "B5")) { f->page_w = 182; f->page_h = 257; }
				else if (!strcmp(val, "B4")) { f->page_w = 257; f->page_h = 364; }
				else if (!strcmp(val, "Letter")) { f->page_w = 215.9; f->page_h = 279.4; }
				else if (sscanf(val, "%lfx%lf %c", &f->page_w, &f->page_h, &extra) != 2 || f->page_w < 50 ||
					 f->page_h < 50 || f->page_w > 1000 || f->page_h > 1000)
					return ini_fail(&in, m, "page must be A4, A3, B4, B5, Letter or WIDTHxHEIGHT in mm, not '%s'",
							val);
			} else if (!strcmp(key, "match")) {
				if (f->nmatch >= FORM_MATCH_MAX)
					return ini_fail(&in, m, "at most %d match lines", FORM_MATCH_MAX);
				if (!*val)
					return ini_fail(&in, m, "match needs the text printed on the form");
				if (utf8_chars(val) < 4)
					return ini_fail(&in, m, "match '%s' is too short to tell forms apart: use the whole printed title (4 characters or more)",
							val);
				str_copy(f->match[f->nmatch++], FORM_TEXT_MAX, val);
			} else if (!strcmp(key, "title_box")) {
				if (parse_rect(val, &f->title))
					return ini_fail(&in, m, "title_box must be 'X Y WIDTH HEIGHT' in mm, not '%s'", val);
			} else if (!strcmp(key, "qr")) {
				if (!strcmp(val, "required"))
					f->qr = FORM_QR_REQUIRED;
				else if (!strcmp(val, "optional"))
					f->qr = FORM_QR_OPTIONAL;
				else if (!strcmp(val, "none"))
					f->qr = FORM_QR_NONE;
				else
					return ini_fail(&in, m, "qr must be required, optional or none, not '%s'", val);
			} else if (!strcmp(key, "reference")) {
				if (set_reference(f, name, val, &in, m))
					return DP_ERR_CONFIG;
			} else {
				return ini_fail(&in, m,
						"unknown key '%s' in [form] (id, name, procedure, page, match, title_box, qr, reference)",
						key);
			}
		} else if (sec == FIELD) {
			if (!strcmp(key, "label")) {
				str_copy(fd->label, sizeof fd->label, val);
			} else if (!strcmp(key, "box")) {
				if (parse_rect(val, &fd->box))
					return ini_fail(&in, m, "box must be 'X Y WIDTH HEIGHT' in mm, not '%s'", val);
				fd->has_box = 1;
			} else if (!strcmp(key, "type")) {
				const struct field_type *t = field_type_find(val);
				if (!t) {
					char names[256];
					field_type_names(names, sizeof names);
					return ini_fail(&in, m, "unknown type '%s' (%s)", val, names);
				}
				fd->type = t;
			} else if (!strcmp(key, "cells")) {
				char *end;
				long c = strtol(val, &end, 10);
				if (*end || c < 2 || c > 64)
					return ini_fail(&in, m, "cells must be a number from 2 to 64, not '%s'", val);
				fd->cells = (int)c;
			} else if (!strcmp(key, "required")) {
				if (!strcmp(val, "yes"))
					fd->required = 1;
				else if (!strcmp(val, "no"))
					fd->required = 0;
				else
					return ini_fail(&in, m, "required must be yes or no, not '%s'", val);
			} else if (!strcmp(key, "min_confidence")) {
				char *end;
				double c = strtod(val, &end);
				if (*end || c < 0 || c > 100)
					return ini_fail(&in, m, "min_confidence must be 0 to 100, not '%s'", val);
				fd->min_conf = c;
			} else if (!strcmp(key, "option")) {
				char *at = strstr(val, " @ ");
				struct form_option *o;
				if (!at)
					return ini_fail(&in, m, "option must be 'LABEL @ X Y WIDTH HEIGHT'");
				if (fd->nopts >= FORM_OPTIONS_MAX)
					return ini_fail(&in, m, "at most %d options", FORM_OPTIONS_MAX);
				*at = '\0';
				o = &fd->opts[fd->nopts++];
				str_copy(o->label, sizeof o->label, str_trim(val));
				if (!o->label[0] || parse_rect(at + 3, &o->box))
					return ini_fail(&in, m, "option must be 'LABEL @ X Y WIDTH HEIGHT' in mm");
			} else if (!strcmp(key, "role")) {
				enum form_role r = form_role_find(val);
				if (!r) {
					char names[512];
					role_names(names, sizeof names);
					return ini_fail(&in, m, "role must be one of %s, not '%s'", names, val);
				}
				fd->role = r;
				fd->role_line = in.line;
			} else {
				return ini_fail(&in, m, "unknown key '%s' in [field %s] (label, box, type, cells, required, min_confidence, option, role)",
						key, fd->name);
			}
		} else { /* CHECK */
			struct dp_msg em;
			if (strcmp(key, "rule"))
				return ini_fail(&in, m, "unknown key '%s' in [check] (rule)", key);
			if (f->nrules >= FORM_RULES_MAX)
				return ini_fail(&in, m, "at most %d rules", FORM_RULES_MAX);
			if (expr_check_rule(val, &em))
				return ini_fail(&in, m, "%s", em.text);
			f->rules[f->nrules].line = in.line;
			str_copy(f->rules[f->nrules++].text, FORM_TEXT_MAX, val);
		}
	}
	if (in.err)
		return in.err;
	if (fd && (e = finish_field(f, fd, name, m)))
		return e;
	if (!have_form || !f->id[0])
		FAIL("%s: no [form] section with an id", name);
	if (!f->nmatch)
		FAIL("%s: [form] needs at least one 'match =' line (text printed on the form)", name);
	if (f->title.w <= 0)
		FAIL("%s: [form] needs 'title_box = X Y WIDTH HEIGHT' (the rectangle the printed title line's ink occupies)", name);
	if (!inside(f, &f->title))
		FAIL("%s: title_box lies outside the page", name);
	for (int i = 0; i < f->nfields; i++)
		if (f->fields[i].min_conf < 0)
			f->fields[i].min_conf = f->fields[i].type->min_conf;
	if ((e = assign_roles(f, name, m)))
		return e;
	/* rules may only name fields of this form, or FORM_ID.FIELD of another
	 * template (checked by forms_load_dir, which knows them all) */
	for (int r = 0; r < f->nrules; r++) {
		char names[16][FORM_NAME_MAX], id[FORM_NAME_MAX];
		int nn = expr_names(f->rules[r].text, names, 16);
		for (int k = 0; k < nn; k++) {
			const char *field = form_rule_name_split(names[k], id, sizeof id);
			if ((!id[0] || !strcmp(id, f->id)) && !form_field(f, field))
				FAIL("%s:%d: rule names '%s', which is not a field of this form", name, f->rules[r].line,
				     names[k]);
		}
	}
	return DP_OK;
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

enum dp_err forms_load_dir(struct form_set *fs, const char *dir, struct dp_msg *m)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	enum dp_err e = DP_OK;

	memset(fs, 0, sizeof *fs);
	if (!d)
		return dp_fail(m, DP_ERR_CONFIG, "cannot open the form templates folder '%s' ([forms] dir)", dir);
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (de->d_name[0] == '.' || l < 6 || strcmp(de->d_name + l - 5, ".form"))
			continue;
		names = xrealloc(names, (n + 1) * sizeof *names);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, cmpstr);
	for (size_t i = 0; i < n && !e; i++) {
		char path[2048], *text = NULL;
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if ((e = ini_read(path, 1 << 20, &text, m)))
			break;
		fs->forms = xrealloc(fs->forms, (size_t)(fs->n + 1) * sizeof *fs->forms);
		e = forms_parse(&fs->forms[fs->n], path, text, m);
		free(text);
		if (e) {
			free(fs->forms[fs->n].fields);
			break;
		}
		for (int k = 0; k < fs->n; k++)
			if (!strcmp(fs->forms[k].id, fs->forms[fs->n].id)) {
				e = dp_fail(m, DP_ERR_CONFIG, "%s: form id '%s' is already used by %s", path,
					    fs->forms[fs->n].id, fs->forms[k].path);
				free(fs->forms[fs->n].fields);
				break;
			}
		if (!e)
			fs->n++;
	}
	/* FORM_ID.FIELD in a rule: that template and field must exist */
	for (int i = 0; i < fs->n && !e; i++) {
		const struct form *f = &fs->forms[i];
		for (int r = 0; r < f->nrules && !e; r++) {
			char rn[16][FORM_NAME_MAX], id[FORM_NAME_MAX];
			int nn = expr_names(f->rules[r].text, rn, 16);
			for (int k = 0; k < nn && !e; k++) {
				const char *field = form_rule_name_split(rn[k], id, sizeof id);
				const struct form *o = id[0] ? forms_find(fs, id) : NULL;
				if (id[0] && !o)
					e = dp_fail(m, DP_ERR_CONFIG, "%s:%d: rule names '%s', but no template has the id '%s'",
						    f->path, f->rules[r].line, rn[k], id);
				else if (o && !form_field(o, field))
					e = dp_fail(m, DP_ERR_CONFIG, "%s:%d: rule names '%s', but template '%s' (%s) has no field '%s'",
						    f->path, f->rules[r].line, rn[k], id, o->path, field);
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (e)
		forms_release(fs);
	return e;
}

void forms_release(struct form_set *fs)
{
	for (int i = 0; i < fs->n; i++)
		free(fs->forms[i].fields);
	free(fs->forms);
	fs->forms = NULL;
	fs->n = 0;
}

const struct form *forms_find(const struct form_set *fs, const char *id)
{
	for (int i = 0; i < fs->n; i++)
		if (!strcmp(fs->forms[i].id, id))
			return &fs->forms[i];
	return NULL;
}

const struct form_field *form_field(const struct form *f, const char *name)
{
	for (int i = 0; i < f->nfields; i++)
		if (!strcmp(f->fields[i].name, name))
			return &f->fields[i];
	return NULL;
}

const struct form_field *form_field_by_role(const struct form *f, enum form_role r)
{
	if (!f || r == ROLE_NONE)
		return NULL;
	for (int i = 0; i < f->nfields; i++)
		if (f->fields[i].role == r)
			return &f->fields[i];
	return NULL;
}
