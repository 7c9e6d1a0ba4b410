/* identity.c: parsing the entrance QR code's payload (see identity.h). */
#include "identity.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "util.h"

static char *slot(struct identity *id, const char *key, size_t kl)
{
	if (kl == 4 && !strncasecmp(key, "name", 4))
		return id->name;
	if (kl == 3 && !strncasecmp(key, "org", 3))
		return id->org;
	if (kl == 3 && !strncasecmp(key, "tel", 3))
		return id->tel;
	if (kl == 5 && !strncasecmp(key, "visit", 5))
		return id->visit;
	return NULL;
}

enum identity_err identity_parse(const char *data, size_t len, struct identity *id, int *line)
{
	const char *p = data, *end = data + len;
	int lineno = 0, seen[4] = { 0 };

	memset(id, 0, sizeof *id);
	*line = 0;
	if (len > IDENTITY_PAYLOAD_MAX)
		return IDENTITY_TOO_LONG;
	if (!utf8_valid(data, len))
		return IDENTITY_NOT_UTF8;
	if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		p += 3;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *eq, *k0 = p, *k1, *v0, *v1;
		lineno++;
		p = nl ? nl + 1 : end;
		while (k0 < le && (*k0 == ' ' || *k0 == '\t' || *k0 == '\r'))
			k0++;
		v1 = le;
		while (v1 > k0 && (v1[-1] == ' ' || v1[-1] == '\t' || v1[-1] == '\r'))
			v1--;
		if (k0 == v1)
			continue; /* empty line */
		eq = memchr(k0, '=', (size_t)(v1 - k0));
		if (!eq || eq == k0) {
			*line = lineno;
			return IDENTITY_NOT_PAIRS;
		}
		k1 = eq;
		while (k1 > k0 && (k1[-1] == ' ' || k1[-1] == '\t'))
			k1--;
		for (const char *q = k0; q < k1; q++)
			if (!isalnum((unsigned char)*q) && *q != '_' && *q != '-' && *q != '.') {
				*line = lineno;
				return IDENTITY_NOT_PAIRS;
			}
		v0 = eq + 1;
		while (v0 < v1 && (*v0 == ' ' || *v0 == '\t'))
			v0++;
		char *dst = slot(id, k0, (size_t)(k1 - k0));
		if (!dst)
			continue; /* a key of a later version: ignored */
		int which = dst == id->name ? 0 : dst == id->org ? 1 : dst == id->tel ? 2 : 3;
		if (seen[which]++) {
			*line = lineno;
			return IDENTITY_DUPLICATE;
		}
		if ((size_t)(v1 - v0) > IDENTITY_VALUE_MAX) {
			*line = lineno;
			return IDENTITY_BAD_VALUE;
		}
		for (const char *q = v0; q < v1; q++)
			if ((unsigned char)*q < 0x20 || *q == 0x7f) {
				*line = lineno;
				return IDENTITY_BAD_VALUE;
			}
		memcpy(dst, v0, (size_t)(v1 - v0));
		dst[v1 - v0] = '\0';
	}
	if (!id->name[0] && !id->org[0] && !id->tel[0] && !id->visit[0])
		return IDENTITY_NO_KEYS;
	return IDENTITY_OK;
}

const char *identity_err_en(enum identity_err e)
{
	switch (e) {
	case IDENTITY_OK: return "well-formed";
	case IDENTITY_TOO_LONG: return "it is longer than 2 KiB";
	case IDENTITY_NOT_UTF8: return "it is not UTF-8 text";
	case IDENTITY_NOT_PAIRS: return "a line is not key=value";
	case IDENTITY_DUPLICATE: return "a key appears twice";
	case IDENTITY_BAD_VALUE: return "a value is too long or holds control characters";
	case IDENTITY_NO_KEYS: return "it has none of the keys name, org, tel, visit";
	}
	return "?";
}

const char *identity_err_ja(enum identity_err e)
{
	switch (e) {
	case IDENTITY_OK: return "正常";
	case IDENTITY_TOO_LONG: return "2 KiB を超えています";
	case IDENTITY_NOT_UTF8: return "UTF-8 の文字列ではありません";
	case IDENTITY_NOT_PAIRS: return "「項目=値」の形でない行があります";
	case IDENTITY_DUPLICATE: return "同じ項目が二度あります";
	case IDENTITY_BAD_VALUE: return "値が長すぎるか制御文字を含みます";
	case IDENTITY_NO_KEYS: return "name, org, tel, visit のいずれの項目もありません";
	}
	return "?";
}
