/* audio.c: recordings into chunks of speech for the asr workers.
 *
 * Takes: frame "file" (WAV of any rate, 16/24-bit or float, mono or stereo;
 * FLAC; Ogg Vorbis; through libsndfile, recognised by content).
 * Gives: decoded, down-mixed and resampled (speexdsp; 16 kHz as it is) 16 kHz mono
 * 16-bit audio, split at pauses into chunks of at most [asr]
 * chunk_max_seconds (a pause is not used before chunk_min_seconds), each
 * emitted as its own job (stage_emit) with frame "pcm" and attrs
 * chunk.index / chunk.offset_ms, so that the asr workers transcribe chunks in
 * parallel and the timestamps stay absolute. Silent stretches are not sent:
 * a chunk starts at most LEAD_FRAMES before its speech. When no pause comes
 * before chunk_max_seconds the cut goes to the quietest 50 ms of the chunk's
 * second half, not into the middle of a word, and the two chunks share
 * [asr] chunk_overlap_ms of sound on each side of it, so that a word the cut
 * falls into is heard whole by both: each chunk says where its words stop or
 * start counting (chunk.keep_until_ms, chunk.keep_from_ms, absolute), and
 * asr keeps a word only from the chunk its middle belongs to.
 * Before chunking, a first pass over the same audio measures it
 * (lib/denoise.c): a narrow-band recording (telephone: no speech energy
 * above 4.8 kHz, or a rate of 11 kHz or less) gets the notice narrow_band
 * and its chunks chunk.band=narrow (asr decodes them apart); one whose
 * speech stands less than [asr] denoise_below_snr_db over a steady noise
 * floor is cleaned by speexdsp on the way to the chunker, sample for sample
 * in place (timestamps unchanged).
 * The parent gets audio.seconds, audio.rate, audio.channels,
 * chunks.expected, audio.band, audio.high_band_db, audio.snr_db and
 * audio.denoised. Decoding streams in one-second blocks: memory holds one
 * chunk, never a copy of the whole meeting per chunk.
 * Rejects: empty, damaged or unsupported audio (the WAV codec is named),
 * recordings longer than [limits] max_audio_seconds (from the header, and
 * again while decoding in case the header lies). A file that ends before its
 * header says gets a warning and status needs_review; a silent recording gets
 * a notice 'silence' and an empty transcript.
 * Costs (callgrind, both passes) about 3 million instructions per second of
 * 16 kHz audio (no resampling), 80 million at 44.1 kHz stereo (decode,
 * resample, voice activity), plus the noise suppression when it runs;
 * PocketSphinx spends about 500 million. */
#include "stage.h"

#include <math.h>
#include <pthread.h>
#include <speex/speex_resampler.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/denoise.h"
#include "../lib/util.h"

#define RATE 16000
#define FRAME 160            /* 10 ms at 16 kHz: the unit of voice activity */
#define PAUSE_FRAMES 30      /* 300 ms of quiet is a pause worth cutting at */
#define LEAD_FRAMES 30       /* quiet kept before the first speech of a chunk */
#define SMOOTH_FRAMES 5      /* a forced cut goes to the quietest 50 ms */
#define SILENCE_ABS 0.004    /* RMS below this is silence whatever the noise floor */
#define NARROW_HIGH_DB -45.0 /* speech with less above 4.8 kHz is narrow-band */
#define MAX_SILENT_SHARE 0.02 /* more digital silence than this: no steady noise */
#define RESAMPLE_QUALITY 5 /* speexdsp resampler quality, 0-10 */
#define DENOISE_DB 15        /* the most speexdsp lowers the noise */

struct audio_state {
	const struct conf *conf;
};

static enum dp_err audio_init(void **state, const struct conf *c, struct dp_msg *m)
{
	struct audio_state *s = xcalloc(1, sizeof *s);
	(void)m;
	s->conf = c;
	*state = s;
	return DP_OK;
}

static void audio_fini(void *state)
{
	free(state);
}

/* libsndfile reading from the "file" frame */
struct memfile {
	const unsigned char *data;
	sf_count_t len, pos;
};

