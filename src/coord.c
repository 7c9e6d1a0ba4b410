/* coord.c: submitting files, the ledger, collecting finished jobs (see coord.h). */
#include "coord.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../stages/stage.h"
#include "chunks.h"
#include "../lib/db.h"
#include "ledger.h"
#include "../lib/log.h"
#include "pipeline.h"
#include "../lib/receipt.h"
#include "../lib/util.h"

struct pending {
	int64_t seq;              /* ledger id */
	char *path;
	char sha[65];
	int attempt;
	int64_t dispatched_us;
	struct job *parent;       /* back from fan-out, waiting for its children */
	struct job **children;
	int nchildren;
	struct pending *next;
};

struct coord {
	const struct conf *conf;
	struct pipeline *p;
	struct db *db;            /* the ledger */
	coord_done_fn cb;
	void *user;
	long in_flight, total;
	int tty;
	struct pending *pend;
	struct coord_stats st;
	int inbox_fd;             /* the watched folder, -1 for `run` */
	char inbox[PATH_MAX];
	long backlog;             /* coord_ledger_backlog(), -1 unknown */
	int64_t backlog_us;       /* when it was read */
};

const double coord_le[COORD_LE_N] = { 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30 };

static void pending_free(struct pending *pd)
{
	for (int i = 0; i < pd->nchildren; i++)
		job_free(&pd->children[i]);
	free(pd->children);
	job_free(&pd->parent);
	free(pd->path);
	free(pd);
}

static struct pending *find_pending(struct coord *co, int64_t seq)
{
	for (struct pending *pd = co->pend; pd; pd = pd->next)
		if (pd->seq == seq)
			return pd;
	return NULL;
}

static void unlink_pending(struct coord *co, struct pending *pd)
{
	for (struct pending **pp = &co->pend; *pp; pp = &(*pp)->next)
		if (*pp == pd) {
			*pp = pd->next;
			return;
		}
}

int coord_pending(const struct coord *co, const char *path)
{
	for (const struct pending *pd = co->pend; pd; pd = pd->next)
		if (!strcmp(pd->path, path))
			return 1;
	return 0;
}

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
	co->inbox_fd = -1;
	co->backlog = -1;
	e = db_open(&co->db, c->conninfo, c->db_retry_max_s, m);
	if (!e)
		e = db_migrate(co->db, 0, m);
	if (!e)
		e = pipeline_start(&co->p, c, m);
	if (e) {
		db_close(&co->db);
		free(co);
		return e;
	}
	*out = co;
	return DP_OK;
}

/* SHA-256 of an open file too large to hold, read in pieces from the start. */
static int hash_fd(int fd, char out[65])
{
	unsigned char buf[1 << 16], md[32];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	ssize_t r;
	static const char hex[] = "0123456789abcdef";

	if (lseek(fd, 0, SEEK_SET) < 0)
		return -1;
	ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while ((r = read(fd, buf, sizeof buf)) > 0)
		EVP_DigestUpdate(ctx, buf, (size_t)r);
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	if (r < 0)
		return -1;
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
	return 0;
}

enum dp_err coord_set_inbox(struct coord *co, const char *dir, struct dp_msg *m)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return dp_fail(m, DP_ERR_CONFIG, "cannot open the inbox folder '%s': %s", dir, strerror(errno));
	if (co->inbox_fd >= 0)
		close(co->inbox_fd);
	co->inbox_fd = fd;
	str_copy(co->inbox, sizeof co->inbox, dir);
	return DP_OK;
}

/* Read the input at path (shown: its display name). An input of the inbox
 * is opened relative to the inbox folder and checked after it is open
 * (file_open_at FILE_INSIDE); any other is opened as named. When it cannot
 * be read but was opened (too large), sha receives the hash of its bytes. */
