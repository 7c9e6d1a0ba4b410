/* expr.c: a small recursive-descent evaluator for template rules (see expr.h).
 * Values are rationals num/den held in long double, enough for yen amounts. */
#include "expr.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

struct ex {
	const char *p;
	expr_lookup_fn lookup;
	void *user;
	int unknown;   /* a field had no value */
	int err;       /* syntax error */
	char msg[200];
	char (*names)[64];
	int nnames, maxnames;
	int depth;     /* parentheses and unary minus nest at most EXPR_DEPTH deep */
};

#define EXPR_DEPTH 64

static void skip(struct ex *x)
{
	while (isspace((unsigned char)*x->p))
		x->p++;
}

static long double expr(struct ex *x);

#define FAIL_MSG(x, ...)                                                \
	do {                                                            \
		if (!(x)->err)                                          \
			snprintf((x)->msg, sizeof (x)->msg, __VA_ARGS__); \
		(x)->err = 1;                                           \
	} while (0)

/* floor(X, N), ceil(X, N), round(X, N): X rounded down, up or to the nearest
 * (halves up) multiple of N; N must be above 0, else the rule is not applied. */
static long double function(struct ex *x, const char *name, const char *paren)
{
	long double v, step, q, eps = 1e-9L;
	int kind = !strcmp(name, "floor") ? 1 : !strcmp(name, "ceil") ? 2 : !strcmp(name, "round") ? 3 : 0;

	if (!kind) {
		FAIL_MSG(x, "unknown function '%s' (floor, ceil, round)", name);
		return 0;
	}
	if (++x->depth > EXPR_DEPTH) {
		FAIL_MSG(x, "rule nests parentheses too deeply");
		return 0;
	}
	x->p = paren + 1;
	v = expr(x);
	skip(x);
	if (*x->p != ',') {
		FAIL_MSG(x, "%s(X, N) needs two numbers separated by ','", name);
		return 0;
	}
	x->p++;
	step = expr(x);
	x->depth--;
	skip(x);
	if (*x->p != ')') {
		FAIL_MSG(x, "missing ')' in rule");
		return 0;
	}
	x->p++;
	if (!(step > 0)) {
		x->unknown = 1; /* a multiple of 0 or less: no value */
		return 0;
	}
	q = v / step;
	/* yen amounts divided exactly (2000.0000000001 / 1000) are whole */
	switch (kind) {
	case 1: q = floorl(q + eps); break;
	case 2: q = ceill(q - eps); break;
	default: q = floorl(q + 0.5L + eps); break;
	}
	return q * step;
}

static long double primary(struct ex *x)
{
	skip(x);
	if (*x->p == '(') {
		if (++x->depth > EXPR_DEPTH) {
			if (!x->err)
				snprintf(x->msg, sizeof x->msg, "rule nests parentheses too deeply");
			x->err = 1;
			return 0;
		}
		x->p++;
		long double v = expr(x);
		x->depth--;
		skip(x);
		if (*x->p != ')') {
			if (!x->err)
				snprintf(x->msg, sizeof x->msg, "missing ')' in rule");
			x->err = 1;
			return 0;
		}
		x->p++;
		return v;
	}
	if (isdigit((unsigned char)*x->p)) {
		long double v = 0;
		while (isdigit((unsigned char)*x->p))
			v = v * 10 + (*x->p++ - '0');
		return v;
	}
	if (isalpha((unsigned char)*x->p) || *x->p == '_') {
		char name[64];
		size_t n = 0;
		long long v = 0;
		const char *after;
		while ((isalnum((unsigned char)*x->p) || *x->p == '_') && n + 1 < sizeof name)
			name[n++] = *x->p++;
		/* FORM_ID.FIELD: a field of another page of the document */
		if (*x->p == '.' && (isalpha((unsigned char)x->p[1]) || x->p[1] == '_') && n + 2 < sizeof name) {
			name[n++] = *x->p++;
			while ((isalnum((unsigned char)*x->p) || *x->p == '_') && n + 1 < sizeof name)
				name[n++] = *x->p++;
		}
		name[n] = '\0';
		for (after = x->p; isspace((unsigned char)*after); after++)
			;
		if (*after == '(' && !strchr(name, '.'))
			return function(x, name, after);
		if (x->names && x->nnames < x->maxnames)
			snprintf(x->names[x->nnames++], 64, "%s", name);
		if (x->lookup && x->lookup(name, &v, x->user) != 0)
			x->unknown = 1;
		return (long double)v;
	}
	if (!x->err)
		snprintf(x->msg, sizeof x->msg, "expected a field name or a number at '%.20s'", x->p);
	x->err = 1;
	return 0;
}

