/* image.c: "page" frames <-> Leptonica PIX, deskew, and the whole-page
 * loops Leptonica spends most on (grey PNG decode, binarisation, area-map
 * rotation) done for fewer instructions with Leptonica's very pixels
 * (see image.h; unit tests compare them with Leptonica's own). */
#include "image.h"

#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "util.h"

void image_quiet(void)
{
	setMsgSeverity(L_SEVERITY_NONE);
}

/* Leptonica keeps 8-bit pixels in 32-bit words, the first pixel in the
 * word's most significant byte: on a little-endian machine the bytes of each
 * word are reversed against the plain row. swap_words copies n whole words
 * reversing each one's bytes (the same both ways), sixteen bytes at a time
 * where the machine has SSE2; row_from_pix and row_to_pix copy one row
 * between the two layouts in one pass (no swapped copy of the whole page). */
#ifdef L_LITTLE_ENDIAN
static void swap_words(unsigned char *dst, const unsigned char *src, size_t n)
{
	size_t i = 0;
#ifdef __SSE2__
	for (; i + 4 <= n; i += 4) {
		__m128i v = _mm_loadu_si128((const __m128i *)(src + 4 * i));
		v = _mm_or_si128(_mm_slli_epi16(v, 8), _mm_srli_epi16(v, 8)); /* bytes within halves */
		v = _mm_shufflehi_epi16(_mm_shufflelo_epi16(v, 0xb1), 0xb1);   /* halves within words */
		_mm_storeu_si128((__m128i *)(dst + 4 * i), v);
	}
#endif
	for (; i < n; i++) {
		l_uint32 v;
		memcpy(&v, src + 4 * i, 4);
		v = __builtin_bswap32(v);
		memcpy(dst + 4 * i, &v, 4);
	}
}
#endif

static void row_from_pix(unsigned char *dst, const l_uint32 *src, l_int32 w)
{
	l_int32 x = 0;
#ifdef L_LITTLE_ENDIAN
	x = w / 4 * 4;
	swap_words(dst, (const unsigned char *)src, (size_t)w / 4);
#endif
	for (; x < w; x++)
		dst[x] = (unsigned char)GET_DATA_BYTE(src, x);
}

