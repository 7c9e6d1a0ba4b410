/* db.h: PostgreSQL access (libpq). Connections come from [database] conninfo,
 * or when it is empty from libpq's own PG* environment variables
 * (eval "$(scripts/dev-db env)" sets them for the private cluster).
 * Migrations are the files of db/, compiled into the binary, applied in name
 * order once each (recorded in schema_migrations, under an advisory lock). */
#ifndef DP_DB_H
#define DP_DB_H

#include <libpq-fe.h>

#include "conf.h"
#include "err.h"
#include "job.h"

struct db;

/* Connect, retrying with backoff for up to retry_s seconds. */
enum dp_err db_open(struct db **d, const char *conninfo, int retry_s, struct dp_msg *m);
void db_close(struct db **d);
PGconn *db_conn(struct db *d);

enum dp_err db_migrate(struct db *d, int verbose, struct dp_msg *m);

/* Store a finished job in one transaction. Idempotent: a document whose
 * sha256 is already stored is left alone and *dup_id is set to its id (else 0).
 * *doc_id receives the document's id. Retries across a lost connection for up
 * to the retry time given to db_open. */
enum dp_err db_store_job(struct db *d, struct job *j, long long *doc_id, long long *dup_id,
			 struct dp_msg *m);

/* Run one parameterised statement; *res (may be NULL) receives the result
 * (caller PQclear). Waits and reconnects while the database is unreachable,
 * up to the retry time given to db_open. */
enum dp_err db_query(struct db *d, const char *sql, int n, const char *const *params, PGresult **res,
		     struct dp_msg *m);

/* Run one parameterised statement expecting no rows; for small helpers. */
enum dp_err db_exec(struct db *d, const char *sql, int n, const char *const *params, struct dp_msg *m);

#endif
