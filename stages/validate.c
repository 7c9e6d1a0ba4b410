/* validate.c: rules on the fields OCR read; every problem becomes a
 * validation issue (document, field, code, severity, message in Japanese and
 * English), never a crash.
 *
 * Takes: fields and page.N.form attrs from ocr; identity.raw, qr.page,
 * qr.pass (and qr.seen, if the qr stage sets it) from qr.
 * Reads: the form templates (required fields, types, roles, [check] rules)
 * and models/fees.conf (unit fee, postage, Pay-easy number lengths), once
 * per worker. The fee, postage and Pay-easy checks find their fields by role
 * (lib/forms.h form_field_by_role), not by name.
 * Checks, per recognised page:
 *   required_missing  a required field is empty                       error
 *   bad_format        a value is not a valid date/postal/phone/...      error
 *   date_future       the application date (role) is after today       error
 *   choice_multiple   more than one option of a single choice ticked    error
 *   rule_failed       a template rule ("total = fee + postage") fails   error
 *   rule_skipped      a rule names FORM_ID.FIELD of a page the document lacks   notice
 *   fee_mismatch      fee != unit fee x copies                          error
 *   postage_mismatch  postage differs from the schedule                 error
 *   payeasy_missing / payeasy_format   Pay-easy ticked, numbers absent or of the wrong length   error
 *   payeasy_unexpected Pay-easy numbers without Pay-easy ticked          warning
 * and once per document:
 *   qr_missing        a page's form says qr = required, no code found   error
 *   qr_unreadable     ... a code was there but gave no identity         error
 *   low_confidence    OCR was not sure (needs_review)                   notice
 * Gives: issues, and the status: invalid (any error), needs_review (a field
 * to check or a warning), accepted. Costs well under a millisecond. */
#include "stage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/fees.h"
#include "../lib/forms.h"
#include "../lib/expr.h"
#include "../lib/normalize.h"
#include "../lib/status.h"
#include "../lib/util.h"

struct val_state {
	struct form_set forms;
	struct fee_schedule fees;
};

static void val_fini(void *state)
{
	struct val_state *s = state;
	if (!s)
		return;
	forms_release(&s->forms);
	fees_release(&s->fees);
	free(s);
}

static enum dp_err val_init(void **state, const struct conf *c, struct dp_msg *m)
{
	struct val_state *s = xcalloc(1, sizeof *s);
	enum dp_err e = forms_load_dir(&s->forms, c->forms_dir, m);
	if (!e)
		e = fees_load(&s->fees, c->fees, m);
	if (e) {
		val_fini(s);
		return e;
	}
	*state = s;
	return DP_OK;
}

struct page_ctx {
	struct job *j;
	int page;
	const struct form *form;
	char missing_form[FORM_NAME_MAX]; /* a FORM_ID.FIELD whose page is absent */
};

/* The page of the document recognised as form id (the first), 0 if none. */
static int page_of_form(struct job *j, const char *id)
{
	for (int p = 1; p <= j->page_count; p++) {
		char key[48];
		const char *v;
		snprintf(key, sizeof key, "page.%d.form", p);
		v = job_attr(j, key);
		if (v && !strcmp(v, id))
			return p;
	}
	return 0;
}

/* A rule's name to (page, field name): FIELD is on this page, FORM_ID.FIELD on
 * the page of that form (this page when it is this form); 0 when absent. */
static int rule_field_page(struct page_ctx *pc, const char *qname, const char **field)
{
	char id[FORM_NAME_MAX];
	*field = form_rule_name_split(qname, id, sizeof id);
	if (!id[0] || !strcmp(id, pc->form->id))
		return pc->page;
	return page_of_form(pc->j, id);
}

static int number_of(struct job *j, int page, const char *name, long long *v)
{
	const char *s = job_page_value(j, page, name);
	char *end;
	if (!*s)
		return -1;
	*v = strtoll(s, &end, 10);
	return *end ? -1 : 0;
}

