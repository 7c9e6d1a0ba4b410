/* metrics.h: `docpipe watch`'s Prometheus endpoint and health checks, on
 * [metrics] listen = HOST:PORT (empty: off), served by libmicrohttpd in its
 * own thread:
 *   GET /metrics       text exposition format 0.0.4 (docs/OPERATIONS.md)
 *   GET /health/live   200 "ok" while the process answers
 *   GET /health/ready  200 "ready" while inputs are taken, 503 "starting" or
 *                      "draining" otherwise
 * The watch loop hands it a copy of its figures with metrics_update(); the
 * server never touches the coordinator. */
#ifndef DP_METRICS_H
#define DP_METRICS_H

#include "../lib/conf.h"
#include "coord.h"
#include "tally.h"

struct metrics;

/* Listen when c->metrics_listen is set (*mx NULL when it is not). */
enum dp_err metrics_start(struct metrics **mx, const struct conf *c, struct dp_msg *m);

/* The figures as they are now; NULL mx: nothing. */
void metrics_update(struct metrics *mx, const struct coord_stats *st, const struct tally *t, long in_flight,
		    long max_in_flight, long ledger_backlog);

/* 0 starting, 1 ready, 2 draining */
void metrics_set_state(struct metrics *mx, int state);

void metrics_stop(struct metrics **mx);

#endif
