/* register.c: registration on the form's printed structure (see register.h).
 *
 * Page lines: the page is reduced by 2, 4 or 8 to a working resolution of
 * 75 to 150 dpi (300 dpi: 75; 200 and 400 dpi: 100), a working pixel being
 * ink when the darkest page pixel of its block is below the page threshold
 * (0.25 mm rules survive); a vertical dilation by 3 pixels (so that a rule
 * tilted by up to 2 degrees stays one run) and an opening by a
 * horizontal bar keep the horizontal rules, likewise for vertical ones. Each
 * connected component becomes a straight segment (least squares over its
 * pixels: position at its middle, slope, extent); components thicker than
 * MAX_THICK_MM (a QR code, a filled block) are dropped. The bar lengths come
 * from the model: 0.8 x its shortest line, within [BAR_MIN_MM, *_BAR_MAX_MM],
 * so boxes 9 mm high are found and text strokes (up to about 7 mm in a large
 * title) mostly are not; stray ones are outliers the fit ignores.
 *
 * Fit: (1) per axis, a vote over scale (REG_SCALE_MIN..MAX in steps of
 * 0.002) and shift (guess +- REG_SEARCH_MM in 0.5 mm bins), every page line
 * against every model line of the same direction, weighted by the overlap of
 * their extents under the other axis's current estimate: x first without
 * extents, then y, then x again; (2) Gauss-Newton over (dx, dy, sx, sy, rot)
 * on the model's lines cut into pieces of at most PIECE_MM, each matched to
 * the nearest page line that covers it within a gate that shrinks from 2.5
 * to REG_GATE_MM; weak priors (the vote's values, rotation 0) keep an axis
 * with one line position (scale unobservable) well posed. */
#include "register.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "util.h"

#define MIN_SEG_MM 6.0    /* model edges shorter than this are not looked for */
#define PIECE_MM 5.0      /* model lines are matched in pieces of at most this */
#define BAR_MIN_MM 5.0
#define H_BAR_MAX_MM 15.0
#define V_BAR_MAX_MM 7.5
#define MAX_THICK_MM 1.2  /* thicker "lines" are blocks of ink */
#define WORK_DPI 75       /* reduce by 2 while the result stays at least this */
#define BIN_MM 0.5        /* shift bins of the vote */
#define SCALE_STEP 0.002
#define MERGE_POS_MM 0.3  /* model edges this close and touching are one line */

struct seg {
	double pos;   /* y of a horizontal line (x of a vertical) at the middle of its extent, mm */
	double a, b;  /* extent along the line, mm (a < b) */
	double slope; /* d pos / d along (page lines; 0 in models) */
};

struct segs {
	struct seg *s;
	int n, cap;
};

struct reg_model {
	struct segs h, v;
	double hbar_mm, vbar_mm; /* opening lengths used on pages */
};

static void segs_add(struct segs *ss, double pos, double a, double b, double slope)
{
	if (ss->n == ss->cap) {
		ss->cap = ss->cap ? ss->cap * 2 : 32;
		ss->s = xrealloc(ss->s, (size_t)ss->cap * sizeof *ss->s);
	}
	ss->s[ss->n].pos = pos;
	ss->s[ss->n].a = a < b ? a : b;
	ss->s[ss->n].b = a < b ? b : a;
	ss->s[ss->n].slope = slope;
	ss->n++;
}

static double seg_at(const struct seg *s, double t)
{
	return s->pos + s->slope * (t - (s->a + s->b) / 2);
}

static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* ---- page lines ---- */

/* One orientation's components of `open` (at `f` x reduction of a `dpi`
 * page) as segments in mm. horiz: the component runs along x. */
