/* conf.h: pipeline.conf, the one INI file of docpipe.
 *
 * Every directive is a row of the table in conf.c (section, key, type, bounds,
 * default, help). An unknown section or key, a value out of bounds or a line
 * that is not "key = value" is an error "FILE:LINE: message". Relative paths
 * in the file are resolved against the directory the file is in. */
#ifndef DP_CONF_H
#define DP_CONF_H

#include <stdio.h>

#include "err.h"

#define CONF_PATH_MAX 1024
#define CONF_STR_MAX 256

/* [workers] gives thread counts by stage name. This floor does not know the
 * stages: any name is read here, and the runtime checks the names against the
 * stage table (stages/stage.h) when it loads the configuration. */
enum { CONF_MAX_STAGES = 12 };

struct conf_worker {
	char name[24];
	int count;                     /* 0..64 */
	int line;                      /* where it was given, for messages */
};

struct conf {
	char path[CONF_PATH_MAX];      /* the file read, "" for built-in defaults */

	/* [pipeline] */
	char transport[16];            /* inproc | tcp */
	char bind_host[CONF_STR_MAX];
	int base_port;
	int max_in_flight;
	int job_timeout_s;
	char scan_route[256];          /* stages a scan passes after ingest */
	/* [workers]: threads per stage in this process, as given */
	struct conf_worker workers[CONF_MAX_STAGES];
	int nworkers;
	/* [limits] */
	long long max_file_bytes;
	long long max_pixels;
	int max_pages;
	long long max_audio_seconds;
	/* [ocr] */
	char tessdata[CONF_PATH_MAX];
	char full_text[16];            /* auto | always | never */
	char full_text_lang[64];
	int page_dpi_default;
	/* [forms] and models */
	char forms_dir[CONF_PATH_MAX];
	char fees[CONF_PATH_MAX];
	char grants[CONF_PATH_MAX];
	char procedures[CONF_PATH_MAX];
	char dictionary[CONF_PATH_MAX]; /* the IPA dictionary's folder (lib/lexicon.h); "" none */
	/* [report] */
	char report_timezone[CONF_STR_MAX]; /* office zone for days and hours, "" = the server's */
	/* [asr] */
	char asr_hmm[CONF_PATH_MAX];
	char asr_dict[CONF_PATH_MAX];
	char asr_lm[CONF_PATH_MAX];
	int asr_chunk_max_s;
	int asr_chunk_min_s;
	int asr_chunk_overlap_ms; /* sound shared by two chunks where a cut falls in speech */
	int asr_topn, asr_maxhmmpf, asr_pl_window; /* PocketSphinx -topn -maxhmmpf -pl_window */
	int asr_phone_beam;                        /* PocketSphinx -pbeam 1e-N: N */
	int asr_fwdflat, asr_bestpath;             /* second passes, yes/no */
	int asr_lw_percent;                        /* language model weights, percent of PocketSphinx's */
	int asr_wip_percent;                       /* word insertion penalty -wip, in hundredths */
	char asr_vocab_lm[CONF_PATH_MAX];          /* domain LM interpolated with lm; "" none */
	int asr_vocab_weight;                      /* its weight, percent */
	char asr_vocab_dict[CONF_PATH_MAX];        /* pronunciations added to dict; "" none */
	int asr_narrowband;                        /* detect narrow-band recordings, decode them apart */
	int asr_denoise_snr_db;                    /* suppress noise below this SNR; 0 never */
	int asr_second_below;                      /* general-model reading of stretches under this mean posterior, percent; 0 never */
	int asr_second_fwdflat;                    /* the flat second pass in that general-model reading, yes/no */
	/* [output] */
	char archive_dir[CONF_PATH_MAX];
	char receipts_dir[CONF_PATH_MAX];
	/* [watch] */
	char inbox[CONF_PATH_MAX];
	char quarantine_dir[CONF_PATH_MAX];
	int watch_poll;                /* 0 inotify, 1 polling */
	int watch_settle_ms;
	int watch_rescan_s;
	/* [files]: folders docpipe makes in archive, quarantine and receipts are
	 * 0750, files 0640, owned by this group (the clerks'); "" the process's */
	char files_group[64];
	long files_gid;                /* resolved when loaded; -1 for "" */
	/* [database] */
	char conninfo[CONF_STR_MAX];
	int db_retry_max_s;
	/* [review] (docpipe review, docs/REVIEW.md) */
	char review_bind[CONF_STR_MAX];
	int review_port;
	char review_tls_cert[CONF_PATH_MAX]; /* PEM; with tls_key: HTTPS only */
	char review_tls_key[CONF_PATH_MAX];
	int review_session_minutes;    /* idle sessions expire after this */
	/* [curve] (src/curve.h): CURVE on the tcp transport */
	char curve_secret_key[CONF_PATH_MAX];      /* this process's key pair (NAME.key) */
	char curve_admitted_keys[CONF_PATH_MAX];   /* coordinator: folder of workers' NAME.pub */
	char curve_coordinator_key[CONF_PATH_MAX]; /* worker: the coordinator's NAME.pub */
	/* [log] */
	char log_level[16];
	/* [metrics] (docpipe watch): HOST:PORT of the Prometheus endpoint, "" off */
	char metrics_listen[CONF_STR_MAX];
};

/* Fill c with the built-in defaults (paths relative to base_dir). */
void conf_defaults(struct conf *c, const char *base_dir);

/* Read path over the defaults. On error m holds "path:line: problem". */
enum dp_err conf_load(struct conf *c, const char *path, struct dp_msg *m);

/* Parse INI text (for tests and conf_load); name is used in messages. */
enum dp_err conf_parse(struct conf *c, const char *name, const char *text, const char *base_dir,
		       struct dp_msg *m);

/* Worker threads [workers] gives for a stage name, -1 when it gives none. */
int conf_workers(const struct conf *c, const char *stage);
/* Set (or add) the count for a stage name; line 0 when not from a file.
 * Returns -1 when the table is full. */
int conf_set_workers(struct conf *c, const char *stage, int count, int line);

/* The permissions of what docpipe files away (archive, quarantine, receipts,
 * notes); the group is [files] group. */
#define CONF_DIR_MODE 0750
#define CONF_FILE_MODE 0640

/* Print every directive with its current value (docpipe config). */
void conf_dump(const struct conf *c, FILE *out);

/* One row of the directive table as text, for docpipe.conf(5) (src/man.c). */
struct conf_key {
	const char *section, *key;   /* key "" for [workers]: any stage name */
	const char *kind;            /* text, path, number, yes|no, choice, threads */
	const char *def, *choices;   /* default as text; choices "a|b|c" or NULL */
	long long min, max;          /* for number and threads */
};
/* The i-th row (from 0) into k: 1, or 0 past the end. */
int conf_key_at(size_t i, struct conf_key *k);

#endif
