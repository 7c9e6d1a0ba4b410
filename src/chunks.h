/* chunks.h: fan-in of the jobs a stage emitted (stage_emit) into their parent.
 *
 * A parent job that emitted children carries attr chunks.expected = N; each
 * child carries chunk.index (0..N-1) and its parent's seq. When all N
 * children are back, chunks_merge() moves their transcript segments into the
 * parent (in chunk order, renumbered, times already absolute), joins their
 * text into the parent's full_text, appends their stage runs (so stage_runs
 * has every chunk's asr run) and records failed chunks as warnings (status
 * needs_review). Chunks that all came back without a word give the notice
 * no_words. */
#ifndef DP_CHUNKS_H
#define DP_CHUNKS_H

#include "../lib/job.h"

/* children: n jobs in any order; they are left intact (caller frees). */
void chunks_merge(struct job *parent, struct job *const *children, int n);
int chunks_expected(const struct job *parent);   /* -1 when not a parent */
int chunk_index(const struct job *child);        /* -1 when not a child */

#endif
