/* ocr.c: form recognition and field OCR (Tesseract), page text on demand.
 *
 * Takes: "page" frames from preprocess (grey, deskewed), attrs page.N.threshold.
 * Reads: the form templates of [forms] dir (docs/FORMS.md), once per worker.
 * For each page:
 *  1. recognise: OCR the strip 8 mm around every template's title_box, then
 *     if that does not decide the band 22 mm around (jpn, layout analysis),
 *     score each template's match texts against the lines read (approximate
 *     substring match, fuzzy.c); the best template scoring at least
 *     FORM_MATCH_MIN wins, otherwise the page is unrecognised;
 *  2. register: the matched title line's position against title_box gives the
 *     page's shift (the title is looked for up to TITLE_SEARCH_MM = 22 mm around its box; rotation was removed by preprocess);
 *  3. read each field from its own rectangle with settings for its type
 *     (engine, a raw line, page segmentation mode 13, character whitelist), after removing
 *     frame lines, cell dividers and specks (crop.c); comb fields are re-laid
 *     as one line; checkboxes by ink share; values normalised (normalize.c).
 * Gives: fields (value, raw text, confidence, needs_review), form_type,
 * procedure; full_text for unrecognised pages ([ocr] full_text = auto) or for
 * every page (always). Status 'unrecognised' when no page matched a template.
 * Engines per worker: jpn, eng and Japanese for fields, created once, when
 * the worker's first page comes (a run of recordings alone never loads
 * them; a missing language is still refused at start, tess_langs_found);
 * jpn+eng for page text, created once when a page first needs it. Costs
 * about 0.1 to 0.2 s of CPU per form page; page text about 0.9 s per page. */
#include "stage.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/crop.h"
#include "../lib/forms.h"
#include "../lib/fuzzy.h"
#include "../lib/log.h"
#include "../lib/image.h"
#include "../lib/lexicon.h"
#include "../lib/normalize.h"
#include "../lib/register.h"
#include "../lib/tess.h"
#include "../lib/util.h"

#define FORM_MATCH_MIN 0.8    /* share of a match text that must be read right */
#define FORM_MATCH_GAP 0.05   /* templates this close to the best score compete; the longest match wins */
#define TITLE_SEARCH_MM 22.0  /* how far around title_box the title is looked for */
#define TITLE_STRIP_MM 8.0    /* the first, narrower look: this far above and below */
#define CHECK_INK 0.10        /* ink share above which a box counts as ticked */
#define LOW_DPI 250           /* field crops of scans under this are enlarged ... */
#define READ_DPI 300          /* ... to this before they are read */
/* Tesseract page segmentation modes. A field crop is already one tight line
 * (crop.c), so it is read as a raw line: Tesseract's own line finding and
 * its fixed-pitch tests cost time and, on noisy and shifted scans, cut
 * digits off (measured in docs/PERFORMANCE.md). Latin codes read by eng keep
 * line mode, which reads capitals better. */
#define PSM_RAW_LINE 13
#define PSM_LINE 7

struct ocr_state {
	const struct conf *conf;
	struct form_set forms;
	struct tess *jpn, *eng;   /* field engines */
	struct tess *jpan;        /* the second model for text and kana (Japanese script) */
	struct tess *page_engine; /* jpn+eng page text */
	struct reg_model **models; /* per template (forms.forms[i]): its printed lines; NULL: title only */
	struct lexicon *lex;       /* names and katakana words (lib/lexicon.h); NULL: none */
	int one_reading;           /* DOCPIPE_DEBUG_ONE_READING: the floor, for bench/throughput.sh */
};

static void ocr_fini(void *state)
{
	struct ocr_state *s = state;
	if (!s)
		return;
	tess_close(&s->jpn);
	tess_close(&s->eng);
	tess_close(&s->jpan);
	tess_close(&s->page_engine);
	lexicon_free(&s->lex);
	for (int i = 0; s->models && i < s->forms.n; i++)
		reg_model_free(&s->models[i]);
	free(s->models);
	forms_release(&s->forms);
	free(s);
}

/* The printed structure of every template, for registration: from its
 * reference scan when it names one, else from its boxes. A template whose
 * boxes give too few lines is registered by its title alone. */
static enum dp_err load_models(struct ocr_state *s, struct dp_msg *m)
{
	s->models = xcalloc((size_t)(s->forms.n > 0 ? s->forms.n : 1), sizeof *s->models);
	for (int i = 0; i < s->forms.n; i++) {
		const struct form *f = &s->forms.forms[i];
		struct dp_msg why;
		enum dp_err e;
		if (f->reference[0]) {
			PIX *ref = pixRead(f->reference), *grey = ref ? pixConvertTo8(ref, 0) : NULL;
			int dpi = ref && pixGetXRes(ref) > 0 ? pixGetXRes(ref) : 300;
			pixDestroy(&ref);
			if (!grey)
				return dp_fail(m, DP_ERR_CONFIG, "%s: reference '%s' is not an image docpipe reads (PNG, TIFF, JPEG)",
					       f->path, f->reference);
			e = reg_model_from_image(&s->models[i], grey, dpi, &why);
			pixDestroy(&grey);
			if (e)
				return dp_fail(m, DP_ERR_CONFIG, "%s: reference '%s': %s", f->path, f->reference, why.text);
		} else if (reg_model_from_form(&s->models[i], f, &why) != DP_OK) {
			log_debug("%s: registered by its title only: %s", f->path, why.text);
			s->models[i] = NULL;
		}
	}
	return DP_OK;
}

/* The field engines (jpn, eng, Japanese) and the name dictionary, once per
 * worker: at its first page, or at start when their files could not be
 * found beforehand (ocr_init). */
static enum dp_err open_engines(struct ocr_state *s, struct dp_msg *m)
{
	const struct conf *c = s->conf;
	enum dp_err e;

	if (s->jpn)
		return DP_OK;
	e = tess_open(&s->jpn, c->tessdata, "jpn", m);
	if (!e)
		e = tess_open(&s->eng, c->tessdata, "eng", m);
	if (!e)
		e = tess_open(&s->jpan, c->tessdata, "Japanese", m);
	if (!e)
		e = lexicon_load(&s->lex, c->dictionary, m);
	if (e) {
		/* all or nothing: the next page tries again */
		tess_close(&s->jpn);
		tess_close(&s->eng);
		tess_close(&s->jpan);
		return e;
	}
	log_debug("ocr: engines jpn, eng and Japanese opened%s", s->lex ? ", and the name dictionary" : "");
	if (s->lex)
		log_debug("dictionary %s: %ld names and katakana words", c->dictionary, lexicon_count(s->lex));
	return DP_OK;
}

static enum dp_err ocr_init(void **state, const struct conf *c, struct dp_msg *m)
{
	struct ocr_state *s = xcalloc(1, sizeof *s);
	enum dp_err e = DP_OK;