static void components_to_segs(PIX *open, int horiz, int f, int dpi, struct segs *out)
{
	PIXA *pixa = NULL;
	BOXA *boxa = pixConnComp(open, &pixa, 8);
	double k = 25.4 * f / dpi; /* mm per working pixel */
	int n = boxa ? boxaGetCount(boxa) : 0;

	for (int i = 0; i < n; i++) {
		l_int32 bx, by, bw, bh;
		PIX *c;
		double cnt = 0, sa = 0, sp = 0, saa = 0, sap = 0;

		boxaGetBoxGeometry(boxa, i, &bx, &by, &bw, &bh);
		c = pixaGetPix(pixa, i, L_CLONE);
		if (!c)
			continue;
		l_uint32 *data = pixGetData(c);
		int wpl = pixGetWpl(c);
		for (int y = 0; y < bh; y++) {
			l_uint32 *line = data + (size_t)y * wpl;
			for (int x = 0; x < bw; x++) {
				if (!GET_DATA_BIT(line, x))
					continue;
				double along = horiz ? x : y, across = horiz ? y : x;
				cnt++;
				sa += along;
				sp += across;
				saa += along * along;
				sap += along * across;
			}
		}
		pixDestroy(&c);
		int len = horiz ? bw : bh;
		if (cnt < 2 || len < 2)
			continue;
		/* mean thickness, less the 2 pixels of the dilation */
		if ((cnt / len - 2) * k > MAX_THICK_MM)
			continue;
		double ma = sa / cnt, mp = sp / cnt;
		double var = saa / cnt - ma * ma, cov = sap / cnt - ma * mp;
		double slope = var > 1e-9 ? cov / var : 0;
		double o_along = horiz ? bx : by, o_across = horiz ? by : bx;
		double a = o_along * k, b = (o_along + len) * k;
		double mid = (a + b) / 2;
		/* pixel centres: working pixel j covers [j, j+1) */
		double c_along = (o_along + ma + 0.5) * k, c_across = (o_across + mp + 0.5) * k;
		segs_add(out, c_across + slope * (mid - c_along), a, b, slope);
	}
	boxaDestroy(&boxa);
	pixaDestroy(&pixa);
}

/* mn[i] = min(mn[i], row[i]); written in blocks of 16 so that the
 * compiler's cheapest vectoriser (-O2) takes it. */
static void row_min(unsigned char *restrict mn, const unsigned char *restrict row, size_t n)
{
	size_t i = 0;
	for (; i + 16 <= n; i += 16)
		for (int k = 0; k < 16; k++)
			mn[i + k] = row[i + k] < mn[i + k] ? row[i + k] : mn[i + k];
	for (; i < n; i++)
		mn[i] = row[i] < mn[i] ? row[i] : mn[i];
}

/* The page reduced f times in each direction and binarised: a working pixel
 * is ink when the darkest page pixel of its f x f block is below thr (what
 * pixScaleGrayMinMax + pixThresholdToBinary give, in a third of the time). */
