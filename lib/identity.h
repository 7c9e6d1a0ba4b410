/* identity.h: the entrance QR code's payload (seed section 2: once-only).
 *
 * The visitor's QR code holds UTF-8 text, one key=value per line:
 *     name=山田太郎
 *     org=株式会社サンプル商事
 *     tel=03-5321-1111
 *     visit=福祉保健局 高齢者施策推進部
 * Keys are name, org, tel, visit (ASCII, any case); empty lines and a UTF-8
 * byte-order mark are allowed, other keys are ignored (a later version of the
 * entrance system may add some). The payload is untrusted: identity_parse()
 * refuses it (IDENTITY_*) when it is over IDENTITY_PAYLOAD_MAX bytes, is not
 * UTF-8, holds a line that is not key=value, repeats a key, holds a value
 * over IDENTITY_VALUE_MAX bytes or with control characters, or has no known
 * key with a value. */
#ifndef DP_IDENTITY_H
#define DP_IDENTITY_H

#include <stddef.h>

#define IDENTITY_PAYLOAD_MAX 2048
#define IDENTITY_VALUE_MAX 255

enum identity_err {
	IDENTITY_OK = 0,
	IDENTITY_TOO_LONG,
	IDENTITY_NOT_UTF8,
	IDENTITY_NOT_PAIRS,     /* a line that is not key=value */
	IDENTITY_DUPLICATE,     /* a key twice */
	IDENTITY_BAD_VALUE,     /* too long or control characters */
	IDENTITY_NO_KEYS        /* no known key with a value */
};

struct identity {
	char name[IDENTITY_VALUE_MAX + 1];
	char org[IDENTITY_VALUE_MAX + 1];
	char tel[IDENTITY_VALUE_MAX + 1];
	char visit[IDENTITY_VALUE_MAX + 1];
};

/* Parse len bytes (not NUL-terminated); *line receives the 1-based line at fault, or 0. */
enum identity_err identity_parse(const char *data, size_t len, struct identity *id, int *line);
/* Why, for people: English and Japanese. */
const char *identity_err_en(enum identity_err e);
const char *identity_err_ja(enum identity_err e);

#endif
