/* jobjson.h: a job as one JSON object (for `docpipe inspect` and tests). */
#ifndef DP_JOBJSON_H
#define DP_JOBJSON_H

#include "../lib/job.h"
#include "../lib/util.h"

void job_to_json(const struct job *j, struct buf *b);

#endif