static PIX *reduce_threshold(PIX *g, int f, int thr)
{
	int w = pixGetWidth(g), h = pixGetHeight(g), W = (w + f - 1) / f, H = (h + f - 1) / f;
	int wpl = pixGetWpl(g);
	PIX *out = pixCreate(W, H, 1);
	size_t nb = (size_t)wpl * 4;
	unsigned char *mn, *o8;

	if (!out)
		return NULL;
	int owpl = pixGetWpl(out);
	l_uint32 *od = pixGetData(out), *gd = pixGetData(g);
	mn = xmalloc(nb);
	const int LITTLE = *(const unsigned char *)&(l_uint32){ 1 } == 1;
	o8 = xcalloc(nb + 64, 1);
	for (int Y = 0; Y < H; Y++) {
		/* rows: the minimum of f rows, in memory order (Leptonica keeps
		 * 8-bit pixels in 32-bit words: pixel x is byte x ^ 3 on
		 * little-endian machines, x on big-endian ones) */
		memset(mn, 255, nb);
		for (int r = 0; r < f && Y * f + r < h; r++) {
			row_min(mn, (const unsigned char *)(gd + (size_t)(Y * f + r) * wpl), nb);
		}
		for (int x = w; x < wpl * 4; x++)
			SET_DATA_BYTE((l_uint32 *)mn, x, 255); /* padding is paper */
		/* columns: one flag byte per working pixel, then 32 to a word */
		if (f == 2 || f == 4) {
			/* a word's bytes hold pixels 3 2 1 0 (little-endian) or 0 1 2 3 */
			for (int j = 0; j < wpl; j++) {
				const unsigned char *q = mn + 4 * j;
				unsigned char a = q[0] < q[1] ? q[0] : q[1], b = q[2] < q[3] ? q[2] : q[3];
				if (f == 4) {
					o8[j] = (a < b ? a : b) < thr;
				} else {
					o8[2 * j] = (LITTLE ? b : a) < thr;
					o8[2 * j + 1] = (LITTLE ? a : b) < thr;
				}
			}
		} else {
			for (int X = 0; X < W; X++) {
				int m = 255;
				for (int k = 0; k < f; k++) {
					int v = GET_DATA_BYTE((l_uint32 *)mn, X * f + k);
					m = v < m ? v : m;
				}
				o8[X] = m < thr;
			}
		}
		l_uint32 *ol = od + (size_t)Y * owpl;
		for (int X = 0; X < W; X += 32) {
			l_uint32 word = 0;
			for (int k = 0; k < 32; k++)
				word |= (l_uint32)o8[X + k] << (31 - k);
			ol[X / 32] = word;
		}
		if (W % 32)
			ol[W / 32] &= ~(0xffffffffu >> (W % 32));
	}
	free(mn);
	free(o8);
	return out;
}

/* Horizontal and vertical rules of a grey page. -1 when Leptonica fails. */
static int page_lines(PIX *grey, int thr, int dpi, double hbar_mm, double vbar_mm, struct segs *h,
		      struct segs *v)
{
	PIX *g8 = NULL, *bin = NULL, *t = NULL, *o = NULL;
	int f = 1, rc = -1;

	while (dpi / (f * 2) >= WORK_DPI)
		f *= 2;
	engine_enter();
	g8 = pixGetDepth(grey) == 8 && !pixGetColormap(grey) ? pixClone(grey) : pixConvertTo8(grey, 0);
	if (!g8)
		goto out;
	bin = reduce_threshold(g8, f, thr);
	if (!bin)
		goto out;
	double r = (double)dpi / f;
	int hl = (int)lround(hbar_mm * r / 25.4), vl = (int)lround(vbar_mm * r / 25.4);
	if (hl < 5)
		hl = 5;
	if (vl < 5)
		vl = 5;
	t = pixDilateBrick(NULL, bin, 1, 3);
	o = t ? pixOpenCompBrick(NULL, t, hl, 1) : NULL;
	if (!o)
		goto out;
	components_to_segs(o, 1, f, dpi, h);
	pixDestroy(&t);
	pixDestroy(&o);
	t = pixDilateBrick(NULL, bin, 3, 1);
	o = t ? pixOpenCompBrick(NULL, t, 1, vl) : NULL;
	if (!o)
		goto out;
	components_to_segs(o, 0, f, dpi, v);
	rc = 0;
out:
	pixDestroy(&o);
	pixDestroy(&t);
	pixDestroy(&bin);
	pixDestroy(&g8);
	engine_leave();
	return rc;
}

/* ---- models ---- */

static int cmp_seg(const void *pa, const void *pb)
{
	const struct seg *a = pa, *b = pb;
	if (a->pos != b->pos)
		return a->pos < b->pos ? -1 : 1;
	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return (a->b > b->b) - (a->b < b->b);
}

/* Merge collinear edges that touch (boxes side by side, comb dividers on a
 * frame), then drop the short ones. */
