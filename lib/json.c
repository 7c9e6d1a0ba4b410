/* json.c: JSON text for people and programs (see json.h). */
#include "json.h"

#include <stdlib.h>
#include <string.h>


/* length of the valid UTF-8 sequence at p (1..4), 0 when invalid */
static size_t utf8_seq(const unsigned char *p)
{
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (p[0] >= 0xe0 && p[0] <= 0xef) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if (p[0] == 0xe0 && p[1] < 0xa0)
			return 0; /* overlong */
		if (p[0] == 0xed && p[1] >= 0xa0)
			return 0; /* surrogates */
		return 3;
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
			return 0;
		if ((p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

/* A JSON string (RFC 8259): quotes, backslash and control characters escaped
 * (\u00XX), also < > & (so that the text is inert anywhere), any byte that is
 * not valid UTF-8 replaced by U+FFFD. */
int json_str(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	buf_add(b, "\"", 1);
	while (*p) {
		size_t l = utf8_seq(p);
		if (!l) {
			buf_addstr(b, "\\ufffd");
			p++;
			continue;
		}
		if (l > 1) {
			buf_add(b, p, l);
			p += l;
			continue;
		}
		switch (*p) {
		case '"': buf_addstr(b, "\\\""); break;
		case '\\': buf_addstr(b, "\\\\"); break;
		case '\n': buf_addstr(b, "\\n"); break;
		case '\r': buf_addstr(b, "\\r"); break;
		case '\t': buf_addstr(b, "\\t"); break;
		case '<': case '>': case '&': buf_printf(b, "\\u%04x", *p); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				buf_printf(b, "\\u%04x", *p);
			else
				buf_add(b, p, 1);
		}
		p++;
	}
	return buf_add(b, "\"", 1);
}

/* ,"key": (no comma before the first member of an object) */
void json_key(struct buf *b, const char *k)
{
	if (b->len && b->data[b->len - 1] != '{' && b->data[b->len - 1] != '[')
		buf_add(b, ",", 1);
	json_str(b, k);
	buf_add(b, ":", 1);
}

void json_kstr(struct buf *b, const char *k, const char *v)
{
	json_key(b, k);
	if (v)
		json_str(b, v);
	else
		buf_addstr(b, "null");
}

void json_item(struct buf *b)
{
	if (b->len && b->data[b->len - 1] != '[')
		buf_add(b, ",", 1);
}

/* The small JSON bodies of the API: one object; the string member `key`
 * into *out (malloc'd). Returns 0, 1 when absent (or not a string), -1 when
 * the body is not one well-formed JSON object of valid UTF-8. */
struct jp {
	const char *p, *end;
	int depth;
};

static void jp_ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int jp_hex4(struct jp *j, unsigned *u)
{
	*u = 0;
	if (j->end - j->p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int h = hex_value((unsigned char)j->p[i]);
		if (h < 0)
			return -1;
		*u = *u * 16 + (unsigned)h;
	}
	j->p += 4;
	return 0;
}

static void put_utf8(struct buf *b, unsigned u)
{
	unsigned char o[4];
	size_t n;

	if (u < 0x80) {
		o[0] = (unsigned char)u, n = 1;
	} else if (u < 0x800) {
		o[0] = (unsigned char)(0xc0 | u >> 6), o[1] = (unsigned char)(0x80 | (u & 0x3f)), n = 2;
	} else if (u < 0x10000) {
		o[0] = (unsigned char)(0xe0 | u >> 12), o[1] = (unsigned char)(0x80 | ((u >> 6) & 0x3f));
		o[2] = (unsigned char)(0x80 | (u & 0x3f)), n = 3;
	} else {
		o[0] = (unsigned char)(0xf0 | u >> 18), o[1] = (unsigned char)(0x80 | ((u >> 12) & 0x3f));
		o[2] = (unsigned char)(0x80 | ((u >> 6) & 0x3f)), o[3] = (unsigned char)(0x80 | (u & 0x3f)), n = 4;
	}
	buf_add(b, o, n);
}

/* a string at j->p (the opening quote); decoded into out when out != NULL */
static int jp_string(struct jp *j, struct buf *out)
{
	if (j->p >= j->end || *j->p != '"')
		return -1;
	j->p++;
	while (j->p < j->end) {
		unsigned char c = (unsigned char)*j->p;
		if (c == '"') {
			j->p++;
			return 0;
		}
		if (c < 0x20)
			return -1;
		if (c != '\\') {
			if (out)
				buf_add(out, j->p, 1);
			j->p++;
			continue;
		}
		if (++j->p >= j->end)
			return -1;
		c = (unsigned char)*j->p++;
		unsigned u;
		switch (c) {
		case '"': case '\\': case '/':
			if (out)
				buf_add(out, &c, 1);
			break;
		case 'b': if (out) buf_add(out, "\b", 1); break;
		case 'f': if (out) buf_add(out, "\f", 1); break;
		case 'n': if (out) buf_add(out, "\n", 1); break;
		case 'r': if (out) buf_add(out, "\r", 1); break;
		case 't': if (out) buf_add(out, "\t", 1); break;
		case 'u':
			if (jp_hex4(j, &u))
				return -1;
			if (u >= 0xdc00 && u <= 0xdfff)
				return -1; /* a lone low surrogate */
			if (u >= 0xd800 && u <= 0xdbff) {
				unsigned lo;
				if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u')
					return -1;
				j->p += 2;
				if (jp_hex4(j, &lo) || lo < 0xdc00 || lo > 0xdfff)
					return -1;
				u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
			}
			if (u == 0)
				return -1; /* no NUL inside C strings */
			if (out)
				put_utf8(out, u);
			break;
		default:
			return -1;
		}
	}
	return -1;
}

static int jp_value(struct jp *j);

static int jp_container(struct jp *j, char close)
{
	if (++j->depth > 16)
		return -1;
	j->p++;
	jp_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		j->depth--;
		return 0;
	}
	for (;;) {
		jp_ws(j);
		if (close == '}') {
			if (jp_string(j, NULL))
				return -1;
			jp_ws(j);
			if (j->p >= j->end || *j->p++ != ':')
				return -1;
		}
		if (jp_value(j))
			return -1;
		jp_ws(j);
		if (j->p >= j->end)
			return -1;
		if (*j->p == ',') {
			j->p++;
			continue;
		}
		if (*j->p++ != close)
			return -1;
		j->depth--;
		return 0;
	}
}

static int jp_value(struct jp *j)
{
	jp_ws(j);
	if (j->p >= j->end)
		return -1;
	switch (*j->p) {
	case '"': return jp_string(j, NULL);
	case '{': return jp_container(j, '}');
	case '[': return jp_container(j, ']');
	default: break;
	}
	static const char *const lits[] = { "true", "false", "null" };
	for (int i = 0; i < 3; i++) {
		size_t l = strlen(lits[i]);
		if ((size_t)(j->end - j->p) >= l && !memcmp(j->p, lits[i], l)) {
			j->p += l;
			return 0;
		}
	}
	const char *s = j->p;
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p >= j->end || *j->p < '0' || *j->p > '9')
		return -1;
	while (j->p < j->end && ((*j->p >= '0' && *j->p <= '9') || *j->p == '.' || *j->p == 'e' || *j->p == 'E' ||
				 *j->p == '+' || *j->p == '-'))
		j->p++;
	return j->p > s ? 0 : -1;
}

int json_get_string(const char *body, size_t len, const char *key, size_t max, char **out)
{
	struct jp j = { body, body + len, 0 };
	int found = 1;

	*out = NULL;
	if (!utf8_valid(body, len))
		return -1;
	jp_ws(&j);
	if (j.p >= j.end || *j.p != '{')
		return -1;
	j.p++;
	jp_ws(&j);
	if (j.p < j.end && *j.p == '}') {
		j.p++;
		goto tail;
	}
	for (;;) {
		struct buf k;
		buf_init(&k, max);
		jp_ws(&j);
		if (jp_string(&j, &k)) {
			buf_release(&k);
			goto bad;
		}
		buf_add(&k, "", 1);
		jp_ws(&j);
		if (j.p >= j.end || *j.p++ != ':') {
			buf_release(&k);
			goto bad;
		}
		jp_ws(&j);
		if (!strcmp(k.data, key) && j.p < j.end && *j.p == '"') {
			struct buf v;
			buf_init(&v, max);
			if (jp_string(&j, &v)) {
				buf_release(&v);
				buf_release(&k);
				goto bad;
			}
			buf_add(&v, "", 1);
			free(*out);
			*out = buf_detach(&v, NULL);
			found = 0;
		} else if (jp_value(&j)) {
			buf_release(&k);
			goto bad;
		}
		buf_release(&k);
		jp_ws(&j);
		if (j.p >= j.end)
			goto bad;
		if (*j.p == ',') {
			j.p++;
			continue;
		}
		if (*j.p++ != '}')
			goto bad;
		break;
	}
tail:
	jp_ws(&j);
	if (j.p != j.end)
		goto bad;
	return found;
bad:
	free(*out);
	*out = NULL;
	return -1;
}
