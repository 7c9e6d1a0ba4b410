/* enrich.c: once-only (seed sections 2 and 3), after validate on the scan route.
 *
 * Takes: fields, issues and page.N.form attrs from ocr and validate; the
 * entrance QR identity from qr (attrs identity.*, qr.page).
 * Reads: the form templates ([forms] dir), models/grants.conf ([models]
 * grants), once per worker; the database ([database] conninfo) for autofill,
 * one connection per worker, opened at the first grant application.
 * Does, in this order:
 *  1. QR identity against the written form (page qr.page, else the first
 *     recognised page). Mapping, identity key -> the field with that role
 *     (lib/forms.h; a field without `role =` named like the role has it):
 *        name -> name      org -> org (legacy name: company)      tel -> tel
 *        visit -> visit
 *     A form field that is empty is filled from the QR code (source 'qr'); one
 *     written differently (compared after norm_text, phone numbers digit by
 *     digit) raises qr_mismatch (warning); one written the same needs no
 *     review for low OCR confidence alone (the code corroborates it); a key
 *     the form has no field for becomes a field of its own (source 'qr').
 *  2. 法人番号: a corporate_number that fails the official check digit raises
 *     corporate_number_invalid (error); one that passes needs no review for
 *     low OCR confidence alone (the check digit corroborates it).
 *  3. Grant applications: a page whose form names a programme of grants.conf
 *     in its `program` field, or whose procedure has exactly one programme.
 *     A programme id read exactly, with no other id within one character,
 *     needs no review for low OCR confidence alone (the list corroborates it).
 *     Autofill: the most recent earlier document carrying the same valid
 *     corporate_number gives company, representative, address and tel to the
 *     fields left empty (source 'autofill'); a value written differently from
 *     last time is a notice changed_since_last. Then the programme's rules:
 *        grant_over_rate       申請額 > 補助対象経費 x rate              error
 *        grant_over_max        申請額 > max                            error
 *        grant_outside_window  申請日 outside the window               error
 *        required_missing      a required field still empty           error
 *        grant_unknown_program `program` names no programme          warning
 *     A database that cannot be reached (docpipe inspect without one) skips
 *     autofill with the notice autofill_unavailable.
 *  4. The status again, by the rule validate uses (src/status.h).
 *  5. The receipt: an accepted or needs_review application of a recognised
 *     form gets attr receipt.payload (src/receipt.h: document id and
 *     procedure code, nothing personal); the coordinator writes its PNG.
 * Costs well under a millisecond, plus one indexed query per grant page
 * (lib/db.h db_prior_application: its time is engine time). */
#include "stage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/db.h"
#include "../lib/forms.h"
#include "../lib/fuzzy.h"
#include "../lib/grants.h"
#include "../lib/log.h"
#include "../lib/normalize.h"
#include "../lib/receipt.h"
#include "../lib/status.h"
#include "../lib/util.h"

#define DB_RETRY_AFTER_US (30 * 1000000LL) /* after a failed first connection */

struct enrich_state {
	const struct conf *conf;
	struct form_set forms;
	struct grant_set grants;
	struct db *db;
	int connected_once;
	int64_t db_failed_us;
};

static void enrich_fini(void *state)
{
	struct enrich_state *s = state;
	if (!s)
		return;
	db_close(&s->db);
	forms_release(&s->forms);
	grants_release(&s->grants);
	free(s);
}

static enum dp_err enrich_init(void **state, const struct conf *c, struct dp_msg *m)
{
	struct enrich_state *s = xcalloc(1, sizeof *s);
	enum dp_err e;

	s->conf = c;
	e = forms_load_dir(&s->forms, c->forms_dir, m);
	if (!e)
		e = grants_load(&s->grants, c->grants, m);
	if (e) {
		enrich_fini(s);
		return e;
	}
	*state = s;
	return DP_OK;
}

/* ---- helpers on the job ---- */


static int has_issue(const struct job *j, const char *field, const char *code)
{
	for (size_t i = 0; i < j->nissues; i++)
		if (!strcmp(j->issues[i].code, code) && !strcmp(j->issues[i].field, field))
			return 1;
	return 0;
}

/* Remove the issues of one field with one of the codes (NULL-terminated list):
 * they no longer hold once the field has been filled or corroborated. */
