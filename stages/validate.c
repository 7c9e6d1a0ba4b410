/* validate.c: rules on the fields OCR read; every problem becomes a
 * validation issue (document, field, code, severity, message in Japanese and
 * English), never a crash.
 *
 * Takes: fields and page.N.form attrs from ocr.
 * Reads: the form templates (required fields, types, [check] rules) and
 * models/fees.conf (unit fee, postage, Pay-easy number lengths), once per worker.
 * Checks, per recognised page:
 *   required_missing  a required field is empty                       error
 *   bad_format        a value is not a valid date/postal/phone/...      error
 *   choice_multiple   more than one option ticked                       error
 *   rule_failed       a template rule ("total = fee + postage") fails   error
 *   fee_mismatch      fee != unit fee x copies                          error
 *   postage_mismatch  postage differs from the schedule                 error
 *   payeasy_missing / payeasy_format   Pay-easy ticked, numbers absent or of the wrong length   error
 *   payeasy_unexpected Pay-easy numbers without Pay-easy ticked          warning
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
};


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
	struct job_field *f = job_page_field(pc->j, pc->page, name);
	char *end;

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

static void check_fees(struct job *j, int page, const struct fee_rule *r)
{
	long long copies, fee, postage = 0;
	char ja[512], en[512];
	const char *payment = job_page_value(j, page, "payment");
	const char *delivery = job_page_value(j, page, "delivery");

	if (r->unit_fee >= 0 && number_of(j, page, "copies", &copies) == 0 && number_of(j, page, "fee", &fee) == 0 &&
	    fee == r->unit_fee * copies) {
		corroborate(j, page, "fee");
		corroborate(j, page, "copies");
	} else if (r->unit_fee >= 0 && number_of(j, page, "copies", &copies) == 0 && number_of(j, page, "fee", &fee) == 0) {
		snprintf(ja, sizeof ja, "手数料 %lld円 が手数料表と一致しません（%lld円 × %lld部 = %lld円）", fee, r->unit_fee,
			 copies, r->unit_fee * copies);
		snprintf(en, sizeof en, "fee %lld yen does not match the fee schedule (%lld yen x %lld copies = %lld yen)", fee,
			 r->unit_fee, copies, r->unit_fee * copies);
		issue(j, "fee", "fee_mismatch", "error", ja, en);
	}
	if (r->ntiers && job_page_field(j, page, "postage") && number_of(j, page, "copies", &copies) == 0) {
		long long want = has_option(delivery, r->mail_option) ? fees_postage(r, copies) : 0;
		if (number_of(j, page, "postage", &postage) != 0)
			postage = 0;
		if (postage == want)
			corroborate(j, page, "postage");
		if (postage != want) {
			snprintf(ja, sizeof ja, "郵送料 %lld円 が規定の %lld円 と一致しません", postage, want);
			snprintf(en, sizeof en, "postage %lld yen differs from the %lld yen the schedule gives", postage, want);
			issue(j, "postage", "postage_mismatch", "error", ja, en);
		}
	}
	if (job_page_field(j, page, "payment")) {
		int payeasy = has_option(payment, r->payeasy_option);
		if (payeasy) {
			check_digits(j, page, "payeasy_biller", 5, 5, "収納機関番号");
			check_digits(j, page, "payeasy_customer", r->cust_min, r->cust_max, "お客様番号（納付番号）");
			check_digits(j, page, "payeasy_confirm", r->conf_min, r->conf_max, "確認番号");
		} else if (*job_page_value(j, page, "payeasy_biller") || *job_page_value(j, page, "payeasy_customer")) {
			issue(j, "payment", "payeasy_unexpected", "warning",
			      "Pay-easy の番号が記入されていますが、支払方法に Pay-easy が選択されていません",
			      "Pay-easy numbers are filled in but Pay-easy is not ticked as the payment method");
		}
	}
}

static void check_page(struct val_state *s, struct job *j, int page, const struct form *f)
{
	char ja[512], en[512];
	struct page_ctx pc = { j, page };

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
		if (fd->type->read == FIELD_READ_CHOICE && strchr(jf->value, ',')) {
			snprintf(ja, sizeof ja, "「%s」で複数の選択肢に印があります（%s）", label, jf->value);
			snprintf(en, sizeof en, "'%s' (%s): more than one option is ticked (%s)", fd->name, label, jf->value);
			issue(j, fd->name, "choice_multiple", "error", ja, en);
		}
	}
	for (int r = 0; r < f->nrules; r++) {
		double lhs = 0, rhs = 0;
		int ok = expr_eval_rule(f->rules[r].text, lookup, &pc, &lhs, &rhs);
		if (ok == 1) {
			/* independent readings that add up corroborate each other */
			char names[16][64];
			int nn = expr_names(f->rules[r].text, names, 16);
			for (int k = 0; k < nn; k++)
				corroborate(j, page, names[k]);
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
		check_fees(j, page, fr);
}

static enum dp_err val_process(void *state, struct job *j, struct dp_msg *m)
{
	struct val_state *s = state;

	(void)m;
	if (!j->form_type[0])
		return DP_OK; /* unrecognised: nothing to validate */
	for (int page = 1; page <= j->page_count; page++) {
		char key[48];
		const char *id;
		const struct form *f;
		snprintf(key, sizeof key, "page.%d.form", page);
		id = job_attr(j, key);
		if (!id || !(f = forms_find(&s->forms, id)))
			continue;
		check_page(s, j, page, f);
	}
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
