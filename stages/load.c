/* load.c: the last stage of every route: the job into PostgreSQL.
 *
 * Takes: a finished (or rejected) job; frames were dropped by the runtime.
 * Gives: one transaction per document (documents, stage_runs, fields,
 * validation_issues, document_attrs, transcript_segments, identities,
 * receipts): for a new document one statement, whatever its number of rows
 * (lib/db.h db_store_job). Idempotent: the document's SHA-256 is unique, so a
 * job delivered twice is stored once; the second delivery gets attr
 * duplicate_of. Waits and retries with backoff when the database goes away
 * ([database] retry_max_seconds). One connection per load worker, opened in
 * init. */
#include "stage.h"

#include <stdio.h>
#include <stdlib.h>

#include "../lib/db.h"
#include "../lib/util.h"

static enum dp_err load_init(void **state, const struct conf *c, struct dp_msg *m)
{
	struct db *d = NULL;
	enum dp_err e = db_open(&d, c->conninfo, c->db_retry_max_s, m);
	*state = d;
	return e;
}

static void load_fini(void *state)
{
	struct db *d = state;
	db_close(&d);
}

static enum dp_err load_process(void *state, struct job *j, struct dp_msg *m)
{
	long long id = 0, dup = 0;
	char num[32];
	enum dp_err e = db_store_job(state, j, &id, &dup, m);

	if (e)
		return e;
	snprintf(num, sizeof num, "%lld", id);
	job_set_attr(j, "document_id", num);
	if (dup)
		job_set_attr(j, "duplicate_of", num);
	return DP_OK;
}

const struct stage_ops load_ops = { load_init, load_process, load_fini };
