/* err.h: docpipe's one error type.
 *
 * Every function that can fail returns an enum dp_err and, when it fails,
 * fills a caller-supplied message buffer (struct dp_msg) at the point of
 * failure with text meant for the person who will read it: what failed, for
 * which file, what to do. dp_err_name() has no default: case, so a new code
 * cannot be forgotten (the build uses -Wswitch-enum). */
#ifndef DP_ERR_H
#define DP_ERR_H

#include <stddef.h>

enum dp_err {
	DP_OK = 0,
	DP_ERR_USAGE,     /* bad command line */
	DP_ERR_CONFIG,    /* pipeline.conf or a models/ file is wrong */
	DP_ERR_IO,        /* a file could not be read or written */
	DP_ERR_FORMAT,    /* input is not a format docpipe reads */
	DP_ERR_CORRUPT,   /* input is of a known format but damaged or truncated */
	DP_ERR_LIMIT,     /* input exceeds a configured limit */
	DP_ERR_ENGINE,    /* Tesseract, Leptonica, PocketSphinx, zbar failed */
	DP_ERR_DB,        /* PostgreSQL refused or is unreachable */
	DP_ERR_MQ,        /* ZeroMQ failure */
	DP_ERR_NOMEM,
	DP_ERR_INTERNAL   /* a bug in docpipe */
};

#define DP_MSG_MAX 512
struct dp_msg {
	char text[DP_MSG_MAX];
};

const char *dp_err_name(enum dp_err e);

/* Fill m with a printf-style message and return e (so: return dp_fail(...)). */
enum dp_err dp_fail(struct dp_msg *m, enum dp_err e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
