/* audio.c: recordings into chunks of speech for the asr workers.
 *
 * Takes: frame "file" (WAV of any rate, 16/24-bit or float, mono or stereo;
 * FLAC; Ogg Vorbis; through libsndfile, recognised by content).
 * Gives: decoded, down-mixed and resampled (libsamplerate, sinc) 16 kHz mono
 * 16-bit audio, split at pauses into chunks of at most [asr]
 * chunk_max_seconds (a pause is not used before chunk_min_seconds), each
 * emitted as its own job (stage_emit) with frame "pcm" and attrs
 * chunk.index / chunk.offset_ms, so that the asr workers transcribe chunks in
 * parallel and the timestamps stay absolute. Silent stretches are not sent.
 * The parent gets audio.seconds, audio.rate, audio.channels and
 * chunks.expected. Decoding streams in one-second blocks: memory holds one
 * chunk, never a copy of the whole meeting per chunk.
 * Rejects: unreadable or unsupported audio, recordings longer than [limits]
 * max_audio_seconds. A file shorter than its header says gets a warning.
 * Costs about 30 ms of CPU per minute of audio (decode, resample, VAD). */
#include "stage.h"

#include <math.h>
#include <samplerate.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/util.h"

#define RATE 16000
#define FRAME 160            /* 10 ms at 16 kHz: the unit of voice activity */
#define PAUSE_FRAMES 30      /* 300 ms of quiet is a pause worth cutting at */
#define SILENCE_ABS 0.004    /* RMS below this is silence whatever the noise floor */

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
	if (n > f->len - f->pos)
		n = f->len - f->pos;
	memcpy(ptr, f->data + f->pos, (size_t)n);
	f->pos += n;
	return n;
}
static sf_count_t vio_write(const void *p, sf_count_t n, void *u) { (void)p; (void)n; (void)u; return 0; }

/* The chunk being assembled, and where cuts go. */
struct chunker {
	struct job *parent;
	int min_frames, max_frames;
	short *pcm;                 /* the current chunk, at most max_frames * FRAME samples */
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
};

static void emit_chunk(struct chunker *ck, long upto)
{
	struct job *p = ck->parent, *c;
	char num[32];
	long n = upto;

	if (n <= 0)
		return;
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
		snprintf(num, sizeof num, "%ld", ck->chunk_start * 1000 / RATE);
		job_set_attr(c, "chunk.offset_ms", num);
		short *data = xmalloc((size_t)n * sizeof *data);
		memcpy(data, ck->pcm, (size_t)n * sizeof *data);
		struct job_frame *f = job_add_frame(c, "pcm", data, (size_t)n * sizeof *data);
		f->dpi = RATE; /* sample rate in the frame description */
		f->depth = 16;
		ck->nchunks++;
		stage_emit(c);
	}
	/* keep what follows the cut */
	memmove(ck->pcm, ck->pcm + n, (size_t)(ck->nsamples - n) * sizeof *ck->pcm);
	ck->nsamples -= n;
	ck->chunk_start += n;
	ck->speech_frames = 0;
	ck->best_cut = -1;
}

/* One 10 ms frame has been appended at pcm[nsamples - FRAME]. */
static void frame_done(struct chunker *ck, double rms)
{
	int quiet;
	long frames = ck->nsamples / FRAME;

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
	/* a pause: remember its middle as a cut point */
	if (ck->quiet_run >= PAUSE_FRAMES)
		ck->best_cut = ck->nsamples - (long)(ck->quiet_run / 2) * FRAME;
	if (frames >= ck->min_frames && ck->quiet_run >= PAUSE_FRAMES && ck->speech_frames > 0) {
		emit_chunk(ck, ck->best_cut);
		return;
	}
	if (frames >= ck->max_frames) {
		/* no pause long enough: cut at the last one seen, or here */
		long cut = ck->best_cut > ck->nsamples / 2 ? ck->best_cut : ck->nsamples;
		emit_chunk(ck, cut);
	}
}

