/* grants.c: the keys of models/grants.conf and their checks (see grants.h); ini.c reads the lines. */
#include "grants.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ini.h"
#include "util.h"

#define GRANT_KEYS "name, procedure, rate, max, window, required"

/* "2/3", "1/2", "0.5", "0.6667": a fraction 0 < rate <= 1 with a small denominator */
static int parse_rate(const char *v, long long *num, long long *den)
{
	char extra;
	long long a, b;

	if (strchr(v, '/')) {
		if (sscanf(v, "%lld / %lld %c", &a, &b, &extra) != 2)
			return -1;
	} else {
		const char *dot = strchr(v, '.');
		size_t decimals = dot ? strlen(dot + 1) : 0;
		if (decimals > 4 || !isdigit((unsigned char)v[0]))
			return -1;
		a = 0;
		b = 1;
		for (const char *p = v; *p; p++) {
			if (p == dot)
				continue;
			if (!isdigit((unsigned char)*p))
				return -1;
			a = a * 10 + (*p - '0');
		}
		for (size_t i = 0; i < decimals; i++)
			b *= 10;
	}
	if (b <= 0 || b > GRANT_DEN_MAX || a <= 0 || a > b)
		return -1;
	*num = a;
	*den = b;
	return 0;
}

static int leap(int y)
{
	return (y % 4 == 0 && y % 100) || y % 400 == 0;
}

/* YYYY-MM-DD of a day that exists */
static int parse_day(const char *s, size_t len, char out[11])
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d;
	char buf[16], extra;

	if (len != 10)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (sscanf(buf, "%4d-%2d-%2d%c", &y, &mo, &d, &extra) != 3 || buf[4] != '-' || buf[7] != '-')
		return -1;
	if (y < 1900 || y > 2999 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap(y)))
		return -1;
	memcpy(out, buf, 11);
	return 0;
}

static int parse_window(const char *v, char from[11], char to[11])
{
	const char *dots = strstr(v, "..");
	const char *a = v, *b;
	size_t la, lb;

	if (!dots)
		return -1;
	la = (size_t)(dots - v);
	while (la && isspace((unsigned char)a[la - 1]))
		la--;
	b = dots + 2;
	while (isspace((unsigned char)*b))
		b++;
	lb = strlen(b);
	if (parse_day(a, la, from) || parse_day(b, lb, to) || strcmp(from, to) > 0)
		return -1;
	return 0;
}

static int valid_name(const char *s)
{
	if (!*s)
		return 0;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			return 0;
	return 1;
}

static enum dp_err parse_required(struct grant_program *g, const struct ini *in, char *val, struct dp_msg *m)
{
	char *tok, *save = NULL;

	g->nrequired = 0;
	for (tok = strtok_r(val, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *f = str_trim(tok);
		if (!*f)
			continue;
		if (!valid_name(f) || strlen(f) >= sizeof g->required[0])
			return ini_fail(in, m, "'%s' is not a field name (letters, digits, '_')", f);
		if (g->nrequired >= GRANT_REQUIRED_MAX)
			return ini_fail(in, m, "at most %d required fields", GRANT_REQUIRED_MAX);
		str_copy(g->required[g->nrequired++], sizeof g->required[0], f);
	}
	return DP_OK;
}

static enum dp_err finish(const struct grant_program *g, const char *name, struct dp_msg *m)
{
	if (g && !g->rate_den)
		return dp_fail(m, DP_ERR_CONFIG, "%s:%d: programme [%s] has no 'rate ='", name, g->line, g->id);
	return DP_OK;
}

static enum dp_err parse_text(struct grant_set *gs, const char *name, const char *text, struct dp_msg *m)
{
	struct grant_program *g = NULL;
	struct ini in;
	enum dp_err e;

