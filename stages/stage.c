/* stage.c: the stage table, the route and [workers] checks, frame dropping
 * and the emitter (see stage.h).
 *
 * Adding a stage: write stages/NAME.c ending with
 *     const struct stage_ops NAME_ops = { NAME_init, NAME_process, NAME_fini };
 * and add its declaration and row below. Nothing else: [workers] NAME, the
 * scan_route check, the endpoints and the frame dropping all read this table.
 * A stage that should run for scans is then named in [pipeline] scan_route. */
#include "stage.h"

#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "../lib/log.h"
#include "../lib/util.h"

extern const struct stage_ops ingest_ops, preprocess_ops, qr_ops, ocr_ops, validate_ops, enrich_ops, audio_ops,
	asr_ops, load_ops;

/* name, functions, default workers, frames read; in route order. The page
 * stages cost CPU per page (ocr most, docs/PERFORMANCE.md): by default they
 * get one worker per core. */
const struct stage stage_table[] = {
	{ "ingest", &ingest_ops, 1, "file" },
	{ "preprocess", &preprocess_ops, STAGE_PER_CORE, "file" },
	{ "qr", &qr_ops, STAGE_PER_CORE, "page" },
	{ "ocr", &ocr_ops, STAGE_PER_CORE, "page" },
	{ "validate", &validate_ops, 1, "" },
	{ "enrich", &enrich_ops, 1, "" },
	{ "audio", &audio_ops, 1, "file" },
	{ "asr", &asr_ops, 2, "pcm" },
	{ "load", &load_ops, 1, "" },
	{ NULL, NULL, 0, NULL },
};

const struct stage *stage_find(const char *name)
{
	int i = stage_index(name);
	return i < 0 ? NULL : &stage_table[i];
}

int stage_index(const char *name)
{
	for (int i = 0; stage_table[i].name; i++)
		if (!strcmp(stage_table[i].name, name))
			return i;
	return -1;
}

int stage_count(void)
{
	int n = 0;
	while (stage_table[n].name)
		n++;
	return n;
}

int stage_cores(void)
{
	cpu_set_t set;
	long n = 0;

	/* the cores this process may run on (taskset, a container's cpuset),
	 * else the cores online */
	if (sched_getaffinity(0, sizeof set, &set) == 0)
		n = CPU_COUNT(&set);
	if (n < 1)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

/* a row's default count */
static int row_workers(const struct stage *st)
{
	return st->workers == STAGE_PER_CORE ? stage_cores() : st->workers;
}

int stage_workers(const struct stage *st, const struct conf *c)
{
	int k = conf_workers(c, st->name);
	return k >= 0 ? k : row_workers(st);
}

/* "ingest preprocess ... load", for messages */
static void stage_names(char *out, size_t n, int skip_ingest)
{
	out[0] = '\0';
	for (int i = 0; stage_table[i].name; i++) {
		if (skip_ingest && !strcmp(stage_table[i].name, "ingest"))
			continue;
		size_t l = strlen(out);
		snprintf(out + l, n - l, "%s%s", l ? " " : "", stage_table[i].name);
	}
}

int stage_conf_check(const struct conf *c, char *why, size_t n)
{
	const char *file = c->path[0] ? c->path : "configuration";
	char names[200], r[200];

	for (int i = 0; i < c->nworkers; i++)
		if (!stage_find(c->workers[i].name)) {
			stage_names(names, sizeof names, 0);
			snprintf(why, n, "%s:%d: unknown key '%s' in [workers] (stages: %s)", file, c->workers[i].line,
				 c->workers[i].name, names);
			return -1;
		}
	if (stage_route_check(c->scan_route, r, sizeof r)) {
		snprintf(why, n, "%s: [pipeline] scan_route = %s: %s", file, c->scan_route, r);
		return -1;
	}
	return 0;
}

void stage_conf_resolve(struct conf *c)
{
	struct conf_worker given[CONF_MAX_STAGES];
	int n = c->nworkers;

	memcpy(given, c->workers, sizeof given);
	c->nworkers = 0;
	for (int i = 0; stage_table[i].name; i++) {
		int k = row_workers(&stage_table[i]), line = 0;
		for (int g = 0; g < n; g++)
			if (!strcmp(given[g].name, stage_table[i].name)) {
				k = given[g].count;
				line = given[g].line;
			}
		conf_set_workers(c, stage_table[i].name, k, line);
	}
}

int stage_route_check(const char *route, char *why, size_t n)
{
	char seen[JOB_ROUTE_MAX][JOB_NAME_MAX], last[JOB_NAME_MAX] = "";
	int k = 0;

	for (const char *p = route; *p;) {
		size_t l = strcspn(p, ",");
		char st[JOB_NAME_MAX];
		snprintf(st, sizeof st, "%.*s", (int)l, p);
		p += l + (p[l] == ',');
		if (!stage_find(st)) {
			char names[200];
			stage_names(names, sizeof names, 1);
			snprintf(why, n, "no stage '%s' (stages: %s)", st, names);
			return -1;
		}
		if (!strcmp(st, "ingest")) {
			snprintf(why, n, "ingest comes first by itself: name only the stages after it");
			return -1;
		}
		for (int i = 0; i < k; i++)
			if (!strcmp(seen[i], st)) {
				snprintf(why, n, "stage '%s' is named twice", st);
				return -1;
			}
		if (k + 1 >= JOB_ROUTE_MAX) {
			snprintf(why, n, "too many stages (at most %d)", JOB_ROUTE_MAX - 1);
			return -1;
		}
		snprintf(seen[k++], JOB_NAME_MAX, "%s", st);
		snprintf(last, sizeof last, "%s", st);
	}
	if (strcmp(last, "load")) {
		snprintf(why, n, "the route must end with load (it stores the document)");
		return -1;
	}
	return 0;
}

void stage_skip_to(struct job *j, const char *stage)
{
	for (int i = j->hop; i < j->nroute; i++)
		if (!strcmp(j->route[i], stage)) {
			/* the runtime advances hop by one after process() */
			j->hop = i - 1;
			return;
		}
	/* not on the route (a job rejected before ingest chose one): go there next */
	if (j->hop + 1 < JOB_ROUTE_MAX) {
		str_copy(j->route[j->hop + 1], JOB_NAME_MAX, stage);
		j->nroute = j->hop + 2;
	}
}

/* is frame `name` in the comma-separated list? */
static int reads_frame(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; *p;) {
		size_t l = strcspn(p, ",");
		if (l == n && !strncmp(p, name, n))
			return 1;
		p += l + (p[l] == ',');
	}
	return 0;
}

void stage_drop_unread_frames(struct job *j)
{
	size_t k = 0;

	for (size_t i = 0; i < j->nframes; i++) {
		int wanted = 0;
		for (int h = j->hop; h < j->nroute && !wanted; h++) {
			const struct stage *st = stage_find(j->route[h]);
			/* a stage this table does not know: keep everything for it */
			wanted = !st || reads_frame(st->reads, j->frames[i].name);
		}
		if (wanted)
			j->frames[k++] = j->frames[i];
		else
			job_frame_release(&j->frames[i]);
	}
	j->nframes = k;
}

/* the emitter the runtime installed on this thread */
static __thread struct {
	stage_emitter fn;
	void *ctx;
} emitter;

void stage_set_emitter(stage_emitter fn, void *ctx)
{
	emitter.fn = fn;
	emitter.ctx = ctx;
}

void stage_emit(struct job *child)
{
	if (!emitter.fn) {
		log_error("stage_emit outside a worker: chunk of %s dropped", child->source);
		job_free(&child);
		return;
	}
	emitter.fn(emitter.ctx, child);
}
