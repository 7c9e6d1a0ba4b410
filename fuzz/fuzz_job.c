/* fuzz_job.c: libFuzzer target for job_decode() and job_encode() (lib/job.c),
 * the envelope every stage receives from a socket.
 *
 * Input: any bytes, as frame 0 of a job message (NUL bytes, no terminator,
 * anything). Checks: job_decode never reads past the frame or leaks, and
 * refuses with a message rather than crashing. When it accepts, the header
 * must survive a round trip: job_encode it, decode that again (which must
 * succeed), compare the key fields of both jobs, and encode the second one:
 * the two encodings must be byte-for-byte equal (numbers with a fraction are
 * written with three decimals, so the first encoding is the fixed point). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/job.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static void mismatch(const char *what)
{
	fprintf(stderr, "fuzz_job: round trip changed %s\n", what);
	abort();
}

static int same_str(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

static int same_d(double a, double b)
{
	char x[512], y[512];
	snprintf(x, sizeof x, "%.3f", a);
	snprintf(y, sizeof y, "%.3f", b);
	return !strcmp(x, y);
}

static void compare(const struct job *a, const struct job *b)
{
	if (strcmp(a->id, b->id) || !same_str(a->source, b->source) || strcmp(a->kind, b->kind) ||
	    strcmp(a->format, b->format) || strcmp(a->status, b->status) || !same_str(a->error, b->error))
		mismatch("an identifier of the H record");
	if (a->page_count != b->page_count || !same_d(a->ocr_conf, b->ocr_conf) || strcmp(a->form_type, b->form_type) ||
	    strcmp(a->procedure, b->procedure) || a->received_us != b->received_us || a->queued_us != b->queued_us ||
	    a->seq != b->seq || a->hop != b->hop)
		mismatch("a number of the H record");
	if (a->nroute != b->nroute)
		mismatch("the route length");
	for (int i = 0; i < a->nroute; i++)
		if (strcmp(a->route[i], b->route[i]))
			mismatch("a route stage");
	if (!same_str(a->full_text, b->full_text) || !a->full_text != !b->full_text)
		mismatch("the full text");
	if (a->nfields != b->nfields || a->nissues != b->nissues || a->nruns != b->nruns || a->nsegs != b->nsegs ||
	    a->nattrs != b->nattrs || a->nframes != b->nframes)
		mismatch("a record count");
	for (size_t i = 0; i < a->nfields; i++) {
		const struct job_field *x = &a->fields[i], *y = &b->fields[i];
		if (x->page != y->page || strcmp(x->name, y->name) || strcmp(x->value, y->value) || strcmp(x->raw, y->raw) ||
		    strcmp(x->source, y->source) || !same_d(x->conf, y->conf) || x->needs_review != y->needs_review)
			mismatch("an F record");
	}
	for (size_t i = 0; i < a->nissues; i++) {
		const struct job_issue *x = &a->issues[i], *y = &b->issues[i];
		if (strcmp(x->field, y->field) || strcmp(x->code, y->code) || strcmp(x->severity, y->severity) ||
		    strcmp(x->msg_ja, y->msg_ja) || strcmp(x->msg_en, y->msg_en))
			mismatch("an I record");
	}
	for (size_t i = 0; i < a->nruns; i++) {
		const struct job_run *x = &a->runs[i], *y = &b->runs[i];
		if (strcmp(x->stage, y->stage) || strcmp(x->worker, y->worker) || x->queued_us != y->queued_us ||
		    x->started_us != y->started_us || x->finished_us != y->finished_us || x->cpu_us != y->cpu_us ||
		    strcmp(x->outcome, y->outcome))
			mismatch("an R record");
	}
	for (size_t i = 0; i < a->nsegs; i++) {
		const struct job_segment *x = &a->segs[i], *y = &b->segs[i];
		if (x->seq != y->seq || x->start_ms != y->start_ms || x->end_ms != y->end_ms || !same_d(x->conf, y->conf) ||
		    strcmp(x->text, y->text))
			mismatch("an S record");
	}
	for (size_t i = 0; i < a->nattrs; i++)
		if (strcmp(a->attrs[i].key, b->attrs[i].key) || strcmp(a->attrs[i].value, b->attrs[i].value))
			mismatch("an A record");
	for (size_t i = 0; i < a->nframes; i++) {
		const struct job_frame *x = &a->frames[i], *y = &b->frames[i];
		if (strcmp(x->name, y->name) || x->width != y->width || x->height != y->height || x->dpi != y->dpi ||
		    x->depth != y->depth || x->len != y->len || y->data)
			mismatch("a P record");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct job *j = NULL, *k = NULL;
	struct dp_msg m;
	char *enc1 = NULL, *enc2 = NULL;
	size_t len1 = 0, len2 = 0;
	enum dp_err e;

	m.text[0] = '\0';
	e = job_decode((const char *)data, len, &j, &m);
	if (e != DP_OK) {
		if (j || !m.text[0]) {
			fprintf(stderr, "fuzz_job: a refused header left a job or no message\n");
			abort();
		}
		return 0;
	}
	if (!j || j->hop < 0 || j->hop > j->nroute || j->nroute > JOB_ROUTE_MAX || j->nframes > JOB_FRAMES_MAX) {
		fprintf(stderr, "fuzz_job: accepted a header outside the limits\n");
		abort();
	}
	enc1 = job_encode(j, &len1);
	m.text[0] = '\0';
	if (job_decode(enc1, len1, &k, &m) != DP_OK) {
		fprintf(stderr, "fuzz_job: job_decode refuses what job_encode wrote: %s\n", m.text);
		abort();
	}
	compare(j, k);
	enc2 = job_encode(k, &len2);
	if (len1 != len2 || memcmp(enc1, enc2, len1))
		mismatch("the encoding");
	free(enc2);
	free(enc1);
	job_free(&k);
	job_free(&j);
	return 0;
}
