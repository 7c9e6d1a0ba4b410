/* ledger.h: the job ledger (db/006_ledger.sql). The coordinator records every
 * input before it enters the pipeline and every outcome after; a coordinator
 * that starts picks up what a dead one left unfinished. All calls wait and
 * retry while the database is away (db_open's retry time). */
#ifndef DP_LEDGER_H
#define DP_LEDGER_H

#include <stdint.h>

#include "../lib/db.h"
#include "../lib/err.h"

/* Record an input: path its name as the file system holds it (path_raw),
 * shown its display form (path, lib/fname.h); *id receives the ledger id
 * (the job's seq). */
enum dp_err ledger_take(struct db *d, const char *path, const char *shown, long long size, const char *sha256,
			int64_t *id, struct dp_msg *m);
enum dp_err ledger_dispatched(struct db *d, int64_t id, int attempt, struct dp_msg *m);
/* state: done | rejected | duplicate | failed | vanished. document_id 0:
 * none. final_path (any bytes) or NULL; code: the rejection's code or NULL. */
enum dp_err ledger_finish(struct db *d, int64_t id, const char *state, long long document_id,
			  const char *final_path, const char *error, const char *code, struct dp_msg *m);
/* Id of the stored, not rejected document with these bytes, 0 if none. */
enum dp_err ledger_known(struct db *d, const char *sha256, long long *document_id, struct dp_msg *m);

struct ledger_row {
	int64_t id;
	char *path;               /* the bytes of the name */
	int attempts;
};
/* Rows left queued or dispatched by coordinators that are no longer running
 * (on this host: their pid is gone). *rows malloc'd; free with ledger_rows_free. */
/* Rows not final yet (queued or dispatched): inputs taken but not settled. */
enum dp_err ledger_backlog(struct db *d, long *n, struct dp_msg *m);

enum dp_err ledger_orphans(struct db *d, struct ledger_row **rows, int *n, struct dp_msg *m);
void ledger_rows_free(struct ledger_row *rows, int n);
/* This process's owner string (host/pid). */
const char *ledger_owner(void);

#endif