static void model_tidy(struct segs *ss)
{
	int n = 0;

	if (ss->n == 0)
		return;
	qsort(ss->s, (size_t)ss->n, sizeof *ss->s, cmp_seg);
	for (int i = 0; i < ss->n; i++) {
		struct seg c = ss->s[i];
		int merged = 0;
		for (int j = n - 1; j >= 0 && c.pos - ss->s[j].pos <= MERGE_POS_MM; j--) {
			struct seg *o = &ss->s[j];
			if (c.a <= o->b + 1.0 && c.b >= o->a - 1.0) {
				double lo = o->b - o->a, lc = c.b - c.a;
				o->pos = (o->pos * lo + c.pos * lc) / (lo + lc);
				if (c.a < o->a) o->a = c.a;
				if (c.b > o->b) o->b = c.b;
				merged = 1;
				break;
			}
		}
		if (!merged)
			ss->s[n++] = c;
	}
	ss->n = n;
	n = 0;
	for (int i = 0; i < ss->n; i++)
		if (ss->s[i].b - ss->s[i].a >= MIN_SEG_MM)
			ss->s[n++] = ss->s[i];
	ss->n = n;
}

static double shortest(const struct segs *ss)
{
	double m = 1e9;
	for (int i = 0; i < ss->n; i++)
		if (ss->s[i].b - ss->s[i].a < m)
			m = ss->s[i].b - ss->s[i].a;
	return m;
}

static void add_box(struct reg_model *rm, const struct form_rect *r)
{
	segs_add(&rm->h, r->y, r->x, r->x + r->w, 0);
	segs_add(&rm->h, r->y + r->h, r->x, r->x + r->w, 0);
	segs_add(&rm->v, r->x, r->y, r->y + r->h, 0);
	segs_add(&rm->v, r->x + r->w, r->y, r->y + r->h, 0);
}

enum dp_err reg_model_from_form(struct reg_model **out, const struct form *f, struct dp_msg *m)
{
	struct reg_model *rm = xcalloc(1, sizeof *rm);

	*out = NULL;
	for (int i = 0; i < f->nfields; i++) {
		const struct form_field *fd = &f->fields[i];
		if (fd->has_box) {
			add_box(rm, &fd->box);
			for (int c = 1; c < fd->cells; c++) {
				double x = fd->box.x + fd->box.w * c / fd->cells;
				segs_add(&rm->v, x, fd->box.y, fd->box.y + fd->box.h, 0);
			}
		}
		for (int o = 0; o < fd->nopts; o++)
			add_box(rm, &fd->opts[o].box);
	}
	model_tidy(&rm->h);
	model_tidy(&rm->v);
	if (rm->h.n + rm->v.n < 4) {
		reg_model_free(&rm);
		return dp_fail(m, DP_ERR_FORMAT,
			       "template '%s': its boxes give fewer than 4 frame lines of %.0f mm or more to register on",
			       f->id, MIN_SEG_MM);
	}
	rm->hbar_mm = clampd(0.8 * shortest(&rm->h), BAR_MIN_MM, H_BAR_MAX_MM);
	rm->vbar_mm = clampd(0.8 * shortest(&rm->v), BAR_MIN_MM, V_BAR_MAX_MM);
	*out = rm;
	return DP_OK;
}

enum dp_err reg_model_from_image(struct reg_model **out, PIX *reference_grey, int dpi, struct dp_msg *m)
{
	struct reg_model *rm = xcalloc(1, sizeof *rm);
	PIX *g = NULL;
	l_int32 thr = 128;
	int rc;

	*out = NULL;
	if (dpi < 50 || dpi > 2400) {
		free(rm);
		return dp_fail(m, DP_ERR_FORMAT, "reference scan: implausible resolution %d dpi", dpi);
	}
	/* pages reach registration deskewed by preprocess, and templates are
	 * measured on deskewed pages: the reference is straightened the same
	 * way (its threshold split, image_deskew) */
	engine_enter();
	g = pixConvertTo8(reference_grey, 0);
	if (g && pixSplitDistributionFgBg(g, 0.0, 4, &thr, NULL, NULL, NULL) != 0)
		thr = 128;
	float deg = 0;
	PIX *rot = g ? image_deskew(g, thr, &deg) : NULL;
	if (rot) {
		pixDestroy(&g);
		g = rot;
	}
	engine_leave();
	rc = g ? page_lines(g, thr, dpi, H_BAR_MAX_MM, V_BAR_MAX_MM, &rm->h, &rm->v) : -1;
	pixDestroy(&g);
	if (rc != 0) {
		reg_model_free(&rm);
		return dp_fail(m, DP_ERR_ENGINE, "reference scan: Leptonica could not find its lines");
	}
	for (int i = 0; i < rm->h.n; i++)
		rm->h.s[i].slope = 0;
	for (int i = 0; i < rm->v.n; i++)
		rm->v.s[i].slope = 0;
	model_tidy(&rm->h);
	model_tidy(&rm->v);
	if (rm->h.n + rm->v.n < 4) {
		reg_model_free(&rm);
		return dp_fail(m, DP_ERR_FORMAT, "reference scan: fewer than 4 ruled lines found; register the form by its title");
	}
	rm->hbar_mm = H_BAR_MAX_MM;
	rm->vbar_mm = V_BAR_MAX_MM;
	*out = rm;
	return DP_OK;
}

