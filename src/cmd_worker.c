/* cmd_worker.c: `docpipe worker --stage NAME --connect tcp://HOST:PORT
 * [--threads N]`: more capacity for one stage from another process or
 * machine. It connects to the coordinator's stable endpoints (HOST:PORT is the
 * coordinator's [pipeline] bind and base_port) and serves until SIGTERM. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pipeline.h"
#include "../lib/util.h"

static volatile int stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

struct worker_args {
	const char *stage, *connect;
	int threads;
};

enum { OPT_STAGE = 256, OPT_CONNECT, OPT_THREADS };

static int worker_opt(int val, const char *arg, void *user)
{
	struct worker_args *a = user;

	if (val == OPT_STAGE)
		a->stage = arg;
	else if (val == OPT_CONNECT)
		a->connect = arg;
	else
		return cli_int("worker", "--threads", arg, 1, 64, &a->threads);
	return 0;
}

int cmd_worker(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "stage", required_argument, NULL, OPT_STAGE },
		{ "connect", required_argument, NULL, OPT_CONNECT },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ NULL, 0, NULL, 0 },
	};
	struct conf c;
	struct worker_args a = { NULL, NULL, 1 };
	struct dp_msg m;
	struct sigaction sa;
	int first, rc;

	if ((rc = cli_parse("worker", argc, argv, opts, worker_opt, &a, &c, &first)) != CLI_GO)
		return rc;
	if (first < argc)
		return cli_usage_error("worker", "unexpected argument '%s'", argv[first]);
	if (!a.stage || !a.connect || !str_starts(a.connect, "tcp://"))
		return cli_usage_error("worker", "--stage and --connect tcp://HOST:PORT are needed");
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (worker_serve(&c, a.stage, a.connect, a.threads, &stop_flag, &m)) {
		fprintf(stderr, "docpipe: %s\n", m.text);
		return EXIT_FAILURE_RT;
	}
	return EXIT_OK;
}
