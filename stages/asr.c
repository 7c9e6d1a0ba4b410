/* asr.c: PocketSphinx on one chunk of a recording.
 *
 * Takes: a chunk job from the audio stage: frame "pcm" (16 kHz mono 16-bit)
 * and attr chunk.offset_ms.
 * Gives: transcript segments with absolute times (offset + position in the
 * chunk): words are grouped into one segment per stretch of speech, split at
 * pauses of PAUSE_MS or more; confidence is the mean word posterior.
 * Reads: [asr] hmm, dict, lm (Debian's en-US model by default; another
 * language is a change of these paths). One decoder per worker thread,
 * created once in init. Costs a real-time factor of about 0.15 per core. */
#include "stage.h"

#include <pocketsphinx.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/util.h"

#define PAUSE_MS 600

struct asr_state {
	ps_decoder_t *ps;
	cmd_ln_t *config;
};

static void asr_fini(void *state)
{
	struct asr_state *s = state;
	if (!s)
		return;
	if (s->ps)
		ps_free(s->ps);
	if (s->config)
		cmd_ln_free_r(s->config);
	free(s);
}

static enum dp_err asr_init(void **state, const struct conf *c, struct dp_msg *m)
{
	struct asr_state *s = xcalloc(1, sizeof *s);
	FILE *probe;
	const char *paths[3] = { c->asr_hmm, c->asr_dict, c->asr_lm };
	const char *keys[3] = { "hmm", "dict", "lm" };

	for (int i = 0; i < 3; i++) {
		char p[CONF_PATH_MAX + 32];
		snprintf(p, sizeof p, "%s%s", paths[i], i == 0 ? "/mdef" : "");
		probe = fopen(p, "rb");
		if (!probe) {
			free(s);
			return dp_fail(m, DP_ERR_CONFIG, "[asr] %s: cannot read '%s' (install pocketsphinx-en-us or fix pipeline.conf)",
				       keys[i], p);
		}
		fclose(probe);
	}
	s->config = cmd_ln_init(NULL, ps_args(), TRUE, "-hmm", c->asr_hmm, "-dict", c->asr_dict, "-lm", c->asr_lm,
				"-logfn", "/dev/null", NULL);
	if (!s->config) {
		free(s);
		return dp_fail(m, DP_ERR_CONFIG, "PocketSphinx rejected the [asr] model paths");
	}
	s->ps = ps_init(s->config);
	if (!s->ps) {
		asr_fini(s);
		return dp_fail(m, DP_ERR_ENGINE, "PocketSphinx could not load the model in %s", c->asr_hmm);
	}
	*state = s;
	return DP_OK;
}

/* A recognised word worth writing down: not silence, noise or sentence marks. */
static int real_word(const char *w)
{
	return w && *w && strcmp(w, "<s>") && strcmp(w, "</s>") && strcmp(w, "<sil>") && w[0] != '[' && w[0] != '+';
}

static void flush(struct job *j, int *seq, struct buf *text, long start_ms, long end_ms, double conf_sum, int nwords)
{
	if (!nwords)
		return;
	job_add_segment(j, (*seq)++, start_ms, end_ms, conf_sum / nwords, text->data);
	text->len = 0;
	text->data[0] = '\0';
}

static enum dp_err asr_process(void *state, struct job *j, struct dp_msg *m)
{
	struct asr_state *s = state;
	struct job_frame *f = job_frame(j, "pcm");
	const char *off = job_attr(j, "chunk.offset_ms");
	long offset = off ? atol(off) : 0;
	ps_seg_t *seg;
	logmath_t *lm;
	struct buf text;
	long seg_start = -1, seg_end = 0, last_end = -1;
	double conf_sum = 0;
	int nwords = 0, seq = 0;

	if (!f || f->len % 2)
		return dp_fail(m, DP_ERR_INTERNAL, "'%s': chunk has no 16-bit samples", path_basename(j->source));
	if (ps_start_utt(s->ps) < 0)
		return dp_fail(m, DP_ERR_ENGINE, "PocketSphinx could not start an utterance");
	if (ps_process_raw(s->ps, f->data, f->len / 2, FALSE, TRUE) < 0) {
		ps_end_utt(s->ps);
		return dp_fail(m, DP_ERR_ENGINE, "PocketSphinx failed on a chunk of '%s'", path_basename(j->source));
	}
	ps_end_utt(s->ps);
	lm = ps_get_logmath(s->ps);
	buf_init(&text, JOB_TEXT_MAX);
	buf_add(&text, "", 0);
	for (seg = ps_seg_iter(s->ps); seg; seg = ps_seg_next(seg)) {
		const char *w = ps_seg_word(seg);
		int sf, ef;
		char word[128];
		char *paren;

		if (!real_word(w))
			continue;
		ps_seg_frames(seg, &sf, &ef);
		long ws = offset + sf * 10L, we = offset + (ef + 1) * 10L;
		if (nwords && ws - last_end >= PAUSE_MS) {
			flush(j, &seq, &text, seg_start, seg_end, conf_sum, nwords);
			nwords = 0;
			conf_sum = 0;
		}
		if (!nwords)
			seg_start = ws;
		str_copy(word, sizeof word, w);
		paren = strchr(word, '('); /* "read(2)": an alternative pronunciation */
		if (paren)
			*paren = '\0';
		if (text.len)
			buf_add(&text, " ", 1);
		buf_addstr(&text, word);
		conf_sum += logmath_exp(lm, ps_seg_prob(seg, NULL, NULL, NULL));
		nwords++;
		seg_end = we;
		last_end = we;
	}
	flush(j, &seq, &text, seg_start, seg_end, conf_sum, nwords);
	buf_release(&text);
	job_drop_frames(j, "pcm");
	return DP_OK;
}

const struct stage stage_asr = { "asr", asr_init, asr_process, asr_fini };