static sf_count_t vio_len(void *u) { return ((struct memfile *)u)->len; }
static sf_count_t vio_tell(void *u) { return ((struct memfile *)u)->pos; }
static sf_count_t vio_seek(sf_count_t off, int whence, void *u)
{
	struct memfile *f = u;
	sf_count_t p = whence == SEEK_SET ? off : whence == SEEK_CUR ? f->pos + off : f->len + off;
	if (p < 0 || p > f->len)
		return -1;
	f->pos = p;
	return p;
}
static sf_count_t vio_read(void *ptr, sf_count_t n, void *u)
{
	struct memfile *f = u;
	if (n < 0)
		return 0;
	if (n > f->len - f->pos)
		n = f->len - f->pos;
	memcpy(ptr, f->data + f->pos, (size_t)n);
	f->pos += n;
	return n;
}
static sf_count_t vio_write(const void *p, sf_count_t n, void *u) { (void)p; (void)n; (void)u; return 0; }

/* libsndfile keeps the error of a failed open in a global: one open at a time. */
static pthread_mutex_t sf_open_lock = PTHREAD_MUTEX_INITIALIZER;

/* The WAV format tag of a RIFF/WAVE file, -1 if there is no readable fmt chunk. */
static int wav_format_tag(const unsigned char *p, size_t len)
{
	size_t off = 12;

	if (len < 12 || (memcmp(p, "RIFF", 4) && memcmp(p, "RF64", 4)) || memcmp(p + 8, "WAVE", 4))
		return -1;
	while (off + 8 <= len) {
		uint32_t sz = (uint32_t)p[off + 4] | (uint32_t)p[off + 5] << 8 | (uint32_t)p[off + 6] << 16 |
			      (uint32_t)p[off + 7] << 24;
		if (!memcmp(p + off, "fmt ", 4))
			return sz >= 2 && off + 10 <= len ? (int)(p[off + 8] | p[off + 9] << 8) : -1;
		if (sz > len - off - 8)
			return -1;
		off += 8 + sz + (sz & 1);
	}
	return -1;
}

static const char *wav_codec_name(int tag)
{
	switch (tag) {
	case 0x0050: return "MPEG audio";
	case 0x0055: return "MP3";
	case 0x0160: return "Windows Media Audio v1";
	case 0x0161: return "Windows Media Audio v2";
	case 0x0162: return "Windows Media Audio Pro";
	case 0x0163: return "Windows Media Audio Lossless";
	case 0x00ff: case 0x1600: case 0x1602: case 0x706d: return "AAC";
	case 0x2000: return "Dolby AC-3";
	default: return "an unknown codec";
	}
}

/* The chunk being assembled, and where cuts go. */
struct chunker {
	struct job *parent;
	const char *attempt;        /* the parent's dispatch attempt, copied to chunks */
	int narrow;                 /* a narrow-band recording: chunks say so to asr */
	int min_frames, max_frames;
	short *pcm;                 /* the current chunk, at most max_frames + 1 frames */
	float *energy;              /* RMS of each frame of the current chunk */
	long nsamples;
	long chunk_start;           /* absolute sample index of pcm[0] */
	long total;                 /* samples seen */
	int nchunks;
	/* voice activity over 10 ms frames */
	float frame_acc[FRAME];
	int frame_fill;
	double noise;               /* running noise floor (RMS) */
	int quiet_run;              /* consecutive quiet frames */
	long speech_frames;         /* speech frames in the current chunk */
	long best_cut;              /* sample offset (in chunk) of the best pause so far */
	long overlap;               /* samples shared around a forced cut */
	long keep_from;             /* absolute sample where this chunk's words start counting, -1 */
};

/* Send pcm[0, upto) as a chunk if it holds speech, keep the rest. With
 * `shared` (a cut inside speech), the chunk goes on for up to `shared`
 * samples past the cut and the rest starts as far before it; the words
 * count up to the cut in this chunk and from it in the next. */
