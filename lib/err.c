/* err.c: names and message filling for enum dp_err (see err.h). */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>

const char *dp_err_name(enum dp_err e)
{
	switch (e) {
	case DP_OK: return "ok";
	case DP_ERR_USAGE: return "usage";
	case DP_ERR_CONFIG: return "config";
	case DP_ERR_IO: return "io";
	case DP_ERR_FORMAT: return "format";
	case DP_ERR_CORRUPT: return "corrupt";
	case DP_ERR_LIMIT: return "limit";
	case DP_ERR_ENGINE: return "engine";
	case DP_ERR_DB: return "db";
	case DP_ERR_MQ: return "mq";
	case DP_ERR_NOMEM: return "nomem";
	case DP_ERR_INTERNAL: return "internal";
	}
	return "unknown";
}

const char *dp_reason_code(enum dp_reason r)
{
	switch (r) {
	case DP_REASON_NONE: return "";
	case DP_REASON_EMPTY_FILE: return "EMPTY_FILE";
	case DP_REASON_UNKNOWN_FORMAT: return "UNKNOWN_FORMAT";
	case DP_REASON_NOT_AN_IMAGE: return "NOT_AN_IMAGE";
	case DP_REASON_NOT_AUDIO: return "NOT_AUDIO";
	case DP_REASON_UNKNOWN_CODEC: return "UNKNOWN_CODEC";
	case DP_REASON_BAD_AUDIO: return "BAD_AUDIO";
	case DP_REASON_TRUNCATED: return "TRUNCATED";
	case DP_REASON_DAMAGED: return "DAMAGED";
	case DP_REASON_DECOMPRESSION_BOMB: return "DECOMPRESSION_BOMB";
	case DP_REASON_TOO_MANY_PAGES: return "TOO_MANY_PAGES";
	case DP_REASON_TOO_LONG: return "TOO_LONG";
	case DP_REASON_FILE_TOO_LARGE: return "FILE_TOO_LARGE";
	case DP_REASON_LINK: return "LINK";
	case DP_REASON_NOT_A_FILE: return "NOT_A_FILE";
	case DP_REASON_HARD_LINK: return "HARD_LINK";
	case DP_REASON_UNREADABLE: return "UNREADABLE";
	case DP_REASON_ENGINE_ERROR: return "ENGINE_ERROR";
	case DP_REASON_INTERNAL_ERROR: return "INTERNAL_ERROR";
	}
	return "INTERNAL_ERROR";
}

enum dp_reason dp_reason_of(enum dp_err e, enum dp_reason r)
{
	if (r != DP_REASON_NONE)
		return r;
	switch (e) {
	case DP_ERR_FORMAT: return DP_REASON_UNKNOWN_FORMAT;
	case DP_ERR_CORRUPT: return DP_REASON_DAMAGED;
	case DP_ERR_LIMIT: return DP_REASON_FILE_TOO_LARGE;
	case DP_ERR_IO: return DP_REASON_UNREADABLE;
	case DP_ERR_ENGINE: return DP_REASON_ENGINE_ERROR;
	case DP_OK:
	case DP_ERR_USAGE:
	case DP_ERR_CONFIG:
	case DP_ERR_DB:
	case DP_ERR_MQ:
	case DP_ERR_NOMEM:
	case DP_ERR_INTERNAL:
		break;
	}
	return DP_REASON_INTERNAL_ERROR;
}

static enum dp_err fill(struct dp_msg *m, enum dp_err e, enum dp_reason r, const char *fmt, va_list ap)
{
	if (m) {
		vsnprintf(m->text, sizeof m->text, fmt, ap);
		m->reason = r;
	}
	return e;
}

enum dp_err dp_fail(struct dp_msg *m, enum dp_err e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fill(m, e, DP_REASON_NONE, fmt, ap);
	va_end(ap);
	return e;
}

enum dp_err dp_refuse(struct dp_msg *m, enum dp_err e, enum dp_reason r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fill(m, e, r, fmt, ap);
	va_end(ap);
	return e;
}
