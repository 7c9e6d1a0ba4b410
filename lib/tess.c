/* tess.c: Tesseract C API wrapper (see tess.h). */
#include "tess.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tesseract/capi.h>

#include "util.h"

struct tess {
	TessBaseAPI *api;
	char whitelist[256];
	int psm;
	PIX *page;
};

static enum dp_err no_lang(struct dp_msg *m, const char *tessdata, const char *lang)
{
	return dp_fail(m, DP_ERR_CONFIG,
		       "Tesseract cannot load language '%s'%s%s: install tesseract-ocr-%s or fix [ocr] tessdata", lang,
		       tessdata && *tessdata ? " from " : "", tessdata ? tessdata : "", lang);
}

enum dp_err tess_open(struct tess **out, const char *tessdata, const char *lang, struct dp_msg *m)
{
	struct tess *t = xcalloc(1, sizeof *t);

	*out = NULL;
	t->api = TessBaseAPICreate();
	if (!t->api) {
		free(t);
		return dp_fail(m, DP_ERR_ENGINE, "cannot create a Tesseract engine");
	}
	engine_enter();
	int rc = TessBaseAPIInit3(t->api, tessdata && *tessdata ? tessdata : NULL, lang);
	engine_leave();
	if (rc != 0) {
		TessBaseAPIDelete(t->api);
		free(t);
		return no_lang(m, tessdata, lang);
	}
	TessBaseAPISetVariable(t->api, "debug_file", "/dev/null");
	/* Tesseract 5 reads every doubtful line a second time inverted (white on
	 * black); forms and letters are dark on light, so that only costs time */
	TessBaseAPISetVariable(t->api, "tessedit_do_invert", "0");
	t->psm = -1;
	*out = t;
	return DP_OK;
}

enum dp_err tess_check_langs(struct tess *t, const char *tessdata, const char *langs, struct dp_msg *m)
{
	char **have;
	char want[256];
	enum dp_err e = DP_OK;

	engine_enter();
	have = TessBaseAPIGetAvailableLanguagesAsVector(t->api);
	engine_leave();
	str_copy(want, sizeof want, langs);
	for (char *save = NULL, *l = strtok_r(want, "+", &save); l && !e; l = strtok_r(NULL, "+", &save)) {
		int found = 0;
		for (char **h = have; h && *h && !found; h++)
			found = !strcmp(*h, l);
		if (!found)
			e = no_lang(m, tessdata, langs);
	}
	TessDeleteTextArray(have);
	return e;
}

int tess_langs_found(const char *tessdata, const char *langs)
{
	const char *env = getenv("TESSDATA_PREFIX");
	const char *dir = tessdata && *tessdata ? tessdata : env && *env ? env : "/usr/share/tesseract-ocr/5/tessdata";
	char want[256];
	int all = 1;

	str_copy(want, sizeof want, langs);
	for (char *save = NULL, *l = strtok_r(want, "+", &save); l && all; l = strtok_r(NULL, "+", &save)) {
		char p[4096], q[4096];
		snprintf(p, sizeof p, "%s/%s.traineddata", dir, l);
		snprintf(q, sizeof q, "%s/tessdata/%s.traineddata", dir, l);
		all = file_readable(p) || file_readable(q);
	}
	return all;
}

void tess_close(struct tess **t)
{
	if (!*t)
		return;
	TessBaseAPIEnd((*t)->api);
	TessBaseAPIDelete((*t)->api);
	free(*t);
	*t = NULL;
}

void tess_set_page(struct tess *t, PIX *pix, int dpi)
{
	engine_enter();
	TessBaseAPISetImage2(t->api, pix);
	TessBaseAPISetSourceResolution(t->api, dpi > 0 ? dpi : 300);
	engine_leave();
	t->page = pix;
}

static void settings(struct tess *t, int psm, const char *whitelist)
{
	if (t->psm != psm) {
		TessBaseAPISetPageSegMode(t->api, (TessPageSegMode)psm);
		t->psm = psm;
	}
	if (!whitelist)
		whitelist = "";
	if (strcmp(t->whitelist, whitelist)) {
		TessBaseAPISetVariable(t->api, "tessedit_char_whitelist", whitelist);
		str_copy(t->whitelist, sizeof t->whitelist, whitelist);
	}
}

