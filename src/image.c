/* image.c: "page" frames <-> Leptonica PIX (see image.h). */
#include "image.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

void image_quiet(void)
{
	setMsgSeverity(L_SEVERITY_NONE);
}

int image_add_page(struct job *j, PIX *pix, int dpi)
{
	PIX *g = pixConvertTo8(pix, 0);
	l_int32 w, h;
	unsigned char *data;
	struct job_frame *f;

	if (!g)
		return -1;
	if (pixGetColormap(g)) {
		PIX *t = pixRemoveColormap(g, REMOVE_CMAP_TO_GRAYSCALE);
		pixDestroy(&g);
		if (!t)
			return -1;
		g = t;
	}
	pixGetDimensions(g, &w, &h, NULL);
	data = xmalloc((size_t)w * (size_t)h);
	l_uint32 *line = pixGetData(g);
	l_int32 wpl = pixGetWpl(g);
	for (l_int32 y = 0; y < h; y++, line += wpl)
		for (l_int32 x = 0; x < w; x++)
			data[(size_t)y * (size_t)w + (size_t)x] = (unsigned char)GET_DATA_BYTE(line, x);
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
	pix = pixCreate(f->width, f->height, 8);
	if (!pix)
		return NULL;
	l_uint32 *line = pixGetData(pix);
	l_int32 wpl = pixGetWpl(pix);
	for (l_int32 y = 0; y < f->height; y++, line += wpl) {
		const unsigned char *row = src + (size_t)y * (size_t)f->width;
		for (l_int32 x = 0; x < f->width; x++)
			SET_DATA_BYTE(line, x, row[x]);
	}
	pixSetResolution(pix, f->dpi, f->dpi);
	return pix;
}
