/* cmd_watch.c: `docpipe watch [-c CONF]`: the clerks' folder daemon.
 * Takes each complete file from [watch] inbox (see inbox.h), runs it through
 * the same coordinator as `docpipe run`, then moves it to the archive or to
 * quarantine with a note. Resumes what a previous watch left unfinished.
 * SIGTERM/SIGINT stop taking new files, drain the work in flight, exit 0.
 * With [metrics] listen it also serves Prometheus metrics and health checks
 * (metrics.h). */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "coord.h"
#include "inbox.h"
#include "../lib/log.h"
#include "metrics.h"
#include "tally.h"
#include "../lib/util.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

struct watch_ctx {
	struct inbox *ib;
	struct tally t;
};

static void on_done(enum coord_outcome o, const struct job *j, const char *path, const char *error, void *user,
		    char *final, size_t n)
{
	struct watch_ctx *w = user;
	tally_add(&w->t, o, j);
	inbox_settle(w->ib, path, o == CO_LOADED || o == CO_DUPLICATE, error, final, n);
}

static int skip_pending(const char *path, void *user)
{
	return coord_pending(user, path);
}

int cmd_watch(int argc, char **argv)
{
	struct conf c;
	struct inbox *ib = NULL;
	struct coord *co = NULL;
	struct metrics *mx = NULL;
	struct watch_ctx w;
	struct dp_msg m;
	struct sigaction sa;
	char path[4096];

	int first, rc;

	if ((rc = cli_parse("watch", argc, argv, NULL, NULL, NULL, &c, &first)) != CLI_GO)
		return rc;
	if (first < argc)
		return cli_usage_error("watch", "unexpected argument '%s'", argv[first]);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (inbox_open(&ib, &c, &m)) {
		fprintf(stderr, "docpipe: %s\n", m.text);
		return EXIT_USAGE;
	}
	if (metrics_start(&mx, &c, &m)) {
		fprintf(stderr, "docpipe: %s\n", m.text);
		inbox_close(&ib);
		return EXIT_USAGE;
	}
	memset(&w, 0, sizeof w);
	w.ib = ib;
	enum dp_err oe = coord_open(&co, &c, on_done, &w, &m);
	if (oe) {
		fprintf(stderr, "docpipe: %s\n", m.text);
		metrics_stop(&mx);
		inbox_close(&ib);
		return oe == DP_ERR_CONFIG ? EXIT_USAGE : EXIT_FAILURE_RT;
	}
	log_info("watching '%s' (%s), archive '%s', quarantine '%s'", c.inbox, c.watch_poll ? "polling" : "inotify",
		 c.archive_dir, c.quarantine_dir);
	coord_resume(co);
	metrics_set_state(mx, 1);
	while (!stop_requested) {
		metrics_update(mx, coord_stats(co), &w.t, coord_in_flight(co), c.max_in_flight);
		if (coord_in_flight(co) >= c.max_in_flight) {
			coord_poll(co, 200);
			continue;
		}
		if (!inbox_next(ib, coord_in_flight(co) ? 50 : 250, skip_pending, co, path, sizeof path)) {
			coord_poll(co, 0);
			continue;
		}
		if (inbox_outside_link(ib, path)) {
			char final[4096];
			char kv[1024] = "";
			log_kv(kv, sizeof kv, "file", path);
			log_line(LOG_WARN, "refused a link that leads outside the inbox", kv);
			inbox_settle(ib, path, 0,
				     "this is a link to a file outside the inbox, which docpipe does not follow: put the file "
				     "itself into the inbox",
				     final, sizeof final);
			continue;
		}
		if (coord_submit_path(co, path, &m))
			log_error("%s", m.text);
	}
	log_info("stop requested: draining %ld document(s) in flight", coord_in_flight(co));
	metrics_set_state(mx, 2);
	coord_drain(co);
	metrics_stop(&mx);
	const struct coord_stats *st = coord_stats(co);
	log_info("watch stopped: %ld documents (%ld loaded, %ld rejected, %ld duplicates, %ld not loaded)", st->done,
		 st->loaded, st->rejected, st->duplicates, st->failed);
	coord_close(&co);
	inbox_close(&ib);
	return EXIT_OK;
}