static int lookup(const char *name, long long *v, void *user)
{
	struct page_ctx *pc = user;
	const char *field;
	int page = rule_field_page(pc, name, &field);
	struct job_field *f;
	char *end;

	if (!page) {
		if (!pc->missing_form[0])
			form_rule_name_split(name, pc->missing_form, sizeof pc->missing_form);
		return -1;
	}
	f = job_page_field(pc->j, page, field);
	if (!f)
		return -1;
	if (!f->value[0]) { /* an empty amount counts as zero (no postage written) */
		*v = 0;
		return 0;
	}
	*v = strtoll(f->value, &end, 10);
	return *end ? -1 : 0;
}

static void issue(struct job *j, const char *field, const char *code, const char *sev, const char *ja,
		  const char *en)
{
	job_add_issue(j, field, code, sev, ja, en);
}

static int has_option(const char *value, const char *option)
{
	size_t l = strlen(option);
	for (const char *p = value; (p = strstr(p, option)); p += l)
		if ((p == value || p[-1] == ',') && (p[l] == '\0' || p[l] == ','))
			return 1;
	return 0;
}

static void check_digits(struct job *j, int page, const char *name, int lo, int hi, const char *label_ja)
{
	const char *v = job_page_value(j, page, name);
	int n = (int)strlen(v);
	char ja[256], en[256];

	if (!*v) {
		snprintf(ja, sizeof ja, "Pay-easy が選択されていますが%sが記入されていません", label_ja);
		snprintf(en, sizeof en, "Pay-easy is ticked but %s is empty", name);
		issue(j, name, "payeasy_missing", "error", ja, en);
	} else if (lo && (n < lo || n > hi)) {
		if (lo == hi) {
			snprintf(ja, sizeof ja, "%sは%d桁ですが、%d桁が読み取られました", label_ja, lo, n);
			snprintf(en, sizeof en, "%s must have %d digits, %d were read", name, lo, n);
		} else {
			snprintf(ja, sizeof ja, "%sは%d〜%d桁ですが、%d桁が読み取られました", label_ja, lo, hi, n);
			snprintf(en, sizeof en, "%s must have %d to %d digits, %d were read", name, lo, hi, n);
		}
		issue(j, name, "payeasy_format", "error", ja, en);
	}
}

/* A value confirmed by an independent check (a sum, the fee schedule, a
 * check digit) needs no review for low OCR confidence alone. */
static void corroborate(struct job *j, int page, const char *name)
{
	struct job_field *f = job_page_field(j, page, name);
	if (f && f->needs_review && f->value[0]) {
		const char *prev = job_attr(j, "corroborated");
		char list[512];
		f->needs_review = 0;
		snprintf(list, sizeof list, "%s%s%s", prev ? prev : "", prev ? "," : "", name);
		job_set_attr(j, "corroborated", list);
	}
}

/* The name of the field of f with role r ("" when f has none: every lookup
 * of "" finds nothing), and the name messages use for it. */
static const char *role_field(const struct form *f, enum form_role r)
{
	const struct form_field *fd = form_field_by_role(f, r);
	return fd ? fd->name : "";
}

static const char *role_msg_name(const struct form *f, enum form_role r)
{
	const struct form_field *fd = form_field_by_role(f, r);
	return fd ? fd->name : form_role_default_field(r);
}