static void drop_issues(struct job *j, const char *field, const char *const *codes)
{
	size_t o = 0;

	for (size_t i = 0; i < j->nissues; i++) {
		struct job_issue *x = &j->issues[i];
		int drop = 0;
		for (const char *const *c = codes; *c && !drop; c++)
			drop = !strcmp(x->field, field) && !strcmp(x->code, *c);
		if (drop) {
			free(x->field);
			free(x->code);
			free(x->severity);
			free(x->msg_ja);
			free(x->msg_en);
			continue;
		}
		j->issues[o++] = *x;
	}
	j->nissues = o;
}

static const char *const FILLED_CLEARS[] = { "required_missing", "bad_format", "low_confidence", NULL };
static const char *const QR_AGREES_CLEARS[] = { "low_confidence", NULL };

/* Give an empty field a value from elsewhere (QR code, last application). */
static void fill_field(struct job *j, struct job_field *f, const char *value, const char *raw, double conf,
		       const char *source)
{
	job_set_str(&f->value, value);
	job_set_str(&f->raw, raw);
	job_set_str(&f->source, source);
	f->conf = conf;
	f->needs_review = 0;
	drop_issues(j, f->name, FILLED_CLEARS);
}

static const char *label_of(const struct form *form, const char *name)
{
	const struct form_field *fd = form ? form_field(form, name) : NULL;
	return fd && fd->label[0] ? fd->label : name;
}

static const struct form *page_form(struct enrich_state *s, struct job *j, int page)
{
	char key[48];
	const char *id;

	snprintf(key, sizeof key, "page.%d.form", page);
	id = job_attr(j, key);
	return id ? forms_find(&s->forms, id) : NULL;
}

/* Values compared as a clerk would: text without spaces and with ASCII
 * widths (norm_text), phone numbers by their digits only. */
enum cmp_kind { CMP_TEXT, CMP_PHONE };

static void comparable(enum cmp_kind k, const char *in, char *out, size_t n)
{
	char t[1024];
	size_t o = 0;

	norm_text(in, t, sizeof t);
	if (k == CMP_TEXT) {
		str_copy(out, n, t);
		return;
	}
	for (const char *p = t; *p && o + 1 < n; p++)
		if (*p >= '0' && *p <= '9')
			out[o++] = *p;
	out[o] = '\0';
}

static int same_value(enum cmp_kind k, const char *a, const char *b)
{
	char x[1024], y[1024];
	comparable(k, a, x, sizeof x);
	comparable(k, b, y, sizeof y);
	return !strcmp(x, y);
}

/* The value a field gets from the QR code: normalised like OCR's values. */
static void field_value(enum cmp_kind k, const char *in, char *out, size_t n)
{
	if (k == CMP_PHONE) {
		if (norm_phone(in, out, n) != 0)
			str_copy(out, n, in);
		return;
	}
	norm_text(in, out, n);
}

/* ---- 1. the QR identity ---- */

struct id_map {
	const char *attr;
	enum form_role role;
	const char *fields[3]; /* without a template (unrecognised page): by name */
	const char *ja;
	enum cmp_kind kind;
};

static const struct id_map ID_MAP[] = {
	{ "identity.name", ROLE_NAME, { "name", NULL, NULL }, "氏名", CMP_TEXT },
	{ "identity.org", ROLE_ORG, { "org", "company", NULL }, "所属", CMP_TEXT },
	{ "identity.tel", ROLE_TEL, { "tel", NULL, NULL }, "電話番号", CMP_PHONE },
	{ "identity.visit", ROLE_VISIT, { "visit", NULL, NULL }, "用件", CMP_TEXT },
};

/* The name of the field of a page's form with role r; "" when the form has
 * none (a lookup of "" finds nothing). */
static const char *role_field(const struct form *form, enum form_role r)
{
	const struct form_field *fd = form_field_by_role(form, r);
	return fd ? fd->name : "";
}

