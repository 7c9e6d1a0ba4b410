/* crop.c: cleaning field crops (see crop.h). Sizes are in millimetres
 * converted with the page's dpi, so 200 to 400 dpi scans behave alike. */
#include "crop.h"

#include "image.h"
#include "util.h"

#include <stdlib.h>

#define PAD 12


static int mm(double v, int dpi)
{
	return (int)(v * dpi / 25.4 + 0.5);
}

/* Grey (optional) and binarised copies of r clipped to the page, NULL if empty. */
static PIX *cut(PIX *page, struct crop_px r, int thresh, PIX **grey)
{
	BOX *b;
	PIX *g, *bin;
	int pw = pixGetWidth(page), ph = pixGetHeight(page);

	if (r.x < 0) { r.w += r.x; r.x = 0; }
	if (r.y < 0) { r.h += r.y; r.y = 0; }
	if (r.x + r.w > pw) r.w = pw - r.x;
	if (r.y + r.h > ph) r.h = ph - r.y;
	if (r.w < 4 || r.h < 4)
		return NULL;
	b = boxCreate(r.x, r.y, r.w, r.h);
	g = pixClipRectangle(page, b, NULL);
	boxDestroy(&b);
	if (!g)
		return NULL;
	bin = image_binarise(g, thresh);
	if (grey)
		*grey = g;
	else
		pixDestroy(&g);
	return bin;
}

/* Gap between two boxes (0 when they touch or overlap): the larger of the
 * horizontal and the vertical gap. */
static int box_gap(BOXA *boxa, l_int32 i, l_int32 k)
{
	l_int32 x1, y1, w1, h1, x2, y2, w2, h2;
	boxaGetBoxGeometry(boxa, i, &x1, &y1, &w1, &h1);
	boxaGetBoxGeometry(boxa, k, &x2, &y2, &w2, &h2);
	int gx = x2 > x1 + w1 ? x2 - (x1 + w1) : x1 > x2 + w2 ? x1 - (x2 + w2) : 0;
	int gy = y2 > y1 + h1 ? y2 - (y1 + h1) : y1 > y2 + h2 ? y1 - (y2 + h2) : 0;
	return gx > gy ? gx : gy;
}

/* Keep the components that look like writing. A small mark (under SMALL_MM
 * either way: a toner speck of a photocopy, a dot of scanner noise) is kept
 * only near a larger one, as the dakuten, 。 and ・ of writing are; specks
 * away from the writing would be read as 。, ', ー or stray kana, and a box
 * holding nothing else is empty. */
