/* coord.c: submitting files and collecting finished jobs (see coord.h). */
#include "coord.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../stages/stage.h"
#include "chunks.h"
#include "log.h"
#include "pipeline.h"
#include "util.h"

struct pending {
	int64_t seq;
	char *path;
	struct job *parent;       /* back from fan-out, waiting for its children */
	struct job **children;
	int nchildren;
	struct pending *next;
};

static void pending_free(struct pending *pd)
{
	for (int i = 0; i < pd->nchildren; i++)
		job_free(&pd->children[i]);
	free(pd->children);
	job_free(&pd->parent);
	free(pd->path);
	free(pd);
}

struct coord {
	const struct conf *conf;
	struct pipeline *p;
	coord_done_fn cb;
	void *user;
	long in_flight, total;
	int64_t seq;
	int tty;
	struct pending *pend;  /* submitted, not finished: path by sequence */
	struct coord_stats st;
};

enum dp_err coord_open(struct coord **out, const struct conf *c, coord_done_fn cb, void *user, struct dp_msg *m)
{
	struct coord *co = xcalloc(1, sizeof *co);
	enum dp_err e;

	*out = NULL;
	co->conf = c;
	co->cb = cb;
	co->user = user;
	co->tty = isatty(2);
	co->st.started_us = now_us();
	e = pipeline_start(&co->p, c, m);
	if (e) {
		free(co);
		return e;
	}
	*out = co;
	return DP_OK;
}

/* SHA-256 of a file too large to hold, read in pieces. */
static int hash_file(const char *path, char out[65])
{
	unsigned char buf[1 << 16], md[32];
	unsigned int mdlen = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	EVP_MD_CTX *ctx;
	ssize_t r;
	static const char hex[] = "0123456789abcdef";

	if (fd < 0)
		return -1;
	ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while ((r = read(fd, buf, sizeof buf)) > 0)
		EVP_DigestUpdate(ctx, buf, (size_t)r);
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	close(fd);
	if (r < 0)
		return -1;
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
	return 0;
}

static void stage_stats(struct coord *co, const struct job *j)
{
	for (size_t i = 0; i < j->nruns; i++) {
		const struct job_run *r = &j->runs[i];
		struct coord_stage_stats *s = NULL;
		for (int k = 0; k < co->st.nstages; k++)
			if (!strcmp(co->st.stages[k].name, r->stage))
				s = &co->st.stages[k];
		if (!s) {
			int at;
			if (co->st.nstages >= COORD_MAX_STAGES)
				continue;
			/* keep the table in route order */
			for (at = co->st.nstages; at > 0 && stage_index(co->st.stages[at - 1].name) > stage_index(r->stage); at--)
				co->st.stages[at] = co->st.stages[at - 1];
			co->st.nstages++;
			s = &co->st.stages[at];
			memset(s, 0, sizeof *s);
			str_copy(s->name, sizeof s->name, r->stage);
		}
		s->n++;
		s->wall_ms += (double)(r->finished_us - r->started_us) / 1000.0;
		s->cpu_ms += (double)r->cpu_us / 1000.0;
		if (r->queued_us)
			s->queue_ms += (double)(r->started_us - r->queued_us) / 1000.0;
	}
}

static void progress(struct coord *co)
{
	double el = (double)(now_us() - co->st.started_us) / 1e6;
	double rate = el > 0 ? (double)co->st.done / el : 0;

	if (!co->tty || !co->total)
		return;
	fprintf(stderr, "\r%ld/%ld done, %.1f docs/s, ETA %.0f s   ", co->st.done, co->total, rate,
		rate > 0 ? (double)(co->total - co->st.done) / rate : 0.0);
	if (co->st.done >= co->total)
		fputc('\n', stderr);
}

static struct pending *find_pending(struct coord *co, int64_t seq)
{
	for (struct pending *pd = co->pend; pd; pd = pd->next)
		if (pd->seq == seq)
			return pd;
	return NULL;
}

/* Fan-in: returns 1 when the coordinator kept *jp (a chunk, or a parent
 * waiting for chunks); sends a completed parent on to load. */
static int fan_in(struct coord *co, struct job **jp)
{
	struct job *j = *jp;
	struct pending *pd;
	struct dp_msg m;
	int expected;

	if (chunk_index(j) < 0 && (chunks_expected(j) < 0 || job_attr(j, "chunks.merged")))
		return 0;
	pd = find_pending(co, j->seq);
	if (!pd) {
		log_debug("chunk of %s arrived after its document finished; dropped", j->source);
		job_free(jp);
		return 1;
	}
	if (chunk_index(j) >= 0) {
		pd->children = xrealloc(pd->children, (size_t)(pd->nchildren + 1) * sizeof *pd->children);
		pd->children[pd->nchildren++] = j;
	} else {
		pd->parent = j;
	}
	*jp = NULL;
	if (!pd->parent || pd->nchildren < (expected = chunks_expected(pd->parent)))
		return 1;
	chunks_merge(pd->parent, pd->children, pd->nchildren);
	for (int i = 0; i < pd->nchildren; i++)
		job_free(&pd->children[i]);
	pd->nchildren = 0;
	job_set_attr(pd->parent, "chunks.merged", "1");
	job_set_route(pd->parent, "load");
	if (pipeline_submit(co->p, &pd->parent, &m))
		log_error("cannot send %s to load: %s", pd->path, m.text);
	return 1;
}

