/* fees.c: the keys of models/fees.conf and their checks (see fees.h); ini.c reads the lines. */
#include "fees.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ini.h"
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
	struct ini in;

	memset(fs, 0, sizeof *fs);
	ini_start(&in, name, text);
	while (ini_next(&in, m)) {
		const char *key = in.key;
		char *val = in.value;

		if (!key) {
			fs->rules = xrealloc(fs->rules, (size_t)(fs->n + 1) * sizeof *fs->rules);
			r = &fs->rules[fs->n++];
			memset(r, 0, sizeof *r);
			str_copy(r->procedure, sizeof r->procedure, in.section);
			r->unit_fee = -1;
			str_copy(r->mail_option, sizeof r->mail_option, "郵送");
			str_copy(r->payeasy_option, sizeof r->payeasy_option, "Pay-easy");
			continue;
		}
		if (!*val)
			return ini_fail(&in, m, "'%s' has no value", key);
		if (!strcmp(key, "name")) {
			str_copy(r->name, sizeof r->name, val);
		} else if (!strcmp(key, "unit_fee")) {
			char *end;
			errno = 0;
			r->unit_fee = strtoll(val, &end, 10);
			if (errno || *end || r->unit_fee < 0)
				return ini_fail(&in, m, "unit_fee must be yen as a whole number, not '%s'", val);
		} else if (!strcmp(key, "postage")) {
			char *tok, *save = NULL;
			r->ntiers = 0;
			r->nallowed = 0;
			if (strchr(val, ',')) {
				/* a list of allowed amounts: 84, 94, 140 */
				for (tok = strtok_r(val, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
					char *t = str_trim(tok), *end;
					long long yen;
					errno = 0;
					yen = strtoll(t, &end, 10);
					if (r->nallowed >= FEES_TIERS_MAX || !*t || *end || errno || yen < 0 || !(*t >= '0' && *t <= '9'))
						return ini_fail(&in, m,
								"postage list is 'YEN, YEN, ...' (at most %d amounts), not '%s'",
								FEES_TIERS_MAX, t);
					r->allowed_yen[r->nallowed++] = yen;
				}
				if (r->nallowed < 1)
					return ini_fail(&in, m, "postage list is 'YEN, YEN, ...' (at most %d amounts), not '%s'",
							FEES_TIERS_MAX, "");
				continue;
			}
			if (!strchr(val, ':')) {
				char *end;
				r->tier_from[0] = 1;
				r->tier_yen[0] = strtoll(val, &end, 10);
				if (*end || r->tier_yen[0] < 0)
					return ini_fail(&in, m, "postage must be yen or tiers 'FROM:YEN ...'");
				r->ntiers = 1;
				continue;
			}
			for (tok = strtok_r(val, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
				int from;
				long long yen;
				char extra;
				if (r->ntiers >= FEES_TIERS_MAX || sscanf(tok, "%d:%lld%c", &from, &yen, &extra) != 2 || from < 1 ||
				    yen < 0 || (r->ntiers && from <= r->tier_from[r->ntiers - 1]))
					return ini_fail(&in, m,
							"postage tiers are 'FROM:YEN' with FROM increasing, e.g. '1:84 5:140', not '%s'", tok);
				r->tier_from[r->ntiers] = from;
				r->tier_yen[r->ntiers++] = yen;
			}
		} else if (!strcmp(key, "mail_option")) {
			str_copy(r->mail_option, sizeof r->mail_option, val);
		} else if (!strcmp(key, "payeasy_option")) {
			str_copy(r->payeasy_option, sizeof r->payeasy_option, val);
		} else if (!strcmp(key, "payeasy_customer_digits")) {
			if (parse_range(val, &r->cust_min, &r->cust_max))
				return ini_fail(&in, m, "payeasy_customer_digits is N or MIN-MAX, not '%s'", val);
		} else if (!strcmp(key, "payeasy_confirm_digits")) {
			if (parse_range(val, &r->conf_min, &r->conf_max))
				return ini_fail(&in, m, "payeasy_confirm_digits is N or MIN-MAX, not '%s'", val);
		} else {
			return ini_fail(&in, m,
					"unknown key '%s' (name, unit_fee, postage, mail_option, payeasy_option, "
					"payeasy_customer_digits, payeasy_confirm_digits)",
					key);
		}
	}
	return in.err;
}

enum dp_err fees_load(struct fee_schedule *fs, const char *path, struct dp_msg *m)
{
	char *text = NULL;
	enum dp_err e;

	memset(fs, 0, sizeof *fs);
	if (!path[0] || access(path, F_OK) != 0)
		return DP_OK;
	if ((e = ini_read(path, 1 << 20, &text, m)))
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

int fees_postage_allowed(const struct fee_rule *r, long long yen)
{
	for (int i = 0; i < r->nallowed; i++)
		if (r->allowed_yen[i] == yen)
			return 1;
	return 0;
}

long long fees_postage(const struct fee_rule *r, long long copies)
{
	long long yen = 0;
	for (int i = 0; i < r->ntiers; i++)
		if (copies >= r->tier_from[i])
			yen = r->tier_yen[i];
	return yen;
}
