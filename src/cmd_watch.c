/* cmd_watch.c: `docpipe watch [-c CONF]`: the clerks' folder daemon.
 * Takes each complete file from [watch] inbox (see inbox.h), runs it through
 * the same coordinator as `docpipe run`, then moves it to the archive or to
 * quarantine with a note. Resumes what a previous watch left unfinished.
 * SIGTERM/SIGINT stop taking new files, drain the work in flight, exit 0.
 * SIGHUP reads the same configuration file again: when it and the models it
 * names (templates, fees, grants) load, watch stops taking files, finishes the
 * documents in flight, and starts the coordinator and the inbox again with
 * it (the stages read their templates again as they start); when not, the
 * reason ("FILE:LINE: problem") is logged and the running configuration stays.
 * With [metrics] listen it also serves Prometheus metrics and health checks
 * (metrics.h). Under systemd (Type=notify) it says when it is ready, what it
 * has done (STATUS=, shown by `systemctl status`), when it reloads and stops,
 * and pings the watchdog while its loop turns (sdnotify.h). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "coord.h"
#include "inbox.h"
#include "../lib/log.h"
#include "metrics.h"
#include "sdnotify.h"
#include "tally.h"
#include "../lib/util.h"

static volatile sig_atomic_t stop_requested, reload_requested;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_requested = 1;
	else
		stop_requested = 1;
}

struct watch_ctx {
	struct inbox *ib;
	struct tally t;
	int64_t next_notify_us; /* the next STATUS= and WATCHDOG=1 */
	int64_t watchdog_us;    /* WatchdogSec= of the service, 0: none */
};

/* The service manager's view, at most once a second (and at half the
 * watchdog interval when that is shorter); force: now. */
static void watch_notify(struct watch_ctx *w, struct coord *co, int force)
{
	int64_t now = now_us(), every = 1000000;
	long docs = w->t.other;
	char st[512];
	size_t n = 0;

	if (!force && now < w->next_notify_us)
		return;
	if (w->watchdog_us && w->watchdog_us / 2 < every)
		every = w->watchdog_us / 2;
	w->next_notify_us = now + every;
	for (int i = 0; i < TALLY_N; i++)
		docs += w->t.n[i];
	for (int i = 0; i < TALLY_N && n < sizeof st; i++)
		if (i < TALLY_ALWAYS || w->t.n[i])
			n += (size_t)snprintf(st + n, sizeof st - n, "%s %s %ld", i ? "," : "", tally_names[i], w->t.n[i]);
	sd_notify_send("STATUS=%ld document%s since start:%s; %ld in flight\n%s", docs, docs == 1 ? "" : "s", st,
		       co ? coord_in_flight(co) : 0L, w->watchdog_us ? "WATCHDOG=1\n" : "");
}

/* coord_drain(), with the watchdog fed while the documents in flight finish */
static void watch_drain(struct watch_ctx *w, struct coord *co)
{
	while (coord_in_flight(co) > 0) {
		coord_poll(co, 500);
		watch_notify(w, co, 0);
	}
}

static void on_done(enum coord_outcome o, const struct job *j, const char *path, const char *error,
		    const char *code, void *user, char *final, size_t n)
{
	struct watch_ctx *w = user;
	tally_add(&w->t, o, j);
	inbox_settle(w->ib, path, o == CO_LOADED || o == CO_DUPLICATE, error, code, final, n);
}

static int skip_pending(const char *path, void *user)
{
	return coord_pending(user, path);
}

/* The inbox and the coordinator over one configuration. */
static enum dp_err watch_open(struct watch_ctx *w, struct coord **co, const struct conf *c, struct dp_msg *m)
{
	enum dp_err e = inbox_open(&w->ib, c, m);

	if (e)
		return e;
	e = coord_open(co, c, on_done, w, m);
	if (e) {
		inbox_close(&w->ib);
		return e;
	}
	/* inputs are opened relative to the inbox folder (coord.c) */
	e = coord_set_inbox(*co, c->inbox, m);
	if (e) {
		coord_close(co);
		inbox_close(&w->ib);
	}
	return e;
}

/* SIGHUP: *cur is the configuration in use, *next free room for the new one.
 * Returns 0 when watch goes on (with the new configuration, *cur and *next
 * swapped, or with the old one), -1 when neither could be started again. */
