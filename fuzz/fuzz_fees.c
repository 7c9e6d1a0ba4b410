/* fuzz_fees.c: libFuzzer target for fees_parse() (lib/fees.c), the reader of
 * models/fees.conf.
 *
 * Input: the text of a fee schedule (fees_load refuses a NUL byte, so the
 * text ends at the first one). Checks: memory safety and no leak (fees_release whether
 * accepted or not); an accepted schedule has at most FEES_TIERS_MAX postage
 * tiers per procedure, tiers increasing, no negative amounts, digit ranges
 * within 1..64, and fees_find/fees_postage work on every rule. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/fees.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static void bad(const struct fee_rule *r, const char *what)
{
	fprintf(stderr, "fuzz_fees: accepted [%s] with %s\n", r->procedure, what);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct fee_schedule fs;
	struct dp_msg m;
	char *text = malloc(len + 1);
	enum dp_err e;

	if (!text)
		return 0;
	memcpy(text, data, len);
	text[len] = '\0';
	m.text[0] = '\0';
	e = fees_parse(&fs, "fuzz.conf", text, &m);
	if (e == DP_OK) {
		for (int i = 0; i < fs.n; i++) {
			const struct fee_rule *r = &fs.rules[i];
			if (r->ntiers < 0 || r->ntiers > FEES_TIERS_MAX)
				bad(r, "a bad tier count");
			for (int t = 0; t < r->ntiers; t++)
				if (r->tier_yen[t] < 0 || r->tier_from[t] < 1 || (t && r->tier_from[t] <= r->tier_from[t - 1]))
					bad(r, "a bad postage tier");
			if (r->cust_min < 0 || r->cust_max > 64 || r->cust_min > r->cust_max || r->conf_min < 0 ||
			    r->conf_max > 64 || r->conf_min > r->conf_max)
				bad(r, "a bad digit range");
			if (!fees_find(&fs, r->procedure) || fees_postage(r, 1000000) < 0)
				bad(r, "an unusable rule");
		}
	} else if (!m.text[0]) {
		fprintf(stderr, "fuzz_fees: error %d without a message\n", (int)e);
		abort();
	}
	fees_release(&fs);
	free(text);
	return 0;
}