static void finished(struct coord *co, struct job *j)
{
	struct pending **pp = &co->pend, *pd = NULL;
	char kv[2048] = "", num[32];
	const char *dup = job_attr(j, "duplicate_of");
	const char *docid = job_attr(j, "document_id");
	int loaded = docid != NULL;
	int rejected = !strcmp(j->status, "rejected");
	int64_t dur = j->nruns ? j->runs[j->nruns - 1].finished_us - j->received_us : 0;

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->seq == j->seq) {
			pd = *pp;
			*pp = pd->next;
			break;
		}
	co->in_flight--;
	co->st.done++;
	co->st.pages += j->page_count;
	if (!loaded)
		co->st.failed++;
	else if (dup)
		co->st.duplicates++;
	else if (rejected)
		co->st.rejected++;
	else
		co->st.loaded++;
	if (!dup)
		stage_stats(co, j);

	log_kv(kv, sizeof kv, "file", j->source);
	log_kv(kv, sizeof kv, "doc", docid ? docid : "-");
	log_kv(kv, sizeof kv, "sha256", j->id);
	log_kv(kv, sizeof kv, "status", !loaded ? "not_loaded" : dup ? "duplicate" : (j->status[0] ? j->status : "accepted"));
	snprintf(num, sizeof num, "%d", j->page_count);
	log_kv(kv, sizeof kv, "pages", num);
	snprintf(num, sizeof num, "%.1f", (double)dur / 1000.0);
	log_kv(kv, sizeof kv, "duration_ms", num);
	if (j->error)
		log_kv(kv, sizeof kv, "error", j->error);
	if (!co->tty || !co->total)
		log_line(!loaded ? LOG_ERROR : rejected ? LOG_WARN : LOG_INFO,
			 !loaded ? "document not loaded" : dup ? "duplicate of a stored document" : "document", kv);
	else if (!loaded || rejected) {
		fputc('\n', stderr);
		log_line(!loaded ? LOG_ERROR : LOG_WARN, !loaded ? "document not loaded" : "document", kv);
	}
	if (co->cb)
		co->cb(j, pd ? pd->path : j->source, co->user);
	if (pd)
		pending_free(pd);
	progress(co);
}

int coord_poll(struct coord *co, int timeout_ms)
{
	int n = 0;
	struct dp_msg m;

	for (;;) {
		struct job *j = NULL;
		enum dp_err e = pipeline_collect(co->p, &j, timeout_ms, &m);
		if (e) {
			log_error("collecting finished jobs: %s", m.text);
			return n;
		}
		if (!j)
			return n;
		if (fan_in(co, &j))
			continue;
		finished(co, j);
		job_free(&j);
		n++;
		timeout_ms = 0;
	}
}

enum dp_err coord_submit_path(struct coord *co, const char *path, struct dp_msg *m)
{
	struct job *j = job_new();
	struct dp_msg rm;
	char *data = NULL;
	size_t len = 0;
	enum dp_err e;
	struct pending *pd;

	while (co->in_flight >= co->conf->max_in_flight)
		coord_poll(co, 200);
	job_set_str(&j->source, path);
	j->received_us = now_us();
	j->seq = ++co->seq;
	e = file_read(path, &data, &len, (size_t)co->conf->max_file_bytes, &rm);
	if (e == DP_OK) {
		job_add_frame(j, "file", data, len);
		job_set_route(j, "ingest");
	} else {
		/* recorded as rejected: identity from the content when it can be hashed */
		if (hash_file(path, j->id) != 0)
			sha256_hex(path, strlen(path), j->id);
		job_set_error(j, "rejected", "%s", rm.text);
		str_copy(j->kind, sizeof j->kind, "unknown");
		job_set_route(j, "load");
		char kv[1024] = "";
		log_kv(kv, sizeof kv, "file", path);
		log_kv(kv, sizeof kv, "error", rm.text);
		log_line(LOG_WARN, "input refused", kv);
	}
	pd = xcalloc(1, sizeof *pd);
	pd->seq = j->seq;
	pd->path = xstrdup(path);
	pd->next = co->pend;
	co->pend = pd;
	co->in_flight++;
	co->st.submitted++;
	e = pipeline_submit(co->p, &j, m);
	if (e) {
		co->in_flight--;
		return e;
	}
	coord_poll(co, 0);
	return DP_OK;
}

void coord_drain(struct coord *co)
{
	while (co->in_flight > 0)
		coord_poll(co, 500);
}

long coord_in_flight(const struct coord *co)
{
	return co->in_flight;
}

const struct coord_stats *coord_stats(const struct coord *co)
{
	return &co->st;
}

void coord_set_total(struct coord *co, long total)
{
	co->total = total;
}

void coord_close(struct coord **co)
{
	if (!*co)
		return;
	pipeline_stop(&(*co)->p);
	while ((*co)->pend) {
		struct pending *pd = (*co)->pend;
		(*co)->pend = pd->next;
		pending_free(pd);
	}
	free(*co);
	*co = NULL;
}
