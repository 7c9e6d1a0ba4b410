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
 * Every problem is reported as "FILE:LINE: problem". */
#include "report.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	int lineno = 0, section_line = 0, have = 0;
	const char *s0 = text;
	enum dp_err e;

	memset(ps, 0, sizeof *ps);
	while (*s0) {
		char line[1024];
		const char *nl = strchr(s0, '\n');
		size_t len = nl ? (size_t)(nl - s0) : strlen(s0);

		lineno++;
		if (len >= sizeof line)
			return dp_fail(m, DP_ERR_CONFIG, "%s:%d: line too long", name, lineno);
		memcpy(line, s0, len);
		line[len] = '\0';
		s0 = nl ? nl + 1 : s0 + len;
		char *s = str_trim(line);
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *close = strchr(s, ']');
			if (p && (e = section_done(p, have, name, section_line, m)))
				return e;
			if (!close || close[1])
				return dp_fail(m, DP_ERR_CONFIG, "%s:%d: a section is [PROCEDURE-CODE], e.g. [P001]", name, lineno);
			*close = '\0';
			char *code = str_trim(s + 1);
			if (!valid_code(code))
				return dp_fail(m, DP_ERR_CONFIG,
					       "%s:%d: '%s' is not a procedure code (letters, digits, '-', '_' or '.', at most 31)",
					       name, lineno, code);
			for (int i = 0; i < ps->n; i++)
				if (!strcmp(ps->v[i].code, code))
					return dp_fail(m, DP_ERR_CONFIG, "%s:%d: [%s] is already defined above", name, lineno, code);
			ps->v = xrealloc(ps->v, (size_t)(ps->n + 1) * sizeof *ps->v);
			p = &ps->v[ps->n++];
			memset(p, 0, sizeof *p);
			str_copy(p->code, sizeof p->code, code);
			str_copy(p->kind, sizeof p->kind, "scan");
			section_line = lineno;
			have = 0;
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq)
			return dp_fail(m, DP_ERR_CONFIG, "%s:%d: expected 'key = value'", name, lineno);
		*eq = '\0';
		char *key = str_trim(s), *val = str_trim(eq + 1);
		if (!p)
			return dp_fail(m, DP_ERR_CONFIG, "%s:%d: '%s' comes before any [PROCEDURE] section", name, lineno, key);
		if (!strcmp(key, "name")) {
			if (!*val || strlen(val) >= sizeof p->name)
				return dp_fail(m, DP_ERR_CONFIG, "%s:%d: name must be 1 to %zu bytes", name, lineno,
					       sizeof p->name - 1);
			str_copy(p->name, sizeof p->name, val);
			have |= HAVE_NAME;
		} else if (!strcmp(key, "kind")) {
			if (strcmp(val, "scan") && strcmp(val, "audio"))
				return dp_fail(m, DP_ERR_CONFIG, "%s:%d: kind is scan or audio, not '%s'", name, lineno, val);
			str_copy(p->kind, sizeof p->kind, val);
		} else if (!strcmp(key, "annual_cases")) {
			char *end;
			errno = 0;
			p->annual_cases = strtoll(val, &end, 10);
			if (errno || end == val || *end || p->annual_cases < 0 || p->annual_cases > 2000000000)
				return dp_fail(m, DP_ERR_CONFIG, "%s:%d: annual_cases must be a whole number of cases, not '%s'",
					       name, lineno, val);
			have |= HAVE_CASES;
		} else if (!strcmp(key, "baseline_minutes")) {
			if (parse_minutes(val, &p->baseline_minutes, 0))
				return dp_fail(m, DP_ERR_CONFIG, "%s:%d: baseline_minutes must be minutes above 0, e.g. 8 or 2.5, not '%s'",
					       name, lineno, val);
			have |= HAVE_BASE;
		} else if (!strcmp(key, "review_minutes")) {
			if (parse_minutes(val, &p->review_minutes, 1))
				return dp_fail(m, DP_ERR_CONFIG, "%s:%d: review_minutes must be minutes (0 or more), e.g. 0.5, not '%s'",
					       name, lineno, val);
			have |= HAVE_REVIEW;
		} else {
			return dp_fail(m, DP_ERR_CONFIG, "%s:%d: unknown key '%s' (%s)", name, lineno, key, keys_help);
		}
	}
	if (p && (e = section_done(p, have, name, section_line, m)))
		return e;
	return DP_OK;
}

enum dp_err report_procs_load(struct report_procs *ps, const char *path, struct dp_msg *m)
{
	char *text = NULL;
	size_t len;
	enum dp_err e;

	memset(ps, 0, sizeof *ps);
	e = file_read(path, &text, &len, 4 << 20, m);
	if (e)
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
