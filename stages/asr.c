/* asr.c: PocketSphinx on one chunk of a recording.
 *
 * Takes: a chunk job from the audio stage: frame "pcm" (16 kHz mono 16-bit)
 * and attr chunk.offset_ms; where the audio stage had to cut inside speech,
 * chunk.keep_from_ms / chunk.keep_until_ms (absolute): the chunk's sound
 * goes on past them, and only the words whose middle lies between them are
 * kept, so a word shared by two chunks is written once.
 * Gives: transcript segments with absolute times (offset + position in the
 * chunk): words are grouped into one segment per stretch of speech, split at
 * pauses of PAUSE_MS or more; confidence is the mean word posterior.
 * Reads: [asr] hmm, dict, lm (Debian's en-US model by default; another
 * language is a change of these paths); optionally [asr] vocabulary_lm, a
 * domain language model interpolated with lm at vocabulary_weight percent,
 * and vocabulary_dict, pronunciations added to the dictionary (models/asr/,
 * docs/AUDIO.md). Decoder settings [asr] topn, maxhmmpf, pl_window,
 * phone_beam, fwdflat, bestpath trade time for accuracy (bench/asr_bench.sh
 * measures both); language_weight and word_penalty weigh the language model
 * against the sounds (chosen on set A, docs/AUDIO.md).
 * Chunks marked chunk.band=narrow by the audio stage (telephone) go to a
 * second decoder with the narrow-band settings (asr_load).
 * Second opinion ([asr] second_opinion_below): a stretch of speech whose
 * mean word posterior is under the threshold is decoded again, with a
 * margin, by a general decoder (the `lm` alone at PocketSphinx's own
 * weights, what the stock decoder uses), and its reading replaces the
 * stretch if its mean posterior is higher: the council vocabulary and the
 * heavier language weight help noisy, telephone and synthetic speech but
 * can outvote clear speech (docs/AUDIO.md).
 * One decoder of each kind per worker thread, created when its first chunk
 * arrives (about 0.5 s and 100 MB each; a batch of scans does not pay for
 * it, nor a worker that never sees a telephone recording) and kept;
 * init only checks that the model files can be read. Decoders share nothing.
 * The first reading costs about 0.5 billion instructions per second of
 * speech with the shipped settings, most of it Gaussian scoring and the
 * first-pass search; the second opinion reads about half the speech again,
 * about 60% more CPU in all (docs/PERFORMANCE.md).
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
 * the audio stage marks their chunks chunk.band=narrow); with the
 * configured language models and weights, or (second opinion) the general
 * model alone with PocketSphinx's own weights. */
struct decoder {
	ps_decoder_t *ps;      /* NULL until the first chunk of its kind */
	cmd_ln_t *config;
};

struct asr_state {
	const struct conf *conf;
	struct decoder dec[2][2]; /* [wide, narrow][configured, general] */
};

static void asr_fini(void *state)
{
	struct asr_state *s = state;
	if (!s)
		return;
	for (int i = 0; i < 4; i++) {
		struct decoder *d = &s->dec[i / 2][i % 2];
		if (d->ps)
			ps_free(d->ps);
		if (d->config)
			cmd_ln_free_r(d->config);
	}
	free(s);
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
		if (!file_readable(p))
			return dp_fail(m, DP_ERR_CONFIG, "[asr] %s: cannot read '%s' (install pocketsphinx-en-us or fix pipeline.conf)",
				       keys[i], p);
	}
	if (c->asr_vocab_lm[0] && !file_readable(c->asr_vocab_lm))
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
static void set_weights(cmd_ln_t *config, const struct conf *c, int general)
{
	static const char *const lw[] = { "-lw", "-fwdflatlw", "-bestpathlw" };
	double k = general ? 1.0 : c->asr_lw_percent / 100.0;

	for (int i = 0; i < 3; i++)
		cmd_ln_set_float_r(config, lw[i], cmd_ln_float_r(config, lw[i]) * k);
	cmd_ln_set_float_r(config, "-wip", c->asr_wip_percent / 100.0);
}

/* Create this worker's decoder of one kind (its first chunk only). A
 * general decoder (second opinion) has the general model alone, without the
 * added pronunciations, at PocketSphinx's own language weights, and its own
 * choice of the flat second pass ([asr] second_opinion_fwdflat). A
 * narrow-band decoder keeps the model's front end (its filter bank spans
 * 130-6800 Hz: moving -upperf to 3500 made acc08 far worse, docs/AUDIO.md)
 * but leaves out the front end's own noise subtraction, which on an empty
 * band above 4 kHz removed more than noise. */
static enum dp_err asr_load(struct decoder *s, const struct conf *c, int narrow, int general, struct dp_msg *m)
{
	char topn[16], maxhmmpf[16], plw[16], pbeam[16];
	int vocab = !general && c->asr_vocab_lm[0] != '\0';
	enum dp_err e;

