/* coord.h: the coordinator that `run` and `watch` share after ingestion.
 *
 * It turns input files into jobs (bytes in a "file" frame, SHA-256 computed
 * once here), records each in the ledger before it enters the pipeline,
 * skips bytes that are already stored (duplicates), submits with at most
 * [pipeline] max_in_flight documents in flight (backpressure: memory stays
 * bounded however many files wait), collects finished jobs, dispatches again
 * a job not finished within [pipeline] job_timeout (its worker died; three
 * attempts), resumes what a dead coordinator left in the ledger, logs one
 * line per document and keeps the totals of the summary. A file that cannot
 * be read still becomes a rejected document, so nothing handed to docpipe
 * disappears without a trace. A rejection stays a rejection even when the
 * same bytes were stored before (as rejected). */
#ifndef DP_COORD_H
#define DP_COORD_H

#include <stddef.h>
#include <stdint.h>

#include "../lib/conf.h"
#include "../lib/err.h"
#include "../lib/job.h"

#define COORD_MAX_STAGES 12
#define COORD_MAX_ATTEMPTS 3

/* upper bounds (seconds) of the stage latency histogram; the last bucket,
 * +Inf, is coord_stage_stats.n */
#define COORD_LE_N 9
extern const double coord_le[COORD_LE_N];

struct coord_stage_stats {
	char name[24];
	long n;
	double wall_ms, cpu_ms, engine_ms, queue_ms;
	long le[COORD_LE_N];      /* runs whose wall time was <= coord_le[i] (cumulative) */
};

/* A stage's queue now (pipeline_queue_counts): jobs waiting for a worker,
 * jobs in one. */
struct coord_queue {
	const char *name;
	long waiting, busy;
};

struct coord_stats {
	long submitted, done, loaded, rejected, duplicates, failed, vanished, redispatched, resumed, pages;
	struct coord_stage_stats stages[COORD_MAX_STAGES];
	int nstages;
	struct coord_queue queues[COORD_MAX_STAGES]; /* every stage, filled by coord_stats() */
	int nqueues;
	int64_t started_us;
	double coord_engine_ms;   /* the coordinator's own engine calls (the ledger) */
};

/* What happened to one input, for the caller (watch moves the file). */
enum coord_outcome {
	CO_LOADED,     /* its document is committed (any status but rejected) */
	CO_REJECTED,   /* committed as rejected: quarantine it */
	CO_DUPLICATE,  /* its bytes were already stored */
	CO_FAILED      /* could not be processed or stored: quarantine it */
};

struct coord;
/* Called once per input after its outcome is final (for LOADED and REJECTED:
 * after the document is committed). j may be NULL for DUPLICATE and FAILED;
 * code is the rejection's code (EMPTY_FILE ...) or NULL. path is the name
 * as the file system holds it (any bytes).
 * The callback may fill final_path (size n) with where it moved the input. */
typedef void (*coord_done_fn)(enum coord_outcome o, const struct job *j, const char *path, const char *error,
			      const char *code, void *user, char *final_path, size_t n);

enum dp_err coord_open(struct coord **co, const struct conf *c, coord_done_fn cb, void *user, struct dp_msg *m);
/* `watch`: inputs in dir are opened relative to it, never through a link,
 * and only when they have one name (file_open_at FILE_INSIDE, lib/util.h). */
enum dp_err coord_set_inbox(struct coord *co, const char *dir, struct dp_msg *m);
/* Submit the rows a dead coordinator left unfinished; returns how many. */
int coord_resume(struct coord *co);
/* Submit one file (blocks while max_in_flight documents are in flight). */
enum dp_err coord_submit_path(struct coord *co, const char *path, struct dp_msg *m);
/* Is this input in flight? */
int coord_pending(const struct coord *co, const char *path);
/* Collect finished jobs for up to timeout_ms; returns how many finished. */
int coord_poll(struct coord *co, int timeout_ms);
/* Wait until nothing is in flight. */
void coord_drain(struct coord *co);
long coord_in_flight(const struct coord *co);
const struct coord_stats *coord_stats(struct coord *co);
/* Ledger rows not final (ledger_backlog), read at most every 5 seconds; the
 * last figure while the database is away, -1 before the first. */
long coord_ledger_backlog(struct coord *co);
/* Show done/total, rate and ETA on a terminal (total 0: unknown). */
void coord_set_total(struct coord *co, long total);
void coord_close(struct coord **co);

#endif