	s->conf = c;
	/* measurement only (bench/throughput.sh): every field read once by its
	 * own model, no second reading and no other model's check; not a way
	 * to run: a digit the check would have caught can pass unflagged (t063) */
	s->one_reading = getenv("DOCPIPE_DEBUG_ONE_READING") != NULL;
	image_quiet();
	e = forms_load_dir(&s->forms, c->forms_dir, m);
	if (!e)
		e = load_models(s, m);
	/* The field engines and the name dictionary (about 0.9 s of CPU and 90
	 * MB a worker) are opened when the first page comes, so that a run of
	 * recordings alone never loads them; when their files are where
	 * Tesseract and the dictionary will look, a missing one is refused now
	 * all the same, otherwise they are opened now and refused as they fail. */
	if (!e && s->forms.n && (!tess_langs_found(c->tessdata, "jpn+eng+Japanese") || !lexicon_present(c->dictionary)))
		e = open_engines(s, m);
	/* The page text engine (jpn+eng, about 0.3 s of CPU and 100 MB to load)
	 * is opened when a page first needs it: with templates, only an
	 * unrecognised page does (full_text = auto); without, every page. Its
	 * languages are checked now, so a missing one is still a configuration
	 * error at start. */
	if (!e && strcmp(c->full_text, "never") && !tess_langs_found(c->tessdata, c->full_text_lang)) {
		if (s->jpn)
			e = tess_check_langs(s->jpn, c->tessdata, c->full_text_lang, m);
		else
			e = tess_open(&s->page_engine, c->tessdata, c->full_text_lang, m);
	}
	if (e) {
		ocr_fini(s);
		return e;
	}
	*state = s;
	return DP_OK;
}

/* ---- recognition ---- */

struct placement {
	const struct form *form;
	double score;
	double dx, dy;         /* mm: the shift the title gives (page = template + d) */
	struct reg_transform t; /* template mm -> page mm: the fit to the printed lines, else the title's shift */
};

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Where the title's ink starts, in page pixels. The line Tesseract found may
 * have swallowed a neighbouring row (a form number above the title, on noisy
 * scans), so the title row is found from the characters of the match text:
 * their median height and centre give the row; the first character on that
 * row gives the left edge (even if it was misread). */
static void title_origin(struct ocr_state *s, const struct tess_line *line, const char *match, double *x,
			 double *y)
{
	struct tess_line *sym = NULL;
	int k = tess_symbols(s->jpn, &sym), nm = 0;
	int *cy = xmalloc((size_t)(k > 0 ? k : 1) * sizeof *cy), *hs = xmalloc((size_t)(k > 0 ? k : 1) * sizeof *hs);

	*x = line->x0;
	*y = line->y0;
	for (int i = 0; i < k; i++) {
		const struct tess_line *g = &sym[i];
		if (g->x0 < line->x0 - 2 || g->x1 > line->x1 + 2 || g->y0 < line->y0 - 2 || g->y1 > line->y1 + 2)
			continue;
		if ((unsigned char)g->text[0] < 0x80 || !strstr(match, g->text))
			continue; /* only the title's own (non-ASCII) characters place the row */
		cy[nm] = (g->y0 + g->y1) / 2;
		hs[nm] = g->y1 - g->y0;
		nm++;
	}
	if (nm >= 2) {
		qsort(cy, (size_t)nm, sizeof *cy, cmp_int);
		qsort(hs, (size_t)nm, sizeof *hs, cmp_int);
		int c = cy[nm / 2], h = hs[nm / 2];
		int minx = -1, miny = -1;
		for (int i = 0; i < k; i++) {
			const struct tess_line *g = &sym[i];
			int gc = (g->y0 + g->y1) / 2;
			int gh = g->y1 - g->y0;
			if (g->x0 < line->x0 - 2 || g->x1 > line->x1 + 2 || gc < c - h / 2 || gc > c + h / 2 ||
			    gh < h / 2 || gh > h * 3 / 2)
				continue;
			if (minx < 0 || g->x0 < minx)
				minx = g->x0;
			if (miny < 0 || g->y0 < miny)
				miny = g->y0;
		}
		if (minx >= 0) {
			*x = minx;
			*y = miny;
		}
	}
	free(cy);
	free(hs);
	tess_lines_free(sym, k > 0 ? k : 0);
}

/* Characters (code points) of s, spaces not counted. */
static int utf8_count(const char *s)
{
	int n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xC0) != 0x80 && *p != ' ')
			n++;
	return n;
}

/* Score every template against the lines read in the band, both sides
 * NFKC-normalised (full-width （ and half-width ( are one character): a
 * template's score is its best match line's (any of its match lines
 * identifies it); written to scores as "ID=0.93 ID2=0.41". Of the templates
 * that reach FORM_MATCH_MIN, those within FORM_MATCH_GAP of the best score
 * compete, and the one whose matched text is longest wins: a title that
 * contains another form's title (補助金実績報告書（経費明細） and
 * 補助金実績報告書, both found whole) goes to the longer one. Two that tie
 * on length too: ambiguous, no form. Returns the winner's index (or -1) with
 * its score, whether it is ambiguous, and which line and which match text
 * scored. */
static int score_forms(const struct ocr_state *s, const struct tess_line *lines, int n, double *best_score,
		       int *ambiguous, int *best_line, int *best_match, struct buf *scores)
{
	int nf = s->forms.n, best = -1, best_len = -1;
	double top = 0;
	char (*text)[1024] = xcalloc((size_t)(n > 0 ? n : 1), sizeof *text);
	double *sc = xcalloc((size_t)(nf > 0 ? nf : 1), sizeof *sc);
	int *len = xcalloc((size_t)(nf > 0 ? nf : 1), sizeof *len), *ln = xcalloc((size_t)(nf > 0 ? nf : 1), sizeof *ln),
	    *mt = xcalloc((size_t)(nf > 0 ? nf : 1), sizeof *mt);

	for (int i = 0; i < n; i++)
		norm_ascii(lines[i].text, text[i], sizeof text[i]);
	*ambiguous = 0;
	*best_line = *best_match = -1;
	buf_reset(scores);
	for (int f = 0; f < nf; f++) {
		const struct form *form = &s->forms.forms[f];
		ln[f] = mt[f] = -1;
		for (int k = 0; k < form->nmatch; k++) {
			char pat[FORM_TEXT_MAX * 2];
			norm_ascii(form->match[k], pat, sizeof pat);
			int l = utf8_count(pat);
			for (int i = 0; i < n; i++) {
				double v = fuzzy_find(pat, text[i]);
				if (v > sc[f] || (v == sc[f] && l > len[f])) {
					sc[f] = v;
					len[f] = l;
					ln[f] = i;
					mt[f] = k;
				}
			}
		}
		buf_printf(scores, "%s%s=%.2f", f ? " " : "", form->id, sc[f]);
		if (sc[f] >= FORM_MATCH_MIN && sc[f] > top)
			top = sc[f];
	}
	for (int f = 0; f < nf; f++) {
		if (sc[f] < FORM_MATCH_MIN || sc[f] < top - FORM_MATCH_GAP)
			continue;
		if (len[f] > best_len) {
			best = f;
			best_len = len[f];
			*ambiguous = 0;
		} else if (len[f] == best_len) {
			*ambiguous = 1;
		}
	}
	*best_score = best >= 0 ? sc[best] : 0;
	if (best >= 0) {
		*best_line = ln[best];
		*best_match = mt[best];
	}
	free(text);
	free(sc);
	free(len);
	free(ln);
	free(mt);
	return best;
}

