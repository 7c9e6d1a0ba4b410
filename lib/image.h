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
/* The ink/paper threshold preprocess found for page pageno (attr
 * page.N.threshold), 128 when it is missing or implausible. */
int image_page_threshold(const struct job *j, int pageno);
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
