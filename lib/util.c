/* util.c: see util.h. */
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fname.h"

char *str_trim(char *s)
{
	char *e;

	while (*s && isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) {
		fputs("docpipe: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fputs("docpipe: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p) {
		fputs("docpipe: out of memory\n", stderr);
		abort();
	}
	return p;
}

char *xstrdup(const char *s)
{
	size_t n;
	char *p;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	p = xmalloc(n);
	memcpy(p, s, n);
	return p;
}

void str_copy(char *dst, size_t n, const char *src)
{
	size_t l;

	if (!n)
		return;
	if (!src)
		src = "";
	l = strlen(src);
	if (l >= n) {
		l = n - 1;
		while (l > 0 && ((unsigned char)src[l] & 0xC0) == 0x80)
			l--;
	}
	memcpy(dst, src, l);
	dst[l] = '\0';
}

int str_starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

void buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max;
}

void buf_release(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

int buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->max && b->len + n > b->max)
		return -1;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		b->data = xrealloc(b->data, cap);
		b->cap = cap;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int buf_addstr(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof small)
		return buf_add(b, small, (size_t)n);
	char *big = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	int r = buf_add(b, big, (size_t)n);
	free(big);
	return r;
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *p;

	if (!b->data)
		buf_add(b, "", 0);
	p = b->data;
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

/* 1 when fd (a file opened in the folder dirfd) sits on another mount than
 * the folder: a file bind-mounted over a name in the inbox. The mount ids of
 * statx() decide; st_dev only where the kernel has no mount ids (before
 * Linux 5.8), because on overlayfs (a container's root) a file and its folder
 * have different st_dev on the same mount. */
static int other_mount(int dirfd, const struct stat *dir, int fd, const struct stat *st)
{
	struct statx a, b;

	if (statx(dirfd, "", AT_EMPTY_PATH, STATX_MNT_ID, &a) == 0 && (a.stx_mask & STATX_MNT_ID) &&
	    statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &b) == 0 && (b.stx_mask & STATX_MNT_ID))
		return a.stx_mnt_id != b.stx_mnt_id;
	return st->st_dev != dir->st_dev;
}

int file_open_at(int dirfd, const char *name, unsigned flags, const char *shown, struct stat *st, struct dp_msg *m)
{
	struct stat dir;
	int fd, e;

	if ((flags & FILE_INSIDE) && (strchr(name, '/') || !*name || fstat(dirfd, &dir) < 0)) {
		dp_refuse(m, DP_ERR_IO, DP_REASON_UNREADABLE, "'%s' is not a name inside the folder", shown);
		return -1;
	}
	/* O_NONBLOCK: opening a pipe must not wait for a writer */
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | ((flags & FILE_INSIDE) ? O_NOFOLLOW : 0));
	if (fd < 0) {
		e = errno;
		if (e == ELOOP && (flags & FILE_INSIDE))
			dp_refuse(m, DP_ERR_IO, DP_REASON_LINK,
				  "'%s' is a symbolic link, which docpipe never follows (it could lead outside the inbox): "
				  "put the file itself into the inbox",
				  shown);
		else
			dp_refuse(m, DP_ERR_IO, DP_REASON_UNREADABLE, "cannot open '%s': %s", shown, strerror(e));
		return -1;
	}
	if (fstat(fd, st) < 0) {
		e = errno;
		close(fd);
		dp_refuse(m, DP_ERR_IO, DP_REASON_UNREADABLE, "cannot stat '%s': %s", shown, strerror(e));
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		dp_refuse(m, DP_ERR_IO, DP_REASON_NOT_A_FILE, "'%s' is %s, not a file", shown,
			  S_ISDIR(st->st_mode) ? "a folder" : "a device, pipe or socket");
		return -1;
	}
	if ((flags & FILE_INSIDE) && (st->st_nlink != 1 || other_mount(dirfd, &dir, fd, st))) {
		close(fd);
		dp_refuse(m, DP_ERR_IO, DP_REASON_HARD_LINK,
			  "'%s' also has a name outside the inbox (%s), which docpipe does not read: put a copy of the file there",
			  shown, st->st_nlink != 1 ? "a hard link" : "another file system mounted over it");
		return -1;
	}
	return fd;
}

enum dp_err file_read_fd(int fd, const struct stat *st, const char *shown, char **out, size_t *len, size_t max,
			 struct dp_msg *m)
{
	char *data = NULL;
	size_t got = 0, cap;