/* Read one rectangle of the page (pixels bx, by to bx1, by1) at 1/scale of
 * its size and score the templates against its lines. Returns 1 when a
 * template wins outright, filling best (with the title's shift when the
 * title line itself matched); band_text and scores get what was read. */
static int read_band(struct ocr_state *s, PIX *page, int dpi, int bx, int by, int bx1, int by1, int scale,
		     struct placement *best, struct buf *band_text, struct buf *scores)
{
	struct tess_line *lines = NULL;
	double score;
	int line, match, ambiguous, n, f;
	BOX *b = boxCreate(bx, by, bx1 - bx, by1 - by);
	PIX *band = b ? pixClipRectangle(page, b, NULL) : NULL;
	PIX *small = band && scale == 2 ? pixScaleAreaMap2(band) : NULL;

	boxDestroy(&b);
	if (!band)
		return 0;
	n = tess_lines_pix(s->jpn, small ? small : band, dpi / scale, 6, &lines);
	pixDestroy(&small);
	pixDestroy(&band);
	buf_reset(band_text);
	for (int i = 0; i < n; i++)
		buf_printf(band_text, "%s%s", i ? " / " : "", lines[i].text);
	f = score_forms(s, lines, n > 0 ? n : 0, &score, &ambiguous, &line, &match, scores);
	if (f >= 0 && !ambiguous) {
		best->form = &s->forms.forms[f];
		best->score = score;
		/* the shift from the title: title_box is where the first
		 * match line is printed; another line only recognises */
		if (match == 0) {
			double x, y;
			title_origin(s, &lines[line], best->form->match[0], &x, &y);
			best->dx = (bx + x * scale) * 25.4 / dpi - best->form->title.x;
			best->dy = (by + y * scale) * 25.4 / dpi - best->form->title.y;
		}
	}
	tess_lines_free(lines, n > 0 ? n : 0);
	return best->form != NULL;
}

/* Recognise the page's form from the text of the title band (the union of
 * every template's title_box, TITLE_SEARCH_MM around). Most scans sit within
 * a few millimetres of the template: the strip TITLE_STRIP_MM above and
 * below the title boxes (the band's width) is read first at half size, and
 * when its lines name one template, that settles it at about a third of
 * the band's cost (the recogniser's time grows with the lines read; the
 * strip can still be wrong where the band would not, when another
 * template's match line lies outside it: none of sets A and B does).
 * Otherwise the whole band is read at half size at 300 dpi and more (a
 * quarter of the pixels); when that does not decide (no template reaches
 * FORM_MATCH_MIN, or two are within FORM_MATCH_GAP), it is read again at
 * full size: small or photocopied titles need it. band_text gets the lines
 * of the deciding read (" / " between them) and scores each template's
 * score, for `docpipe inspect`. */
static struct placement recognise(struct ocr_state *s, PIX *page, int dpi, int pw, int ph, struct buf *band_text,
				  struct buf *scores)
{
	struct placement best;

	memset(&best, 0, sizeof best);
	double x0 = 1e9, y0 = 1e9, x1 = -1, y1 = -1;

	for (int i = 0; i < s->forms.n; i++) {
		const struct form_rect *t = &s->forms.forms[i].title;
		if (t->x < x0) x0 = t->x;
		if (t->y < y0) y0 = t->y;
		if (t->x + t->w > x1) x1 = t->x + t->w;
		if (t->y + t->h > y1) y1 = t->y + t->h;
	}
	int bx = reg_px(x0 - TITLE_SEARCH_MM, dpi), by = reg_px(y0 - TITLE_SEARCH_MM, dpi);
	int bx1 = reg_px(x1 + TITLE_SEARCH_MM, dpi), by1 = reg_px(y1 + TITLE_SEARCH_MM, dpi);
	int sy = reg_px(y0 - TITLE_STRIP_MM, dpi), sy1 = reg_px(y1 + TITLE_STRIP_MM, dpi);
	if (bx < 0) bx = 0;
	if (by < 0) by = 0;
	if (bx1 > pw) bx1 = pw;
	if (by1 > ph) by1 = ph;
	if (sy < by) sy = by;
	if (sy1 > by1) sy1 = by1;
	if (bx1 - bx < 16 || by1 - by < 16)
		return best;
	if (dpi >= 250 && sy1 - sy >= 16 && read_band(s, page, dpi, bx, sy, bx1, sy1, 2, &best, band_text, scores))
		goto found;
	memset(&best, 0, sizeof best);
	for (int scale = dpi >= 250 ? 2 : 1; scale >= 1; scale--)
		if (read_band(s, page, dpi, bx, by, bx1, by1, scale, &best, band_text, scores))
			break;
found:
	/* a shift beyond what a scanner does means the title was found elsewhere */
	if (best.form && (fabs(best.dx) > TITLE_SEARCH_MM || fabs(best.dy) > TITLE_SEARCH_MM)) {
		best.dx = 0;
		best.dy = 0;
	}
	return best;
}

/* ---- fields ---- */

/* Independent evidence for the digits of a reading: a second reading by the
 * other model (eng for the digits jpn read, jpn for the digits eng read). */
enum evidence { EVID_NONE = 0, EVID_AGREE = 1, EVID_DISAGREE = -1 };

struct reading {
	char value[1024], raw[1024];
	char own[1024];   /* jpn's own value when eng's digits replaced its (evid DISAGREE) */
	double conf;
	double min_char;  /* the lowest confidence of any character read */
	int review;
	enum evidence evid;
};

/* The lowest character confidence of t's last reading (0 if none). */
static double min_char_conf(struct tess *t)
{
	struct tess_line *sym = NULL;
	int k = tess_symbols(t, &sym);
	double lo = k > 0 ? 100 : 0;

	for (int i = 0; i < k; i++)
		if (sym[i].conf < lo)
			lo = sym[i].conf;
	tess_lines_free(sym, k > 0 ? k : 0);
	return lo;
}

static struct crop_px field_px(const struct form_rect *r, const struct placement *pl, int dpi, double inset)
{
	double x, y, w, h;
	reg_rect(&pl->t, r->x, r->y, r->w, r->h, -inset, &x, &y, &w, &h);
	struct crop_px c = { reg_px(x, dpi), reg_px(y, dpi), reg_px(w, dpi), reg_px(h, dpi) };
	return c;
}

static double tick_conf(double ink)
{
	double d = fabs(ink - CHECK_INK) / CHECK_INK * 100.0;
	return d > 100 ? 100 : d;
}

static void read_choice(PIX *page, const struct form_field *fd, const struct placement *pl, int dpi, int thr,
			struct reading *rd)
{
	struct buf raw;
	int ticked = 0;

