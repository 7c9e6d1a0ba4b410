/* qr.c: the entrance QR code on a scanned page (seed section 2: once-only).
 *
 * Takes: "page" frames from preprocess (8-bit grey, deskewed), attrs
 * page.N.threshold. Knows nothing of templates: it runs before ocr.
 * Looks for QR codes only (zbar with every other symbology off, one scanner
 * per worker), anywhere on the page and in any orientation, and only on a
 * page that shows three QR finder patterns in a code's corner triangle
 * (lib/qrfind.h, about 3 ms at 300 dpi for each of three thresholds); such
 * a page gets zbar's passes until one decodes:
 *   0. the region each corner triangle of finder patterns outlines (up to
 *      QR_REGIONS of them, lib/qrfind.h), as it is and binarised: a few ms
 *      where the whole page costs 100 to 300;
 *   1. the whole page as it is;
 *   2. a binarised copy (photocopies, grey paper, specks);
 *   3. if still nothing and the page is small (under QR_UPSCALE_BELOW_PX wide,
 *      about 240 dpi on A4), the page sharpened (unsharp mask), upscaled 2x
 *      and binarised: at 200 dpi a small code's modules are 2 to 3 pixels
 *      wide and a photocopy blurs them together, which zbar misses.
 * A page without a QR code costs the finder look (a few ms; every code the
 * benchmark's 176 pages decode passes it), one with a code usually the look
 * and the region pass (median 14 ms at 300 dpi, against 159 for the whole
 * page before the region pass existed).
 * Figures: docs/PERFORMANCE.md (bench/qr_bench.sh).
 * Gives, for the first well-formed identity payload (lib/identity.h):
 *   attrs identity.raw (the payload), identity.name/org/tel/visit (as given),
 *   qr.page (the page it was on), qr.pass (region | region-binary | page |
 *   binary | upscale);
 * the identity table is filled from them by load and the enrich stage
 * compares them with the form's written fields and fills empty ones.
 * A payload that is not a well-formed identity: issue qr_malformed (warning),
 * no identity. A docpipe receipt code (lib/receipt.h) scanned back in: attrs
 * qr.receipt_doc and qr.receipt_procedure, the record it points to. A
 * code's finder patterns seen but nothing decoded on any pass: attr qr.seen
 * (the page), so that a form with qr = required reports qr_unreadable rather
 * than qr_missing. No QR code at all: nothing. */
#include "stage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zbar.h>

#include "../lib/identity.h"
#include "../lib/image.h"
#include "../lib/qrfind.h"
#include "../lib/receipt.h"
#include "../lib/util.h"

#define QR_UPSCALE_BELOW_PX 2000
#define QR_REGIONS 4 /* corner triangles tried as regions before the whole page */

struct qr_state {
	zbar_image_scanner_t *scanner;
};

struct qr_found {
	int identity_page, malformed_page, receipt_page;
	int seen_page;             /* first page where a code's finder patterns were seen */
	const char *pass;
	struct identity id;
	char *raw;                 /* the identity payload */
	enum identity_err why;     /* of the first malformed payload */
	int why_line;
	char receipt_doc[65], receipt_proc[32];
};

static void qr_fini(void *state)
{
	struct qr_state *s = state;
	if (!s)
		return;
	if (s->scanner)
		zbar_image_scanner_destroy(s->scanner);
	free(s);
}

static enum dp_err qr_init(void **state, const struct conf *c, struct dp_msg *m)
{
	struct qr_state *s = xcalloc(1, sizeof *s);

