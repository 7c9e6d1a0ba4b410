/* cmd_config.c: `docpipe config [-c CONF]`: check the configuration, print it. */
#include <stdio.h>

#include "../stages/stage.h"
#include "cli.h"

int cmd_config(int argc, char **argv)
{
	struct conf c;

	char why[200];

	if (cli_load_conf(&argc, argv, &c))
		return EXIT_USAGE;
	if (stage_route_check(c.scan_route, why, sizeof why)) {
		fprintf(stderr, "docpipe: %s: [pipeline] scan_route = %s: %s\n", c.path[0] ? c.path : "configuration",
			c.scan_route, why);
		return EXIT_USAGE;
	}
	conf_dump(&c, stdout);
	fprintf(stderr, "docpipe: configuration OK (%s)\n", c.path[0] ? c.path : "built-in defaults");
	return EXIT_OK;
}
