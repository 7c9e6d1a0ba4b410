/* log.c: logfmt lines on stderr (see log.h). Thread-safe: one fputs per line. */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fname.h"

static enum log_level cur_level = LOG_INFO;
static const char *names[] = { "error", "warn", "info", "debug" };

void log_set_level(enum log_level lv) { cur_level = lv; }
int log_enabled(enum log_level lv) { return lv <= cur_level; }

int log_parse_level(const char *s, enum log_level *out)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	return -1;
}

char *log_kv(char *buf, size_t n, const char *key, const char *val)
{
	size_t len = strlen(buf);
	int quote = 0;
	char shown[1024];

	if (!val)
		val = "";
	/* a value that is not UTF-8 (a Shift_JIS file name) in its display form */
	if (fname_display(val, shown, sizeof shown))
		val = shown;
	if (!*val)
		quote = 1;
	for (const char *p = val; *p; p++)
		if (*p == ' ' || *p == '"' || *p == '=' || (unsigned char)*p < 0x20)
			quote = 1;
	if (len + 1 >= n)
		return buf;
	len += (size_t)snprintf(buf + len, n - len, "%s%s=%s", len ? " " : "", key, quote ? "\"" : "");
	for (const char *p = val; *p && len + 3 < n; p++) {
		if (*p == '"' || *p == '\\') {
			buf[len++] = '\\';
			buf[len++] = *p;
		} else if (*p == '\n') {
			buf[len++] = '\\';
			buf[len++] = 'n';
		} else if ((unsigned char)*p < 0x20) {
			buf[len++] = ' ';
		} else {
			buf[len++] = *p;
		}
	}
	if (quote && len + 1 < n)
		buf[len++] = '"';
	buf[len < n ? len : n - 1] = '\0';
	return buf;
}

void log_line(enum log_level lv, const char *msg, const char *kv)
{
	char line[4096] = "";
	char ts[80];
	struct timespec now;
	struct tm tm;

	if (!log_enabled(lv))
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, now.tv_nsec / 1000000);
	log_kv(line, sizeof line, "ts", ts);
	log_kv(line, sizeof line, "level", names[lv]);
	log_kv(line, sizeof line, "msg", msg);
	if (kv && *kv) {
		size_t l = strlen(line);
		snprintf(line + l, sizeof line - l, " %s", kv);
	}
	size_t l = strlen(line);
	if (l + 1 < sizeof line) {
		line[l] = '\n';
		line[l + 1] = '\0';
	}
	fputs(line, stderr);
}

#define LOG_FN(fn, lv)                                  \
	void fn(const char *fmt, ...)                   \
	{                                               \
		char msg[1024];                         \
		va_list ap;                             \
		if (!log_enabled(lv))                   \
			return;                         \
		va_start(ap, fmt);                      \
		vsnprintf(msg, sizeof msg, fmt, ap);    \
		va_end(ap);                             \
		log_line(lv, msg, NULL);                \
	}
LOG_FN(log_error, LOG_ERROR)
LOG_FN(log_warn, LOG_WARN)
LOG_FN(log_info, LOG_INFO)
LOG_FN(log_debug, LOG_DEBUG)
