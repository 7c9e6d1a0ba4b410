/* broker.c: one stage's queue, handing each job to a worker that asked for one.
 *
 * in (PULL, bound at the stage's "in" endpoint) receives jobs from upstream;
 * out (ROUTER, bound at "out") talks to the stage's workers, which connect
 * with DEALER and send BROKER_READY whenever they are free. A job goes only
 * to a worker that said it is free, so each worker holds at most one job:
 * no page waits in one busy worker's queue while another worker idles, and
 * nothing spins. (zmq_proxy with PUSH did both: PUSH queues jobs in every
 * worker's pipe, and the proxy polls in a loop while the pipes are full.)
 *
 * The broker reads ahead: jobs that arrived are held in order (at most
 * BROKER_AHEAD), so the jobs waiting for this stage are counted here
 * (broker_count, the metrics' queue depth) rather than lost from view in
 * ZeroMQ's pipes. Backpressure: with BROKER_AHEAD jobs held the broker stops
 * reading "in", so upstream sends block at its high-water mark; the
 * coordinator's max_in_flight bounds the whole pipeline before that.
 * A worker that went away between READY and the job (a remote process
 * killed) is skipped: ROUTER_MANDATORY reports it and the next free worker
 * gets the job. A job lost inside a dying worker is sent again by the
 * coordinator after [pipeline] job_timeout (coord.c). */
#include "broker.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "../lib/util.h"

struct peer {
	unsigned char id[256];
	size_t len;
};

struct held {
	zmq_msg_t *parts;
	size_t n, cap;
};

enum { BROKER_AHEAD = 64 };

/* The jobs read from "in" and not yet sent, oldest first (a ring). */
struct fifo {
	struct held jobs[BROKER_AHEAD];
	size_t head, n;
};

static void held_clear(struct held *h)
{
	for (size_t i = 0; i < h->n; i++)
		zmq_msg_close(&h->parts[i]);
	h->n = 0;
}

/* Read one whole message (all parts) from sock into h. -1 on error. */
static int held_recv(struct held *h, void *sock)
{
	int more = 1;

	while (more) {
		if (h->n == h->cap) {
			h->cap = h->cap ? 2 * h->cap : 8;
			h->parts = xrealloc(h->parts, h->cap * sizeof *h->parts);
		}
		zmq_msg_t *p = &h->parts[h->n];
		zmq_msg_init(p);
		if (zmq_msg_recv(p, sock, 0) < 0) {
			zmq_msg_close(p);
			held_clear(h);
			return -1;
		}
		h->n++;
		more = zmq_msg_more(p);
	}
	return 0;
}

/* A worker's message: [identity][BROKER_READY]. Returns 1 and fills pr for a
 * READY, 0 for anything else (drained), -1 on error. */
static int recv_ready(void *out, struct peer *pr)
{
	zmq_msg_t id, body;
	int more, ok;

	zmq_msg_init(&id);
	if (zmq_msg_recv(&id, out, 0) < 0) {
		zmq_msg_close(&id);
		return -1;
	}
	pr->len = zmq_msg_size(&id) < sizeof pr->id ? zmq_msg_size(&id) : sizeof pr->id;
	memcpy(pr->id, zmq_msg_data(&id), pr->len);
	more = zmq_msg_more(&id);
	zmq_msg_close(&id);
	ok = 0;
	while (more) {
		zmq_msg_init(&body);
		if (zmq_msg_recv(&body, out, 0) < 0) {
			zmq_msg_close(&body);
			return -1;
		}
		ok = zmq_msg_size(&body) == strlen(BROKER_READY) &&
		     !memcmp(zmq_msg_data(&body), BROKER_READY, strlen(BROKER_READY));
		more = zmq_msg_more(&body);
		zmq_msg_close(&body);
	}
	return ok;
}

/* Send the held job to pr. 1 sent, 0 the worker is gone (job still held),
 * -1 on error (context terminating). */
static int send_to(void *out, const struct peer *pr, struct held *h)
{
	if (zmq_send(out, pr->id, pr->len, ZMQ_SNDMORE) < 0)
		return errno == EHOSTUNREACH ? 0 : -1;
	for (size_t i = 0; i < h->n; i++)
		if (zmq_msg_send(&h->parts[i], out, i + 1 < h->n ? ZMQ_SNDMORE : 0) < 0) {
			/* parts already sent are ZeroMQ's; close the rest */
			for (size_t k = i; k < h->n; k++)
				zmq_msg_close(&h->parts[k]);
			h->n = 0;
			return -1;
		}
	h->n = 0; /* every part now belongs to ZeroMQ */
	return 1;
}

/* A worker that has a job: its next READY says the job is done. */
static int busy_take(struct peer *busy, size_t *nbusy, const struct peer *pr)
{
	for (size_t i = 0; i < *nbusy; i++)
		if (busy[i].len == pr->len && !memcmp(busy[i].id, pr->id, pr->len)) {
			busy[i] = busy[--*nbusy];
			return 1;
		}
	return 0;
}

static void peers_add(struct peer **v, size_t *n, size_t *cap, const struct peer *pr)
{
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 8;
		*v = xrealloc(*v, *cap * sizeof **v);
	}
	(*v)[(*n)++] = *pr;
}

void broker_run(void *in, void *out, struct broker_count *bc)
{
	struct peer *ready = NULL, *busy = NULL;
	size_t nready = 0, cap = 0, nbusy = 0, bcap = 0;
	struct fifo *q = xcalloc(1, sizeof *q);
	int one = 1;

	zmq_setsockopt(out, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
	for (;;) {
		zmq_pollitem_t it[2] = { { out, 0, ZMQ_POLLIN, 0 }, { in, 0, ZMQ_POLLIN, 0 } };
		/* read upstream while there is room to hold what arrives */
		int nit = q->n < BROKER_AHEAD ? 2 : 1;

		if (zmq_poll(it, nit, -1) < 0) {
			if (errno == EINTR)
				continue;
			break; /* ETERM */
		}
		if (it[0].revents & ZMQ_POLLIN) {
			struct peer pr;
			int r = recv_ready(out, &pr);
			if (r < 0)
				break;
			if (r > 0) {
				if (busy_take(busy, &nbusy, &pr) && bc)
					atomic_fetch_sub(&bc->busy, 1);
				peers_add(&ready, &nready, &cap, &pr);
			}
		}
		if (nit == 2 && (it[1].revents & ZMQ_POLLIN)) {
			if (held_recv(&q->jobs[(q->head + q->n) % BROKER_AHEAD], in) < 0)
				break;
			q->n++;
			if (bc)
				atomic_fetch_add(&bc->waiting, 1);
		}
		while (q->n && nready) {
			struct held *h = &q->jobs[q->head];
			int r = send_to(out, &ready[0], h);
			if (r < 0)
				goto out;
			if (r > 0) {
				q->head = (q->head + 1) % BROKER_AHEAD;
				q->n--;
				peers_add(&busy, &nbusy, &bcap, &ready[0]);
				if (bc) {
					atomic_fetch_sub(&bc->waiting, 1);
					atomic_fetch_add(&bc->busy, 1);
				}
			}
			memmove(ready, ready + 1, (nready - 1) * sizeof *ready);
			nready--;
		}
	}
out:
	for (size_t i = 0; i < BROKER_AHEAD; i++) {
		held_clear(&q->jobs[i]);
		free(q->jobs[i].parts);
	}
	free(q);
	free(ready);
	free(busy);
}