	(void)c;
	image_quiet();
	s->scanner = zbar_image_scanner_create();
	if (!s->scanner) {
		free(s);
		return dp_fail(m, DP_ERR_ENGINE, "zbar: cannot create an image scanner");
	}
	/* QR only: all symbologies cost several times more (ENGINES.md) */
	zbar_image_scanner_set_config(s->scanner, 0, ZBAR_CFG_ENABLE, 0);
	zbar_image_scanner_set_config(s->scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
	/* the payload's bytes as they are: we check UTF-8 ourselves rather than
	 * let zbar guess a character set */
	zbar_image_scanner_set_config(s->scanner, ZBAR_QRCODE, ZBAR_CFG_BINARY, 1);
	*state = s;
	return DP_OK;
}

/* Decode every QR code in w x h packed 8-bit grey pixels; each payload goes
 * to take(). Returns how many symbols were decoded, -1 if zbar failed. */
static int scan_grey(struct qr_state *s, const unsigned char *px, int w, int h,
		     void (*take)(const char *, size_t, void *), void *user)
{
	zbar_image_t *img = zbar_image_create();
	int n, got = 0;

	if (!img)
		return -1;
	zbar_image_set_format(img, zbar_fourcc('Y', '8', '0', '0'));
	zbar_image_set_size(img, (unsigned)w, (unsigned)h);
	zbar_image_set_data(img, px, (unsigned long)w * (unsigned long)h, NULL);
	engine_enter();
	n = zbar_scan_image(s->scanner, img);
	engine_leave();
	if (n > 0)
		for (const zbar_symbol_t *sym = zbar_image_first_symbol(img); sym; sym = zbar_symbol_next(sym)) {
			if (zbar_symbol_get_type(sym) != ZBAR_QRCODE)
				continue;
			take(zbar_symbol_get_data(sym), zbar_symbol_get_data_length(sym), user);
			got++;
		}
	zbar_image_destroy(img);
	return n < 0 ? -1 : got;
}

/* A PIX (8 bpp) as packed rows, for zbar (Leptonica's rows are word-aligned
 * and byte-swapped on little-endian machines). Caller frees. */
static unsigned char *packed_grey(PIX *pix)
{
	int w = pixGetWidth(pix), h = pixGetHeight(pix);
	unsigned char *out = xmalloc((size_t)w * (size_t)h);
	PIX *sw;

	/* swapped to memory byte order, each row is the plain bytes */
	engine_enter();
	sw = pixEndianByteSwapNew(pix);
	engine_leave();
	if (!sw) {
		free(out);
		return NULL;
	}
	const unsigned char *src = (const unsigned char *)pixGetData(sw);
	int wpl = pixGetWpl(sw);
	for (int y = 0; y < h; y++)
		memcpy(out + (size_t)y * (size_t)w, src + (size_t)y * (size_t)wpl * 4, (size_t)w);
	pixDestroy(&sw);
	return out;
}

static int scan_pix(struct qr_state *s, PIX *pix, void (*take)(const char *, size_t, void *), void *user)
{
	unsigned char *px;
	int r;

	if (!pix || pixGetDepth(pix) != 8)
		return -1;
	px = packed_grey(pix);
	if (!px)
		return -1;
	r = scan_grey(s, px, pixGetWidth(pix), pixGetHeight(pix), take, user);
	free(px);
	return r;
}

/* The paper's grey level: the 90th percentile of every 61st pixel. */
static int paper_level(const unsigned char *px, size_t n)
{
	size_t hist[256] = { 0 }, count = 0, seen = 0;

	for (size_t i = 0; i < n; i += 61) {
		hist[px[i]]++;
		count++;
	}
	for (int v = 0; v < 256; v++) {
		seen += hist[v];
		if (seen * 10 >= count * 9)
			return v;
	}
	return 255;
}

struct take_ctx {
	struct qr_found *f;
	int page;
	const char *pass;
};

static void take_payload(const char *data, size_t len, void *user)
{
	struct take_ctx *t = user;
	struct qr_found *f = t->f;
	struct identity id;
	int line = 0;
	enum identity_err e;

	if (receipt_parse(data, len, f->receipt_doc, f->receipt_proc) == 0) {
		if (!f->receipt_page)
			f->receipt_page = t->page;
		return;
	}
	if (f->identity_page)
		return; /* the first identity stands */
	e = identity_parse(data, len, &id, &line);
	if (e == IDENTITY_OK) {
		f->identity_page = t->page;
		f->pass = t->pass;
		f->id = id;
		f->raw = xmalloc(len + 1);
		memcpy(f->raw, data, len);
		f->raw[len] = '\0';
	} else if (!f->malformed_page) {
		f->malformed_page = t->page;
		f->why = e;
		f->why_line = line;
	}
}

/* The region of a page where the finder patterns sit, as packed grey, and
 * the same binarised at thr (0 or 255); decoded as it is, then binarised.
 * Returns what scan_grey returns for the pass that decoded, else its last. */
static int scan_region(struct qr_state *s, const struct job_frame *fr, const struct qrfind_region *rg, int thr,
		       struct take_ctx *t)
{
	unsigned char *px = xmalloc((size_t)rg->w * (size_t)rg->h);
	int r;

