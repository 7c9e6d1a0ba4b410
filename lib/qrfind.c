/* qrfind.c: is there anything like a QR code on this page? (see qrfind.h)
 *
 * A QR code has three finder patterns: squares whose cross-section along
 * any line through their centre is dark-light-dark-light-dark in the ratio
 * 1:1:3:1:1, at any rotation. Every second row is run-length coded against
 * the page's threshold; a row window in that ratio is checked again along
 * the column through its centre; confirmed centres are merged, and the page
 * counts as "may hold a code" when three of them, each seen on two rows, of
 * about the same module size form the corner triangle of a code (a right
 * angle between two equal sides) around a square about half dark.
 * Tolerances are wider than zbar's own finder search, so a code that zbar
 * could decode is not missed here; a false
 * "maybe" (bold boxes in a grid) only costs the later passes. */
#include "qrfind.h"

#include <math.h>
#include <stdlib.h>

#define MAX_CENTRES 128

struct centre {
	double x, y, u; /* u: module size in pixels */
	int hits;
};

/* Five runs (dark, light, dark, light, dark) in about 1:1:3:1:1? */
static int ratio_ok(const int r[5], double *u)
{
	int total = r[0] + r[1] + r[2] + r[3] + r[4];
	double m = total / 7.0;

	if (total < 7)
		return 0;
	for (int i = 0; i < 5; i++) {
		double want = i == 2 ? 3 * m : m;
		if (r[i] < want * 0.4 || r[i] > want * (i == 2 ? 1.7 : 2.0))
			return 0;
	}
	*u = m;
	return 1;
}

/* The darkest of QRFIND_SPAN pixels (a loop the compiler turns into a few
 * vector instructions). */
#define QRFIND_SPAN 16
static int span_min(const unsigned char *p)
{
	unsigned char m = 255;
	for (int i = 0; i < QRFIND_SPAN; i++)
		m = p[i] < m ? p[i] : m;
	return m;
}

static int dark(const unsigned char *px, int w, int x, int y, int thr)
{
	return px[(size_t)y * (size_t)w + (size_t)x] < thr;
}

/* The column through (x, y), y inside the centre square: the five runs
 * around it, each walk at most lim pixels. Returns 1 and the centre's y and
 * the vertical module size when they are in ratio. */
static int column_ok(const unsigned char *px, int w, int h, int thr, int x, int y, int lim, double *cy,
		     double *u)
{
	int r[5] = { 0, 0, 0, 0, 0 };
	int up = y, down = y;

	while (up >= 0 && dark(px, w, x, up, thr) && y - up < lim)
		up--;
	while (down < h && dark(px, w, x, down, thr) && down - y < lim)
		down++;
	r[2] = down - up - 1;
	for (int side = 0; side < 2; side++) {
		int yy = side ? down : up, dir = side ? 1 : -1;
		for (int k = 0; k < 2; k++) {
			int want_dark = k == 1, n = 0;
			while (yy >= 0 && yy < h && dark(px, w, x, yy, thr) == want_dark && n < lim) {
				n++;
				yy += dir;
			}
			if (n == 0 || n >= lim)
				return 0;
			r[side ? 3 + k : 1 - k] = n;
		}
	}
	if (!ratio_ok(r, u))
		return 0;
	*cy = up + 1 + r[2] / 2.0;
	return 1;
}

static void add_centre(struct centre *c, int *n, int *overflow, double x, double y, double u)
{
	for (int i = 0; i < *n; i++)
		if (fabs(c[i].x - x) < 2 * c[i].u && fabs(c[i].y - y) < 2 * c[i].u) {
			c[i].hits++;
			return;
		}
	if (*n == MAX_CENTRES) {
		*overflow = 1;
		return;
	}
	c[*n] = (struct centre){ x, y, u, 1 };
	(*n)++;
}

static double dist(const struct centre *a, const struct centre *b)
{
	return hypot(a->x - b->x, a->y - b->y);
}

static int similar(double a, double b, double tol)
{
	return fabs(a - b) <= tol * (a > b ? a : b);
}

/* Share of dark pixels among 81 points spread over the parallelogram that
 * a, b and k span (k - a at a right angle to b - a): a code's modules are
 * about half dark; ruled boxes, text and blank paper are not. */
static double dark_share(const unsigned char *px, int w, int h, int thr, const struct centre *a,
			 const struct centre *b, const struct centre *k)
{
	int dark = 0, n = 0;

	for (int i = 1; i <= 9; i++)
		for (int j = 1; j <= 9; j++) {
			double s = i / 10.0, t = j / 10.0;
			int x = (int)(a->x + s * (b->x - a->x) + t * (k->x - a->x));
			int y = (int)(a->y + s * (b->y - a->y) + t * (k->y - a->y));
			if (x < 0 || y < 0 || x >= w || y >= h)
				continue;
			dark += px[(size_t)y * (size_t)w + (size_t)x] < thr;
			n++;
		}
	return n ? (double)dark / n : 0;
}

/* The rectangle holding the code whose finder centres are a (the corner),
 * b and k: the four corners a, b, k and b + k - a, widened by the finder's
 * half width, the quiet zone and as much again for error (QRFIND_MARGIN
 * modules), and by half the triangle's side (one of the three centres may
 * be a look-alike inside the code's data, which makes the triangle
 * smaller than the code), clipped to the page. */