#define SMALL_MM 0.8
#define NEAR_MM 2.0
static PIX *keep_writing(PIX *bin, int dpi, long *ink)
{
	BOXA *boxa;
	PIXA *pixa = NULL;
	PIX *out;
	int W = pixGetWidth(bin), H = pixGetHeight(bin);
	int thin = mm(0.6, dpi), speck = mm(0.22, dpi), small = mm(SMALL_MM, dpi);
	l_int32 n;
	char *what; /* per component: 0 dropped, 1 small mark, 2 writing */

	if (speck < 2)
		speck = 2;
	boxa = pixConnComp(bin, &pixa, 8);
	out = pixCreate(W, H, 1);
	*ink = 0;
	n = boxa ? boxaGetCount(boxa) : 0;
	what = calloc(n > 0 ? (size_t)n : 1, 1);
	if (!what) {
		boxaDestroy(&boxa);
		pixaDestroy(&pixa);
		return out;
	}
	int tallest = 0;
	for (l_int32 i = 0; i < n; i++) {
		l_int32 x, y, w, h, cnt = 0;
		boxaGetBoxGeometry(boxa, i, &x, &y, &w, &h);
		int vline = w <= thin && h >= H * 7 / 10;
		int hline = h <= thin && w >= W / 2 && w >= mm(8, dpi);
		int edge = (x == 0 || y == 0 || x + w >= W || y + h >= H) && (w <= thin || h <= thin);
		int dot = w <= speck && h <= speck;
		if (vline || hline || edge || dot)
			continue;
		/* a printed grid (a comb's frame with its dividers, a table's
		 * cell corner on a tilted page) is one large, nearly empty
		 * component: writing is denser */
		if ((w >= W * 6 / 10 || h >= H * 9 / 10) && w > mm(6, dpi)) {
			PIX *c = pixaGetPix(pixa, i, L_CLONE);
			pixCountPixels(c, &cnt, NULL);
			pixDestroy(&c);
			if ((double)cnt / ((double)w * h) < 0.12)
				continue;
		}
		what[i] = w <= small && h <= small ? 1 : 2;
		if (what[i] == 2 && h > tallest)
			tallest = h;
	}
	/* near: NEAR_MM, or half the tallest writing for large print */
	int near = mm(NEAR_MM, dpi) > tallest / 2 ? mm(NEAR_MM, dpi) : tallest / 2;
	for (l_int32 i = 0; i < n; i++) {
		int close = 0;
		for (l_int32 k = 0; what[i] == 1 && k < n && !close; k++)
			close = what[k] == 2 && box_gap(boxa, i, k) <= near;
		if (what[i] == 1 && !close)
			what[i] = 0;
	}
	for (l_int32 i = 0; i < n; i++) {
		l_int32 x, y, w, h, cnt = 0;
		if (!what[i])
			continue;
		boxaGetBoxGeometry(boxa, i, &x, &y, &w, &h);
		PIX *c = pixaGetPix(pixa, i, L_CLONE);
		pixCountPixels(c, &cnt, NULL);
		pixRasterop(out, x, y, w, h, PIX_SRC | PIX_DST, c, 0, 0);
		*ink += cnt;
		pixDestroy(&c);
	}
	free(what);
	boxaDestroy(&boxa);
	pixaDestroy(&pixa);
	return out;
}

/* Crop grey to the ink's bounding box plus a margin of `margin` x its height
 * above and below (and at least that at the sides): Tesseract scales a
 * single line by the image height, so the margin changes what it reads. */
static PIX *tight(PIX *grey, PIX *ink, double margin)
{
	BOX *bb = NULL;
	PIX *t, *out;
	l_int32 x, y, w, h;

	if (pixClipToForeground(ink, NULL, &bb) != 0 || !bb)
		return pixAddBorder(grey, PAD, 255);
	boxGetGeometry(bb, &x, &y, &w, &h);
	t = pixClipRectangle(grey, bb, NULL);
	boxDestroy(&bb);
	if (!t)
		return pixAddBorder(grey, PAD, 255);
	int mg = (int)(h * margin + 0.5);
	if (mg < 2)
		mg = 2;
	out = pixAddBorder(t, mg, 255);
	pixDestroy(&t);
	return out;
}

struct crop_field {
	PIX *grey;   /* the rectangle, non-writing pixels white */
	PIX *kept;   /* 1 bpp: the writing */
	long ink;
	int dpi;
};

static struct crop_field *crop_field_new_impl(PIX *page, struct crop_px r, int thresh, int dpi)
{
	PIX *grey = NULL, *bin = cut(page, r, thresh, &grey), *near, *away;
	struct crop_field *cf;

	if (!bin)
		return NULL;
	cf = calloc(1, sizeof *cf);
	if (!cf) {
		pixDestroy(&bin);
		pixDestroy(&grey);
		return NULL;
	}
	cf->dpi = dpi;
	cf->kept = keep_writing(bin, dpi, &cf->ink);
	pixDestroy(&bin);
	/* the grey pixels of the writing and its anti-aliased rim stay; the rest
	 * (frame lines, dividers, specks, paper tone) becomes white */
	near = pixDilateBrick(NULL, cf->kept, 3, 3);
	away = pixInvert(NULL, near);
	pixSetMasked(grey, away, 255);
	pixDestroy(&near);
	pixDestroy(&away);
	cf->grey = grey;
	return cf;
}

long crop_field_ink(const struct crop_field *cf)
{
	return cf ? cf->ink : 0;
}

void crop_field_free(struct crop_field **cf)
{
	if (!*cf)
		return;
	pixDestroy(&(*cf)->grey);
	pixDestroy(&(*cf)->kept);
	free(*cf);
	*cf = NULL;
}