	buf_init(&raw, sizeof rd->raw - 1);
	rd->conf = 100;
	rd->value[0] = '\0';
	for (int i = 0; i < fd->nopts; i++) {
		double ink = crop_ink(page, field_px(&fd->opts[i].box, pl, dpi, 0), thr, dpi);
		double c = tick_conf(ink);
		if (c < rd->conf)
			rd->conf = c;
		buf_printf(&raw, "%s%s:%.3f", i ? " " : "", fd->opts[i].label, ink);
		if (ink >= CHECK_INK) {
			if (ticked++)
				strncat(rd->value, ",", sizeof rd->value - strlen(rd->value) - 1);
			strncat(rd->value, fd->opts[i].label, sizeof rd->value - strlen(rd->value) - 1);
		}
	}
	str_copy(rd->raw, sizeof rd->raw, raw.data ? raw.data : "");
	buf_release(&raw);
	rd->review = (ticked > 1 && !fd->type->multi) || rd->conf < fd->min_conf;
}

/* The digit of a symbol ("7" or full-width "７"), '\0' if none. */
static char sym_digit(const char *t)
{
	if (t[0] >= '0' && t[0] <= '9' && !t[1])
		return t[0];
	if (!strncmp(t, "\xEF\xBC", 2) && (unsigned char)t[2] >= 0x90 && (unsigned char)t[2] <= 0x99 && !t[3])
		return (char)('0' + (unsigned char)t[2] - 0x90);
	return '\0';
}

static int is_sep_sym(const char *t)
{
	return !strcmp(t, ",") || !strcmp(t, ".") || !strcmp(t, "-") || !strcmp(t, "/") || !strcmp(t, "，");
}

/* The digits of s, in order, into d (size n). */
static void digits_of(const char *s, char *d, size_t n)
{
	size_t k = 0;
	for (; *s && k + 1 < n; s++)
		if (*s >= '0' && *s <= '9')
			d[k++] = *s;
	d[k] = '\0';
}

/* The Japanese script model reads a run of digits (run, cut from the
 * field) with the same digits as jpn's symbols sym[0..k): 1. */
static int third_sides_with_jpn(struct ocr_state *s, PIX *run, int dpi, const struct tess_line *sym, int k)
{
	char *t = NULL, mine[256], its[256];
	double c = 0;
	struct dp_msg m;
	int n = 0, same = 0;

	if (!s->jpan)
		return 0;
	for (int q = 0; q < k && n + 1 < (int)sizeof mine; q++)
		if (sym_digit(sym[q].text))
			mine[n++] = sym_digit(sym[q].text);
	mine[n] = '\0';
	if (tess_read_pix(s->jpan, run, dpi, PSM_RAW_LINE, "0123456789,.-/", &t, &c, &m) == DP_OK) {
		digits_of(t, its, sizeof its);
		same = n > 0 && !strcmp(mine, its);
	}
	free(t);
	return same;
}

/* The jpn model confuses digits in common fonts (8 read as 6, 7 as /); the
 * eng model with a digit whitelist does not. Re-read every run of digits
 * that jpn found with eng, in the run's own box, and take eng's digits when
 * it read as many of them, unless the third model (Japanese script) reads
 * jpn's. raw is rewritten from the symbols. The models are independent
 * evidence: EVID_AGREE when every run's digits are confirmed by two of them,
 * EVID_DISAGREE when a run's digits differ and the third model does not
 * side with jpn, else EVID_NONE (no digits, or a run eng could not read as
 * many of). */
static enum evidence reread_digits(struct ocr_state *s, PIX *img, int dpi, char *raw, size_t n)
{
	struct tess_line *sym = NULL;
	int k = tess_symbols(s->jpn, &sym);
	int runs = 0, confirmed = 0, differ = 0;
	struct buf out;

	if (k <= 0)
		return EVID_NONE;
	buf_init(&out, n - 1);
	for (int i = 0; i < k;) {
		if (!sym_digit(sym[i].text)) {
			buf_addstr(&out, sym[i].text);
			i++;
			continue;
		}
		/* a run: digits and the separators between them */
		int j = i, digits = 0, x0 = sym[i].x0, y0 = sym[i].y0, x1 = sym[i].x1, y1 = sym[i].y1;
		while (j < k && (sym_digit(sym[j].text) || (is_sep_sym(sym[j].text) && j + 1 < k && sym_digit(sym[j + 1].text)))) {
			digits += sym_digit(sym[j].text) != '\0';
			if (sym[j].x0 < x0) x0 = sym[j].x0;
			if (sym[j].y0 < y0) y0 = sym[j].y0;
			if (sym[j].x1 > x1) x1 = sym[j].x1;
			if (sym[j].y1 > y1) y1 = sym[j].y1;
			j++;
		}
		char *eng = NULL;
		double c = 0;
		struct dp_msg m;
		int h = y1 - y0, mg = h / 10 + 2;
		BOX *b = boxCreate(x0 - mg, y0 - mg, x1 - x0 + 2 * mg, h + 2 * mg);
		PIX *run = b ? pixClipRectangle(img, b, NULL) : NULL;
		boxDestroy(&b);
		int used = 0;
		runs++;
		if (run && tess_read_pix(s->eng, run, dpi, PSM_RAW_LINE, "0123456789,.-/", &eng, &c, &m) == DP_OK) {
			int ed = 0;
			for (const char *p = eng; *p; p++)
				ed += *p >= '0' && *p <= '9';
			log_debug("digit run of %d digits (symbols %d..%d, x %d..%d): eng reads '%s'", digits, i, j, x0, x1, eng);
			if (ed == digits) {
				/* the same digits, in order? */
				const char *p = eng;
				int same = 1;
				for (int q = i; q < j && same; q++) {
					char d = sym_digit(sym[q].text);
					if (!d)
						continue;
					while (*p && (*p < '0' || *p > '9'))
						p++;
					same = *p++ == d;
				}
				/* the run starts and ends with a digit: a separator eng saw
				 * beyond them is the neighbouring character's edge */
				const char *a = eng, *z = eng + strlen(eng);
				while (*a && (*a < '0' || *a > '9'))
					a++;
				while (z > a && (z[-1] < '0' || z[-1] > '9'))
					z--;
				/* the two differ: the third model decides; reading jpn's
				 * digits it confirms them (two of three models), else
				 * eng's stand and the field is flagged */
				int third = !same && third_sides_with_jpn(s, run, dpi, sym + i, j - i);
				confirmed += same || third;
				differ += !same && !third;
				if (!third) {
					buf_add(&out, a, (size_t)(z - a));
					used = 1;
				}
			}
		}
		if (!used)
			for (int q = i; q < j; q++)
				buf_addstr(&out, sym[q].text);
		free(eng);
		pixDestroy(&run);
		i = j;
	}
	if (out.data)
		str_copy(raw, n, out.data);
	buf_release(&out);
	tess_lines_free(sym, k);
	return differ ? EVID_DISAGREE : runs && confirmed == runs ? EVID_AGREE : EVID_NONE;
}

