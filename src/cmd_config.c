/* cmd_config.c: `docpipe config [-c CONF]`: check the configuration, print it. */
#include <stdio.h>

#include "cli.h"

int cmd_config(int argc, char **argv)
{
	struct conf c;

	if (cli_load_conf(&argc, argv, &c))
		return EXIT_USAGE;
	conf_dump(&c, stdout);
	fprintf(stderr, "docpipe: configuration OK (%s)\n", c.path[0] ? c.path : "built-in defaults");
	return EXIT_OK;
}
