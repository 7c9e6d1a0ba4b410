/* pipeline.c: stage queues (a broker thread each), worker threads and the
 * coordinator sockets (see pipeline.h).
 *
 * Sockets: the coordinator binds, workers connect (stable parts bind).
 *   stage i:  PULL bound at in(i)  --broker-->  ROUTER bound at out(i)
 *   worker:   DEALER connects to out(i) and asks for one job at a time
 *             (broker.h); PUSH connects to in(next) or done
 * High-water marks are small so that a slow stage pushes back on its
 * producers and large page images do not pile up in queues. Threads are
 * named (top -H, /proc) after their stage: "ocr.0", "q:ocr", "coordinator".
 * Over tcp with [curve] secret_key, every bound socket is a CURVE server and
 * every connecting one a client, and a ZAP thread ("zap") admits the keys
 * (curve.h); without it, tcp binds only on loopback. */
#include "pipeline.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "../stages/stage.h"
#include "broker.h"
#include "curve.h"
#include "../lib/log.h"
#include "mq.h"
#include "../lib/util.h"

#define MAX_THREADS 256

struct worker {
	struct pipeline *owner;      /* NULL for worker_serve() */
	void *ctx;
	const struct conf *conf;
	const struct stage *stage;
	const struct curve_keys *keys;
	char base[300];
	int index;
	pthread_t thread;
	/* start-up handshake */
	pthread_mutex_t *mu;
	pthread_cond_t *cv;
	int *pending;
	enum dp_err *init_err;
	struct dp_msg *init_msg;
};

struct queue {
	const char *name; /* the stage's */
	void *in, *out;
	pthread_t thread;
	struct broker_count count; /* written by the broker thread */
};

struct pipeline {
	void *ctx;
	struct conf conf;
	char base[300];
	struct curve_keys keys;
	struct curve_zap *zap;          /* with CURVE: admits the workers' keys */
	struct queue queues[CONF_MAX_STAGES];
	int nqueues;
	struct worker *workers;
	int nworkers;
	void *submit[CONF_MAX_STAGES];  /* PUSH to each stage's in, created lazily */
	void *done;                     /* PULL bound at the done endpoint */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int pending;
	enum dp_err init_err;
	struct dp_msg init_msg;
};

static void *queue_main(void *arg)
{
	struct queue *s = arg;
	char name[16];
	snprintf(name, sizeof name, "q:%s", s->name);
	pthread_setname_np(pthread_self(), name);
	broker_run(s->in, s->out, &s->count); /* returns when the context terminates */
	mq_close(&s->in);
	mq_close(&s->out);
	return NULL;
}

static void *connect_push(void *ctx, const char *base, int stage, const struct curve_keys *keys, struct dp_msg *m)
{
	char ep[320];
	int hwm = 4;
	void *s = mq_socket(ctx, ZMQ_PUSH, m);

	if (!s)
		return NULL;
	mq_endpoint(ep, sizeof ep, base, stage, MQ_IN);
	zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
	if (curve_client(s, keys, m)) {
		mq_close(&s);
		return NULL;
	}
	if (zmq_connect(s, ep) < 0) {
		dp_fail(m, DP_ERR_MQ, "cannot connect to %s: %s", ep, zmq_strerror(errno));
		mq_close(&s);
		return NULL;
	}
	return s;
}

static void init_done(struct worker *w, enum dp_err e, const struct dp_msg *m)
{
	if (!w->mu)
		return;
	pthread_mutex_lock(w->mu);
	if (e && !*w->init_err) {
		*w->init_err = e;
		*w->init_msg = *m;
	}
	(*w->pending)--;
	pthread_cond_broadcast(w->cv);
	pthread_mutex_unlock(w->mu);
}

static int crash_hook(const struct worker *w)
{
	const char *s = getenv("DOCPIPE_DEBUG_CRASH_STAGE");
	static int fired;
	if (!s || strcmp(s, w->stage->name) || w->index != 0 || fired)
		return 0;
	fired = 1;
	return 1;
}

/* Where a worker sends jobs: one PUSH per destination stage, created on first use. */
struct sender {
	void *ctx;
	const char *base;
	const char *who;
	const struct curve_keys *keys;
	void *push[CONF_MAX_STAGES + 1];
};

