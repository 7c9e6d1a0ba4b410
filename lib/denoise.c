/* denoise.c: level statistics of a recording and speexdsp noise suppression
 * (denoise.h says what each gives). Used by the audio stage: one pass of
 * sigstat to decide, then denoise on the way to the chunker. */
#include "denoise.h"

#include <math.h>
#include <speex/speex_preprocess.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define BINS 240       /* frame level in 0.5 dB steps from -120 to 0 dBFS */
#define DIGITAL_SILENCE 1e-5
#define HP_STAGES 3    /* 6th-order high-pass at 4.8 kHz */

struct biquad {
	double b0, b1, b2, a1, a2, z1, z2;
};

struct sigstat {
	struct biquad hp[HP_STAGES];
	long count[BINS], silent;
	double energy[BINS], high[BINS]; /* summed over the frames of each level */
	double fe, fh;                   /* the frame being filled */
	int fill;
};

/* RBJ cookbook high-pass, Q 1/sqrt(2) */
static void hp_init(struct biquad *q, double f0, double rate)
{
	double w = 2 * M_PI * f0 / rate, alpha = sin(w) / (2 * M_SQRT1_2), c = cos(w), a0 = 1 + alpha;
	memset(q, 0, sizeof *q);
	q->b0 = (1 + c) / 2 / a0;
	q->b1 = -(1 + c) / a0;
	q->b2 = (1 + c) / 2 / a0;
	q->a1 = -2 * c / a0;
	q->a2 = (1 - alpha) / a0;
}

static double hp_run(struct biquad *q, double x)
{
	double y = q->b0 * x + q->z1;
	q->z1 = q->b1 * x - q->a1 * y + q->z2;
	q->z2 = q->b2 * x - q->a2 * y;
	return y;
}

struct sigstat *sigstat_new(void)
{
	struct sigstat *s = xcalloc(1, sizeof *s);
	for (int i = 0; i < HP_STAGES; i++)
		hp_init(&s->hp[i], 4800, SIG_RATE);
	return s;
}

void sigstat_push(struct sigstat *s, const float *x, long n)
{
	for (long i = 0; i < n; i++) {
		double h = x[i];
		for (int k = 0; k < HP_STAGES; k++)
			h = hp_run(&s->hp[k], h);
		s->fe += (double)x[i] * x[i];
		s->fh += h * h;
		if (++s->fill < SIG_FRAME)
			continue;
		double rms = sqrt(s->fe / SIG_FRAME);
		if (rms >= DIGITAL_SILENCE) {
			int b = (int)floor((20 * log10(rms) + 120) * 2);
			b = b < 0 ? 0 : b >= BINS ? BINS - 1 : b;
			s->count[b]++;
			s->energy[b] += s->fe;
			s->high[b] += s->fh;
		} else {
			s->silent++;
		}
		s->fe = s->fh = 0;
		s->fill = 0;
	}
}

static int percentile_bin(const struct sigstat *s, long total, double p)
{
	long want = (long)(p * (double)total), seen = 0;
	for (int b = 0; b < BINS; b++) {
		seen += s->count[b];
		if (seen > want)
			return b;
	}
	return BINS - 1;
}

long sigstat_result(const struct sigstat *s, double *snr_db, double *high_db, double *silent)
{
	long total = 0;
	double e = 0, h = 0;
	int lo, hi;

	for (int b = 0; b < BINS; b++)
		total += s->count[b];
	*snr_db = 99;
	*high_db = -99;
	*silent = total + s->silent ? (double)s->silent / (double)(total + s->silent) : 1;
	if (!total)
		return 0;
	lo = percentile_bin(s, total, 0.10);
	hi = percentile_bin(s, total, 0.90);
	/* pauses of digital silence are not counted: then the floor is the
	 * quietest sound, often the speech's own fade, and the estimate low */
	*snr_db = (hi - lo) / 2.0;
	/* speech frames: within 12 dB of the speech level */
	for (int b = hi - 24 < 0 ? 0 : hi - 24; b < BINS; b++) {
		e += s->energy[b];
		h += s->high[b];
	}
	if (e > 0 && h > 0)
		*high_db = 10 * log10(h / e);
	if (*high_db < -99)
		*high_db = -99;
	return total;
}

void sigstat_free(struct sigstat *s)
{
	free(s);
}

struct denoise {
	SpeexPreprocessState *st;
	spx_int16_t frame[SIG_FRAME];
	int fill;
	long fed;     /* samples given to speexdsp, padding included */
	long in, out; /* samples of the recording taken and given back */
};

struct denoise *denoise_new(int suppress_db)
{
	struct denoise *d = xcalloc(1, sizeof *d);
	int on = 1, off = 0, level = -suppress_db;

	d->st = speex_preprocess_state_init(SIG_FRAME, SIG_RATE);
	speex_preprocess_ctl(d->st, SPEEX_PREPROCESS_SET_DENOISE, &on);
	speex_preprocess_ctl(d->st, SPEEX_PREPROCESS_SET_NOISE_SUPPRESS, &level);
	speex_preprocess_ctl(d->st, SPEEX_PREPROCESS_SET_AGC, &off);
	speex_preprocess_ctl(d->st, SPEEX_PREPROCESS_SET_VAD, &off);
	speex_preprocess_ctl(d->st, SPEEX_PREPROCESS_SET_DEREVERB, &off);
	return d;
}

/* Run the full frame. Its output stands for the frame before it (speexdsp
 * overlaps two frames), so the first output, from before the recording, is
 * dropped, and padding is never given back. */
static long run_frame(struct denoise *d, float *out)
{
	long n = 0;
	speex_preprocess_run(d->st, d->frame);
	d->fed += SIG_FRAME;
	for (int k = 0; k < SIG_FRAME; k++) {
		long idx = d->fed - 2 * SIG_FRAME + k; /* the input sample this output stands for */
		if (idx < 0 || idx != d->out || idx >= d->in)
			continue;
		out[n++] = d->frame[k] / 32768.0f;
		d->out++;
	}
	d->fill = 0;
	return n;
}

long denoise_process(struct denoise *d, const float *in, long n, float *out)
{
	long w = 0;
	for (long i = 0; i < n; i++) {
		float v = in[i] > 1 ? 1 : in[i] < -1 ? -1 : in[i];
		d->frame[d->fill++] = (spx_int16_t)lrintf(v * 32767.0f);
		d->in++;
		if (d->fill == SIG_FRAME)
			w += run_frame(d, out + w);
	}
	return w;
}

long denoise_flush(struct denoise *d, float *out)
{
	long w = 0;
	/* the partial frame padded with zeros, then frames of zeros for the delay */
	while (d->out < d->in) {
		memset(d->frame + d->fill, 0, (size_t)(SIG_FRAME - d->fill) * sizeof *d->frame);
		w += run_frame(d, out + w);
	}
	return w;
}

void denoise_free(struct denoise *d)
{
	if (!d)
		return;
	speex_preprocess_state_destroy(d->st);
	free(d);
}