static enum dp_err recognise(struct tess *t, char **text, double *conf, struct dp_msg *m)
{
	engine_enter();
	char *raw = TessBaseAPIGetUTF8Text(t->api);
	engine_leave();

	if (!raw)
		return dp_fail(m, DP_ERR_ENGINE, "Tesseract failed to recognise the region");
	*text = tess_tidy(raw);
	TessDeleteText(raw);
	engine_enter();
	*conf = TessBaseAPIMeanTextConf(t->api);
	engine_leave();
	if (!**text) {
		*conf = 0;
	} else if (*conf == 0) {
		/* A word the whitelist forced together (an e-mail address, whose
		 * dots the model would follow with a space) gets a word certainty
		 * of 0 whatever its characters; its symbols keep theirs: the
		 * word's confidence is then their mean. */
		struct tess_line *sym = NULL;
		int k = tess_symbols(t, &sym);
		double sum = 0;
		for (int i = 0; i < k; i++)
			sum += sym[i].conf;
		if (k > 0)
			*conf = sum / k;
		tess_lines_free(sym, k > 0 ? k : 0);
	}
	return DP_OK;
}

enum dp_err tess_read(struct tess *t, int x, int y, int w, int h, int psm, const char *whitelist,
		      char **text, double *conf, struct dp_msg *m)
{
	settings(t, psm, whitelist);
	TessBaseAPISetRectangle(t->api, x, y, w, h);
	return recognise(t, text, conf, m);
}

enum dp_err tess_read_pix(struct tess *t, PIX *pix, int dpi, int psm, const char *whitelist, char **text,
			  double *conf, struct dp_msg *m)
{
	enum dp_err e;

	settings(t, psm, whitelist);
	engine_enter();
	TessBaseAPISetImage2(t->api, pix);
	TessBaseAPISetSourceResolution(t->api, dpi > 0 ? dpi : 300);
	engine_leave();
	e = recognise(t, text, conf, m);
	t->page = NULL; /* the engine now holds the crop, not the page */
	return e;
}

enum dp_err tess_page_text(struct tess *t, char **text, double *conf, struct dp_msg *m)
{
	settings(t, 3, "");
	if (t->page)
		TessBaseAPISetRectangle(t->api, 0, 0, pixGetWidth(t->page), pixGetHeight(t->page));
	return recognise(t, text, conf, m);
}

