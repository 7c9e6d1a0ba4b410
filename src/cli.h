/* cli.h: the subcommands of build/docpipe. Each is one file src/cmd_NAME.c
 * and one row in cli.c's command table, which main.c dispatches on. A command
 * returns the process exit status (see docs/OPERATIONS.md): 0 all inputs
 * loaded, 1 usage or configuration error, 2 some inputs rejected, 3 database
 * or runtime failure. */
#ifndef DP_CLI_H
#define DP_CLI_H

#include <stdio.h>

#include "../lib/conf.h"
#include "../lib/err.h"

enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_REJECTED = 2, EXIT_FAILURE_RT = 3 };

/* Shared option handling: -c CONF; consumes it from argv, loads the
 * configuration (pipeline.conf in the current folder when present, else the
 * built-in defaults) and sets the log level. Returns 0 or prints the error. */
int cli_load_conf(int *argc, char **argv, struct conf *c);
/* What cli_load_conf does with a file (path NULL or "": the built-in
 * defaults): load it, check [workers] and the route against the stage table,
 * resolve [workers]. Fills m ("FILE:LINE: problem") on error. */
enum dp_err cli_conf_read(const char *path, struct conf *c, struct dp_msg *m);
/* Set the log level [log] level gives. */
void cli_conf_apply_log(const struct conf *c);
/* Read the models a configuration names, as the stages' init will: every
 * template of [forms] dir, [models] fees and grants. Fills m with the first
 * problem ("FILE:LINE: problem"); keeps nothing. */
enum dp_err cli_models_check(const struct conf *c, struct dp_msg *m);

/* A command's row: the one place its command line is written down. The table
 * lives in cli.c, not main.c, because tests/unit.c links the commands
 * without main.c. */
struct cli_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;    /* what follows "docpipe NAME"; each '\n' starts an aligned continuation line */
	const char *summary; /* its line in `docpipe help`, or NULL */
	const char *details; /* lines after the synopsis in the command's own usage, or NULL */
};

extern const struct cli_command cli_commands[]; /* ends with a row whose name is NULL */

/* The row of the command NAME, or NULL. */
const struct cli_command *cli_find(const char *name);

/* Every command's synopsis and summary, for `docpipe help`. */
void cli_list(FILE *out);

/* "usage: docpipe NAME ARGS" and the command's details. */
void cli_usage(FILE *out, const char *name);

/* A usage error of the command NAME: "docpipe NAME: MESSAGE" when fmt is not
 * NULL, then its usage, on stderr. Returns EXIT_USAGE. */
int cli_usage_error(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int cmd_run(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_db(int argc, char **argv);
int cmd_worker(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_minutes(int argc, char **argv);
int cmd_review(int argc, char **argv);
int cmd_keygen(int argc, char **argv);

#endif
