/* expr.h: the cross-field rules of form templates ([check] rule = ...).
 *
 * A rule compares two integer expressions: "total = fee + postage",
 * "amount <= eligible_cost * 2 / 3". Expressions use field names, whole
 * numbers, + - * / and parentheses; comparisons are = <= >= < > and !=.
 * Division is exact-rational: a*2/3 is compared without rounding, unless a
 * rule rounds with floor(X, N), ceil(X, N) or round(X, N) (to a multiple of
 * N). A name may be FORM_ID.FIELD, a field of another page of the document:
 * the lookup receives it as written. */
#ifndef DP_EXPR_H
#define DP_EXPR_H

#include "err.h"

/* Returns the value of field `name` in *v; 0 when known, -1 when it cannot be
 * had (the rule is then not applied). The caller decides what an empty field
 * is: validate.c counts an empty amount as 0 (no postage written). */
typedef int (*expr_lookup_fn)(const char *name, long long *v, void *user);

/* Syntax check only (used when a template is read). */
int expr_check_rule(const char *rule, struct dp_msg *m);
/* Field names a rule uses (up to max); returns the count. */
int expr_names(const char *rule, char names[][64], int max);
/* 1 holds, 0 violated, -1 could not be evaluated (a field empty or not a
 * number); *lhs and *rhs receive both sides (rounded) for messages. */
int expr_eval_rule(const char *rule, expr_lookup_fn lookup, void *user, double *lhs, double *rhs);

#endif