static void row_to_pix(l_uint32 *dst, const unsigned char *src, l_int32 w, l_int32 wpl)
{
	l_int32 x = 0;
#ifdef L_LITTLE_ENDIAN
	x = w / 4 * 4;
	swap_words((unsigned char *)dst, src, (size_t)w / 4);
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

/* libpng reads the file from memory through this. */
struct png_src {
	const unsigned char *d;
	size_t n, pos;
};

static void png_src_read(png_structp png, png_bytep out, size_t len)
{
	struct png_src *src = png_get_io_ptr(png);

	if (len > src->n - src->pos)
		png_error(png, "read past the end of the file");
	memcpy(out, src->d + src->pos, len);
	src->pos += len;
}

/* libpng's errors end the read (the caller falls back to Leptonica, which
 * reports them); its warnings (a damaged ancillary chunk) are dropped. */
static void png_fail(png_structp png, png_const_charp msg)
{
	(void)msg;
	png_longjmp(png, 1);
}

static void png_quiet(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

PIX *image_read_png_grey(const unsigned char *d, size_t n)
{
	struct png_src src = { d, n, 0 };
	png_structp png;
	png_infop info;
	PIX *volatile pix = NULL;
	unsigned char *volatile row = NULL;

	if (n < 8 || png_sig_cmp(d, 0, 8))
		return NULL;
	png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, png_fail, png_quiet);
	info = png ? png_create_info_struct(png) : NULL;
	if (!info) {
		png_destroy_read_struct(&png, NULL, NULL);
		return NULL;
	}
	if (setjmp(png_jmpbuf(png))) {
		PIX *p = pix;
		pixDestroy(&p);
		free(row);
		png_destroy_read_struct(&png, &info, NULL);
		return NULL;
	}
	png_set_read_fn(png, &src, png_src_read);
#ifdef PNG_IGNORE_ADLER32
	png_set_option(png, PNG_IGNORE_ADLER32, PNG_OPTION_ON);
#endif
	png_read_info(png, info);
	png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
	if (png_get_bit_depth(png, info) != 8 || png_get_color_type(png, info) != PNG_COLOR_TYPE_GRAY ||
	    png_get_interlace_type(png, info) != PNG_INTERLACE_NONE || png_get_valid(png, info, PNG_INFO_tRNS) ||
	    w == 0 || h == 0 || w > 1000000 || h > 1000000) {
		png_destroy_read_struct(&png, &info, NULL);
		return NULL;
	}
	pix = pixCreateNoInit((l_int32)w, (l_int32)h, 8);
	row = malloc(w);
	if (!pix || !row)
		png_error(png, "out of memory");
	l_uint32 *dst = pixGetData(pix);
	l_int32 wpl = pixGetWpl(pix);
	for (png_uint_32 y = 0; y < h; y++) {
		png_read_row(png, row, NULL);
		row_to_pix(dst + (size_t)y * (size_t)wpl, row, (l_int32)w, wpl);
	}
	/* dots per metre to per inch, rounded as Leptonica's pngio.c does (0
	 * without a pHYs chunk in metres) */
	png_uint_32 xres = png_get_x_pixels_per_meter(png, info), yres = png_get_y_pixels_per_meter(png, info);
	pixSetResolution(pix, (l_int32)((l_float32)xres / 39.37 + 0.5), (l_int32)((l_float32)yres / 39.37 + 0.5));
	free(row);
	png_destroy_read_struct(&png, &info, NULL);
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

PIX *image_binarise(PIX *g, int thresh)
{
#if defined(__SSE2__) && defined(L_LITTLE_ENDIAN)
	if (!g || pixGetDepth(g) != 8 || pixGetColormap(g) || thresh < 1 || thresh > 255)
		return pixThresholdToBinary(g, thresh);
	l_int32 w = pixGetWidth(g), h = pixGetHeight(g), wpls = pixGetWpl(g);
	PIX *bin = pixCreate(w, h, 1);
	if (!bin)
		return NULL;
	pixCopyResolution(bin, g);
	l_int32 wpld = pixGetWpl(bin);
	const l_uint32 *src = pixGetData(g);
	l_uint32 *dst = pixGetData(bin);
	/* bytes compared as signed after flipping their top bit: b < thresh */
	const __m128i flip = _mm_set1_epi8((char)0x80);
	const __m128i lim = _mm_set1_epi8((char)(thresh ^ 0x80));

	for (l_int32 y = 0; y < h; y++) {
		const l_uint32 *ls = src + (size_t)y * (size_t)wpls;
		l_uint32 *ld = dst + (size_t)y * (size_t)wpld;
		l_int32 x = 0;
		for (; x + 32 <= w; x += 32) {
			__m128i a = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(ls + x / 4)), flip);
			__m128i b = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(ls + x / 4 + 4)), flip);
			l_uint32 m = (l_uint32)_mm_movemask_epi8(_mm_cmplt_epi8(a, lim)) |
				     (l_uint32)_mm_movemask_epi8(_mm_cmplt_epi8(b, lim)) << 16;
			/* bit 4k+j of m is byte j in memory of source word k, which
			 * holds pixel 4k+3-j; the destination wants pixel p at bit
			 * 31-p, that is at 4(7-k)+j: the nibbles in reverse order */
			m = __builtin_bswap32(m);
			ld[x / 32] = (m >> 4 & 0x0f0f0f0fu) | (m & 0x0f0f0f0fu) << 4;
		}
		for (; x < w; x++)
			if ((l_int32)GET_DATA_BYTE(ls, x) < thresh)
				SET_DATA_BIT(ld, x);
	}
	return bin;
#else
	return pixThresholdToBinary(g, thresh);
#endif
}

/* One pixel of Leptonica's area-map rotation (rotateam.c): the source at
 * (xpm, ypm) sixteenths of a pixel, its four neighbours weighted by the
 * fractions; white off the page. s8 holds the source's rows as plain bytes,
 * w to a row. */
