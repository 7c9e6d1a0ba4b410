/* fees.h: the fee schedule (models/fees.conf): per procedure the unit fee,
 * the postage rule (a flat amount, tiers by copies, or a list of allowed
 * amounts) and the lengths of the Pay-easy numbers. */
#ifndef DP_FEES_H
#define DP_FEES_H

#include "err.h"

#define FEES_TIERS_MAX 8

struct fee_rule {
	char procedure[32];
	char name[256];
	long long unit_fee;              /* -1: not set */
	int ntiers;                      /* postage tiers: from copies -> yen */
	int tier_from[FEES_TIERS_MAX];
	long long tier_yen[FEES_TIERS_MAX];
	int nallowed;                    /* postage = 84, 94, 140: any one of these amounts */
	long long allowed_yen[FEES_TIERS_MAX];
	char mail_option[64];
	char payeasy_option[64];
	int cust_min, cust_max;          /* 0: not configured */
	int conf_min, conf_max;
};

struct fee_schedule {
	struct fee_rule *rules;
	int n;
};

/* A missing file is an empty schedule; a wrong line is "FILE:LINE: problem". */
enum dp_err fees_load(struct fee_schedule *fs, const char *path, struct dp_msg *m);
enum dp_err fees_parse(struct fee_schedule *fs, const char *name, const char *text, struct dp_msg *m);
void fees_release(struct fee_schedule *fs);
const struct fee_rule *fees_find(const struct fee_schedule *fs, const char *procedure);
/* Postage for a number of copies (0 if no tier applies). */
long long fees_postage(const struct fee_rule *r, long long copies);
/* Is yen one of the amounts of a postage list (postage = 84, 94, 140)? */
int fees_postage_allowed(const struct fee_rule *r, long long yen);

#endif
