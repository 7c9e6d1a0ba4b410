/* lexicon.c: names, place names and katakana words from the IPA dictionary
 * (see lexicon.h). Six sorted arrays of strings; a lookup is a binary
 * search. */
#include "lexicon.h"

#include <dirent.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

enum { SEI_W, MEI_W, SEI_R, MEI_R, KATA, PLACE, NLISTS };

struct lexicon {
	char **list[NLISTS]; /* sorted, each string its own allocation */
	long n[NLISTS], cap[NLISTS];
};

/* titles written before a representative's name: set aside */
static const char *const TITLES[] = {
	"代表取締役社長", "代表取締役", "取締役社長", "代表執行役", "代表理事", "理事長", "代表社員", "代表者",
	"代表", "社長", "会長", "組合長", "所長", "院長", "園長", "校長", "店長", NULL,
};

#define LONG_MARK 0x30FCu /* ー */
#define KANJI_ONE 0x4E00u /* 一 */

static int is_katakana(unsigned c)
{
	return c >= 0x30A1 && c <= 0x30FA;
}

static int is_kanji(unsigned c)
{
	return (c >= 0x4E00 && c <= 0x9FFF) || c == 0x3005;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has(const struct lexicon *lx, int which, const char *s)
{
	return lx->n[which] && bsearch(&s, lx->list[which], (size_t)lx->n[which], sizeof(char *), cmp) != NULL;
}

static void add(struct lexicon *lx, int which, const char *s)
{
	if (lx->n[which] == lx->cap[which]) {
		lx->cap[which] = lx->cap[which] ? lx->cap[which] * 2 : 4096;
		lx->list[which] = xrealloc(lx->list[which], (size_t)lx->cap[which] * sizeof(char *));
	}
	lx->list[which][lx->n[which]++] = xstrdup(s);
}

/* EUC-JP (the IPA dictionary as Debian ships it) to UTF-8; a file that is
 * valid UTF-8 already is taken as it is */
static char *to_utf8(char *in, size_t len, const char *path, struct dp_msg *m)
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
	size_t cap = len * 3 / 2 + 16, left = cap, il = len;
	char *out = xmalloc(cap + 1), *op = out, *ip = in;
	if (iconv(cd, &ip, &il, &op, &left) == (size_t)-1) {
		dp_fail(m, DP_ERR_CONFIG, "%s: neither EUC-JP nor UTF-8 text (byte %zu): %s", path, (size_t)(ip - in),
			strerror(errno));
		iconv_close(cd);
		free(out);
		return NULL;
	}
	iconv_close(cd);
	*op = '\0';
	return out;
}

/* c (U+0800..U+FFFF) as its three bytes of UTF-8 at o */
static void put3(char *o, unsigned c)
{
	o[0] = (char)(0xE0 | (c >> 12));
	o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
	o[2] = (char)(0x80 | (c & 0x3F));
}

/* s is one katakana word (letters and ー, at least two characters) */
static int katakana_word(const char *s)
{
	int chars = 0;
	while (*s) {
		int l;
		unsigned c = utf8_decode(s, &l);
		if (!is_katakana(c) && c != LONG_MARK)
			return 0;
		s += l;
		chars++;
	}
	return chars >= 2;
}

/* One CSV file of the dictionary: surface,left,right,cost,品詞,細分類1,
 * 細分類2,細分類3,活用型,活用形,原形,読み,発音. Names from 人名/姓|名,
 * katakana words from every row. Returns the rows read, -1 on error. */
/* The katakana words of an EUC-JP file, without converting the rest: in
 * JIS X 0208 the katakana are row 5 (A5 A1..F6 = U+30A1..U+30F6) and ー is
 * A1 BC (U+30FC), so a surface made of those pairs alone maps directly. */
static long load_katakana_eucjp(struct lexicon *lx, const char *raw, size_t len)
{
	long rows = 0;
	char word[256];

	for (size_t i = 0; i < len;) {
		const char *line = raw + i, *nl = memchr(line, '\n', len - i);
		size_t ll = nl ? (size_t)(nl - line) : len - i, k = 0, o = 0;
		int ok = 1;
		i += ll + 1;
		rows++;
		for (; k + 1 < ll && line[k] != ',' && ok; k += 2) {
			unsigned char a = (unsigned char)line[k], b = (unsigned char)line[k + 1];
			unsigned c = a == 0xA5 && b >= 0xA1 && b <= 0xF6 ? 0x30A1 + (b - 0xA1u)
				   : a == 0xA1 && b == 0xBC ? 0x30FCu : 0;
			if (!c || o + 4 > sizeof word) {
				ok = 0;
				break;
			}
			put3(word + o, c);
			o += 3;
		}
		word[o] = '\0';
		if (ok && k < ll && line[k] == ',' && katakana_word(word))
			add(lx, KATA, word);
	}
	return rows;
}