/* Send j to route[hop] (or to done when the route is over); frees j.
 * Returns -1 when the context is terminating. */
static int sender_send(struct sender *sd, struct job **jp)
{
	struct job *j = *jp;
	struct dp_msg m;
	const char *next = job_next_stage(j);
	int dest = next ? stage_index(next) : -1;
	int n = stage_count();

	if (next && dest < 0) {
		log_error("job %s names unknown stage '%s'; sent to done", j->id, next);
		j->hop = j->nroute;
	}
	stage_drop_unread_frames(j);
	j->queued_us = now_us();
	int slot = dest < 0 ? n : dest;
	if (!sd->push[slot]) {
		sd->push[slot] = connect_push(sd->ctx, sd->base, dest, sd->keys, &m);
		if (!sd->push[slot]) {
			log_error("%s: %s", sd->who, m.text);
			job_free(jp);
			return 0;
		}
	}
	if (mq_send_job(sd->push[slot], jp, &m)) {
		if (errno == ETERM)
			return -1;
		log_error("%s: %s", sd->who, m.text);
	}
	return 0;
}

static void sender_close(struct sender *sd)
{
	for (int i = 0; i <= CONF_MAX_STAGES; i++)
		mq_close(&sd->push[i]);
}

static void emit_send(void *ctx, struct job *child)
{
	sender_send(ctx, &child);
}

void pipeline_run_stage(const struct stage *st, void *state, struct job *j, const char *wid)
{
	struct job_run *run;
	struct dp_msg m = { 0 };
	int64_t cpu0;
	enum dp_err e;

	run = job_add_run(j, st->name);
	str_copy(run->worker, sizeof run->worker, wid);
	run->queued_us = j->queued_us;
	run->started_us = now_us();
	engine_take_us();
	cpu0 = thread_cpu_us();
	e = st->ops->process(state, j, &m);
	run = &j->runs[j->nruns - 1]; /* process() may have grown the array */
	if (!run->finished_us)
		run->finished_us = now_us();
	run->cpu_us = thread_cpu_us() - cpu0;
	run->engine_us = engine_take_us();
	if (e) {
		str_copy(run->outcome, sizeof run->outcome, "rejected");
		if (!j->status[0] || strcmp(j->status, "rejected"))
			job_refuse(j, e, &m);
		char kv[1024] = "";
		log_kv(kv, sizeof kv, "stage", st->name);
		log_kv(kv, sizeof kv, "file", j->source);
		log_kv(kv, sizeof kv, "error", m.text);
		log_kv(kv, sizeof kv, "error_code", j->error_code);
		log_line(LOG_WARN, "stage failed", kv);
		if (strcmp(st->name, "load"))
			stage_skip_to(j, "load");
	} else {
		str_copy(run->outcome, sizeof run->outcome, "ok");
	}
	j->hop++;
}

/* CPU spent in worker init (model loading), and the engine part of it */
static _Atomic int64_t init_engine_us, init_cpu_us;

int64_t pipeline_init_engine_us(void)
{
	return init_engine_us;
}

