/* coord.h: the coordinator that `run` and `watch` share after ingestion.
 *
 * It turns input files into jobs (bytes in a "file" frame), submits them to
 * the pipeline with at most [pipeline] max_in_flight documents in flight
 * (backpressure: memory stays bounded however many files wait), collects
 * finished jobs, logs one line per document and keeps the totals that the
 * summary prints. A file that cannot be read still becomes a rejected
 * document, so that nothing handed to docpipe disappears without a trace. */
#ifndef DP_COORD_H
#define DP_COORD_H

#include <stdint.h>

#include "conf.h"
#include "err.h"
#include "job.h"

#define COORD_MAX_STAGES 12

struct coord_stage_stats {
	char name[24];
	long n;
	double wall_ms, cpu_ms, queue_ms;
};

struct coord_stats {
	long submitted, done, loaded, rejected, duplicates, failed, pages;
	struct coord_stage_stats stages[COORD_MAX_STAGES];
	int nstages;
	int64_t started_us;
};

struct coord;
typedef void (*coord_done_fn)(const struct job *j, const char *path, void *user);

enum dp_err coord_open(struct coord **co, const struct conf *c, coord_done_fn cb, void *user, struct dp_msg *m);
/* Submit one file (blocks while max_in_flight documents are in flight). */
enum dp_err coord_submit_path(struct coord *co, const char *path, struct dp_msg *m);
/* Collect finished jobs for up to timeout_ms; returns how many finished. */
int coord_poll(struct coord *co, int timeout_ms);
/* Wait until nothing is in flight. */
void coord_drain(struct coord *co);
long coord_in_flight(const struct coord *co);
const struct coord_stats *coord_stats(const struct coord *co);
/* Show done/total, rate and ETA on a terminal (total 0: unknown). */
void coord_set_total(struct coord *co, long total);
void coord_close(struct coord **co);

#endif
