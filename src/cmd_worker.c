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

int cmd_worker(int argc, char **argv)
{
	struct conf c;
	const char *stage = NULL, *connect = NULL;
	int threads = 1;
	struct dp_msg m;
	struct sigaction sa;

	if (cli_load_conf(&argc, argv, &c))
		return EXIT_USAGE;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--stage") && i + 1 < argc)
			stage = argv[++i];
		else if (!strcmp(argv[i], "--connect") && i + 1 < argc)
			connect = argv[++i];
		else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			threads = atoi(argv[++i]);
		else
			return cli_usage_error("worker", NULL);
	}
	if (!stage || !connect || !str_starts(connect, "tcp://"))
		return cli_usage_error("worker", NULL);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (worker_serve(&c, stage, connect, threads, &stop_flag, &m)) {
		fprintf(stderr, "docpipe: %s\n", m.text);
		return EXIT_FAILURE_RT;
	}
	return EXIT_OK;
}
