/* image.c: "page" frames <-> Leptonica PIX (see image.h). */
#include "image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void image_quiet(void)
{
	setMsgSeverity(L_SEVERITY_NONE);
}

int image_add_page(struct job *j, PIX *pix, int dpi)
{
	PIX *g, *sw;
	l_int32 w, h, wpl;
	unsigned char *data;
	struct job_frame *f;

	engine_enter();
	g = pixConvertTo8(pix, 0);
	if (g && pixGetColormap(g)) {
		PIX *t = pixRemoveColormap(g, REMOVE_CMAP_TO_GRAYSCALE);
		pixDestroy(&g);
		g = t;
	}
	engine_leave();
	if (!g)
		return -1;
	/* Leptonica keeps 8-bit pixels in 32-bit words; swapped to memory byte
	 * order, each row is the plain bytes we send */
	sw = pixEndianByteSwapNew(g);
	pixDestroy(&g);
	if (!sw)
		return -1;
	pixGetDimensions(sw, &w, &h, NULL);
	wpl = pixGetWpl(sw);
	data = xmalloc((size_t)w * (size_t)h);
	const unsigned char *src = (const unsigned char *)pixGetData(sw);
	for (l_int32 y = 0; y < h; y++)
		memcpy(data + (size_t)y * (size_t)w, src + (size_t)y * (size_t)wpl * 4, (size_t)w);
	pixDestroy(&sw);
	f = job_add_frame(j, "page", data, (size_t)w * (size_t)h);
	f->width = w;
	f->height = h;
	f->dpi = dpi;
	f->depth = 8;
	return 0;
}

PIX *image_from_frame(const struct job_frame *f)
{
	PIX *pix;
	const unsigned char *src = f->data;

	if (f->depth != 8 || f->width <= 0 || f->height <= 0 ||
	    (size_t)f->width * (size_t)f->height != f->len || !src)
		return NULL;
	pix = pixCreate(f->width, f->height, 8);
	if (!pix)
		return NULL;
	unsigned char *dst = (unsigned char *)pixGetData(pix);
	l_int32 wpl = pixGetWpl(pix);
	for (l_int32 y = 0; y < f->height; y++)
		memcpy(dst + (size_t)y * (size_t)wpl * 4, src + (size_t)y * (size_t)f->width, (size_t)f->width);
	pixEndianByteSwap(pix);
	pixSetResolution(pix, f->dpi, f->dpi);
	return pix;
}

int image_page_threshold(const struct job *j, int pageno)
{
	char key[48];
	const char *v;
	int thr;

	snprintf(key, sizeof key, "page.%d.threshold", pageno);
	v = job_attr(j, key);
	thr = v ? atoi(v) : 128;
	return thr < 40 || thr > 230 ? 128 : thr;
}