/* The place names (the surfaces) of an EUC-JP file in which every row is
 * one (Noun.place.csv: 地域): only the surfaces are converted, which costs
 * a tenth of converting the file */
static long load_places_eucjp(struct lexicon *lx, const char *raw, size_t len, const char *path, struct dp_msg *m)
{
	long rows = 0;
	char word[256];
	iconv_t cd = iconv_open("UTF-8", "EUC-JP");

	if (cd == (iconv_t)-1) {
		dp_fail(m, DP_ERR_CONFIG, "%s: cannot convert from EUC-JP: %s", path, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < len;) {
		const char *line = raw + i, *nl = memchr(line, '\n', len - i), *comma;
		size_t ll = nl ? (size_t)(nl - line) : len - i;
		i += ll + 1;
		comma = memchr(line, ',', ll);
		if (!comma || comma == line)
			continue;
		char *ip = (char *)line, *op = word;
		size_t il = (size_t)(comma - line), left = sizeof word - 1;
		iconv(cd, NULL, NULL, NULL, NULL);
		if (iconv(cd, &ip, &il, &op, &left) == (size_t)-1)
			continue; /* a row that is no EUC-JP: skipped */
		*op = '\0';
		rows++;
		add(lx, PLACE, word);
	}
	iconv_close(cd);
	return rows;
}

/* One CSV file; names_too = 0: only its katakana words and place names are
 * wanted */
static long load_file(struct lexicon *lx, const char *path, int names_too, struct dp_msg *m)
{
	char *raw = NULL, *text;
	size_t len = 0;
	long rows = 0;

	if (file_read(path, &raw, &len, 64u << 20, m))
		return -1;
	if (!names_too && !utf8_valid(raw, len)) {
		const char *base = strrchr(path, '/');
		rows = load_katakana_eucjp(lx, raw, len);
		if (rows >= 0 && !strcmp(base ? base + 1 : path, "Noun.place.csv"))
			rows = load_places_eucjp(lx, raw, len, path, m);
		free(raw);
		return rows;
	}
	text = to_utf8(raw, len, path, m);
	free(raw);
	if (!text)
		return -1;
	for (char *line = text, *next; *line; line = next) {
		char *col[13];
		int k = 0;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		for (char *p = line; k < 13;) {
			col[k++] = p;
			p = strchr(p, ',');
			if (!p)
				break;
			*p++ = '\0';
		}
		if (k < 12)
			continue;
		rows++;
		if (katakana_word(col[0]))
			add(lx, KATA, col[0]);
		if (!strcmp(col[6], "地域"))
			add(lx, PLACE, col[0]);
		if (!names_too || strcmp(col[6], "人名"))
			continue;
		int sei = !strcmp(col[7], "姓"), mei = !strcmp(col[7], "名");
		if (!sei && !mei)
			continue;
		add(lx, sei ? SEI_W : MEI_W, col[0]);
		if (strcmp(col[11], "*"))
			add(lx, sei ? SEI_R : MEI_R, col[11]);
	}
	free(text);
	return rows;
}

#define LEXICON_NAMES "Noun.name.csv" /* the required file of the folder */

int lexicon_present(const char *dir)
{
	char path[4096];
	if (!dir || !*dir)
		return 1;
	snprintf(path, sizeof path, "%s/" LEXICON_NAMES, dir);
	return file_readable(path);
}

enum dp_err lexicon_load(struct lexicon **out, const char *dir, struct dp_msg *m)
{
	char path[4096];
	struct lexicon *lx;
	DIR *d;
	struct dirent *de;

	*out = NULL;
	if (!dir || !*dir)
		return DP_OK;
	lx = xcalloc(1, sizeof *lx);
	snprintf(path, sizeof path, "%s/" LEXICON_NAMES, dir);
	if (load_file(lx, path, 1, m) < 0) {
		char why[DP_MSG_MAX];
		str_copy(why, sizeof why, m->text);
		lexicon_free(&lx);
		return dp_fail(m, DP_ERR_CONFIG, "[models] dictionary: %s (Debian's mecab-ipadic has it)", why);
	}
	if (!lx->n[SEI_W] || !lx->n[MEI_W]) {
		lexicon_free(&lx);
		return dp_fail(m, DP_ERR_CONFIG, "%s: no family and given names in it (expected the IPA dictionary's "
			       "Noun.name.csv)", path);
	}
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (strncmp(de->d_name, "Noun", 4) || l < 8 || strcmp(de->d_name + l - 4, ".csv") ||
		    !strcmp(de->d_name, "Noun.name.csv"))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (load_file(lx, path, 0, m) < 0) {
			char why[DP_MSG_MAX];
			str_copy(why, sizeof why, m->text);
			closedir(d);
			lexicon_free(&lx);
			return dp_fail(m, DP_ERR_CONFIG, "[models] dictionary: %s", why);
		}
	}
	if (d)
		closedir(d);
	for (int w = 0; w < NLISTS; w++)
		if (lx->n[w])
			qsort(lx->list[w], (size_t)lx->n[w], sizeof(char *), cmp);
	*out = lx;
	return DP_OK;
}

