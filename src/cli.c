/* cli.c: the command table, every command's usage text, and the option
 * handling the subcommands share (see cli.h). */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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
	{ "run", cmd_run, "[-c CONF] [-j N] PATH...", "process files and folders into the database",
	  "  -j, --jobs N  OCR worker threads (1..64), instead of [workers] ocr\n" },
	{ "watch", cmd_watch, "[-c CONF]", "take files from the inbox folder as they arrive", NULL },
	{ "inspect", cmd_inspect, "[-c CONF] [--overlay OUT.png] FILE...", "print what docpipe reads from each file as JSON (no database)",
	  "  --overlay OUT.png  with one FILE: draw each recognised page with its field boxes\n"
	  "                     (OUT.png for page 1, OUT-2.png for page 2, ...)\n" },
	{ "worker", cmd_worker, "[-c CONF] --stage NAME --connect tcp://HOST:PORT [--threads N]", NULL,
	  "  --stage NAME      the stage this process serves (ocr, asr, ...)\n"
	  "  --connect URL     the coordinator's [pipeline] bind and base_port\n"
	  "  --threads N       worker threads (1..64, default 1)\n" },
	{ "minutes", cmd_minutes, "[-c CONF] DOCUMENT [--format text|srt|vtt|json]", "timed minutes of a recording",
	  "  DOCUMENT is a document id, the start of its SHA-256 (8 or more digits) or its file name\n" },
	{ "report", cmd_report,
	  "[-c CONF] [--since DATE] [--until DATE] [--format text|csv|json|html]\n"
	  "[--table NAME] [--procedure CODE] [--tz ZONE] [--lang en|ja] [--excel] [-o FILE]",
	  "the analysts' report",
	  "  -f, --format F  text (default), csv, json or html\n"
	  "  --table NAME    only this table (text, csv, json)\n"
	  "  --procedure CODE  only this procedure: its rows, and the overview, stage latency and\n"
	  "                    corrections of its documents\n"
	  "  --tz ZONE       cut days and hours and read DATE in ZONE (Asia/Tokyo); default [report] timezone\n"
	  "  --lang L        en (default) or ja: Japanese headings and titles (text, csv, html)\n"
	  "  --excel         csv with a UTF-8 byte order mark, for Excel\n"
	  "  -o, --output FILE  write the report to FILE instead of standard output\n"
	  "  DATE is YYYY-MM-DD (--until includes that whole day) or 'YYYY-MM-DD HH:MM[:SS][+TZ]'\n"
	  "  tables: overview procedure_cost status_rates stage_latency throughput_daily throughput_hourly\n"
	  "  review_findings review_top_fields document_costs\n" },
	{ "review", cmd_review, "[-c CONF]", "the clerks' review station (web server, docs/REVIEW.md)", NULL },
	{ "db", cmd_db, "[-c CONF] migrate|status", "apply or list the schema migrations", NULL },
	{ "config", cmd_config, "[-c CONF] [--man]", "check the configuration and print it",
	  "  loads what run would (every form template, fee schedule, grants, procedures,\n"
	  "  engines and model paths) and prints the resolved configuration\n"
	  "  --man  print docpipe.conf(5), the manual of every key, instead (roff)\n" },
	{ "keygen", cmd_keygen, "NAME...", "write a CURVE key pair NAME.key (secret) and NAME.pub for the tcp transport",
	  NULL },
	{ "version", cmd_version, "", "print the version (also: docpipe --version)", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

const struct cli_exit cli_exits[] = {
	{ EXIT_OK, "ok: every input loaded" },
	{ EXIT_USAGE, "usage or configuration error" },
	{ EXIT_REJECTED, "some inputs rejected (the others loaded)" },
	{ EXIT_FAILURE_RT, "database or runtime failure" },
	{ 0, NULL },
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

/* Load the configuration at path (NULL: search, see cli.h), check it against
 * the stages, set the log level. 0, or prints the error and returns -1. */
static int cli_conf(const char *path, struct conf *c)
{
	struct dp_msg m;
	const char *env = getenv("DOCPIPE_CONF");

	if (!path && env && *env)
		path = env;
	if (!path && access(CLI_SYSTEM_CONF, F_OK) == 0)
		path = CLI_SYSTEM_CONF;
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

int cli_load_conf(int *argc, char **argv, struct conf *c)
{
	const char *path = NULL;
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
	return cli_conf(path, c);
}

enum { CLI_MAX_OPTS = 24 };

int cli_parse(const char *name, int argc, char **argv, const struct option *opts,
	      int (*on_opt)(int val, const char *arg, void *user), void *user, struct conf *c, int *first)
{
	struct option all[CLI_MAX_OPTS + 3];
	char shorts[3 * CLI_MAX_OPTS + 8] = ":c:h";
	const char *path = NULL;
	int n = 0, o;

	for (; opts && opts[n].name; n++) {
		if (n == CLI_MAX_OPTS)
			abort(); /* a command with more options than this: raise the bound */
		all[n] = opts[n];
		if (opts[n].val > 0 && opts[n].val < 128) {
			size_t l = strlen(shorts);
			shorts[l++] = (char)opts[n].val;
			if (opts[n].has_arg == required_argument)
				shorts[l++] = ':';
			shorts[l] = 0;
		}
	}
	all[n++] = (struct option){ "config", required_argument, NULL, 'c' };
	all[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	all[n] = (struct option){ NULL, 0, NULL, 0 };
	optind = 0; /* GNU: start afresh (tests run several commands in one process) */
	opterr = 0;
	while ((o = getopt_long(argc, argv, shorts, all, NULL)) != -1) {
		if (o == 'h') {
			cli_usage(stdout, name);
			return EXIT_OK;
		}
		if (o == 'c') {
			path = optarg;
			continue;
		}
		if (o == ':')
			return cli_usage_error(name, "%s needs a value", argv[optind - 1]);
		if (o == '?') {
			if (optopt && optopt < 128)
				return cli_usage_error(name, "unknown option '-%c'", optopt);
			return cli_usage_error(name, "unknown option '%s'", argv[optind - 1]);
		}
		if (on_opt(o, optarg, user))
			return cli_usage_error(name, NULL);
	}
	*first = optind;
	return cli_conf(path, c) ? EXIT_USAGE : CLI_GO;
}

int cli_int(const char *name, const char *opt, const char *arg, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < lo || v > hi) {
		fprintf(stderr, "docpipe %s: %s takes a whole number %d..%d, not '%s'\n", name, opt, lo, hi, arg);
		return -1;
	}
	*out = (int)v;
	return 0;
}
