/* asr.c: PocketSphinx on one chunk of a recording.
 *
 * Takes: a chunk job from the audio stage: frame "pcm" (16 kHz mono 16-bit)
 * and attr chunk.offset_ms.
 * Gives: transcript segments with absolute times (offset + position in the
 * chunk): words are grouped into one segment per stretch of speech, split at
 * pauses of PAUSE_MS or more; confidence is the mean word posterior.
 * Reads: [asr] hmm, dict, lm (Debian's en-US model by default; another
 * language is a change of these paths); optionally [asr] vocabulary_lm, a
 * domain language model interpolated with lm at vocabulary_weight percent,
 * and vocabulary_dict, pronunciations added to the dictionary (models/asr/,
 * docs/AUDIO.md). Decoder settings [asr] topn, maxhmmpf, pl_window, fwdflat,
 * bestpath trade time for accuracy (bench/asr_bench.sh measures both);
 * language_weight and word_penalty weigh the language model against the
 * sounds (chosen on set A, docs/AUDIO.md).
 * Chunks marked chunk.band=narrow by the audio stage (telephone) go to a
 * second decoder with the narrow-band settings (asr_load).
 * One decoder of each kind per worker thread, created when its first chunk
 * arrives (about 0.5 s and 100 MB each; a batch of scans does not pay for
 * it, nor a worker that never sees a telephone recording) and kept;
 * init only checks that the model files can be read. Decoders share nothing.
 * Costs about 0.5 billion instructions per second of speech with the shipped
 * settings, most of it Gaussian scoring and the first-pass search
 * (docs/PERFORMANCE.md).
 *
 * PocketSphinx's own voice activity filter (-remove_silence) is off: it drops
 * quiet frames before the search, so word times would leave out every pause
 * and drift early. The audio stage already cuts long silences away. */
#include "stage.h"

#include <ctype.h>
#include <errno.h>
#include <pocketsphinx.h>
#include <pthread.h>
#include <sphinxbase/ckd_alloc.h>
#include <sphinxbase/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/util.h"

#define PAUSE_MS 600
#define VOCAB_SEARCH "vocabulary"

/* One decoder: for wide-band chunks, or for narrow-band ones (telephone:
 * the audio stage marks their chunks chunk.band=narrow). */
struct decoder {
	ps_decoder_t *ps;      /* NULL until the first chunk of its kind */
	cmd_ln_t *config;
};

struct asr_state {
	const struct conf *conf;
	struct decoder dec[2]; /* [0] wide band, [1] narrow band */
};

static void asr_fini(void *state)
{
	struct asr_state *s = state;
	if (!s)
		return;
	for (int i = 0; i < 2; i++) {
		if (s->dec[i].ps)
			ps_free(s->dec[i].ps);
		if (s->dec[i].config)
			cmd_ln_free_r(s->dec[i].config);
	}
	free(s);
}

static int readable(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	fclose(f);
	return 1;
}

/* The general model interpolated with the domain model, as the active search.
 * Ownership (checked with LeakSanitizer): the models use the decoder's logmath
 * without a reference of their own, as ps_set_lm_file() does; the set and
 * ps_set_lm() each take their own reference, so ours are dropped at once. */
static enum dp_err use_vocabulary_lm(struct decoder *s, const struct conf *c, struct dp_msg *m)
{
	logmath_t *lmath = ps_get_logmath(s->ps);
	ngram_model_t *lms[2] = { NULL, NULL }, *set;
	char *names[2] = { "general", "vocabulary" };
	float32 w[2];
	int rc;

	w[1] = (float32)c->asr_vocab_weight / 100.0f;
	w[0] = 1.0f - w[1];
	lms[0] = ngram_model_read(s->config, c->asr_lm, NGRAM_AUTO, lmath);
	lms[1] = lms[0] ? ngram_model_read(s->config, c->asr_vocab_lm, NGRAM_AUTO, lmath) : NULL;
	if (!lms[0] || !lms[1]) {
		if (lms[0])
			ngram_model_free(lms[0]);
		return dp_fail(m, DP_ERR_CONFIG, "[asr] %s: '%s' is not a language model PocketSphinx reads (ARPA or DMP)",
			       lms[0] ? "vocabulary_lm" : "lm", lms[0] ? c->asr_vocab_lm : c->asr_lm);
	}
	set = ngram_model_set_init(s->config, lms, names, w, 2);
	ngram_model_free(lms[0]);
	ngram_model_free(lms[1]);
	if (!set) {
		return dp_fail(m, DP_ERR_CONFIG, "[asr] vocabulary_lm: cannot combine '%s' with '%s'", c->asr_vocab_lm,
			       c->asr_lm);
	}
	rc = ps_set_lm(s->ps, VOCAB_SEARCH, set);
	ngram_model_free(set);
	if (rc < 0 || ps_set_search(s->ps, VOCAB_SEARCH) < 0)
		return dp_fail(m, DP_ERR_ENGINE, "PocketSphinx refused the vocabulary model '%s'", c->asr_vocab_lm);
	return DP_OK;
}