void lexicon_free(struct lexicon **lx)
{
	if (!*lx)
		return;
	for (int w = 0; w < NLISTS; w++) {
		for (long i = 0; i < (*lx)->n[w]; i++)
			free((*lx)->list[w][i]);
		free((*lx)->list[w]);
	}
	free(*lx);
	*lx = NULL;
}

long lexicon_count(const struct lexicon *lx)
{
	long t = 0;
	for (int w = 0; lx && w < NLISTS; w++)
		t += lx->n[w];
	return t;
}

/* family name + given name at some character boundary of s */
static int split(const struct lexicon *lx, const char *s, int sei, int mei)
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
		if (has(lx, sei, head) && has(lx, mei, s + i))
			return 1;
	}
	return 0;
}

int lexicon_is_person(const struct lexicon *lx, const char *v, int kana)
{
	char s[256];
	size_t k = 0;

	if (!lx || !v)
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
		return split(lx, s, SEI_R, MEI_R);
	if (split(lx, s, SEI_W, MEI_W))
		return 1;
	for (int t = 0; TITLES[t]; t++)
		if (str_starts(s, TITLES[t]) && split(lx, s + strlen(TITLES[t]), SEI_W, MEI_W))
			return 1;
	return 0;
}

/* Is some tail of the katakana run v[a..b) (two characters or more) a word,
 * with `mark` (ー) appended when mark is set? */
static int tail_is_word(const struct lexicon *lx, const char *v, size_t a, size_t b, int mark)
{
	char w[256];

	for (size_t i = a; i < b; i++) {
		if (((unsigned char)v[i] & 0xC0) == 0x80)
			continue;
		size_t l = b - i;
		if (l + 4 > sizeof w)
			continue;
		memcpy(w, v + i, l);
		strcpy(w + l, mark ? "\u30FC" : "");
		if (katakana_word(w) && has(lx, KATA, w))
			return 1;
	}
	return 0;
}

/* numerals before 丁目 in an address */
static int is_kanji_numeral(unsigned c)
{
	static const unsigned nums[] = { 0x4E00, 0x4E8C, 0x4E09, 0x56DB, 0x4E94, 0x516D, 0x4E03, 0x516B, 0x4E5D, 0x5341 };
	for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
		if (c == nums[i])
			return 1;
	return c >= '0' && c <= '9';
}

