/* ini.h: the one syntax and reader of docpipe's INI-style files: pipeline.conf,
 * the form templates, fees.conf, grants.conf and procedures.conf (docs/FORMS-reference.md
 * section 2). A line is empty, a note ('#' or ';' first), "[section]" (name
 * trimmed, not empty) or "key = value" (both trimmed; in the value, " #"
 * starts a note); a key comes after a section header. Lines are shorter than
 * INI_LINE_MAX bytes; values are bytes (UTF-8 passes through); a file has no
 * NUL byte. Mistakes are reported as "FILE:LINE: problem". */
#ifndef DP_INI_H
#define DP_INI_H

#include <stddef.h>

#include "err.h"

#define INI_LINE_MAX 2048

struct ini {
	const char *file;        /* the name given to ini_start */
	int line;                /* the line just read, from 1 */
	const char *section;     /* the current section; NULL before the first header */
	const char *key;         /* NULL: the line just read is the header of section */
	char *value;             /* NULL on a header; the caller may change it in place */
	enum dp_err err;         /* why ini_next returned 0 early (m says more), else DP_OK */
	/* the reader's own */
	const char *next;
	char buf[INI_LINE_MAX], sec[INI_LINE_MAX];
};

/* Reads the file at path (at most max bytes) into *text, for the caller to free. */
enum dp_err ini_read(const char *path, size_t max, char **text, struct dp_msg *m);
void ini_start(struct ini *in, const char *name, const char *text);
/* Reads up to the next header or key = value and returns 1; returns 0 at the end, or at the
 * first mistake of the syntax (in->err and m say which). */
int ini_next(struct ini *in, struct dp_msg *m);
/* Fills m with "FILE:LINE: " and the message, for the line just read; returns DP_ERR_CONFIG. */
enum dp_err ini_fail(const struct ini *in, struct dp_msg *m, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