	pthread_once(&quiet_once, quiet_sphinx);
	snprintf(topn, sizeof topn, "%d", c->asr_topn);
	snprintf(maxhmmpf, sizeof maxhmmpf, "%d", c->asr_maxhmmpf);
	snprintf(plw, sizeof plw, "%d", c->asr_pl_window);
	snprintf(pbeam, sizeof pbeam, "1e-%d", c->asr_phone_beam);
	/* with a vocabulary the decoder starts without -lm: the interpolated set replaces it */
	s->config = cmd_ln_init(NULL, ps_args(), TRUE, "-hmm", c->asr_hmm, "-dict", c->asr_dict, "-topn", topn,
				"-maxhmmpf", maxhmmpf, "-pl_window", plw, "-pbeam", pbeam, "-fwdflat",
				(general ? c->asr_second_fwdflat : c->asr_fwdflat) ? "yes" : "no", "-bestpath", c->asr_bestpath ? "yes" : "no",
				"-remove_silence", "no", "-remove_noise", narrow ? "no" : "yes", NULL);
	if (s->config && !vocab)
		cmd_ln_set_str_r(s->config, "-lm", c->asr_lm);
	if (!s->config)
		return dp_fail(m, DP_ERR_CONFIG, "PocketSphinx rejected the [asr] settings");
	set_weights(s->config, c, general);
	engine_enter();
	s->ps = ps_init(s->config);
	engine_leave();
	if (!s->ps)
		return dp_fail(m, DP_ERR_ENGINE, "PocketSphinx could not load the model in %s", c->asr_hmm);
	engine_enter();
	e = c->asr_vocab_dict[0] && !general ? add_pronunciations(s, c->asr_vocab_dict, m) : DP_OK;
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

/* One reading of a chunk: its words, times in ms within the chunk. */
struct word {
	char text[96];
	long start, end;
	double conf; /* posterior probability */
};

struct reading {
	struct word *w;
	int n, cap;
};

/* Decode n samples with one decoder into r, word times in ms from the
 * first sample plus `at`, cut at `until`. A new stream each time: the noise
 * estimate of the front end starts afresh, so a chunk's words do not depend
 * on what this worker decoded before (results are the same with 1 or 8
 * workers). */
static enum dp_err decode(struct decoder *s, const int16 *pcm, size_t n, long at, long until, struct reading *r,
			  const char *src, struct dp_msg *m)
{
	ps_seg_t *seg;
	logmath_t *lm;

	r->n = 0;
	engine_enter();
	if (ps_start_stream(s->ps) < 0 || ps_start_utt(s->ps) < 0) {
		engine_leave();
		return dp_fail(m, DP_ERR_ENGINE, "PocketSphinx could not start an utterance");
	}
	if (ps_process_raw(s->ps, pcm, n, FALSE, TRUE) < 0) {
		ps_end_utt(s->ps);
		engine_leave();
		return dp_fail(m, DP_ERR_ENGINE, "PocketSphinx failed on a chunk of '%s'", path_basename(src));
	}
	ps_end_utt(s->ps);
	engine_leave();
	lm = ps_get_logmath(s->ps);
	for (seg = ps_seg_iter(s->ps); seg; seg = ps_seg_next(seg)) {
		const char *w = ps_seg_word(seg);
		int sf, ef;
		char *paren;

		if (!real_word(w))
			continue;
		if (r->n == r->cap) {
			r->cap = r->cap ? 2 * r->cap : 64;
			r->w = xrealloc(r->w, (size_t)r->cap * sizeof *r->w);
		}
		struct word *x = &r->w[r->n++];
		ps_seg_frames(seg, &sf, &ef);
		x->start = at + sf * 10L;
		x->end = at + (ef + 1) * 10L;
		/* frames past the samples (the decoder's padding) stay inside them */
		if (x->end > until)
			x->end = until;
		if (x->start > x->end)
			x->start = x->end;
		str_copy(x->text, sizeof x->text, w);
		paren = strchr(x->text, '('); /* "read(2)": an alternative pronunciation */
		if (paren)
			*paren = '\0';
		x->conf = logmath_exp(lm, ps_seg_prob(seg, NULL, NULL, NULL));
	}
	return DP_OK;
}

/* The stretch of speech starting at word i: words up to a pause of PAUSE_MS
 * or more. Returns the index past its last word. */
static int stretch_end(const struct reading *r, int i)
{
	for (i++; i < r->n && r->w[i].start - r->w[i - 1].end < PAUSE_MS; i++)
		;
	return i;
}

/* Keep the words of r whose middle lies in [from, until) (ms in the
 * chunk), their times clipped there: the neighbouring chunk's words start
 * or stop at the same place, so segments never overlap. */
static void keep_between(struct reading *r, long from, long until)
{
	int n = 0;
	for (int k = 0; k < r->n; k++) {
		struct word x = r->w[k];
		long mid = x.start + (x.end - x.start) / 2;
		if (mid < from || mid >= until)
			continue;
		x.start = x.start < from ? from : x.start;
		x.end = x.end > until ? until : x.end;
		r->w[n++] = x;
	}
	r->n = n;
}

/* Mean posterior of words [i, e) of r. */
static double mean_conf(const struct reading *r, int i, int e)
{
	double sum = 0;
	for (int k = i; k < e; k++)
		sum += r->w[k].conf;
	return e > i ? sum / (e - i) : 0;
}

/* Add words [i, e) of r as segments, one per stretch. */
static void add_stretches(struct job *j, int *seq, const struct reading *r, int i, int e, long offset)
{
	struct buf text;

	buf_init(&text, JOB_TEXT_MAX);
	for (int s0 = i, s1; s0 < e; s0 = s1) {
		s1 = stretch_end(r, s0);
		if (s1 > e)
			s1 = e;
		text.len = 0;
		buf_add(&text, "", 0);
		for (int k = s0; k < s1; k++) {
			if (k > s0)
				buf_add(&text, " ", 1);
			buf_addstr(&text, r->w[k].text);
		}
		job_add_segment(j, (*seq)++, offset + r->w[s0].start, offset + r->w[s1 - 1].end, mean_conf(r, s0, s1),
				text.data);
	}
	buf_release(&text);
}

/* Margin of sound read around a doubtful stretch (half the shortest pause
 * between stretches, so it never reaches a neighbour's words). */
#define SECOND_MARGIN_MS (PAUSE_MS / 2)

static enum dp_err asr_process(void *state, struct job *j, struct dp_msg *m)
{
	struct asr_state *st = state;
	const struct conf *c = st->conf;
	const char *band = job_attr(j, "chunk.band");
	int narrow = band && !strcmp(band, "narrow");
	struct job_frame *f = job_frame(j, "pcm");
	const char *off = job_attr(j, "chunk.offset_ms");
	const char *kf = job_attr(j, "chunk.keep_from_ms"), *ku = job_attr(j, "chunk.keep_until_ms");
	long offset = off ? atol(off) : 0;
	double below = c->asr_second_below / 100.0;
	/* a second opinion only from a decoder that differs from the first */
	int second = below > 0 && (c->asr_vocab_lm[0] || c->asr_lw_percent != 100);
	struct decoder *first = &st->dec[narrow][0], *general = &st->dec[narrow][1];
	struct reading a = { NULL, 0, 0 }, b = { NULL, 0, 0 };
	int seq = 0;
	enum dp_err e;

