/* db.c: connections, migrations and the idempotent document load (see db.h). */
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

/* generated from the files of db/ by scripts/embed-sql (build/migrations.c) */
struct db_migration {
	const char *name;
	const char *sql;
};
extern const struct db_migration db_migrations[];

/* libpq calls, counted as engine time (see util.h) */
static PGresult *pq_params(PGconn *c, const char *sql, int n, const Oid *types, const char *const *params,
			   const int *lens, const int *formats, int resfmt)
{
	engine_enter();
	PGresult *r = PQexecParams(c, sql, n, types, params, lens, formats, resfmt);
	engine_leave();
	return r;
}

static PGresult *pq_exec(PGconn *c, const char *sql)
{
	engine_enter();
	PGresult *r = PQexec(c, sql);
	engine_leave();
	return r;
}

static PGconn *pq_connect(const char *conninfo)
{
	engine_enter();
	PGconn *c = PQconnectdb(conninfo);
	engine_leave();
	return c;
}

struct db {
	PGconn *conn;
	char conninfo[CONF_STR_MAX];
	int retry_s;
};

static void noop_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static int connect_once(struct db *d, struct dp_msg *m)
{
	if (d->conn)
		PQfinish(d->conn);
	d->conn = pq_connect(d->conninfo);
	if (PQstatus(d->conn) != CONNECTION_OK) {
		char err[400];
		str_copy(err, sizeof err, PQerrorMessage(d->conn));
		for (char *p = err; *p; p++)
			if (*p == '\n')
				*p = ' ';
		dp_fail(m, DP_ERR_DB, "cannot connect to PostgreSQL: %s(start it with scripts/dev-db start, or set [database] conninfo / PGHOST)", err);
		return -1;
	}
	PQsetNoticeProcessor(d->conn, noop_notice, NULL);
	return 0;
}

static int reconnect(struct db *d, struct dp_msg *m)
{
	int64_t deadline = now_us() + (int64_t)d->retry_s * 1000000;
	int delay_ms = 250;

	for (;;) {
		if (connect_once(d, m) == 0) {
			PQsetNoticeProcessor(d->conn, noop_notice, NULL);
			return 0;
		}
		if (now_us() >= deadline)
			return -1;
		log_warn("database unreachable, retrying in %d ms: %s", delay_ms, m->text);
		usleep((useconds_t)delay_ms * 1000);
		delay_ms = delay_ms * 2 > 8000 ? 8000 : delay_ms * 2;
	}
}

enum dp_err db_open(struct db **out, const char *conninfo, int retry_s, struct dp_msg *m)
{
	struct db *d = xcalloc(1, sizeof *d);

	*out = NULL;
	str_copy(d->conninfo, sizeof d->conninfo, conninfo ? conninfo : "");
	d->retry_s = retry_s;
	if (reconnect(d, m) != 0) {
		db_close(&d);
		return DP_ERR_DB;
	}
	*out = d;
	return DP_OK;
}

void db_close(struct db **d)
{
	if (!*d)
		return;
	if ((*d)->conn)
		PQfinish((*d)->conn);
	free(*d);
	*d = NULL;
}

PGconn *db_conn(struct db *d)
{
	return d->conn;
}

static enum dp_err check(PGresult *r, ExecStatusType want, const char *what, struct dp_msg *m)
{
	if (!r)
		return dp_fail(m, DP_ERR_DB, "%s: no result (connection lost?)", what);
	if (PQresultStatus(r) != want) {
		char err[400];
		str_copy(err, sizeof err, PQresultErrorMessage(r));
		for (char *p = err; *p; p++)
			if (*p == '\n')
				*p = ' ';
		PQclear(r);
		return dp_fail(m, DP_ERR_DB, "%s: %s", what, err);
	}
	return DP_OK;
}

enum dp_err db_exec(struct db *d, const char *sql, int n, const char *const *params, struct dp_msg *m)
{
	PGresult *r = pq_params(d->conn, sql, n, NULL, params, NULL, NULL, 0);
	enum dp_err e = check(r, PQresultStatus(r) == PGRES_TUPLES_OK ? PGRES_TUPLES_OK : PGRES_COMMAND_OK, sql, m);
	if (!e)
		PQclear(r);
	return e;
}

