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

enum dp_err dp_fail(struct dp_msg *m, enum dp_err e, const char *fmt, ...)
{
	va_list ap;

	if (m) {
		va_start(ap, fmt);
		vsnprintf(m->text, sizeof m->text, fmt, ap);
		va_end(ap);
	}
	return e;
}
