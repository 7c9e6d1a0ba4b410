/* jobjson.c: see jobjson.h. Keys: file, sha256, kind, format, status, error,
 * pages, form_type, procedure_code, ocr_confidence, fields[], issues[],
 * segments[], attrs{}, timings[], full_text. */
#include "jobjson.h"


#include <string.h>

#include "../lib/json.h"

static void key(struct buf *b, const char *k, int first)
{
	if (!first)
		buf_addstr(b, ",");
	json_str(b, k);
	buf_addstr(b, ":");
}

static void str_or_null(struct buf *b, const char *s)
{
	if (s && *s)
		json_str(b, s);
	else
		buf_addstr(b, "null");
}

void job_to_json(const struct job *j, struct buf *b)
{
	buf_addstr(b, "{");
	key(b, "file", 1);
	json_str(b, j->source);
	key(b, "sha256", 0);
	json_str(b, j->id);
	key(b, "kind", 0);
	json_str(b, j->kind);
	key(b, "format", 0);
	str_or_null(b, j->format);
	key(b, "status", 0);
	json_str(b, j->status[0] ? j->status : "accepted");
	key(b, "error", 0);
	str_or_null(b, j->error);
	key(b, "error_code", 0);
	str_or_null(b, j->error_code);
	key(b, "pages", 0);
	buf_printf(b, "%d", j->page_count);
	key(b, "form_type", 0);
	str_or_null(b, j->form_type);
	key(b, "procedure_code", 0);
	str_or_null(b, j->procedure);
	key(b, "ocr_confidence", 0);
	if (j->ocr_conf >= 0)
		buf_printf(b, "%.1f", j->ocr_conf);
	else
		buf_addstr(b, "null");
	key(b, "fields", 0);
	buf_addstr(b, "[");
	for (size_t i = 0; i < j->nfields; i++) {
		const struct job_field *f = &j->fields[i];
		buf_addstr(b, i ? ",{" : "{");
		key(b, "name", 1);
		json_str(b, f->name);
		key(b, "page", 0);
		buf_printf(b, "%d", f->page);
		key(b, "value", 0);
		json_str(b, f->value);
		key(b, "raw_text", 0);
		json_str(b, f->raw);
		key(b, "confidence", 0);
		buf_printf(b, "%.1f", f->conf);
		key(b, "needs_review", 0);
		buf_addstr(b, f->needs_review ? "true" : "false");
		key(b, "source", 0);
		json_str(b, f->source);
		buf_addstr(b, "}");
	}
	buf_addstr(b, "]");
	key(b, "issues", 0);
	buf_addstr(b, "[");
	for (size_t i = 0; i < j->nissues; i++) {
		const struct job_issue *x = &j->issues[i];
		buf_addstr(b, i ? ",{" : "{");
		key(b, "field", 1);
		str_or_null(b, x->field);
		key(b, "code", 0);
		json_str(b, x->code);
		key(b, "severity", 0);
		json_str(b, x->severity);
		key(b, "message_ja", 0);
		json_str(b, x->msg_ja);
		key(b, "message_en", 0);
		json_str(b, x->msg_en);
		buf_addstr(b, "}");
	}
	buf_addstr(b, "]");
	key(b, "segments", 0);
	buf_addstr(b, "[");
	for (size_t i = 0; i < j->nsegs; i++) {
		const struct job_segment *s = &j->segs[i];
		buf_addstr(b, i ? ",{" : "{");
		key(b, "seq", 1);
		buf_printf(b, "%d", s->seq);
		key(b, "start_ms", 0);
		buf_printf(b, "%lld", (long long)s->start_ms);
		key(b, "end_ms", 0);
		buf_printf(b, "%lld", (long long)s->end_ms);
		key(b, "confidence", 0);
		buf_printf(b, "%.3f", s->conf);
		key(b, "text", 0);
		json_str(b, s->text);
		buf_addstr(b, "}");
	}
	buf_addstr(b, "]");
	key(b, "attrs", 0);
	buf_addstr(b, "{");
	for (size_t i = 0; i < j->nattrs; i++) {
		key(b, j->attrs[i].key, i == 0);
		json_str(b, j->attrs[i].value);
	}
	buf_addstr(b, "}");
	key(b, "timings", 0);
	buf_addstr(b, "[");
	for (size_t i = 0; i < j->nruns; i++) {
		const struct job_run *r = &j->runs[i];
		buf_addstr(b, i ? ",{" : "{");
		key(b, "stage", 1);
		json_str(b, r->stage);
		key(b, "wall_ms", 0);
		buf_printf(b, "%.2f", (double)(r->finished_us - r->started_us) / 1000.0);
		key(b, "cpu_ms", 0);
		buf_printf(b, "%.2f", (double)r->cpu_us / 1000.0);
		key(b, "outcome", 0);
		json_str(b, r->outcome);
		buf_addstr(b, "}");
	}
	buf_addstr(b, "]");
	key(b, "full_text", 0);
	str_or_null(b, j->full_text);
	buf_addstr(b, "}");
}
