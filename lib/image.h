/* image.h: page images between stages. A page travels as a payload frame named
 * "page": 8-bit grey, rows packed (stride = width), with width, height and dpi
 * in the frame description. These helpers convert to and from Leptonica's PIX
 * (the caller owns what they return: pixDestroy / free). */
#ifndef DP_IMAGE_H
#define DP_IMAGE_H

#include <leptonica/allheaders.h>

#include "job.h"

/* Append pix (any depth; converted to 8-bit grey) as a "page" frame. */
int image_add_page(struct job *j, PIX *pix, int dpi);
/* A new 8-bit PIX holding the frame's pixels, NULL if the frame is malformed. */
PIX *image_from_frame(const struct job_frame *f);
/* A PNG of 8-bit grey without transparency, non-interlaced (what scanners
 * write), decoded row by row straight into a PIX, zlib's Adler-32 check left
 * off (each chunk's CRC still guards the data): about 100 M instructions
 * less for an A4 page at 300 dpi than pixReadMem, which keeps a second copy
 * of the rows and moves every pixel one at a time (docs/PERFORMANCE.md).
 * NULL for any other PNG, or a damaged one: read it with pixReadMem, which
 * also gives the error. */
PIX *image_read_png_grey(const unsigned char *d, size_t n);
/* The ink/paper threshold preprocess found for page pageno (attr
 * page.N.threshold), 128 when it is missing or implausible. */
int image_page_threshold(const struct job *j, int pageno);
/* pixThresholdToBinary(g, thresh) bit for bit (ink, a byte under thresh, is
 * 1), sixteen pixels at a compare where the machine has SSE2: a twelfth of
 * the instructions on an A4 page (docs/PERFORMANCE.md); Leptonica's own
 * elsewhere, and for a depth or threshold out of its way. */
PIX *image_binarise(PIX *g, int thresh);
/* pixRotate(g, radians, L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0) pixel
 * for pixel on an 8-bit grey page: the float products Leptonica makes for
 * every pixel made once per column and row, four pixels blended at a time
 * where the machine has SSE2; about half its instructions on an A4 page
 * (docs/PERFORMANCE.md). Leptonica's own for other depths. */
PIX *image_rotate_gray(PIX *g, float radians);
/* Deskew: the skew of the 8-bit grey page g (ink under thresh) as
 * Leptonica's pixFindSkew measures it; when it is sure of it (confidence
 * 2.5) and it lies between IMAGE_SKEW_MIN_DEG and 10 degrees, the page
 * rotated about its centre is returned (area mapping, white brought in) and
 * *deg set to the angle removed; otherwise NULL and *deg = 0. Pages
 * (preprocess) and reference scans (register) are straightened by it alike. */
#define IMAGE_SKEW_MIN_DEG 0.05f
PIX *image_deskew(PIX *g, int thresh, float *deg);
/* Silence Leptonica's own stderr messages (we report errors ourselves). */
void image_quiet(void);

#endif