void reg_model_free(struct reg_model **rm)
{
	if (!*rm)
		return;
	free((*rm)->h.s);
	free((*rm)->v.s);
	free(*rm);
	*rm = NULL;
}

void reg_model_size(const struct reg_model *rm, int *nh, int *nv)
{
	*nh = rm ? rm->h.n : 0;
	*nv = rm ? rm->v.n : 0;
}

/* ---- fit ---- */

void reg_map(const struct reg_transform *t, double x, double y, double *px, double *py)
{
	double r = t->rot_deg * M_PI / 180.0, c = cos(r), s = sin(r);
	*px = t->sx * c * x - t->sy * s * y + t->dx_mm;
	*py = t->sx * s * x + t->sy * c * y + t->dy_mm;
}

void reg_rect(const struct reg_transform *t, double x, double y, double w, double h, double grow, double *ox,
	      double *oy, double *ow, double *oh)
{
	double cx[4] = { x - grow, x + w + grow, x - grow, x + w + grow };
	double cy[4] = { y - grow, y - grow, y + h + grow, y + h + grow };
	double x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9;

	for (int i = 0; i < 4; i++) {
		double px, py;
		reg_map(t, cx[i], cy[i], &px, &py);
		x0 = fmin(x0, px);
		y0 = fmin(y0, py);
		x1 = fmax(x1, px);
		y1 = fmax(y1, py);
	}
	*ox = x0;
	*oy = y0;
	*ow = x1 - x0;
	*oh = y1 - y0;
}

int reg_px(double mm, int dpi)
{
	return (int)lround(mm * dpi / 25.4);
}

struct reg_transform reg_shift(double dx_mm, double dy_mm)
{
	struct reg_transform t = { dx_mm, dy_mm, 1.0, 1.0, 0.0, 0.0, 0.0, 0 };
	return t;
}

void reg_format(const struct reg_transform *t, char *out, size_t n)
{
	snprintf(out, n, "%.2f %.2f %.4f %.4f %.3f", t->dx_mm, t->dy_mm, t->sx, t->sy, t->rot_deg);
}

int reg_parse(const char *s, struct reg_transform *t)
{
	struct reg_transform r = reg_shift(0, 0);
	char extra;

	if (!s || sscanf(s, "%lf %lf %lf %lf %lf %c", &r.dx_mm, &r.dy_mm, &r.sx, &r.sy, &r.rot_deg, &extra) != 5 ||
	    r.sx < 0.5 || r.sx > 2 || r.sy < 0.5 || r.sy > 2 || fabs(r.rot_deg) > 45)
		return -1;
	*t = r;
	return 0;
}

int reg_fit_usable(const struct reg_transform *t)
{
	return t->matched >= REG_USABLE_MATCHED && t->residual_mm <= REG_USABLE_RESIDUAL_MM;
}

/* Scale and shift of one axis: page lines P against model lines M, shifts
 * within REG_SEARCH_MM of d0. Extents are compared under the other axis's
 * (os, od) with `slack` mm. Returns the vote's weight (0: nothing matched). */
