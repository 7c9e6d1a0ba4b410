/* review.h: the review station's HTTP server (`docpipe review`,
 * docs/REVIEW.md "Contract"): pages, the JSON API under /api/, clerks'
 * sessions, each with its own PostgreSQL connection under the clerk's login.
 * src/cmd_review.c starts it and stops it on SIGINT/SIGTERM. */
#ifndef DP_REVIEW_H
#define DP_REVIEW_H

#include "../lib/conf.h"
#include "../lib/err.h"

struct review_server;

/* Check [review] (a non-loopback bind needs tls_cert and tls_key), load the
 * form templates, start the validate and enrich stages once, and listen on
 * [review] bind:port. The server keeps its own copy of c. On an error *s
 * stays NULL and m says why (DP_ERR_CONFIG: the configuration is wrong). */
enum dp_err review_start(struct review_server **s, const struct conf *c, struct dp_msg *m);

/* Housekeeping from the main thread, about once a second: closes the
 * sessions idle longer than [review] session_minutes and their connections. */
void review_tick(struct review_server *s);

/* Stop listening, wait for requests in progress, close every session. */
void review_stop(struct review_server **s);

#endif