/* Is v made of digits (and separators) only? Evidence about digits vouches
 * for such a value, not for the letters or kanji around digits. */
static int digits_only(const char *v)
{
	int d = 0;
	for (; *v; v++) {
		if (*v >= '0' && *v <= '9')
			d++;
		else if (!strchr("-,./: ", *v))
			return 0;
	}
	return d > 0;
}

/* v with the address unit 丁目 mended where it was read 丁日 or 」目
 * (lexicon_correct without the dictionary), into out (size n) */
static void address_form(const char *v, char *out, size_t n)
{
	if (lexicon_correct(NULL, v, out, n) <= 0)
		str_copy(out, n, v);
}

/* The digits of `model`'s reading of img (same whitelist, normalised) equal
 * d1's: 1, differ: 0, nothing read: -1. */
static int same_digits(struct tess *model, const struct field_type *ft, PIX *img, int dpi, const char *d1)
{
	char *t = NULL, v2[1024], d2[256];
	double c = 0;
	struct dp_msg m;
	int r = -1;

	if (tess_read_pix(model, img, dpi, PSM_RAW_LINE, ft->allowed, &t, &c, &m) == DP_OK && *t) {
		field_type_normalise(ft, t, v2, sizeof v2);
		digits_of(v2, d2, sizeof d2);
		r = !strcmp(d1, d2);
	}
	free(t);
	return r;
}

/* A field eng reads (digits, phone): jpn reads the same image with the same
 * whitelist, and the digits of the two normalised readings are compared.
 * When they differ, the third, independently trained model (Japanese
 * script) is asked: eng's digits read alike by it are two models agreeing;
 * otherwise the field keeps the disagreement (review). */
static enum evidence cross_check_eng(struct ocr_state *s, const struct field_type *ft, PIX *img, int dpi,
				     const char *value)
{
	char d1[256];
	int r;

	digits_of(value, d1, sizeof d1);
	if (!d1[0])
		return EVID_NONE;
	r = same_digits(s->jpn, ft, img, dpi, d1);
	if (r == 0 && s->jpan)
		r = same_digits(s->jpan, ft, img, dpi, d1) == 1 ? 1 : 0;
	return r < 0 ? EVID_NONE : r ? EVID_AGREE : EVID_DISAGREE;
}

/* Writing that looks Latin to the jpn model: no ideograph, at least one
 * ASCII letter ("R/.4.14" for R7.4.14, "DメーB7Z" for DX-B2). */
static int looks_latin(const char *s)
{
	int letters = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x80 && isalpha(*p))
			letters++;
		/* U+3400..U+9FFF: three-byte sequences E3 90 80 .. E9 BF BF */
		if (*p >= 0xE3 && *p <= 0xE9 && (*p > 0xE3 || p[1] >= 0x90))
			return 0;
	}
	return letters > 0;
}

/* Tesseract's reading of one line changes with the margin around it (it
 * scales the line by the image height). A field is read at the first margin;
 * when that reading is well-formed for the field's type and either no
 * character has a confidence under SINGLE_READ_CONF or the other model read
 * the same digits, it stands. Otherwise it is read again, by the plan of its
 * type:
 *  - one model: at the second margin, and at the third if the two disagree;
 *  - with a second model (text, kana): the second model reads the first
 *    image; when the two models disagree the first reads the second margin,
 *    and the third when that does not side with the first reading.
 * The normalised values vote: agreement is the strongest sign a value is
 * right, disagreement sends the field to review. (Measured on the fixture
 * forms: the single reading settles about seven fields in ten and costs no
 * accuracy; docs/PERFORMANCE.md.) */
#define SINGLE_READ_CONF 97.0
/* two models agreeing accept a value only when each was at least this sure
 * of its least sure character: the largest round value under which no right
 * agreed value of set A and set T fell (docs/PERFORMANCE.md) */
#define AGREE_MIN_CHAR 70.0
static const double READ_MARGINS[] = { 0.15, 0.12, 0.2 };
struct read_step {
	int second; /* read by the second model */
	int margin; /* index in READ_MARGINS */
};
static const struct read_step PLAN_ONE_MODEL[] = { { 0, 0 }, { 0, 1 }, { 0, 2 }, { -1, 0 } };
static const struct read_step PLAN_TWO_MODELS[] = { { 0, 0 }, { 1, 0 }, { 0, 1 }, { 0, 2 } };
#define NREADS 4