	memset(gs, 0, sizeof *gs);
	ini_start(&in, name, text);
	while (ini_next(&in, m)) {
		const char *s = in.section, *key = in.key;
		char *val = in.value;

		if (!key) {
			if (!valid_name(s) || strlen(s) >= GRANT_ID_MAX)
				return ini_fail(&in, m, "programme id '%s': use letters, digits, '-' and '_' (at most %d)", s,
						GRANT_ID_MAX - 1);
			if (grants_find(gs, s))
				return ini_fail(&in, m, "programme [%s] is defined twice", s);
			if ((e = finish(g, name, m)))
				return e;
			gs->progs = xrealloc(gs->progs, (size_t)(gs->n + 1) * sizeof *gs->progs);
			g = &gs->progs[gs->n++];
			memset(g, 0, sizeof *g);
			str_copy(g->id, sizeof g->id, s);
			g->max_yen = -1;
			g->line = in.line;
			continue;
		}
		if (!strcmp(key, "name")) {
			str_copy(g->name, sizeof g->name, val);
		} else if (!strcmp(key, "procedure")) {
			if (strlen(val) >= sizeof g->procedure)
				return ini_fail(&in, m, "procedure code too long");
			str_copy(g->procedure, sizeof g->procedure, val);
		} else if (!strcmp(key, "rate")) {
			if (parse_rate(val, &g->rate_num, &g->rate_den))
				return ini_fail(&in, m,
						"rate is a fraction like 2/3 or a decimal like 0.5 (above 0, at most 1), not '%s'", val);
			str_copy(g->rate_text, sizeof g->rate_text, val);
		} else if (!strcmp(key, "max")) {
			char *end;
			errno = 0;
			g->max_yen = strtoll(val, &end, 10);
			if (errno || *end || end == val || g->max_yen <= 0 || g->max_yen > GRANT_YEN_MAX)
				return ini_fail(&in, m, "max must be yen as a whole number (no commas), not '%s'", val);
		} else if (!strcmp(key, "window")) {
			if (parse_window(val, g->from, g->to))
				return ini_fail(&in, m, "window is FIRST..LAST day, e.g. 2024-04-01..2025-03-31, not '%s'", val);
		} else if (!strcmp(key, "required")) {
			if ((e = parse_required(g, &in, val, m)))
				return e;
		} else {
			return ini_fail(&in, m, "unknown key '%s' (" GRANT_KEYS ")", key);
		}
	}
	return in.err ? in.err : finish(g, name, m);
}

enum dp_err grants_parse(struct grant_set *gs, const char *name, const char *text, struct dp_msg *m)
{
	enum dp_err e = parse_text(gs, name, text, m);
	if (e)
		grants_release(gs);
	return e;
}

enum dp_err grants_load(struct grant_set *gs, const char *path, struct dp_msg *m)
{
	char *text = NULL;
	enum dp_err e;

	memset(gs, 0, sizeof *gs);
	if (!path[0] || access(path, F_OK) != 0)
		return DP_OK;
	if ((e = ini_read(path, 1 << 20, &text, m)))
		return e;
	e = grants_parse(gs, path, text, m);
	free(text);
	return e;
}

void grants_release(struct grant_set *gs)
{
	free(gs->progs);
	gs->progs = NULL;
	gs->n = 0;
}

const struct grant_program *grants_find(const struct grant_set *gs, const char *id)
{
	for (int i = 0; i < gs->n; i++)
		if (!strcasecmp(gs->progs[i].id, id))
			return &gs->progs[i];
	return NULL;
}

int grants_for_procedure(const struct grant_set *gs, const char *procedure, const struct grant_program **only)
{
	int n = 0;

	*only = NULL;
	if (!procedure || !*procedure)
		return 0;
	for (int i = 0; i < gs->n; i++)
		if (!strcmp(gs->progs[i].procedure, procedure)) {
			n++;
			*only = &gs->progs[i];
		}
	if (n != 1)
		*only = NULL;
	return n;
}

int grants_within_rate(const struct grant_program *g, long long eligible, long long amount)
{
	if (eligible < 0 || amount < 0 || eligible > GRANT_YEN_MAX || amount > GRANT_YEN_MAX)
		return -1;
	/* both sides below 10^14 x 10^4: no overflow in 64 bits */
	return amount * g->rate_den <= eligible * g->rate_num;
}

long long grants_rate_cap(const struct grant_program *g, long long eligible)
{
	if (eligible < 0 || eligible > GRANT_YEN_MAX)
		return -1;
	return eligible * g->rate_num / g->rate_den;
}
