/* job.c: job envelope construction, encoding and checked decoding (see job.h). */
#include "job.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fname.h"
#include "util.h"

struct job *job_new(void)
{
	struct job *j = xcalloc(1, sizeof *j);
	j->ocr_conf = -1;
	return j;
}

void job_free(struct job **jp)
{
	struct job *j = jp ? *jp : NULL;

	if (!j)
		return;
	free(j->source);
	free(j->error);
	free(j->full_text);
	for (size_t i = 0; i < j->nfields; i++) {
		free(j->fields[i].name);
		free(j->fields[i].value);
		free(j->fields[i].raw);
		free(j->fields[i].source);
	}
	free(j->fields);
	for (size_t i = 0; i < j->nissues; i++) {
		free(j->issues[i].field);
		free(j->issues[i].code);
		free(j->issues[i].severity);
		free(j->issues[i].msg_ja);
		free(j->issues[i].msg_en);
	}
	free(j->issues);
	free(j->runs);
	for (size_t i = 0; i < j->nsegs; i++)
		free(j->segs[i].text);
	free(j->segs);
	for (size_t i = 0; i < j->nattrs; i++) {
		free(j->attrs[i].key);
		free(j->attrs[i].value);
	}
	free(j->attrs);
	for (size_t i = 0; i < j->nframes; i++)
		job_frame_release(&j->frames[i]);
	free(j->frames);
	free(j);
	*jp = NULL;
}

void job_set_str(char **dst, const char *s)
{
	char *n = xstrdup(s);
	free(*dst);
	*dst = n;
}

void job_set_error(struct job *j, const char *status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	job_set_str(&j->error, msg);
	str_copy(j->status, sizeof j->status, status);
}

void job_set_source(struct job *j, const char *path)
{
	char shown[4096];

	if (fname_display(path, shown, sizeof shown)) {
		char *raw = fname_bytea(path);
		job_set_attr(j, "source.bytea", raw);
		free(raw);
	}
	job_set_str(&j->source, shown);
}

void job_refuse(struct job *j, enum dp_err e, const struct dp_msg *m)
{
	job_set_error(j, "rejected", "%s", m->text[0] ? m->text : dp_err_name(e));
	str_copy(j->error_code, sizeof j->error_code, dp_reason_code(dp_reason_of(e, m->reason)));
}

#define GROW(arr, n) ((arr) = xrealloc((arr), ((n) + 1) * sizeof *(arr)), &(arr)[(n)++])

struct job_field *job_add_field(struct job *j, int page, const char *name, const char *value,
				const char *raw, double conf, int needs_review, const char *source)
{
	struct job_field *f = GROW(j->fields, j->nfields);
	f->page = page;
	f->name = xstrdup(name ? name : "");
	f->value = xstrdup(value ? value : "");
	f->raw = xstrdup(raw ? raw : "");
	f->source = xstrdup(source ? source : "ocr");
	f->conf = conf;
	f->needs_review = needs_review;
	return f;
}

struct job_field *job_find_field(struct job *j, const char *name)
{
	for (size_t i = 0; i < j->nfields; i++)
		if (!strcmp(j->fields[i].name, name))
			return &j->fields[i];
	return NULL;
}

struct job_field *job_page_field(struct job *j, int page, const char *name)
{
	for (size_t i = 0; i < j->nfields; i++)
		if (j->fields[i].page == page && !strcmp(j->fields[i].name, name))
			return &j->fields[i];
	return NULL;
}

const char *job_page_value(struct job *j, int page, const char *name)
{
	struct job_field *f = job_page_field(j, page, name);
	return f ? f->value : "";
}

void job_add_issue(struct job *j, const char *field, const char *code, const char *severity,
		   const char *msg_ja, const char *msg_en)
{
	struct job_issue *i = GROW(j->issues, j->nissues);
	i->field = xstrdup(field ? field : "");
	i->code = xstrdup(code);
	i->severity = xstrdup(severity);
	i->msg_ja = xstrdup(msg_ja);
	i->msg_en = xstrdup(msg_en);
}