static enum dp_err read_text(struct ocr_state *s, PIX *page, const struct form_field *fd,
			     const struct placement *pl, int dpi, int thr, struct reading *rd, struct dp_msg *m)
{
	const struct field_type *ft = fd->type;
	struct tess *eng = ft->model == FIELD_MODEL_ENG ? s->eng : s->jpn;
	const char *wl = ft->allowed;
	struct crop_field *cf;
	struct reading cand[NREADS];
	PIX *imgs[NREADS] = { NULL };
	int bad[NREADS], filled = 0;

	memset(cand, 0, sizeof cand);
	rd->value[0] = rd->raw[0] = '\0';
	cf = crop_field_new(page, field_px(&fd->box, pl, dpi, 0.3), thr, dpi);
	if (!cf || crop_field_ink(cf) == 0) {
		/* an empty box is read with certainty */
		crop_field_free(&cf);
		rd->conf = 100;
		rd->review = 0;
		return DP_OK;
	}
	int nreads = 0, dpi0 = dpi; /* dpi0: the resolution imgs[0] is read at */
	const struct read_step *plan = ft->second ? PLAN_TWO_MODELS : PLAN_ONE_MODEL;
	for (int v = 0; v < NREADS && plan[v].second >= 0; v++) {
		struct tess *t = plan[v].second ? s->jpan : eng;
		/* one well-formed reading in which Tesseract is sure of every
		 * character settles it */
		if (v == 1 && !bad[0] && cand[0].value[0] &&
		    ((cand[0].min_char >= SINGLE_READ_CONF && cand[0].evid != EVID_DISAGREE &&
		      cand[0].conf >= fd->min_conf) ||
		     (cand[0].evid == EVID_AGREE && digits_only(cand[0].value))))
			break;
		/* so does a later reading that agrees with the first */
		int agreed = 0;
		for (int w = 1; w < v && v >= 2 && !agreed; w++)
			agreed = !strcmp(cand[0].value, cand[w].value);
		if (agreed || (v >= 1 && s->one_reading))
			break;
		nreads++;
		PIX *img = fd->cells ? crop_field_comb(cf, fd->cells, READ_MARGINS[plan[v].margin], &filled)
				     : crop_field_line(cf, READ_MARGINS[plan[v].margin]);
		char *text = NULL;
		enum dp_err e;
		int rdpi = dpi;

		if (!img) {
			for (int w = 0; w < v; w++)
				pixDestroy(&imgs[w]);
			crop_field_free(&cf);
			return dp_fail(m, DP_ERR_ENGINE, "field '%s': cannot cut its image", fd->name);
		}
		/* Tesseract reads best at about 300 dpi: a crop of a 200-dpi
		 * scan is enlarged (grey, interpolated) before it is read */
		if (dpi < LOW_DPI) {
			PIX *up = pixScale(img, (float)READ_DPI / (float)dpi, (float)READ_DPI / (float)dpi);
			if (up) {
				pixDestroy(&img);
				img = up;
				rdpi = READ_DPI;
			}
		}
		if (getenv("DOCPIPE_DEBUG_CROPS")) {
			char p[1024];
			snprintf(p, sizeof p, "%s/%s.%d.png", getenv("DOCPIPE_DEBUG_CROPS"), fd->name, v);
			pixWrite(p, img, IFF_PNG);
		}
		e = tess_read_pix(t, img, rdpi, PSM_RAW_LINE, wl, &text, &cand[v].conf, m);
		/* a lone narrow character ("1") can defeat a raw line: try line, word,
		 * then character mode */
		static const int fallback[] = { PSM_LINE, 8, 10 };
		for (int k = 0; !e && !*text && k < 3; k++) {
			int psm = fallback[k];
			free(text);
			text = NULL;
			e = tess_read_pix(t, img, rdpi, psm, wl, &text, &cand[v].conf, m);
		}
		if (e) {
			pixDestroy(&img);
			for (int w = 0; w < v; w++)
				pixDestroy(&imgs[w]);
			crop_field_free(&cf);
			return e;
		}
		cand[v].min_char = min_char_conf(t);
		str_copy(cand[v].raw, sizeof cand[v].raw, text);
		free(text);
		/* Latin writing in a field read with jpn (a code like DX-B2, a date like
		 * R7.4.14) comes out mangled: when most of what jpn saw is Latin, let
		 * eng read it too and keep the more confident reading */
		if (s->one_reading) {
			/* no other model's reading */
		} else if (t == s->jpn && ft->latin && looks_latin(cand[v].raw)) {
			char *t2 = NULL;
			double c2 = 0;
			const char *wl2 = ft->latin;
			/* eng is the model for Latin writing: take its reading unless it
			 * read nothing or produced an invalid value where jpn's was valid */
			if (tess_read_pix(s->eng, img, rdpi, PSM_LINE, wl2, &t2, &c2, m) == DP_OK && *t2) {
				char v1[256], v2[256], d1[256], d2[256];
				int jpn_ok = field_type_normalise(ft, cand[v].raw, v1, sizeof v1) == 0;
				int eng_ok = field_type_normalise(ft, t2, v2, sizeof v2) == 0;
				/* jpn mangles the letters but reads the digits: the same
				 * digits from both models are independent evidence */
				digits_of(cand[v].raw, d1, sizeof d1);
				digits_of(t2, d2, sizeof d2);
				cand[v].evid = d1[0] && !strcmp(d1, d2) ? EVID_AGREE : EVID_NONE;
				if (eng_ok || !jpn_ok) {
					str_copy(cand[v].raw, sizeof cand[v].raw, t2);
					cand[v].conf = c2;
				}
			}
			free(t2);
		} else if (t == s->jpn && ft->latin) {
			char own[sizeof cand[v].raw];
			str_copy(own, sizeof own, cand[v].raw);
			cand[v].evid = reread_digits(s, img, rdpi, cand[v].raw, sizeof cand[v].raw);
			if (cand[v].evid == EVID_DISAGREE && field_type_normalise(ft, own, cand[v].own, sizeof cand[v].own))
				cand[v].own[0] = '\0';
		}
		bad[v] = field_type_normalise(ft, cand[v].raw, cand[v].value, sizeof cand[v].value) != 0;
		/* a field eng read is checked by jpn (digits and phone numbers) */
		if (t == s->eng && !bad[v] && !strpbrk(ft->allowed, "@") && !s->one_reading)
			cand[v].evid = cross_check_eng(s, ft, img, rdpi, cand[v].value);
		imgs[v] = img;
		if (v == 0)
			dpi0 = rdpi;
	}
	crop_field_free(&cf);
	/* ink, yet every reading empty: a lone narrow character ("1") defeats
	 * the line reader; the other model, then the same at half size, reads
	 * it (imgs[0] is at dpi0: enlarged to READ_DPI for a low-dpi scan).
	 * Such a reading stands alone and goes to review. */
	int any = 0;
	for (int v = 0; v < nreads; v++)
		any |= cand[v].value[0] != '\0';
	for (int k = 0; k < 2 && !any && nreads < NREADS && imgs[0]; k++) {
		PIX *img = k ? pixScale(imgs[0], 0.5f, 0.5f) : pixClone(imgs[0]);
		struct tess *t = k ? eng : eng == s->jpn ? s->eng : s->jpn;
		char *text = NULL;
		struct dp_msg m2;
		if (img && tess_read_pix(t, img, k ? dpi0 / 2 : dpi0, k ? PSM_LINE : PSM_RAW_LINE, wl, &text,
					 &cand[nreads].conf, &m2) == DP_OK && *text) {
			str_copy(cand[nreads].raw, sizeof cand[nreads].raw, text);
			bad[nreads] = field_type_normalise(ft, text, cand[nreads].value, sizeof cand[nreads].value) != 0;
			any = cand[nreads].value[0] != '\0';
			imgs[nreads++] = img;
			img = NULL;
		}
		free(text);
		pixDestroy(&img);
	}
	/* vote: the value most reads agree on; ties go to the higher confidence */
	int best = 0, best_votes = 0, has_value = 0;
	for (int v = 0; v < nreads; v++)
		has_value |= cand[v].value[0] != '\0';
	double best_conf = -1;
	for (int v = 0; v < nreads; v++) {
		int votes = 0;
		double conf = 0;
		/* the second model votes but is never the value alone: it adds
		 * stray small kana where the first reads right */
		if (plan[v].second)
			continue;
		/* the box has ink: a reading of nothing failed, and loses to any
		 * reading of something */
		if (!cand[v].value[0] && has_value)
			continue;
		for (int w = 0; w < nreads; w++)
			if (!strcmp(cand[v].value, cand[w].value)) {
				votes++;
				conf += cand[w].conf;
			}
		conf /= votes;
		if (votes > best_votes || (votes == best_votes && conf > best_conf)) {
			best = v;
			best_votes = votes;
			best_conf = conf;
		}
	}
	for (int v = 0; v < nreads; v++)
		log_debug("field %s reading %d: raw '%s' value '%s' conf %.1f min_char %.1f evidence %d%s", fd->name, v,
			  cand[v].raw, cand[v].value, cand[v].conf, cand[v].min_char, (int)cand[v].evid,
			  bad[v] ? " invalid" : "");
	/* the evidence for the chosen value: a reading of it whose digits the
	 * other model confirmed, else one it contradicted */
	enum evidence ev = EVID_NONE;
	for (int v = 0; v < nreads; v++)
		if (!strcmp(cand[v].value, cand[best].value) && cand[v].evid != EVID_NONE && ev != EVID_AGREE)
			ev = cand[v].evid;
	for (int v = 0; v < nreads; v++)
		pixDestroy(&imgs[v]);
	*rd = cand[best];
	rd->evid = ev;
	/* jpn and eng differ on its digits and the second model read the whole
	 * value with jpn's own digits: two of the three models side with jpn's
	 * (the field stays flagged: rd->evid is still EVID_DISAGREE) */
	for (int v = 0; v < nreads && ev == EVID_DISAGREE; v++)
		if (plan[v].second && cand[best].own[0] && !strcmp(cand[v].value, cand[best].own)) {
			log_debug("field %s: the second model reads jpn's digits: '%s'", fd->name, cand[best].own);
			str_copy(rd->value, sizeof rd->value, cand[best].own);
			str_copy(rd->raw, sizeof rd->raw, cand[v].raw);
			break;
		}
	log_debug("field %s: value '%s' from reading %d, %d of %d agree, evidence %d, min_char %.1f", fd->name,
		  rd->value, best, best_votes, nreads, (int)ev, rd->min_char);
	rd->conf = best_conf * best_votes / nreads;
	/* two independently trained models read the same value, and neither
	 * guessed at any character of it (a guess both made alike is how the
	 * two models agree on a wrong kanji) */
	int models_agree = ft->second && nreads >= 2 && best_votes == nreads &&
			   cand[0].min_char >= AGREE_MIN_CHAR && cand[1].min_char >= AGREE_MIN_CHAR;
	/* a family name + a given name in the name dictionary, read so by two
	 * readings (or the only one), and no other reading a name too: the
	 * dictionary is evidence no misreading is likely to meet */
	int named = ft->person && (best_votes >= 2 || nreads == 1) &&
		    lexicon_is_person(s->lex, cand[best].value, ft->person == FIELD_PERSON_READING);
	for (int v = 0; v < nreads && named; v++)
		if (strcmp(cand[v].value, cand[best].value) &&
		    lexicon_is_person(s->lex, cand[v].value, ft->person == FIELD_PERSON_READING))
			named = 0;
	if (named)
		log_debug("field %s: '%s' is a family and a given name", fd->name, cand[best].value);
	/* an address in the dictionary's place names, in the order addresses
	 * are written (lexicon_is_address; 丁日 and 」目 read for 丁目 first
	 * corrected), read so by two readings, its digits read alike by the
	 * second model when eng did not confirm them, and no other reading an
	 * address too */
	char addr[sizeof rd->value], other[sizeof rd->value];
	int placed = 0;
	if (ft->never && best_votes >= 2 && s->lex) {
		char d0[256], dv[256];
		int second_digits = 0;
		digits_of(cand[best].value, d0, sizeof d0);
		for (int v = 0; v < nreads; v++) {
			digits_of(cand[v].value, dv, sizeof dv);
			second_digits |= plan[v].second && !strcmp(dv, d0);
		}
		address_form(cand[best].value, addr, sizeof addr);
		placed = (ev == EVID_AGREE || second_digits || !d0[0]) && lexicon_is_address(s->lex, addr);
		for (int v = 0; v < nreads && placed; v++) {
			address_form(cand[v].value, other, sizeof other);
			if (strcmp(other, addr) && lexicon_is_address(s->lex, other))
				placed = 0;
		}
		if (placed) {
			log_debug("field %s: '%s' is an address", fd->name, addr);
			str_copy(rd->value, sizeof rd->value, addr);
		}
	}
	/* Review unless the evidence agrees: a value is accepted without a flag
	 * when it is well-formed, every reading agrees, and either it is all
	 * digits that the other model read the same or Tesseract is confident of
	 * it.
	 * Digits the two models read differently are flagged: one model can be
	 * sure of a wrong digit (8 read as 3 at 90), the two rarely agree on the
	 * same wrong one. Unless a third model settles it: jpn's digits were
	 * replaced by eng's, and the second model read the whole value, eng's
	 * digits included, as it stands (two of three models agree).
	 * A dissenting reading the other model contradicted (its digits read
	 * otherwise), or one that is no valid value of the type (a month 15),
	 * is no credible dissent from a value the other model confirmed. */
	int dissent = 0;
	for (int v = 0; v < nreads; v++)
		dissent += strcmp(cand[v].value, cand[best].value) &&
			   !(ev == EVID_AGREE && (cand[v].evid == EVID_DISAGREE || bad[v]) && digits_only(cand[best].value));
	rd->review = bad[best] || (dissent && !named && !placed) || (rd->evid == EVID_DISAGREE && !models_agree) ||
		     ((rd->evid != EVID_AGREE || !digits_only(rd->value)) && !models_agree && !named && !placed &&
		      best_conf < fd->min_conf) ||
		     field_type_never(ft, rd->value) ||
		     (fd->cells && utf8_count(rd->raw) != filled);
	/* what the words settle (丁日, レジー式) is corrected, and a person
	 * confirms it */
	char fixed[sizeof rd->value];
	if (ft->never && lexicon_correct(s->lex, rd->value, fixed, sizeof fixed) > 0) {
		log_debug("field %s: '%s' corrected to '%s' by the dictionary", fd->name, rd->value, fixed);
		str_copy(rd->value, sizeof rd->value, fixed);
		rd->review = 1;
	}
	return DP_OK;
}

