/* review_media.h: the pictures and sounds of the review station, cut on
 * demand from the original input (docs/REVIEW.md).
 *
 * A field's crop is cut from the scan as the ocr stage saw it: the file is
 * decoded and deskewed by the preprocess stage's own code, and the field's
 * box (from its form template, in mm) is placed with the registration the
 * ocr stage recorded for the page (attr page.N.transform, or page.N.shift_mm
 * "DX DY" for documents read before it existed, and page.N.dpi), by the same
 * rule as the ocr stage (lib/register.h reg_rect). Every function checks the file's SHA-256 against the
 * document's before using it, returns an error with a message for people
 * (which file, why) when it cannot, and gives memory the caller frees. */
#ifndef DP_REVIEW_MEDIA_H
#define DP_REVIEW_MEDIA_H

#include <stddef.h>
#include <stdint.h>

#include "../lib/conf.h"
#include "../lib/err.h"
#include "../lib/forms.h"

/* One page of a stored scan, as the ocr stage recorded it. */
struct review_page {
	const char *path;      /* the input file (source_name, or its copy in [output] archive) */
	const char *sha256;    /* documents.sha256: the file must still hold these bytes */
	int page;              /* 1-based */
	const struct form *form; /* the template the page was read with (attr page.N.form) */
	double dx_mm, dy_mm;   /* attr page.N.shift_mm, or the shift of page.N.transform */
	double sx, sy, rot_deg; /* the rest of page.N.transform (0 scale: 1, no rotation) */
	int dpi;               /* attr page.N.dpi */
};

/* A box on the page: a field's rectangle (or a choice's options) with the
 * text to write beside it when the whole page is drawn. */
struct review_box {
	const char *field;     /* field name in the template */
	const char *label;     /* "value (confidence)"; NULL none */
	int flagged;           /* drawn in red when set, else green */
};

/* Fill p's placement from the attrs of page p->page (page.N.transform, else
 * page.N.shift_mm); attr(key) returns an attr's value or NULL. */
void review_page_placement(struct review_page *p, const char *(*attr)(void *ctx, const char *key), void *ctx);

/* The PNG of one field's crop (the box with a margin), at most about
 * 1200 px wide. */
enum dp_err review_field_png(const struct conf *c, const struct review_page *p, const char *field,
			     unsigned char **png, size_t *len, struct dp_msg *m);

/* The PNG of the whole page, scaled to max_width px (0: as scanned), with
 * every box drawn and labelled. */
enum dp_err review_page_png(const struct conf *c, const struct review_page *p, const struct review_box *boxes,
			    int nboxes, int max_width, unsigned char **png, size_t *len, struct dp_msg *m);

/* A WAV (16-bit PCM, the recording's rate and channels) of start_ms..end_ms
 * of a stored recording, clamped to its length. */
enum dp_err review_audio_wav(const struct conf *c, const char *path, const char *sha256, int64_t start_ms,
			     int64_t end_ms, unsigned char **wav, size_t *len, struct dp_msg *m);

/* Where the bytes of a stored input are: path itself when it exists and
 * holds sha256, else a file of the same name under [output] archive (watch
 * mode moves inputs there, in dated folders) that does. Fills out; returns
 * DP_ERR_IO with the reason when there is none. */
enum dp_err review_find_input(const struct conf *c, const char *path, const char *sha256, char *out, size_t n,
			      struct dp_msg *m);

/* Additions (review_media.c): */

/* A field's crop is its box (a choice: the rectangle around its option
 * boxes, widened right by 25 mm for the printed option labels) grown by this
 * margin on each side, clipped to the page, and scaled down to at most
 * REVIEW_FIELD_MAX_WIDTH px wide. */
#define REVIEW_FIELD_MARGIN_MM 3.0
#define REVIEW_FIELD_MAX_WIDTH 1200
/* Decoded pages (8-bit grey, about 8.7 MB for A4 at 300 dpi) are kept for
 * the next request up to this many bytes in all (at most 16 pages), least
 * recently used first out; thread-safe. */
#define REVIEW_CACHE_BYTES (64u << 20)
/* Empty that cache (tests, and measuring a cold request). */
void review_cache_clear(void);

#endif
