/* cli.h: the subcommands of build/docpipe. Each is one file src/cmd_NAME.c
 * and one row in cli.c's command table, which main.c dispatches on. A command
 * returns the process exit status (see docs/OPERATIONS.md): 0 all inputs
 * loaded, 1 usage or configuration error, 2 some inputs rejected, 3 database
 * or runtime failure. */
#ifndef DP_CLI_H
#define DP_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "../lib/conf.h"
#include "../lib/err.h"

enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_REJECTED = 2, EXIT_FAILURE_RT = 3 };

/* The exit statuses above with their meaning, for `docpipe help` and the
 * man page; ends with a row whose text is NULL. */
struct cli_exit { int code; const char *text; };
extern const struct cli_exit cli_exits[];

/* Where the configuration is looked for when -c is not given: $DOCPIPE_CONF,
 * then this file, then pipeline.conf in the current folder. */
#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define CLI_SYSTEM_CONF SYSCONFDIR "/docpipe/pipeline.conf"

/* The version the build was made from (git describe, or the VERSION file
 * outside git): build/version.c, written by the Makefile. */
extern const char cli_version[];

/* cli_parse: the command goes on */
#define CLI_GO (-1)

/* A command's options, parsed with getopt_long ("--opt=value" or "--opt
 * value", options before or after the operands, "--" ends them): OPTS are the
 * command's own (a zero row ends them; a row's val is its short letter, or a
 * number from 256 up for a long option only), and -c/--config CONF and
 * -h/--help come with every command. Each of the command's options goes to
 * on_opt(val, optarg, user), which returns 0 or prints what is wrong
 * ("docpipe NAME: ...") and returns nonzero. --help prints the command's
 * usage on stdout. Then the configuration is loaded (see cli_load_conf).
 * Returns CLI_GO with *first the index of the first operand in argv (argv is
 * permuted), or the exit status the command returns now: EXIT_OK after
 * --help, EXIT_USAGE. */
int cli_parse(const char *name, int argc, char **argv, const struct option *opts,
	      int (*on_opt)(int val, const char *arg, void *user), void *user, struct conf *c, int *first);

/* A whole number lo..hi for option OPT of command NAME: 0, or prints the
 * error and returns -1. */
int cli_int(const char *name, const char *opt, const char *arg, int lo, int hi, int *out);

/* Shared option handling: -c CONF; consumes it from argv, loads the
 * configuration (-c CONF, else $DOCPIPE_CONF, else CLI_SYSTEM_CONF, else
 * pipeline.conf in the current folder, whichever is there first, else the
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
int cmd_version(int argc, char **argv);

#endif
