/* fuzz_expr.c: libFuzzer target for the template rules of lib/expr.c
 * ([check] rule = ... in a .form file, evaluated by the validate stage).
 *
 * Input: one rule as text (ends at the first NUL, as forms_parse passes a C
 * string). It is syntax-checked (expr_check_rule), its field names listed
 * (expr_names) and evaluated (expr_eval_rule) with a lookup that gives every
 * name a fixed number chosen from the name: zero, small and large amounts,
 * the extremes of long long, or "no value". Checks: memory safety; the
 * evaluator returns 1, 0 or -1, and -1 for every rule the checker refuses;
 * every listed name is a non-empty identifier or FORM_ID.FIELD (one dot,
 * between two identifiers); floor/ceil/round are functions, never names. */
#include <ctype.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/expr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static int lookup(const char *name, long long *v, void *user)
{
	static const long long vals[] = { 0, 1, 2, 3, -7, 700, 1000000, 999999999999LL, LLONG_MAX, LLONG_MIN };
	unsigned h = 0;

	(void)user;
	for (const char *p = name; *p; p++)
		h = h * 31 + (unsigned char)*p;
	if (h % 11 == 10)
		return -1; /* the field is empty or not a number */
	*v = vals[h % 11];
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char names[16][64];
	struct dp_msg m;
	double lhs = 0, rhs = 0;
	char *rule = malloc(len + 1);
	int ok, n, r;

	if (!rule)
		return 0;
	memcpy(rule, data, len);
	rule[len] = '\0';
	m.text[0] = '\0';
	ok = expr_check_rule(rule, &m) == 0;
	if (!ok && !m.text[0]) {
		fprintf(stderr, "fuzz_expr: refused without a message\n");
		abort();
	}
	n = expr_names(rule, names, 16);
	if (n < 0 || n > 16) {
		fprintf(stderr, "fuzz_expr: expr_names returned %d\n", n);
		abort();
	}
	for (int i = 0; i < n; i++) {
		const char *dot = memchr(names[i], '\0', sizeof names[i]) ? strchr(names[i], '.') : NULL;
		if (dot && (strchr(dot + 1, '.') || !(isalpha((unsigned char)dot[1]) || dot[1] == '_'))) {
			fprintf(stderr, "fuzz_expr: bad qualified name %d\n", i);
			abort();
		}
	}
	for (int i = 0; i < n; i++)
		if (!names[i][0] || !memchr(names[i], '\0', sizeof names[i]) ||
		    !(isalpha((unsigned char)names[i][0]) || names[i][0] == '_')) {
			fprintf(stderr, "fuzz_expr: bad name %d\n", i);
			abort();
		}
	r = expr_eval_rule(rule, lookup, NULL, &lhs, &rhs);
	if (r < -1 || r > 1 || (!ok && r != -1)) {
		fprintf(stderr, "fuzz_expr: eval returned %d for a rule the checker %s\n", r, ok ? "accepted" : "refused");
		abort();
	}
	free(rule);
	return 0;
}
