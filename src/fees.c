/* fees.c: reading models/fees.conf (see fees.h). */
#include "fees.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

static int parse_range(const char *v, int *lo, int *hi)
{
	char extra;
	if (sscanf(v, "%d-%d %c", lo, hi, &extra) == 2 && *lo > 0 && *hi >= *lo && *hi <= 64)
		return 0;
	if (sscanf(v, "%d %c", lo, &extra) == 1 && *lo > 0 && *lo <= 64) {
		*hi = *lo;
		return 0;
	}
	return -1;
}

enum dp_err fees_parse(struct fee_schedule *fs, const char *name, const char *text, struct dp_msg *m)
{
	struct fee_rule *r = NULL;
	int lineno = 0;
	const char *p = text;

	memset(fs, 0, sizeof *fs);
	while (*p) {
		char line[1024];
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		lineno++;
		if (len >= sizeof line)
			return dp_fail(m, DP_ERR_CONFIG, "%s:%d: line too long", name, lineno);
		memcpy(line, p, len);
		line[len] = '\0';
		p = nl ? nl + 1 : p + len;
		char *s = str_trim(line);
		if (!*s || *s == '#')
			continue;
		if (*s == '[') {
			char *close = strchr(s, ']');
			if (!close || close[1] || close == s + 1)
				return dp_fail(m, DP_ERR_CONFIG, "%s:%d: a section is [PROCEDURE-CODE]", name, lineno);
			*close = '\0';
			fs->rules = xrealloc(fs->rules, (size_t)(fs->n + 1) * sizeof *fs->rules);
			r = &fs->rules[fs->n++];
			memset(r, 0, sizeof *r);
			str_copy(r->procedure, sizeof r->procedure, s + 1);
			r->unit_fee = -1;
			str_copy(r->mail_option, sizeof r->mail_option, "郵送");
			str_copy(r->payeasy_option, sizeof r->payeasy_option, "Pay-easy");
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq)
			return dp_fail(m, DP_ERR_CONFIG, "%s:%d: expected 'key = value'", name, lineno);
		*eq = '\0';
		char *key = str_trim(s), *val = str_trim(eq + 1);
		if (!r)
			return dp_fail(m, DP_ERR_CONFIG, "%s:%d: '%s' comes before any [PROCEDURE] section", name, lineno, key);
		if (!*val)
			return dp_fail(m, DP_ERR_CONFIG, "%s:%d: '%s' has no value", name, lineno, key);
		if (!strcmp(key, "name")) {
			str_copy(r->name, sizeof r->name, val);
		} else if (!strcmp(key, "unit_fee")) {
			char *end;
			errno = 0;
			r->unit_fee = strtoll(val, &end, 10);
			if (errno || *end || r->unit_fee < 0)
				return dp_fail(m, DP_ERR_CONFIG, "%s:%d: unit_fee must be yen as a whole number, not '%s'", name,
					       lineno, val);
		} else if (!strcmp(key, "postage")) {
			char *tok, *save = NULL;
			r->ntiers = 0;
			if (!strchr(val, ':')) {
				char *end;
				r->tier_from[0] = 1;
				r->tier_yen[0] = strtoll(val, &end, 10);
				if (*end || r->tier_yen[0] < 0)
					return dp_fail(m, DP_ERR_CONFIG, "%s:%d: postage must be yen or tiers 'FROM:YEN ...'", name, lineno);
				r->ntiers = 1;
				continue;
			}
			for (tok = strtok_r(val, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
				int from;
				long long yen;
				char extra;
				if (r->ntiers >= FEES_TIERS_MAX || sscanf(tok, "%d:%lld%c", &from, &yen, &extra) != 2 || from < 1 ||
				    yen < 0 || (r->ntiers && from <= r->tier_from[r->ntiers - 1]))
					return dp_fail(m, DP_ERR_CONFIG,
						       "%s:%d: postage tiers are 'FROM:YEN' with FROM increasing, e.g. '1:84 5:140', not '%s'",
						       name, lineno, tok);
				r->tier_from[r->ntiers] = from;
				r->tier_yen[r->ntiers++] = yen;
			}
		} else if (!strcmp(key, "mail_option")) {
			str_copy(r->mail_option, sizeof r->mail_option, val);
		} else if (!strcmp(key, "payeasy_option")) {
			str_copy(r->payeasy_option, sizeof r->payeasy_option, val);
		} else if (!strcmp(key, "payeasy_customer_digits")) {
			if (parse_range(val, &r->cust_min, &r->cust_max))
				return dp_fail(m, DP_ERR_CONFIG, "%s:%d: payeasy_customer_digits is N or MIN-MAX, not '%s'", name,
					       lineno, val);
		} else if (!strcmp(key, "payeasy_confirm_digits")) {
			if (parse_range(val, &r->conf_min, &r->conf_max))
				return dp_fail(m, DP_ERR_CONFIG, "%s:%d: payeasy_confirm_digits is N or MIN-MAX, not '%s'", name,
					       lineno, val);
		} else {
			return dp_fail(m, DP_ERR_CONFIG,
				       "%s:%d: unknown key '%s' (name, unit_fee, postage, mail_option, payeasy_option, "
				       "payeasy_customer_digits, payeasy_confirm_digits)",
				       name, lineno, key);
		}
	}
	return DP_OK;
}

enum dp_err fees_load(struct fee_schedule *fs, const char *path, struct dp_msg *m)
{
	char *text = NULL;
	size_t len;
	enum dp_err e;

	memset(fs, 0, sizeof *fs);
	if (!path[0] || access(path, F_OK) != 0)
		return DP_OK;
	e = file_read(path, &text, &len, 1 << 20, m);
	if (e)
		return e;
	e = fees_parse(fs, path, text, m);
	free(text);
	if (e)
		fees_release(fs);
	return e;
}

void fees_release(struct fee_schedule *fs)
{
	free(fs->rules);
	fs->rules = NULL;
	fs->n = 0;
}

const struct fee_rule *fees_find(const struct fee_schedule *fs, const char *procedure)
{
	for (int i = 0; i < fs->n; i++)
		if (!strcmp(fs->rules[i].procedure, procedure))
			return &fs->rules[i];
	return NULL;
}

long long fees_postage(const struct fee_rule *r, long long copies)
{
	long long yen = 0;
	for (int i = 0; i < r->ntiers; i++)
		if (copies >= r->tier_from[i])
			yen = r->tier_yen[i];
	return yen;
}
