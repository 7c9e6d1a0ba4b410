/* status.h: the rule that turns a recognised document's issues and review
 * flags into its status, shared by validate and enrich so that both decide
 * it the same way:
 *   invalid        any issue of severity error
 *   needs_review   else any field flagged needs_review, or any warning
 *   accepted       else (notices alone do not hold a document back) */
#ifndef DP_STATUS_H
#define DP_STATUS_H

#include "job.h"

void job_settle_status(struct job *j);

#endif