	for (int y = 0; y < rg->h; y++)
		memcpy(px + (size_t)y * (size_t)rg->w, (const unsigned char *)fr->data + (size_t)(rg->y + y) * (size_t)fr->width + (size_t)rg->x,
		       (size_t)rg->w);
	t->pass = "region";
	r = scan_grey(s, px, rg->w, rg->h, take_payload, t);
	if (r == 0) {
		for (size_t i = 0; i < (size_t)rg->w * (size_t)rg->h; i++)
			px[i] = px[i] < thr ? 0 : 255;
		t->pass = "region-binary";
		r = scan_grey(s, px, rg->w, rg->h, take_payload, t);
	}
	free(px);
	return r;
}

/* The three passes over one page; stops at the first that decodes anything. */
static enum dp_err scan_page(struct qr_state *s, struct job *j, struct job_frame *fr, int pageno,
			     struct qr_found *f, struct dp_msg *m)
{
	struct take_ctx t = { f, pageno, "page" };
	PIX *pix = NULL, *bin = NULL, *bin8 = NULL, *up = NULL;
	int thr, r;
	enum dp_err e = DP_OK;

	if (fr->depth != 8 || fr->width <= 0 || fr->height <= 0 ||
	    fr->len != (size_t)fr->width * (size_t)fr->height)
		return dp_fail(m, DP_ERR_CORRUPT, "page %d of '%s': malformed page image", pageno,
			       path_basename(j->source ? j->source : "?"));
	thr = image_page_threshold(j, pageno);
	/* nothing shaped like a code at the page's ink threshold, halfway from it
	 * to the paper (a code printed paler than the text) or as far below it
	 * (small modules blurred together): zbar would find nothing */
	{
		int paper = paper_level(fr->data, fr->len), half = paper > thr ? (paper - thr) / 2 : 0;
		const int thrs[3] = { thr, thr + half, thr - half };
		struct qrfind_region rg[QR_REGIONS];
		int found = 0;
		r = 0;
		for (int k = 0; k < 3 && !found; k++)
			found = qrfind_locate(fr->data, fr->width, fr->height, thrs[k], rg, QR_REGIONS);
		if (!found)
			goto out;
		if (!f->seen_page)
			f->seen_page = pageno;
		/* the regions the finder patterns outline first: a fraction of the
		 * page's cost */
		for (int k = 0; k < found && r == 0; k++)
			r = scan_region(s, fr, &rg[k], thr, &t);
		if (r != 0)
			goto out;
	}
	t.pass = "page";
	r = scan_grey(s, fr->data, fr->width, fr->height, take_payload, &t);
	if (r != 0)
		goto out;
	pix = image_from_frame(fr);
	if (!pix) {
		e = dp_fail(m, DP_ERR_CORRUPT, "page %d of '%s': malformed page image", pageno,
			    path_basename(j->source ? j->source : "?"));
		goto out;
	}
	engine_enter();
	bin = image_binarise(pix, thr);
	bin8 = bin ? pixConvert1To8(NULL, bin, 255, 0) : NULL;
	engine_leave();
	t.pass = "binary";
	r = scan_pix(s, bin8, take_payload, &t);
	if (r != 0 || fr->width >= QR_UPSCALE_BELOW_PX)
		goto out;
	{
		/* sharpen first: at 200 dpi a photocopy blurs 2-pixel modules together */
		engine_enter();
		PIX *sharp = pixUnsharpMaskingGray(pix, 2, 0.8f);
		up = sharp ? pixScaleGrayLI(sharp, 2.0f, 2.0f) : NULL;
		engine_leave();
		pixDestroy(&sharp);
	}
	if (up) {
		engine_enter();
		PIX *ub = image_binarise(up, thr), *ub8 = NULL;
		ub8 = ub ? pixConvert1To8(NULL, ub, 255, 0) : NULL;
		engine_leave();
		t.pass = "upscale";
		r = scan_pix(s, ub8, take_payload, &t);
		pixDestroy(&ub);
		pixDestroy(&ub8);
	}
out:
	if (!e && r < 0)
		e = dp_fail(m, DP_ERR_ENGINE, "page %d of '%s': zbar failed to scan the page", pageno,
			    path_basename(j->source ? j->source : "?"));
	pixDestroy(&up);
	pixDestroy(&bin8);
	pixDestroy(&bin);
	pixDestroy(&pix);
	return e;
}

static enum dp_err qr_process(void *state, struct job *j, struct dp_msg *m)
{
	struct qr_state *s = state;
	struct qr_found f;
	int pageno = 0;
	enum dp_err e = DP_OK;
	char num[16];