static void emit_chunk(struct chunker *ck, long upto, long shared)
{
	struct job *p = ck->parent, *c;
	char num[32];
	long n = upto, send;

	if (n <= 0)
		return;
	if (n > ck->nsamples)
		n = ck->nsamples;
	if (shared > n)
		shared = n;
	send = n + shared < ck->nsamples ? n + shared : ck->nsamples;
	if (ck->speech_frames > 0) {
		c = job_new();
		str_copy(c->id, sizeof c->id, p->id);
		job_set_str(&c->source, p->source);
		str_copy(c->kind, sizeof c->kind, "audio");
		str_copy(c->format, sizeof c->format, "pcm");
		c->seq = p->seq;
		c->received_us = p->received_us;
		job_set_route(c, "asr");
		snprintf(num, sizeof num, "%d", ck->nchunks);
		job_set_attr(c, "chunk.index", num);
		snprintf(num, sizeof num, "%ld", (long)((int64_t)ck->chunk_start * 1000 / RATE));
		job_set_attr(c, "chunk.offset_ms", num);
		if (ck->attempt)
			job_set_attr(c, "attempt", ck->attempt);
		if (ck->narrow)
			job_set_attr(c, "chunk.band", "narrow");
		if (ck->keep_from > ck->chunk_start) {
			snprintf(num, sizeof num, "%ld", (long)((int64_t)ck->keep_from * 1000 / RATE));
			job_set_attr(c, "chunk.keep_from_ms", num);
		}
		if (shared > 0) {
			snprintf(num, sizeof num, "%ld", (long)((int64_t)(ck->chunk_start + n) * 1000 / RATE));
			job_set_attr(c, "chunk.keep_until_ms", num);
		}
		short *data = xmalloc((size_t)send * sizeof *data);
		memcpy(data, ck->pcm, (size_t)send * sizeof *data);
		struct job_frame *f = job_add_frame(c, "pcm", data, (size_t)send * sizeof *data);
		f->dpi = RATE; /* sample rate in the frame description */
		f->depth = 16;
		ck->nchunks++;
		stage_emit(c);
	}
	ck->keep_from = shared > 0 ? ck->chunk_start + n : -1;
	n -= shared;
	/* keep what follows the cut (whole frames: the cut is on a frame boundary) */
	memmove(ck->pcm, ck->pcm + n, (size_t)(ck->nsamples - n) * sizeof *ck->pcm);
	memmove(ck->energy, ck->energy + n / FRAME, (size_t)((ck->nsamples - n) / FRAME) * sizeof *ck->energy);
	ck->nsamples -= n;
	ck->chunk_start += n;
	/* speech frames in what is kept: the kept part is the quiet end of a pause,
	 * or the tail after a forced cut, which counts as speech */
	ck->speech_frames = ck->quiet_run * FRAME >= ck->nsamples ? 0 : ck->nsamples / FRAME;
	ck->best_cut = -1;
}

/* The quietest SMOOTH_FRAMES stretch in the second half of the chunk. */
static long quietest_cut(const struct chunker *ck)
{
	long frames = ck->nsamples / FRAME, best = frames, from = frames / 2;
	double sum = 0, min = -1;

	for (long i = from; i < frames; i++) {
		sum += ck->energy[i];
		if (i - from >= SMOOTH_FRAMES)
			sum -= ck->energy[i - SMOOTH_FRAMES];
		if (i - from >= SMOOTH_FRAMES - 1 && (min < 0 || sum < min)) {
			min = sum;
			best = i - SMOOTH_FRAMES / 2; /* the middle of the stretch */
		}
	}
	return best * FRAME;
}

/* One 10 ms frame has been appended at pcm[nsamples - FRAME]. */
static void frame_done(struct chunker *ck, double rms)
{
	int quiet;
	long frames = ck->nsamples / FRAME;

	ck->energy[frames - 1] = (float)rms;
	if (ck->noise <= 0 || rms < ck->noise)
		ck->noise = rms;
	else
		ck->noise += (rms - ck->noise) * 0.001; /* creeps up slowly, drops at once */
	quiet = rms < SILENCE_ABS || rms < ck->noise * 3.0;
	if (quiet) {
		ck->quiet_run++;
	} else {
		ck->quiet_run = 0;
		ck->speech_frames++;
	}
	/* no speech yet: keep only the last LEAD_FRAMES of quiet */
	if (!ck->speech_frames && frames >= 2 * LEAD_FRAMES) {
		long drop = (frames - LEAD_FRAMES) * FRAME;
		memmove(ck->pcm, ck->pcm + drop, (size_t)(ck->nsamples - drop) * sizeof *ck->pcm);
		memmove(ck->energy, ck->energy + drop / FRAME, (size_t)LEAD_FRAMES * sizeof *ck->energy);
		ck->nsamples -= drop;
		ck->chunk_start += drop;
		ck->best_cut = -1;
		return;
	}
	/* a pause: remember its middle as a cut point */
	if (ck->quiet_run >= PAUSE_FRAMES && ck->nsamples > (long)(ck->quiet_run / 2) * FRAME)
		ck->best_cut = ck->nsamples - (long)(ck->quiet_run / 2) * FRAME;
	if (frames >= ck->min_frames && ck->quiet_run >= PAUSE_FRAMES && ck->speech_frames > 0) {
		emit_chunk(ck, ck->best_cut, 0);
		return;
	}
	if (frames >= ck->max_frames) {
		/* no pause long enough: cut at the last one seen, or at the
		 * quietest moment, which may be inside speech: shared sound */
		if (ck->best_cut > ck->nsamples / 2) {
			emit_chunk(ck, ck->best_cut, 0);
		} else {
			long cut = quietest_cut(ck);
			emit_chunk(ck, cut > 0 ? cut : ck->nsamples, ck->overlap);
		}
	}
}