/* Registration: the title gives a shift; the form's printed lines, when the
 * template has a model and the fit is usable (reg_fit_usable), give shift,
 * scale and a small rotation, and fields follow them. Recorded in
 * page.N.transform and page.N.registration. */
static void register_page(struct ocr_state *s, struct job *j, PIX *pix, int pageno, int dpi, struct placement *pl)
{
	const struct reg_model *rm = s->models ? s->models[pl->form - s->forms.forms] : NULL;
	struct reg_transform fit;
	struct dp_msg m;
	char key[48], val[128];

	pl->t = reg_shift(pl->dx, pl->dy);
	snprintf(val, sizeof val, "title");
	if (rm && reg_fit(rm, pix, image_page_threshold(j, pageno), dpi, &pl->t, &fit, &m) == DP_OK) {
		if (reg_fit_usable(&fit)) {
			pl->t = fit;
			snprintf(val, sizeof val, "lines (residual %.2f mm, %d lines)", fit.residual_mm, fit.matched);
		} else if (fit.matched) {
			snprintf(val, sizeof val, "title (lines residual %.2f mm, not usable)", fit.residual_mm);
		}
	}
	snprintf(key, sizeof key, "page.%d.registration", pageno);
	job_set_attr(j, key, val);
	reg_format(&pl->t, val, sizeof val);
	snprintf(key, sizeof key, "page.%d.transform", pageno);
	job_set_attr(j, key, val);
}

