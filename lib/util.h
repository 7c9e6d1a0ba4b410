/* util.h: small helpers every module uses: strings, bounded buffers, files,
 * clocks, hashing. Nothing here knows about jobs, stages or the database. */
#ifndef DP_UTIL_H
#define DP_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Trim ASCII white space in place; returns the first non-space character. */
char *str_trim(char *s);
/* strdup that aborts on out-of-memory (callers free). NULL stays NULL. */
char *xstrdup(const char *s);
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
void *xcalloc(size_t n, size_t size);
/* Copy at most n-1 bytes and NUL-terminate, never splitting a UTF-8 sequence. */
void str_copy(char *dst, size_t n, const char *src);
int str_starts(const char *s, const char *prefix);

/* A growable byte buffer with a hard maximum (0 = no maximum). */
struct buf {
	char *data;
	size_t len, cap, max;
};
void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
/* Empty b, keeping its memory. */
void buf_reset(struct buf *b);
/* Returns -1 (and appends nothing) when max would be exceeded. */
int buf_add(struct buf *b, const void *p, size_t n);
int buf_addstr(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Detach the NUL-terminated contents; the caller frees. */
char *buf_detach(struct buf *b, size_t *len);

/* Read a whole regular file of at most max bytes; *out is NUL-terminated,
 * caller frees. */
enum dp_err file_read(const char *path, char **out, size_t *len, size_t max, struct dp_msg *m);
/* Open name (relative to dirfd, or AT_FDCWD) for reading, without waiting
 * on a pipe, and check what was opened (fstat into *st): a regular file.
 * With FILE_INSIDE (the inbox): name is one component of dirfd's folder,
 * a symbolic link is not followed (O_NOFOLLOW), and the file has one link
 * on dirfd's file system, so a link swapped in after a check leads nowhere.
 * Returns the descriptor, or -1 with m filled (shown names the file, m's
 * reason says why: LINK, NOT_A_FILE, HARD_LINK, UNREADABLE). */
#define FILE_INSIDE 1u
struct stat;
int file_open_at(int dirfd, const char *name, unsigned flags, const char *shown, struct stat *st, struct dp_msg *m);
/* Read all of an open file of size st->st_size, at most max bytes. */
enum dp_err file_read_fd(int fd, const struct stat *st, const char *shown, char **out, size_t *len, size_t max,
			 struct dp_msg *m);
/* Write atomically: a new file of an unpredictable name beside path
 * (O_EXCL), then renamed to path. file_write_as: with permissions mode
 * (-1: 0666 less the umask) and group gid (-1: the process's). */
enum dp_err file_write(const char *path, const void *data, size_t len, struct dp_msg *m);
enum dp_err file_write_as(const char *path, const void *data, size_t len, int mode, long gid, struct dp_msg *m);

void path_dirname(const char *path, char *out, size_t n);
const char *path_basename(const char *path);
/* 1 when path names a file this process can open for reading */
int file_readable(const char *path);
/* mkdir -p */
int mkdir_p(const char *path);
/* mkdir -p whose new folders get permissions mode whatever the umask, and
 * group gid (-1: leave as created); existing folders are left as they are. */
int mkdir_as(const char *path, int mode, long gid);

/* Microseconds since the epoch (wall) and CPU microseconds of this thread. */
int64_t now_us(void);
int64_t thread_cpu_us(void);
int64_t process_cpu_us(void);
/* Each live thread of this process (/proc/self/task): fn(name, is_main,
 * cpu_us, user) with the thread's name (comm) and CPU time so far.
 * Returns the number of threads, -1 when /proc cannot be read. */
int threads_cpu(void (*fn)(const char *name, int is_main, int64_t cpu_us, void *user), void *user);

/* CPU time spent inside engine calls (Leptonica, Tesseract, PocketSphinx,
 * zbar, libsndfile, speexdsp, libpq), per thread: wrap each call in
 * engine_enter()/engine_leave() (nesting is fine); engine_take_us() returns
 * the total since the last take. Lets the benchmark show that everything
 * else (messages, serialisation, coordination) costs next to nothing. */
void engine_enter(void);
void engine_leave(void);
int64_t engine_take_us(void);

/* 1 when s[0..len) is well-formed UTF-8 without NUL (no overlong forms, no surrogates). */
int utf8_valid(const char *s, size_t len);
/* One code point of s (U+FFFD for a malformed byte); *len receives its
 * length in bytes (at least 1). */
unsigned utf8_decode(const char *s, int *len);

/* The value of hex digit c (0-9, a-f, A-F), -1 when it is not one. */
int hex_value(int c);

/* SHA-256 of data as 64 lowercase hex digits plus NUL. */
void sha256_hex(const void *data, size_t len, char out[65]);

/* This machine's host name (cached). */
const char *host_name(void);
struct sockaddr;
/* 127.0.0.0/8, ::1 or an IPv4-mapped 127.x address */
int addr_is_loopback(const struct sockaddr *sa);
/* Every address host (a name, a number, "[::1]") resolves to is a loopback one;
 * 0 when it does not resolve ("*", an interface name such as eth0). */
int host_is_loopback(const char *host);

#endif
