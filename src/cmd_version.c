/* cmd_version.c: `docpipe version` (and `docpipe --version`): the version the
 * binary was built from, cli_version (git describe at build time, or the
 * VERSION file outside git; see the Makefile). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_version(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		cli_usage(stdout, "version");
		return EXIT_OK;
	}
	if (argc > 1)
		return cli_usage_error("version", "unexpected argument '%s'", argv[1]);
	printf("docpipe %s\n", cli_version);
	return EXIT_OK;
}
