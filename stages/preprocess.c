/* preprocess.c: page images from scan files.
 *
 * Takes: frame "file" (PNG, TIFF incl. multi-page, JPEG, BMP, PDF).
 * Gives: one "page" frame per page, 8-bit grey, deskewed; attrs
 * page.N.skew (degrees found), page.N.threshold (the binarisation
 * threshold that separated ink from paper, used by later stages),
 * page.N.ink (the share of pixels darker than mid-grey) and page.N.blank = 1
 * for a page with almost no ink (ocr flags it, reads nothing on it).
 * Before decoding, the pixel count each page header declares is checked
 * against [limits] max_pixels (decompression bombs), and the page count
 * against max_pages. Costs for an A4 page at 300 dpi in instructions
 * (docs/PERFORMANCE.md, issue 12's sixth sitting): a grey PNG decoded by
 * image_read_png_grey about 150 M (other files by Leptonica), binarisation
 * for the skew 5 M, skew search 50 M, rotation when skewed 330 M (lib/image.c
 * does the three whole-page loops with Leptonica's results, for less).
 * PDF pages are rendered by poppler's pdftoppm (see pdf.c). */
#include "stage.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/image.h"
#include "../lib/pdf.h"
#include "../lib/util.h"

/* A page with less ink than this (share of its pixels) is blank: paper
 * grain and dust on a blank A4 scan stay below 0.0002, a page with one
 * short handwritten line has about 0.001 (docs/FORMS-reference.md). */
#define PRE_BLANK_INK 0.0003

struct pre_state {
	const struct conf *conf;
};

static enum dp_err pre_init(void **state, const struct conf *c, struct dp_msg *m)
{
	struct pre_state *s = xcalloc(1, sizeof *s);
	(void)m;
	s->conf = c;
	image_quiet();
	*state = s;
	return DP_OK;
}

static void pre_fini(void *state)
{
	free(state);
}

/* A dpi for the page: the file's if plausible, else from the width of an A4/Letter page. */
static int page_dpi(PIX *pix, const struct conf *c)
{
	l_int32 xres = pixGetXRes(pix), w = pixGetWidth(pix), h = pixGetHeight(pix);
	double shortside = w < h ? w : h;

	if (xres >= 100 && xres <= 1200)
		return xres;
	/* A4 short side 8.27 in, Letter 8.5 in: close enough to pick a dpi */
	if (shortside > 800) {
		int est = (int)lround(shortside / 8.27);
		if (est >= 100 && est <= 1200)
			return est;
	}
	return c->page_dpi_default;
}

/* The share of pixels of the 8-bit grey page g darker than mid-grey: those
 * pixThresholdToBinary(g, 128) would make ink, counted without making that
 * binary page. A byte under 128 has its top bit clear; four pixels of a
 * word are counted at once. */
static double ink_share(PIX *g)
{
	l_int32 w = pixGetWidth(g), h = pixGetHeight(g), wpl = pixGetWpl(g);
	const l_uint32 *data = pixGetData(g);
	double all = (double)w * h, n = 0;

	for (l_int32 y = 0; y < h; y++) {
		const l_uint32 *line = data + (size_t)y * (size_t)wpl;
		unsigned long long row = 0;
		l_int32 x = 0;
		for (; x + 4 <= w; x += 4) {
			l_uint32 dark = (~line[x / 4] & 0x80808080u) >> 7; /* one bit per dark byte */
			row += (dark * 0x01010101u) >> 24;                 /* their count, 0..4 */
		}
		for (; x < w; x++)
			row += GET_DATA_BYTE(line, x) < 128;
		n += (double)row;
	}
	return all > 0 ? n / all : 1.0;
}

/* Deskew and add one decoded page to the job. */
static enum dp_err add_page(struct job *j, PIX *pix, int pageno, const struct conf *c, const char *name,
			    struct dp_msg *m)
{
	PIX *g = NULL, *rot = NULL;
	float angle = 0;
	l_int32 thresh = 128;
	double ink;
	int dpi = page_dpi(pix, c);
	char key[48], val[48];
	enum dp_err e = DP_OK;

