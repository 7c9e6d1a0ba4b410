/* crop.h: field regions of a page made ready for OCR (Leptonica).
 *
 * crop_clean() binarises one field's rectangle with the page's threshold to
 * find what is not writing: printed frame lines and cell dividers (long,
 * thin components), frame pieces at the crop's edge, and isolated specks
 * (scanner noise); those pixels turn white in the grey crop it returns (the
 * recogniser reads grey, anti-aliased text better than a binary image). crop_comb() moves the ink of each printed cell of a comb
 * field into one ordinary line of text, so dividers are never read as 1 or l.
 * crop_ink() is the share of dark pixels in a checkbox. */
#ifndef DP_CROP_H
#define DP_CROP_H

#include <leptonica/allheaders.h>

struct crop_px {
	int x, y, w, h;
};

/* Returns an 8-bpp grey image (caller pixDestroy), or NULL if the rectangle is
 * off the page; *ink receives the number of ink pixels kept. tighten: crop to
 * the writing plus a margin of a tenth of its height (what reads best);
 * otherwise the image keeps the rectangle's geometry (for crop_comb). */
PIX *crop_clean(PIX *page, struct crop_px r, int thresh, int dpi, long *ink, int tighten);
/* clean: crop_clean(..., tighten 0) of the whole comb box. cells: the number of printed cells across it; *filled receives the
 * number of cells holding ink. Caller pixDestroy. */
PIX *crop_comb(PIX *clean, int cells, int dpi, int *filled);
/* Ink share 0..1 inside r (shrunk by 20% against the printed square). */
double crop_ink(PIX *page, struct crop_px r, int thresh, int dpi);

#endif