enum dp_err db_query(struct db *d, const char *sql, int n, const char *const *params, PGresult **res,
		     struct dp_msg *m)
{
	int64_t deadline = now_us() + (int64_t)d->retry_s * 1000000;
	int delay_ms = 250;

	if (res)
		*res = NULL;
	for (;;) {
		PGresult *r = pq_params(d->conn, sql, n, NULL, params, NULL, NULL, 0);
		ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
		if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
			if (res)
				*res = r;
			else
				PQclear(r);
			return DP_OK;
		}
		enum dp_err e = check(r, PGRES_COMMAND_OK, sql, m);
		if (PQstatus(d->conn) == CONNECTION_OK || now_us() >= deadline)
			return e;
		log_warn("lost the database, retrying in %d ms: %s", delay_ms, m->text);
		usleep((useconds_t)delay_ms * 1000);
		delay_ms = delay_ms * 2 > 8000 ? 8000 : delay_ms * 2;
		if (connect_once(d, m) == 0)
			PQsetNoticeProcessor(d->conn, noop_notice, NULL);
	}
}

enum dp_err db_migrate(struct db *d, int verbose, struct dp_msg *m)
{
	enum dp_err e;
	PGresult *r;

	/* a role without CREATE (docpipe_loader) may run this once the table exists */
	r = pq_exec(d->conn, "SELECT to_regclass('schema_migrations') IS NULL");
	e = check(r, PGRES_TUPLES_OK, "schema_migrations", m);
	if (e)
		return e;
	int missing = !strcmp(PQgetvalue(r, 0, 0), "t");
	PQclear(r);
	if (missing) {
		e = db_exec(d, "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, "
			       "applied_at timestamptz NOT NULL DEFAULT now())", 0, NULL, m);
		if (e)
			return e;
	}
	for (int i = 0; db_migrations[i].name; i++) {
		const char *p[1] = { db_migrations[i].name };
		int done;
		e = db_exec(d, "BEGIN", 0, NULL, m);
		if (e)
			return e;
		e = db_exec(d, "SELECT pg_advisory_xact_lock(4242001)", 0, NULL, m);
		if (e)
			goto rollback;
		r = pq_params(d->conn, "SELECT 1 FROM schema_migrations WHERE name = $1", 1, NULL, p, NULL, NULL, 0);
		e = check(r, PGRES_TUPLES_OK, "schema_migrations", m);
		if (e)
			goto rollback;
		done = PQntuples(r) > 0;
		PQclear(r);
		if (!done) {
			r = pq_exec(d->conn, db_migrations[i].sql);
			e = check(r, PGRES_COMMAND_OK, db_migrations[i].name, m);
			if (e)
				goto rollback;
			PQclear(r);
			e = db_exec(d, "INSERT INTO schema_migrations (name) VALUES ($1)", 1, p, m);
			if (e)
				goto rollback;
			if (verbose)
				log_info("applied migration %s", db_migrations[i].name);
		}
		e = db_exec(d, "COMMIT", 0, NULL, m);
		if (e)
			return e;
	}
	return DP_OK;
rollback:
	PQclear(pq_exec(d->conn, "ROLLBACK"));
	return e;
}

/* ---- the load ---- */

static const char *num(char *buf, size_t n, long long v)
{
	snprintf(buf, n, "%lld", v);
	return buf;
}

static const char *ts(char *buf, size_t n, int64_t us)
{
	snprintf(buf, n, "%.6f", (double)us / 1e6);
	return buf;
}

static enum dp_err store_once(struct db *d, struct job *j, long long *doc_id, long long *dup_id, struct dp_msg *m)
{
	PGresult *r;
	enum dp_err e;
	char b[16][64];
	const char *status = j->status[0] ? j->status : "accepted";