static void enrich_identity(struct enrich_state *s, struct job *j)
{
	const char *qp = job_attr(j, "qr.page");
	int page = qp ? atoi(qp) : 0;
	const struct form *form;

	if (!job_attr(j, "identity.raw"))
		return;
	if (page < 1 || page > j->page_count)
		page = 1;
	form = page_form(s, j, page);
	for (int p = 1; !form && p <= j->page_count; p++)
		if ((form = page_form(s, j, p)))
			page = p;
	for (size_t k = 0; k < sizeof ID_MAP / sizeof ID_MAP[0]; k++) {
		const struct id_map *mp = &ID_MAP[k];
		const char *qv = job_attr(j, mp->attr);
		struct job_field *f = NULL;
		char val[1024];

		if (!qv || !*qv)
			continue;
		if (form)
			f = job_page_field(j, page, role_field(form, mp->role));
		else
			for (int c = 0; c < 3 && mp->fields[c] && !f; c++)
				f = job_page_field(j, page, mp->fields[c]);
		field_value(mp->kind, qv, val, sizeof val);
		if (!f) {
			/* a field of its own, unless the form uses that name for something else */
			if (!form || !form_field(form, mp->fields[0]))
				job_add_field(j, page, mp->fields[0], val, qv, 100, 0, "qr");
		} else if (!f->value[0]) {
			fill_field(j, f, val, qv, 100, "qr");
		} else if (same_value(mp->kind, f->value, qv)) {
			/* the code and the reading agree: two independent sources, no
			 * clerk needed for low confidence alone */
			if (f->needs_review && !has_issue(j, f->name, "bad_format")) {
				f->needs_review = 0;
				drop_issues(j, f->name, QR_AGREES_CLEARS);
			}
		} else {
			char ja[1024], en[1024];
			const char *label = label_of(form, f->name);
			snprintf(ja, sizeof ja, "「%s」の記入「%s」が入館 QR コードの%s「%s」と一致しません", label, f->value,
				 mp->ja, qv);
			snprintf(en, sizeof en, "'%s' (%s): written '%s' differs from the entrance QR code's %s '%s'",
				 f->name, label, f->value, mp->attr + 9, qv);
			job_add_issue(j, f->name, "qr_mismatch", "warning", ja, en);
		}
	}
}

/* ---- 2. 法人番号 ---- */

static const char *const CORROBORATED_CLEARS[] = { "low_confidence", NULL };

static void check_corporate_number(struct job *j, int page, const struct form *form)
{
	const char *name = role_field(form, ROLE_CORPORATE_NUMBER);
	struct job_field *f = job_page_field(j, page, name);
	char ja[512], en[512];
	const char *label = label_of(form, name);

	if (!f || !f->value[0])
		return;
	if (corporate_number_valid(f->value)) {
		if (f->needs_review) {
			f->needs_review = 0;
			drop_issues(j, name, CORROBORATED_CLEARS);
		}
		return;
	}
	if (strlen(f->value) != 13) {
		snprintf(ja, sizeof ja, "%s「%s」は13桁ではありません（%zu桁）", label, f->value, strlen(f->value));
		snprintf(en, sizeof en, "corporate number '%s' (%s) has %zu digits, not 13", f->value, label,
			 strlen(f->value));
	} else {
		snprintf(ja, sizeof ja, "%s「%s」のチェックデジット（先頭の桁）が正しくありません", label, f->value);
		snprintf(en, sizeof en, "corporate number '%s' (%s): the check digit (the first digit) is wrong",
			 f->value, label);
	}
	job_add_issue(j, name, "corporate_number_invalid", "error", ja, en);
	f->needs_review = 1;
}

/* ---- 3. grants: autofill from the last application ---- */

static const char *const COMPANY_FIELDS[] = { "company", "representative", "address", "tel" };
#define NCOMPANY (sizeof COMPANY_FIELDS / sizeof COMPANY_FIELDS[0])

static struct db *get_db(struct enrich_state *s)
{
	struct dp_msg m;

	if (db_ok(s->db))
		return s->db;
	db_close(&s->db);
	if (!s->connected_once && s->db_failed_us && now_us() - s->db_failed_us < DB_RETRY_AFTER_US)
		return NULL;
	/* never reached yet (inspect without a database): one attempt; lost
	 * during a run: wait for it as load does */
	if (db_open(&s->db, s->conf->conninfo, s->connected_once ? s->conf->db_retry_max_s : 0, &m)) {
		s->db_failed_us = now_us();
		log_debug("enrich: no database for autofill: %s", m.text);
		return NULL;
	}
	s->connected_once = 1;
	return s->db;
}

struct previous {
	long long doc_id;
	char day[16];
	char values[NCOMPANY][1024];
	int found;
};

static int lookup_previous(struct enrich_state *s, struct job *j, const char *corp, struct previous *pv)
{
	int64_t when = j->received_us ? j->received_us : now_us();

	memset(pv, 0, sizeof *pv);
	for (int attempt = 0; attempt < 2; attempt++) {
		struct db *d = get_db(s);
		struct db_prior prior;
		struct dp_msg m;
		if (!d)
			return -1;
		if (!db_prior_application(d, corp, j->id, when, COMPANY_FIELDS, NCOMPANY, &prior, &m)) {
			pv->found = prior.doc_id != 0;
			pv->doc_id = prior.doc_id;
			str_copy(pv->day, sizeof pv->day, prior.day);
			for (size_t k = 0; k < NCOMPANY; k++)
				str_copy(pv->values[k], sizeof pv->values[k], prior.values[k] ? prior.values[k] : "");
			db_prior_release(&prior);
			return 0;
		}
		log_warn("enrich: autofill lookup for '%s' failed: %s", path_basename(j->source ? j->source : "?"),
			 m.text);
		if (db_ok(d))
			return -1; /* the query itself failed: a schema problem, not the network */
	}
	return -1;
}

