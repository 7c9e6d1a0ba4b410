/* json.h: writing JSON that is always valid UTF-8, and reading the small
 * JSON bodies of an HTTP API.
 *
 * The writer escapes as RFC 8259 asks, writes control characters as \u00XX,
 * and also < > & (so that the text is inert inside HTML), and replaces every
 * byte that is not part of valid UTF-8 with U+FFFD: whatever a file name or a
 * value holds, the output parses. The reader takes one object and gives one
 * string member; it refuses anything that is not well-formed, valid UTF-8,
 * nested deeper than 16, or holds a NUL. */
#ifndef DP_JSON_H
#define DP_JSON_H

#include <stddef.h>

#include "util.h"

/* s as a JSON string, with its quotes (NULL as ""); 0, or buf's error. */
int json_str(struct buf *b, const char *s);
/* ,"k": — the comma only when b does not end an opening { or [. */
void json_key(struct buf *b, const char *k);
/* ,"k":"v" (or null when v is NULL). */
void json_kstr(struct buf *b, const char *k, const char *v);
/* the comma before an array element, unless it is the first */
void json_item(struct buf *b);

/* The string member key of the JSON object body (len bytes) into *out
 * (malloc'd, at most max bytes; the caller frees). Returns 0, 1 when absent
 * or not a string (*out NULL), -1 when body is not one well-formed object. */
int json_get_string(const char *body, size_t len, const char *key, size_t max, char **out);

#endif
