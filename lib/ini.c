/* ini.c: the line reader of every INI-style file (see ini.h). */
#include "ini.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

enum dp_err ini_read(const char *path, size_t max, char **text, struct dp_msg *m)
{
	size_t len;
	enum dp_err e = file_read(path, text, &len, max, m);
	const char *nul;
	int line = 1;

	if (e || !(nul = memchr(*text, '\0', len)))
		return e;
	for (const char *p = *text; (p = memchr(p, '\n', (size_t)(nul - p))); p++)
		line++;
	free(*text);
	*text = NULL;
	return dp_fail(m, DP_ERR_CONFIG, "%s:%d: contains a NUL byte: is it a text file?", path, line);
}

void ini_start(struct ini *in, const char *name, const char *text)
{
	*in = (struct ini){ .file = name, .next = text };
}

enum dp_err ini_fail(const struct ini *in, struct dp_msg *m, const char *fmt, ...)
{
	char what[DP_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return dp_fail(m, DP_ERR_CONFIG, "%s:%d: %s", in->file, in->line, what);
}

static int stop(struct ini *in, enum dp_err e)
{
	in->err = e;
	return 0;
}

int ini_next(struct ini *in, struct dp_msg *m)
{
	while (*in->next) {
		const char *nl = strchr(in->next, '\n');
		size_t len = nl ? (size_t)(nl - in->next) : strlen(in->next);
		char *s, *close, *eq, *hash;

		in->line++;
		if (len >= sizeof in->buf)
			return stop(in, ini_fail(in, m, "line too long"));
		memcpy(in->buf, in->next, len);
		in->buf[len] = '\0';
		in->next += nl ? len + 1 : len;
		s = str_trim(in->buf);
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			close = strchr(s, ']');
			if (close && !close[1]) {
				*close = '\0';
				s = str_trim(s + 1);
			}
			if (!close || close[1] || !*s)
				return stop(in, ini_fail(in, m, "a section header looks like [name]"));
			in->section = memcpy(in->sec, s, strlen(s) + 1);
			in->key = in->value = NULL;
			return 1;
		}
		if (!(eq = strchr(s, '=')))
			return stop(in, ini_fail(in, m, "expected 'key = value', got '%s'", s));
		*eq = '\0';
		in->key = str_trim(s);
		in->value = str_trim(eq + 1);
		if (!in->section)
			return stop(in, ini_fail(in, m, "'%s' comes before any [section]", in->key));
		/* an inline comment needs a space before '#' */
		if ((hash = strstr(in->value, " #"))) {
			*hash = '\0';
			in->value = str_trim(in->value);
		}
		return 1;
	}
	return 0;
}
