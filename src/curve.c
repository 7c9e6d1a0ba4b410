/* curve.c: CURVE keys, key files and the ZAP handler (see curve.h). */
#include "curve.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "../lib/ini.h"
#include "../lib/log.h"
#include "../lib/util.h"

#define CURVE_ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define CURVE_MAX_ADMITTED 1024
#define CURVE_REFUSED_LOGGED 64 /* distinct refused keys logged, then quiet */

/* ---- key files ---- */

static enum dp_err write_new(const char *path, const char *text, mode_t mode, struct dp_msg *m)
{
	size_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);

	if (fd < 0)
		return dp_fail(m, DP_ERR_IO, "cannot create '%s': %s%s", path, strerror(errno),
			       errno == EEXIST ? " (keygen never overwrites a key: remove the old one first)" : "");
	/* the umask only takes bits away; set exactly these */
	if (fchmod(fd, mode) != 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) != 0) {
		int err = errno;
		close(fd);
		unlink(path);
		return dp_fail(m, DP_ERR_IO, "cannot write '%s': %s", path, strerror(err));
	}
	if (close(fd) != 0) {
		unlink(path);
		return dp_fail(m, DP_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
	}
	return DP_OK;
}

enum dp_err curve_keygen(const char *stem, struct dp_msg *m)
{
	char pub[CURVE_Z85], sec[CURVE_Z85], path[CONF_PATH_MAX + 8], day[16], text[1024];
	const char *name = path_basename(stem);
	time_t now = time(NULL);
	struct tm tm;
	enum dp_err e;

	if (!zmq_has("curve"))
		return dp_fail(m, DP_ERR_INTERNAL, "this libzmq was built without CURVE: keys would be of no use");
	if (strlen(stem) > CONF_PATH_MAX || !*name)
		return dp_fail(m, DP_ERR_USAGE, "'%s' is not a key name", stem);
	if (zmq_curve_keypair(pub, sec) != 0)
		return dp_fail(m, DP_ERR_INTERNAL, "zmq_curve_keypair: %s", zmq_strerror(errno));
	localtime_r(&now, &tm);
	strftime(day, sizeof day, "%Y-%m-%d", &tm);

	snprintf(path, sizeof path, "%s.key", stem);
	snprintf(text, sizeof text,
		 "# docpipe CURVE key pair '%s' (docpipe keygen, %s). SECRET: only the user docpipe runs as may\n"
		 "# read it (mode 0600). Name it in [curve] secret_key of the pipeline.conf that uses it.\n"
		 "[curve]\npublic = \"%s\"\nsecret = \"%s\"\n",
		 name, day, pub, sec);
	e = write_new(path, text, 0600, m);
	explicit_bzero(sec, sizeof sec);
	explicit_bzero(text, sizeof text);
	if (e)
		return e;
	snprintf(path, sizeof path, "%s.pub", stem);
	snprintf(text, sizeof text,
		 "# docpipe CURVE public key '%s' (docpipe keygen, %s). Not secret. A worker's goes into the\n"
		 "# coordinator's [curve] admitted_keys folder; the coordinator's is every worker's\n"
		 "# [curve] coordinator_key.\n"
		 "[curve]\npublic = \"%s\"\n",
		 name, day, pub);
	e = write_new(path, text, 0644, m);
	if (e) {
		snprintf(path, sizeof path, "%s.key", stem);
		unlink(path);
	}
	return e;
}

/* A quoted Z85 key of 32 bytes into out (40 characters and a NUL). */
static int key_value(const char *v, char out[CURVE_Z85])
{
	uint8_t bin[32];

	if (strlen(v) != CURVE_Z85 + 1 || v[0] != '"' || v[CURVE_Z85] != '"')
		return -1;
	memcpy(out, v + 1, CURVE_Z85 - 1);
	out[CURVE_Z85 - 1] = '\0';
	return zmq_z85_decode(bin, out) ? 0 : -1;
}

enum dp_err curve_key_read(const char *path, char pub[CURVE_Z85], char sec[CURVE_Z85], struct dp_msg *m)
{
	struct ini in;
	struct stat st;
	char *text = NULL;
	int havepub = 0, havesec = 0;
	enum dp_err e;

