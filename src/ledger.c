/* ledger.c: the job ledger (see ledger.h). */
#include "ledger.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/fname.h"
#include "../lib/util.h"

const char *ledger_owner(void)
{
	static char owner[300];
	if (!owner[0])
		snprintf(owner, sizeof owner, "%s/%ld", host_name(), (long)getpid());
	return owner;
}

enum dp_err ledger_take(struct db *d, const char *path, const char *shown, long long size, const char *sha256,
			int64_t *id, struct dp_msg *m)
{
	char sz[32], *raw = fname_bytea(path);
	PGresult *r;
	enum dp_err e;

	snprintf(sz, sizeof sz, "%lld", size);
	const char *p[5] = { shown, size >= 0 ? sz : NULL, sha256 && *sha256 ? sha256 : NULL, ledger_owner(), raw };
	e = db_query(d,
		     "INSERT INTO ledger (path, size, sha256, state, owner, path_raw) "
		     "VALUES ($1, $2, $3, 'queued', $4, $5::bytea) RETURNING id",
		     5, p, &r, m);
	free(raw);
	if (e)
		return e;
	*id = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	return DP_OK;
}

enum dp_err ledger_dispatched(struct db *d, int64_t id, int attempt, struct dp_msg *m)
{
	char a[32], b[32];
	snprintf(a, sizeof a, "%lld", (long long)id);
	snprintf(b, sizeof b, "%d", attempt);
	const char *p[3] = { a, b, ledger_owner() };
	return db_query(d, "UPDATE ledger SET state = 'dispatched', attempts = $2, dispatched_at = now(), owner = $3 WHERE id = $1",
			3, p, NULL, m);
}

enum dp_err ledger_finish(struct db *d, int64_t id, const char *state, long long document_id,
			  const char *final_path, const char *error, const char *code, struct dp_msg *m)
{
	char a[32], doc[32], shown[4096];
	char *raw = final_path ? fname_bytea(final_path) : NULL;
	enum dp_err e;

	snprintf(a, sizeof a, "%lld", (long long)id);
	snprintf(doc, sizeof doc, "%lld", document_id);
	if (final_path)
		fname_display(final_path, shown, sizeof shown);
	const char *p[7] = { a, state, document_id > 0 ? doc : NULL, final_path ? shown : NULL, error, code, raw };
	e = db_query(d,
		     "UPDATE ledger SET state = $2, document_id = $3, final_path = $4, error = $5, error_code = $6, "
		     "final_path_raw = $7::bytea, finished_at = now() WHERE id = $1",
		     7, p, NULL, m);
	free(raw);
	return e;
}

enum dp_err ledger_known(struct db *d, const char *sha256, long long *document_id, struct dp_msg *m)
{
	PGresult *r;
	const char *p[1] = { sha256 };
	/* a rejected document does not count: the same bytes may be tried again
	 * (after a repair, or when the rejection was the machine's fault) */
	enum dp_err e = db_query(d, "SELECT id FROM documents WHERE sha256 = $1 AND status <> 'rejected'", 1, p, &r, m);

	*document_id = 0;
	if (e)
		return e;
	if (PQntuples(r))
		*document_id = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	return DP_OK;
}

/* Is the coordinator named by owner (host/pid) gone? Only this host can tell. */
static int owner_dead(const char *owner)
{
	const char *slash = strrchr(owner, '/');
	size_t hl = slash ? (size_t)(slash - owner) : 0;
	long pid;

	if (!slash || strlen(host_name()) != hl || strncmp(owner, host_name(), hl))
		return 0; /* another machine's: leave it to that machine */
	pid = atol(slash + 1);
	if (pid == (long)getpid())
		return 0;
	return pid <= 0 || (kill((pid_t)pid, 0) < 0 && errno == ESRCH);
}

enum dp_err ledger_backlog(struct db *d, long *n, struct dp_msg *m)
{
	PGresult *r;
	enum dp_err e = db_query(d, "SELECT count(*) FROM ledger WHERE state IN ('queued', 'dispatched')", 0, NULL, &r, m);

	if (e)
		return e;
	*n = atol(PQgetvalue(r, 0, 0));
	PQclear(r);
	return DP_OK;
}

enum dp_err ledger_orphans(struct db *d, struct ledger_row **rows, int *n, struct dp_msg *m)
{
	PGresult *r;
	enum dp_err e = db_query(d,
				 "SELECT id, path, attempts, owner, coalesce(encode(path_raw, 'hex'), '') FROM ledger "
				 "WHERE state IN ('queued', 'dispatched') ORDER BY id",
				 0, NULL, &r, m);
	*rows = NULL;
	*n = 0;
	if (e)
		return e;
	for (int i = 0; i < PQntuples(r); i++) {
		if (!owner_dead(PQgetvalue(r, i, 3)))
			continue;
		*rows = xrealloc(*rows, (size_t)(*n + 1) * sizeof **rows);
		(*rows)[*n].id = atoll(PQgetvalue(r, i, 0));
		/* the name's bytes, as the file system holds them */
		char *raw = *PQgetvalue(r, i, 4) ? fname_unhex(PQgetvalue(r, i, 4)) : NULL;
		(*rows)[*n].path = raw ? raw : xstrdup(PQgetvalue(r, i, 1));
		(*rows)[*n].attempts = atoi(PQgetvalue(r, i, 2));
		(*n)++;
	}
	PQclear(r);
	return DP_OK;
}

void ledger_rows_free(struct ledger_row *rows, int n)
{
	for (int i = 0; i < n; i++)
		free(rows[i].path);
	free(rows);
}
