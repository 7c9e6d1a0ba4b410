/* chunks.c: merging chunk results into their parent (see chunks.h). */
#include "chunks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/util.h"

int chunks_expected(const struct job *parent)
{
	const char *v = job_attr(parent, "chunks.expected");
	return v ? atoi(v) : -1;
}

int chunk_index(const struct job *child)
{
	const char *v = job_attr(child, "chunk.index");
	return v ? atoi(v) : -1;
}

static int by_index(const void *a, const void *b)
{
	return chunk_index(*(struct job *const *)a) - chunk_index(*(struct job *const *)b);
}

void chunks_merge(struct job *parent, struct job *const *children, int n)
{
	struct job **sorted = xmalloc((size_t)(n ? n : 1) * sizeof *sorted);
	struct buf text;
	int seq = 0, failed = 0;

	if (n > 0) {
		memcpy(sorted, children, (size_t)n * sizeof *sorted);
		qsort(sorted, (size_t)n, sizeof *sorted, by_index);
	}
	buf_init(&text, JOB_TEXT_MAX);
	for (int i = 0; i < n; i++) {
		struct job *c = sorted[i];
		for (size_t k = 0; k < c->nsegs; k++) {
			struct job_segment *s = &c->segs[k];
			job_add_segment(parent, seq++, s->start_ms, s->end_ms, s->conf, s->text);
			if (*s->text) {
				if (text.len)
					buf_add(&text, " ", 1);
				buf_addstr(&text, s->text);
			}
		}
		for (size_t k = 0; k < c->nruns; k++) {
			struct job_run *r = job_add_run(parent, c->runs[k].stage);
			*r = c->runs[k];
		}
		for (size_t k = 0; k < c->nissues; k++)
			job_add_issue(parent, c->issues[k].field, c->issues[k].code, c->issues[k].severity,
				      c->issues[k].msg_ja, c->issues[k].msg_en);
		if (!strcmp(c->status, "rejected")) {
			char ja[600], en[600];
			failed++;
			snprintf(ja, sizeof ja, "音声の区間 %d を文字起こしできませんでした: %s", chunk_index(c),
				 c->error ? c->error : "");
			snprintf(en, sizeof en, "chunk %d of the recording could not be transcribed: %s", chunk_index(c),
				 c->error ? c->error : "");
			job_add_issue(parent, "", "chunk_failed", "warning", ja, en);
		}
	}
	if (n > 0 && seq == 0 && failed < n)
		job_add_issue(parent, "", "no_words", "notice", "音声はありましたが、認識できた言葉がありません",
			      "the recording has sound but no words were recognised: listen to it, or check [asr] in pipeline.conf");
	free(parent->full_text);
	parent->full_text = buf_detach(&text, NULL);
	if (failed && !parent->status[0])
		str_copy(parent->status, sizeof parent->status, "needs_review");
	free(sorted);
}
