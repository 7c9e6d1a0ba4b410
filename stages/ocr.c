/* ocr.c: Tesseract on every page.
 *
 * Takes: "page" frames from preprocess.
 * Gives: full_text (pages separated by form feeds) and ocr_conf, the mean
 * word confidence over pages. With [ocr] full_text = auto the page text is
 * read only for pages that match no form template; always/never force it.
 * Engines: one jpn+eng TessBaseAPI per worker thread for page text, created
 * once in init and reused. Costs about 0.9 s of CPU per A4 page at 300 dpi.
 * Status: a scan with no template match ends as 'unrecognised'. */
#include "stage.h"

#include <stdlib.h>
#include <string.h>

#include "../src/image.h"
#include "../src/tess.h"
#include "../src/util.h"

struct ocr_state {
	const struct conf *conf;
	struct tess *page_engine;  /* jpn+eng, for page text */
};

static enum dp_err ocr_init(void **state, const struct conf *c, struct dp_msg *m)
{
	struct ocr_state *s = xcalloc(1, sizeof *s);
	enum dp_err e;

	s->conf = c;
	image_quiet();
	if (strcmp(c->full_text, "never")) {
		e = tess_open(&s->page_engine, c->tessdata, c->full_text_lang, m);
		if (e) {
			free(s);
			return e;
		}
	}
	*state = s;
	return DP_OK;
}

static void ocr_fini(void *state)
{
	struct ocr_state *s = state;
	if (!s)
		return;
	tess_close(&s->page_engine);
	free(s);
}

static enum dp_err ocr_process(void *state, struct job *j, struct dp_msg *m)
{
	struct ocr_state *s = state;
	struct buf text;
	double conf_sum = 0;
	int conf_n = 0, pageno = 0;
	enum dp_err e = DP_OK;

	buf_init(&text, JOB_TEXT_MAX);
	for (size_t i = 0; i < j->nframes; i++) {
		struct job_frame *f = &j->frames[i];
		PIX *pix;
		char *t = NULL;
		double conf = 0;

		if (strcmp(f->name, "page"))
			continue;
		pageno++;
		if (!s->page_engine)
			continue;
		pix = image_from_frame(f);
		if (!pix) {
			e = dp_fail(m, DP_ERR_CORRUPT, "page %d of '%s': malformed page image", pageno,
				    path_basename(j->source));
			break;
		}
		tess_set_page(s->page_engine, pix, f->dpi);
		e = tess_page_text(s->page_engine, &t, &conf, m);
		pixDestroy(&pix);
		if (e)
			break;
		if (text.len)
			buf_add(&text, "\f", 1);
		buf_addstr(&text, t);
		if (*t) {
			conf_sum += conf;
			conf_n++;
		}
		free(t);
	}
	if (!e && s->page_engine) {
		free(j->full_text);
		j->full_text = buf_detach(&text, NULL);
		j->ocr_conf = conf_n ? conf_sum / conf_n : 0;
	}
	buf_release(&text);
	if (!e && !j->form_type[0])
		str_copy(j->status, sizeof j->status, "unrecognised");
	return e;
}

const struct stage stage_ocr = { "ocr", ocr_init, ocr_process, ocr_fini };