struct job_run *job_add_run(struct job *j, const char *stage)
{
	struct job_run *r = GROW(j->runs, j->nruns);
	memset(r, 0, sizeof *r);
	str_copy(r->stage, sizeof r->stage, stage);
	return r;
}

void job_add_segment(struct job *j, int seq, int64_t start_ms, int64_t end_ms, double conf,
		     const char *text)
{
	struct job_segment *s = GROW(j->segs, j->nsegs);
	s->seq = seq;
	s->start_ms = start_ms;
	s->end_ms = end_ms;
	s->conf = conf;
	s->text = xstrdup(text ? text : "");
}

void job_set_attr(struct job *j, const char *key, const char *value)
{
	for (size_t i = 0; i < j->nattrs; i++)
		if (!strcmp(j->attrs[i].key, key)) {
			job_set_str(&j->attrs[i].value, value);
			return;
		}
	struct job_attr *a = GROW(j->attrs, j->nattrs);
	a->key = xstrdup(key);
	a->value = xstrdup(value ? value : "");
}

const char *job_attr(const struct job *j, const char *key)
{
	for (size_t i = 0; i < j->nattrs; i++)
		if (!strcmp(j->attrs[i].key, key))
			return j->attrs[i].value;
	return NULL;
}

struct job_frame *job_add_frame(struct job *j, const char *name, void *data, size_t len)
{
	struct job_frame *f = GROW(j->frames, j->nframes);
	memset(f, 0, sizeof *f);
	str_copy(f->name, sizeof f->name, name);
	f->data = data;
	f->len = len;
	return f;
}

void job_frame_release(struct job_frame *f)
{
	if (f->release)
		f->release(f->owner);
	else
		free(f->data);
	f->data = NULL;
	f->release = NULL;
	f->owner = NULL;
}

void job_drop_frames(struct job *j, const char *name)
{
	size_t k = 0;

	for (size_t i = 0; i < j->nframes; i++) {
		if (!name || !strcmp(j->frames[i].name, name))
			job_frame_release(&j->frames[i]);
		else
			j->frames[k++] = j->frames[i];
	}
	j->nframes = k;
}

struct job_frame *job_frame(struct job *j, const char *name)
{
	for (size_t i = 0; i < j->nframes; i++)
		if (!strcmp(j->frames[i].name, name))
			return &j->frames[i];
	return NULL;
}

int job_set_route(struct job *j, const char *list)
{
	int n = 0;
	const char *p = list;

	while (*p) {
		const char *c = strchr(p, ',');
		size_t l = c ? (size_t)(c - p) : strlen(p);
		if (n >= JOB_ROUTE_MAX || l == 0 || l >= JOB_NAME_MAX)
			return -1;
		memcpy(j->route[n], p, l);
		j->route[n][l] = '\0';
		n++;
		p = c ? c + 1 : p + l;
	}
	j->nroute = n;
	j->hop = 0;
	return 0;
}

const char *job_next_stage(const struct job *j)
{
	return j->hop < j->nroute ? j->route[j->hop] : NULL;
}

/* ---- encoding ---- */

static void put(struct buf *b, const char *s)
{
	buf_add(b, "\t", 1);
	for (const char *p = s ? s : ""; *p; p++) {
		if (*p == '\t')
			buf_add(b, "\\t", 2);
		else if (*p == '\n')
			buf_add(b, "\\n", 2);
		else if (*p == '\\')
			buf_add(b, "\\\\", 2);
		else if (*p == '\r')
			buf_add(b, "\\r", 2);
		else
			buf_add(b, p, 1);
	}
}

static void putll(struct buf *b, long long v)
{
	buf_printf(b, "\t%lld", v);
}

static void putd(struct buf *b, double v)
{
	buf_printf(b, "\t%.3f", v);
}

