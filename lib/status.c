/* status.c: a document's status from its issues (see status.h). */
#include "status.h"

#include <string.h>

#include "util.h"

void job_settle_status(struct job *j)
{
	int errors = 0, review = 0;

	for (size_t i = 0; i < j->nfields; i++)
		if (j->fields[i].needs_review)
			review = 1;
	for (size_t i = 0; i < j->nissues; i++) {
		if (!strcmp(j->issues[i].severity, "error"))
			errors++;
		else if (!strcmp(j->issues[i].severity, "warning"))
			review = 1;
	}
	str_copy(j->status, sizeof j->status, errors ? "invalid" : review ? "needs_review" : "accepted");
}