	if (!f || f->len % 2)
		return dp_fail(m, DP_ERR_INTERNAL, "'%s': chunk has no 16-bit samples", path_basename(j->source));
	const int16 *pcm = (const int16 *)f->data;
	long chunk_ms = (long)(f->len / 2 / 16);
	/* the words this chunk answers for (ms in the chunk) */
	long from = kf ? atol(kf) - offset : 0, until = ku ? atol(ku) - offset : chunk_ms;
	if (!first->ps && (e = asr_load(first, c, narrow, 0, m)) != DP_OK)
		return e;
	if ((e = decode(first, pcm, f->len / 2, 0, chunk_ms, &a, j->source, m)) != DP_OK)
		goto out;
	keep_between(&a, from, until);
	/* each stretch of speech as one segment; a doubtful one (mean
	 * posterior under `below`) read again by the general decoder, which
	 * is kept if its words are surer */
	for (int i = 0, k; i < a.n; i = k) {
		k = stretch_end(&a, i);
		double ca = mean_conf(&a, i, k);
		if (second && ca < below) {
			long lo = a.w[i].start - SECOND_MARGIN_MS, hi = a.w[k - 1].end + SECOND_MARGIN_MS;
			if (lo < 0)
				lo = 0;
			if (hi > chunk_ms)
				hi = chunk_ms;
			if (!general->ps && (e = asr_load(general, c, narrow, 1, m)) != DP_OK)
				goto out;
			if ((e = decode(general, pcm + lo * 16, (size_t)(hi - lo) * 16, lo, hi, &b, j->source, m)) !=
			    DP_OK)
				goto out;
			keep_between(&b, from, until);
			if (b.n && mean_conf(&b, 0, b.n) > ca) {
				add_stretches(j, &seq, &b, 0, b.n, offset);
				continue;
			}
		}
		add_stretches(j, &seq, &a, i, k, offset);
	}
	job_drop_frames(j, "pcm");
	e = DP_OK;
out:
	free(a.w);
	free(b.w);
	return e;
}

const struct stage_ops asr_ops = { asr_init, asr_process, asr_fini };
