/* cmd_inspect.c: `docpipe inspect [-c CONF] FILE...`: every stage but load,
 * in this process, one JSON object per file on stdout. No database needed:
 * for clerks trying a new template and for tests. Exit 2 if a file was
 * rejected. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../stages/stage.h"
#include "chunks.h"
#include "cli.h"
#include "jobjson.h"
#include "../lib/log.h"
#include "pipeline.h"
#include "../lib/util.h"

struct collected {
	struct job **jobs;
	int n;
};

static void collect(void *ctx, struct job *child)
{
	struct collected *c = ctx;
	c->jobs = xrealloc(c->jobs, (size_t)(c->n + 1) * sizeof *c->jobs);
	c->jobs[c->n++] = child;
}

/* Run j through its route up to (not including) load, as workers would. */
static int run_route(struct job *j, struct conf *c, void **states, int *inited)
{
	struct dp_msg m;

	while (job_next_stage(j) && strcmp(job_next_stage(j), "load")) {
		int k = stage_index(job_next_stage(j));
		if (k < 0)
			break;
		if (!inited[k]) {
			const struct stage *st = &stage_table[k];
			enum dp_err e = st->ops->init ? st->ops->init(&states[k], c, &m) : DP_OK;
			if (e) {
				fprintf(stderr, "docpipe: %s\n", m.text);
				return e == DP_ERR_CONFIG ? -2 : -1;
			}
			inited[k] = 1;
		}
		pipeline_run_stage(&stage_table[k], states[k], j, "inspect");
	}
	return 0;
}

int cmd_inspect(int argc, char **argv)
{
	struct conf c;
	void *states[CONF_MAX_STAGES] = { 0 };
	int inited[CONF_MAX_STAGES] = { 0 };
	int rc = EXIT_OK;
	struct dp_msg m;

	if (cli_load_conf(&argc, argv, &c))
		return EXIT_USAGE;
	if (argc < 2)
		return cli_usage_error("inspect", NULL);
	for (int a = 1; a < argc; a++) {
		struct job *j = job_new();
		struct buf out;
		char *data = NULL;
		size_t len = 0;

		job_set_str(&j->source, argv[a]);
		j->received_us = now_us();
		if (file_read(argv[a], &data, &len, (size_t)c.max_file_bytes, &m)) {
			job_set_error(j, "rejected", "%s", m.text);
			str_copy(j->kind, sizeof j->kind, "unknown");
		} else {
			job_add_frame(j, "file", data, len);
			job_set_route(j, "ingest");
		}
		struct collected kids = { NULL, 0 };
		stage_set_emitter(collect, &kids);
		int rr = run_route(j, &c, states, inited);
		if (rr) {
			job_free(&j);
			rc = rr == -2 ? EXIT_USAGE : EXIT_FAILURE_RT;
			goto out;
		}
		stage_set_emitter(NULL, NULL);
		if (chunks_expected(j) >= 0) {
			for (int k = 0; k < kids.n; k++)
				if (run_route(kids.jobs[k], &c, states, inited)) {
					rc = EXIT_FAILURE_RT;
					break;
				}
			chunks_merge(j, kids.jobs, kids.n);
		}
		for (int k = 0; k < kids.n; k++)
			job_free(&kids.jobs[k]);
		free(kids.jobs);
		if (rc == EXIT_FAILURE_RT) {
			job_free(&j);
			goto out;
		}
		if (!strcmp(j->status, "rejected"))
			rc = EXIT_REJECTED;
		buf_init(&out, 0);
		job_to_json(j, &out);
		printf("%s\n", out.data);
		fflush(stdout);
		buf_release(&out);
		job_free(&j);
	}
out:
	for (int k = 0; k < CONF_MAX_STAGES && stage_table[k].name; k++)
		if (inited[k] && stage_table[k].ops->fini)
			stage_table[k].ops->fini(states[k]);
	return rc;
}
