/* cli.c: option handling shared by the subcommands (see cli.h). */
#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../stages/stage.h"
#include "../lib/log.h"

int cli_load_conf(int *argc, char **argv, struct conf *c)
{
	const char *path = NULL;
	struct dp_msg m;
	int k = 1;

	for (int i = 1; i < *argc; i++) {
		if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) {
			if (i + 1 >= *argc) {
				fprintf(stderr, "docpipe: -c needs a configuration file\n");
				return -1;
			}
			path = argv[++i];
			continue;
		}
		argv[k++] = argv[i];
	}
	*argc = k;
	argv[k] = NULL;
	if (!path && access("pipeline.conf", R_OK) == 0)
		path = "pipeline.conf";
	if (path) {
		if (conf_load(c, path, &m) != DP_OK) {
			fprintf(stderr, "docpipe: %s\n", m.text);
			return -1;
		}
	} else {
		conf_defaults(c, ".");
	}
	/* checked here, before any worker starts, so that it is the error shown */
	char why[CONF_PATH_MAX + 400];
	if (stage_conf_check(c, why, sizeof why)) {
		fprintf(stderr, "docpipe: %s\n", why);
		return -1;
	}
	stage_conf_resolve(c);
	enum log_level lv = LOG_INFO;
	log_parse_level(c->log_level, &lv);
	log_set_level(lv);
	return 0;
}
