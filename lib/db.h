/* db.h: PostgreSQL access (libpq). Connections come from [database] conninfo,
 * or when it is empty from libpq's own PG* environment variables
 * (eval "$(scripts/dev-db env)" sets them for the private cluster).
 * Migrations are the files of db/, compiled into the binary, applied in name
 * order once each (recorded in schema_migrations, under an advisory lock).
 *
 * Stages use only the functions below that take and return plain C values
 * (db_open, db_close, db_ok, db_store_job, db_prior_application): every libpq
 * call is made here, and its CPU counts as engine time (util.h). db_conn and
 * db_query hand libpq's own types to the commands of src/, which read results
 * with libpq themselves (hence the include). */
#ifndef DP_DB_H
#define DP_DB_H

#include <libpq-fe.h>

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "err.h"
#include "job.h"

struct db;

/* Connect, retrying with backoff for up to retry_s seconds. */
enum dp_err db_open(struct db **d, const char *conninfo, int retry_s, struct dp_msg *m);
void db_close(struct db **d);
PGconn *db_conn(struct db *d);
/* 1 while the connection is up, 0 when d is NULL or the connection is lost. */
int db_ok(struct db *d);
/* Times a connection was retried after a failure (connect, query or store),
 * over the whole process, since start: the metrics' docpipe_db_retries_total. */
long db_retries(void);

enum dp_err db_migrate(struct db *d, int verbose, struct dp_msg *m);

/* Store a finished job in one transaction. Idempotent: a document whose
 * sha256 is already stored is left alone and *dup_id is set to its id (else 0),
 * unless the stored one was rejected and this one is not: then it is replaced.
 * *doc_id receives the document's id. A new document is one statement (its
 * rows of every table as arrays); a stored one takes a few more. Retries
 * across a lost connection for up to the retry time given to db_open. */
enum dp_err db_store_job(struct db *d, struct job *j, long long *doc_id, long long *dup_id,
			 struct dp_msg *m);

/* Run one parameterised statement; *res (may be NULL) receives the result
 * (caller PQclear). Waits and reconnects while the database is unreachable,
 * up to the retry time given to db_open. */
enum dp_err db_query(struct db *d, const char *sql, int n, const char *const *params, PGresult **res,
		     struct dp_msg *m);

/* Run one parameterised statement expecting no rows; for small helpers. */
enum dp_err db_exec(struct db *d, const char *sql, int n, const char *const *params, struct dp_msg *m);

/* The applicant's previous application, for autofill (stages/enrich.c). */
struct db_prior {
	long long doc_id;   /* 0: there is none */
	char day[16];       /* the day it was received, YYYY-MM-DD */
	char **values;      /* values[k]: the value of names[k], NULL when absent or empty */
	size_t n;           /* of values, = n given */
};

/* The most recent document received at or before before_us (microseconds
 * since the epoch), other than the one with this sha256 and not rejected,
 * that has a field corporate_number = corp; of it, the values of the fields
 * names[0..n-1] on the page of that corporate_number. One query. On DP_OK
 * *prior is filled (doc_id 0: none) and the caller frees it with
 * db_prior_release(); on an error there is nothing to free, and db_ok() tells
 * a lost connection from a failed query. Waits for a lost connection up to
 * the retry time given to db_open. */
enum dp_err db_prior_application(struct db *d, const char *corp, const char *sha256, int64_t before_us,
				 const char *const *names, size_t n, struct db_prior *prior, struct dp_msg *m);
void db_prior_release(struct db_prior *prior);

#endif
