/* main.c: build/docpipe's entry point: dispatches on cli.c's command table.
 *
 * Before anything else it makes sure OMP_THREAD_LIMIT=1 is in the environment
 * (re-executing itself once if not): Debian's Tesseract uses OpenMP and reads
 * the limit when the library is loaded, and its default threading made OCR on
 * two cores six to eight times slower. Workers scale by threads instead.
 * `docpipe --version` is `docpipe version`; `docpipe help COMMAND` is
 * `docpipe COMMAND --help`; `docpipe help --man` prints docpipe(1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "../lib/log.h"
#include "man.h"

/* The whole command line, for `docpipe help` and for a bad command. */
static void main_usage(FILE *out)
{
	fprintf(out, "usage: docpipe COMMAND [ARGS]\n\ncommands:\n");
	cli_list(out);
	fprintf(out, "\nevery command takes -c CONF (else $DOCPIPE_CONF, else %s, else ./pipeline.conf)\n"
		     "and -h/--help; docpipe --version prints the version\n\nexit status:\n", CLI_SYSTEM_CONF);
	for (const struct cli_exit *e = cli_exits; e->text; e++)
		fprintf(out, "  %d  %s\n", e->code, e->text);
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
	if (argc == 3 && !strcmp(argv[1], "help") && !strcmp(argv[2], "--man")) {
		man_cli(stdout); /* docpipe(1), for the Makefile */
		return EXIT_OK;
	}
	if (argc == 3 && !strcmp(argv[1], "help") && cli_find(argv[2])) {
		cli_usage(stdout, argv[2]);
		return EXIT_OK;
	}
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		main_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return cmd_version(1, argv + 1);
	const struct cli_command *k = cli_find(argv[1]);
	if (k)
		return k->fn(argc - 1, argv + 1);
	fprintf(stderr, "docpipe: unknown command '%s'\n\n", argv[1]);
	main_usage(stderr);
	return EXIT_USAGE;
}
