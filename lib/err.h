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

/* Why an input was refused, for machines: a stable code stored beside the
 * words (documents.error_code, ledger.error_code, NAME.error.txt, the log).
 * dp_reason_code() gives the code (docs/OPERATIONS.md lists them); it has
 * no default: case either. DP_REASON_NONE: the failure named no reason, and
 * dp_reason_of() picks one from the error class. */
enum dp_reason {
	DP_REASON_NONE = 0,
	DP_REASON_EMPTY_FILE,         /* 0 bytes */
	DP_REASON_UNKNOWN_FORMAT,     /* content of no format docpipe reads */
	DP_REASON_NOT_AN_IMAGE,       /* named like a scan (.png, .pdf ...), content is none */
	DP_REASON_NOT_AUDIO,          /* named like a recording (.wav ...), content is none */
	DP_REASON_UNKNOWN_CODEC,      /* a recording docpipe cannot decode */
	DP_REASON_BAD_AUDIO,          /* a recording without usable rate or channels */
	DP_REASON_TRUNCATED,          /* a known format, cut short */
	DP_REASON_DAMAGED,            /* a known format, unreadable */
	DP_REASON_DECOMPRESSION_BOMB, /* a page declares more than [limits] max_pixels */
	DP_REASON_TOO_MANY_PAGES,     /* more than [limits] max_pages */
	DP_REASON_TOO_LONG,           /* a recording longer than [limits] max_audio_seconds */
	DP_REASON_FILE_TOO_LARGE,     /* more than [limits] max_file_bytes */
	DP_REASON_LINK,               /* a symbolic link in the inbox: never followed */
	DP_REASON_NOT_A_FILE,         /* a folder, device, pipe or socket */
	DP_REASON_HARD_LINK,          /* an inbox file with more than one name */
	DP_REASON_UNREADABLE,         /* cannot be opened or read (permissions, I/O error) */
	DP_REASON_ENGINE_ERROR,       /* an engine failed on it */
	DP_REASON_INTERNAL_ERROR      /* a bug in docpipe, or a malformed job */
};

#define DP_MSG_MAX 512
struct dp_msg {
	char text[DP_MSG_MAX];
	enum dp_reason reason;    /* set by dp_refuse, cleared by dp_fail */
};

const char *dp_err_name(enum dp_err e);
/* "EMPTY_FILE", "TRUNCATED", ...; "" for DP_REASON_NONE. */
const char *dp_reason_code(enum dp_reason r);
/* The reason a failure carries: r when set, else one by its class e. */
enum dp_reason dp_reason_of(enum dp_err e, enum dp_reason r);

/* Fill m with a printf-style message and return e (so: return dp_fail(...)). */
enum dp_err dp_fail(struct dp_msg *m, enum dp_err e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* dp_fail that also names why an input is refused (m->reason). */
enum dp_err dp_refuse(struct dp_msg *m, enum dp_err e, enum dp_reason r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