	*doc_id = *dup_id = 0;
	e = db_exec(d, "BEGIN", 0, NULL, m);
	if (e)
		return e;
	for (int attempt = 0;; attempt++) {
		char conf[32];
		snprintf(conf, sizeof conf, "%.2f", j->ocr_conf);
		const char *p[12] = { j->id, j->source ? j->source : "", j->kind, j->format[0] ? j->format : NULL,
				      status, j->error, ts(b[0], sizeof b[0], j->received_us),
				      num(b[1], sizeof b[1], j->page_count), j->full_text,
				      j->ocr_conf >= 0 ? conf : NULL, j->form_type[0] ? j->form_type : NULL,
				      j->procedure[0] ? j->procedure : NULL };
		r = pq_params(d->conn,
				 "INSERT INTO documents (sha256, source_name, kind, format, status, error, received_at, "
				 "page_count, full_text, ocr_confidence, form_type, procedure_code) VALUES "
				 "($1, $2, $3, $4, $5, $6, to_timestamp($7::double precision), $8, $9, $10, $11, $12) "
				 "ON CONFLICT (sha256) DO NOTHING RETURNING id",
				 12, NULL, p, NULL, NULL, 0);
		e = check(r, PGRES_TUPLES_OK, "insert document", m);
		if (e)
			goto rollback;
		if (PQntuples(r) > 0)
			break;
		/* stored already: a duplicate, unless it was rejected and now reads fine */
		const char *q[1] = { j->id };
		int replace;
		PQclear(r);
		r = pq_params(d->conn, "SELECT id, status FROM documents WHERE sha256 = $1 FOR UPDATE", 1, NULL, q, NULL,
				 NULL, 0);
		e = check(r, PGRES_TUPLES_OK, "find document", m);
		if (e)
			goto rollback;
		*dup_id = PQntuples(r) ? atoll(PQgetvalue(r, 0, 0)) : 0;
		replace = attempt == 0 && *dup_id && !strcmp(PQgetvalue(r, 0, 1), "rejected") && strcmp(status, "rejected");
		PQclear(r);
		if (!replace) {
			*doc_id = *dup_id;
			PQclear(pq_exec(d->conn, "ROLLBACK"));
			return DP_OK;
		}
		/* same transaction: the rejection goes only if the new reading is stored */
		e = db_exec(d, "DELETE FROM documents WHERE sha256 = $1", 1, q, m);
		if (e)
			goto rollback;
		*dup_id = 0;
	}
	*doc_id = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	num(b[15], sizeof b[15], *doc_id);