/* A pronunciation file (models/asr/council.dict): "word PH O N E S" per line, '#' comments. A word the
 * dictionary has already keeps its pronunciations and gains this one as
 * "word(N)". Added before the vocabulary model is set, so that its words
 * that only these pronunciations spell are recognisable. */
struct pron {
	char word[96];
	char phones[400];
	int line;
};

static enum dp_err add_pronunciations(struct decoder *s, const char *path, struct dp_msg *m)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int lineno = 0, n = 0, cap = 0;
	struct pron *pr = NULL;
	enum dp_err e = DP_OK;

	if (!f)
		return dp_fail(m, DP_ERR_CONFIG, "[asr] vocabulary_dict: cannot read '%s': %s", path, strerror(errno));
	while (e == DP_OK && fgets(line, sizeof line, f)) {
		char *word, *phones, *hash;
		size_t wl;
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			e = dp_fail(m, DP_ERR_CONFIG, "%s:%d: line too long", path, lineno);
			break;
		}
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		word = str_trim(line);
		if (!*word)
			continue;
		wl = strcspn(word, " \t");
		phones = str_trim(word + wl);
		word[wl] = '\0';
		if (!*phones || wl >= sizeof pr->word - 8 || strlen(phones) >= sizeof pr->phones) {
			e = dp_fail(m, DP_ERR_CONFIG, "%s:%d: expected 'word PHONES' (word under 88 bytes)", path, lineno);
			break;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			pr = xrealloc(pr, (size_t)cap * sizeof *pr);
		}
		for (char *p = word; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		str_copy(pr[n].word, sizeof pr[n].word, word);
		str_copy(pr[n].phones, sizeof pr[n].phones, phones);
		pr[n].line = lineno;
		n++;
	}
	fclose(f);
	for (int i = 0; e == DP_OK && i < n; i++) {
		char name[sizeof pr->word + 16];
		char *have;
		str_copy(name, sizeof name, pr[i].word);
		for (int alt = 2; alt < 100 && (have = ps_lookup_word(s->ps, name)) != NULL; alt++) {
			ckd_free(have);
			snprintf(name, sizeof name, "%s(%d)", pr[i].word, alt);
		}
		/* one search update, with the last word: each update rebuilds the search */
		if (ps_add_word(s->ps, name, pr[i].phones, i == n - 1) < 0)
			e = dp_fail(m, DP_ERR_CONFIG, "%s:%d: PocketSphinx refused '%s' /%s/ (a phone the acoustic model lacks?)",
				    path, pr[i].line, pr[i].word, pr[i].phones);
	}
	free(pr);
	return e;
}

/* PocketSphinx logs to one process-wide stream; "-logfn" per decoder reopens
 * it from every worker thread at once (and leaks the FILE it replaces).
 * Silenced once instead: docpipe reports failures in its own words. */
static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;
static void quiet_sphinx(void)
{
	err_set_logfp(NULL);
}

static enum dp_err asr_init(void **state, const struct conf *c, struct dp_msg *m)
{
	const char *paths[3] = { c->asr_hmm, c->asr_dict, c->asr_lm };
	const char *keys[3] = { "hmm", "dict", "lm" };
	struct asr_state *s;

	for (int i = 0; i < 3; i++) {
		char p[CONF_PATH_MAX + 32];
		snprintf(p, sizeof p, "%s%s", paths[i], i == 0 ? "/mdef" : "");
		if (!readable(p))
			return dp_fail(m, DP_ERR_CONFIG, "[asr] %s: cannot read '%s' (install pocketsphinx-en-us or fix pipeline.conf)",
				       keys[i], p);
	}
	if (c->asr_vocab_lm[0] && !readable(c->asr_vocab_lm))
		return dp_fail(m, DP_ERR_CONFIG, "[asr] vocabulary_lm: cannot read '%s' (fix pipeline.conf, or leave it empty)",
			       c->asr_vocab_lm);
	s = xcalloc(1, sizeof *s);
	s->conf = c;
	*state = s;
	return DP_OK;
}

/* [asr] language_weight scales PocketSphinx's three language model weights
 * (first pass -lw 6.5, second passes -fwdflatlw 8.5 and -bestpathlw 9.5) by
 * the same factor, so the passes keep their balance; word_penalty is -wip
 * in hundredths (PocketSphinx's own 0.65: lower is a larger penalty). */
static void set_weights(cmd_ln_t *config, const struct conf *c)
{
	static const char *const lw[] = { "-lw", "-fwdflatlw", "-bestpathlw" };
	double k = c->asr_lw_percent / 100.0;

	for (int i = 0; i < 3; i++)
		cmd_ln_set_float_r(config, lw[i], cmd_ln_float_r(config, lw[i]) * k);
	cmd_ln_set_float_r(config, "-wip", c->asr_wip_percent / 100.0);
}