static int program_requires(const struct grant_program *g, const char *name)
{
	for (int i = 0; g && i < g->nrequired; i++)
		if (!strcmp(g->required[i], name))
			return 1;
	return 0;
}

static void autofill(struct enrich_state *s, struct job *j, int page, const struct form *form,
		     const struct grant_program *g)
{
	struct job_field *cf = job_page_field(j, page, role_field(form, ROLE_CORPORATE_NUMBER));
	struct previous pv;
	char corp[32], list[256] = "", num[32];

	if (!cf || !corporate_number_valid(cf->value))
		return;
	str_copy(corp, sizeof corp, cf->value);
	if (lookup_previous(s, j, corp, &pv) != 0) {
		if (!has_issue(j, "", "autofill_unavailable"))
			job_add_issue(j, "", "autofill_unavailable", "notice",
				      "データベースに接続できないため、前回の申請からの自動入力を行いませんでした",
				      "the database could not be reached: nothing was filled in from the last application");
		return;
	}
	if (!pv.found)
		return;
	for (size_t k = 0; k < NCOMPANY; k++) {
		const char *name = COMPANY_FIELDS[k];
		const char *last = pv.values[k];
		enum cmp_kind kind = strcmp(name, "tel") ? CMP_TEXT : CMP_PHONE;
		struct job_field *f = job_page_field(j, page, name);

		if (!last[0] || (!f && !form_field(form, name) && !program_requires(g, name)))
			continue;
		if (!f) {
			job_add_field(j, page, name, last, last, -1, 0, "autofill");
		} else if (!f->value[0]) {
			fill_field(j, f, last, last, -1, "autofill");
		} else {
			if (!same_value(kind, f->value, last)) {
				char ja[2048], en[2048];
				const char *label = label_of(form, name);
				snprintf(ja, sizeof ja, "「%s」が前回の申請（%s）から変わっています：前回「%s」、今回「%s」", label,
					 pv.day, last, f->value);
				snprintf(en, sizeof en,
					 "'%s' (%s) changed since the last application (%s): was '%s', now '%s'", name, label,
					 pv.day, last, f->value);
				job_add_issue(j, name, "changed_since_last", "notice", ja, en);
			}
			continue;
		}
		if (strlen(list) + strlen(name) + 2 < sizeof list) {
			if (list[0])
				strncat(list, ",", sizeof list - strlen(list) - 1);
			strncat(list, name, sizeof list - strlen(list) - 1);
		}
	}
	snprintf(num, sizeof num, "%lld", pv.doc_id);
	job_set_attr(j, "autofill.from_document", num);
	if (list[0])
		job_set_attr(j, "autofill.fields", list);
}

/* ---- 3. grants: the programme's rules ---- */

static int yen_of(struct job *j, int page, const char *name, long long *v)
{
	const char *s = job_page_value(j, page, name);
	char *end;

	if (!*s)
		return -1;
	*v = strtoll(s, &end, 10);
	return *end || *v < 0 ? -1 : 0;
}

static const struct grant_program *page_program(struct enrich_state *s, struct job *j, int page,
						  const struct form *form, int *is_grant)
{
	const struct grant_program *only = NULL, *g = NULL;
	int nproc = grants_for_procedure(&s->grants, form->procedure, &only);
	const char *pname = role_field(form, ROLE_PROGRAM);
	struct job_field *pf = job_page_field(j, page, pname);
	char pv[256] = "";

	if (pf)
		norm_text(pf->value, pv, sizeof pv);
	if (pv[0])
		g = grants_find(&s->grants, pv);
	*is_grant = g || nproc > 0;
	if (g) {
		/* a programme of the list, and no other programme one character
		 * away: the list corroborates the reading (a misread would have to
		 * make exactly another programme's id) */
		int alone = 1;
		for (int i = 0; i < s->grants.n && alone; i++)
			alone = &s->grants.progs[i] == g || fuzzy_distance(s->grants.progs[i].id, g->id) > 1;
		if (alone && pf->needs_review && !has_issue(j, pname, "bad_format")) {
			pf->needs_review = 0;
			drop_issues(j, pname, CORROBORATED_CLEARS);
		}
		return g;
	}
	if (pv[0] && nproc > 0) {
		char ja[512], en[512];
		snprintf(ja, sizeof ja, "補助事業「%s」は補助金の一覧（grants.conf）にありません", pv);
		snprintf(en, sizeof en, "programme '%s' is not one of the programmes in grants.conf", pv);
		job_add_issue(j, pname, "grant_unknown_program", "warning", ja, en);
	}
	return only;
}