static enum dp_err read_input(struct coord *co, const char *path, const char *shown, char **data, size_t *len,
			      char sha[65], struct dp_msg *m)
{
	char dir[PATH_MAX];
	struct stat st;
	int inside, fd;
	enum dp_err e;

	path_dirname(path, dir, sizeof dir);
	inside = co->inbox_fd >= 0 && !strcmp(dir, co->inbox);
	fd = file_open_at(inside ? co->inbox_fd : AT_FDCWD, inside ? path_basename(path) : path, inside ? FILE_INSIDE : 0,
			  shown, &st, m);
	if (fd < 0)
		return DP_ERR_IO;
	e = file_read_fd(fd, &st, shown, data, len, (size_t)co->conf->max_file_bytes, m);
	if (e && hash_fd(fd, sha) != 0)
		sha[0] = '\0';
	close(fd);
	return e;
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
		for (int b = 0; b < COORD_LE_N; b++)
			if ((double)(r->finished_us - r->started_us) <= coord_le[b] * 1e6)
				s->le[b]++;
		s->cpu_ms += (double)r->cpu_us / 1000.0;
		s->engine_ms += (double)r->engine_us / 1000.0;
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

/* One logfmt line per input (on a terminal with progress: only problems). */
static void log_outcome(struct coord *co, enum log_level lv, const char *msg, const char *path, const char *doc,
			const char *sha, const char *status, int pages, double ms, const char *error, const char *code)
{
	char kv[2048] = "", num[32];

	log_kv(kv, sizeof kv, "file", path);
	log_kv(kv, sizeof kv, "doc", doc && *doc ? doc : "-");
	log_kv(kv, sizeof kv, "sha256", sha && *sha ? sha : "-");
	log_kv(kv, sizeof kv, "status", status);
	snprintf(num, sizeof num, "%d", pages);
	log_kv(kv, sizeof kv, "pages", num);
	snprintf(num, sizeof num, "%.1f", ms);
	log_kv(kv, sizeof kv, "duration_ms", num);
	if (error && *error)
		log_kv(kv, sizeof kv, "error", error);
	if (code && *code)
		log_kv(kv, sizeof kv, "error_code", code);
	if (co->tty && co->total) {
		if (lv > LOG_WARN)
			return;
		fputc('\n', stderr);
	}
	log_line(lv, msg, kv);
}

/* The input's outcome is final: tell the caller, then the ledger. */
static void settle(struct coord *co, int64_t seq, enum coord_outcome o, const struct job *j, const char *path,
		   long long doc_id, const char *error, const char *code)
{
	static const char *state[] = { "done", "rejected", "duplicate", "failed" };
	char final_path[4096] = "";
	struct dp_msg m;

	if (code && !*code)
		code = NULL;
	if (co->cb)
		co->cb(o, j, path, error, code, co->user, final_path, sizeof final_path);
	if (seq > 0 &&
	    ledger_finish(co->db, seq, state[o], doc_id, final_path[0] ? final_path : NULL, error, code, &m))
		log_error("ledger: %s", m.text);
}

static void finished(struct coord *co, struct job *j)
{
	struct pending *pd = find_pending(co, j->seq);
	const char *dup = job_attr(j, "duplicate_of");
	const char *docid = job_attr(j, "document_id");
	const char *att = job_attr(j, "attempt");
	int loaded = docid != NULL;
	int rejected = !strcmp(j->status, "rejected");
	int64_t dur = j->nruns ? j->runs[j->nruns - 1].finished_us - j->received_us : 0;
	enum coord_outcome o;

	if (!pd || (att && atoi(att) != pd->attempt && !loaded)) {
		/* an earlier attempt that came back after all: already handled */
		log_debug("late result for %s ignored", j->source);
		return;
	}
	unlink_pending(co, pd);
	co->in_flight--;
	co->st.done++;
	co->st.pages += j->page_count;
	/* rejected before duplicate: bytes that were refused before (another
	 * empty file, the same broken scan sent again) are refused again, with
	 * this input's reason, and quarantined with a note, not archived */
	if (!loaded) {
		co->st.failed++;
		o = CO_FAILED;
	} else if (rejected) {
		co->st.rejected++;
		o = CO_REJECTED;
	} else if (dup) {
		co->st.duplicates++;
		o = CO_DUPLICATE;
	} else {
		co->st.loaded++;
		o = CO_LOADED;
	}
	/* every stage run counts, a duplicate's too: two copies of the same bytes
	 * submitted together both pass the stages before load collapses them,
	 * and the CPU they spent belongs in the summary */
	stage_stats(co, j);
	if (o == CO_LOADED && job_attr(j, "receipt.payload")) {
		/* the receipt QR code, once the document is committed (lib/receipt.h) */
		char rpath[CONF_PATH_MAX + 64];
		struct dp_msg rm;
		if (receipt_write_for(co->conf, j, pd->path, rpath, sizeof rpath, &rm) == DP_OK)
			log_debug("receipt for %s written to %s", pd->path, rpath);
		else
			log_warn("receipt for '%s' not written: %s", pd->path, rm.text);
	}
	log_outcome(co, o == CO_FAILED ? LOG_ERROR : o == CO_REJECTED ? LOG_WARN : LOG_INFO,
		    o == CO_FAILED ? "document not loaded" : o == CO_DUPLICATE ? "duplicate of a stored document" : "document",
		    pd->path, docid, j->id,
		    o == CO_FAILED ? "not_loaded" : o == CO_DUPLICATE ? "duplicate" : (j->status[0] ? j->status : "accepted"),
		    j->page_count, (double)dur / 1000.0, j->error, rejected ? j->error_code : NULL);
	settle(co, pd->seq, o, j, pd->path, docid ? atoll(docid) : 0, j->error, rejected ? j->error_code : NULL);
	pending_free(pd);
	progress(co);
}

/* Fan-in: returns 1 when the coordinator kept *jp (a chunk, or a parent
 * waiting for chunks); sends a completed parent on to load. */
static int fan_in(struct coord *co, struct job **jp)
{
	struct job *j = *jp;
	struct pending *pd;
	struct dp_msg m;
	const char *att = job_attr(j, "attempt");

	if (chunk_index(j) < 0 && (chunks_expected(j) < 0 || job_attr(j, "chunks.merged")))
		return 0;
	pd = find_pending(co, j->seq);
	if (!pd || (att && atoi(att) != pd->attempt)) {
		log_debug("chunk of %s from an earlier attempt or a finished document; dropped", j->source);
		job_free(jp);
		return 1;
	}
	if (chunk_index(j) >= 0) {
		pd->children = xrealloc(pd->children, (size_t)(pd->nchildren + 1) * sizeof *pd->children);
		pd->children[pd->nchildren++] = j;
		/* a long recording is alive while its chunks come back: job_timeout counts from the last one */
		pd->dispatched_us = now_us();
	} else {
		job_free(&pd->parent);
		pd->parent = j;
	}
	*jp = NULL;
	if (!pd->parent || pd->nchildren < chunks_expected(pd->parent))
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

/* Read path and send it (again) into the pipeline as ledger row seq. Returns
 * 0 when sent, 1 when the input is settled without the pipeline (duplicate,
 * vanished), -1 on a pipeline failure (m filled). */
static int dispatch(struct coord *co, const char *path, int64_t seq, int attempt, struct dp_msg *m)
{
	struct job *j = job_new();
	struct dp_msg rm = { 0 };
	char *data = NULL, num[32], shown[4096];
	size_t len = 0;
	struct pending *pd;
	long long known = 0;
	struct stat st;
	enum dp_err e;

	/* a name that is not UTF-8 travels as its display form; its bytes go
	 * with the job to documents.source_name_raw (lib/fname.h) */
	job_set_source(j, path);
	str_copy(shown, sizeof shown, j->source);
	j->received_us = now_us();
	e = read_input(co, path, shown, &data, &len, j->id, &rm);
	if (e == DP_ERR_IO && lstat(path, &st) != 0 && errno == ENOENT) {
		/* gone between being seen and being read: nothing was accepted */
		log_outcome(co, LOG_WARN, "input vanished before it could be read", path, NULL, NULL, "vanished", 0, 0,
			    rm.text, NULL);
		co->st.vanished++;
		if (seq > 0 && ledger_finish(co->db, seq, "vanished", 0, NULL, rm.text, NULL, &rm))
			log_error("ledger: %s", rm.text);
		job_free(&j);
		return 1;
	}
	if (e == DP_OK) {
		sha256_hex(data, len, j->id);
		job_add_frame(j, "file", data, len);
		job_set_route(j, "ingest");
	} else {
		/* recorded as rejected: identity from the content when it could be
		 * hashed (too large), else from the name */
		if (!j->id[0])
			sha256_hex(path, strlen(path), j->id);
		job_refuse(j, e, &rm);
		str_copy(j->kind, sizeof j->kind, "unknown");
		job_set_route(j, "load");
		log_outcome(co, LOG_WARN, "input refused", path, NULL, j->id, "rejected", 0, 0, rm.text, j->error_code);
	}
	if (seq <= 0 && ledger_take(co->db, path, shown, e == DP_OK ? (long long)len : -1, j->id, &seq, m)) {
		job_free(&j);
		return -1;
	}
	/* the same bytes are stored already: no need to read them again (an
	 * input that could not be read is refused whatever else matches) */
	if (e == DP_OK && ledger_known(co->db, j->id, &known, m) == DP_OK && known > 0) {
		snprintf(num, sizeof num, "%lld", known);
		co->st.done++;
		co->st.duplicates++;
		log_outcome(co, LOG_INFO, "duplicate of a stored document", path, num, j->id, "duplicate", 0, 0, NULL, NULL);
		settle(co, seq, CO_DUPLICATE, j, path, known, NULL, NULL);
		job_free(&j);
		progress(co);
		return 1;
	}
	j->seq = seq;
	snprintf(num, sizeof num, "%d", attempt);
	job_set_attr(j, "attempt", num);
	if (ledger_dispatched(co->db, seq, attempt, m)) {
		job_free(&j);
		return -1;
	}
	pd = find_pending(co, seq);
	if (!pd) {
		pd = xcalloc(1, sizeof *pd);
		pd->seq = seq;
		pd->path = xstrdup(path);
		pd->next = co->pend;
		co->pend = pd;
		co->in_flight++;
		co->st.submitted++;
	}
	str_copy(pd->sha, sizeof pd->sha, j->id);
	pd->attempt = attempt;
	pd->dispatched_us = now_us();
	if (pipeline_submit(co->p, &j, m))
		return -1;
	return 0;
}

/* Jobs past [pipeline] job_timeout: their worker died. Send them again, or
 * give up after COORD_MAX_ATTEMPTS. */
static void check_timeouts(struct coord *co)
{
	int64_t limit = (int64_t)co->conf->job_timeout_s * 1000000, now = now_us();
	struct pending *pd, *next;
	struct dp_msg m;

	for (pd = co->pend; pd; pd = next) {
		next = pd->next;
		if (now - pd->dispatched_us < limit)
			continue;
		if (pd->attempt < COORD_MAX_ATTEMPTS) {
			char kv[1024] = "", num[16];
			log_kv(kv, sizeof kv, "file", pd->path);
			snprintf(num, sizeof num, "%d", pd->attempt + 1);
			log_kv(kv, sizeof kv, "attempt", num);
			log_line(LOG_WARN, "document not finished in time (worker died?): dispatching it again", kv);
			co->st.redispatched++;
			/* drop what the lost attempt left behind */
			for (int i = 0; i < pd->nchildren; i++)
				job_free(&pd->children[i]);
			pd->nchildren = 0;
			job_free(&pd->parent);
			if (dispatch(co, pd->path, pd->seq, pd->attempt + 1, &m) < 0)
				log_error("cannot dispatch %s again: %s", pd->path, m.text);
			next = co->pend; /* the list may have changed */
			now = now_us();
			continue;
		}
		char err[512];
		snprintf(err, sizeof err, "processing did not finish within %d s in %d attempts: see the log of the workers",
			 co->conf->job_timeout_s, pd->attempt);
		unlink_pending(co, pd);
		co->in_flight--;
		co->st.done++;
		co->st.failed++;
		log_outcome(co, LOG_ERROR, "document not loaded", pd->path, NULL, pd->sha, "failed", 0, 0, err, NULL);
		settle(co, pd->seq, CO_FAILED, NULL, pd->path, 0, err, NULL);
		pending_free(pd);
		next = co->pend;
	}
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
			break;
		}
		if (!j)
			break;
		if (fan_in(co, &j))
			continue;
		finished(co, j);
		job_free(&j);
		n++;
		timeout_ms = 0;
	}
	check_timeouts(co);
	return n;
}

