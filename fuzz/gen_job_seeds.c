/* gen_job_seeds.c: writes the seed job headers of fuzz/corpus/fuzz_job by
 * encoding real jobs with job_encode (not a fuzz target; fuzz/make-seeds
 * builds and runs it). Usage: gen_job_seeds DIR; writes DIR/full.dp1,
 * DIR/minimal.dp1, DIR/audio.dp1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/job.h"
#include "../lib/util.h"

static int write_header(const char *dir, const char *name, struct job *j)
{
	char path[1024];
	size_t len;
	char *hdr = job_encode(j, &len);
	FILE *f;
	int ok;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "wb");
	ok = f && fwrite(hdr, 1, len, f) == len;
	if (f && fclose(f) != 0)
		ok = 0;
	free(hdr);
	if (!ok)
		fprintf(stderr, "gen_job_seeds: cannot write '%s'\n", path);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct job *j;
	struct job_run *r;
	int rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_job_seeds DIR\n");
		return 2;
	}

	/* a scan after ocr, as in tests/unit.c test_envelope */
	j = job_new();
	str_copy(j->id, sizeof j->id, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
	job_set_str(&j->source, "fixtures/scans/notice ja\t申請書.png");
	str_copy(j->kind, sizeof j->kind, "scan");
	str_copy(j->format, sizeof j->format, "png");
	job_set_route(j, "ingest,preprocess,ocr,validate,load");
	j->hop = 3;
	j->page_count = 2;
	j->ocr_conf = 87.25;
	str_copy(j->form_type, sizeof j->form_type, "gyoseishoshi_cert");
	str_copy(j->procedure, sizeof j->procedure, "P001");
	j->received_us = 1700000000000000LL;
	j->queued_us = 1700000000123456LL;
	j->seq = 42;
	job_set_str(&j->full_text, "行1\n行2\f\\end\r");
	job_add_field(j, 1, "氏名", "山田太郎", "山田 太郎", 91.5, 0, "ocr");
	job_add_field(j, 1, "total", "784", "784円", -1, 1, "qr");
	job_add_issue(j, "合計", "fee_total", "error", "合計が一致しません", "total does not match");
	r = job_add_run(j, "ocr");
	str_copy(r->worker, sizeof r->worker, "host/1234/ocr.0");
	r->queued_us = 1700000000000000LL;
	r->started_us = 1700000000001000LL;
	r->finished_us = 1700000000002234LL;
	r->cpu_us = 1200;
	str_copy(r->outcome, sizeof r->outcome, "ok");
	job_set_attr(j, "qr", "name=x\ntel=1");
	job_add_frame(j, "file", xstrdup("abcd"), 4);
	job_add_frame(j, "page", NULL, 8000000)->width = 2480;
	j->frames[1].height = 3508;
	j->frames[1].dpi = 300;
	j->frames[1].depth = 8;
	rc |= write_header(argv[1], "full.dp1", j);
	job_free(&j);

	/* the least a header can be: a rejected job with no route */
	j = job_new();
	job_set_error(j, "rejected", "not a format docpipe reads");
	rc |= write_header(argv[1], "minimal.dp1", j);
	job_free(&j);

	/* an audio job with transcript segments */
	j = job_new();
	str_copy(j->id, sizeof j->id, "ab12");
	job_set_str(&j->source, "meeting.flac");
	str_copy(j->kind, sizeof j->kind, "audio");
	str_copy(j->format, sizeof j->format, "flac");
	job_set_route(j, "ingest,audio,asr,load");
	j->hop = 4;
	job_add_segment(j, 0, 0, 1500, 0.8, "hello world");
	job_add_segment(j, 1, 1500, 30000, 0.55, "second\tsegment");
	job_add_frame(j, "pcm", NULL, 960000)->depth = 16;
	rc |= write_header(argv[1], "audio.dp1", j);
	job_free(&j);
	return rc;
}