	*out = NULL;
	if ((unsigned long long)st->st_size > max)
		return dp_refuse(m, DP_ERR_LIMIT, DP_REASON_FILE_TOO_LARGE, "'%s' is %lld bytes, more than the limit of %zu",
				 shown, (long long)st->st_size, max);
	cap = (size_t)st->st_size + 1;
	data = xmalloc(cap);
	for (;;) {
		ssize_t r;
		if (got + 1 >= cap) {
			if (cap > max + 1) {
				free(data);
				return dp_refuse(m, DP_ERR_LIMIT, DP_REASON_FILE_TOO_LARGE,
						 "'%s' grew past the limit of %zu bytes while being read", shown, max);
			}
			cap *= 2;
			data = xrealloc(data, cap);
		}
		r = read(fd, data + got, cap - got - 1);
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			int e = errno;
			free(data);
			return dp_refuse(m, DP_ERR_IO, DP_REASON_UNREADABLE, "cannot read '%s': %s", shown, strerror(e));
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	data[got] = '\0';
	*out = data;
	if (len)
		*len = got;
	return DP_OK;
}

enum dp_err file_read(const char *path, char **out, size_t *len, size_t max, struct dp_msg *m)
{
	struct stat st;
	char shown[4096];
	int fd;
	enum dp_err e;

	*out = NULL;
	fname_display(path, shown, sizeof shown);
	fd = file_open_at(AT_FDCWD, path, 0, shown, &st, m);
	if (fd < 0)
		return DP_ERR_IO;
	e = file_read_fd(fd, &st, shown, out, len, max, m);
	close(fd);
	return e;
}

enum dp_err file_write(const char *path, const void *data, size_t len, struct dp_msg *m)
{
	return file_write_as(path, data, len, -1, -1, m);
}

enum dp_err file_write_as(const char *path, const void *data, size_t len, int mode, long gid, struct dp_msg *m)
{
	char tmp[4096];
	const char *p = data;
	size_t left = len;
	int fd;

	/* a new file of an unpredictable name (O_CREAT|O_EXCL) in the target
	 * folder, then renamed over path: a link planted at path or at a guessed
	 * temporary name is replaced, never written through */
	for (int tries = 0;; tries++) {
		unsigned char rnd[8];
		if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
			return dp_fail(m, DP_ERR_IO, "cannot create a file beside '%s': no random numbers", path);
		if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp-%02x%02x%02x%02x%02x%02x%02x%02x", path, rnd[0], rnd[1],
				     rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]) >= sizeof tmp)
			return dp_fail(m, DP_ERR_IO, "path too long: '%s'", path);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode < 0 ? 0666 : 0600);
		if (fd >= 0)
			break;
		if (errno != EEXIST || tries > 16)
			return dp_fail(m, DP_ERR_IO, "cannot create a file beside '%s': %s", path, strerror(errno));
	}
	if ((mode >= 0 && fchmod(fd, (mode_t)mode) < 0) || (gid >= 0 && fchown(fd, (uid_t)-1, (gid_t)gid) < 0))
		goto fail;
	while (left > 0) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		p += w;
		left -= (size_t)w;
	}
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return dp_fail(m, DP_ERR_IO, "cannot rename to '%s': %s", path, strerror(e));
	}
	return DP_OK;
fail: {
	int e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return dp_fail(m, DP_ERR_IO, "cannot write '%s': %s", path, strerror(e));
}
}

void path_dirname(const char *path, char *out, size_t n)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		str_copy(out, n, ".");
	else if (slash == path)
		str_copy(out, n, "/");
	else {
		size_t l = (size_t)(slash - path);
		if (l >= n)
			l = n - 1;
		memcpy(out, path, l);
		out[l] = '\0';
	}
}

const char *path_basename(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

int file_readable(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	fclose(f);
	return 1;
}

int mkdir_p(const char *path)
{
	return mkdir_as(path, -1, -1);
}

/* mkdir, then chmod (the umask does not decide) and chown for the group */
static int mkdir_one(const char *p, int mode, long gid)
{
	if (mkdir(p, mode < 0 ? 0755 : (mode_t)mode) < 0)
		return errno == EEXIST ? 0 : -1;
	if (mode >= 0 && chmod(p, (mode_t)mode) < 0)
		return -1;
	if (gid >= 0 && chown(p, (uid_t)-1, (gid_t)gid) < 0)
		return -1;
	return 0;
}

int mkdir_as(const char *path, int mode, long gid)
{
	char tmp[4096];
	size_t l = strlen(path);

	if (l == 0 || l >= sizeof tmp)
		return -1;
	memcpy(tmp, path, l + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			if (mkdir_one(tmp, mode, gid) < 0)
				return -1;
			*p = '/';
		}
	}
	return mkdir_one(tmp, mode, gid);
}

