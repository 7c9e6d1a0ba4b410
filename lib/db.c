/* db.c: connections, migrations, the idempotent document load and the
 * look-ups of the stages (see db.h). Every libpq call that talks to the server
 * goes through the pq_* wrappers below, so that its CPU is engine time
 * (util.h engine_enter/engine_leave, reported per stage run). */
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

static void pq_finish(PGconn *c)
{
	engine_enter();
	PQfinish(c);
	engine_leave();
}

/* connection retries of every struct db in the process (db_retries()) */
static _Atomic long retries;

long db_retries(void)
{
	return retries;
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
		pq_finish(d->conn);
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
		retries++;
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
		pq_finish((*d)->conn);
	free(*d);
	*d = NULL;
}

PGconn *db_conn(struct db *d)
{
	return d->conn;
}

int db_ok(struct db *d)
{
	return d && d->conn && PQstatus(d->conn) == CONNECTION_OK;
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
		retries++;
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

/* ---- PostgreSQL array literals (the rows of one table as one parameter) ---- */

/* Append one element to the array literal being built in b ("{" comes before
 * the first). NULL becomes NULL; any other value is double-quoted with " and
 * \ escaped by a backslash, so commas, braces, blanks, the word NULL, control
 * characters and UTF-8 arrive unchanged. The same literal serves text[],
 * int[], real[], boolean[] ...: the server parses each element by its type. */
static void arr_add(struct buf *b, const char *v)
{
	buf_add(b, b->len ? "," : "{", 1);
	if (!v) {
		buf_addstr(b, "NULL");
		return;
	}
	buf_add(b, "\"", 1);
	while (*v) {
		size_t n = strcspn(v, "\"\\");
		buf_add(b, v, n);
		v += n;
		if (*v) {
			buf_add(b, "\\", 1);
			buf_add(b, v++, 1);
		}
	}
	buf_add(b, "\"", 1);
}

/* Close the literal ("{}" when it has no element); returns its text. */
static const char *arr_end(struct buf *b)
{
	if (!b->len)
		buf_add(b, "{", 1);
	buf_add(b, "}", 1);
	return b->data;
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

/* One document and all its rows in one statement: the document row, then one
 * INSERT ... SELECT FROM unnest(arrays) per table, each row set in the job's
 * order. A document already stored (ON CONFLICT) returns no id and inserts
 * nothing else, since every other row is joined to the new id. */
static const char STORE_SQL[] =
	"WITH doc AS (INSERT INTO documents (sha256, source_name, kind, format, status, error, received_at, "
	"  page_count, full_text, ocr_confidence, form_type, procedure_code, error_code, source_name_raw) VALUES "
	"  ($1, $2, $3, $4, $5, $6, to_timestamp($7::double precision), $8, $9, $10, $11, $12, $47, "
	"   coalesce($48::bytea, convert_to($2, 'UTF8'))) "
	"  ON CONFLICT (sha256) DO NOTHING RETURNING id), "
	"runs AS (INSERT INTO stage_runs (document_id, stage, worker, host, queued_at, started_at, finished_at, "
	"  cpu_ms, outcome) "
	"  SELECT doc.id, u.stage, u.worker, u.host, to_timestamp(u.q), to_timestamp(u.s), to_timestamp(u.f), "
	"    u.cpu, u.outcome "
	"  FROM doc, unnest($13::text[], $14::text[], $15::text[], $16::double precision[], "
	"    $17::double precision[], $18::double precision[], $19::double precision[], $20::text[]) "
	"    WITH ORDINALITY AS u(stage, worker, host, q, s, f, cpu, outcome, n) ORDER BY u.n), "
	"flds AS (INSERT INTO fields (document_id, page, name, value, raw_text, confidence, needs_review, source) "
	"  SELECT doc.id, u.page, u.name, u.value, u.raw, u.conf, u.review, u.source "
	"  FROM doc, unnest($21::integer[], $22::text[], $23::text[], $24::text[], $25::real[], $26::boolean[], "
	"    $27::text[]) WITH ORDINALITY AS u(page, name, value, raw, conf, review, source, n) ORDER BY u.n), "
	"iss AS (INSERT INTO validation_issues (document_id, field, code, severity, message_ja, message_en) "
	"  SELECT doc.id, u.field, u.code, u.severity, u.ja, u.en "
	"  FROM doc, unnest($28::text[], $29::text[], $30::text[], $31::text[], $32::text[]) "
	"    WITH ORDINALITY AS u(field, code, severity, ja, en, n) ORDER BY u.n), "
	"attrs AS (INSERT INTO document_attrs (document_id, key, value) "
	"  SELECT doc.id, u.key, u.value FROM doc, unnest($33::text[], $34::text[]) "
	"    WITH ORDINALITY AS u(key, value, n) ORDER BY u.n), "
	"segs AS (INSERT INTO transcript_segments (document_id, seq, start_ms, end_ms, text, confidence) "
	"  SELECT doc.id, u.seq, u.s, u.e, u.text, u.conf "
	"  FROM doc, unnest($35::integer[], $36::bigint[], $37::bigint[], $38::text[], $39::real[]) "
	"    WITH ORDINALITY AS u(seq, s, e, text, conf, n) ORDER BY u.n), "
	"who AS (INSERT INTO identities (document_id, name, org, tel, visit, raw_payload) "
	"  SELECT doc.id, $40::text, $41::text, $42::text, $43::text, $44::text FROM doc WHERE $44::text IS NOT NULL), "
	"rcpt AS (INSERT INTO receipts (document_id, payload, png_path) "
	"  SELECT doc.id, $45::text, $46::text FROM doc WHERE $45::text IS NOT NULL) "
	"SELECT id FROM doc";

/* the array parameters of STORE_SQL, $13 onwards, in order */
enum store_col {
	RUN_STAGE, RUN_WORKER, RUN_HOST, RUN_QUEUED, RUN_STARTED, RUN_FINISHED, RUN_CPU, RUN_OUTCOME,
	FLD_PAGE, FLD_NAME, FLD_VALUE, FLD_RAW, FLD_CONF, FLD_REVIEW, FLD_SOURCE,
	ISS_FIELD, ISS_CODE, ISS_SEVERITY, ISS_JA, ISS_EN,
	ATTR_KEY, ATTR_VALUE,
	SEG_SEQ, SEG_START, SEG_END, SEG_TEXT, SEG_CONF,
	STORE_COLS
};
#define STORE_DOC_PARAMS 12
#define STORE_PARAMS (STORE_DOC_PARAMS + STORE_COLS + 9)

/* The parameters of STORE_SQL for one job, all text (built once; sent again
 * by store_existing): times as "%.6f" seconds since the epoch, cpu as "%.3f"
 * ms, confidences "%.2f" (documents, fields; NULL when below 0) and "%.3f"
 * (segments). */
struct store_params {
	const char *p[STORE_PARAMS];
	struct buf col[STORE_COLS];
	char b[3][64];
};

/* The input's name as bytes ($48): the coordinator sets attr source.bytea
 * ("\x..." from fname_bytea) when the name is not UTF-8 and j->source is
 * its display form; otherwise the bytes are those of source_name. */

static void store_params_build(struct store_params *sp, struct job *j, const char *status)
{
	char t[64];

	for (int c = 0; c < STORE_COLS; c++)
		buf_init(&sp->col[c], 0);
	snprintf(sp->b[2], sizeof sp->b[2], "%.2f", j->ocr_conf);
	const char *doc[STORE_DOC_PARAMS] = { j->id, j->source ? j->source : "", j->kind,
					      j->format[0] ? j->format : NULL, status, j->error,
					      ts(sp->b[0], sizeof sp->b[0], j->received_us),
					      num(sp->b[1], sizeof sp->b[1], j->page_count), j->full_text,
					      j->ocr_conf >= 0 ? sp->b[2] : NULL, j->form_type[0] ? j->form_type : NULL,
					      j->procedure[0] ? j->procedure : NULL };
	memcpy(sp->p, doc, sizeof doc);

	for (size_t i = 0; i < j->nruns; i++) {
		struct job_run *run = &j->runs[i];
		char host[64];
		const char *slash = strchr(run->worker, '/');
		size_t hl = slash ? (size_t)(slash - run->worker) : strlen(run->worker);
		if (hl >= sizeof host)
			hl = sizeof host - 1;
		memcpy(host, run->worker, hl);
		host[hl] = '\0';
		if (!run->finished_us)
			run->finished_us = now_us();
		arr_add(&sp->col[RUN_STAGE], run->stage);
		arr_add(&sp->col[RUN_WORKER], run->worker);
		arr_add(&sp->col[RUN_HOST], host);
		arr_add(&sp->col[RUN_QUEUED], ts(t, sizeof t, run->queued_us ? run->queued_us : run->started_us));
		arr_add(&sp->col[RUN_STARTED], ts(t, sizeof t, run->started_us));
		arr_add(&sp->col[RUN_FINISHED], ts(t, sizeof t, run->finished_us));
		snprintf(t, sizeof t, "%.3f", (double)run->cpu_us / 1000.0);
		arr_add(&sp->col[RUN_CPU], t);
		arr_add(&sp->col[RUN_OUTCOME], run->outcome[0] ? run->outcome : "ok");
	}
	for (size_t i = 0; i < j->nfields; i++) {
		struct job_field *f = &j->fields[i];
		arr_add(&sp->col[FLD_PAGE], num(t, sizeof t, f->page));
		arr_add(&sp->col[FLD_NAME], f->name);
		arr_add(&sp->col[FLD_VALUE], f->value);
		arr_add(&sp->col[FLD_RAW], f->raw);
		snprintf(t, sizeof t, "%.2f", f->conf);
		arr_add(&sp->col[FLD_CONF], f->conf >= 0 ? t : NULL);
		arr_add(&sp->col[FLD_REVIEW], f->needs_review ? "true" : "false");
		arr_add(&sp->col[FLD_SOURCE], f->source);
	}
	for (size_t i = 0; i < j->nissues; i++) {
		struct job_issue *x = &j->issues[i];
		arr_add(&sp->col[ISS_FIELD], *x->field ? x->field : NULL);
		arr_add(&sp->col[ISS_CODE], x->code);
		arr_add(&sp->col[ISS_SEVERITY], x->severity);
		arr_add(&sp->col[ISS_JA], x->msg_ja);
		arr_add(&sp->col[ISS_EN], x->msg_en);
	}
	for (size_t i = 0; i < j->nattrs; i++) {
		if (str_starts(j->attrs[i].key, "identity.") || str_starts(j->attrs[i].key, "receipt.") ||
		    str_starts(j->attrs[i].key, "source."))
			continue; /* personal data, receipts and the name's bytes have columns of their own */
		arr_add(&sp->col[ATTR_KEY], j->attrs[i].key);
		arr_add(&sp->col[ATTR_VALUE], j->attrs[i].value);
	}
	for (size_t i = 0; i < j->nsegs; i++) {
		struct job_segment *s = &j->segs[i];
		arr_add(&sp->col[SEG_SEQ], num(t, sizeof t, s->seq));
		arr_add(&sp->col[SEG_START], num(t, sizeof t, s->start_ms));
		arr_add(&sp->col[SEG_END], num(t, sizeof t, s->end_ms));
		arr_add(&sp->col[SEG_TEXT], s->text);
		snprintf(t, sizeof t, "%.3f", s->conf);
		arr_add(&sp->col[SEG_CONF], t);
	}
	for (int c = 0; c < STORE_COLS; c++)
		sp->p[STORE_DOC_PARAMS + c] = arr_end(&sp->col[c]);

	/* identities: a row only when the QR payload is there; receipts likewise.
	 * receipts.png_path stays NULL: the coordinator writes the PNG after the
	 * commit, to a name that follows from the document's id (lib/receipt.h,
	 * docs/FORMS-qr-grants.md) */
	const char *rest[9] = { job_attr(j, "identity.name"), job_attr(j, "identity.org"), job_attr(j, "identity.tel"),
				job_attr(j, "identity.visit"), job_attr(j, "identity.raw"),
				job_attr(j, "receipt.payload"), NULL,
				!strcmp(status, "rejected") && j->error_code[0] ? j->error_code : NULL,
				job_attr(j, "source.bytea") };
	memcpy(sp->p + STORE_DOC_PARAMS + STORE_COLS, rest, sizeof rest);
}

static void store_params_release(struct store_params *sp)
{
	for (int c = 0; c < STORE_COLS; c++)
		buf_release(&sp->col[c]);
}

/* A document whose sha256 is stored already: in one transaction, a duplicate
 * is left alone (*dup_id), unless the stored reading was rejected and this one
 * is not: then it is replaced. */
static enum dp_err store_existing(struct db *d, struct job *j, const struct store_params *sp, const char *status,
				  long long *doc_id, long long *dup_id, struct dp_msg *m)
{
	PGresult *r;
	enum dp_err e;

	e = db_exec(d, "BEGIN", 0, NULL, m);
	if (e)
		return e;
	for (int attempt = 0;; attempt++) {
		r = pq_params(d->conn, STORE_SQL, STORE_PARAMS, NULL, sp->p, NULL, NULL, 0);
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
	return db_exec(d, "COMMIT", 0, NULL, m);
rollback:
	PQclear(pq_exec(d->conn, "ROLLBACK"));
	return e;
}

/* A new document, the usual case, is one statement (atomic by itself, so no
 * BEGIN/COMMIT); one stored already goes to store_existing. */
static enum dp_err store_once(struct db *d, struct job *j, long long *doc_id, long long *dup_id, struct dp_msg *m)
{
	struct store_params sp;
	const char *status = j->status[0] ? j->status : "accepted";
	PGresult *r;
	enum dp_err e;

	*doc_id = *dup_id = 0;
	store_params_build(&sp, j, status);
	r = pq_params(d->conn, STORE_SQL, STORE_PARAMS, NULL, sp.p, NULL, NULL, 0);
	e = check(r, PGRES_TUPLES_OK, "insert document", m);
	if (e)
		goto fail;
	if (PQntuples(r) > 0)
		*doc_id = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	if (!*doc_id)
		e = store_existing(d, j, &sp, status, doc_id, dup_id, m);
fail:
	store_params_release(&sp);
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
		retries++;
		log_warn("lost the database while loading '%s', retrying in %d ms: %s", j->source, delay_ms, m->text);
		usleep((useconds_t)delay_ms * 1000);
		delay_ms = delay_ms * 2 > 8000 ? 8000 : delay_ms * 2;
		if (connect_once(d, m) == 0)
			PQsetNoticeProcessor(d->conn, noop_notice, NULL);
	}
}

/* ---- look-ups of the stages ---- */

enum dp_err db_prior_application(struct db *d, const char *corp, const char *sha256, int64_t before_us,
				 const char *const *names, size_t n, struct db_prior *prior, struct dp_msg *m)
{
	static const char sql[] =
		"WITH prev AS (SELECT c.document_id, c.page FROM fields c JOIN documents d ON d.id = c.document_id "
		"  WHERE c.name = 'corporate_number' AND c.value = $1 AND d.sha256 <> $2 AND d.status <> 'rejected' "
		"    AND d.received_at <= to_timestamp($3::double precision) "
		"  ORDER BY d.received_at DESC, d.id DESC LIMIT 1) "
		"SELECT prev.document_id, to_char(d.received_at, 'YYYY-MM-DD'), f.name, f.value "
		"FROM prev JOIN documents d ON d.id = prev.document_id "
		"LEFT JOIN fields f ON f.document_id = prev.document_id AND f.page = prev.page "
		"  AND f.name = ANY($4::text[]) AND f.value <> ''";
	char when[64];
	struct buf list;
	PGresult *r = NULL;
	enum dp_err e;

	memset(prior, 0, sizeof *prior);
	prior->values = xcalloc(n ? n : 1, sizeof *prior->values);
	prior->n = n;
	buf_init(&list, 0);
	for (size_t k = 0; k < n; k++)
		arr_add(&list, names[k]);
	const char *p[4] = { corp, sha256, ts(when, sizeof when, before_us), arr_end(&list) };
	e = db_query(d, sql, 4, p, &r, m);
	if (e)
		goto fail;
	for (int i = 0; i < PQntuples(r); i++) {
		prior->doc_id = atoll(PQgetvalue(r, i, 0));
		str_copy(prior->day, sizeof prior->day, PQgetvalue(r, i, 1));
		if (PQgetisnull(r, i, 2))
			continue;
		for (size_t k = 0; k < n; k++)
			if (!strcmp(PQgetvalue(r, i, 2), names[k])) {
				free(prior->values[k]);
				prior->values[k] = xstrdup(PQgetvalue(r, i, 3));
			}
	}
	PQclear(r);
fail:
	buf_release(&list);
	if (e)
		db_prior_release(prior);
	return e;
}

void db_prior_release(struct db_prior *prior)
{
	for (size_t k = 0; k < prior->n; k++)
		free(prior->values[k]);
	free(prior->values);
	memset(prior, 0, sizeof *prior);
}
