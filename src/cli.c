/* cli.c: the command table, every command's usage text, and the option
 * handling the subcommands share (see cli.h). */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../stages/stage.h"
#include "../lib/fees.h"
#include "../lib/forms.h"
#include "../lib/grants.h"
#include "../lib/log.h"

/* `docpipe help` starts each summary two spaces after this column or after
 * the synopsis, whichever is further */
#define CLI_LIST_COLUMN 35

const struct cli_command cli_commands[] = {
	{ "run", cmd_run, "[-c CONF] PATH...", "process files and folders into the database", NULL },
	{ "watch", cmd_watch, "[-c CONF]", "take files from the inbox folder as they arrive", NULL },
	{ "inspect", cmd_inspect, "[-c CONF] [--overlay OUT.png] FILE...", "print what docpipe reads from each file as JSON (no database)",
	  NULL },
	{ "worker", cmd_worker, "[-c CONF] --stage NAME --connect tcp://HOST:PORT [--threads N]", NULL, NULL },
	{ "minutes", cmd_minutes, "[-c CONF] DOCUMENT [--format text|srt|vtt|json]", "timed minutes of a recording",
	  NULL },
	{ "report", cmd_report,
	  "[-c CONF] [--since DATE] [--until DATE] [--format text|csv|json|html]\n"
	  "[--table NAME] [-o FILE]",
	  "the analysts' report",
	  "  DATE is YYYY-MM-DD (--until includes that whole day) or 'YYYY-MM-DD HH:MM[:SS][+TZ]'\n"
	  "  tables: overview procedure_cost status_rates stage_latency throughput_daily throughput_hourly\n" },
	{ "review", cmd_review, "[-c CONF]", "the clerks' review station (web server, docs/REVIEW.md)", NULL },
	{ "db", cmd_db, "[-c CONF] migrate|status", "apply or list the schema migrations", NULL },
	{ "config", cmd_config, "[-c CONF]", "check the configuration and print it", NULL },
	{ "keygen", cmd_keygen, "NAME...", "write a CURVE key pair NAME.key (secret) and NAME.pub for the tcp transport",
	  NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

const struct cli_command *cli_find(const char *name)
{
	for (const struct cli_command *k = cli_commands; k->name; k++)
		if (!strcmp(k->name, name))
			return k;
	return NULL;
}

/* LEAD "docpipe NAME ARGS", each continuation line of ARGS indented to start
 * under the first; returns the column where the last line ends. */
static int cli_put_synopsis(FILE *out, const char *lead, const struct cli_command *k)
{
	int indent = fprintf(out, "%sdocpipe %s ", lead, k->name), col = indent;

	for (const char *p = k->args; *p; p++) {
		if (*p == '\n') {
			col = fprintf(out, "\n%*s", indent, "") - 1;
			continue;
		}
		fputc(*p, out);
		col++;
	}
	return col;
}

void cli_list(FILE *out)
{
	for (const struct cli_command *k = cli_commands; k->name; k++) {
		int col = cli_put_synopsis(out, "  ", k);
		if (k->summary)
			fprintf(out, "%*s  %s", col < CLI_LIST_COLUMN ? CLI_LIST_COLUMN - col : 0, "", k->summary);
		fputc('\n', out);
	}
}

void cli_usage(FILE *out, const char *name)
{
	const struct cli_command *k = cli_find(name);

	if (!k)
		return;
	cli_put_synopsis(out, "usage: ", k);
	fputc('\n', out);
	if (k->details)
		fputs(k->details, out);
}

int cli_usage_error(const char *name, const char *fmt, ...)
{
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		fprintf(stderr, "docpipe %s: ", name);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		va_end(ap);
	}
	cli_usage(stderr, name);
	return EXIT_USAGE;
}

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
	if (cli_conf_read(path, c, &m)) {
		fprintf(stderr, "docpipe: %s\n", m.text);
		return -1;
	}
	cli_conf_apply_log(c);
	return 0;
}

enum dp_err cli_conf_read(const char *path, struct conf *c, struct dp_msg *m)
{
	if (path && *path) {
		enum dp_err e = conf_load(c, path, m);
		if (e)
			return e;
	} else {
		conf_defaults(c, ".");
	}
	/* checked here, before any worker starts, so that it is the error shown */
	char why[CONF_PATH_MAX + 400];
	if (stage_conf_check(c, why, sizeof why))
		return dp_fail(m, DP_ERR_CONFIG, "%s", why);
	stage_conf_resolve(c);
	return DP_OK;
}

void cli_conf_apply_log(const struct conf *c)
{
	enum log_level lv = LOG_INFO;
	log_parse_level(c->log_level, &lv);
	log_set_level(lv);
}

enum dp_err cli_models_check(const struct conf *c, struct dp_msg *m)
{
	struct form_set fs;
	struct fee_schedule fees;
	struct grant_set gs;
	enum dp_err e;

	memset(&fs, 0, sizeof fs);
	memset(&fees, 0, sizeof fees);
	memset(&gs, 0, sizeof gs);
	e = forms_load_dir(&fs, c->forms_dir, m);
	if (!e)
		e = fees_load(&fees, c->fees, m);
	if (!e)
		e = grants_load(&gs, c->grants, m);
	forms_release(&fs);
	fees_release(&fees);
	grants_release(&gs);
	return e;
}
