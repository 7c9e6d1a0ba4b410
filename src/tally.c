/* tally.c: documents by status (see tally.h). */
#include "tally.h"

#include <string.h>

const char *const tally_names[TALLY_N] = { "accepted", "needs_review", "invalid",	  "unrecognised",
					   "rejected", "duplicate",    "transcribed", "not_loaded" };

void tally_add(struct tally *t, enum coord_outcome o, const struct job *j)
{
	const char *st = o == CO_DUPLICATE ? "duplicate"
			 : o == CO_FAILED  ? "not_loaded"
			 : o == CO_REJECTED ? "rejected"
			 : j && j->status[0] ? j->status
					     : "accepted";

	if (j && (o == CO_LOADED || o == CO_REJECTED)) {
		t->fields += (long)j->nfields;
		t->issues += (long)j->nissues;
		for (size_t f = 0; f < j->nfields; f++)
			t->flagged += j->fields[f].needs_review != 0;
	}
	for (size_t i = 0; i < TALLY_N; i++)
		if (!strcmp(tally_names[i], st)) {
			t->n[i]++;
			return;
		}
	t->other++;
}
