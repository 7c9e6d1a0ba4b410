/* image.c: "page" frames <-> Leptonica PIX (see image.h). */
#include "image.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void image_quiet(void)
{
	setMsgSeverity(L_SEVERITY_NONE);
}

/* Leptonica keeps 8-bit pixels in 32-bit words, the first pixel in the
 * word's most significant byte: on a little-endian machine the bytes of each
 * word are reversed against the plain row. These two copy one row between
 * the two layouts in one pass (no swapped copy of the whole page). */
static void row_from_pix(unsigned char *dst, const l_uint32 *src, l_int32 w)
{
	l_int32 x = 0;
#ifdef L_LITTLE_ENDIAN
	for (; x + 4 <= w; x += 4) {
		l_uint32 v = __builtin_bswap32(src[x / 4]);
		memcpy(dst + x, &v, 4);
	}
#endif
	for (; x < w; x++)
		dst[x] = (unsigned char)GET_DATA_BYTE(src, x);
}

static void row_to_pix(l_uint32 *dst, const unsigned char *src, l_int32 w, l_int32 wpl)
{
	l_int32 x = 0;
#ifdef L_LITTLE_ENDIAN
	for (; x + 4 <= w; x += 4) {
		l_uint32 v;
		memcpy(&v, src + x, 4);
		dst[x / 4] = __builtin_bswap32(v);
	}
#endif
	for (; x < w; x++)
		SET_DATA_BYTE(dst, x, src[x]);
	/* the pad bytes of the last word: zero, as pixCreate leaves them */
	for (; x < wpl * 4; x++)
		SET_DATA_BYTE(dst, x, 0);
}

int image_add_page(struct job *j, PIX *pix, int dpi)
{
	PIX *g;
	l_int32 w, h, wpl;
	unsigned char *data;
	struct job_frame *f;

	engine_enter();
	/* an 8-bit page without a colour map is used as it is (no copy) */
	if (pixGetDepth(pix) == 8 && !pixGetColormap(pix)) {
		g = pixClone(pix);
	} else {
		g = pixConvertTo8(pix, 0);
		if (g && pixGetColormap(g)) {
			PIX *t = pixRemoveColormap(g, REMOVE_CMAP_TO_GRAYSCALE);
			pixDestroy(&g);
			g = t;
		}
	}
	engine_leave();
	if (!g)
		return -1;
	pixGetDimensions(g, &w, &h, NULL);
	wpl = pixGetWpl(g);
	data = xmalloc((size_t)w * (size_t)h);
	const l_uint32 *src = pixGetData(g);
	for (l_int32 y = 0; y < h; y++)
		row_from_pix(data + (size_t)y * (size_t)w, src + (size_t)y * (size_t)wpl, w);
	pixDestroy(&g);
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
	pix = pixCreateNoInit(f->width, f->height, 8);
	if (!pix)
		return NULL;
	l_uint32 *dst = pixGetData(pix);
	l_int32 wpl = pixGetWpl(pix);
	for (l_int32 y = 0; y < f->height; y++)
		row_to_pix(dst + (size_t)y * (size_t)wpl, src + (size_t)y * (size_t)f->width, f->width, wpl);
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

PIX *image_deskew(PIX *g, int thresh, float *deg)
{
	PIX *bin = pixThresholdToBinary(g, thresh);
	l_float32 angle = 0, conf = 0;
	PIX *rot = NULL;

	*deg = 0;
	if (bin && pixFindSkew(bin, &angle, &conf) == 0 && conf >= 2.5f && fabsf(angle) >= IMAGE_SKEW_MIN_DEG &&
	    fabsf(angle) <= 10.0f) {
		/* area mapping keeps 2-pixel QR modules intact; shear (3 ms) breaks them */
		rot = pixRotate(g, angle * (l_float32)(M_PI / 180.0), L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0);
		if (rot)
			*deg = angle;
	}
	pixDestroy(&bin);
	return rot;
}