	for (size_t i = 0; i < j->nruns; i++) {
		struct job_run *run = &j->runs[i];
		char host[64], cpu[32];
		const char *slash = strchr(run->worker, '/');
		size_t hl = slash ? (size_t)(slash - run->worker) : strlen(run->worker);
		if (hl >= sizeof host)
			hl = sizeof host - 1;
		memcpy(host, run->worker, hl);
		host[hl] = '\0';
		if (!run->finished_us)
			run->finished_us = now_us();
		snprintf(cpu, sizeof cpu, "%.3f", (double)run->cpu_us / 1000.0);
		const char *p[9] = { b[15], run->stage, run->worker, host,
				     ts(b[0], sizeof b[0], run->queued_us ? run->queued_us : run->started_us),
				     ts(b[1], sizeof b[1], run->started_us), ts(b[2], sizeof b[2], run->finished_us),
				     cpu, run->outcome[0] ? run->outcome : "ok" };
		e = db_exec(d,
			    "INSERT INTO stage_runs (document_id, stage, worker, host, queued_at, started_at, "
			    "finished_at, cpu_ms, outcome) VALUES ($1, $2, $3, $4, to_timestamp($5::double precision), "
			    "to_timestamp($6::double precision), to_timestamp($7::double precision), $8, $9)",
			    9, p, m);
		if (e)
			goto rollback;
	}
	for (size_t i = 0; i < j->nfields; i++) {
		struct job_field *f = &j->fields[i];
		char conf[32];
		snprintf(conf, sizeof conf, "%.2f", f->conf);
		const char *p[8] = { b[15], num(b[0], sizeof b[0], f->page), f->name, f->value, f->raw,
				     f->conf >= 0 ? conf : NULL, f->needs_review ? "true" : "false", f->source };
		e = db_exec(d,
			    "INSERT INTO fields (document_id, page, name, value, raw_text, confidence, needs_review, "
			    "source) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
			    8, p, m);
		if (e)
			goto rollback;
	}
	for (size_t i = 0; i < j->nissues; i++) {
		struct job_issue *x = &j->issues[i];
		const char *p[6] = { b[15], *x->field ? x->field : NULL, x->code, x->severity, x->msg_ja, x->msg_en };
		e = db_exec(d,
			    "INSERT INTO validation_issues (document_id, field, code, severity, message_ja, message_en) "
			    "VALUES ($1, $2, $3, $4, $5, $6)",
			    6, p, m);
		if (e)
			goto rollback;
	}
	for (size_t i = 0; i < j->nattrs; i++) {
		const char *p[3] = { b[15], j->attrs[i].key, j->attrs[i].value };
		if (str_starts(j->attrs[i].key, "identity.") || str_starts(j->attrs[i].key, "receipt."))
			continue; /* personal data and receipts have tables of their own */
		e = db_exec(d, "INSERT INTO document_attrs (document_id, key, value) VALUES ($1, $2, $3)", 3, p, m);
		if (e)
			goto rollback;
	}
	for (size_t i = 0; i < j->nsegs; i++) {
		struct job_segment *s = &j->segs[i];
		char conf[32];
		snprintf(conf, sizeof conf, "%.3f", s->conf);
		const char *p[6] = { b[15], num(b[0], sizeof b[0], s->seq), num(b[1], sizeof b[1], s->start_ms),
				     num(b[2], sizeof b[2], s->end_ms), s->text, conf };
		e = db_exec(d,
			    "INSERT INTO transcript_segments (document_id, seq, start_ms, end_ms, text, confidence) "
			    "VALUES ($1, $2, $3, $4, $5, $6)",
			    6, p, m);
		if (e)
			goto rollback;
	}
	if (job_attr(j, "identity.raw")) {
		const char *p[6] = { b[15], job_attr(j, "identity.name"), job_attr(j, "identity.org"),
				     job_attr(j, "identity.tel"), job_attr(j, "identity.visit"), job_attr(j, "identity.raw") };
		e = db_exec(d,
			    "INSERT INTO identities (document_id, name, org, tel, visit, raw_payload) "
			    "VALUES ($1, $2, $3, $4, $5, $6)",
			    6, p, m);
		if (e)
			goto rollback;
	}
	if (job_attr(j, "receipt.payload")) {
		const char *p[3] = { b[15], job_attr(j, "receipt.payload"), job_attr(j, "receipt.png") };
		e = db_exec(d, "INSERT INTO receipts (document_id, payload, png_path) VALUES ($1, $2, $3)", 3, p, m);
		if (e)
			goto rollback;
	}
	e = db_exec(d, "COMMIT", 0, NULL, m);
	return e;
rollback:
	PQclear(pq_exec(d->conn, "ROLLBACK"));
	return e;
}

enum dp_err db_store_job(struct db *d, struct job *j, long long *doc_id, long long *dup_id, struct dp_msg *m)
{
	int64_t deadline = now_us() + (int64_t)d->retry_s * 1000000;
	int delay_ms = 250;

	for (;;) {
		enum dp_err e = store_once(d, j, doc_id, dup_id, m);
		if (!e)
			return DP_OK;
		if (PQstatus(d->conn) == CONNECTION_OK || now_us() >= deadline)
			return e;
		log_warn("lost the database while loading '%s', retrying in %d ms: %s", j->source, delay_ms, m->text);
		usleep((useconds_t)delay_ms * 1000);
		delay_ms = delay_ms * 2 > 8000 ? 8000 : delay_ms * 2;
		if (connect_once(d, m) == 0)
			PQsetNoticeProcessor(d->conn, noop_notice, NULL);
	}
}