	memset(&f, 0, sizeof f);
	for (size_t i = 0; i < j->nframes && !e; i++) {
		if (strcmp(j->frames[i].name, "page"))
			continue;
		pageno++;
		e = scan_page(s, j, &j->frames[i], pageno, &f, m);
		if (f.identity_page)
			break;
	}
	if (e)
		goto out;
	if (f.identity_page) {
		job_set_attr(j, "identity.raw", f.raw);
		if (f.id.name[0])
			job_set_attr(j, "identity.name", f.id.name);
		if (f.id.org[0])
			job_set_attr(j, "identity.org", f.id.org);
		if (f.id.tel[0])
			job_set_attr(j, "identity.tel", f.id.tel);
		if (f.id.visit[0])
			job_set_attr(j, "identity.visit", f.id.visit);
		snprintf(num, sizeof num, "%d", f.identity_page);
		job_set_attr(j, "qr.page", num);
		job_set_attr(j, "qr.pass", f.pass);
	} else if (f.malformed_page) {
		char ja[512], en[512];
		/* the payload itself is not repeated: it may hold personal data */
		if (f.why_line) {
			snprintf(ja, sizeof ja, "%dページの QR コードを本人情報として読めません（%d行目: %s）",
				 f.malformed_page, f.why_line, identity_err_ja(f.why));
			snprintf(en, sizeof en, "the QR code on page %d is not a visitor identity (line %d: %s)",
				 f.malformed_page, f.why_line, identity_err_en(f.why));
		} else {
			snprintf(ja, sizeof ja, "%dページの QR コードを本人情報として読めません（%s）", f.malformed_page,
				 identity_err_ja(f.why));
			snprintf(en, sizeof en, "the QR code on page %d is not a visitor identity (%s)", f.malformed_page,
				 identity_err_en(f.why));
		}
		job_add_issue(j, "", "qr_malformed", "warning", ja, en);
		snprintf(num, sizeof num, "%d", f.malformed_page);
		job_set_attr(j, "qr.page", num);
		job_set_attr(j, "qr.pass", "malformed");
	}
	if (f.receipt_page) {
		job_set_attr(j, "qr.receipt_doc", f.receipt_doc);
		job_set_attr(j, "qr.receipt_procedure", f.receipt_proc);
	}
	if (f.seen_page && !f.identity_page && !f.malformed_page && !f.receipt_page) {
		/* something shaped like a code, that no pass could decode: a form
		 * with qr = required reports it as unreadable, not missing */
		char seen[16];
		snprintf(seen, sizeof seen, "%d", f.seen_page);
		job_set_attr(j, "qr.seen", seen);
	}
out:
	free(f.raw);
	return e;
}

const struct stage_ops qr_ops = { qr_init, qr_process, qr_fini };
