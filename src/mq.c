/* mq.c: endpoints and multipart job messages over ZeroMQ (see mq.h). */
#include "mq.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "../stages/stage.h"
#include "../lib/util.h"

void mq_base(const struct conf *c, char *out, size_t n)
{
	if (!strcmp(c->transport, "tcp"))
		snprintf(out, n, "tcp://%s:%d", c->bind_host, c->base_port);
	else
		snprintf(out, n, "inproc");
}

void mq_endpoint(char *ep, size_t n, const char *base, int stage, enum mq_side side)
{
	if (!strcmp(base, "inproc")) {
		if (stage < 0)
			snprintf(ep, n, "inproc://dp-done");
		else
			snprintf(ep, n, "inproc://dp-%s-%s", stage_table[stage].name, side == MQ_IN ? "in" : "out");
		return;
	}
	/* tcp://HOST:PORT */
	const char *colon = strrchr(base, ':');
	int port = colon ? atoi(colon + 1) : 5550;
	int hostlen = colon ? (int)(colon - base) : (int)strlen(base);
	int off = stage < 0 ? 2 * stage_count() : 2 * stage + (side == MQ_OUT);
	snprintf(ep, n, "%.*s:%d", hostlen, base, port + off);
}

static void free_frame(void *data, void *hint)
{
	(void)hint;
	free(data);
}

/* A received message kept as a frame's data (no copy): closed and freed
 * with the frame, or after it has been sent on. */
static void release_msg(void *owner)
{
	zmq_msg_close(owner);
	free(owner);
}

enum dp_err mq_send_job(void *sock, struct job **jp, struct dp_msg *m)
{
	struct job *j = *jp;
	size_t hlen;
	char *hdr = job_encode(j, &hlen);
	zmq_msg_t msg;
	enum dp_err e = DP_OK;

	zmq_msg_init_data(&msg, hdr, hlen, free_frame, NULL);
	if (zmq_msg_send(&msg, sock, j->nframes ? ZMQ_SNDMORE : 0) < 0) {
		zmq_msg_close(&msg);
		e = dp_fail(m, DP_ERR_MQ, "cannot send job %s: %s", j->id, zmq_strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < j->nframes; i++) {
		struct job_frame *f = &j->frames[i];
		int more = i + 1 < j->nframes ? ZMQ_SNDMORE : 0;
		zmq_msg_t *held = f->release == release_msg ? f->owner : NULL;
		if (held) {
			/* a frame received from ZeroMQ goes on as the same message */
			f->data = NULL;
			f->release = NULL;
			f->owner = NULL;
			int r = zmq_msg_send(held, sock, more);
			int err = errno;
			release_msg(held);
			if (r < 0) {
				e = dp_fail(m, DP_ERR_MQ, "cannot send frame of job %s: %s", j->id, zmq_strerror(err));
				goto out;
			}
			continue;
		}
		if (f->data && f->release) {
			/* data with some other owner: ZeroMQ gets a copy */
			zmq_msg_init_size(&msg, f->len);
			memcpy(zmq_msg_data(&msg), f->data, f->len);
			job_frame_release(f);
		} else if (f->data) {
			zmq_msg_init_data(&msg, f->data, f->len, free_frame, NULL);
		} else {
			zmq_msg_init(&msg);
		}
		f->data = NULL; /* owned by ZeroMQ now, even if the send fails */
		if (zmq_msg_send(&msg, sock, more) < 0) {
			zmq_msg_close(&msg);
			e = dp_fail(m, DP_ERR_MQ, "cannot send frame of job %s: %s", j->id, zmq_strerror(errno));
			goto out;
		}
	}
out:
	job_free(jp);
	return e;
}

static void drain(void *sock)
{
	int more = 0;
	size_t sz = sizeof more;
	zmq_msg_t msg;

	while (zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &sz) == 0 && more) {
		zmq_msg_init(&msg);
		if (zmq_msg_recv(&msg, sock, 0) < 0) {
			zmq_msg_close(&msg);
			return;
		}
		zmq_msg_close(&msg);
	}
}

enum dp_err mq_recv_job(void *sock, struct job **out, struct dp_msg *m)
{
	zmq_msg_t msg;
	struct job *j = NULL;
	enum dp_err e;
	int more;

	*out = NULL;
	zmq_msg_init(&msg);
	if (zmq_msg_recv(&msg, sock, 0) < 0) {
		int err = errno;
		zmq_msg_close(&msg);
		errno = err;
		return dp_fail(m, DP_ERR_MQ, "receive: %s", zmq_strerror(err));
	}
	e = job_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), &j, m);
	more = zmq_msg_more(&msg);
	zmq_msg_close(&msg);
	if (e) {
		if (more)
			drain(sock);
		errno = 0;
		return e;
	}
	for (size_t i = 0; i < j->nframes; i++) {
		struct job_frame *f = &j->frames[i];
		if (!more) {
			e = dp_fail(m, DP_ERR_CORRUPT, "job %s: header lists %zu frames, message has %zu", j->id,
				    j->nframes, i);
			goto fail;
		}
		zmq_msg_t *held = xmalloc(sizeof *held);
		zmq_msg_init(held);
		if (zmq_msg_recv(held, sock, 0) < 0) {
			e = dp_fail(m, DP_ERR_MQ, "receive frame: %s", zmq_strerror(errno));
			release_msg(held);
			goto fail;
		}
		more = zmq_msg_more(held);
		if (zmq_msg_size(held) != f->len) {
			size_t got = zmq_msg_size(held);
			release_msg(held);
			e = dp_fail(m, DP_ERR_CORRUPT, "job %s: frame %zu is %zu bytes, header says %zu", j->id, i,
				    got, f->len);
			goto fail;
		}
		/* the frame keeps the message: no copy of page images between stages */
		f->data = zmq_msg_data(held);
		f->release = release_msg;
		f->owner = held;
	}
	if (more) {
		drain(sock);
		e = dp_fail(m, DP_ERR_CORRUPT, "job %s: more frames than its header lists", j->id);
		goto fail;
	}
	*out = j;
	return DP_OK;
fail:
	if (more)
		drain(sock);
	errno = 0;
	job_free(&j);
	return e;
}

void *mq_socket(void *ctx, int type, struct dp_msg *m)
{
	int linger = MQ_LINGER_MS;
	void *s = zmq_socket(ctx, type);

	if (!s) {
		dp_fail(m, DP_ERR_MQ, "zmq_socket: %s", zmq_strerror(errno));
		return NULL;
	}
	zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
	return s;
}

void mq_close(void **sock)
{
	int zero = 0;

	if (!*sock)
		return;
	zmq_setsockopt(*sock, ZMQ_LINGER, &zero, sizeof zero);
	zmq_close(*sock);
	*sock = NULL;
}
