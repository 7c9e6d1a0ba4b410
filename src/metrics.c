/* metrics.c: Prometheus text and health checks for `docpipe watch` (see
 * metrics.h). One mutex guards the copy of the figures; each request formats
 * them into a fresh buffer that libmicrohttpd frees. */
#include "metrics.h"

#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cli.h"
#include "../lib/db.h"
#include "../lib/log.h"
#include "../lib/util.h"

struct metrics {
	struct MHD_Daemon *d;
	pthread_mutex_t lock;
	struct coord_stats st;
	struct tally t;
	long in_flight, max_in_flight, backlog;
	int state; /* 0 starting, 1 ready, 2 draining */
};

static const char *const metrics_states[] = { "starting", "ready", "draining" };

static void metrics_text(struct metrics *mx, struct buf *b)
{
	buf_printf(b, "# HELP docpipe_build_info The version of docpipe.\n# TYPE docpipe_build_info gauge\n"
		      "docpipe_build_info{version=\"%s\"} 1\n", cli_version);
	buf_printf(b, "# HELP docpipe_ready 1 while docpipe watch takes inputs.\n# TYPE docpipe_ready gauge\n"
		      "docpipe_ready %d\n", mx->state == 1);
	buf_addstr(b, "# HELP docpipe_documents_total Inputs settled since start, by the status stored.\n"
		      "# TYPE docpipe_documents_total counter\n");
	for (int i = 0; i < TALLY_N; i++)
		buf_printf(b, "docpipe_documents_total{status=\"%s\"} %ld\n", tally_names[i], mx->t.n[i]);
	buf_printf(b, "docpipe_documents_total{status=\"other\"} %ld\n", mx->t.other);
	buf_printf(b, "# HELP docpipe_pages_total Pages of the documents settled.\n# TYPE docpipe_pages_total counter\n"
		      "docpipe_pages_total %ld\n", mx->st.pages);
	buf_printf(b, "# HELP docpipe_fields_total Form fields read, and those flagged for review.\n"
		      "# TYPE docpipe_fields_total counter\n"
		      "docpipe_fields_total{flagged=\"no\"} %ld\ndocpipe_fields_total{flagged=\"yes\"} %ld\n",
		   mx->t.fields - mx->t.flagged, mx->t.flagged);
	buf_printf(b, "# HELP docpipe_redispatched_total Jobs dispatched again after job_timeout.\n"
		      "# TYPE docpipe_redispatched_total counter\ndocpipe_redispatched_total %ld\n", mx->st.redispatched);
	buf_printf(b, "# HELP docpipe_resumed_total Inputs resumed from a coordinator that stopped.\n"
		      "# TYPE docpipe_resumed_total counter\ndocpipe_resumed_total %ld\n", mx->st.resumed);
	buf_printf(b, "# HELP docpipe_in_flight Documents between submission and load.\n# TYPE docpipe_in_flight gauge\n"
		      "docpipe_in_flight %ld\n", mx->in_flight);
	buf_printf(b, "# HELP docpipe_ledger_backlog Inputs taken but not settled (ledger rows queued or dispatched; "
		      "read every 5 s, -1 not yet read).\n# TYPE docpipe_ledger_backlog gauge\ndocpipe_ledger_backlog %ld\n",
		   mx->backlog);
	buf_printf(b, "# HELP docpipe_db_retries_total Database connections retried after a failure.\n"
		      "# TYPE docpipe_db_retries_total counter\ndocpipe_db_retries_total %ld\n", db_retries());
	buf_printf(b, "# HELP docpipe_max_in_flight [pipeline] max_in_flight.\n# TYPE docpipe_max_in_flight gauge\n"
		      "docpipe_max_in_flight %ld\n", mx->max_in_flight);
	buf_addstr(b, "# HELP docpipe_stage_seconds Wall time of stage runs, per stage.\n"
		      "# TYPE docpipe_stage_seconds histogram\n");
	for (int i = 0; i < mx->st.nstages; i++) {
		const struct coord_stage_stats *s = &mx->st.stages[i];
		for (int k = 0; k < COORD_LE_N; k++)
			buf_printf(b, "docpipe_stage_seconds_bucket{stage=\"%s\",le=\"%g\"} %ld\n", s->name, coord_le[k],
				   s->le[k]);
		buf_printf(b, "docpipe_stage_seconds_bucket{stage=\"%s\",le=\"+Inf\"} %ld\n"
			      "docpipe_stage_seconds_sum{stage=\"%s\"} %.6f\ndocpipe_stage_seconds_count{stage=\"%s\"} %ld\n",
			   s->name, s->n, s->name, s->wall_ms / 1000.0, s->name, s->n);
	}
	buf_addstr(b, "# HELP docpipe_stage_queue_depth Jobs waiting for a free worker of the stage now.\n"
		      "# TYPE docpipe_stage_queue_depth gauge\n");
	for (int i = 0; i < mx->st.nqueues; i++)
		buf_printf(b, "docpipe_stage_queue_depth{stage=\"%s\"} %ld\n", mx->st.queues[i].name,
			   mx->st.queues[i].waiting);
	buf_addstr(b, "# HELP docpipe_stage_busy Jobs in the stage's workers now.\n# TYPE docpipe_stage_busy gauge\n");
	for (int i = 0; i < mx->st.nqueues; i++)
		buf_printf(b, "docpipe_stage_busy{stage=\"%s\"} %ld\n", mx->st.queues[i].name, mx->st.queues[i].busy);
	buf_addstr(b, "# HELP docpipe_stage_queue_seconds Time jobs waited for a free worker, per stage.\n"
		      "# TYPE docpipe_stage_queue_seconds counter\n");
	for (int i = 0; i < mx->st.nstages; i++)
		buf_printf(b, "docpipe_stage_queue_seconds{stage=\"%s\"} %.6f\n", mx->st.stages[i].name,
			   mx->st.stages[i].queue_ms / 1000.0);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
			     const char *version, const char *data, size_t *size, void **ctx)
{
	struct metrics *mx = cls;
	struct buf b;
	unsigned status = MHD_HTTP_OK;
	const char *type = "text/plain; charset=utf-8";

	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return MHD_NO;
	buf_init(&b, 1 << 20);
	pthread_mutex_lock(&mx->lock);
	if (!strcmp(url, "/metrics")) {
		metrics_text(mx, &b);
		type = "text/plain; version=0.0.4; charset=utf-8";
	} else if (!strcmp(url, "/health/live")) {
		buf_addstr(&b, "ok\n");
	} else if (!strcmp(url, "/health/ready")) {
		buf_printf(&b, "%s\n", metrics_states[mx->state]);
		status = mx->state == 1 ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE;
	} else {
		buf_addstr(&b, "not found: /metrics, /health/live, /health/ready\n");
		status = MHD_HTTP_NOT_FOUND;
	}
	pthread_mutex_unlock(&mx->lock);
	size_t n = 0;
	char *body = buf_detach(&b, &n);
	struct MHD_Response *r = body ? MHD_create_response_from_buffer(n, body, MHD_RESPMEM_MUST_FREE) : NULL;
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	enum MHD_Result ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum dp_err metrics_start(struct metrics **out, const struct conf *c, struct dp_msg *m)
{
	char host[CONF_STR_MAX];
	const char *colon = strrchr(c->metrics_listen, ':');
	struct addrinfo hints, *ai = NULL;
	struct metrics *mx;
	int rc;

	*out = NULL;
	if (!c->metrics_listen[0])
		return DP_OK;
	if (!colon || colon == c->metrics_listen || !colon[1])
		return dp_fail(m, DP_ERR_CONFIG, "[metrics] listen = %s: give HOST:PORT (127.0.0.1:9470)", c->metrics_listen);
	snprintf(host, sizeof host, "%.*s", (int)(colon - c->metrics_listen), c->metrics_listen);
	if (host[0] == '[' && host[strlen(host) - 1] == ']') { /* [::1]:9470 */
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = 0;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, colon + 1, &hints, &ai)) != 0)
		return dp_fail(m, DP_ERR_CONFIG, "[metrics] listen = %s: %s", c->metrics_listen, gai_strerror(rc));
	mx = xcalloc(1, sizeof *mx);
	pthread_mutex_init(&mx->lock, NULL);
	errno = 0;
	mx->d = MHD_start_daemon(MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD | (ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				 0, NULL, NULL, on_request, mx, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
				 MHD_OPTION_CONNECTION_LIMIT, 16, MHD_OPTION_CONNECTION_TIMEOUT, 10, MHD_OPTION_END);
	freeaddrinfo(ai);
	if (!mx->d) {
		enum dp_err e = dp_fail(m, DP_ERR_IO, "[metrics] cannot listen on %s (%s)", c->metrics_listen,
					errno ? strerror(errno) : "libmicrohttpd refused");
		metrics_stop(&mx);
		return e;
	}
	log_info("metrics: http://%s/metrics, /health/live, /health/ready", c->metrics_listen);
	*out = mx;
	return DP_OK;
}

void metrics_update(struct metrics *mx, const struct coord_stats *st, const struct tally *t, long in_flight,
		    long max_in_flight, long ledger_backlog)
{
	if (!mx)
		return;
	pthread_mutex_lock(&mx->lock);
	mx->st = *st;
	mx->t = *t;
	mx->in_flight = in_flight;
	mx->max_in_flight = max_in_flight;
	mx->backlog = ledger_backlog;
	pthread_mutex_unlock(&mx->lock);
}

void metrics_set_state(struct metrics *mx, int state)
{
	if (!mx)
		return;
	pthread_mutex_lock(&mx->lock);
	mx->state = state;
	pthread_mutex_unlock(&mx->lock);
}

void metrics_stop(struct metrics **pm)
{
	struct metrics *mx = *pm;

	if (!mx)
		return;
	if (mx->d)
		MHD_stop_daemon(mx->d);
	pthread_mutex_destroy(&mx->lock);
	free(mx);
	*pm = NULL;
}
