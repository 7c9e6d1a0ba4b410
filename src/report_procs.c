/* report_procs.c: reading models/procedures.conf, the procedure catalogue
 * the report compares docpipe's times with (see report.h, docs/ANALYSTS.md).
 *
 *   [P001]
 *   name = 行政書士試験合格証明書の交付
 *   kind = scan                  (scan | audio; default scan)
 *   annual_cases = 3200
 *   baseline_minutes = 8
 *   review_minutes = 0.5
 *
 * ini.c reads the lines; every problem is reported as "FILE:LINE: problem". */
#include "report.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/ini.h"

#define HAVE_NAME 1
#define HAVE_CASES 2
#define HAVE_BASE 4
#define HAVE_REVIEW 8
#define HAVE_ALL 15

static const char *const keys_help = "name, kind, annual_cases, baseline_minutes, review_minutes";

/* The section that just ended must have every required key. */
static enum dp_err section_done(const struct report_proc *p, int have, const char *name, int line,
				struct dp_msg *m)
{
	if (have == HAVE_ALL)
		return DP_OK;
	return dp_fail(m, DP_ERR_CONFIG, "%s:%d: [%s] needs %s", name, line, p->code,
		       !(have & HAVE_NAME)	 ? "a name"
		       : !(have & HAVE_CASES) ? "annual_cases (cases a year)"
		       : !(have & HAVE_BASE)  ? "baseline_minutes (minutes a case took by hand)"
					      : "review_minutes (minutes to check one flagged field or minute of transcript)");
}

static int valid_code(const char *s)
{
	if (!*s || strlen(s) >= sizeof ((struct report_proc *)0)->code)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
			return 0;
	return 1;
}

static int parse_minutes(const char *v, double *out, int zero_ok)
{
	char *end;

	errno = 0;
	*out = strtod(v, &end);
	return (errno || end == v || *end || !isfinite(*out) || *out < 0 || (!zero_ok && *out == 0) ||
		*out > 1e6) ? -1 : 0;
}

enum dp_err report_procs_parse(struct report_procs *ps, const char *name, const char *text, struct dp_msg *m)
{
	struct report_proc *p = NULL;
	int section_line = 0, have = 0;
	struct ini in;
	enum dp_err e;

	memset(ps, 0, sizeof *ps);
	ini_start(&in, name, text);
	while (ini_next(&in, m)) {
		const char *code = in.section, *key = in.key;
		char *val = in.value;

		if (!key) {
			if (p && (e = section_done(p, have, name, section_line, m)))
				return e;
			if (!valid_code(code))
				return ini_fail(&in, m, "'%s' is not a procedure code (letters, digits, '-', '_' or '.', at most 31)",
						code);
			for (int i = 0; i < ps->n; i++)
				if (!strcmp(ps->v[i].code, code))
					return ini_fail(&in, m, "[%s] is already defined above", code);
			ps->v = xrealloc(ps->v, (size_t)(ps->n + 1) * sizeof *ps->v);
			p = &ps->v[ps->n++];
			memset(p, 0, sizeof *p);
			str_copy(p->code, sizeof p->code, code);
			str_copy(p->kind, sizeof p->kind, "scan");
			section_line = in.line;
			have = 0;
			continue;
		}
		if (!strcmp(key, "name")) {
			if (!*val || strlen(val) >= sizeof p->name)
				return ini_fail(&in, m, "name must be 1 to %zu bytes", sizeof p->name - 1);
			str_copy(p->name, sizeof p->name, val);
			have |= HAVE_NAME;
		} else if (!strcmp(key, "kind")) {
			if (strcmp(val, "scan") && strcmp(val, "audio"))
				return ini_fail(&in, m, "kind is scan or audio, not '%s'", val);
			str_copy(p->kind, sizeof p->kind, val);
		} else if (!strcmp(key, "annual_cases")) {
			char *end;
			errno = 0;
			p->annual_cases = strtoll(val, &end, 10);
			if (errno || end == val || *end || p->annual_cases < 0 || p->annual_cases > 2000000000)
				return ini_fail(&in, m, "annual_cases must be a whole number of cases, not '%s'", val);
			have |= HAVE_CASES;
		} else if (!strcmp(key, "baseline_minutes")) {
			if (parse_minutes(val, &p->baseline_minutes, 0))
				return ini_fail(&in, m, "baseline_minutes must be minutes above 0, e.g. 8 or 2.5, not '%s'", val);
			have |= HAVE_BASE;
		} else if (!strcmp(key, "review_minutes")) {
			if (parse_minutes(val, &p->review_minutes, 1))
				return ini_fail(&in, m, "review_minutes must be minutes (0 or more), e.g. 0.5, not '%s'", val);
			have |= HAVE_REVIEW;
		} else {
			return ini_fail(&in, m, "unknown key '%s' (%s)", key, keys_help);
		}
	}
	if (in.err)
		return in.err;
	return p ? section_done(p, have, name, section_line, m) : DP_OK;
}

enum dp_err report_procs_load(struct report_procs *ps, const char *path, struct dp_msg *m)
{
	char *text = NULL;
	enum dp_err e;

	memset(ps, 0, sizeof *ps);
	if ((e = ini_read(path, 4 << 20, &text, m)))
		return e;
	e = report_procs_parse(ps, path, text, m);
	free(text);
	if (e)
		report_procs_release(ps);
	return e;
}

void report_procs_release(struct report_procs *ps)
{
	free(ps->v);
	ps->v = NULL;
	ps->n = 0;
}
