/* register.h: registration of a page on its template from the form's own
 * printed structure (ruled lines and box frames), not from one line of text.
 *
 * A model of the template's printed structure is made once per template per
 * worker: from a reference scan (reg_model_from_image; pixel (0,0) of the
 * reference is the template's origin and its dpi converts to mm, so the
 * template's boxes must have been measured on it) or, without one, from the
 * template's field boxes (reg_model_from_form: their edges, comb cell
 * dividers and option squares are printed frame lines on most forms). The
 * model is a list of horizontal and vertical line segments in template mm.
 *
 * reg_fit() finds the page's long horizontal and vertical lines (morphological
 * opening of the binarised page by long bars, at about 100-150 dpi), votes
 * per axis for scale (0.94..1.06) and shift (within REG_SEARCH_MM of the
 * guess), then refines shift, scale per axis and a small rotation by
 * iterated least squares over the model's lines, each cut into pieces of at
 * most 5 mm that are matched to the nearest page line within a gate.
 *
 * The transform maps a template point (x, y) in mm to the page, in mm:
 *     x' = sx cos(r) x - sy sin(r) y + dx
 *     y' = sx sin(r) x + sy cos(r) y + dy       (r = rot_deg in radians)
 * reg_map() applies it. Rotation is what remains after preprocess's deskew
 * (positive: clockwise on the page as displayed, as Leptonica's pixRotate).
 *
 * Quality: residual_mm is the RMS distance (weighted by length) between the
 * model's lines and the page's lines after the fit, where a piece of model
 * line with no page line within REG_GATE_MM counts as REG_MISS_MM: a page of
 * the right form gives about 0.1-0.3 mm, a page of another form 2 mm and
 * more. coverage is the share of the model's line length found on the page.
 * A caller should use the fit when reg_fit_usable() says so and otherwise
 * keep its guess. Measured on fixtures/forms (clean pages moved, scaled
 * 0.95-1.05 and rotated up to 1.5 degrees with Leptonica; every degraded
 * page after preprocess's deskew): shift within 0.2 mm up to 0.5 degree
 * (0.5 mm at 1-1.5 degrees), scale within 0.003, rotation within 0.08
 * degree. residual_mm: the right form 0.03-0.3 mm (a 98% photocopy up to
 * 0.8), another form or an unknown one 1.7-2.5 mm.
 *
 * Costs, CPU: reg_fit about 3.5 ms on a 300-dpi A4 page (4 ms at 200 dpi,
 * 6 ms at 400), most of it reducing and binarising the page;
 * reg_model_from_form under 0.1 ms; reg_model_from_image 15-110 ms (with a
 * deskew). Deterministic: no random sampling. Models are read-only after
 * creation and may be shared between threads. */
#ifndef DP_REGISTER_H
#define DP_REGISTER_H

#include <leptonica/allheaders.h>

#include "err.h"
#include "forms.h"

#define REG_SEARCH_MM 25.0  /* shift searched around the guess, each axis */
#define REG_SCALE_MIN 0.94
#define REG_SCALE_MAX 1.06
#define REG_GATE_MM 1.0     /* a model line piece farther than this from any page line is missing */
#define REG_MISS_MM 3.0     /* ... and counts this much in residual_mm */
#define REG_USABLE_RESIDUAL_MM 1.3 /* reg_fit_usable(): at most this residual ... */
#define REG_USABLE_MATCHED 4       /* ... and at least this many model segments found */

struct reg_transform {
	double dx_mm, dy_mm; /* page position of the template's origin, mm */
	double sx, sy;       /* scale, 1.0 = as printed (0.95..1.05 expected) */
	double rot_deg;      /* residual rotation, degrees (0 in a guess) */
	double residual_mm;  /* RMS distance of the model's structure to the page's after the fit */
	double coverage;     /* share 0..1 of the model's line length found on the page */
	int matched;         /* model line segments at least half found; 0 = no structure found */
};

struct reg_model;

/* Model from a reference scan (any depth; made grey, binarised and
 * deskewed as preprocess does a page: threshold split, pixFindSkew, rotation
 * about the centre).
 * DP_ERR_ENGINE when Leptonica fails, DP_ERR_FORMAT when the scan shows
 * fewer than 4 ruled lines. */
enum dp_err reg_model_from_image(struct reg_model **out, PIX *reference_grey, int dpi, struct dp_msg *m);
/* Model from the template's boxes (fields, comb dividers, options). Edges
 * shorter than 6 mm are left out (too short to find as lines). DP_ERR_FORMAT
 * when fewer than 4 edges remain: register such a form by its title. */
enum dp_err reg_model_from_form(struct reg_model **out, const struct form *f, struct dp_msg *m);
void reg_model_free(struct reg_model **rm);
/* Segments in the model (horizontal, vertical), for messages and tests. */
void reg_model_size(const struct reg_model *rm, int *nh, int *nv);

/* Fit the page (8-bit grey, deskewed; threshold: ink below it, as
 * preprocess's page.N.threshold) to the model, starting from guess (the
 * title-based shift; its scale and rotation are ignored: the search covers
 * REG_SCALE_MIN..MAX and rotation starts at 0). Returns DP_OK with
 * out->matched = 0 (and out = guess with scale 1) when the page has too
 * little structure; DP_ERR_ENGINE when Leptonica fails. */
enum dp_err reg_fit(const struct reg_model *rm, PIX *page_grey, int threshold, int dpi,
		    const struct reg_transform *guess, struct reg_transform *out, struct dp_msg *m);
/* 1 when the fit is trustworthy (matched, residual within REG_USABLE_*). */
int reg_fit_usable(const struct reg_transform *t);
/* Template point (x, y) mm -> page point mm. */
void reg_map(const struct reg_transform *t, double x, double y, double *px, double *py);
/* The page rectangle (mm) covering the template rectangle x, y, w, h (mm)
 * grown by grow mm on each side (negative: shrunk), after the transform: the
 * box a field is cut from. The one placement rule of ocr and the review
 * station. */
void reg_rect(const struct reg_transform *t, double x, double y, double w, double h, double grow, double *ox,
	      double *oy, double *ow, double *oh);
/* mm -> pixels at dpi, rounded: the other half of the placement rule. */
int reg_px(double mm, int dpi);
/* A transform with only a shift (scale 1, no rotation): the title's. */
struct reg_transform reg_shift(double dx_mm, double dy_mm);
/* "DX DY SX SY ROT" (mm, mm, scale, scale, degrees) <-> transform: the
 * attribute page.N.transform. Parse returns 0, or -1 leaving t unchanged. */
void reg_format(const struct reg_transform *t, char *out, size_t n);
int reg_parse(const char *s, struct reg_transform *t);

#endif