static enum dp_err read_fields(struct ocr_state *s, struct job *j, PIX *page, int pageno, int dpi,
			       const struct placement *pl, struct dp_msg *m)
{
	int thr = image_page_threshold(j, pageno);

	for (int i = 0; i < pl->form->nfields; i++) {
		const struct form_field *fd = &pl->form->fields[i];
		struct reading rd;
		enum dp_err e = DP_OK;

		memset(&rd, 0, sizeof rd);
		if (fd->type->read == FIELD_READ_CHOICE) {
			read_choice(page, fd, pl, dpi, thr, &rd);
		} else if (fd->type->read == FIELD_READ_TICK) {
			double ink = crop_ink(page, field_px(&fd->box, pl, dpi, 0), thr, dpi);
			snprintf(rd.raw, sizeof rd.raw, "%.3f", ink);
			str_copy(rd.value, sizeof rd.value, ink >= CHECK_INK ? "yes" : "no");
			rd.conf = tick_conf(ink);
			rd.review = rd.conf < fd->min_conf;
		} else {
			e = read_text(s, page, fd, pl, dpi, thr, &rd, m);
		}
		if (e)
			return e;
		job_add_field(j, pageno, fd->name, rd.value, rd.raw, rd.conf, rd.review,
			      fd->type->read == FIELD_READ_TEXT ? "ocr" : "checkbox");
	}
	return DP_OK;
}

/* dpi to use: the file's, unless at that dpi the page is no standard paper
 * size while at another it is an A4 (a scanner that records 72 dpi, say) */
static int page_dpi(const struct job_frame *f)
{
	static const double widths[] = { 210, 297, 257, 182, 215.9, 148 };
	double w = f->width, h = f->height;

	if (f->dpi > 0)
		for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++)
			if (fabs(w * 25.4 / f->dpi - widths[i]) / widths[i] < 0.08)
				return f->dpi;
	if (fabs(h / w - 297.0 / 210.0) < 0.02) {
		double est = w / (210 / 25.4);
		if (est > 90 && est < 1300)
			return (int)lround(est);
	}
	return f->dpi > 0 ? f->dpi : 300;
}

/* preprocess found (almost) no ink on the page */
static int page_blank(const struct job *j, int pageno)
{
	char key[48];
	snprintf(key, sizeof key, "page.%d.blank", pageno);
	return job_attr(j, key) != NULL;
}

/* Issue blank_page: a warning when every page is blank (a clerk looks: the
 * wrong side scanned?), a notice for blank pages among written ones (the
 * backs of a duplex scan). */
static void flag_blank(struct job *j, int blank, int pages)
{
	char ja[256], en[256];
	int first = 0;

	for (int p = 1; p <= pages && !first; p++)
		if (page_blank(j, p))
			first = p;
	if (blank == pages) {
		snprintf(ja, sizeof ja, "白紙です（%d ページすべてにほとんど何も書かれていません）。裏面を読み取っていませんか",
			 pages);
		snprintf(en, sizeof en, "the scan is blank (no ink on any of its %d page(s)): was the wrong side scanned?",
			 pages);
		job_add_issue(j, "", "blank_page", "warning", ja, en);
		return;
	}
	snprintf(ja, sizeof ja, "%d ページが白紙です（最初は %d ページ目）。読み取りの対象外にしました", blank, first);
	snprintf(en, sizeof en, "%d blank page(s), the first is page %d: nothing read on them", blank, first);
	job_add_issue(j, "", "blank_page", "notice", ja, en);
}

static enum dp_err ocr_process(void *state, struct job *j, struct dp_msg *m)
{
	struct ocr_state *s = state;
	struct buf text;
	double conf_sum = 0;
	int conf_n = 0, pageno = 0, any_text = 0, blank = 0;
	enum dp_err e = DP_OK;

	buf_init(&text, JOB_TEXT_MAX);
	for (size_t i = 0; i < j->nframes && !e; i++) {
		struct job_frame *f = &j->frames[i];
		struct placement pl;
		PIX *pix;
		int dpi;

		if (strcmp(f->name, "page"))
			continue;
		memset(&pl, 0, sizeof pl);
		pageno++;
		if (page_blank(j, pageno)) {
			blank++;
			continue;
		}
		pix = image_from_frame(f);
		if (!pix) {
			e = dp_fail(m, DP_ERR_CORRUPT, "page %d of '%s': malformed page image", pageno,
				    path_basename(j->source));
			break;
		}
		dpi = page_dpi(f);
		if (s->forms.n && (e = open_engines(s, m)) != DP_OK)
			break;
		if (s->forms.n) {
			struct buf band, scores;
			char key[48];
			buf_init(&band, 4096);
			buf_init(&scores, 4096);
			pl = recognise(s, pix, dpi, pixGetWidth(pix), pixGetHeight(pix), &band, &scores);
			snprintf(key, sizeof key, "page.%d.band", pageno);
			job_set_attr(j, key, band.data ? band.data : "");
			snprintf(key, sizeof key, "page.%d.scores", pageno);
			job_set_attr(j, key, scores.data ? scores.data : "");
			buf_release(&band);
			buf_release(&scores);
		}
		if (pl.form)
			register_page(s, j, pix, pageno, dpi, &pl);
		if (pl.form) {
			char key[48], val[64];
			if (!j->form_type[0]) {
				str_copy(j->form_type, sizeof j->form_type, pl.form->id);
				str_copy(j->procedure, sizeof j->procedure, pl.form->procedure);
			}
			snprintf(key, sizeof key, "page.%d.form", pageno);
			job_set_attr(j, key, pl.form->id);
			snprintf(key, sizeof key, "page.%d.shift_mm", pageno);
			snprintf(val, sizeof val, "%.1f %.1f", pl.t.dx_mm, pl.t.dy_mm);
			job_set_attr(j, key, val);
			snprintf(key, sizeof key, "page.%d.dpi", pageno);
			snprintf(val, sizeof val, "%d", dpi);
			job_set_attr(j, key, val);
			e = read_fields(s, j, pix, pageno, dpi, &pl, m);
		}
		if (!e && strcmp(s->conf->full_text, "never") && (!pl.form || !strcmp(s->conf->full_text, "always"))) {
			char *t = NULL;
			double conf = 0;
			if (!s->page_engine)
				e = tess_open(&s->page_engine, s->conf->tessdata, s->conf->full_text_lang, m);
			if (!e) {
				tess_set_page(s->page_engine, pix, dpi);
				e = tess_page_text(s->page_engine, &t, &conf, m);
			}
			if (!e) {
				if (text.len)
					buf_add(&text, "\f", 1);
				buf_addstr(&text, t);
				any_text = 1;
				if (*t) {
					conf_sum += conf;
					conf_n++;
				}
			}
			free(t);
		}
		pixDestroy(&pix);
	}
	if (!e && any_text) {
		free(j->full_text);
		j->full_text = buf_detach(&text, NULL);
		j->ocr_conf = conf_n ? conf_sum / conf_n : 0;
	}
	buf_release(&text);
	if (!e && blank)
		flag_blank(j, blank, pageno);
	if (!e && !j->form_type[0])
		str_copy(j->status, sizeof j->status, blank == pageno ? "needs_review" : "unrecognised");
	return e;
}

const struct stage_ops ocr_ops = { ocr_init, ocr_process, ocr_fini };