static double vote_axis(const struct segs *P, const struct segs *M, double d0, double os, double od, double slack,
			double *best_s, double *best_d)
{
	int ns = (int)lround((REG_SCALE_MAX - REG_SCALE_MIN) / SCALE_STEP) + 1;
	int NB = (int)(2 * REG_SEARCH_MM / BIN_MM) + 2;
	double hist[256], best = 0;

	if (NB > 256)
		NB = 256;

	*best_s = 1;
	*best_d = d0;
	for (int si = 0; si < ns; si++) {
		double s = REG_SCALE_MIN + si * SCALE_STEP;
		memset(hist, 0, sizeof hist);
		for (int j = 0; j < M->n; j++) {
			const struct seg *mj = &M->s[j];
			double ma = os * mj->a + od - slack, mb = os * mj->b + od + slack;
			double lm = os * (mj->b - mj->a);
			for (int i = 0; i < P->n; i++) {
				const struct seg *pi = &P->s[i];
				double d = pi->pos - s * mj->pos - d0;
				if (d < -REG_SEARCH_MM || d > REG_SEARCH_MM)
					continue;
				double ov = (pi->b < mb ? pi->b : mb) - (pi->a > ma ? pi->a : ma);
				if (ov <= 0)
					continue;
				double lp = pi->b - pi->a, w = ov;
				if (w > lp) w = lp;
				if (w > lm) w = lm;
				double fb = (d + REG_SEARCH_MM) / BIN_MM;
				int b0 = (int)floor(fb);
				double fr = fb - b0;
				if (b0 >= 0 && b0 < NB)
					hist[b0] += w * (1 - fr);
				if (b0 + 1 >= 0 && b0 + 1 < NB)
					hist[b0 + 1] += w * fr;
			}
		}
		for (int b = 0; b < NB; b++) {
			double d = b * BIN_MM - REG_SEARCH_MM;
			double sc = hist[b] + 0.5 * ((b > 0 ? hist[b - 1] : 0) + (b + 1 < NB ? hist[b + 1] : 0));
			/* a faint preference for the guess and for scale 1 breaks ties */
			sc *= 1 - 0.01 * fabs(d) / REG_SEARCH_MM - 0.01 * fabs(s - 1) / (REG_SCALE_MAX - 1);
			if (sc > best) {
				best = sc;
				*best_s = s;
				*best_d = d0 + d;
			}
		}
	}
	return best;
}

struct piece {
	double x, y; /* model point, mm */
	double w;    /* length it stands for */
	int horiz, seg;
};

struct params {
	double dx, dy, sx, sy, th; /* th in radians */
};

static void pmap(const struct params *p, double x, double y, double *px, double *py)
{
	double c = cos(p->th), s = sin(p->th);
	*px = p->sx * c * x - p->sy * s * y + p->dx;
	*py = p->sx * s * x + p->sy * c * y + p->dy;
}

/* The page line nearest to piece q under p, within gate: its signed
 * distance in *r (page minus predicted), -1 if none. */
static int match_piece(const struct piece *q, const struct params *p, const struct segs *ph, const struct segs *pv,
		       double gate, double *r)
{
	double px, py, bestd = gate;
	int best = -1;
	const struct segs *P = q->horiz ? ph : pv;

	pmap(p, q->x, q->y, &px, &py);
	double along = q->horiz ? px : py, pred = q->horiz ? py : px;
	for (int i = 0; i < P->n; i++) {
		const struct seg *s = &P->s[i];
		if (along < s->a - 1.0 || along > s->b + 1.0)
			continue;
		double d = seg_at(s, along) - pred;
		if (fabs(d) <= bestd) {
			bestd = fabs(d);
			best = i;
			*r = d;
		}
	}
	return best;
}

/* Solve the n x n system A x = b (Gaussian elimination with partial
 * pivoting); 0 on success. */
