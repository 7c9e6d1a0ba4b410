/* qrfind.h: a quick look for QR finder patterns, so that a page without a
 * code does not pay for zbar's slower fallback passes (stages/qr.c). */
#ifndef DP_QRFIND_H
#define DP_QRFIND_H

/* px: w x h packed 8-bit grey, dark below thr. 1 when three finder
 * patterns sit like a QR code's corners (or too many candidates to tell),
 * 0 when the page holds nothing that looks like a QR code. About 5 ms for an
 * A4 page at 300 dpi. */
int qrfind_maybe(const unsigned char *px, int w, int h, int thr);

/* Where the code is: a rectangle of the page in pixels with room around the
 * code for error, and the module size the finder patterns gave. */
struct qrfind_region {
	int x, y, w, h;
	double module;
};

/* Like qrfind_maybe, and tells where: the count of corner triangles found
 * (at most max, in where[], distinct codes or false ones among ruled boxes),
 * -1 when there were too many candidates to tell (no region: look at the
 * whole page), 0 nothing like a code. */
int qrfind_locate(const unsigned char *px, int w, int h, int thr, struct qrfind_region *where, int max);

#endif
