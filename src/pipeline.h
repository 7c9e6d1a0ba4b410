/* pipeline.h: the runtime that hosts stages: brokers, worker threads, the
 * coordinator's submit and done sockets.
 *
 * pipeline_start() binds every stage's endpoints (see mq.h), starts one
 * broker thread per stage (broker.h) and the worker threads pipeline.conf asks for, and
 * returns once every worker has initialised its engines (or the first failure).
 * The coordinator then submits jobs and collects finished ones. worker_serve()
 * is the same worker loop for `docpipe worker`, connecting to a remote
 * coordinator instead. */
#ifndef DP_PIPELINE_H
#define DP_PIPELINE_H

#include "../lib/conf.h"
#include "../lib/err.h"
#include "../lib/job.h"

struct pipeline;

enum dp_err pipeline_start(struct pipeline **p, const struct conf *c, struct dp_msg *m);
/* Send j to route[hop] and free it. */
enum dp_err pipeline_submit(struct pipeline *p, struct job **j, struct dp_msg *m);
/* Wait up to timeout_ms for a finished job (*j NULL on timeout). */
enum dp_err pipeline_collect(struct pipeline *p, struct job **j, int timeout_ms, struct dp_msg *m);
void pipeline_stop(struct pipeline **p);

/* Each stage queue's name and what it holds now (broker.h: waiting for a
 * worker, busy in one); returns the number of stages filled, at most max. */
int pipeline_queue_counts(struct pipeline *p, const char **name, long *waiting, long *busy, int max);

/* Run `threads` workers of one stage against the endpoints under base
 * (tcp://HOST:PORT) until *stop becomes non-zero. */
enum dp_err worker_serve(const struct conf *c, const char *stage, const char *base, int threads,
			 volatile int *stop, struct dp_msg *m);

struct stage;
/* Run one stage on j as a worker does: time it (a stage_runs record), turn an
 * error into status 'rejected' and skip to load, advance the hop. */
void pipeline_run_stage(const struct stage *st, void *state, struct job *j, const char *worker_id);

/* CPU the workers of this process spent in their stage's init (creating
 * engines, loading models), and the engine part of it (util.h). */
int64_t pipeline_init_engine_us(void);
int64_t pipeline_init_cpu_us(void);

/* Debug hook: when DOCPIPE_DEBUG_CRASH_STAGE names a stage, the first worker of that
 * stage exits its thread mid-job without replying (simulates a dead worker). */

#endif
