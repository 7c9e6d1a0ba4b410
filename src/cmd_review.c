/* cmd_review.c: `docpipe review [-c CONF]`, the clerks' review station
 * (docs/REVIEW.md): an HTTP server on [review] bind:port (src/review.c) until
 * SIGINT or SIGTERM, which stop it cleanly: requests in progress finish,
 * sessions and their database connections are closed. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "review.h"
#include "../lib/log.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	stop_requested = sig;
}

int cmd_review(int argc, char **argv)
{
	struct conf c;
	struct review_server *srv = NULL;
	struct dp_msg m;
	struct sigaction sa;
	enum dp_err e;

	int first, rc;

	if ((rc = cli_parse("review", argc, argv, NULL, NULL, NULL, &c, &first)) != CLI_GO)
		return rc;
	if (first < argc)
		return cli_usage_error("review", "unexpected argument '%s'", argv[first]);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	if ((e = review_start(&srv, &c, &m))) {
		fprintf(stderr, "docpipe: %s\n", m.text);
		return e == DP_ERR_CONFIG ? EXIT_USAGE : EXIT_FAILURE_RT;
	}
	while (!stop_requested) {
		struct timespec ts = { 0, 200 * 1000000L };
		nanosleep(&ts, NULL);
		review_tick(srv);
	}
	log_info("review: %s: stopping", stop_requested == SIGINT ? "SIGINT" : "SIGTERM");
	review_stop(&srv);
	log_info("review: stopped");
	return EXIT_OK;
}