	if ((e = ini_read(path, 1 << 14, &text, m)))
		return e;
	ini_start(&in, path, text);
	while (ini_next(&in, m)) {
		if (strcmp(in.section, "curve")) {
			e = ini_fail(&in, m, "unknown section [%s] (a key file has [curve])", in.section);
			break;
		}
		if (!in.key)
			continue;
		if (!strcmp(in.key, "public")) {
			if (key_value(in.value, pub)) {
				e = ini_fail(&in, m, "public must be a key in double quotes as docpipe keygen writes it");
				break;
			}
			havepub = 1;
		} else if (!strcmp(in.key, "secret")) {
			if (sec && key_value(in.value, sec)) {
				e = ini_fail(&in, m, "secret must be a key in double quotes as docpipe keygen writes it");
				break;
			}
			havesec = 1;
		} else {
			e = ini_fail(&in, m, "unknown key '%s' in [curve] (public, secret)", in.key);
			break;
		}
	}
	if (!e && in.err)
		e = in.err;
	explicit_bzero(text, strlen(text));
	explicit_bzero(&in, sizeof in); /* its line buffer held the secret */
	free(text);
	if (e)
		return e;
	if (!havepub)
		return dp_fail(m, DP_ERR_CONFIG, "%s: no public key ([curve] public)", path);
	if (sec) {
		char derived[CURVE_Z85];
		if (!havesec)
			return dp_fail(m, DP_ERR_CONFIG, "%s: no secret key: is it the .pub file? [curve] secret_key names "
							 "the .key file", path);
		if (stat(path, &st) != 0)
			return dp_fail(m, DP_ERR_IO, "cannot stat '%s': %s", path, strerror(errno));
		if (st.st_mode & 077)
			return dp_fail(m, DP_ERR_CONFIG,
				       "the secret key file '%s' can be read by other users (mode %04o): chmod 600 it, and "
				       "make a new pair with docpipe keygen if others may have read it",
				       path, (unsigned)(st.st_mode & 07777));
		if (zmq_curve_public(derived, sec) != 0 || strcmp(derived, pub))
			return dp_fail(m, DP_ERR_CONFIG, "%s: the public key is not the secret key's", path);
	}
	return DP_OK;
}

/* ---- which keys a process uses ---- */

enum dp_err curve_coordinator_keys(const struct conf *c, struct curve_keys *k, struct dp_msg *m)
{
	memset(k, 0, sizeof *k);
	if (strcmp(c->transport, "tcp"))
		return DP_OK;
	if (!c->curve_secret_key[0]) {
		if (host_is_loopback(c->bind_host))
			return DP_OK;
		return dp_fail(m, DP_ERR_CONFIG,
			       "%s: [pipeline] bind = %s with transport = tcp would put pages and results on the network "
			       "in plain text, open to any machine: give the coordinator a key ([curve] secret_key and "
			       "admitted_keys, made with docpipe keygen; docs/OPERATIONS.md), or bind 127.0.0.1",
			       c->path[0] ? c->path : "built-in defaults", c->bind_host);
	}
	if (!zmq_has("curve"))
		return dp_fail(m, DP_ERR_CONFIG, "[curve] secret_key is set but this libzmq has no CURVE");
	enum dp_err e = curve_key_read(c->curve_secret_key, k->public_key, k->secret_key, m);
	if (e)
		return e;
	memcpy(k->server_key, k->public_key, sizeof k->server_key); /* its own worker threads */
	k->on = 1;
	return DP_OK;
}

enum dp_err curve_worker_keys(const struct conf *c, struct curve_keys *k, struct dp_msg *m)
{
	enum dp_err e;

	memset(k, 0, sizeof *k);
	if (!c->curve_secret_key[0] && !c->curve_coordinator_key[0])
		return DP_OK;
	if (!c->curve_secret_key[0] || !c->curve_coordinator_key[0])
		return dp_fail(m, DP_ERR_CONFIG, "%s: a worker needs both [curve] secret_key (its own pair) and "
						 "coordinator_key (the coordinator's .pub), or neither",
			       c->path[0] ? c->path : "built-in defaults");
	if ((e = curve_key_read(c->curve_secret_key, k->public_key, k->secret_key, m)))
		return e;
	if ((e = curve_key_read(c->curve_coordinator_key, k->server_key, NULL, m)))
		return e;
	k->on = 1;
	return DP_OK;
}

enum dp_err curve_server(void *sock, const struct curve_keys *k, struct dp_msg *m)
{
	int one = 1;

	if (!k->on)
		return DP_OK;
	if (zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof one) < 0 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, k->secret_key, CURVE_Z85) < 0 ||
	    zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, "docpipe", strlen("docpipe")) < 0)
		return dp_fail(m, DP_ERR_MQ, "cannot make a CURVE server socket: %s", zmq_strerror(errno));
	return DP_OK;
}