#define QRFIND_MARGIN 10.0
static void region_of(const struct centre *a, const struct centre *b, const struct centre *k, int w, int h,
		      struct qrfind_region *r)
{
	double xs[4] = { a->x, b->x, k->x, b->x + k->x - a->x }, ys[4] = { a->y, b->y, k->y, b->y + k->y - a->y };
	double x0 = xs[0], x1 = xs[0], y0 = ys[0], y1 = ys[0];
	double m = QRFIND_MARGIN * a->u + 0.5 * fmax(dist(a, b), dist(a, k));

	for (int i = 1; i < 4; i++) {
		x0 = fmin(x0, xs[i]);
		x1 = fmax(x1, xs[i]);
		y0 = fmin(y0, ys[i]);
		y1 = fmax(y1, ys[i]);
	}
	r->x = (int)fmax(0, x0 - m);
	r->y = (int)fmax(0, y0 - m);
	r->w = (int)fmin(w, x1 + m) - r->x;
	r->h = (int)fmin(h, y1 + m) - r->y;
	r->module = a->u;
}

/* Three centres that could be one code's finder patterns: about the same
 * module size, a right angle between two equal sides, and the square they
 * span about half dark. Only centres confirmed on two rows count: a finder's
 * centre square is three modules tall, so every second row crosses it at
 * least twice, while strokes of text that happen to fit the ratio rarely do. */
static int corner_triangle(const unsigned char *px, int w, int h, int thr, const struct centre *c, int n,
			   struct qrfind_region *where, int max)
{
	int found = 0;

	for (int a = 0; a < n; a++)
		for (int b = 0; b < n; b++) {
			if (c[a].hits < 2 || c[b].hits < 2)
				continue;
			if (b == a || !similar(c[a].u, c[b].u, 0.45))
				continue;
			double ab = dist(&c[a], &c[b]);
			/* finder centres are 14 (version 1) to 170 (version 40) modules apart */
			if (ab < 10 * c[a].u || ab > 180 * c[a].u)
				continue;
			for (int k = b + 1; k < n; k++) {
				if (k == a || c[k].hits < 2 || !similar(c[a].u, c[k].u, 0.45))
					continue;
				double ak = dist(&c[a], &c[k]), bk = dist(&c[b], &c[k]);
				/* a right angle at a: the cosine between a->b and a->k near 0 */
				double cosa = ((c[b].x - c[a].x) * (c[k].x - c[a].x) + (c[b].y - c[a].y) * (c[k].y - c[a].y)) /
					      (ab * ak);
				if (!similar(ab, ak, 0.25) || !similar(bk, ab * M_SQRT2, 0.25) || fabs(cosa) >= 0.3)
					continue;
				double d = dark_share(px, w, h, thr, &c[a], &c[b], &c[k]);
				if (d < 0.25 || d > 0.75)
					continue;
				/* the same code seen from another corner order: its
				 * region's centre lies inside one already found */
				struct qrfind_region r;
				int dup = 0;
				region_of(&c[a], &c[b], &c[k], w, h, &r);
				for (int q = 0; q < found && !dup; q++)
					dup = r.x + r.w / 2 >= where[q].x && r.x + r.w / 2 < where[q].x + where[q].w &&
					      r.y + r.h / 2 >= where[q].y && r.y + r.h / 2 < where[q].y + where[q].h;
				if (!dup)
					where[found++] = r;
				if (found == max)
					return found;
			}
		}
	return found;
}

int qrfind_maybe(const unsigned char *px, int w, int h, int thr)
{
	struct qrfind_region r;
	return qrfind_locate(px, w, h, thr, &r, 1) != 0;
}

int qrfind_locate(const unsigned char *px, int w, int h, int thr, struct qrfind_region *where, int max)
{
	struct centre c[MAX_CENTRES];
	int n = 0, overflow = 0;

	if (!px || w < 21 || h < 21)
		return 0;
	for (int y = 0; y < h && !overflow; y += 2) {
		const unsigned char *row = px + (size_t)y * (size_t)w;
		int r[5] = { 0, 0, 0, 0, 0 }; /* the last five runs, oldest first */
		int nruns = 0, len = 0, cur = row[0] < thr;

		for (int x = 1; x <= w; x++) {
			/* most of a page is paper: skip light pixels QRFIND_SPAN at a time */
			while (!cur && x + QRFIND_SPAN <= w && span_min(row + x) >= thr) {
				x += QRFIND_SPAN;
				len += QRFIND_SPAN;
			}
			int d = x < w ? row[x] < thr : !cur;
			if (d == cur) {
				len++;
				continue;
			}
			/* a run of colour cur, length len + 1, ended at x */
			r[0] = r[1];
			r[1] = r[2];
			r[2] = r[3];
			r[3] = r[4];
			r[4] = len + 1;
			nruns++;
			double u, cy, uv;
			if (cur && nruns >= 5 && ratio_ok(r, &u)) {
				int cx = x - r[4] - r[3] - (r[2] + 1) / 2;
				int lim = 4 * (r[0] + r[1] + r[2] + r[3] + r[4]);
				if (column_ok(px, w, h, thr, cx, y, lim, &cy, &uv) && similar(u, uv, 0.5))
					add_centre(c, &n, &overflow, cx, cy, (u + uv) / 2);
			}
			cur = d;
			len = 0;
		}
	}
	/* too many candidates to sort out: say maybe (-1, no region), the later
	 * passes decide */
	if (overflow)
		return -1;
	return corner_triangle(px, w, h, thr, c, n, where, max);
}
