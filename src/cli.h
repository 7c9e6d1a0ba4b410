/* cli.h: the subcommands of build/docpipe. Each is one file src/cmd_NAME.c
 * and one row in main.c's command table. A command returns the process exit
 * status (see docs/OPERATIONS.md): 0 all inputs loaded, 1 usage or
 * configuration error, 2 some inputs rejected, 3 database or runtime failure. */
#ifndef DP_CLI_H
#define DP_CLI_H

#include "../lib/conf.h"

enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_REJECTED = 2, EXIT_FAILURE_RT = 3 };

/* Shared option handling: -c CONF; consumes it from argv, loads the
 * configuration (pipeline.conf in the current folder when present, else the
 * built-in defaults) and sets the log level. Returns 0 or prints the error. */
int cli_load_conf(int *argc, char **argv, struct conf *c);

int cmd_run(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_db(int argc, char **argv);
int cmd_worker(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_minutes(int argc, char **argv);

#endif
