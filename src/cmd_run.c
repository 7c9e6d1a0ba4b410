/* cmd_run.c: `docpipe run [-c CONF] [-j N] PATH...`, the nightly batch.
 * Applies pending migrations, submits every file, waits until each one is
 * loaded or rejected, prints a summary on stdout. SIGINT/SIGTERM stop the
 * submission and drain what is in flight. */
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "coord.h"
#include "inputs.h"
#include "../lib/log.h"
#include "pipeline.h"
#include "tally.h"
#include "../lib/util.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* CPU by thread, grouped by the names pipeline.c gives: stage workers
 * ("ocr.0"), stage queues ("q:ocr"), ZeroMQ's I/O threads ("ZMQbg/..."), the
 * coordinator (the main thread) and anything else. */
struct thread_groups {
	int64_t workers, queues, zmq, coordinator, other;
	int ocr_threads; /* OCR workers running in this process (-j) */
};

static void group_thread(const char *name, int is_main, int64_t cpu_us, void *user)
{
	struct thread_groups *g = user;
	const char *dot = strrchr(name, '.');

	if (is_main)
		g->coordinator += cpu_us;
	else if (!strncmp(name, "q:", 2))
		g->queues += cpu_us;
	else if (!strncmp(name, "ZMQbg", 5))
		g->zmq += cpu_us;
	else if (dot && dot[1] >= '0' && dot[1] <= '9') {
		g->workers += cpu_us;
		g->ocr_threads += !strncmp(name, "ocr.", 4);
	}
	else
		g->other += cpu_us;
}

static void run_print_threads(const struct coord_stats *st, FILE *out)
{
	struct thread_groups g = { 0, 0, 0, 0, 0, 0 };
	double runs = 0, start = (double)pipeline_init_cpu_us() / 1000.0;

	if (threads_cpu(group_thread, &g) < 0)
		return;
	for (int i = 0; i < st->nstages; i++)
		runs += st->stages[i].cpu_ms;
	fprintf(out, "cpu by thread: stage workers %.0f ms", (double)g.workers / 1000.0);
	/* with remote workers the runs' CPU was spent elsewhere: no split then */
	if ((double)g.workers / 1000.0 >= runs + start)
		fprintf(out, " (stage runs %.0f, start-up %.0f, between jobs %.0f)", runs, start,
			(double)g.workers / 1000.0 - runs - start);
	fprintf(out, ", queues %.0f ms, coordinator %.0f ms, ZeroMQ I/O %.0f ms, other %.0f ms\n",
		(double)g.queues / 1000.0, (double)g.coordinator / 1000.0, (double)g.zmq / 1000.0,
		(double)g.other / 1000.0);
	fprintf(out, "ocr worker threads: %d\n", g.ocr_threads);
}

static void run_on_done(enum coord_outcome o, const struct job *j, const char *path, const char *error,
			const char *code, void *user, char *final, size_t n)
{
	tally_add(user, o, j);
}

static void run_print_summary(const struct coord_stats *st, const struct tally *rc, FILE *out)
{
	double el = (double)(now_us() - st->started_us) / 1e6;

	fprintf(out, "docpipe: %ld document%s (%ld loaded, %ld rejected, %ld duplicates, %ld not loaded), %ld page%s in %.1f s\n",
		st->done, st->done == 1 ? "" : "s", st->loaded, st->rejected, st->duplicates, st->failed, st->pages,
		st->pages == 1 ? "" : "s", el);
	fputs("docpipe: by status:", out);
	for (size_t i = 0; i < TALLY_N; i++)
		if (i < TALLY_ALWAYS || rc->n[i])
			fprintf(out, "%s %s %ld", i ? "," : "", tally_names[i], rc->n[i]);
	if (rc->other)
		fprintf(out, ", other %ld", rc->other);
	fputc('\n', out);
	fprintf(out, "docpipe: %ld field%s read (%ld flagged for review), %ld validation issue%s\n", rc->fields,
		rc->fields == 1 ? "" : "s", rc->flagged, rc->issues, rc->issues == 1 ? "" : "s");
	if (st->redispatched || st->resumed || st->vanished)
		fprintf(out, "docpipe: %ld dispatched again after a timeout, %ld resumed from an earlier run, %ld vanished\n",
			st->redispatched, st->resumed, st->vanished);
	double engine = st->coord_engine_ms + (double)pipeline_init_engine_us() / 1000.0;
	struct rusage ru;
	fprintf(out, "%-12s %6s %12s %10s %10s %10s %10s\n", "stage", "docs", "total ms", "mean ms", "cpu ms", "engine ms",
		"queue ms");
	for (int i = 0; i < st->nstages; i++) {
		const struct coord_stage_stats *s = &st->stages[i];
		fprintf(out, "%-12s %6ld %12.1f %10.1f %10.1f %10.1f %10.1f\n", s->name, s->n, s->wall_ms,
			s->n ? s->wall_ms / (double)s->n : 0.0, s->cpu_ms, s->engine_ms, s->queue_ms);
		engine += s->engine_ms;
	}
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		double cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 +
			     (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
		fprintf(out, "cpu: process %.0f ms, inside engine calls %.0f ms (%.1f%%), peak rss %ld MB\n", cpu, engine,
			cpu > 0 ? 100.0 * engine / cpu : 0.0, ru.ru_maxrss / 1024);
	}
	run_print_threads(st, out);
}

static int run_opt(int val, const char *arg, void *user)
{
	return cli_int("run", "--jobs", arg, 1, 64, user);
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = { { "jobs", required_argument, NULL, 'j' }, { NULL, 0, NULL, 0 } };
	struct conf c;
	int jobs = 0, first;
	struct inputs in;
	struct coord *co = NULL;
	struct dp_msg m;
	struct sigaction sa;
	int rc = EXIT_OK;

	if ((rc = cli_parse("run", argc, argv, opts, run_opt, &jobs, &c, &first)) != CLI_GO)
		return rc;
	rc = EXIT_OK;
	if (first >= argc)
		return cli_usage_error("run", "give the files or folders to process");
	if (jobs && conf_set_workers(&c, "ocr", jobs, 0))
		return EXIT_USAGE; /* cannot happen: ocr is in the table after stage_conf_resolve */
	inputs_collect(&in, argc - first, argv + first);
	if (in.n == 0) {
		fprintf(stderr, "docpipe: no input files found\n");
		inputs_release(&in);
		return EXIT_USAGE;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	struct tally counts;
	memset(&counts, 0, sizeof counts);
	enum dp_err oe = coord_open(&co, &c, run_on_done, &counts, &m);
	if (oe) {
		fprintf(stderr, "docpipe: %s\n", m.text);
		inputs_release(&in);
		return oe == DP_ERR_CONFIG ? EXIT_USAGE : EXIT_FAILURE_RT;
	}
	coord_set_total(co, (long)in.n);
	coord_resume(co);
	for (size_t i = 0; i < in.n && !stop_requested; i++) {
		if (coord_submit_path(co, in.paths[i], &m)) {
			log_error("%s", m.text);
			rc = EXIT_FAILURE_RT;
			break;
		}
	}
	if (stop_requested)
		log_warn("stop requested: draining %ld documents in flight", coord_in_flight(co));
	coord_drain(co);
	const struct coord_stats *st = coord_stats(co);
	run_print_summary(st, &counts, stdout);
	if (rc == EXIT_OK && (st->failed || stop_requested))
		rc = EXIT_FAILURE_RT;
	if (rc == EXIT_OK && (st->rejected || in.missing))
		rc = EXIT_REJECTED;
	coord_close(&co);
	inputs_release(&in);
	return rc;
}
