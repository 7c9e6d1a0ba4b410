/* grants.h: subsidy programmes (models/grants.conf, documented in its header
 * and in docs/FORMS.md): per programme its name, the procedure code of its
 * application form, the subsidy rate, the maximum amount, the application
 * window and the fields an application must carry.
 *
 * grants_load() reads the file once per worker; a mistake is reported as
 * "FILE:LINE: problem". A missing file is an empty set (no grant checks).
 * The rate is kept as an exact fraction so that the amount rule
 * (申請額 <= 補助対象経費 x rate) is decided in integers, never in floating point. */
#ifndef DP_GRANTS_H
#define DP_GRANTS_H

#include "err.h"

#define GRANT_ID_MAX 32
#define GRANT_REQUIRED_MAX 16
#define GRANT_YEN_MAX 100000000000000LL    /* 10^14 yen: far above any budget */
#define GRANT_DEN_MAX 10000                 /* rate denominators (and 4 decimals) */

struct grant_program {
	char id[GRANT_ID_MAX];              /* the section name: IT2024 */
	char name[256];
	char procedure[32];                 /* "" : any form with a `program` field */
	long long rate_num, rate_den;       /* 2/3; 0.5 is kept as 5/10 */
	char rate_text[32];                 /* as written, for messages */
	long long max_yen;                  /* -1: no maximum */
	char from[11], to[11];              /* YYYY-MM-DD, inclusive; "" when no window */
	char required[GRANT_REQUIRED_MAX][64];
	int nrequired;
	int line;                           /* where its section starts */
};

struct grant_set {
	struct grant_program *progs;
	int n;
};

enum dp_err grants_load(struct grant_set *gs, const char *path, struct dp_msg *m);
enum dp_err grants_parse(struct grant_set *gs, const char *name, const char *text, struct dp_msg *m);
void grants_release(struct grant_set *gs);
/* The programme whose id equals id, ignoring ASCII case; NULL if none. */
const struct grant_program *grants_find(const struct grant_set *gs, const char *id);
/* How many programmes name this procedure; *only receives the one when exactly one does. */
int grants_for_procedure(const struct grant_set *gs, const char *procedure, const struct grant_program **only);
/* 1 when amount <= eligible x rate (exact), 0 when over; amounts outside
 * 0..GRANT_YEN_MAX give -1. */
int grants_within_rate(const struct grant_program *g, long long eligible, long long amount);
/* The largest whole-yen amount the rate allows for this eligible cost. */
long long grants_rate_cap(const struct grant_program *g, long long eligible);

#endif