static void push_samples(struct chunker *ck, const float *x, long n)
{
	for (long i = 0; i < n; i++) {
		float v = x[i];
		if (!(v <= 1)) /* also NaN */
			v = v > 1 ? 1 : 0;
		if (v < -1)
			v = -1;
		ck->pcm[ck->nsamples++] = (short)lrintf(v * 32767.0f);
		ck->frame_acc[ck->frame_fill++] = v;
		ck->total++;
		if (ck->frame_fill == FRAME) {
			double e = 0;
			for (int k = 0; k < FRAME; k++)
				e += (double)ck->frame_acc[k] * ck->frame_acc[k];
			ck->frame_fill = 0;
			frame_done(ck, sqrt(e / FRAME));
		}
	}
}

/* sf_open_virtual, with a message for people when it fails */
static enum dp_err open_audio(struct job_frame *f, const char *name, const char *format, struct memfile *mf,
			      SF_INFO *info, SNDFILE **out, struct dp_msg *m)
{
	SF_VIRTUAL_IO vio = { vio_len, vio_seek, vio_read, vio_write, vio_tell };
	char why[256];
	int tag;

	mf->data = f->data;
	mf->len = (sf_count_t)f->len;
	mf->pos = 0;
	memset(info, 0, sizeof *info);
	pthread_mutex_lock(&sf_open_lock);
	engine_enter();
	*out = sf_open_virtual(&vio, SFM_READ, info, mf);
	engine_leave();
	str_copy(why, sizeof why, *out ? "" : sf_strerror(NULL));
	pthread_mutex_unlock(&sf_open_lock);
	if (*out)
		return DP_OK;
	tag = wav_format_tag(f->data, f->len);
	if (tag > 0 && tag != 0x0001 && tag != 0x0003 && tag != 0xfffe)
		return dp_refuse(m, DP_ERR_FORMAT, DP_REASON_UNKNOWN_CODEC,
			       "'%s' is a WAV file coded as %s (format tag 0x%04x), which docpipe cannot decode: convert it to PCM WAV, FLAC or Ogg Vorbis",
			       name, wav_codec_name(tag), (unsigned)tag);
	return dp_refuse(m, DP_ERR_CORRUPT, DP_REASON_DAMAGED, "'%s' looks like %s but is damaged or unreadable (%s): export the recording again",
		       name, !strcmp(format, "flac") ? "FLAC" : !strcmp(format, "ogg") ? "Ogg" : "a WAV file", why);
}

/* One decoding pass: the file, mixed down, resampled to 16 kHz, handed to
 * sink in pieces. The audio stage makes two: one to measure (sigstat), one
 * to chunk. */
struct pass {
	const char *name;
	SF_INFO info;
	long long limit_samples;
	sf_count_t frames_read;
	long total;                 /* 16 kHz samples given to the sink */
	char log[4096];             /* libsndfile's log of the open (truncation) */
	int sf_failed;
};
typedef void (*pass_sink)(void *ctx, float *x, long n);

/* speexdsp's resampler on one block of mono samples, all of it consumed;
 * the output goes to sink. Returns the number of samples given. */