static void check_fees(struct job *j, int page, const struct form *f, const struct fee_rule *r)
{
	long long copies, fee, postage = 0;
	char ja[512], en[512];
	const char *n_copies = role_field(f, ROLE_COPIES), *n_fee = role_field(f, ROLE_FEE);
	const char *n_postage = role_field(f, ROLE_POSTAGE), *n_payment = role_field(f, ROLE_PAYMENT);
	const char *payment = job_page_value(j, page, n_payment);
	const char *delivery = job_page_value(j, page, role_field(f, ROLE_DELIVERY));
	int has_delivery = form_field_by_role(f, ROLE_DELIVERY) != NULL;

	if (r->unit_fee >= 0 && number_of(j, page, n_copies, &copies) == 0 && number_of(j, page, n_fee, &fee) == 0 &&
	    fee == r->unit_fee * copies) {
		corroborate(j, page, n_fee);
		corroborate(j, page, n_copies);
	} else if (r->unit_fee >= 0 && number_of(j, page, n_copies, &copies) == 0 && number_of(j, page, n_fee, &fee) == 0) {
		snprintf(ja, sizeof ja, "手数料 %lld円 が手数料表と一致しません（%lld円 × %lld部 = %lld円）", fee, r->unit_fee,
			 copies, r->unit_fee * copies);
		snprintf(en, sizeof en, "fee %lld yen does not match the fee schedule (%lld yen x %lld copies = %lld yen)", fee,
			 r->unit_fee, copies, r->unit_fee * copies);
		issue(j, n_fee, "fee_mismatch", "error", ja, en);
	}
	if (r->nallowed && job_page_field(j, page, n_postage)) {
		/* a list of allowed amounts: any one of them when mail is asked for
		 * (or the form has no delivery item), 0 when it is not */
		int mail = !has_delivery || has_option(delivery, r->mail_option);
		if (number_of(j, page, n_postage, &postage) != 0)
			postage = 0;
		if ((mail && fees_postage_allowed(r, postage)) || (postage == 0 && (!mail || !has_delivery))) {
			corroborate(j, page, n_postage);
		} else {
			char list[256] = "";
			for (int i = 0; i < r->nallowed; i++) {
				size_t l = strlen(list);
				snprintf(list + l, sizeof list - l, "%s%lld", i ? ", " : "", r->allowed_yen[i]);
			}
			if (mail) {
				snprintf(ja, sizeof ja, "郵送料 %lld円 が規定の額（%s円）のどれとも一致しません", postage, list);
				snprintf(en, sizeof en, "postage %lld yen is none of the amounts the schedule allows (%s yen)",
					 postage, list);
			} else {
				snprintf(ja, sizeof ja, "郵送料 %lld円 が規定の 0円 と一致しません", postage);
				snprintf(en, sizeof en, "postage %lld yen differs from the 0 yen the schedule gives", postage);
			}
			issue(j, n_postage, "postage_mismatch", "error", ja, en);
		}
	} else if (r->ntiers && job_page_field(j, page, n_postage) && number_of(j, page, n_copies, &copies) == 0) {
		long long want = has_option(delivery, r->mail_option) ? fees_postage(r, copies) : 0;
		if (number_of(j, page, n_postage, &postage) != 0)
			postage = 0;
		if (postage == want)
			corroborate(j, page, n_postage);
		if (postage != want) {
			snprintf(ja, sizeof ja, "郵送料 %lld円 が規定の %lld円 と一致しません", postage, want);
			snprintf(en, sizeof en, "postage %lld yen differs from the %lld yen the schedule gives", postage, want);
			issue(j, n_postage, "postage_mismatch", "error", ja, en);
		}
	}
	if (job_page_field(j, page, n_payment)) {
		int payeasy = has_option(payment, r->payeasy_option);
		const char *n_biller = role_field(f, ROLE_PAYEASY_BILLER), *n_cust = role_field(f, ROLE_PAYEASY_CUSTOMER);
		if (payeasy) {
			check_digits(j, page, role_msg_name(f, ROLE_PAYEASY_BILLER), 5, 5, "収納機関番号");
			check_digits(j, page, role_msg_name(f, ROLE_PAYEASY_CUSTOMER), r->cust_min, r->cust_max,
				     "お客様番号（納付番号）");
			check_digits(j, page, role_msg_name(f, ROLE_PAYEASY_CONFIRMATION), r->conf_min, r->conf_max,
				     "確認番号");
		} else if (*job_page_value(j, page, n_biller) || *job_page_value(j, page, n_cust)) {
			issue(j, n_payment, "payeasy_unexpected", "warning",
			      "Pay-easy の番号が記入されていますが、支払方法に Pay-easy が選択されていません",
			      "Pay-easy numbers are filled in but Pay-easy is not ticked as the payment method");
		}
	}
}

