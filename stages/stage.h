/* stage.h: the one interface every stage implements.
 *
 * A stage is one file in stages/ and one row in the table in stages/stage.c.
 * The runtime (src/pipeline.c) calls init once per worker thread, process once
 * per job, fini when the worker ends. A stage knows nothing of sockets, threads
 * or other stages: it reads the job, adds its results, and returns DP_OK or an
 * error code with a message for people. On error the runtime marks the
 * document 'rejected' with that message and sends it straight to load, so
 * that it is recorded and the batch goes on. A stage may also end a job's
 * route early by calling stage_finish(). */
#ifndef DP_STAGE_H
#define DP_STAGE_H

#include "../src/conf.h"
#include "../src/err.h"
#include "../src/job.h"

struct stage {
	const char *name;
	enum dp_err (*init)(void **state, const struct conf *c, struct dp_msg *m);
	enum dp_err (*process)(void *state, struct job *j, struct dp_msg *m);
	void (*fini)(void *state);
};

/* The stage table, in route order, ending with a NULL name. */
extern const struct stage *const stage_table[];
const struct stage *stage_find(const char *name);
int stage_index(const char *name);
int stage_count(void);

/* Check a route from the configuration ("preprocess,ocr,load"): known stages,
 * each once, not ingest, ending with load. Returns 0, or -1 with the reason
 * in why. */
int stage_route_check(const char *route, char *why, size_t n);

/* Skip the rest of the route up to (not including) the named stage. */
void stage_skip_to(struct job *j, const char *stage);

/* Fan-out: hand a new job (a chunk of a long recording, say) to the runtime,
 * which sends it on at once to child->route[child->hop] and takes ownership.
 * Sending blocks while the next stage's queue is full, so a stage that emits
 * as it goes holds only a bounded part of its input. A child carries attrs
 * chunk.index and chunk.count and its parent's seq; its route ends at the
 * coordinator, which merges finished children into their parent (chunks.c)
 * before the parent goes on to load. Implemented in src/pipeline.c. */
void stage_emit(struct job *child);

extern const struct stage stage_ingest;
extern const struct stage stage_preprocess;
extern const struct stage stage_qr;
extern const struct stage stage_ocr;
extern const struct stage stage_validate;
extern const struct stage stage_enrich;
extern const struct stage stage_audio;
extern const struct stage stage_asr;
extern const struct stage stage_load;

#endif
