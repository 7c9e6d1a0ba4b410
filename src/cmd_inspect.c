/* cmd_inspect.c: `docpipe inspect [-c CONF] [--overlay OUT.png] FILE...`:
 * every stage but load, in this process, one JSON object per file on
 * stdout. No database needed: for clerks trying a new template and for
 * tests. --overlay (one FILE) also draws each recognised page with every
 * field box where it was registered, labelled with the value read, its
 * confidence and its flag (red: needs review): OUT.png for page 1, OUT-2.png
 * for page 2, ... (src/review_media.c draws them). Exit 2 if a file was
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
#include "review_media.h"
#include "../lib/forms.h"
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

static const char *job_attr_cb(void *ctx, const char *key)
{
	return job_attr(ctx, key);
}

/* OUT.png for page 1, OUT-N.png for page N */
static void overlay_path(const char *out, int page, char *path, size_t n)
{
	const char *dot = strrchr(out, '.');
	const char *slash = strrchr(out, '/');

	if (page == 1)
		snprintf(path, n, "%s", out);
	else if (dot && (!slash || dot > slash))
		snprintf(path, n, "%.*s-%d%s", (int)(dot - out), out, page, dot);
	else
		snprintf(path, n, "%s-%d", out, page);
}

/* Draw every recognised page of j (read from file) with its field boxes. */
static int write_overlays(const struct conf *c, const char *file, struct job *j, const char *out)
{
	struct form_set forms = { NULL, 0 };
	struct dp_msg m;
	int rc = 0, drawn = 0;

	if (forms_load_dir(&forms, c->forms_dir, &m)) {
		fprintf(stderr, "docpipe: %s\n", m.text);
		return -1;
	}
	for (int page = 1; page <= j->page_count && !rc; page++) {
		char key[48], path[4096];
		const char *id, *dpi;
		snprintf(key, sizeof key, "page.%d.form", page);
		id = job_attr(j, key);
		snprintf(key, sizeof key, "page.%d.dpi", page);
		dpi = job_attr(j, key);
		const struct form *f = id ? forms_find(&forms, id) : NULL;
		if (!f || !dpi)
			continue; /* not recognised: nothing to draw */
		struct review_page rp = { file, j->id, page, f, 0, 0, 1, 1, 0, atoi(dpi) };
		review_page_placement(&rp, job_attr_cb, j);
		struct review_box *boxes = xcalloc(j->nfields + 1, sizeof *boxes);
		char **labels = xcalloc(j->nfields + 1, sizeof *labels);
		int nb = 0;
		for (size_t i = 0; i < j->nfields; i++) {
			const struct job_field *jf = &j->fields[i];
			char l[512];
			if (jf->page != page || !form_field(f, jf->name))
				continue;
			snprintf(l, sizeof l, "%s (%.0f)%s", jf->value ? jf->value : "", jf->conf,
				 jf->needs_review ? " ?" : "");
			labels[nb] = xstrdup(l);
			boxes[nb].field = jf->name;
			boxes[nb].label = labels[nb];
			boxes[nb].flagged = jf->needs_review;
			nb++;
		}
		unsigned char *png = NULL;
		size_t len = 0;
		overlay_path(out, page, path, sizeof path);
		if (review_page_png(c, &rp, boxes, nb, 0, &png, &len, &m)) {
			fprintf(stderr, "docpipe: --overlay: %s\n", m.text);
			rc = -1;
		} else if (file_write(path, png, len, &m)) {
			fprintf(stderr, "docpipe: --overlay: %s\n", m.text);
			rc = -1;
		} else {
			fprintf(stderr, "docpipe: page %d drawn in %s\n", page, path);
			drawn++;
		}
		free(png);
		for (int i = 0; i < nb; i++)
			free(labels[i]);
		free(labels);
		free(boxes);
	}
	if (!rc && !drawn)
		fprintf(stderr, "docpipe: --overlay: no page of '%s' was recognised as a form: nothing drawn "
				"(page.N.band and page.N.scores in the JSON show what the title band read)\n", file);
	forms_release(&forms);
	return rc;
}

enum { OPT_OVERLAY = 256 };

static int inspect_opt(int val, const char *arg, void *user)
{
	*(const char **)user = arg;
	return 0;
}

int cmd_inspect(int argc, char **argv)
{
	struct conf c;
	void *states[CONF_MAX_STAGES] = { 0 };
	int inited[CONF_MAX_STAGES] = { 0 };
	int rc = EXIT_OK;
	struct dp_msg m;

	static const struct option opts[] = { { "overlay", required_argument, NULL, OPT_OVERLAY }, { NULL, 0, NULL, 0 } };
	const char *overlay = NULL;
	int first;

	if ((rc = cli_parse("inspect", argc, argv, opts, inspect_opt, &overlay, &c, &first)) != CLI_GO)
		return rc;
	rc = EXIT_OK;
	if (first >= argc)
		return cli_usage_error("inspect", "give the files to inspect");
	if (overlay && argc - first != 1)
		return cli_usage_error("inspect", "--overlay draws one file: give exactly one FILE");
	for (int a = first; a < argc; a++) {
		struct job *j = job_new();
		struct buf out;
		char *data = NULL;
		size_t len = 0;

		job_set_source(j, argv[a]);
		j->received_us = now_us();
		enum dp_err re = file_read(argv[a], &data, &len, (size_t)c.max_file_bytes, &m);
		if (re) {
			job_refuse(j, re, &m);
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
		else if (overlay && write_overlays(&c, argv[a], j, overlay))
			rc = EXIT_FAILURE_RT;
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
