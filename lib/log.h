/* log.h: the tiny log module. Lines go to stderr in logfmt
 * (ts=... level=... msg="..." key=value ...). Daemons and workers log through
 * it, never with bare printf. The level is checked before formatting. */
#ifndef DP_LOG_H
#define DP_LOG_H

#include <stddef.h>

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_set_level(enum log_level lv);
int log_parse_level(const char *s, enum log_level *out);
int log_enabled(enum log_level lv);

/* msg is free text; kv is an already-formatted logfmt tail ("file=... doc=...")
 * built with log_kv(), or NULL. */
void log_line(enum log_level lv, const char *msg, const char *kv);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Append key=value to buf (size n), quoting the value when it holds spaces,
 * quotes, '=' or control characters. Returns buf. */
char *log_kv(char *buf, size_t n, const char *key, const char *val);

#endif
