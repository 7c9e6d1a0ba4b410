/* curve.h: ZeroMQ CURVE on the tcp transport (docs/OPERATIONS.md, "Keys and
 * transport").
 *
 * Key files are what `docpipe keygen NAME` writes (curve_keygen): NAME.key,
 * the key pair, mode 0600, and NAME.pub, the public key alone, to hand out.
 * Both are INI text with a [curve] section and Z85 keys in double quotes:
 *     [curve]
 *     public = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
 *     secret = "..."                       (NAME.key only)
 *
 * The coordinator (`run`, `watch`) with [curve] secret_key binds its stage
 * endpoints as a CURVE server; a ZAP handler thread on
 * inproc://zeromq.zap.01 of its context admits a connecting socket only when
 * its public key is one of the *.pub files of [curve] admitted_keys, or the
 * coordinator's own (its worker threads connect over tcp too); it reads the
 * folder again when asked, at most once a second, so a .pub added or removed
 * counts from that worker's next connection. A socket
 * without CURVE fails the handshake; one with another key is refused by the
 * handler. Either way it receives no job and nothing it sends is read.
 * A worker (`docpipe worker`) with [curve] secret_key and coordinator_key
 * connects as a CURVE client. Without [curve] secret_key the coordinator
 * binds tcp only on a loopback address (curve_coordinator_keys refuses any
 * other [pipeline] bind). */
#ifndef DP_CURVE_H
#define DP_CURVE_H

#include <zmq.h>

#include "../lib/conf.h"
#include "../lib/err.h"

#define CURVE_Z85 41 /* a key in Z85: 40 characters and a NUL */

struct curve_keys {
	int on;                      /* 0: plain tcp (or inproc) */
	char public_key[CURVE_Z85];  /* this process's pair */
	char secret_key[CURVE_Z85];
	char server_key[CURVE_Z85];  /* the coordinator's public key (clients) */
};

/* Write STEM.key (the pair, 0600) and STEM.pub (0644); neither may exist. */
enum dp_err curve_keygen(const char *stem, struct dp_msg *m);

/* Read a key file: the public key, and the secret one when sec is not NULL
 * (then the file must hold a matching pair and be readable by its owner
 * alone). m names the file and the problem. */
enum dp_err curve_key_read(const char *path, char pub[CURVE_Z85], char sec[CURVE_Z85], struct dp_msg *m);

/* The coordinator's keys for a configuration: off for inproc; for tcp, on
 * with [curve] secret_key, and refused (DP_ERR_CONFIG, the reason in m)
 * without it when [pipeline] bind is not a loopback address. */
enum dp_err curve_coordinator_keys(const struct conf *c, struct curve_keys *k, struct dp_msg *m);
/* A remote worker's keys: [curve] secret_key and coordinator_key, both or
 * neither (then plain tcp). */
enum dp_err curve_worker_keys(const struct conf *c, struct curve_keys *k, struct dp_msg *m);

/* Make sock a CURVE server (before zmq_bind) or client (before zmq_connect);
 * nothing when k->on is 0. */
enum dp_err curve_server(void *sock, const struct curve_keys *k, struct dp_msg *m);
enum dp_err curve_client(void *sock, const struct curve_keys *k, struct dp_msg *m);

/* A remote worker's side of the handshakes: the DEALER of its first thread is
 * watched (zmq_socket_monitor on CURVE_MONITOR_ENDPOINT, events
 * CURVE_MONITOR_EVENTS) through a PAIR socket the worker's main thread
 * reads with curve_monitor_read(), which waits up to timeout_ms. A
 * handshake that failed for good (the coordinator refused the key, or CURVE
 * on one side only: ZeroMQ does not try again after either) is an error
 * saying what to do; the worker then stops rather than wait for ever. */
#define CURVE_MONITOR_ENDPOINT "inproc://dp-worker-handshakes"
#define CURVE_MONITOR_EVENTS \
	(ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
enum dp_err curve_monitor_read(void *pair, int timeout_ms, const struct curve_keys *k, struct dp_msg *m);

/* The ZAP handler: binds inproc://zeromq.zap.01 in ctx and answers in a
 * thread of its own, admitting k's own public key and every *.pub file of
 * [curve] admitted_keys (read now, and again at most once a second while
 * workers connect; a folder that does not read keeps the keys before).
 * Start it before binding a server socket. curve_zap_stop() joins the thread: call it
 * after zmq_ctx_shutdown(ctx) and before zmq_ctx_term(ctx). */
struct curve_zap;
enum dp_err curve_zap_start(struct curve_zap **z, void *ctx, const struct conf *c, const struct curve_keys *k,
			    struct dp_msg *m);
void curve_zap_stop(struct curve_zap **z);

#endif