static long speex_block(SpeexResamplerState *rs, const float *x, long n, float *out, long outcap, pass_sink sink,
			void *ctx)
{
	long given = 0;
	while (n > 0) {
		spx_uint32_t in_len = (spx_uint32_t)n, out_len = (spx_uint32_t)outcap;
		engine_enter();
		speex_resampler_process_float(rs, 0, x, &in_len, out, &out_len);
		engine_leave();
		sink(ctx, out, (long)out_len);
		given += (long)out_len;
		x += in_len;
		n -= (long)in_len;
		if (!in_len && !out_len)
			break;
	}
	return given;
}

/* The resampler's tail at the end of the file: zeros in until the output
 * reaches want samples (every input sample out, nothing more). zeros holds
 * room for n samples. Returns the new total given. */
static long speex_flush(SpeexResamplerState *rs, long want, long total, float *zeros, long n, float *out, long outcap,
			pass_sink sink, void *ctx)
{
	int lat = speex_resampler_get_input_latency(rs);

	memset(zeros, 0, (size_t)n * sizeof *zeros);
	while (total < want && lat > 0) {
		spx_uint32_t in_len = (spx_uint32_t)(lat < n ? lat : n);
		spx_uint32_t out_len = (spx_uint32_t)(want - total < outcap ? want - total : outcap);
		engine_enter();
		speex_resampler_process_float(rs, 0, zeros, &in_len, out, &out_len);
		engine_leave();
		if (!out_len)
			break;
		sink(ctx, out, (long)out_len);
		total += (long)out_len;
		lat -= (int)in_len;
	}
	return total;
}

static enum dp_err decode_pass(struct job_frame *f, const char *format, struct pass *p, pass_sink sink,
			       void *ctx, struct dp_msg *m)
{
	struct memfile mf;
	SNDFILE *sf = NULL;
	SpeexResamplerState *rs = NULL;
	float *in = NULL, *mono = NULL, *out = NULL;
	enum dp_err e;
	double ratio;
	long block, outcap;
	int err;

	p->frames_read = 0;
	p->total = 0;
	if ((e = open_audio(f, p->name, format, &mf, &p->info, &sf, m)) != DP_OK)
		return e;
	if (p->info.samplerate < 1000 || p->info.samplerate > 384000 || p->info.channels < 1 || p->info.channels > 16) {
		e = dp_refuse(m, DP_ERR_FORMAT, DP_REASON_BAD_AUDIO, "'%s' declares %d Hz and %d channels: not a usable recording", p->name,
			    p->info.samplerate, p->info.channels);
		goto out;
	}
	if (p->info.frames > 0 && p->info.frames < SF_COUNT_MAX &&
	    p->info.frames / p->info.samplerate > p->limit_samples / RATE) {
		e = dp_refuse(m, DP_ERR_LIMIT, DP_REASON_TOO_LONG,
			    "'%s' lasts %lld s, longer than the limit of %lld s ([limits] max_audio_seconds): split the recording or raise the limit",
			    p->name, (long long)(p->info.frames / p->info.samplerate), p->limit_samples / RATE);
		goto out;
	}
	p->log[0] = '\0';
	sf_command(sf, SFC_GET_LOG_INFO, p->log, sizeof p->log);
	ratio = (double)RATE / p->info.samplerate;
	/* a 16 kHz recording goes through as it is; any other rate through
	 * speexdsp's resampler (libsamplerate's sinc filter cost a third of all
	 * the CPU of a 44.1 kHz recording, and as much as a sixth of the
	 * decoding at 16 kHz: callgrind, docs/PERFORMANCE.md) */
	if (ratio != 1.0) {
		rs = speex_resampler_init(1, (spx_uint32_t)p->info.samplerate, RATE, RESAMPLE_QUALITY, &err);
		if (!rs) {
			e = dp_fail(m, DP_ERR_ENGINE, "'%s': cannot start the resampler: %s", p->name, speex_resampler_strerror(err));
			goto out;
		}
		/* output sample i is input time i / 16 kHz: no filter delay */
		speex_resampler_skip_zeros(rs);
	}
	block = p->info.samplerate; /* one second per read */
	in = xmalloc((size_t)block * (size_t)p->info.channels * sizeof *in);
	mono = xmalloc((size_t)block * sizeof *mono);
	outcap = (long)(block * ratio) + 256;
	out = xmalloc((size_t)outcap * sizeof *out);
	for (int eof = 0; !eof;) {
		sf_count_t got;
		engine_enter();
		got = sf_readf_float(sf, in, block);
		engine_leave();
		if (got < 0)
			got = 0;
		p->frames_read += got;
		eof = got < block;
		for (sf_count_t i = 0; i < got; i++) {
			float sum = 0;
			for (int c = 0; c < p->info.channels; c++)
				sum += in[i * p->info.channels + c];
			mono[i] = sum / (float)p->info.channels;
		}
		if (rs) {
			p->total += speex_block(rs, mono, (long)got, out, outcap, sink, ctx);
			if (eof)
				p->total = speex_flush(rs, (long)((double)p->frames_read * ratio + 0.5), p->total, mono, block,
						       out, outcap, sink, ctx);
		} else {
			sink(ctx, mono, (long)got);
			p->total += (long)got;
		}
		if (p->total > p->limit_samples) {
			/* the header understated the length; chunks already sent are dropped by the coordinator */
			e = dp_refuse(m, DP_ERR_LIMIT, DP_REASON_TOO_LONG,
				    "'%s' lasts longer than the limit of %lld s ([limits] max_audio_seconds), although its header says %lld s: split the recording or raise the limit",
				    p->name, p->limit_samples / RATE,
				    (long long)(p->info.frames > 0 ? p->info.frames / p->info.samplerate : 0));
			goto out;
		}
	}
	p->sf_failed = sf_error(sf) != SF_ERR_NO_ERROR;
out:
	free(in);
	free(mono);
	free(out);
	if (rs)
		speex_resampler_destroy(rs);
	sf_close(sf);
	return e;
}

