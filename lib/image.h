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
/* Silence Leptonica's own stderr messages (we report errors ourselves). */
void image_quiet(void);

#endif