static PIX *crop_field_line_impl(const struct crop_field *cf, double margin)
{
	return tight(cf->grey, cf->kept, margin);
}

static PIX *crop_field_comb_impl(const struct crop_field *cf, int cells, double margin, int *filled)
{
	PIX *inner = cf->grey, *out;
	BOXA *boxa;
	int W, H, gap = mm(1.2, cf->dpi);
	int cx0[64], cy0[64], cx1[64], cy1[64], used[64] = { 0 };
	l_int32 n;

	*filled = 0;
	if (cells < 1 || cells > 64)
		return NULL;
	W = pixGetWidth(inner);
	H = pixGetHeight(inner);
	boxa = pixConnComp(cf->kept, NULL, 8);
	n = boxa ? boxaGetCount(boxa) : 0;
	for (l_int32 i = 0; i < n; i++) {
		l_int32 x, y, w, h;
		boxaGetBoxGeometry(boxa, i, &x, &y, &w, &h);
		int c = (int)((x + w / 2.0) * cells / W);
		if (c < 0) c = 0;
		if (c >= cells) c = cells - 1;
		if (!used[c]) {
			cx0[c] = x; cy0[c] = y; cx1[c] = x + w; cy1[c] = y + h;
			used[c] = 1;
		} else {
			if (x < cx0[c]) cx0[c] = x;
			if (y < cy0[c]) cy0[c] = y;
			if (x + w > cx1[c]) cx1[c] = x + w;
			if (y + h > cy1[c]) cy1[c] = y + h;
		}
	}
	boxaDestroy(&boxa);
	int total = PAD;
	for (int c = 0; c < cells; c++)
		if (used[c]) {
			total += cx1[c] - cx0[c] + gap;
			(*filled)++;
		}
	out = pixCreate(total + PAD, H + 2 * PAD, 8);
	pixSetAll(out); /* white */
	int cur = PAD;
	for (int c = 0; c < cells; c++) {
		if (!used[c])
			continue;
		int w = cx1[c] - cx0[c];
		/* keep each glyph's vertical position so the line stays a line */
		pixRasterop(out, cur, PAD + cy0[c], w, cy1[c] - cy0[c], PIX_SRC, inner, cx0[c], cy0[c]);
		cur += w + gap;
	}
	{
		PIX *bin = image_binarise(out, 200), *t = tight(out, bin, margin);
		pixDestroy(&bin);
		pixDestroy(&out);
		out = t;
	}
	return out;
}

static double crop_ink_impl(PIX *page, struct crop_px r, int thresh, int dpi)
{
	struct crop_px in = { r.x + r.w / 5, r.y + r.h / 5, r.w * 3 / 5, r.h * 3 / 5 };
	PIX *bin = cut(page, in, thresh, NULL), *kept;
	long ink = 0;
	double share;

	if (!bin)
		return 0;
	kept = keep_writing(bin, dpi, &ink);
	share = (double)ink / ((double)pixGetWidth(bin) * pixGetHeight(bin));
	pixDestroy(&kept);
	pixDestroy(&bin);
	return share;
}

struct crop_field *crop_field_new(PIX *page, struct crop_px r, int thresh, int dpi)
{
	struct crop_field *cf;
	engine_enter();
	cf = crop_field_new_impl(page, r, thresh, dpi);
	engine_leave();
	return cf;
}


PIX *crop_field_line(const struct crop_field *cf, double margin)
{
	PIX * r;
	engine_enter();
	r = crop_field_line_impl(cf, margin);
	engine_leave();
	return r;
}


PIX *crop_field_comb(const struct crop_field *cf, int cells, double margin, int *filled)
{
	PIX * r;
	engine_enter();
	r = crop_field_comb_impl(cf, cells, margin, filled);
	engine_leave();
	return r;
}


double crop_ink(PIX *page, struct crop_px r, int thresh, int dpi)
{
	double share;
	engine_enter();
	share = crop_ink_impl(page, r, thresh, dpi);
	engine_leave();
	return share;
}

