/* cmd_inspect.c: `docpipe inspect [-c CONF] FILE...`: every stage but load,
 * in this process, one JSON object per file on stdout. No database needed:
 * for clerks trying a new template and for tests. Exit 2 if a file was
 * rejected. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../stages/stage.h"
#include "cli.h"
#include "jobjson.h"
#include "log.h"
#include "pipeline.h"
#include "util.h"

int cmd_inspect(int argc, char **argv)
{
	struct conf c;
	void *states[CONF_MAX_STAGES] = { 0 };
	int inited[CONF_MAX_STAGES] = { 0 };
	int rc = EXIT_OK;
	struct dp_msg m;

	if (cli_load_conf(&argc, argv, &c))
		return EXIT_USAGE;
	if (argc < 2) {
		fprintf(stderr, "usage: docpipe inspect [-c CONF] FILE...\n");
		return EXIT_USAGE;
	}
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
		while (job_next_stage(j) && strcmp(job_next_stage(j), "load")) {
			int k = stage_index(job_next_stage(j));
			if (k < 0)
				break;
			if (!inited[k]) {
				const struct stage *st = stage_table[k];
				if (st->init && st->init(&states[k], &c, &m)) {
					fprintf(stderr, "docpipe: %s\n", m.text);
					job_free(&j);
					rc = EXIT_FAILURE_RT;
					goto out;
				}
				inited[k] = 1;
			}
			pipeline_run_stage(stage_table[k], states[k], j, "inspect");
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
	for (int k = 0; k < CONF_MAX_STAGES && stage_table[k]; k++)
		if (inited[k] && stage_table[k]->fini)
			stage_table[k]->fini(states[k]);
	return rc;
}