	engine_enter();
	/* an 8-bit grey page is used as it is: a clone, not a copy */
	g = pixGetDepth(pix) == 8 && !pixGetColormap(pix) ? pixClone(pix) : pixConvertTo8(pix, 0);
	if (g && pixGetColormap(g)) {
		PIX *t = pixRemoveColormap(g, REMOVE_CMAP_TO_GRAYSCALE);
		pixDestroy(&g);
		g = t;
	}
	if (!g) {
		engine_leave();
		e = dp_fail(m, DP_ERR_CORRUPT, "page %d of '%s' could not be converted to grey", pageno, name);
		goto out;
	}
	/* ink: the share of pixels darker than mid-grey, whatever the threshold
	 * below makes of a page that is paper only */
	ink = ink_share(g);
	/* the threshold that splits the histogram into ink and paper */
	if (pixSplitDistributionFgBg(g, 0.0, 4, &thresh, NULL, NULL, NULL) != 0)
		thresh = 128;
	rot = image_deskew(g, thresh, &angle);
	if (rot) {
		pixDestroy(&g);
		g = rot;
	}
	engine_leave();
	if (image_add_page(j, g, dpi) != 0) {
		e = dp_fail(m, DP_ERR_ENGINE, "page %d of '%s': cannot store the page image", pageno, name);
		goto out;
	}
	snprintf(key, sizeof key, "page.%d.skew", pageno);
	snprintf(val, sizeof val, "%.2f", angle);
	job_set_attr(j, key, val);
	snprintf(key, sizeof key, "page.%d.threshold", pageno);
	snprintf(val, sizeof val, "%d", thresh);
	job_set_attr(j, key, val);
	snprintf(key, sizeof key, "page.%d.ink", pageno);
	snprintf(val, sizeof val, "%.5f", ink);
	job_set_attr(j, key, val);
	if (ink < PRE_BLANK_INK) {
		snprintf(key, sizeof key, "page.%d.blank", pageno);
		job_set_attr(j, key, "1");
	}
out:
	pixDestroy(&g);
	return e;
}

static enum dp_err check_pixels(long long w, long long h, int pageno, const char *name, const struct conf *c,
				struct dp_msg *m)
{
	if (w <= 0 || h <= 0)
		return dp_refuse(m, DP_ERR_CORRUPT, DP_REASON_DAMAGED, "page %d of '%s' declares no size: the file is damaged", pageno, name);
	if (w * h > c->max_pixels)
		return dp_refuse(m, DP_ERR_LIMIT, DP_REASON_DECOMPRESSION_BOMB,
			       "page %d of '%s' declares %lldx%lld pixels, more than the limit of %lld "
			       "([limits] max_pixels): rescan at a lower resolution",
			       pageno, name, w, h, c->max_pixels);
	return DP_OK;
}

static unsigned rd16(const unsigned char *p, int le)
{
	return le ? (unsigned)p[0] | (unsigned)p[1] << 8 : (unsigned)p[0] << 8 | (unsigned)p[1];
}

