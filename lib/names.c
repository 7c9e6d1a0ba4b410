/* names.c: the personal-name dictionary (see names.h). Four sorted arrays of
 * strings (family and given names, written and read); a lookup is a binary
 * search, a value is tried at every character boundary. */
#include "names.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

enum { SEI_W, MEI_W, SEI_R, MEI_R, NLISTS };

struct names {
	char *text;          /* the dictionary, UTF-8, cut into strings in place */
	char **list[NLISTS]; /* sorted, pointing into text */
	long n[NLISTS];
};

/* titles written before a representative's name: set aside */
static const char *const TITLES[] = {
	"代表取締役社長", "代表取締役", "取締役社長", "代表執行役", "代表理事", "理事長", "代表社員", "代表者",
	"代表", "社長", "会長", "組合長", "所長", "院長", "園長", "校長", "店長", NULL,
};

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has(const struct names *n, int which, const char *s)
{
	return n->n[which] && bsearch(&s, n->list[which], (size_t)n->n[which], sizeof(char *), cmp) != NULL;
}

/* EUC-JP (the IPA dictionary as Debian ships it) to UTF-8; a file that is
 * valid UTF-8 already is taken as it is */
static char *to_utf8(const char *in, size_t len, const char *path, struct dp_msg *m)
{
	if (utf8_valid(in, len)) {
		char *out = xmalloc(len + 1);
		memcpy(out, in, len);
		out[len] = '\0';
		return out;
	}
	iconv_t cd = iconv_open("UTF-8", "EUC-JP");
	if (cd == (iconv_t)-1) {
		dp_fail(m, DP_ERR_CONFIG, "%s: cannot convert from EUC-JP: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = len * 3 / 2 + 16, left = cap;
	char *out = xmalloc(cap + 1), *op = out, *ip = (char *)in;
	size_t il = len;
	if (iconv(cd, &ip, &il, &op, &left) == (size_t)-1) {
		dp_fail(m, DP_ERR_CONFIG, "%s: not EUC-JP or UTF-8 text (byte %zu): %s", path, (size_t)(ip - in),
			strerror(errno));
		iconv_close(cd);
		free(out);
		return NULL;
	}
	iconv_close(cd);
	*op = '\0';
	return out;
}

enum dp_err names_load(struct names **out, const char *path, struct dp_msg *m)
{
	char *raw = NULL;
	size_t len = 0;
	enum dp_err e;
	struct names *n;
	long cap[NLISTS] = { 0 };

	*out = NULL;
	if (!path || !*path)
		return DP_OK;
	e = file_read(path, &raw, &len, 64u << 20, m);
	if (e) {
		char why[DP_MSG_MAX];
		str_copy(why, sizeof why, m->text);
		return dp_fail(m, DP_ERR_CONFIG, "[models] names: %s (Debian's mecab-ipadic has it)", why);
	}
	n = xcalloc(1, sizeof *n);
	n->text = to_utf8(raw, len, path, m);
	free(raw);
	if (!n->text) {
		free(n);
		return DP_ERR_CONFIG;
	}
	/* surface,left,right,cost,名詞,固有名詞,人名,姓|名,*,*,base,reading,pronunciation */
	int lineno = 0;
	for (char *line = n->text, *next; line && *line; line = next) {
		char *col[13];
		int k = 0;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		for (char *p = line; k < 13; k++) {
			col[k] = p;
			p = strchr(p, ',');
			if (!p) {
				k++;
				break;
			}
			*p++ = '\0';
		}
		if (k < 12 || strcmp(col[6], "人名"))
			continue;
		int sei = !strcmp(col[7], "姓"), mei = !strcmp(col[7], "名");
		if (!sei && !mei)
			continue;
		for (int r = 0; r < 2; r++) {
			int which = sei ? (r ? SEI_R : SEI_W) : (r ? MEI_R : MEI_W);
			const char *s = r ? col[11] : col[0];
			if (!*s || !strcmp(s, "*"))
				continue;
			if (n->n[which] == cap[which]) {
				cap[which] = cap[which] ? cap[which] * 2 : 4096;
				n->list[which] = xrealloc(n->list[which], (size_t)cap[which] * sizeof(char *));
			}
			n->list[which][n->n[which]++] = (char *)s;
		}
	}
	if (!n->n[SEI_W] || !n->n[MEI_W]) {
		names_free(&n);
		return dp_fail(m, DP_ERR_CONFIG,
			       "%s: no family and given names in it (expected the IPA dictionary's Noun.name.csv, %d lines read)",
			       path, lineno);
	}
	for (int w = 0; w < NLISTS; w++)
		if (n->n[w])
			qsort(n->list[w], (size_t)n->n[w], sizeof(char *), cmp);
	*out = n;
	return DP_OK;
}

void names_free(struct names **n)
{
	if (!*n)
		return;
	for (int w = 0; w < NLISTS; w++)
		free((*n)->list[w]);
	free((*n)->text);
	free(*n);
	*n = NULL;
}

long names_count(const struct names *n)
{
	long t = 0;
	for (int w = 0; n && w < NLISTS; w++)
		t += n->n[w];
	return t;
}

/* family name + given name at some character boundary of s */
static int split(const struct names *n, const char *s, int sei, int mei)
{
	char head[256];
	size_t len = strlen(s);

	if (len >= sizeof head)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if (((unsigned char)s[i] & 0xC0) == 0x80)
			continue; /* not a character boundary */
		memcpy(head, s, i);
		head[i] = '\0';
		if (has(n, sei, head) && has(n, mei, s + i))
			return 1;
	}
	return 0;
}

int names_is_person(const struct names *n, const char *v, int kana)
{
	char s[256];
	size_t k = 0;

	if (!n || !v)
		return 0;
	/* spaces (ASCII and ideographic) between the names are not part of them */
	for (const char *p = v; *p && k + 1 < sizeof s; p++) {
		if (*p == ' ')
			continue;
		if (!strncmp(p, "\u3000", 3)) {
			p += 2;
			continue;
		}
		s[k++] = *p;
	}
	s[k] = '\0';
	if (!k)
		return 0;
	if (kana)
		return split(n, s, SEI_R, MEI_R);
	if (split(n, s, SEI_W, MEI_W))
		return 1;
	for (int t = 0; TITLES[t]; t++)
		if (str_starts(s, TITLES[t]) && split(n, s + strlen(TITLES[t]), SEI_W, MEI_W))
			return 1;
	return 0;
}