static inline unsigned char am_pixel(const unsigned char *s8, l_int32 w, l_int32 h, l_int32 xcen, l_int32 ycen,
				     l_int32 xpm, l_int32 ypm)
{
	l_int32 xp = xcen + (xpm >> 4), yp = ycen + (ypm >> 4);

	if ((l_uint32)xp > (l_uint32)(w - 2) || (l_uint32)yp > (l_uint32)(h - 2))
		return 255;
	l_int32 xf = xpm & 15, yf = ypm & 15;
	const unsigned char *p = s8 + (size_t)yp * (size_t)w + (size_t)xp;
	/* Leptonica's (16-xf)(16-yf)p00 + xf(16-yf)p10 + (16-xf)yf p01 +
	 * xf yf p11, as two blends along x and one along y: the same integer */
	l_int32 top = 16 * p[0] + xf * (p[1] - p[0]);
	l_int32 bot = 16 * p[w] + xf * (p[w + 1] - p[w]);
	return (unsigned char)((16 * top + yf * (bot - top) + 128) >> 8);
}

PIX *image_rotate_gray(PIX *g, float radians)
{
	/* am_pixel's unsigned bounds test needs two pixels each way: a page
	 * narrower or lower than that is Leptonica's (all white anyway) */
	if (!g || pixGetDepth(g) != 8 || pixGetColormap(g) || fabsf(radians) < 0.001f || pixGetWidth(g) < 2 ||
	    pixGetHeight(g) < 2)
		return pixRotate(g, radians, L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0);
	l_int32 w = pixGetWidth(g), h = pixGetHeight(g), wpls = pixGetWpl(g);
	PIX *d = pixCreateTemplateNoInit(g);
	float *cx = malloc(sizeof *cx * (size_t)w), *sx = malloc(sizeof *sx * (size_t)w);
	unsigned char *row = malloc((size_t)w), *s8 = malloc((size_t)w * (size_t)h);
	if (!d || !cx || !sx || !row || !s8) {
		pixDestroy(&d);
		free(cx);
		free(sx);
		free(row);
		free(s8);
		return NULL;
	}
	l_int32 wpld = pixGetWpl(d), xcen = w / 2, ycen = h / 2;
	const l_uint32 *src = pixGetData(g);
	l_uint32 *dst = pixGetData(d);
	for (l_int32 i = 0; i < h; i++) /* plain bytes: a pixel's neighbours are the next bytes */
		row_from_pix(s8 + (size_t)i * (size_t)w, src + (size_t)i * (size_t)wpls, w);
	/* Leptonica reads the source at x16 = -xdif * cos16 - ydif * sin16,
	 * y16 = -ydif * cos16 + xdif * sin16, each product a float. The
	 * products by column are the same for every row: made once here, the
	 * same floats, so the same pixels come out; four pixels' coordinates
	 * at a time where the machine has SSE2. */
	float sina = (float)(16.0 * sin(radians)), cosa = (float)(16.0 * cos(radians));
	for (l_int32 j = 0; j < w; j++) {
		l_int32 xdif = xcen - j;
		cx[j] = (float)-xdif * cosa;
		sx[j] = (float)xdif * sina;
	}
	for (l_int32 i = 0; i < h; i++) {
		l_int32 ydif = ycen - i, j = 0;
		float ys = (float)ydif * sina, yc = (float)-ydif * cosa;
#ifdef __SSE2__
		/* four pixels at a time: coordinates, fractions and blends in
		 * 32-bit lanes (the blend's sums stay below 65536: 16-bit
		 * arithmetic is exact), the four pairs of neighbours loaded
		 * one by one; a group that reaches off the page goes by am_pixel */
		const __m128 ys4 = _mm_set1_ps(ys), yc4 = _mm_set1_ps(yc);
		const __m128i xc4 = _mm_set1_epi32(xcen), yc4i = _mm_set1_epi32(ycen), zero = _mm_setzero_si128();
		const __m128i xmax = _mm_set1_epi32(w - 2), ymax = _mm_set1_epi32(h - 2), f15 = _mm_set1_epi32(15);
		const __m128i lo8 = _mm_set1_epi32(0xff), r128 = _mm_set1_epi32(128);
		for (; j + 4 <= w; j += 4) {
			__m128i xm = _mm_cvttps_epi32(_mm_sub_ps(_mm_loadu_ps(cx + j), ys4));
			__m128i ym = _mm_cvttps_epi32(_mm_add_ps(yc4, _mm_loadu_ps(sx + j)));
			__m128i xp = _mm_add_epi32(xc4, _mm_srai_epi32(xm, 4)), yp = _mm_add_epi32(yc4i, _mm_srai_epi32(ym, 4));
			__m128i off = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi32(xp, zero), _mm_cmpgt_epi32(xp, xmax)),
						   _mm_or_si128(_mm_cmplt_epi32(yp, zero), _mm_cmpgt_epi32(yp, ymax)));
			l_int32 xa[4], ya[4];
			_mm_storeu_si128((__m128i *)xa, xp);
			_mm_storeu_si128((__m128i *)ya, yp);
			if (_mm_movemask_epi8(off)) {
				l_int32 xs[4], yv[4];
				_mm_storeu_si128((__m128i *)xs, xm);
				_mm_storeu_si128((__m128i *)yv, ym);
				for (int k = 0; k < 4; k++)
					row[j + k] = am_pixel(s8, w, h, xcen, ycen, xs[k], yv[k]);
				continue;
			}
			l_uint16 a[4], b[4];
			for (int k = 0; k < 4; k++) {
				const unsigned char *q = s8 + (size_t)ya[k] * (size_t)w + (size_t)xa[k];
				a[k] = (l_uint16)(q[0] | q[1] << 8);
				b[k] = (l_uint16)(q[w] | q[w + 1] << 8);
			}
			__m128i va = _mm_set_epi32(a[3], a[2], a[1], a[0]), vb = _mm_set_epi32(b[3], b[2], b[1], b[0]);
			__m128i xf = _mm_and_si128(xm, f15), yf = _mm_and_si128(ym, f15);
			__m128i p00 = _mm_and_si128(va, lo8), p10 = _mm_srli_epi32(va, 8);
			__m128i p01 = _mm_and_si128(vb, lo8), p11 = _mm_srli_epi32(vb, 8);
			__m128i top = _mm_add_epi16(_mm_slli_epi16(p00, 4), _mm_mullo_epi16(xf, _mm_sub_epi16(p10, p00)));
			__m128i bot = _mm_add_epi16(_mm_slli_epi16(p01, 4), _mm_mullo_epi16(xf, _mm_sub_epi16(p11, p01)));
			__m128i v = _mm_add_epi16(_mm_add_epi16(_mm_slli_epi16(top, 4), _mm_mullo_epi16(yf, _mm_sub_epi16(bot, top))), r128);
			v = _mm_and_si128(_mm_srli_epi16(v, 8), lo8);
			v = _mm_packus_epi16(_mm_packs_epi32(v, v), v);
			l_int32 four = _mm_cvtsi128_si32(v);
			memcpy(row + j, &four, 4);
		}
#endif
		for (; j < w; j++)
			row[j] = am_pixel(s8, w, h, xcen, ycen, (l_int32)(cx[j] - ys), (l_int32)(yc + sx[j]));
		row_to_pix(dst + (size_t)i * (size_t)wpld, row, w, wpld);
	}
	free(cx);
	free(sx);
	free(row);
	free(s8);
	return d;
}

PIX *image_deskew(PIX *g, int thresh, float *deg)
{
	PIX *bin = image_binarise(g, thresh);
	l_float32 angle = 0, conf = 0;
	PIX *rot = NULL;

	*deg = 0;
	if (bin && pixFindSkew(bin, &angle, &conf) == 0 && conf >= 2.5f && fabsf(angle) >= IMAGE_SKEW_MIN_DEG &&
	    fabsf(angle) <= 10.0f) {
		/* area mapping keeps 2-pixel QR modules intact; shear (3 ms) breaks them */
		rot = image_rotate_gray(g, angle * (l_float32)(M_PI / 180.0));
		if (rot)
			*deg = angle;
	}
	pixDestroy(&bin);
	return rot;
}
