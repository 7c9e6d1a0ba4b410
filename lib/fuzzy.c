/* fuzzy.c: Sellers' approximate substring matching and edit distance on code points (see fuzzy.h). */
#include "fuzzy.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Decode UTF-8 into code points, skipping white space; returns the count. */
static size_t decode(const char *s, unsigned *out, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	while (*p && n < max) {
		int l;
		unsigned c = utf8_decode((const char *)p, &l);
		if (c != ' ' && c != '\t' && c != '\n' && c != '\f' && c != 0x3000)
			out[n++] = c;
		p += l;
	}
	return n;
}

/* The fewest edits (insertions, deletions, substitutions of code points)
 * that turn pattern into some substring of text (anywhere = 1) or into the
 * whole of text (anywhere = 0); *m_out receives pattern's length. */
static int edits(const char *pattern, const char *text, int anywhere, size_t *m_out)
{
	enum { MAXP = 256, MAXT = 8192 };
	unsigned *p = xmalloc(MAXP * sizeof *p), *t = xmalloc(MAXT * sizeof *t);
	size_t m = decode(pattern, p, MAXP), n = decode(text, t, MAXT);
	int *prev = xmalloc((n + 1) * sizeof *prev), *cur = xmalloc((n + 1) * sizeof *cur);
	int best;

	for (size_t j = 0; j <= n; j++)
		prev[j] = anywhere ? 0 : (int)j; /* anywhere: a match may start anywhere in text */
	for (size_t i = 1; i <= m; i++) {
		cur[0] = (int)i;
		for (size_t j = 1; j <= n; j++) {
			int sub = prev[j - 1] + (p[i - 1] != t[j - 1]);
			int del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		int *tmp = prev;
		prev = cur;
		cur = tmp;
	}
	best = prev[n];
	for (size_t j = 0; anywhere && j <= n; j++)
		if (prev[j] < best)
			best = prev[j];
	free(prev);
	free(cur);
	free(p);
	free(t);
	*m_out = m;
	return best;
}

double fuzzy_find(const char *pattern, const char *text)
{
	size_t m;
	int best = edits(pattern, text, 1, &m);
	double score = m ? 1.0 - (double)best / (double)m : 0;

	return score < 0 ? 0 : score;
}

int fuzzy_distance(const char *a, const char *b)
{
	size_t m;
	return edits(a, b, 0, &m);
}