enum dp_err curve_client(void *sock, const struct curve_keys *k, struct dp_msg *m)
{
	if (!k->on)
		return DP_OK;
	if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, k->server_key, CURVE_Z85) < 0 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, k->public_key, CURVE_Z85) < 0 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, k->secret_key, CURVE_Z85) < 0)
		return dp_fail(m, DP_ERR_MQ, "cannot make a CURVE client socket: %s", zmq_strerror(errno));
	return DP_OK;
}

/* ---- the ZAP handler (ZeroMQ RFC 27) ---- */

struct curve_admitted {
	uint8_t key[32];
	char name[64];   /* the .pub file's name without .pub, for the log */
	int logged;
};

struct curve_set {
	struct curve_admitted *v;
	int n;
};

struct curve_zap {
	void *sock;      /* REP at CURVE_ZAP_ENDPOINT; after start the thread alone uses all of this */
	pthread_t thread;
	char dir[CONF_PATH_MAX];       /* [curve] admitted_keys */
	char own[CURVE_Z85];           /* the coordinator's public key */
	struct curve_set ok;
	int64_t scanned_us;
	struct timespec dir_mtime;     /* the folder's, at that read */
	char scan_error[DP_MSG_MAX];   /* the last one logged */
	uint8_t refused[CURVE_REFUSED_LOGGED][32];
	int nrefused;
};

static void set_add(struct curve_set *set, const char *z85, const char *name)
{
	struct curve_admitted *a;

	set->v = xrealloc(set->v, (size_t)(set->n + 1) * sizeof *set->v);
	a = &set->v[set->n++];
	memset(a, 0, sizeof *a);
	zmq_z85_decode(a->key, z85);
	str_copy(a->name, sizeof a->name, name);
}

