/* tally.h: documents counted by the status they were stored with, and their
 * fields, as each input's outcome becomes final (coord_done_fn): the run
 * summary of `docpipe run` and the metrics of `docpipe watch` count the
 * same way. */
#ifndef DP_TALLY_H
#define DP_TALLY_H

#include "coord.h"

/* accepted, needs_review, invalid, unrecognised, rejected, duplicate (always
 * shown), then transcribed, not_loaded */
enum { TALLY_N = 8, TALLY_ALWAYS = 6 };
extern const char *const tally_names[TALLY_N];

struct tally {
	long n[TALLY_N];
	long other;                   /* a status not in tally_names */
	long fields, flagged, issues; /* of the documents stored */
};

/* Count one input's outcome; j may be NULL for DUPLICATE and FAILED. */
void tally_add(struct tally *t, enum coord_outcome o, const struct job *j);

#endif