int64_t pipeline_init_cpu_us(void)
{
	return init_cpu_us;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	void *state = NULL, *jobs = NULL;
	struct sender sd;
	struct dp_msg m = { 0 };
	char ep[320], wid[64], tname[16];
	int hwm = 1;
	int me = stage_index(w->stage->name);
	enum dp_err e;

	memset(&sd, 0, sizeof sd);
	sd.ctx = w->ctx;
	sd.base = w->base;
	sd.who = w->stage->name;
	sd.keys = w->keys;
	snprintf(wid, sizeof wid, "%s/%ld/%s.%d", host_name(), (long)getpid(), w->stage->name, w->index);
	snprintf(tname, sizeof tname, "%s.%d", w->stage->name, w->index);
	pthread_setname_np(pthread_self(), tname);
	engine_take_us();
	int64_t cpu0 = thread_cpu_us();
	e = w->stage->ops->init ? w->stage->ops->init(&state, w->conf, &m) : DP_OK;
	init_engine_us += engine_take_us();
	init_cpu_us += thread_cpu_us() - cpu0;
	if (e) {
		init_done(w, e, &m);
		return NULL;
	}
	jobs = mq_socket(w->ctx, ZMQ_DEALER, &m);
	if (!jobs) {
		init_done(w, DP_ERR_MQ, &m);
		goto out;
	}
	zmq_setsockopt(jobs, ZMQ_RCVHWM, &hwm, sizeof hwm);
	mq_endpoint(ep, sizeof ep, w->base, me, MQ_OUT);
	if (curve_client(jobs, w->keys, &m)) {
		init_done(w, DP_ERR_MQ, &m);
		goto out;
	}
	/* a remote worker says why the coordinator does not talk to it */
	if (!w->owner && w->index == 0 && zmq_socket_monitor(jobs, CURVE_MONITOR_ENDPOINT, CURVE_MONITOR_EVENTS) < 0)
		log_warn("worker: cannot watch the handshakes: %s", zmq_strerror(errno));
	if (zmq_connect(jobs, ep) < 0) {
		init_done(w, dp_fail(&m, DP_ERR_MQ, "cannot connect to %s: %s", ep, zmq_strerror(errno)), &m);
		goto out;
	}
	stage_set_emitter(emit_send, &sd);
	init_done(w, DP_OK, &m);

	for (;;) {
		struct job *j = NULL;

		/* one job at a time: ask the stage's broker for the next */
		if (zmq_send(jobs, BROKER_READY, strlen(BROKER_READY), 0) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
	again:
		e = mq_recv_job(jobs, &j, &m);
		if (e == DP_ERR_MQ) {
			if (errno == EINTR)
				goto again;
			break; /* ETERM: shutting down */
		}
		if (e) {
			log_warn("%s: dropped a malformed message: %s", w->stage->name, m.text);
			continue;
		}
		if (crash_hook(w)) {
			log_warn("debug hook: %s worker exits mid-job for %s", w->stage->name, j->source);
			job_free(&j);
			break;
		}
		pipeline_run_stage(w->stage, state, j, wid);
		if (sender_send(&sd, &j) < 0)
			break;
	}
out:
	stage_set_emitter(NULL, NULL);
	sender_close(&sd);
	mq_close(&jobs);
	if (w->stage->ops->fini)
		w->stage->ops->fini(state);
	return NULL;
}

static enum dp_err start_workers(struct worker *ws, int nw, struct dp_msg *m)
{
	for (int i = 0; i < nw; i++)
		if (pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]) != 0)
			return dp_fail(m, DP_ERR_INTERNAL, "cannot start a worker thread");
	return DP_OK;
}

static enum dp_err wait_init(pthread_mutex_t *mu, pthread_cond_t *cv, int *pending, enum dp_err *err,
			     struct dp_msg *im, struct dp_msg *m)
{
	pthread_mutex_lock(mu);
	while (*pending > 0)
		pthread_cond_wait(cv, mu);
	pthread_mutex_unlock(mu);
	if (*err) {
		*m = *im;
		return *err;
	}
	return DP_OK;
}

enum dp_err pipeline_start(struct pipeline **out, const struct conf *c, struct dp_msg *m)
{
	struct pipeline *p = xcalloc(1, sizeof *p);
	int n = stage_count();
	char ep[320];
	int hwm = 4;
	enum dp_err e = DP_OK;