char *job_encode(const struct job *j, size_t *len)
{
	struct buf b;

	buf_init(&b, 0);
	buf_addstr(&b, "DP1\n");
	buf_addstr(&b, "H");
	put(&b, j->id);
	put(&b, j->source);
	put(&b, j->kind);
	put(&b, j->format);
	put(&b, j->status);
	put(&b, j->error);
	putll(&b, j->page_count);
	putd(&b, j->ocr_conf);
	put(&b, j->form_type);
	put(&b, j->procedure);
	putll(&b, j->received_us);
	putll(&b, j->queued_us);
	putll(&b, j->seq);
	putll(&b, j->hop);
	put(&b, j->error_code);
	buf_addstr(&b, "\n");
	for (int i = 0; i < j->nroute; i++) {
		buf_addstr(&b, "r");
		put(&b, j->route[i]);
		buf_addstr(&b, "\n");
	}
	if (j->full_text) {
		buf_addstr(&b, "T");
		put(&b, j->full_text);
		buf_addstr(&b, "\n");
	}
	for (size_t i = 0; i < j->nfields; i++) {
		const struct job_field *f = &j->fields[i];
		buf_addstr(&b, "F");
		putll(&b, f->page);
		put(&b, f->name);
		put(&b, f->value);
		put(&b, f->raw);
		put(&b, f->source);
		putd(&b, f->conf);
		putll(&b, f->needs_review);
		buf_addstr(&b, "\n");
	}
	for (size_t i = 0; i < j->nissues; i++) {
		const struct job_issue *x = &j->issues[i];
		buf_addstr(&b, "I");
		put(&b, x->field);
		put(&b, x->code);
		put(&b, x->severity);
		put(&b, x->msg_ja);
		put(&b, x->msg_en);
		buf_addstr(&b, "\n");
	}
	for (size_t i = 0; i < j->nruns; i++) {
		const struct job_run *r = &j->runs[i];
		buf_addstr(&b, "R");
		put(&b, r->stage);
		put(&b, r->worker);
		putll(&b, r->queued_us);
		putll(&b, r->started_us);
		putll(&b, r->finished_us);
		putll(&b, r->cpu_us);
		putll(&b, r->engine_us);
		put(&b, r->outcome);
		buf_addstr(&b, "\n");
	}
	for (size_t i = 0; i < j->nsegs; i++) {
		const struct job_segment *s = &j->segs[i];
		buf_addstr(&b, "S");
		putll(&b, s->seq);
		putll(&b, s->start_ms);
		putll(&b, s->end_ms);
		putd(&b, s->conf);
		put(&b, s->text);
		buf_addstr(&b, "\n");
	}
	for (size_t i = 0; i < j->nattrs; i++) {
		buf_addstr(&b, "A");
		put(&b, j->attrs[i].key);
		put(&b, j->attrs[i].value);
		buf_addstr(&b, "\n");
	}
	for (size_t i = 0; i < j->nframes; i++) {
		const struct job_frame *f = &j->frames[i];
		buf_addstr(&b, "P");
		put(&b, f->name);
		putll(&b, f->width);
		putll(&b, f->height);
		putll(&b, f->dpi);
		putll(&b, f->depth);
		putll(&b, (long long)f->len);
		buf_addstr(&b, "\n");
	}
	return buf_detach(&b, len);
}

/* ---- decoding ---- */

#define MAXCOLS 16

/* Split one line into unescaped columns (in place). Returns the count, -1 on a bad escape. */
static int split(char *line, char **cols)
{
	int n = 0;
	char *w = line, *start = line;

	for (char *p = line;; p++) {
		if (*p == '\t' || *p == '\0') {
			int end = *p == '\0';
			*w++ = '\0';
			if (n >= MAXCOLS)
				return -1;
			cols[n++] = start;
			if (end)
				break;
			start = w;
			continue;
		}
		if (*p == '\\') {
			p++;
			if (*p == 't')
				*w++ = '\t';
			else if (*p == 'n')
				*w++ = '\n';
			else if (*p == 'r')
				*w++ = '\r';
			else if (*p == '\\')
				*w++ = '\\';
			else
				return -1;
			continue;
		}
		*w++ = *p;
	}
	return n;
}

static int getll(const char *s, long long *v)
{
	char *end;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return errno || end == s || *end ? -1 : 0;
}

static int getd(const char *s, double *v)
{
	char *end;
	*v = strtod(s, &end);
	return end == s || *end ? -1 : 0;
}

enum dp_err job_decode(const char *data, size_t len, struct job **out, struct dp_msg *m)
{
	struct job *j = NULL;
	char *text = NULL, *line, *next;
	int lineno = 0, have_header = 0;
	enum dp_err e = DP_ERR_CORRUPT;