static void check_page(struct val_state *s, struct job *j, int page, const struct form *f)
{
	char ja[512], en[512];
	struct page_ctx pc = { j, page, f, "" };
	char today[16] = "";

	norm_date_today(today, sizeof today);

	for (int i = 0; i < f->nfields; i++) {
		const struct form_field *fd = &f->fields[i];
		struct job_field *jf = job_page_field(j, page, fd->name);
		const char *label = fd->label[0] ? fd->label : fd->name;
		if (!jf)
			continue;
		if (fd->required && fd->type->read == FIELD_READ_TICK && strcmp(jf->value, "yes")) {
			snprintf(ja, sizeof ja, "必須のチェック欄「%s」に印がありません", label);
			snprintf(en, sizeof en, "required checkbox '%s' (%s) is not ticked", fd->name, label);
			issue(j, fd->name, "required_missing", "error", ja, en);
			continue;
		}
		if (fd->required && !jf->value[0]) {
			snprintf(ja, sizeof ja, "必須項目「%s」が記入されていません", label);
			snprintf(en, sizeof en, "required field '%s' (%s) is empty", fd->name, label);
			issue(j, fd->name, "required_missing", "error", ja, en);
			continue;
		}
		/* the value, and what OCR actually read (a stray character, an era date
		 * outside its era), must both be valid for the type */
		int raw_bad = !strcmp(jf->source, "ocr") && jf->raw[0] && !field_type_valid(fd->type, jf->raw);
		if (raw_bad || !field_type_valid(fd->type, jf->value) ||
		    (jf->value[0] == '\0' && jf->raw[0] && fd->type->read == FIELD_READ_TEXT)) {
			snprintf(ja, sizeof ja, "「%s」の値「%s」は%sとして正しくありません", label, jf->raw,
				 fd->type->name);
			snprintf(en, sizeof en, "'%s' (%s): '%s' is not a valid %s", fd->name, label, jf->raw,
				 fd->type->name);
			issue(j, fd->name, "bad_format", "error", ja, en);
			jf->needs_review = 1;
		}
		/* the application date: plausible only up to today */
		if (fd->role == ROLE_APPLICATION_DATE && fd->type == field_type_find("date") && today[0] &&
		    strlen(jf->value) == 10 && field_type_valid(fd->type, jf->value) && strcmp(jf->value, today) > 0) {
			snprintf(ja, sizeof ja, "「%s」の日付 %s が今日（%s）より後になっています", label, jf->value, today);
			snprintf(en, sizeof en, "'%s' (%s): the date %s is after today (%s)", fd->name, label, jf->value,
				 today);
			issue(j, fd->name, "date_future", "error", ja, en);
			jf->needs_review = 1;
		}
		if (fd->type->read == FIELD_READ_CHOICE && !fd->type->multi && strchr(jf->value, ',')) {
			snprintf(ja, sizeof ja, "「%s」で複数の選択肢に印があります（%s）", label, jf->value);
			snprintf(en, sizeof en, "'%s' (%s): more than one option is ticked (%s)", fd->name, label, jf->value);
			issue(j, fd->name, "choice_multiple", "error", ja, en);
		}
	}
	for (int r = 0; r < f->nrules; r++) {
		double lhs = 0, rhs = 0;
		int ok;
		pc.missing_form[0] = '\0';
		ok = expr_eval_rule(f->rules[r].text, lookup, &pc, &lhs, &rhs);
		if (ok == 1) {
			/* independent readings that add up corroborate each other */
			char names[16][64];
			int nn = expr_names(f->rules[r].text, names, 16);
			for (int k = 0; k < nn; k++) {
				const char *field;
				int p = rule_field_page(&pc, names[k], &field);
				if (p)
					corroborate(j, p, field);
			}
		}
		if (ok == -1 && pc.missing_form[0]) {
			snprintf(ja, sizeof ja, "様式 %s のページがないため、ルール「%s」を確認していません", pc.missing_form,
				 f->rules[r].text);
			snprintf(en, sizeof en, "rule '%s' was not checked: the document has no page of form %s",
				 f->rules[r].text, pc.missing_form);
			issue(j, "", "rule_skipped", "notice", ja, en);
		}
		if (ok == 0) {
			snprintf(ja, sizeof ja, "計算が合いません: %s（%.0f と %.0f）", f->rules[r].text, lhs, rhs);
			snprintf(en, sizeof en, "rule '%s' does not hold (%.0f vs %.0f)", f->rules[r].text, lhs, rhs);
			char names[1][64];
			int nn = expr_names(f->rules[r].text, names, 1);
			issue(j, nn ? names[0] : "", "rule_failed", "error", ja, en);
		}
	}
	const struct fee_rule *fr = fees_find(&s->fees, f->procedure);
	if (fr)
		check_fees(j, page, f, fr);
}