	*out = NULL;
	p->conf = *c;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	mq_base(c, p->base, sizeof p->base);
	p->ctx = zmq_ctx_new();
	if (!p->ctx) {
		free(p);
		return dp_fail(m, DP_ERR_MQ, "zmq_ctx_new: %s", zmq_strerror(errno));
	}
	/* keys (or the refusal to bind beyond loopback without them), then the
	 * handler that checks them, before any server socket is bound */
	e = curve_coordinator_keys(c, &p->keys, m);
	if (!e && p->keys.on)
		e = curve_zap_start(&p->zap, p->ctx, c, &p->keys, m);
	if (e)
		goto fail;
	for (int i = 0; i < n; i++) {
		struct queue *s = &p->queues[i];
		s->name = stage_table[i].name;
		s->in = zmq_socket(p->ctx, ZMQ_PULL);
		s->out = zmq_socket(p->ctx, ZMQ_ROUTER);
		if (!s->in || !s->out) {
			e = dp_fail(m, DP_ERR_MQ, "zmq_socket: %s", zmq_strerror(errno));
			goto fail;
		}
		zmq_setsockopt(s->in, ZMQ_RCVHWM, &hwm, sizeof hwm);
		zmq_setsockopt(s->out, ZMQ_SNDHWM, &hwm, sizeof hwm);
		if ((e = curve_server(s->in, &p->keys, m)) || (e = curve_server(s->out, &p->keys, m)))
			goto fail;
		mq_endpoint(ep, sizeof ep, p->base, i, MQ_IN);
		if (zmq_bind(s->in, ep) < 0) {
			e = dp_fail(m, DP_ERR_MQ, "cannot bind %s: %s (is another docpipe running?)", ep,
				    zmq_strerror(errno));
			goto fail;
		}
		mq_endpoint(ep, sizeof ep, p->base, i, MQ_OUT);
		if (zmq_bind(s->out, ep) < 0) {
			e = dp_fail(m, DP_ERR_MQ, "cannot bind %s: %s (is another docpipe running?)", ep,
				    zmq_strerror(errno));
			goto fail;
		}
		if (pthread_create(&s->thread, NULL, queue_main, s) != 0) {
			e = dp_fail(m, DP_ERR_INTERNAL, "cannot start a broker thread");
			goto fail;
		}
		p->nqueues++;
	}
	p->done = zmq_socket(p->ctx, ZMQ_PULL);
	mq_endpoint(ep, sizeof ep, p->base, -1, MQ_IN);
	if (p->done && (e = curve_server(p->done, &p->keys, m)))
		goto fail;
	if (!p->done || zmq_bind(p->done, ep) < 0) {
		e = dp_fail(m, DP_ERR_MQ, "cannot bind %s: %s", ep, zmq_strerror(errno));
		goto fail;
	}
	for (int i = 0; i < n; i++) {
		int k = stage_workers(&stage_table[i], c);
		p->nworkers += k > 0 ? k : 0;
	}
	p->workers = xcalloc((size_t)p->nworkers + 1, sizeof *p->workers);
	for (int i = 0, w = 0; i < n; i++) {
		int k = stage_workers(&stage_table[i], c);
		for (int t = 0; t < k; t++, w++) {
			struct worker *wk = &p->workers[w];
			wk->owner = p;
			wk->ctx = p->ctx;
			wk->conf = &p->conf;
			wk->stage = &stage_table[i];
			wk->keys = &p->keys;
			snprintf(wk->base, sizeof wk->base, "%s", p->base);
			wk->index = t;
			wk->mu = &p->mu;
			wk->cv = &p->cv;
			wk->pending = &p->pending;
			wk->init_err = &p->init_err;
			wk->init_msg = &p->init_msg;
		}
	}
	p->pending = p->nworkers;
	e = start_workers(p->workers, p->nworkers, m);
	if (e)
		goto fail; /* workers not started cannot be joined: exit path aborts below */
	e = wait_init(&p->mu, &p->cv, &p->pending, &p->init_err, &p->init_msg, m);
	if (e)
		goto fail;
	*out = p;
	return DP_OK;
fail:
	pipeline_stop(&p);
	return e;
}

enum dp_err pipeline_submit(struct pipeline *p, struct job **j, struct dp_msg *m)
{
	const char *next = job_next_stage(*j);
	int dest = next ? stage_index(next) : -1;

	if (dest < 0 || dest >= CONF_MAX_STAGES) {
		job_free(j);
		return dp_fail(m, DP_ERR_INTERNAL, "job has no valid next stage");
	}
	if (!p->submit[dest]) {
		p->submit[dest] = connect_push(p->ctx, p->base, dest, &p->keys, m);
		if (!p->submit[dest]) {
			job_free(j);
			return DP_ERR_MQ;
		}
	}
	(*j)->queued_us = now_us();
	return mq_send_job(p->submit[dest], j, m);
}

enum dp_err pipeline_collect(struct pipeline *p, struct job **j, int timeout_ms, struct dp_msg *m)
{
	zmq_pollitem_t it = { p->done, 0, ZMQ_POLLIN, 0 };
	int r;

	*j = NULL;
	r = zmq_poll(&it, 1, timeout_ms);
	if (r < 0) {
		if (errno == EINTR)
			return DP_OK;
		return dp_fail(m, DP_ERR_MQ, "poll: %s", zmq_strerror(errno));
	}
	if (r == 0)
		return DP_OK;
	return mq_recv_job(p->done, j, m);
}

