/* cmd_config.c: `docpipe config [-c CONF] [--man]`: check the configuration
 * the way `run` would use it, then print it resolved (every key, paths
 * absolute) in pipeline.conf syntax. Checking starts every stage's engines
 * once, as a run's workers do (templates of [forms] dir, the fee schedule,
 * grant programmes, Tesseract's languages, the ASR model paths), but not the
 * database: the load stage is left out. It also reads the procedure
 * catalogue, which `report` loads. --man prints docpipe.conf(5) instead
 * (src/man.c), from the table that checks the keys. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../stages/stage.h"
#include "cli.h"
#include "man.h"
#include "report.h"

static int config_opt(int val, const char *arg, void *user)
{
	*(int *)user = 1;
	return 0;
}

/* Start and stop every stage but load; 0, or prints why and returns -1. */
static int config_try_stages(const struct conf *c)
{
	for (int k = 0; stage_table[k].name; k++) {
		const struct stage *st = &stage_table[k];
		void *state = NULL;
		struct dp_msg m;

		if (!strcmp(st->name, "load") || !st->ops->init)
			continue;
		if (st->ops->init(&state, c, &m)) {
			fprintf(stderr, "docpipe: stage %s: %s\n", st->name, m.text);
			return -1;
		}
		if (st->ops->fini)
			st->ops->fini(state);
	}
	return 0;
}

int cmd_config(int argc, char **argv)
{
	static const struct option opts[] = { { "man", no_argument, NULL, 'm' }, { NULL, 0, NULL, 0 } };
	struct conf c;
	struct report_procs ps = { NULL, 0 };
	struct dp_msg m;
	int man = 0, first, rc;

	if ((rc = cli_parse("config", argc, argv, opts, config_opt, &man, &c, &first)) != CLI_GO)
		return rc;
	if (first < argc)
		return cli_usage_error("config", "unexpected argument '%s'", argv[first]);
	if (man)
		return man_conf(stdout, c.path[0] ? c.path : NULL) ? EXIT_FAILURE_RT : EXIT_OK;
	if (config_try_stages(&c))
		return EXIT_USAGE;
	if (c.procedures[0] && access(c.procedures, F_OK) == 0) {
		if (report_procs_load(&ps, c.procedures, &m)) {
			fprintf(stderr, "docpipe: %s\n", m.text);
			return EXIT_USAGE;
		}
		report_procs_release(&ps);
	} else {
		fprintf(stderr, "docpipe: note: procedure catalogue '%s' not found (report uses the database's copy)\n",
			c.procedures);
	}
	conf_dump(&c, stdout);
	fprintf(stderr, "docpipe: configuration OK (%s)\n", c.path[0] ? c.path : "built-in defaults");
	return EXIT_OK;
}