static void measure_sink(void *ctx, float *x, long n)
{
	sigstat_push(ctx, x, n);
}

/* The second pass: noise suppression when chosen, then the chunker. */
struct chunk_sink {
	struct chunker *ck;
	struct denoise *dn;
	float *clean;
	long cap;
};

static void chunk_push(struct chunker *ck, float *x, long n)
{
	/* push in pieces that never overflow the chunk buffer */
	for (long o = 0; o < n;) {
		long room = ((long)ck->max_frames + 1) * FRAME - ck->nsamples;
		long take = n - o < room ? n - o : room;
		push_samples(ck, x + o, take);
		o += take;
	}
}

static void chunk_sink_fn(void *ctx, float *x, long n)
{
	struct chunk_sink *cs = ctx;
	if (!cs->dn) {
		chunk_push(cs->ck, x, n);
		return;
	}
	if (n + SIG_FRAME > cs->cap) {
		cs->cap = n + SIG_FRAME;
		cs->clean = xrealloc(cs->clean, (size_t)cs->cap * sizeof *cs->clean);
	}
	chunk_push(cs->ck, cs->clean, denoise_process(cs->dn, x, n, cs->clean));
}

/* Measure the recording: narrow band (nothing above 4.8 kHz, or a rate of
 * 11 kHz or less) and signal-to-noise; set the parent's attributes. */
static enum dp_err measure(struct audio_state *s, struct job *j, struct pass *p, int *narrow, int *clean,
			   struct dp_msg *m)
{
	struct sigstat *st = sigstat_new();
	enum dp_err e = decode_pass(job_frame(j, "file"), j->format, p, measure_sink, st, m);
	double snr, high, silent;
	char num[32];
	long sound = sigstat_result(st, &snr, &high, &silent);

	sigstat_free(st);
	if (e != DP_OK)
		return e;
	/* a silent recording has no band to speak of */
	*narrow = s->conf->asr_narrowband && sound > 0 && (p->info.samplerate <= 11025 || high < NARROW_HIGH_DB);
	/* steady noise: under the SNR chosen, and no pauses of digital silence */
	*clean = s->conf->asr_denoise_snr_db > 0 && snr < s->conf->asr_denoise_snr_db && silent < MAX_SILENT_SHARE;
	job_set_attr(j, "audio.band", *narrow ? "narrow" : "wide");
	snprintf(num, sizeof num, "%.1f", high);
	job_set_attr(j, "audio.high_band_db", num);
	snprintf(num, sizeof num, "%.1f", snr);
	job_set_attr(j, "audio.snr_db", num);
	job_set_attr(j, "audio.denoised", *clean ? "yes" : "no");
	if (*narrow)
		job_add_issue(j, "", "narrow_band", "notice",
			      "電話などの狭帯域の録音です（4 kHz 以上の音がありません）。狭帯域用の設定で文字起こししました",
			      "a telephone or other narrow-band recording (no sound above 4 kHz): transcribed with the narrow-band settings");
	return DP_OK;
}

