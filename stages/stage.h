/* stage.h: the one interface every stage implements, and the stage table.
 *
 * A stage is one file in stages/ and one row in the table in stages/stage.c.
 * The row carries the stage's name, its functions, its default number of
 * worker threads and the job frames it reads. The runtime (src/pipeline.c)
 * calls init once per worker thread, process once per job, fini when the
 * worker ends. A stage knows nothing of sockets, threads or other stages: it
 * reads the job, adds its results, and returns DP_OK or an error code with a
 * message for people. On error the runtime marks the document 'rejected' with
 * that message and sends it straight to load, so that it is recorded and the
 * batch goes on. A stage may also end a job's route early by calling
 * stage_skip_to(), and hand new jobs to the runtime with stage_emit().
 *
 * This floor includes only lib/ (make floors checks it). */
#ifndef DP_STAGE_H
#define DP_STAGE_H

#include <stddef.h>

#include "../lib/conf.h"
#include "../lib/err.h"
#include "../lib/job.h"

/* What a stage file defines: `const struct stage_ops NAME_ops`. */
struct stage_ops {
	enum dp_err (*init)(void **state, const struct conf *c, struct dp_msg *m); /* NULL: none */
	enum dp_err (*process)(void *state, struct job *j, struct dp_msg *m);
	void (*fini)(void *state);                                                  /* NULL: none */
};

/* One row of the stage table. */
struct stage {
	const char *name;
	const struct stage_ops *ops;
	int workers;            /* threads in one process when [workers] does not say,
	                           or STAGE_PER_CORE: one per core (stage_cores) */
	const char *reads;      /* job frames process() reads, comma-separated ("" none) */
};

#define STAGE_PER_CORE (-1)

/* The cores this process may run on (its CPU affinity: taskset, a
 * container's cpuset; else the cores online), 1..64. */
int stage_cores(void);

/* The stage table, in route order, ending with a NULL name. */
extern const struct stage stage_table[];
const struct stage *stage_find(const char *name);
int stage_index(const char *name);
int stage_count(void);

/* Worker threads of a stage in this process: [workers] NAME, else the row's
 * default (STAGE_PER_CORE: stage_cores()). */
int stage_workers(const struct stage *st, const struct conf *c);

/* Check what a configuration says about stages against the table: every
 * [workers] key names a stage, and scan_route (see stage_route_check).
 * Returns 0, or -1 with "FILE:LINE: problem" (or "FILE: problem") in why. */
int stage_conf_check(const struct conf *c, char *why, size_t n);

/* After stage_conf_check: [workers] lists every stage in table order, with
 * the row's default where the file gave none (what `docpipe config` prints). */
void stage_conf_resolve(struct conf *c);

/* Check a route from the configuration ("preprocess,ocr,load"): known stages,
 * each once, not ingest, ending with load. Returns 0, or -1 with the reason
 * in why. */
int stage_route_check(const char *route, char *why, size_t n);

/* Skip the rest of the route up to (not including) the named stage. */
void stage_skip_to(struct job *j, const char *stage);

/* Drop the frames that no stage still ahead on j's route reads (page images
 * do not travel through validate, enrich and load). The runtime calls it
 * before it sends a job on. */
void stage_drop_unread_frames(struct job *j);

/* Fan-out: hand a new job (a chunk of a long recording, say) to the runtime,
 * which sends it on at once to child->route[child->hop] and takes ownership.
 * Sending blocks while the next stage's queue is full, so a stage that emits
 * as it goes holds only a bounded part of its input. A child carries attrs
 * chunk.index and chunk.count and its parent's seq; its route ends at the
 * coordinator, which merges finished children into their parent (chunks.c)
 * before the parent goes on to load. Outside a worker (no emitter set) the
 * child is logged and dropped. */
void stage_emit(struct job *child);

/* The runtime installs the emitter of the current thread (NULL to remove);
 * fn takes ownership of child. */
typedef void (*stage_emitter)(void *ctx, struct job *child);
void stage_set_emitter(stage_emitter fn, void *ctx);

#endif