/* qr = required on a page's form: the document must carry a QR identity. */
static void check_qr(struct job *j, const struct form *f)
{
	const char *pass = job_attr(j, "qr.pass"), *seen = job_attr(j, "qr.seen");
	char ja[512], en[512];

	if (job_attr(j, "identity.raw"))
		return;
	if ((pass && !strcmp(pass, "malformed")) || seen) {
		const char *pg = pass && !strcmp(pass, "malformed") ? job_attr(j, "qr.page") : seen;
		int page = pg ? atoi(pg) : 0;
		snprintf(ja, sizeof ja, "%dページに QR コードがありますが、本人情報として読み取れませんでした（様式 %s）",
			 page, f->id);
		snprintf(en, sizeof en, "the QR code on page %d could not be read as an identity (form %s)", page, f->id);
		issue(j, "", "qr_unreadable", "error", ja, en);
		return;
	}
	snprintf(ja, sizeof ja, "様式 %s には QR コードが必要ですが、見つかりませんでした", f->id);
	snprintf(en, sizeof en, "form %s must carry a QR code, but none was found", f->id);
	issue(j, "", "qr_missing", "error", ja, en);
}

static enum dp_err val_process(void *state, struct job *j, struct dp_msg *m)
{
	struct val_state *s = state;

	(void)m;
	if (!j->form_type[0])
		return DP_OK; /* unrecognised: nothing to validate */
	const struct form *needs_qr = NULL;
	for (int page = 1; page <= j->page_count; page++) {
		char key[48];
		const char *id;
		const struct form *f;
		snprintf(key, sizeof key, "page.%d.form", page);
		id = job_attr(j, key);
		if (!id || !(f = forms_find(&s->forms, id)))
			continue;
		check_page(s, j, page, f);
		if (f->qr == FORM_QR_REQUIRED && !needs_qr)
			needs_qr = f;
	}
	if (needs_qr)
		check_qr(j, needs_qr);
	for (size_t i = 0; i < j->nfields; i++)
		if (j->fields[i].needs_review) {
			char ja[256], en[256];
			snprintf(ja, sizeof ja, "「%s」の読み取りに確信がありません（信頼度 %.0f）：確認してください",
				 j->fields[i].name, j->fields[i].conf);
			snprintf(en, sizeof en, "'%s' was read with low confidence (%.0f): please check it",
				 j->fields[i].name, j->fields[i].conf);
			job_add_issue(j, j->fields[i].name, "low_confidence", "notice", ja, en);
		}
	job_settle_status(j);
	return DP_OK;
}

const struct stage_ops validate_ops = { val_init, val_process, val_fini };
