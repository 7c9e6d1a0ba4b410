/* crop.h: field regions of a page made ready for OCR (Leptonica).
 *
 * crop_field_new() binarises one field's rectangle with the page's threshold to
 * find what is not writing: printed frame lines and cell dividers (long,
 * thin components), frame pieces at the crop's edge, and specks (scanner
 * noise, a photocopy's toner: small marks away from larger writing); those
 * pixels turn white in the grey crop (the recogniser
 * reads grey, anti-aliased text better than a binary image). crop_field_comb() moves the ink of each printed cell of a comb
 * field into one ordinary line of text, so dividers are never read as 1 or l.
 * crop_ink() is the share of dark pixels in a checkbox. */
#ifndef DP_CROP_H
#define DP_CROP_H

#include <leptonica/allheaders.h>

struct crop_px {
	int x, y, w, h;
};

/* One field's rectangle of the page, binarised with the page's threshold;
 * NULL if it lies off the page. Caller frees with crop_field_free. */
struct crop_field;
struct crop_field *crop_field_new(PIX *page, struct crop_px r, int thresh, int dpi);
void crop_field_free(struct crop_field **cf);
/* Ink pixels of the writing (0: the box is empty). */
long crop_field_ink(const struct crop_field *cf);
/* The writing as one grey line cropped to its ink plus `margin` x its height
 * (Tesseract scales a line by the image height; caller pixDestroy). */
PIX *crop_field_line(const struct crop_field *cf, double margin);
/* A comb field: the ink of each of `cells` printed cells moved into one line;
 * *filled receives the number of cells holding ink. Caller pixDestroy. */
PIX *crop_field_comb(const struct crop_field *cf, int cells, double margin, int *filled);
/* Ink share 0..1 inside r (shrunk by 20% against the printed square). */
double crop_ink(PIX *page, struct crop_px r, int thresh, int dpi);

#endif