static int watch_reload(struct conf **cur, struct conf **next, struct watch_ctx *w, struct coord **co)
{
	struct dp_msg m;
	char kv[2048] = "";
	enum dp_err e;

	e = cli_conf_read((*cur)->path, *next, &m);
	if (!e)
		e = cli_models_check(*next, &m);
	if (e) {
		log_kv(kv, sizeof kv, "error", m.text);
		log_line(LOG_ERROR, "reload refused: the configuration or a model does not load; going on with the "
				    "one loaded before", kv);
		return 0;
	}
	log_info("reload: finishing %ld document(s) in flight first", coord_in_flight(*co));
	sd_notify_send("RELOADING=1\nSTATUS=reloading: finishing %ld document(s) in flight", coord_in_flight(*co));
	watch_drain(w, *co);
	coord_close(co);
	inbox_close(&w->ib);
	e = watch_open(w, co, *next, &m);
	if (!e) {
		struct conf *t = *cur;
		*cur = *next;
		*next = t;
		cli_conf_apply_log(*cur);
		log_info("reload: configuration '%s' and its templates in use; watching '%s'",
			 (*cur)->path[0] ? (*cur)->path : "built-in defaults", (*cur)->inbox);
		coord_resume(*co);
		return 0;
	}
	log_kv(kv, sizeof kv, "error", m.text);
	log_line(LOG_ERROR, "reload refused: the new configuration did not start; going on with the one loaded before",
		 kv);
	if (watch_open(w, co, *cur, &m)) {
		log_error("cannot start again with the configuration loaded before: %s", m.text);
		return -1;
	}
	coord_resume(*co);
	return 0;
}

int cmd_watch(int argc, char **argv)
{
	static struct conf confs[2]; /* the one in use and room for a reload */
	struct conf *c = &confs[0], *spare = &confs[1];
	struct coord *co = NULL;
	struct metrics *mx = NULL;
	struct watch_ctx w;
	struct dp_msg m;
	struct sigaction sa;
	char path[4096];
	int rc, first;

	if ((rc = cli_parse("watch", argc, argv, NULL, NULL, NULL, c, &first)) != CLI_GO)
		return rc;
	rc = EXIT_OK;
	if (first < argc)
		return cli_usage_error("watch", "unexpected argument '%s'", argv[first]);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (metrics_start(&mx, c, &m)) {
		fprintf(stderr, "docpipe: %s\n", m.text);
		return EXIT_USAGE;
	}
	memset(&w, 0, sizeof w);
	enum dp_err oe = watch_open(&w, &co, c, &m);
	if (oe) {
		fprintf(stderr, "docpipe: %s\n", m.text);
		metrics_stop(&mx);
		return oe == DP_ERR_CONFIG ? EXIT_USAGE : EXIT_FAILURE_RT;
	}
	log_info("watching '%s' (%s), archive '%s', quarantine '%s'", c->inbox, c->watch_poll ? "polling" : "inotify",
		 c->archive_dir, c->quarantine_dir);
	coord_resume(co);
	metrics_set_state(mx, 1);
	w.watchdog_us = sd_watchdog_usec();
	sd_notify_send("READY=1\nMAINPID=%ld", (long)getpid());
	watch_notify(&w, co, 1);
	while (!stop_requested) {
		if (reload_requested) {
			reload_requested = 0;
			if (watch_reload(&c, &spare, &w, &co)) {
				rc = EXIT_FAILURE_RT;
				break;
			}
			sd_notify_send("READY=1");
			watch_notify(&w, co, 1);
			continue;
		}
		watch_notify(&w, co, 0);
		metrics_update(mx, coord_stats(co), &w.t, coord_in_flight(co), c->max_in_flight, coord_ledger_backlog(co));
		if (coord_in_flight(co) >= c->max_in_flight) {
			coord_poll(co, 200);
			continue;
		}
		if (!inbox_next(w.ib, coord_in_flight(co) ? 50 : 250, skip_pending, co, path, sizeof path)) {
			coord_poll(co, 0);
			continue;
		}
		if (coord_submit_path(co, path, &m))
			log_error("%s", m.text);
	}
	if (!co) { /* a reload that could not start either configuration */
		metrics_stop(&mx);
		inbox_close(&w.ib);
		return rc;
	}
	log_info("stop requested: draining %ld document(s) in flight", coord_in_flight(co));
	metrics_set_state(mx, 2);
	sd_notify_send("STOPPING=1\nSTATUS=stopping: finishing %ld document(s) in flight", coord_in_flight(co));
	watch_drain(&w, co);
	metrics_stop(&mx);
	const struct coord_stats *st = coord_stats(co);
	log_info("watch stopped: %ld documents (%ld loaded, %ld rejected, %ld duplicates, %ld not loaded)", st->done,
		 st->loaded, st->rejected, st->duplicates, st->failed);
	coord_close(&co);
	inbox_close(&w.ib);
	return rc;
}