enum dp_err coord_submit_path(struct coord *co, const char *path, struct dp_msg *m)
{
	while (co->in_flight >= co->conf->max_in_flight)
		coord_poll(co, 200);
	if (dispatch(co, path, 0, 1, m) < 0)
		return DP_ERR_DB;
	coord_poll(co, 0);
	return DP_OK;
}

int coord_resume(struct coord *co)
{
	struct ledger_row *rows = NULL;
	int n = 0, sent = 0;
	struct dp_msg m;

	if (ledger_orphans(co->db, &rows, &n, &m)) {
		log_error("ledger: %s", m.text);
		return 0;
	}
	if (n)
		log_info("resuming %d unfinished input(s) left by a coordinator that stopped", n);
	for (int i = 0; i < n; i++) {
		while (co->in_flight >= co->conf->max_in_flight)
			coord_poll(co, 200);
		if (dispatch(co, rows[i].path, rows[i].id, rows[i].attempts + 1, &m) < 0)
			log_error("cannot resume %s: %s", rows[i].path, m.text);
		else
			sent++;
	}
	co->st.resumed += sent;
	ledger_rows_free(rows, n);
	return sent;
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

const struct coord_stats *coord_stats(struct coord *co)
{
	const char *name[COORD_MAX_STAGES];
	long waiting[COORD_MAX_STAGES], busy[COORD_MAX_STAGES];

	co->st.coord_engine_ms += (double)engine_take_us() / 1000.0;
	co->st.nqueues = co->p ? pipeline_queue_counts(co->p, name, waiting, busy, COORD_MAX_STAGES) : 0;
	for (int i = 0; i < co->st.nqueues; i++)
		co->st.queues[i] = (struct coord_queue){ name[i], waiting[i], busy[i] };
	return &co->st;
}

long coord_ledger_backlog(struct coord *co)
{
	struct dp_msg m;
	long n;

	if (co->backlog_us && now_us() - co->backlog_us < 5000000)
		return co->backlog;
	co->backlog_us = now_us();
	if (co->db && db_ok(co->db) && ledger_backlog(co->db, &n, &m) == DP_OK)
		co->backlog = n;
	return co->backlog;
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
	db_close(&(*co)->db);
	if ((*co)->inbox_fd >= 0)
		close((*co)->inbox_fd);
	free(*co);
	*co = NULL;
}
