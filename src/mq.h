/* mq.h: ZeroMQ wiring for jobs. Endpoint naming and job send/receive.
 *
 * Endpoints: for stage number i (its row in stages/stage.c) the coordinator
 * binds "in" (PULL, where upstream workers PUSH) and "out" (ROUTER, where that
 * stage's workers connect with DEALER and ask for jobs); a broker thread
 * (broker.h) moves each job from in to a free worker. One more PULL endpoint, "done", collects finished jobs.
 * inproc://dp-STAGE-in / -out / inproc://dp-done inside one process;
 * tcp://HOST:BASE+2i, BASE+2i+1, BASE+2n for "done" across machines.
 *
 * A message is multipart: frame 0 the job header (job_encode), then one frame
 * per payload frame listed in the header, sizes checked against the header. */
#ifndef DP_MQ_H
#define DP_MQ_H

#include "../lib/conf.h"
#include "../lib/err.h"
#include "../lib/job.h"

enum mq_side { MQ_IN, MQ_OUT };

/* Fill ep with the endpoint of stage index i (or the done sink when i == -1).
 * base is "inproc" or "tcp://HOST:PORT". */
void mq_endpoint(char *ep, size_t n, const char *base, int stage, enum mq_side side);
/* The base string for a configuration ("inproc" or tcp://bind:base_port). */
void mq_base(const struct conf *c, char *out, size_t n);

/* Send j on sock and free it (frames are handed to ZeroMQ without a copy). */
enum dp_err mq_send_job(void *sock, struct job **j, struct dp_msg *m);
/* Receive one job. Its frames keep the ZeroMQ messages they arrived in
 * (job_frame.release), so a page image is not copied from stage to stage.
 * DP_ERR_MQ with errno ETERM/EINTR means shut down. */
enum dp_err mq_recv_job(void *sock, struct job **j, struct dp_msg *m);
/* Set LINGER 0 and close. */
/* A new socket of ctx with LINGER set to MQ_LINGER_MS, so that closing the
 * context never waits for ever on a message to a peer that is gone (after
 * zmq_ctx_shutdown, setting LINGER is no longer possible); NULL with m filled. */
#define MQ_LINGER_MS 2000
void *mq_socket(void *ctx, int type, struct dp_msg *m);
void mq_close(void **sock);

#endif
