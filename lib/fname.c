/* fname.c: display forms of file names that are not UTF-8 (see fname.h). */
#include "fname.h"

#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Append s[0..len) to out at *at (n includes the NUL); what does not fit is
 * cut before the UTF-8 sequence it would split. */
static void put(char *out, size_t n, size_t *at, const char *s, size_t len)
{
	if (*at + len + 1 > n) {
		len = n - 1 - *at;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(out + *at, s, len);
	*at += len;
	out[*at] = '\0';
}

/* Length of the valid UTF-8 sequence at p (at most left bytes), 0 if none. */
static size_t utf8_at(const char *p, size_t left)
{
	for (size_t l = 1; l <= 4 && l <= left; l++)
		if (utf8_valid(p, l))
			return l;
	return 0;
}

/* One component decoded from CP932 into out; -1 when it is not valid CP932. */
static int from_cp932(const char *s, size_t len, char *out, size_t n, size_t *at)
{
	char tmp[1024], *in = (char *)s, *o = tmp;
	size_t inl = len, outl = sizeof tmp - 1;
	iconv_t cd;
	int rc = 0;

	if (len * 3 >= sizeof tmp)
		return -1;
	cd = iconv_open("UTF-8", "CP932");
	if (cd == (iconv_t)-1)
		return -1;
	if (iconv(cd, &in, &inl, &o, &outl) == (size_t)-1 || inl != 0 || !utf8_valid(tmp, (size_t)(o - tmp)))
		rc = -1;
	iconv_close(cd);
	if (!rc)
		put(out, n, at, tmp, (size_t)(o - tmp));
	return rc;
}

int fname_display(const char *raw, char *out, size_t n)
{
	size_t at = 0;
	const char *p = raw;

	if (!n)
		return 1;
	out[0] = '\0';
	if (utf8_valid(raw, strlen(raw))) {
		str_copy(out, n, raw);
		return 0;
	}
	while (*p) {
		size_t len = strcspn(p, "/");
		if (utf8_valid(p, len)) {
			put(out, n, &at, p, len);
		} else if (from_cp932(p, len, out, n, &at) != 0) {
			for (size_t i = 0; i < len;) {
				size_t l = utf8_at(p + i, len - i);
				if (l) {
					put(out, n, &at, p + i, l);
					i += l;
				} else {
					char esc[8];
					snprintf(esc, sizeof esc, "\\x%02x", (unsigned char)p[i]);
					put(out, n, &at, esc, 4);
					i++;
				}
			}
		}
		p += len;
		if (*p == '/')
			put(out, n, &at, p++, 1);
	}
	return 1;
}

char *fname_bytea(const char *raw)
{
	static const char hex[] = "0123456789abcdef";
	size_t l = strlen(raw);
	char *s = xmalloc(2 * l + 3), *o = s;

	*o++ = '\\';
	*o++ = 'x';
	for (size_t i = 0; i < l; i++) {
		*o++ = hex[(unsigned char)raw[i] >> 4];
		*o++ = hex[(unsigned char)raw[i] & 15];
	}
	*o = '\0';
	return s;
}

char *fname_unhex(const char *hex)
{
	size_t l = strlen(hex);
	char *s;

	if (l % 2)
		return NULL;
	s = xmalloc(l / 2 + 1);
	for (size_t i = 0; i < l / 2; i++) {
		int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
		if (hi < 0 || lo < 0 || (hi | lo) == 0) {
			free(s);
			return NULL;
		}
		s[i] = (char)(hi << 4 | lo);
	}
	s[l / 2] = '\0';
	return s;
}