static void check_grant(struct job *j, int page, const struct form *form, const struct grant_program *g)
{
	long long elig, amount;
	char ja[1024], en[1024];
	const char *n_date = role_field(form, ROLE_APPLICATION_DATE), *n_amount = role_field(form, ROLE_AMOUNT);
	const char *date = job_page_value(j, page, n_date);

	if (yen_of(j, page, n_amount, &amount) == 0) {
		if (yen_of(j, page, role_field(form, ROLE_ELIGIBLE_COST), &elig) == 0 &&
		    grants_within_rate(g, elig, amount) != 1) {
			long long cap = grants_rate_cap(g, elig);
			snprintf(ja, sizeof ja,
				 "申請額 %lld円 が補助対象経費 %lld円 × 補助率 %s = %lld円 を超えています（%s）", amount, elig,
				 g->rate_text, cap, g->id);
			snprintf(en, sizeof en,
				 "amount %lld yen exceeds eligible cost %lld yen x rate %s = %lld yen (programme %s)", amount,
				 elig, g->rate_text, cap, g->id);
			job_add_issue(j, n_amount, "grant_over_rate", "error", ja, en);
		}
		if (g->max_yen > 0 && amount > g->max_yen) {
			snprintf(ja, sizeof ja, "申請額 %lld円 が補助上限額 %lld円 を超えています（%s）", amount, g->max_yen,
				 g->id);
			snprintf(en, sizeof en, "amount %lld yen exceeds the maximum of %lld yen (programme %s)", amount,
				 g->max_yen, g->id);
			job_add_issue(j, n_amount, "grant_over_max", "error", ja, en);
		}
	}
	if (g->from[0] && strlen(date) == 10 && (strcmp(date, g->from) < 0 || strcmp(date, g->to) > 0)) {
		snprintf(ja, sizeof ja, "申請日 %s は %s の申請期間（%s〜%s）外です", date, g->id, g->from, g->to);
		snprintf(en, sizeof en, "application date %s is outside the window of programme %s (%s to %s)", date,
			 g->id, g->from, g->to);
		job_add_issue(j, n_date, "grant_outside_window", "error", ja, en);
	}
	for (int i = 0; i < g->nrequired; i++) {
		const char *name = g->required[i];
		const char *label = label_of(form, name);
		if (*job_page_value(j, page, name) || has_issue(j, name, "required_missing"))
			continue;
		snprintf(ja, sizeof ja, "「%s」は補助事業 %s の必須項目ですが、記入がなく前回の申請からも補えません", label,
			 g->id);
		snprintf(en, sizeof en,
			 "'%s' (%s) is required by programme %s and is neither written nor known from a last application",
			 name, label, g->id);
		job_add_issue(j, name, "required_missing", "error", ja, en);
	}
}

/* ---- the stage ---- */

static enum dp_err enrich_process(void *state, struct job *j, struct dp_msg *m)
{
	struct enrich_state *s = state;
	char payload[256];

	(void)m;
	enrich_identity(s, j);
	if (!j->form_type[0] || !strcmp(j->status, "rejected"))
		return DP_OK; /* unrecognised: nothing to check against */
	for (int page = 1; page <= j->page_count; page++) {
		const struct form *form = page_form(s, j, page);
		const struct grant_program *g;
		int is_grant = 0;
		if (!form)
			continue;
		check_corporate_number(j, page, form);
		g = page_program(s, j, page, form, &is_grant);
		if (!is_grant)
			continue;
		autofill(s, j, page, form, g);
		if (g) {
			char key[48];
			snprintf(key, sizeof key, "page.%d.program", page);
			job_set_attr(j, key, g->id);
			check_grant(j, page, form, g);
		}
	}
	job_settle_status(j);
	if ((!strcmp(j->status, "accepted") || !strcmp(j->status, "needs_review")) &&
	    receipt_payload(j->id, j->procedure, payload, sizeof payload) == 0)
		job_set_attr(j, "receipt.payload", payload);
	return DP_OK;
}

const struct stage_ops enrich_ops = { enrich_init, enrich_process, enrich_fini };