static enum dp_err audio_process(void *state, struct job *j, struct dp_msg *m)
{
	struct audio_state *s = state;
	struct job_frame *f = job_frame(j, "file");
	struct pass p;
	struct chunker ck;
	struct chunk_sink cs;
	char num[64];
	enum dp_err e = DP_OK;
	int cut_short, narrow = 0, clean = 0;

	memset(&ck, 0, sizeof ck);
	memset(&cs, 0, sizeof cs);
	memset(&p, 0, sizeof p);
	p.name = path_basename(j->source ? j->source : "?");
	p.limit_samples = s->conf->max_audio_seconds * RATE;
	if (!f)
		return dp_fail(m, DP_ERR_INTERNAL, "'%s': no file bytes", p.name);
	if ((e = measure(s, j, &p, &narrow, &clean, m)) != DP_OK)
		return e;
	ck.parent = j;
	ck.attempt = job_attr(j, "attempt");
	ck.narrow = narrow;
	ck.min_frames = s->conf->asr_chunk_min_s * 100;
	ck.max_frames = s->conf->asr_chunk_max_s * 100;
	ck.pcm = xmalloc(((size_t)ck.max_frames + 1) * FRAME * sizeof *ck.pcm);
	ck.energy = xmalloc(((size_t)ck.max_frames + 1) * sizeof *ck.energy);
	ck.best_cut = -1;
	ck.keep_from = -1;
	/* at most a quarter of a chunk: the rest after a forced cut (which is
	 * in the chunk's second half) plus the shared part fits in the buffer */
	ck.overlap = (long)s->conf->asr_chunk_overlap_ms * RATE / 1000 / FRAME * FRAME;
	if (ck.overlap > (long)ck.max_frames / 4 * FRAME)
		ck.overlap = (long)ck.max_frames / 4 * FRAME;
	cs.ck = &ck;
	cs.dn = clean ? denoise_new(DENOISE_DB) : NULL;
	if ((e = decode_pass(f, j->format, &p, chunk_sink_fn, &cs, m)) != DP_OK)
		goto out;
	if (cs.dn) {
		float tail[2 * SIG_FRAME];
		chunk_push(&ck, tail, denoise_flush(cs.dn, tail));
	}
	emit_chunk(&ck, ck.nsamples, 0);
	snprintf(num, sizeof num, "%.3f", (double)ck.total / RATE);
	job_set_attr(j, "audio.seconds", num);
	snprintf(num, sizeof num, "%d", p.info.samplerate);
	job_set_attr(j, "audio.rate", num);
	snprintf(num, sizeof num, "%d", p.info.channels);
	job_set_attr(j, "audio.channels", num);
	snprintf(num, sizeof num, "%d", ck.nchunks);
	job_set_attr(j, "chunks.expected", num);
	/* cut off: the data chunk promises more than the file holds (libsndfile
	 * logs "should be"), or decoding stopped before the frames the header counts */
	cut_short = strstr(p.log, "should be") != NULL ||
		    (p.info.frames > 0 && p.info.frames < SF_COUNT_MAX && p.frames_read < p.info.frames) || p.sf_failed;
	if (cut_short) {
		char en[300];
		snprintf(en, sizeof en,
			 "the recording is shorter than its header says (it was cut off, or damaged after %.1f s); the part present was transcribed",
			 (double)p.frames_read / p.info.samplerate);
		job_add_issue(j, "", "audio_truncated", "warning",
			      "録音ファイルがヘッダーの記載より短くなっています（途中で切れているか、破損しています）。残っている部分を文字起こししました",
			      en);
	}
	if (ck.nchunks == 0)
		job_add_issue(j, "", "silence", "notice", "音声が検出されませんでした（無音の録音です）",
			      "no speech was found: the recording is silent");
	/* a cut-off file is transcribed, but someone should look at it */
	str_copy(j->status, sizeof j->status, cut_short ? "needs_review" : "transcribed");
	job_drop_frames(j, "file");
out:
	free(ck.pcm);
	free(ck.energy);
	free(cs.clean);
	denoise_free(cs.dn);
	return e;
}

const struct stage_ops audio_ops = { audio_init, audio_process, audio_fini };
