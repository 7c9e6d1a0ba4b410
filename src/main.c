/* main.c: build/docpipe's entry point and command table.
 *
 * Before anything else it makes sure OMP_THREAD_LIMIT=1 is in the environment
 * (re-executing itself once if not): Debian's Tesseract uses OpenMP and reads
 * the limit when the library is loaded, and its default threading made OCR on
 * two cores six to eight times slower. Workers scale by threads instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "../lib/log.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
};

static const struct command commands[] = {
	{ "run", cmd_run, "run [-c CONF] PATH...      process files and folders into the database" },
	{ "watch", cmd_watch, "watch [-c CONF]            take files from the inbox folder as they arrive" },
	{ "inspect", cmd_inspect, "inspect [-c CONF] FILE...  print what docpipe reads from each file as JSON (no database)" },
	{ "worker", cmd_worker, "worker [-c CONF] --stage NAME --connect tcp://HOST:PORT [--threads N]" },
	{ "minutes", cmd_minutes, "minutes [-c CONF] DOCUMENT [--format text|srt|vtt|json]  timed minutes of a recording" },
	{ "report", cmd_report, "report [-c CONF] [--since DATE] [--until DATE] [--format text|csv|json|html] [-o FILE]  the analysts' report" },
	{ "db", cmd_db, "db [-c CONF] migrate|status  apply or list the schema migrations" },
	{ "config", cmd_config, "config [-c CONF]           check the configuration and print it" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: docpipe COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  docpipe %s\n", commands[i].usage);
	fprintf(out, "\nexit status: 0 ok, 1 usage or configuration error, 2 some inputs rejected,\n"
		     "3 database or runtime failure\n");
}

int main(int argc, char **argv)
{
	const char *lim = getenv("OMP_THREAD_LIMIT");

	if (!lim || strcmp(lim, "1")) {
		setenv("OMP_THREAD_LIMIT", "1", 1);
		execv("/proc/self/exe", argv);
		/* no /proc: carry on, but say so */
		log_warn("could not re-execute with OMP_THREAD_LIMIT=1; set it in the environment");
	}
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "docpipe: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