static long double unary(struct ex *x)
{
	skip(x);
	if (*x->p == '-') {
		if (++x->depth > EXPR_DEPTH) {
			if (!x->err)
				snprintf(x->msg, sizeof x->msg, "rule has too many minus signs in a row");
			x->err = 1;
			return 0;
		}
		x->p++;
		long double v = -unary(x);
		x->depth--;
		return v;
	}
	return primary(x);
}

static long double term(struct ex *x)
{
	long double v = unary(x);
	for (;;) {
		skip(x);
		if (*x->p == '*') {
			x->p++;
			v *= unary(x);
		} else if (*x->p == '/') {
			x->p++;
			long double d = unary(x);
			if (d == 0) {
				/* no value, but parse on: the rest is still syntax (and names) */
				x->unknown = 1;
				v = 0;
				continue;
			}
			v /= d;
		} else {
			return v;
		}
	}
}

static long double expr(struct ex *x)
{
	long double v = term(x);
	for (;;) {
		skip(x);
		if (*x->p == '+') {
			x->p++;
			v += term(x);
		} else if (*x->p == '-') {
			x->p++;
			v -= term(x);
		} else {
			return v;
		}
	}
}

enum cmp { C_EQ, C_NE, C_LE, C_GE, C_LT, C_GT, C_NONE };

static enum cmp comparator(struct ex *x)
{
	skip(x);
	if (!strncmp(x->p, "<=", 2)) { x->p += 2; return C_LE; }
	if (!strncmp(x->p, ">=", 2)) { x->p += 2; return C_GE; }
	if (!strncmp(x->p, "!=", 2)) { x->p += 2; return C_NE; }
	if (!strncmp(x->p, "==", 2)) { x->p += 2; return C_EQ; }
	if (*x->p == '=') { x->p++; return C_EQ; }
	if (*x->p == '<') { x->p++; return C_LT; }
	if (*x->p == '>') { x->p++; return C_GT; }
	return C_NONE;
}

static int run(struct ex *x, double *lhs, double *rhs)
{
	long double a, b, eps = 1e-6L;
	enum cmp c;

	a = expr(x);
	c = comparator(x);
	if (c == C_NONE) {
		if (!x->err)
			snprintf(x->msg, sizeof x->msg, "a rule compares two sides with =, <=, >=, <, > or !=");
		x->err = 1;
		return -1;
	}
	b = expr(x);
	skip(x);
	if (*x->p && !x->err) {
		snprintf(x->msg, sizeof x->msg, "unexpected '%.20s' in rule", x->p);
		x->err = 1;
	}
	if (x->err || x->unknown)
		return -1;
	if (lhs)
		*lhs = (double)a;
	if (rhs)
		*rhs = (double)b;
	switch (c) {
	case C_EQ: return a - b < eps && b - a < eps;
	case C_NE: return !(a - b < eps && b - a < eps);
	case C_LE: return a <= b + eps;
	case C_GE: return a + eps >= b;
	case C_LT: return a < b - eps;
	case C_GT: return a > b + eps;
	case C_NONE: break;
	}
	return -1;
}

int expr_check_rule(const char *rule, struct dp_msg *m)
{
	struct ex x = { .p = rule };
	run(&x, NULL, NULL);
	if (x.err)
		return dp_fail(m, DP_ERR_CONFIG, "rule '%s': %s", rule, x.msg), -1;
	return 0;
}

int expr_names(const char *rule, char names[][64], int max)
{
	struct ex x = { .p = rule, .names = names, .maxnames = max };
	run(&x, NULL, NULL);
	return x.nnames;
}

int expr_eval_rule(const char *rule, expr_lookup_fn lookup, void *user, double *lhs, double *rhs)
{
	struct ex x = { .p = rule, .lookup = lookup, .user = user };
	return run(&x, lhs, rhs);
}
