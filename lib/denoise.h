/* denoise.h: what a recording sounds like, and steady noise taken out of it.
 *
 * sigstat: one pass over 16 kHz mono samples (float, -1..1) in constant
 * memory (a histogram of 10 ms frame levels): the noise floor and the speech
 * level (10th and 90th percentile of the frames that are not digital
 * silence), their ratio as a signal-to-noise estimate, and the share of the
 * speech frames' energy above 4.8 kHz, which tells a telephone or other
 * narrow-band recording (nothing up there) from a wide-band one.
 *
 * denoise: speexdsp's preprocessor (noise suppression only: no gain control,
 * no dereverberation) on 10 ms frames. Its output is one frame late; the
 * first frame out is dropped and denoise_flush() gives the last one, so a
 * sample keeps its index and the transcript's times stay exact. */
#ifndef DP_DENOISE_H
#define DP_DENOISE_H

#define SIG_RATE 16000
#define SIG_FRAME 160 /* 10 ms */

struct sigstat;
struct sigstat *sigstat_new(void);
void sigstat_push(struct sigstat *s, const float *x, long n);
/* snr_db: speech level over noise floor; high_db: energy above 4.8 kHz
 * against all of it in speech frames (-99 when there is none); silent:
 * the share of frames that are digital silence (no steady noise there: a
 * recording with many has none to take out). Returns the number of frames
 * that carried sound. */
long sigstat_result(const struct sigstat *s, double *snr_db, double *high_db, double *silent);
void sigstat_free(struct sigstat *s);

struct denoise;
/* suppress_db: the most the noise is lowered (speexdsp's default is 15) */
struct denoise *denoise_new(int suppress_db);
/* Filter n samples of in into out (room for n + SIG_FRAME); returns how many
 * were written. */
long denoise_process(struct denoise *d, const float *in, long n, float *out);
/* The samples still held (out: room for 2 * SIG_FRAME); returns how many. */
long denoise_flush(struct denoise *d, float *out);
void denoise_free(struct denoise *d);

#endif