	*out = NULL;
	if (len > JOB_HEADER_MAX)
		return dp_fail(m, DP_ERR_LIMIT, "job header of %zu bytes exceeds the limit", len);
	if (len < 4 || memcmp(data, "DP1\n", 4) != 0)
		return dp_fail(m, DP_ERR_CORRUPT, "not a docpipe job header (bad magic)");
	if (memchr(data, '\0', len))
		return dp_fail(m, DP_ERR_CORRUPT, "job header contains a NUL byte");
	text = xmalloc(len + 1);
	memcpy(text, data, len);
	text[len] = '\0';
	j = job_new();
	for (line = text + 4; *line; line = next) {
		char *cols[MAXCOLS];
		int n;
		long long v[8];

		lineno++;
		next = strchr(line, '\n');
		if (!next) {
			dp_fail(m, DP_ERR_CORRUPT, "job header line %d is not terminated", lineno);
			goto fail;
		}
		*next++ = '\0';
		n = split(line, cols);
		if (n < 1 || strlen(cols[0]) != 1) {
			dp_fail(m, DP_ERR_CORRUPT, "job header line %d is malformed", lineno);
			goto fail;
		}
		for (int i = 1; i < n; i++)
			if (strlen(cols[i]) > JOB_TEXT_MAX) {
				dp_fail(m, DP_ERR_LIMIT, "job header line %d: value too long", lineno);
				goto fail;
			}
#define NEED(k)                                                                               \
	do {                                                                                  \
		if (n != (k)) {                                                               \
			dp_fail(m, DP_ERR_CORRUPT, "job header line %d: expected %d columns, got %d", \
				lineno, (k), n);                                              \
			goto fail;                                                            \
		}                                                                             \
	} while (0)
#define LIST_CAP(cnt)                                                                          \
	do {                                                                                   \
		if ((cnt) >= JOB_LIST_MAX) {                                                   \
			dp_fail(m, DP_ERR_LIMIT, "job header line %d: too many entries", lineno); \
			goto fail;                                                             \
		}                                                                              \
	} while (0)
#define NUM(i, dst)                                                                           \
	do {                                                                                  \
		if (getll(cols[i], &(dst))) {                                                 \
			dp_fail(m, DP_ERR_CORRUPT, "job header line %d: '%s' is not a number", lineno, cols[i]); \
			goto fail;                                                            \
		}                                                                             \
	} while (0)
		switch (cols[0][0]) {
		case 'H': {
			double conf;
			NEED(16);
			if (strlen(cols[1]) >= sizeof j->id || strlen(cols[3]) >= sizeof j->kind ||
			    strlen(cols[15]) >= sizeof j->error_code ||
			    strlen(cols[4]) >= sizeof j->format || strlen(cols[5]) >= sizeof j->status ||
			    strlen(cols[9]) >= sizeof j->form_type || strlen(cols[10]) >= sizeof j->procedure) {
				dp_fail(m, DP_ERR_CORRUPT, "job header: identifier too long");
				goto fail;
			}
			str_copy(j->id, sizeof j->id, cols[1]);
			job_set_str(&j->source, cols[2]);
			str_copy(j->kind, sizeof j->kind, cols[3]);
			str_copy(j->format, sizeof j->format, cols[4]);
			str_copy(j->status, sizeof j->status, cols[5]);
			if (*cols[6])
				job_set_str(&j->error, cols[6]);
			NUM(7, v[0]);
			if (getd(cols[8], &conf))
				goto badnum;
			str_copy(j->form_type, sizeof j->form_type, cols[9]);
			str_copy(j->procedure, sizeof j->procedure, cols[10]);
			NUM(11, v[1]);
			NUM(12, v[2]);
			NUM(13, v[3]);
			NUM(14, v[4]);
			if (v[0] < 0 || v[0] > 100000 || v[4] < 0 || v[4] > JOB_ROUTE_MAX) {
				dp_fail(m, DP_ERR_CORRUPT, "job header: page count or hop out of range");
				goto fail;
			}
			j->page_count = (int)v[0];
			j->ocr_conf = conf;
			j->received_us = v[1];
			j->queued_us = v[2];
			j->seq = v[3];
			j->hop = (int)v[4];
			str_copy(j->error_code, sizeof j->error_code, cols[15]);
			have_header = 1;
			break;
		}
		case 'r':
			NEED(2);
			if (j->nroute >= JOB_ROUTE_MAX || strlen(cols[1]) >= JOB_NAME_MAX || !*cols[1]) {
				dp_fail(m, DP_ERR_CORRUPT, "job header: bad route");
				goto fail;
			}
			str_copy(j->route[j->nroute++], JOB_NAME_MAX, cols[1]);
			break;
		case 'T':
			NEED(2);
			job_set_str(&j->full_text, cols[1]);
			break;
		case 'F': {
			double conf;
			NEED(8);
			LIST_CAP(j->nfields);
			NUM(1, v[0]);
			NUM(7, v[1]);
			if (getd(cols[6], &conf))
				goto badnum;
			job_add_field(j, (int)v[0], cols[2], cols[3], cols[4], conf, (int)v[1], cols[5]);
			break;
		}
		case 'I':
			NEED(6);
			LIST_CAP(j->nissues);
			job_add_issue(j, cols[1], cols[2], cols[3], cols[4], cols[5]);
			break;
		case 'R': {
			struct job_run *r;
			NEED(9);
			LIST_CAP(j->nruns);
			NUM(3, v[0]);
			NUM(4, v[1]);
			NUM(5, v[2]);
			NUM(6, v[3]);
			NUM(7, v[4]);
			r = job_add_run(j, cols[1]);
			str_copy(r->worker, sizeof r->worker, cols[2]);
			r->queued_us = v[0];
			r->started_us = v[1];
			r->finished_us = v[2];
			r->cpu_us = v[3];
			r->engine_us = v[4];
			str_copy(r->outcome, sizeof r->outcome, cols[8]);
			break;
		}
		case 'S': {
			double conf;
			NEED(6);
			LIST_CAP(j->nsegs);
			NUM(1, v[0]);
			NUM(2, v[1]);
			NUM(3, v[2]);
			if (getd(cols[4], &conf))
				goto badnum;
			job_add_segment(j, (int)v[0], v[1], v[2], conf, cols[5]);
			break;
		}
		case 'A':
			NEED(3);
			LIST_CAP(j->nattrs);
			job_set_attr(j, cols[1], cols[2]);
			break;
		case 'P': {
			struct job_frame *f;
			NEED(7);
			if (j->nframes >= JOB_FRAMES_MAX) {
				dp_fail(m, DP_ERR_LIMIT, "job header: too many payload frames");
				goto fail;
			}
			NUM(2, v[0]);
			NUM(3, v[1]);
			NUM(4, v[2]);
			NUM(5, v[3]);
			NUM(6, v[4]);
			if (v[0] < 0 || v[1] < 0 || v[2] < 0 || v[3] < 0 || v[4] < 0 ||
			    v[0] > 1000000 || v[1] > 1000000 || v[2] > 100000 || v[3] > 64) {
				dp_fail(m, DP_ERR_CORRUPT, "job header: frame description out of range");
				goto fail;
			}
			f = job_add_frame(j, cols[1], NULL, (size_t)v[4]);
			f->width = (int)v[0];
			f->height = (int)v[1];
			f->dpi = (int)v[2];
			f->depth = (int)v[3];
			break;
		}
		default:
			dp_fail(m, DP_ERR_CORRUPT, "job header line %d: unknown record '%c'", lineno, cols[0][0]);
			goto fail;
		}
		continue;
badnum:
		dp_fail(m, DP_ERR_CORRUPT, "job header line %d: bad number", lineno);
		goto fail;
	}
	if (!have_header) {
		dp_fail(m, DP_ERR_CORRUPT, "job header has no H record");
		goto fail;
	}
	if (j->hop > j->nroute) {
		dp_fail(m, DP_ERR_CORRUPT, "job header: hop %d beyond route of %d stages", j->hop, j->nroute);
		goto fail;
	}
	free(text);
	*out = j;
	return DP_OK;
fail:
	free(text);
	job_free(&j);
	return e;
}