int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t thread_cpu_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t process_cpu_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* a thread's CPU time: schedstat's first field (ns on the CPU), or
 * utime + stime from stat in clock ticks */
static int64_t task_cpu_us(const char *dir)
{
	char path[320], line[512];
	unsigned long long ns, ut, st;
	int64_t r = -1;
	FILE *f;

	snprintf(path, sizeof path, "%s/schedstat", dir);
	if ((f = fopen(path, "r"))) {
		if (fscanf(f, "%llu", &ns) == 1)
			r = (int64_t)(ns / 1000);
		fclose(f);
		if (r >= 0)
			return r;
	}
	snprintf(path, sizeof path, "%s/stat", dir);
	if (!(f = fopen(path, "r")))
		return -1;
	if (fgets(line, sizeof line, f)) {
		const char *p = strrchr(line, ')'); /* the name may hold spaces */
		if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) == 2)
			r = (int64_t)((ut + st) * 1000000ULL / (unsigned long long)sysconf(_SC_CLK_TCK));
	}
	fclose(f);
	return r;
}

int threads_cpu(void (*fn)(const char *name, int is_main, int64_t cpu_us, void *user), void *user)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int n = 0;
	long self = (long)getpid();

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char dir[300], path[320], name[32] = "";
		FILE *f;
		int64_t cpu;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(dir, sizeof dir, "/proc/self/task/%s", de->d_name);
		snprintf(path, sizeof path, "%s/comm", dir);
		if ((f = fopen(path, "r"))) {
			if (fgets(name, sizeof name, f))
				name[strcspn(name, "\n")] = '\0';
			fclose(f);
		}
		cpu = task_cpu_us(dir);
		if (cpu < 0)
			continue; /* the thread ended meanwhile */
		fn(name, atol(de->d_name) == self, cpu, user);
		n++;
	}
	closedir(d);
	return n;
}

unsigned utf8_decode(const char *str, int *len)
{
	const unsigned char *s = (const unsigned char *)str;

	if (s[0] < 0x80) { *len = 1; return s[0]; }
	if ((s[0] & 0xE0) == 0xC0 && (s[1] & 0xC0) == 0x80) {
		*len = 2;
		return ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
	}
	if ((s[0] & 0xF0) == 0xE0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
		*len = 3;
		return ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
	}
	if ((s[0] & 0xF8) == 0xF0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80) {
		*len = 4;
		return ((s[0] & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
	}
	*len = 1;
	return 0xFFFD;
}

int utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		size_t n;
		unsigned cp;
		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (len - i - 1 < n) /* truncated sequence */
			return 0;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += n + 1;
	}
	return 1;
}

int hex_value(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

void sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	static const char hex[] = "0123456789abcdef";

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

static char host_buf[256];

static void host_init(void)
{
	if (gethostname(host_buf, sizeof host_buf - 1) < 0)
		str_copy(host_buf, sizeof host_buf, "unknown");
	host_buf[sizeof host_buf - 1] = '\0';
}

const char *host_name(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, host_init);
	return host_buf;
}

static __thread int engine_depth;
static __thread int64_t engine_start, engine_total;

void engine_enter(void)
{
	if (engine_depth++ == 0)
		engine_start = thread_cpu_us();
}

void engine_leave(void)
{
	if (engine_depth > 0 && --engine_depth == 0)
		engine_total += thread_cpu_us() - engine_start;
}

int64_t engine_take_us(void)
{
	int64_t t = engine_total;
	engine_total = 0;
	return t;
}

int addr_is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		if (IN6_IS_ADDR_LOOPBACK(a))
			return 1;
		return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
	}
	return 0;
}

int host_is_loopback(const char *host)
{
	struct addrinfo hints, *ai = NULL;
	char name[256];
	size_t l = host ? strlen(host) : 0;
	int all = 1;

	/* "[::1]" as in a ZeroMQ or URL address */
	if (l >= 2 && host[0] == '[' && host[l - 1] == ']')
		snprintf(name, sizeof name, "%.*s", (int)(l - 2), host + 1);
	else
		snprintf(name, sizeof name, "%s", host ? host : "");
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if (!name[0] || getaddrinfo(name, NULL, &hints, &ai) != 0)
		return 0;
	for (const struct addrinfo *p = ai; p; p = p->ai_next)
		if (!addr_is_loopback(p->ai_addr))
			all = 0;
	freeaddrinfo(ai);
	return all;
}