int lexicon_correct(const struct lexicon *lx, const char *v, char *out, size_t n)
{
	size_t off[257];
	unsigned cp[256];
	int k = 0, fixes = 0;

	if (!v || !n)
		return 0;
	for (size_t o = 0; v[o] && k < 256;) {
		int l;
		off[k] = o;
		cp[k++] = utf8_decode(v + o, &l);
		o += (size_t)l;
	}
	off[k] = strlen(v);
	for (int i = 0; i < k; i++) {
		/* 丁日: 丁目 with its 目 read as 日; 」目 after a numeral: its 丁 read as 」 */
		if (i > 0 && cp[i] == 0x65E5 && cp[i - 1] == 0x4E01) {
			cp[i] = 0x76EE;
			fixes++;
		}
		if (i > 0 && i + 1 < k && cp[i] == 0x300D && cp[i + 1] == 0x76EE && is_kanji_numeral(cp[i - 1])) {
			cp[i] = 0x4E01;
			fixes++;
		}
		/* ー or 一 between katakana and a kanji: the glyph the dictionary's
		 * katakana word before it wants */
		if (!lx || !lx->n[KATA] || i == 0 || i + 1 >= k || (cp[i] != LONG_MARK && cp[i] != KANJI_ONE) ||
		    !is_katakana(cp[i - 1]) || !is_kanji(cp[i + 1]))
			continue;
		int j = i - 1;
		while (j > 0 && (is_katakana(cp[j - 1]) || cp[j - 1] == LONG_MARK))
			j--;
		int plain = tail_is_word(lx, v, off[j], off[i], 0), with_mark = tail_is_word(lx, v, off[j], off[i], 1);
		if (cp[i] == LONG_MARK && plain && !with_mark) {
			cp[i] = KANJI_ONE;
			fixes++;
		} else if (cp[i] == KANJI_ONE && with_mark && !plain) {
			cp[i] = LONG_MARK;
			fixes++;
		}
	}
	if (!fixes)
		return 0;
	/* every character changed is three bytes in UTF-8, as was the one it
	 * replaces: the corrected ones are written over a copy of v */
	size_t len = strlen(v);
	if (len + 1 > n)
		return 0;
	memcpy(out, v, len + 1);
	for (int i = 0; i < k; i++)
		if (cp[i] >= 0x800 && cp[i] < 0x10000 && off[i + 1] - off[i] == 3)
			put3(out + off[i], cp[i]);
	return fixes;
}

/* Address grammar for lexicon_is_address: an address is written from the
 * largest unit down, each name followed by its unit (東京 都, 千代田 区), the
 * last name by its numbers (霞が関 1-3-1, 国分 町 三丁目 7番1号), so a place
 * name follows only the start or a unit, never another name or a number.
 * A misread character then has to make a name at its place in that order:
 * of random one-kanji substitutions into the test sets' addresses about one
 * in eight still parses (bench/address_subst.sh). The states between
 * characters: */
enum {
	A_UNIT,  /* the start, or after 都 道 府 県 市 区 町 村 郡: a name or a number */
	A_NAME,  /* after a place name: its unit, its number, or the end */
	A_SHORT, /* after a one-character name (北, 栄): its unit or its number */
	A_KANJI, /* after a number in kanji (三): its unit (丁目 番地 番 号) */
	A_NUM,   /* after a number: another, -, 先, の, 地内, a road, or the end */
	A_ROAD,  /* after 市道, 県道...: its number or the end */
	A_STATES
};

static int is_admin_unit(unsigned c)
{
	/* 都 道 府 県 市 区 町 村 郡 */
	static const unsigned u[] = { 0x90FD, 0x9053, 0x5E9C, 0x770C, 0x5E02, 0x533A, 0x753A, 0x6751, 0x90E1 };
	for (size_t i = 0; i < sizeof u / sizeof u[0]; i++)
		if (c == u[i])
			return 1;
	return 0;
}

/* words of the grammar, as code points (0-terminated) */
static const unsigned NUM_UNITS[][3] = {
	{ 0x4E01, 0x76EE, 0 }, /* 丁目 */
	{ 0x756A, 0x5730, 0 }, /* 番地 */
	{ 0x756A, 0, 0 },      /* 番 */
	{ 0x53F7, 0, 0 },      /* 号 */
	{ 0, 0, 0 },
};
static const unsigned AFTER_NUM[][3] = {
	{ 0x5148, 0, 0 },      /* 先: in front of (5番先) */
	{ 0x306E, 0, 0 },      /* の: 1番地の2 */
	{ 0x5730, 0x5185, 0 }, /* 地内: within (一丁目地内) */
	{ 0, 0, 0 },
};
static const unsigned ROADS[][3] = {
	{ 0x56FD, 0x9053, 0 }, /* 国道 */
	{ 0x770C, 0x9053, 0 }, /* 県道 */
	{ 0x5E9C, 0x9053, 0 }, /* 府道 */
	{ 0x90FD, 0x9053, 0 }, /* 都道 */
	{ 0x9053, 0x9053, 0 }, /* 道道 */
	{ 0x5E02, 0x9053, 0 }, /* 市道 */
	{ 0x753A, 0x9053, 0 }, /* 町道 */
	{ 0x6751, 0x9053, 0 }, /* 村道 */
	{ 0, 0, 0 },
};