/* UTF-8 code point at s (advances *len); 0 on malformed input. */
static unsigned cp_at(const unsigned char *s, int *len)
{
	if (s[0] < 0x80) { *len = 1; return s[0]; }
	if ((s[0] & 0xE0) == 0xC0 && s[1]) { *len = 2; return ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu); }
	if ((s[0] & 0xF0) == 0xE0 && s[1] && s[2]) {
		*len = 3;
		return ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
	}
	if ((s[0] & 0xF8) == 0xF0 && s[1] && s[2] && s[3]) {
		*len = 4;
		return ((s[0] & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
	}
	*len = 1;
	return 0;
}

static int is_wide(unsigned c)
{
	return (c >= 0x3000 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) ||
	       (c >= 0xFF00 && c <= 0xFFEF);
}

char *tess_tidy(const char *src)
{
	struct buf b;
	const unsigned char *s = (const unsigned char *)src;
	unsigned prev = 0;
	int pending_space = 0;

	buf_init(&b, 0);
	while (*s) {
		int l;
		unsigned c = cp_at(s, &l);
		if (c == ' ' || c == '\t') {
			pending_space = 1;
			s += l;
			continue;
		}
		if (c == '\n') {
			/* end of line: drop trailing space, collapse empty lines */
			if (b.len && b.data[b.len - 1] != '\n')
				buf_add(&b, "\n", 1);
			pending_space = 0;
			prev = '\n';
			s += l;
			continue;
		}
		if (pending_space && prev != '\n' && prev != 0 && !(is_wide(prev) && is_wide(c)))
			buf_add(&b, " ", 1);
		pending_space = 0;
		buf_add(&b, s, (size_t)l);
		prev = c;
		s += l;
	}
	while (b.len && b.data[b.len - 1] == '\n')
		b.data[--b.len] = '\0';
	return buf_detach(&b, NULL);
}

static int lines_of_current(struct tess *t, struct tess_line **out);

int tess_lines(struct tess *t, int x, int y, int w, int h, int psm, struct tess_line **out)
{
	settings(t, psm, "");
	TessBaseAPISetRectangle(t->api, x, y, w, h);
	return lines_of_current(t, out);
}

int tess_lines_pix(struct tess *t, PIX *pix, int dpi, int psm, struct tess_line **out)
{
	settings(t, psm, "");
	engine_enter();
	TessBaseAPISetImage2(t->api, pix);
	TessBaseAPISetSourceResolution(t->api, dpi > 0 ? dpi : 300);
	engine_leave();
	t->page = NULL; /* the engine now holds this image, not the page */
	return lines_of_current(t, out);
}

static int lines_of_current(struct tess *t, struct tess_line **out)
{
	TessResultIterator *it;
	struct tess_line *lines = NULL;
	int n = 0;

	*out = NULL;
	engine_enter();
	if (TessBaseAPIRecognize(t->api, NULL) != 0) {
		engine_leave();
		return -1;
	}
	it = TessBaseAPIGetIterator(t->api);
	if (!it) {
		engine_leave();
		return 0;
	}
	do {
		const TessPageIterator *pi = TessResultIteratorGetPageIteratorConst(it);
		char *txt = TessResultIteratorGetUTF8Text(it, RIL_TEXTLINE);
		int x0, y0, x1, y1;
		if (txt && TessPageIteratorBoundingBox(pi, RIL_TEXTLINE, &x0, &y0, &x1, &y1)) {
			lines = xrealloc(lines, (size_t)(n + 1) * sizeof *lines);
			lines[n].text = tess_tidy(txt);
			lines[n].x0 = x0;
			lines[n].y0 = y0;
			lines[n].x1 = x1;
			lines[n].y1 = y1;
			lines[n].conf = TessResultIteratorConfidence(it, RIL_TEXTLINE);
			n++;
		}
		if (txt)
			TessDeleteText(txt);
	} while (TessResultIteratorNext(it, RIL_TEXTLINE));
	TessResultIteratorDelete(it);
	engine_leave();
	*out = lines;
	return n;
}

void tess_lines_free(struct tess_line *lines, int n)
{
	for (int i = 0; i < n; i++)
		free(lines[i].text);
	free(lines);
}

int tess_symbols(struct tess *t, struct tess_line **out)
{
	engine_enter();
	TessResultIterator *it = TessBaseAPIGetIterator(t->api);
	struct tess_line *syms = NULL;
	int n = 0;

	*out = NULL;
	if (!it) {
		engine_leave();
		return 0;
	}
	do {
		const TessPageIterator *pi = TessResultIteratorGetPageIteratorConst(it);
		char *txt = TessResultIteratorGetUTF8Text(it, RIL_SYMBOL);
		int x0, y0, x1, y1;
		if (txt && *txt && TessPageIteratorBoundingBox(pi, RIL_SYMBOL, &x0, &y0, &x1, &y1)) {
			syms = xrealloc(syms, (size_t)(n + 1) * sizeof *syms);
			syms[n].text = xstrdup(txt);
			syms[n].x0 = x0;
			syms[n].y0 = y0;
			syms[n].x1 = x1;
			syms[n].y1 = y1;
			syms[n].conf = TessResultIteratorConfidence(it, RIL_SYMBOL);
			n++;
		}
		if (txt)
			TessDeleteText(txt);
	} while (TessResultIteratorNext(it, RIL_SYMBOL));
	TessResultIteratorDelete(it);
	engine_leave();
	*out = syms;
	return n;
}