static int solve(int n, double A[5][5], double b[5], double x[5])
{
	for (int c = 0; c < n; c++) {
		int piv = c;
		for (int r = c + 1; r < n; r++)
			if (fabs(A[r][c]) > fabs(A[piv][c]))
				piv = r;
		if (fabs(A[piv][c]) < 1e-12)
			return -1;
		if (piv != c) {
			for (int k = 0; k < n; k++) {
				double t = A[c][k];
				A[c][k] = A[piv][k];
				A[piv][k] = t;
			}
			double t = b[c];
			b[c] = b[piv];
			b[piv] = t;
		}
		for (int r = c + 1; r < n; r++) {
			double f = A[r][c] / A[c][c];
			for (int k = c; k < n; k++)
				A[r][k] -= f * A[c][k];
			b[r] -= f * b[c];
		}
	}
	for (int c = n - 1; c >= 0; c--) {
		double s = b[c];
		for (int k = c + 1; k < n; k++)
			s -= A[c][k] * x[k];
		x[c] = s / A[c][c];
	}
	return 0;
}

static struct piece *make_pieces(const struct reg_model *rm, int *np, double *total)
{
	int cap = 0, n = 0;
	struct piece *pc = NULL;

	*total = 0;
	for (int o = 0; o < 2; o++) {
		const struct segs *ss = o == 0 ? &rm->h : &rm->v;
		for (int i = 0; i < ss->n; i++) {
			const struct seg *s = &ss->s[i];
			double len = s->b - s->a;
			int k = (int)ceil(len / PIECE_MM);
			for (int j = 0; j < k; j++) {
				if (n == cap) {
					cap = cap ? cap * 2 : 256;
					pc = xrealloc(pc, (size_t)cap * sizeof *pc);
				}
				double t = s->a + (j + 0.5) * len / k;
				pc[n].horiz = o == 0;
				pc[n].x = o == 0 ? t : s->pos;
				pc[n].y = o == 0 ? s->pos : t;
				pc[n].w = len / k;
				pc[n].seg = i;
				*total += len / k;
				n++;
			}
		}
	}
	*np = n;
	return pc;
}

static const double GATES[] = { 2.5, 1.8, 1.3, REG_GATE_MM, REG_GATE_MM, REG_GATE_MM };
#define NGATES (int)(sizeof GATES / sizeof GATES[0])