static void set_release(struct curve_set *set)
{
	if (set->v)
		explicit_bzero(set->v, (size_t)set->n * sizeof *set->v);
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

static const struct curve_admitted *set_find(const struct curve_set *set, const uint8_t key[32])
{
	for (int i = 0; i < set->n; i++)
		if (!memcmp(set->v[i].key, key, 32))
			return &set->v[i];
	return NULL;
}

static int pub_file(const char *name)
{
	size_t l = strlen(name);
	return name[0] != '.' && l > 4 && !strcmp(name + l - 4, ".pub");
}

/* The admitted set: own (logged as already said) and every *.pub of dir. */
static enum dp_err set_read(struct curve_set *set, const char *own, const char *dir, struct dp_msg *m)
{
	DIR *d;
	struct dirent *de;
	enum dp_err e = DP_OK;

	set_add(set, own, "coordinator");
	set->v[0].logged = 1; /* its own threads: not worth a line */
	if (!dir[0])
		return DP_OK;
	d = opendir(dir);
	if (!d)
		return dp_fail(m, DP_ERR_CONFIG, "cannot open the folder of admitted worker keys '%s' ([curve] "
						 "admitted_keys): %s", dir, strerror(errno));
	while (!e && (de = readdir(d))) {
		char path[CONF_PATH_MAX + 300], pub[CURVE_Z85], name[64];
		if (!pub_file(de->d_name))
			continue;
		if (set->n > CURVE_MAX_ADMITTED) {
			e = dp_fail(m, DP_ERR_CONFIG, "%s: more than %d keys", dir, CURVE_MAX_ADMITTED);
			break;
		}
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		e = curve_key_read(path, pub, NULL, m);
		if (!e) {
			snprintf(name, sizeof name, "%.*s", (int)strlen(de->d_name) - 4, de->d_name);
			set_add(set, pub, name);
		}
	}
	closedir(d);
	return e;
}

/* The folder's modification time: a file added or removed changes it. */
static struct timespec dir_mtime(const char *dir)
{
	struct stat st;
	struct timespec none = { 0, 0 };
	return stat(dir, &st) ? none : st.st_mtim;
}

/* Read admitted_keys again (a handshake asks) when a file was added to or
 * removed from the folder since the last read, else at most once a second
 * (a key file edited in place): a .pub added is admitted at once, even
 * right after a refusal, one removed refused at its next connection. A
 * folder that does not read keeps the keys before. */
static void zap_rescan(struct curve_zap *z)
{
	struct curve_set fresh = { NULL, 0 };
	struct dp_msg m;
	int64_t now = now_us();
	struct timespec mt = dir_mtime(z->dir);
	int same;

	if (now - z->scanned_us < 1000000 && mt.tv_sec == z->dir_mtime.tv_sec && mt.tv_nsec == z->dir_mtime.tv_nsec)
		return;
	z->scanned_us = now;
	z->dir_mtime = mt;
	if (set_read(&fresh, z->own, z->dir, &m)) {
		if (strcmp(m.text, z->scan_error)) {
			char kv[DP_MSG_MAX + 16] = "";
			str_copy(z->scan_error, sizeof z->scan_error, m.text);
			log_kv(kv, sizeof kv, "error", m.text);
			log_line(LOG_WARN, "admitted_keys not read again; the keys admitted before stay", kv);
		}
		set_release(&fresh);
		return;
	}
	z->scan_error[0] = '\0';
	same = fresh.n == z->ok.n;
	for (int i = 0; i < fresh.n; i++) {
		const struct curve_admitted *old = set_find(&z->ok, fresh.v[i].key);
		if (old)
			fresh.v[i].logged = old->logged;
		else
			same = 0;
	}
	if (!same)
		log_info("admitted_keys read again: %d worker key(s) admitted from '%s'", fresh.n - 1, z->dir);
	set_release(&z->ok);
	z->ok = fresh;
}

static int zap_send(void *sock, const void *p, size_t n, int more)
{
	return zmq_send(sock, p, n, more ? ZMQ_SNDMORE : 0) < 0 ? -1 : 0;
}

/* One request: version, request id, domain, address, routing id, mechanism,
 * then the credentials (CURVE: the client's 32-byte public key). */
static int zap_answer(struct curve_zap *z)
{
	zmq_msg_t part[8], extra;
	int n = 0, more = 1, r = 0;
	const char *status = "400", *text = "key not admitted";
	const struct curve_admitted *who = NULL;

	while (more) {
		zmq_msg_t *p = n < 8 ? &part[n] : &extra; /* frames past the 8th are read and dropped */
		zmq_msg_init(p);
		if (zmq_msg_recv(p, z->sock, 0) < 0) {
			int err = errno;
			zmq_msg_close(p);
			for (int i = 0; i < n; i++)
				zmq_msg_close(&part[i]);
			errno = err;
			return -1;
		}
		more = zmq_msg_more(p);
		if (p == &extra)
			zmq_msg_close(&extra);
		else
			n++;
	}
	if (n >= 7 && zmq_msg_size(&part[5]) == 5 && !memcmp(zmq_msg_data(&part[5]), "CURVE", 5) &&
	    zmq_msg_size(&part[6]) == 32) {
		const uint8_t *key = zmq_msg_data(&part[6]);
		zap_rescan(z);
		who = set_find(&z->ok, key);
		if (who) {
			status = "200";
			text = "OK";
			if (!who->logged) {
				char kv[512] = "", addr[64];
				snprintf(addr, sizeof addr, "%.*s", (int)zmq_msg_size(&part[3]), (char *)zmq_msg_data(&part[3]));
				log_kv(kv, sizeof kv, "key", who->name);
				log_kv(kv, sizeof kv, "address", addr);
				log_line(LOG_INFO, "admitted a worker key", kv);
				z->ok.v[who - z->ok.v].logged = 1;
			}
		} else {
			int seen = 0;
			for (int i = 0; i < z->nrefused && !seen; i++)
				seen = !memcmp(z->refused[i], key, 32);
			if (!seen && z->nrefused < CURVE_REFUSED_LOGGED) {
				char kv[512] = "", addr[64], z85[CURVE_Z85];
				memcpy(z->refused[z->nrefused++], key, 32);
				zmq_z85_encode(z85, key, 32);
				snprintf(addr, sizeof addr, "%.*s", (int)zmq_msg_size(&part[3]), (char *)zmq_msg_data(&part[3]));
				log_kv(kv, sizeof kv, "key", z85);
				log_kv(kv, sizeof kv, "address", addr);
				log_line(LOG_WARN, "refused a connection: its CURVE key is not in [curve] admitted_keys", kv);
			}
		}
	}
	/* reply: version, request id, status code, status text, user id, metadata */
	if (n >= 2) {
		r |= zap_send(z->sock, "1.0", 3, 1);
		r |= zap_send(z->sock, zmq_msg_data(&part[1]), zmq_msg_size(&part[1]), 1);
	} else {
		r |= zap_send(z->sock, "1.0", 3, 1);
		r |= zap_send(z->sock, "", 0, 1);
	}
	r |= zap_send(z->sock, status, 3, 1);
	r |= zap_send(z->sock, text, strlen(text), 1);
	r |= zap_send(z->sock, who ? who->name : "", who ? strlen(who->name) : 0, 1);
	r |= zap_send(z->sock, "", 0, 0);
	for (int i = 0; i < n; i++)
		zmq_msg_close(&part[i]);
	return r;
}

static void *zap_main(void *arg)
{
	struct curve_zap *z = arg;

	pthread_setname_np(pthread_self(), "zap");
	while (zap_answer(z) == 0 || errno == EINTR)
		;
	/* ETERM: the context is shutting down */
	int zero = 0;
	zmq_setsockopt(z->sock, ZMQ_LINGER, &zero, sizeof zero);
	zmq_close(z->sock);
	z->sock = NULL;
	return NULL;
}

enum dp_err curve_zap_start(struct curve_zap **out, void *ctx, const struct conf *c, const struct curve_keys *k,
			    struct dp_msg *m)
{
	struct curve_zap *z = xcalloc(1, sizeof *z);
	enum dp_err e;

	*out = NULL;
	str_copy(z->dir, sizeof z->dir, c->curve_admitted_keys);
	str_copy(z->own, sizeof z->own, k->public_key);
	z->scanned_us = now_us();
	z->dir_mtime = dir_mtime(z->dir);
	if ((e = set_read(&z->ok, z->own, z->dir, m)))
		goto fail;
	z->sock = zmq_socket(ctx, ZMQ_REP);
	if (!z->sock || zmq_bind(z->sock, CURVE_ZAP_ENDPOINT) < 0) {
		e = dp_fail(m, DP_ERR_MQ, "cannot bind %s: %s", CURVE_ZAP_ENDPOINT, zmq_strerror(errno));
		goto fail;
	}
	if (pthread_create(&z->thread, NULL, zap_main, z) != 0) {
		e = dp_fail(m, DP_ERR_INTERNAL, "cannot start the ZAP thread");
		goto fail;
	}
	log_info("CURVE on: %d worker key(s) admitted from '%s'", z->ok.n - 1,
		 z->dir[0] ? z->dir : "(no [curve] admitted_keys)");
	*out = z;
	return DP_OK;
fail:
	if (z->sock) {
		int zero = 0;
		zmq_setsockopt(z->sock, ZMQ_LINGER, &zero, sizeof zero);
		zmq_close(z->sock);
	}
	set_release(&z->ok);
	free(z);
	return e;
}

void curve_zap_stop(struct curve_zap **zp)
{
	struct curve_zap *z = *zp;

	if (!z)
		return;
	pthread_join(z->thread, NULL);
	set_release(&z->ok);
	free(z);
	*zp = NULL;
}

/* ---- a remote worker's handshakes ---- */

enum dp_err curve_monitor_read(void *pair, int timeout_ms, const struct curve_keys *k, struct dp_msg *m)
{
	zmq_pollitem_t it = { pair, 0, ZMQ_POLLIN, 0 };
	zmq_msg_t ev, addr;
	uint16_t event = 0;
	uint32_t value = 0;
	char ep[256] = "";

	if (zmq_poll(&it, 1, timeout_ms) <= 0)
		return DP_OK;
	zmq_msg_init(&ev);
	zmq_msg_init(&addr);
	if (zmq_msg_recv(&ev, pair, 0) >= 0 && zmq_msg_more(&ev) && zmq_msg_recv(&addr, pair, 0) >= 0 &&
	    zmq_msg_size(&ev) >= 6) {
		memcpy(&event, zmq_msg_data(&ev), 2);
		memcpy(&value, (char *)zmq_msg_data(&ev) + 2, 4);
		snprintf(ep, sizeof ep, "%.*s", (int)zmq_msg_size(&addr), (char *)zmq_msg_data(&addr));
	}
	zmq_msg_close(&ev);
	zmq_msg_close(&addr);
	/* ZeroMQ does not connect again after these two: say why, and stop */
	if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
		return dp_fail(m, DP_ERR_MQ, "the coordinator at %s refused this worker's key (ZAP status %u): put the "
					     ".pub of [curve] secret_key into the coordinator's [curve] admitted_keys "
					     "folder, then start this worker again", ep, value);
	if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) {
		if (k->on)
			return dp_fail(m, DP_ERR_MQ, "the CURVE handshake with %s failed: does the coordinator have "
						     "[curve] keys, and is [curve] coordinator_key the .pub of its "
						     "secret_key?", ep);
		return dp_fail(m, DP_ERR_MQ, "the handshake with %s failed: the coordinator requires CURVE; give "
					     "this worker [curve] secret_key and coordinator_key (docs/OPERATIONS.md)", ep);
	}
	if (event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
		log_debug("worker: a handshake with %s failed (%s); trying again", ep, strerror((int)value));
	return DP_OK;
}