/* Create this worker's decoder of one kind (its first chunk only). A
 * narrow-band decoder keeps the model's front end (its filter bank spans
 * 130-6800 Hz: moving -upperf to 3500 made acc08 far worse, docs/AUDIO.md)
 * but leaves out the front end's own noise subtraction, which on an empty
 * band above 4 kHz removed more than noise. */
static enum dp_err asr_load(struct decoder *s, const struct conf *c, int narrow, struct dp_msg *m)
{
	char topn[16], maxhmmpf[16], plw[16];
	int vocab = c->asr_vocab_lm[0] != '\0';
	enum dp_err e;

	pthread_once(&quiet_once, quiet_sphinx);
	snprintf(topn, sizeof topn, "%d", c->asr_topn);
	snprintf(maxhmmpf, sizeof maxhmmpf, "%d", c->asr_maxhmmpf);
	snprintf(plw, sizeof plw, "%d", c->asr_pl_window);
	/* with a vocabulary the decoder starts without -lm: the interpolated set replaces it */
	s->config = cmd_ln_init(NULL, ps_args(), TRUE, "-hmm", c->asr_hmm, "-dict", c->asr_dict, "-topn", topn,
				"-maxhmmpf", maxhmmpf, "-pl_window", plw, "-fwdflat", c->asr_fwdflat ? "yes" : "no",
				"-bestpath", c->asr_bestpath ? "yes" : "no", "-remove_silence", "no", "-remove_noise",
				narrow ? "no" : "yes", NULL);
	if (s->config && !vocab)
		cmd_ln_set_str_r(s->config, "-lm", c->asr_lm);
	if (!s->config)
		return dp_fail(m, DP_ERR_CONFIG, "PocketSphinx rejected the [asr] settings");
	set_weights(s->config, c);
	engine_enter();
	s->ps = ps_init(s->config);
	engine_leave();
	if (!s->ps)
		return dp_fail(m, DP_ERR_ENGINE, "PocketSphinx could not load the model in %s", c->asr_hmm);
	engine_enter();
	e = c->asr_vocab_dict[0] ? add_pronunciations(s, c->asr_vocab_dict, m) : DP_OK;
	if (e == DP_OK && vocab)
		e = use_vocabulary_lm(s, c, m);
	engine_leave();
	if (e != DP_OK) {
		/* try again from scratch on the next chunk */
		ps_free(s->ps);
		s->ps = NULL;
	}
	if (!s->ps) {
		cmd_ln_free_r(s->config);
		s->config = NULL;
	}
	return e;
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
	struct asr_state *st = state;
	const char *band = job_attr(j, "chunk.band");
	struct decoder *s = &st->dec[band && !strcmp(band, "narrow")];
	struct job_frame *f = job_frame(j, "pcm");
	const char *off = job_attr(j, "chunk.offset_ms");
	long offset = off ? atol(off) : 0;
	long chunk_ms;
	ps_seg_t *seg;
	logmath_t *lm;
	struct buf text;
	long seg_start = -1, seg_end = 0, last_end = -1;
	double conf_sum = 0;
	int nwords = 0, seq = 0;

	if (!f || f->len % 2)
		return dp_fail(m, DP_ERR_INTERNAL, "'%s': chunk has no 16-bit samples", path_basename(j->source));
	if (!s->ps) {
		enum dp_err le = asr_load(s, st->conf, s == &st->dec[1], m);
		if (le)
			return le;
	}
	chunk_ms = (long)(f->len / 2 / 16);
	/* a new stream per chunk: the noise estimate of the front end starts
	 * afresh, so a chunk's words do not depend on what this worker decoded
	 * before (results are the same with 1 or 8 workers) */
	engine_enter();
	if (ps_start_stream(s->ps) < 0 || ps_start_utt(s->ps) < 0) {
		engine_leave();
		return dp_fail(m, DP_ERR_ENGINE, "PocketSphinx could not start an utterance");
	}
	if (ps_process_raw(s->ps, f->data, f->len / 2, FALSE, TRUE) < 0) {
		ps_end_utt(s->ps);
		engine_leave();
		return dp_fail(m, DP_ERR_ENGINE, "PocketSphinx failed on a chunk of '%s'", path_basename(j->source));
	}
	ps_end_utt(s->ps);
	engine_leave();
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
		long ws = sf * 10L, we = (ef + 1) * 10L;
		/* frames past the samples (the decoder's padding) stay inside the chunk */
		if (we > chunk_ms)
			we = chunk_ms;
		if (ws > we)
			ws = we;
		ws += offset;
		we += offset;
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

const struct stage_ops asr_ops = { asr_init, asr_process, asr_fini };