static void push_samples(struct chunker *ck, const float *x, long n)
{
	for (long i = 0; i < n; i++) {
		float v = x[i];
		if (v > 1)
			v = 1;
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

static enum dp_err audio_process(void *state, struct job *j, struct dp_msg *m)
{
	struct audio_state *s = state;
	struct job_frame *f = job_frame(j, "file");
	const char *name = path_basename(j->source ? j->source : "?");
	struct memfile mf;
	SF_VIRTUAL_IO vio = { vio_len, vio_seek, vio_read, vio_write, vio_tell };
	SF_INFO info;
	SNDFILE *sf = NULL;
	SRC_STATE *src = NULL;
	float *in = NULL, *mono = NULL, *out = NULL;
	struct chunker ck;
	char num[64], log[4096];
	enum dp_err e = DP_OK;
	double ratio;
	long block, outcap;
	int err;

	memset(&ck, 0, sizeof ck);
	if (!f)
		return dp_fail(m, DP_ERR_INTERNAL, "'%s': no file bytes", name);
	mf.data = f->data;
	mf.len = (sf_count_t)f->len;
	mf.pos = 0;
	memset(&info, 0, sizeof info);
	sf = sf_open_virtual(&vio, SFM_READ, &info, &mf);
	if (!sf)
		return dp_fail(m, DP_ERR_FORMAT, "'%s' is not a recording docpipe can read (%s): save it as WAV, FLAC or Ogg Vorbis",
			       name, sf_strerror(NULL));
	if (info.samplerate < 1000 || info.samplerate > 384000 || info.channels < 1 || info.channels > 16) {
		e = dp_fail(m, DP_ERR_FORMAT, "'%s' declares %d Hz and %d channels: not a usable recording", name,
			    info.samplerate, info.channels);
		goto out;
	}
	if (info.frames / info.samplerate > s->conf->max_audio_seconds) {
		e = dp_fail(m, DP_ERR_LIMIT, "'%s' lasts %lld s, longer than the limit of %lld s ([limits] max_audio_seconds)",
			    name, (long long)(info.frames / info.samplerate), s->conf->max_audio_seconds);
		goto out;
	}
	sf_command(sf, SFC_GET_LOG_INFO, log, sizeof log);
	if (strstr(log, "should be")) {
		job_add_issue(j, "", "audio_truncated", "warning",
			      "録音ファイルがヘッダーの記載より短くなっています（途中で切れています）。残っている部分を文字起こししました",
			      "the recording is shorter than its header says (it was cut off); the part present was transcribed");
	}
	ratio = (double)RATE / info.samplerate;
	src = src_new(SRC_SINC_MEDIUM_QUALITY, 1, &err);
	if (!src) {
		e = dp_fail(m, DP_ERR_ENGINE, "'%s': cannot start the resampler: %s", name, src_strerror(err));
		goto out;
	}
	block = info.samplerate; /* one second per read */
	in = xmalloc((size_t)block * (size_t)info.channels * sizeof *in);
	mono = xmalloc((size_t)block * sizeof *mono);
	outcap = (long)(block * ratio) + 256;
	out = xmalloc((size_t)outcap * sizeof *out);
	ck.parent = j;
	ck.min_frames = s->conf->asr_chunk_min_s * 100;
	ck.max_frames = s->conf->asr_chunk_max_s * 100;
	ck.pcm = xmalloc(((size_t)ck.max_frames + 1) * FRAME * sizeof *ck.pcm);
	ck.best_cut = -1;
	for (int eof = 0; !eof;) {
		sf_count_t got = sf_readf_float(sf, in, block);
		SRC_DATA d;
		if (got < 0)
			got = 0;
		eof = got < block;
		for (sf_count_t i = 0; i < got; i++) {
			float sum = 0;
			for (int c = 0; c < info.channels; c++)
				sum += in[i * info.channels + c];
			mono[i] = sum / (float)info.channels;
		}
		memset(&d, 0, sizeof d);
		d.data_in = mono;
		d.input_frames = got;
		d.src_ratio = ratio;
		d.end_of_input = eof;
		do {
			d.data_out = out;
			d.output_frames = outcap;
			if ((err = src_process(src, &d)) != 0) {
				e = dp_fail(m, DP_ERR_ENGINE, "'%s': resampling failed: %s", name, src_strerror(err));
				goto out;
			}
			/* push in pieces that never overflow the chunk buffer */
			for (long o = 0; o < d.output_frames_gen;) {
				long room = ((long)ck.max_frames + 1) * FRAME - ck.nsamples;
				long take = d.output_frames_gen - o < room ? d.output_frames_gen - o : room;
				push_samples(&ck, out + o, take);
				o += take;
			}
			d.data_in += d.input_frames_used;
			d.input_frames -= d.input_frames_used;
		} while (d.input_frames > 0 || (eof && d.output_frames_gen > 0));
	}
	emit_chunk(&ck, ck.nsamples);
	snprintf(num, sizeof num, "%.3f", (double)ck.total / RATE);
	job_set_attr(j, "audio.seconds", num);
	snprintf(num, sizeof num, "%d", info.samplerate);
	job_set_attr(j, "audio.rate", num);
	snprintf(num, sizeof num, "%d", info.channels);
	job_set_attr(j, "audio.channels", num);
	snprintf(num, sizeof num, "%d", ck.nchunks);
	job_set_attr(j, "chunks.expected", num);
	if (ck.nchunks == 0)
		job_add_issue(j, "", "silence", "notice", "音声が検出されませんでした（無音の録音です）",
			      "no speech was found: the recording is silent");
	/* a cut-off file is transcribed, but someone should look at it */
	str_copy(j->status, sizeof j->status, strstr(log, "should be") ? "needs_review" : "transcribed");
	job_drop_frames(j, "file");
out:
	free(ck.pcm);
	free(in);
	free(mono);
	free(out);
	if (src)
		src_delete(src);
	if (sf)
		sf_close(sf);
	return e;
}

const struct stage stage_audio = { "audio", audio_init, audio_process, audio_fini };