int pipeline_queue_counts(struct pipeline *p, const char **name, long *waiting, long *busy, int max)
{
	int n = 0;

	for (int i = 0; i < p->nqueues && n < max; i++, n++) {
		name[n] = p->queues[i].name;
		waiting[n] = atomic_load(&p->queues[i].count.waiting);
		busy[n] = atomic_load(&p->queues[i].count.busy);
	}
	return n;
}

void pipeline_stop(struct pipeline **pp)
{
	struct pipeline *p = *pp;

	if (!p)
		return;
	for (int i = 0; i < CONF_MAX_STAGES; i++)
		mq_close(&p->submit[i]);
	mq_close(&p->done);
	if (p->ctx)
		zmq_ctx_shutdown(p->ctx);
	for (int i = 0; i < p->nworkers; i++)
		if (p->workers[i].thread)
			pthread_join(p->workers[i].thread, NULL);
	for (int i = 0; i < p->nqueues; i++)
		pthread_join(p->queues[i].thread, NULL);
	for (int i = p->nqueues; i < CONF_MAX_STAGES; i++) {
		mq_close(&p->queues[i].in);
		mq_close(&p->queues[i].out);
	}
	curve_zap_stop(&p->zap); /* its socket closes on ETERM */
	if (p->ctx)
		zmq_ctx_term(p->ctx);
	free(p->workers);
	explicit_bzero(&p->keys, sizeof p->keys);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p);
	*pp = NULL;
}

enum dp_err worker_serve(const struct conf *c, const char *stage, const char *base, int threads,
			 volatile int *stop, struct dp_msg *m)
{
	const struct stage *st = stage_find(stage);
	struct worker *ws;
	pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
	int pending = threads;
	enum dp_err ierr = DP_OK, e;
	struct dp_msg im = { 0 };
	struct curve_keys keys;
	void *ctx;

	if (!st)
		return dp_fail(m, DP_ERR_USAGE, "unknown stage '%s'", stage);
	if (threads < 1 || threads > MAX_THREADS)
		return dp_fail(m, DP_ERR_USAGE, "--threads must be 1..%d", MAX_THREADS);
	if ((e = curve_worker_keys(c, &keys, m)))
		return e;
	ctx = zmq_ctx_new();
	if (!ctx)
		return dp_fail(m, DP_ERR_MQ, "zmq_ctx_new: %s", zmq_strerror(errno));
	/* connected before the first thread binds it (inproc allows either order) */
	void *mon = zmq_socket(ctx, ZMQ_PAIR);
	if (!mon || zmq_connect(mon, CURVE_MONITOR_ENDPOINT) < 0)
		log_warn("worker: cannot watch the handshakes: %s", zmq_strerror(errno));
	ws = xcalloc((size_t)threads, sizeof *ws);
	for (int i = 0; i < threads; i++) {
		ws[i].ctx = ctx;
		ws[i].conf = c;
		ws[i].stage = st;
		ws[i].keys = &keys;
		snprintf(ws[i].base, sizeof ws[i].base, "%s", base);
		ws[i].index = i;
		ws[i].mu = &mu;
		ws[i].cv = &cv;
		ws[i].pending = &pending;
		ws[i].init_err = &ierr;
		ws[i].init_msg = &im;
	}
	e = start_workers(ws, threads, m);
	if (!e)
		e = wait_init(&mu, &cv, &pending, &ierr, &im, m);
	if (!e) {
		log_info("worker: %d %s thread(s) connected to %s%s", threads, stage, base,
			 keys.on ? " with CURVE" : " (plain tcp: no [curve] keys)");
		while (!*stop && !e) {
			if (mon)
				e = curve_monitor_read(mon, 100, &keys, m);
			else
				usleep(100000);
		}
		if (!e)
			log_info("worker: stopping");
	}
	mq_close(&mon);
	zmq_ctx_shutdown(ctx);
	for (int i = 0; i < threads; i++)
		if (ws[i].thread)
			pthread_join(ws[i].thread, NULL);
	zmq_ctx_term(ctx);
	free(ws);
	explicit_bzero(&keys, sizeof keys);
	return e;
}