enum dp_err reg_fit(const struct reg_model *rm, PIX *page_grey, int threshold, int dpi,
		    const struct reg_transform *guess, struct reg_transform *out, struct dp_msg *m)
{
	struct segs ph = { 0 }, pv = { 0 };
	struct piece *pc = NULL;
	int np = 0;
	double total = 0;
	struct params p, prior;

	memset(out, 0, sizeof *out);
	out->dx_mm = guess->dx_mm;
	out->dy_mm = guess->dy_mm;
	out->sx = out->sy = 1;
	if (!rm || !page_grey || dpi < 50 || dpi > 2400)
		return dp_fail(m, DP_ERR_INTERNAL, "registration: no model, no page or an implausible dpi (%d)", dpi);
	if (threshold < 1 || threshold > 255)
		threshold = 128;
	if (page_lines(page_grey, threshold, dpi, rm->hbar_mm, rm->vbar_mm, &ph, &pv) != 0) {
		free(ph.s);
		free(pv.s);
		return dp_fail(m, DP_ERR_ENGINE, "registration: Leptonica could not extract the page's lines");
	}
	if (ph.n + pv.n < 2)
		goto done; /* a blank page, or one without rules */

	/* (1) votes per axis: x without extents, y with x's, x again with y's */
	double sx = 1, dx = guess->dx_mm, sy = 1, dy = guess->dy_mm, wx = 0, wy = 0;
	if (pv.n && rm->v.n)
		wx = vote_axis(&pv, &rm->v, guess->dx_mm, 1, guess->dy_mm, 1e6, &sx, &dx);
	if (ph.n && rm->h.n)
		wy = vote_axis(&ph, &rm->h, guess->dy_mm, sx, dx, wx > 0 ? 3.0 : 1e6, &sy, &dy);
	if (pv.n && rm->v.n && wy > 0)
		wx = vote_axis(&pv, &rm->v, guess->dx_mm, sy, dy, 3.0, &sx, &dx);
	if (wx <= 0 && wy <= 0)
		goto done;

	/* (2) Gauss-Newton on pieces of the model's lines */
	p.dx = dx;
	p.dy = dy;
	p.sx = sx;
	p.sy = sy;
	p.th = 0;
	prior = p;
	pc = make_pieces(rm, &np, &total);
	for (int it = 0; it < NGATES; it++) {
		double A[5][5] = { { 0 } }, b[5] = { 0 }, x[5] = { 0 };
		double c = cos(p.th), s = sin(p.th);
		for (int i = 0; i < np; i++) {
			const struct piece *q = &pc[i];
			double r, J[5];
			if (match_piece(q, &p, &ph, &pv, GATES[it], &r) < 0)
				continue;
			if (q->horiz) { /* predicted y = sx s x + sy c y + dy */
				J[0] = 0;
				J[1] = 1;
				J[2] = s * q->x;
				J[3] = c * q->y;
				J[4] = p.sx * c * q->x - p.sy * s * q->y;
			} else { /* predicted x = sx c x - sy s y + dx */
				J[0] = 1;
				J[1] = 0;
				J[2] = c * q->x;
				J[3] = -s * q->y;
				J[4] = -p.sx * s * q->x - p.sy * c * q->y;
			}
			for (int u = 0; u < 5; u++) {
				for (int v = 0; v < 5; v++)
					A[u][v] += q->w * J[u] * J[v];
				b[u] += q->w * J[u] * r;
			}
		}
		/* weak priors, as strong as 1 mm of line (scale and rotation at a
		 * 100 mm lever): they decide only what the lines leave open */
		double lam[5] = { 1, 1, 1e4, 1e4, 1e4 };
		double cur[5] = { p.dx, p.dy, p.sx, p.sy, p.th }, pri[5] = { prior.dx, prior.dy, prior.sx, prior.sy, 0 };
		for (int u = 0; u < 5; u++) {
			A[u][u] += lam[u];
			b[u] += lam[u] * (pri[u] - cur[u]);
		}
		if (solve(5, A, b, x) != 0)
			break;
		p.dx += x[0];
		p.dy += x[1];
		p.sx = clampd(p.sx + x[2], REG_SCALE_MIN - 0.02, REG_SCALE_MAX + 0.02);
		p.sy = clampd(p.sy + x[3], REG_SCALE_MIN - 0.02, REG_SCALE_MAX + 0.02);
		p.th = clampd(p.th + x[4], -2 * M_PI / 180, 2 * M_PI / 180);
	}

	/* (3) quality under the final gate */
	{
		double sum = 0, found = 0;
		int nseg = rm->h.n + rm->v.n, matched = 0;
		double *segfound = xcalloc((size_t)nseg, sizeof *segfound), *seglen = xcalloc((size_t)nseg, sizeof *seglen);
		for (int i = 0; i < np; i++) {
			const struct piece *q = &pc[i];
			double r;
			int k = q->horiz ? q->seg : rm->h.n + q->seg;
			seglen[k] += q->w;
			if (match_piece(q, &p, &ph, &pv, REG_GATE_MM, &r) >= 0) {
				sum += q->w * r * r;
				found += q->w;
				segfound[k] += q->w;
			} else {
				sum += q->w * REG_MISS_MM * REG_MISS_MM;
			}
		}
		for (int k = 0; k < nseg; k++)
			matched += segfound[k] >= 0.5 * seglen[k];
		free(segfound);
		free(seglen);
		if (matched == 0 || total <= 0)
			goto done;
		out->dx_mm = p.dx;
		out->dy_mm = p.dy;
		out->sx = p.sx;
		out->sy = p.sy;
		out->rot_deg = p.th * 180 / M_PI;
		out->residual_mm = sqrt(sum / total);
		out->coverage = found / total;
		out->matched = matched;
	}
done:
	free(pc);
	free(ph.s);
	free(pv.s);
	return DP_OK;
}
