/* job.h: the job envelope, the one thing that travels between stages.
 *
 * A job is a header (document id, kind, route, hop, results so far, per-stage
 * timings) plus payload frames (file bytes, page images, audio samples) so that
 * a worker on another machine needs no shared disk. job_encode() turns the
 * header into one text frame ("DP1" then one tab-separated record per line,
 * with \t \n \\ escaped); job_decode() checks every record and caps every
 * count and length, because a frame from a socket is untrusted.
 *
 * Ownership: a struct job owns every string and frame in it; job_free() frees
 * them all. Strings set with the job_set_* helpers are copied. */
#ifndef DP_JOB_H
#define DP_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define JOB_ROUTE_MAX 10
#define JOB_NAME_MAX 24
#define JOB_FRAMES_MAX 256
#define JOB_TEXT_MAX (4u << 20)      /* any one text value */
#define JOB_HEADER_MAX (32u << 20)   /* the whole header frame */
#define JOB_LIST_MAX 100000          /* fields, issues, runs, segments, attrs */

struct job_field {
	int page;
	char *name, *value, *raw, *source;  /* source: ocr | qr | autofill | checkbox */
	double conf;                         /* 0..100, -1 unknown */
	int needs_review;
};

struct job_issue {
	char *field, *code, *severity;       /* severity: error | warning | notice */
	char *msg_ja, *msg_en;
};

struct job_run {
	char stage[JOB_NAME_MAX];
	char worker[64];                     /* "host/pid/thread" */
	int64_t queued_us, started_us, finished_us, cpu_us;
	int64_t engine_us;                   /* CPU inside engine calls (util.h) */
	char outcome[16];                    /* ok | rejected | error */
};

struct job_segment {
	int seq;
	int64_t start_ms, end_ms;
	double conf;
	char *text;
};

struct job_attr {
	char *key, *value;
};

struct job_frame {
	char name[JOB_NAME_MAX];             /* "file", "page", "pcm", ... */
	int width, height, dpi, depth;       /* for images; depth in bits per pixel */
	void *data;
	size_t len;
	/* who frees data: free() when release is NULL, else release(owner)
	 * (a received ZeroMQ message kept instead of copied, src/mq.c) */
	void (*release)(void *owner);
	void *owner;
};

struct job {
	char id[65];                         /* SHA-256 of the input bytes, hex */
	char *source;                        /* the input's path or name */
	char kind[16];                       /* scan | audio | unknown */
	char format[16];                     /* png, tiff, jpeg, pdf, wav, flac, ogg ... */
	char route[JOB_ROUTE_MAX][JOB_NAME_MAX];
	int nroute, hop;                     /* route[hop] is the stage it is going to */
	char status[16];                     /* "" while flowing; final status once decided */
	char *error;                         /* why rejected, for people */
	char error_code[24];                 /* why rejected, for machines: EMPTY_FILE ... (err.h) */
	int page_count;
	char *full_text;
	double ocr_conf;                     /* mean word confidence, -1 none */
	char form_type[64];
	char procedure[32];
	int64_t received_us;
	int64_t queued_us;                   /* when pushed towards route[hop] */
	int64_t seq;                         /* the coordinator's ledger sequence */

	struct job_field *fields; size_t nfields;
	struct job_issue *issues; size_t nissues;
	struct job_run *runs; size_t nruns;
	struct job_segment *segs; size_t nsegs;
	struct job_attr *attrs; size_t nattrs;
	struct job_frame *frames; size_t nframes;
};

struct job *job_new(void);
void job_free(struct job **j);

void job_set_str(char **dst, const char *s);
void job_set_error(struct job *j, const char *status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The input's name: source becomes path's display form (UTF-8, lib/fname.h);
 * a name that is not UTF-8 also sets attr source.bytea, its bytes as bytea
 * input ("\\x...") for documents.source_name_raw. */
void job_set_source(struct job *j, const char *path);
/* Mark j rejected by the failure e that filled m: status, error (m's text,
 * or e's name when empty) and error_code (dp_reason_of). */
void job_refuse(struct job *j, enum dp_err e, const struct dp_msg *m);
struct job_field *job_add_field(struct job *j, int page, const char *name, const char *value,
				const char *raw, double conf, int needs_review, const char *source);
struct job_field *job_find_field(struct job *j, const char *name);
/* The field `name` of page `page`, NULL if absent; its value or "" */
struct job_field *job_page_field(struct job *j, int page, const char *name);
const char *job_page_value(struct job *j, int page, const char *name);
void job_add_issue(struct job *j, const char *field, const char *code, const char *severity,
		   const char *msg_ja, const char *msg_en);
struct job_run *job_add_run(struct job *j, const char *stage);
void job_add_segment(struct job *j, int seq, int64_t start_ms, int64_t end_ms, double conf,
		     const char *text);
void job_set_attr(struct job *j, const char *key, const char *value);
const char *job_attr(const struct job *j, const char *key);
/* Append a frame; the job takes ownership of data (malloc'd). */
struct job_frame *job_add_frame(struct job *j, const char *name, void *data, size_t len);
void job_drop_frames(struct job *j, const char *name);  /* NULL: all */
/* Free one frame's data (by its owner, if it has one); data becomes NULL. */
void job_frame_release(struct job_frame *f);
struct job_frame *job_frame(struct job *j, const char *name);

int job_set_route(struct job *j, const char *comma_list);
const char *job_next_stage(const struct job *j);

/* Header to text; caller frees *out. */
char *job_encode(const struct job *j, size_t *len);
/* Text to header (frames are attached separately by the transport). */
enum dp_err job_decode(const char *data, size_t len, struct job **out, struct dp_msg *m);

#endif