static unsigned long rd32(const unsigned char *p, int le)
{
	return le ? (unsigned long)p[0] | (unsigned long)p[1] << 8 | (unsigned long)p[2] << 16 |
			    (unsigned long)p[3] << 24
		  : (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 | p[3];
}

/* Walk the TIFF directory chain before libtiff does: a page whose directory or
 * image strips lie beyond the end of the file was cut off (libtiff would
 * silently report one page fewer). Returns 0 or the 1-based truncated page. */
static int tiff_truncated_page(const unsigned char *d, size_t n)
{
	int le = d[0] == 'I';
	unsigned long off = n >= 8 ? rd32(d + 4, le) : 0;

	for (int page = 1; off && page <= 100000; page++) {
		unsigned cnt;
		unsigned long strip_off[2] = { 0, 0 }, strip_len = 0;
		int have_off = 0, have_len = 0, nstrips = 0;

		if (off + 2 > n)
			return page;
		cnt = rd16(d + off, le);
		if (off + 2 + 12ul * cnt + 4 > n)
			return page;
		for (unsigned i = 0; i < cnt; i++) {
			const unsigned char *e = d + off + 2 + 12ul * i;
			unsigned tag = rd16(e, le), type = rd16(e + 2, le);
			unsigned long count = rd32(e + 4, le);
			unsigned long v = type == 3 ? rd16(e + 8, le) : rd32(e + 8, le);
			if (tag == 273 || tag == 279) {
				unsigned long size = type == 3 ? 2 : 4;
				unsigned long last = v;
				if (count > 1) { /* value is an offset to an array: check its last entry */
					if (v + count * size > n)
						return page;
					last = size == 2 ? rd16(d + v + (count - 1) * 2, le) : rd32(d + v + (count - 1) * 4, le);
				}
				if (tag == 273) {
					strip_off[0] = last;
					have_off = 1;
					nstrips = (int)count;
				} else {
					strip_len = last;
					have_len = 1;
				}
			}
		}
		(void)nstrips;
		if (have_off && have_len && strip_off[0] + strip_len > n)
			return page;
		off = rd32(d + off + 2 + 12ul * cnt, le);
	}
	return 0;
}

static enum dp_err read_tiff(struct job *j, const unsigned char *d, size_t n, const struct conf *c,
			     const char *name, struct dp_msg *m)
{
	FILE *fp;
	l_int32 count = 0;
	enum dp_err e;
	int cut = tiff_truncated_page(d, n);

	if (cut)
		return dp_refuse(m, DP_ERR_CORRUPT, DP_REASON_TRUNCATED, "page %d of '%s' is truncated: scan or copy the file again", cut, name);
	fp = fmemopen((void *)d, n, "rb");
	if (!fp)
		return dp_fail(m, DP_ERR_IO, "'%s': cannot open TIFF in memory", name);
	engine_enter();
	int rc = tiffGetCount(fp, &count);
	engine_leave();
	if (rc != 0 || count < 1) {
		fclose(fp);
		return dp_refuse(m, DP_ERR_CORRUPT, DP_REASON_DAMAGED, "'%s' is a damaged TIFF (no readable page)", name);
	}
	fclose(fp);
	if (count > c->max_pages)
		return dp_refuse(m, DP_ERR_LIMIT, DP_REASON_TOO_MANY_PAGES, "'%s' has %d pages, more than the limit of %d ([limits] max_pages)",
			       name, count, c->max_pages);
	for (l_int32 i = 0; i < count; i++) {
		l_int32 w = 0, h = 0, bps, spp, res, cmap, fmt;
		PIX *pix;
		engine_enter();
		int hrc = readHeaderMemTiff(d, n, i, &w, &h, &bps, &spp, &res, &cmap, &fmt);
		engine_leave();
		if (hrc != 0)
			return dp_refuse(m, DP_ERR_CORRUPT, DP_REASON_TRUNCATED, "page %d of '%s' is truncated or damaged", i + 1,
					 name);
		e = check_pixels(w, h, i + 1, name, c, m);
		if (e)
			return e;
		engine_enter();
		pix = pixReadMemTiff(d, n, i);
		engine_leave();
		if (!pix)
			return dp_refuse(m, DP_ERR_CORRUPT, DP_REASON_TRUNCATED, "page %d of '%s' is truncated or damaged", i + 1,
					 name);
		e = add_page(j, pix, i + 1, c, name, m);
		pixDestroy(&pix);
		if (e)
			return e;
	}
	j->page_count = count;
	return DP_OK;
}

static enum dp_err read_single(struct job *j, const unsigned char *d, size_t n, const struct conf *c,
			       const char *name, struct dp_msg *m)
{
	l_int32 fmt = 0, w = 0, h = 0, bps = 0, spp = 0, cmap = 0, nwarn = 0;
	PIX *pix;
	enum dp_err e;

	engine_enter();
	int hrc = pixReadHeaderMem(d, n, &fmt, &w, &h, &bps, &spp, &cmap);
	engine_leave();
	if (hrc != 0)
		return dp_refuse(m, DP_ERR_CORRUPT, DP_REASON_TRUNCATED, "'%s': the image header is damaged or truncated", name);
	e = check_pixels(w, h, 1, name, c, m);
	if (e)
		return e;
	engine_enter();
	if (fmt == IFF_JFIF_JPEG) {
		pix = pixReadMemJpeg(d, n, 0, 1, &nwarn, L_JPEG_READ_LUMINANCE);
		if (pix && nwarn > 0)
			pixDestroy(&pix);
	} else {
		pix = fmt == IFF_PNG ? image_read_png_grey(d, n) : NULL;
		if (!pix)
			pix = pixReadMem(d, n);
	}
	engine_leave();
	if (!pix)
		return dp_refuse(m, DP_ERR_CORRUPT, DP_REASON_TRUNCATED,
				 "page 1 of '%s' is truncated or damaged and cannot be decoded", name);
	e = add_page(j, pix, 1, c, name, m);
	pixDestroy(&pix);
	if (!e)
		j->page_count = 1;
	return e;
}

static enum dp_err pre_process(void *state, struct job *j, struct dp_msg *m)
{
	struct pre_state *s = state;
	struct job_frame *f = job_frame(j, "file");
	const char *name = path_basename(j->source ? j->source : "?");
	enum dp_err e;

	if (!f)
		return dp_fail(m, DP_ERR_INTERNAL, "'%s': no file bytes", name);
	if (!strcmp(j->format, "tiff"))
		e = read_tiff(j, f->data, f->len, s->conf, name, m);
	else if (!strcmp(j->format, "pdf"))
		e = pdf_pages(j, f->data, f->len, s->conf, name, add_page, m);
	else
		e = read_single(j, f->data, f->len, s->conf, name, m);
	if (e)
		return e;
	job_drop_frames(j, "file");
	return DP_OK;
}

const struct stage_ops preprocess_ops = { pre_init, pre_process, pre_fini };