/* length in characters of the longest word of list at cp[i], 0 for none */
static int word_at(const unsigned (*list)[3], const unsigned *cp, int k, int i)
{
	int best = 0;
	for (; list[0][0]; list++) {
		int l = 0;
		while (l < 3 && list[0][l] && i + l < k && cp[i + l] == list[0][l])
			l++;
		if ((l == 3 || !list[0][l]) && l > best)
			best = l;
	}
	return best;
}

#define ADDR_MAX_CHARS 128
#define PLACE_MAX_CHARS 12

int lexicon_is_address(const struct lexicon *lx, const char *v)
{
	unsigned cp[ADDR_MAX_CHARS];
	size_t off[ADDR_MAX_CHARS + 1];
	/* st[i][s]: bit 1, the first i characters parse, ending in state s;
	 * bit 2, one such parse has read a place name */
	unsigned char st[ADDR_MAX_CHARS + 1][A_STATES];
	char w[PLACE_MAX_CHARS * 4 + 1];
	int k = 0;

	if (!lx || !v || !lx->n[PLACE])
		return 0;
	for (size_t o = 0; v[o];) {
		int l;
		if (k == ADDR_MAX_CHARS)
			return 0;
		off[k] = o;
		cp[k++] = utf8_decode(v + o, &l);
		o += (size_t)l;
	}
	off[k] = strlen(v);
	if (!k)
		return 0;
	memset(st, 0, sizeof st);
	st[0][A_UNIT] = 1;  /* the start: no place name yet */
	for (int i = 0; i < k; i++)
		for (int s = 0; s < A_STATES; s++) {
			if (!st[i][s])
				continue;
			unsigned c = cp[i];
			int l, p = st[i][s] & 2; /* a place name before */
			if (c == ' ' || c == 0x3000) {
				st[i + 1][s] |= 1 | p;
				continue;
			}
			if (s == A_KANJI) {
				if ((l = word_at(NUM_UNITS, cp, k, i)))
					st[i + l][A_NUM] |= 1 | p;
				continue;
			}
			if ((s == A_NAME || s == A_SHORT) && is_admin_unit(c))
				st[i + 1][A_UNIT] |= 1 | p;
			if (s == A_NUM) {
				if ((l = word_at(AFTER_NUM, cp, k, i)))
					st[i + l][A_NUM] |= 1 | p;
				if ((l = word_at(ROADS, cp, k, i)))
					st[i + l][A_ROAD] |= 1 | p;
			}
			/* a number in digits with its unit or a hyphen, or a number
			 * in kanji, which needs its unit (一 alone says nothing) */
			if (s != A_ROAD || (c >= '0' && c <= '9')) {
				if (c >= '0' && c <= '9') {
					int j = i;
					while (j < k && cp[j] >= '0' && cp[j] <= '9')
						j++;
					st[j + word_at(NUM_UNITS, cp, k, j)][A_NUM] |= 1 | p;
					if (j + 1 < k && cp[j] == '-' && cp[j + 1] >= '0' && cp[j + 1] <= '9')
						st[j + 1][A_NUM] |= 1 | p;
				} else if (c > 0x7F && is_kanji_numeral(c) && s != A_ROAD) {
					int j = i;
					while (j < k && cp[j] > 0x7F && is_kanji_numeral(cp[j]))
						j++;
					st[j][A_KANJI] |= 1 | p;
				}
			}
			if (s != A_UNIT)
				continue;
			/* 字 before a district's name; a place name of the dictionary */
			if (c == 0x5B57)
				st[i + 1][A_UNIT] |= 1 | p;
			for (int j = i + 1; j <= k && j - i <= PLACE_MAX_CHARS; j++) {
				size_t bl = off[j] - off[i];
				if (bl >= sizeof w)
					break;
				memcpy(w, v + off[i], bl);
				w[bl] = '\0';
				if (has(lx, PLACE, w))
					st[j][j - i == 1 ? A_SHORT : A_NAME] |= 1 | 2;
			}
		}
	/* the end is reached after a name, a number or a road, by a parse that
	 * read a place name (二丁目8番1号 alone says nothing of a place) */
	return (st[k][A_NAME] | st[k][A_NUM] | st[k][A_ROAD]) & 2 ? 1 : 0;
}
