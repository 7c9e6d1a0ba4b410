/* conf.c: the directive table of pipeline.conf and its checks (see conf.h); ini.c reads the lines. */
#include "conf.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "ini.h"
#include "util.h"

/* CT_WORKERS: the open [workers] section (any stage name = 0..64) */
enum conf_type { CT_STR, CT_PATH, CT_INT, CT_LL, CT_BOOL, CT_ENUM, CT_WORKERS };

struct conf_row {
	const char *section, *key;
	enum conf_type type;
	size_t off, size;
	long long min, max;       /* for CT_INT / CT_LL */
	const char *def;          /* default, as text */
	const char *choices;      /* for CT_ENUM: "a|b|c" */
};

#define S(f) offsetof(struct conf, f), sizeof(((struct conf *)0)->f)
static const struct conf_row rows[] = {
	{ "pipeline", "transport", CT_ENUM, S(transport), 0, 0, "inproc", "inproc|tcp" },
	{ "pipeline", "bind", CT_STR, S(bind_host), 0, 0, "127.0.0.1", NULL },
	{ "pipeline", "base_port", CT_INT, S(base_port), 1024, 65000, "5550", NULL },
	{ "pipeline", "max_in_flight", CT_INT, S(max_in_flight), 1, 10000, "16", NULL },
	{ "pipeline", "job_timeout", CT_INT, S(job_timeout_s), 5, 86400, "600", NULL },
	{ "pipeline", "scan_route", CT_STR, S(scan_route), 0, 0, "preprocess,qr,ocr,validate,enrich,load", NULL },
	{ "workers", "", CT_WORKERS, 0, 0, 0, 64, "", NULL },
	{ "limits", "max_file_bytes", CT_LL, S(max_file_bytes), 1, 1LL << 40, "268435456", NULL },
	{ "limits", "max_pixels", CT_LL, S(max_pixels), 1, 1LL << 40, "100000000", NULL },
	{ "limits", "max_pages", CT_INT, S(max_pages), 1, 10000, "100", NULL },
	{ "limits", "max_audio_seconds", CT_LL, S(max_audio_seconds), 1, 1LL << 30, "28800", NULL },
	{ "ocr", "tessdata", CT_PATH, S(tessdata), 0, 0, "", NULL },
	{ "ocr", "full_text", CT_ENUM, S(full_text), 0, 0, "auto", "auto|always|never" },
	{ "ocr", "full_text_lang", CT_STR, S(full_text_lang), 0, 0, "jpn+eng", NULL },
	{ "ocr", "default_dpi", CT_INT, S(page_dpi_default), 72, 1200, "300", NULL },
	{ "forms", "dir", CT_PATH, S(forms_dir), 0, 0, "models/forms", NULL },
	{ "models", "fees", CT_PATH, S(fees), 0, 0, "models/fees.conf", NULL },
	{ "models", "grants", CT_PATH, S(grants), 0, 0, "models/grants.conf", NULL },
	{ "models", "procedures", CT_PATH, S(procedures), 0, 0, "models/procedures.conf", NULL },
	{ "models", "dictionary", CT_PATH, S(dictionary), 0, 0, "/usr/share/mecab/dic/ipadic", NULL },
	{ "report", "timezone", CT_STR, S(report_timezone), 0, 0, "", NULL },
	{ "asr", "hmm", CT_PATH, S(asr_hmm), 0, 0, "/usr/share/pocketsphinx/model/en-us/en-us", NULL },
	{ "asr", "dict", CT_PATH, S(asr_dict), 0, 0, "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict", NULL },
	{ "asr", "lm", CT_PATH, S(asr_lm), 0, 0, "/usr/share/pocketsphinx/model/en-us/en-us.lm.bin", NULL },
	{ "asr", "chunk_max_seconds", CT_INT, S(asr_chunk_max_s), 5, 600, "20", NULL },
	{ "asr", "chunk_min_seconds", CT_INT, S(asr_chunk_min_s), 1, 600, "5", NULL },
	{ "asr", "chunk_overlap_ms", CT_INT, S(asr_chunk_overlap_ms), 0, 2000, "1000", NULL },
	{ "asr", "topn", CT_INT, S(asr_topn), 1, 64, "3", NULL },
	{ "asr", "maxhmmpf", CT_INT, S(asr_maxhmmpf), -1, 1000000, "3000", NULL },
	{ "asr", "pl_window", CT_INT, S(asr_pl_window), 0, 50, "5", NULL },
	{ "asr", "phone_beam", CT_INT, S(asr_phone_beam), 20, 80, "48", NULL },
	{ "asr", "fwdflat", CT_BOOL, S(asr_fwdflat), 0, 1, "yes", NULL },
	{ "asr", "bestpath", CT_BOOL, S(asr_bestpath), 0, 1, "yes", NULL },
	{ "asr", "language_weight", CT_INT, S(asr_lw_percent), 25, 400, "100", NULL },
	{ "asr", "word_penalty", CT_INT, S(asr_wip_percent), 1, 100, "65", NULL },
	{ "asr", "vocabulary_lm", CT_PATH, S(asr_vocab_lm), 0, 0, "", NULL },
	{ "asr", "vocabulary_weight", CT_INT, S(asr_vocab_weight), 1, 99, "30", NULL },
	{ "asr", "vocabulary_dict", CT_PATH, S(asr_vocab_dict), 0, 0, "", NULL },
	{ "asr", "narrowband", CT_BOOL, S(asr_narrowband), 0, 1, "yes", NULL },
	{ "asr", "denoise_below_snr_db", CT_INT, S(asr_denoise_snr_db), 0, 99, "35", NULL },
	{ "asr", "second_opinion_below", CT_INT, S(asr_second_below), 0, 100, "0", NULL },
	{ "asr", "second_opinion_fwdflat", CT_BOOL, S(asr_second_fwdflat), 0, 1, "yes", NULL },
	{ "output", "archive", CT_PATH, S(archive_dir), 0, 0, "var/archive", NULL },
	{ "output", "receipts", CT_PATH, S(receipts_dir), 0, 0, "", NULL },
	{ "watch", "inbox", CT_PATH, S(inbox), 0, 0, "var/inbox", NULL },
	{ "watch", "quarantine", CT_PATH, S(quarantine_dir), 0, 0, "var/quarantine", NULL },
	{ "watch", "poll", CT_BOOL, S(watch_poll), 0, 1, "no", NULL },
	{ "watch", "settle_ms", CT_INT, S(watch_settle_ms), 0, 600000, "2000", NULL },
	{ "watch", "rescan_seconds", CT_INT, S(watch_rescan_s), 1, 86400, "60", NULL },
	{ "files", "group", CT_STR, S(files_group), 0, 0, "", NULL },
	{ "database", "conninfo", CT_STR, S(conninfo), 0, 0, "", NULL },
	{ "database", "retry_max_seconds", CT_INT, S(db_retry_max_s), 0, 86400, "120", NULL },
	{ "review", "bind", CT_STR, S(review_bind), 0, 0, "127.0.0.1", NULL },
	{ "review", "port", CT_INT, S(review_port), 1, 65535, "8470", NULL },
	{ "review", "tls_cert", CT_PATH, S(review_tls_cert), 0, 0, "", NULL },
	{ "review", "tls_key", CT_PATH, S(review_tls_key), 0, 0, "", NULL },
	{ "review", "session_minutes", CT_INT, S(review_session_minutes), 1, 1440, "30", NULL },
	{ "curve", "secret_key", CT_PATH, S(curve_secret_key), 0, 0, "", NULL },
	{ "curve", "admitted_keys", CT_PATH, S(curve_admitted_keys), 0, 0, "", NULL },
	{ "curve", "coordinator_key", CT_PATH, S(curve_coordinator_key), 0, 0, "", NULL },
	{ "log", "level", CT_ENUM, S(log_level), 0, 0, "info", "error|warn|info|debug" },
	{ "metrics", "listen", CT_STR, S(metrics_listen), 0, 0, "", NULL },
};
#undef S

static int enum_ok(const char *choices, const char *v)
{
	size_t n = strlen(v);
	const char *p = choices;

	while (p && *p) {
		const char *bar = strchr(p, '|');
		size_t l = bar ? (size_t)(bar - p) : strlen(p);
		if (l == n && strncmp(p, v, n) == 0)
			return 1;
		p = bar ? bar + 1 : NULL;
	}
	return 0;
}

static enum dp_err set_value(struct conf *c, const struct conf_row *r, const char *v,
			     const char *base_dir, const char *where, struct dp_msg *m)
{
	char *field = (char *)c + r->off;
	char *end;
	long long n;

	switch (r->type) {
	case CT_STR:
	case CT_ENUM:
		if (r->type == CT_ENUM && !enum_ok(r->choices, v))
			return dp_fail(m, DP_ERR_CONFIG, "%s: %s.%s must be one of %s, not '%s'", where,
				       r->section, r->key, r->choices, v);
		if (strlen(v) >= r->size)
			return dp_fail(m, DP_ERR_CONFIG, "%s: %s.%s is too long (at most %zu bytes)", where,
				       r->section, r->key, r->size - 1);
		memcpy(field, v, strlen(v) + 1);
		return DP_OK;
	case CT_PATH:
		if (!*v || v[0] == '/' || !base_dir || !*base_dir) {
			if (strlen(v) >= r->size)
				return dp_fail(m, DP_ERR_CONFIG, "%s: %s.%s: path too long", where, r->section, r->key);
			memcpy(field, v, strlen(v) + 1);
		} else if ((size_t)snprintf(field, r->size, "%s/%s", base_dir, v) >= r->size) {
			return dp_fail(m, DP_ERR_CONFIG, "%s: %s.%s: path too long", where, r->section, r->key);
		}
		return DP_OK;
	case CT_BOOL:
		if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on") || !strcmp(v, "1"))
			*(int *)field = 1;
		else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off") || !strcmp(v, "0"))
			*(int *)field = 0;
		else
			return dp_fail(m, DP_ERR_CONFIG, "%s: %s.%s must be yes or no, not '%s'", where,
				       r->section, r->key, v);
		return DP_OK;
	case CT_INT:
	case CT_LL:
		errno = 0;
		n = strtoll(v, &end, 10);
		if (errno || end == v || *end)
			return dp_fail(m, DP_ERR_CONFIG, "%s: %s.%s must be a whole number, not '%s'", where,
				       r->section, r->key, v);
		if (n < r->min || n > r->max)
			return dp_fail(m, DP_ERR_CONFIG, "%s: %s.%s = %lld is out of range %lld..%lld", where,
				       r->section, r->key, n, r->min, r->max);
		if (r->type == CT_INT)
			*(int *)field = (int)n;
		else
			*(long long *)field = n;
		return DP_OK;
	case CT_WORKERS:
		break;
	}
	return dp_fail(m, DP_ERR_INTERNAL, "bad conf row type");
}

/* [workers] NAME = N: a name of letters, digits and _, a count in range */
static enum dp_err set_workers(struct conf *c, const struct conf_row *r, const char *key, const char *v, int line,
			       const char *where, struct dp_msg *m)
{
	char *end;
	long long n;

	if (!*key || strlen(key) >= sizeof c->workers[0].name || key[strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789_")])
		return dp_fail(m, DP_ERR_CONFIG, "%s: unknown key '%s' in [workers] (a stage name)", where, key);
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno || end == v || *end)
		return dp_fail(m, DP_ERR_CONFIG, "%s: workers.%s must be a whole number, not '%s'", where, key, v);
	if (n < r->min || n > r->max)
		return dp_fail(m, DP_ERR_CONFIG, "%s: workers.%s = %lld is out of range %lld..%lld", where, key, n,
			       r->min, r->max);
	if (conf_set_workers(c, key, (int)n, line))
		return dp_fail(m, DP_ERR_CONFIG, "%s: [workers] names more than %d stages", where, CONF_MAX_STAGES);
	return DP_OK;
}

/* [files] group: a group name or number of this machine */
static enum dp_err resolve_group(struct conf *c, const char *name, struct dp_msg *m)
{
	struct group gr, *g = NULL;
	char buf[4096], *end;
	long n;

	c->files_gid = -1;
	if (!c->files_group[0])
		return DP_OK;
	if (getgrnam_r(c->files_group, &gr, buf, sizeof buf, &g) == 0 && g) {
		c->files_gid = (long)g->gr_gid;
		return DP_OK;
	}
	errno = 0;
	n = strtol(c->files_group, &end, 10);
	if (!errno && end != c->files_group && !*end && n >= 0) {
		c->files_gid = n;
		return DP_OK;
	}
	return dp_fail(m, DP_ERR_CONFIG, "%s: files.group: there is no group '%s' on this machine (create it, or give its number)",
		       name, c->files_group);
}

void conf_defaults(struct conf *c, const char *base_dir)
{
	struct dp_msg m;

	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		if (rows[i].type != CT_WORKERS && set_value(c, &rows[i], rows[i].def, base_dir, "defaults", &m) != DP_OK)
			abort(); /* the table itself is wrong: a bug */
	c->files_gid = -1;
}

enum dp_err conf_parse(struct conf *c, const char *name, const char *text, const char *base_dir,
		       struct dp_msg *m)
{
	struct ini in;

	str_copy(c->path, sizeof c->path, name);
	ini_start(&in, name, text);
	while (ini_next(&in, m)) {
		char where[CONF_PATH_MAX + 32];
		const struct conf_row *r = NULL;

		snprintf(where, sizeof where, "%s:%d", name, in.line);
		if (!in.key) {
			int known = 0;
			for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
				if (!strcmp(rows[i].section, in.section))
					known = 1;
			if (!known)
				return ini_fail(&in, m, "unknown section [%s]", in.section);
			continue;
		}
		for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
			if (!strcmp(rows[i].section, in.section) && (rows[i].type == CT_WORKERS || !strcmp(rows[i].key, in.key)))
				r = &rows[i];
		if (r && r->type == CT_WORKERS) {
			enum dp_err e = set_workers(c, r, in.key, in.value, in.line, where, m);
			if (e)
				return e;
			continue;
		}
		if (!r)
			return ini_fail(&in, m, "unknown key '%s' in [%s]", in.key, in.section);
		enum dp_err e = set_value(c, r, in.value, base_dir, where, m);
		if (e)
			return e;
	}
	if (in.err)
		return in.err;
	if (c->asr_chunk_min_s > c->asr_chunk_max_s)
		return dp_fail(m, DP_ERR_CONFIG, "%s: asr.chunk_min_seconds is larger than asr.chunk_max_seconds", name);
	return resolve_group(c, name, m);
}

enum dp_err conf_load(struct conf *c, const char *path, struct dp_msg *m)
{
	char dir[CONF_PATH_MAX];
	char *text = NULL;
	enum dp_err e;

	if ((e = ini_read(path, 1 << 20, &text, m)))
		return e;
	path_dirname(path, dir, sizeof dir);
	if (strlen(dir) > CONF_PATH_MAX - 64) {
		free(text);
		return dp_fail(m, DP_ERR_CONFIG, "%s: the folder's path is longer than %d bytes: move the file", path,
			       CONF_PATH_MAX - 64);
	}
	conf_defaults(c, dir);
	snprintf(c->path, sizeof c->path, "%s", path);
	e = conf_parse(c, path, text, dir, m);
	free(text);
	return e;
}

int conf_workers(const struct conf *c, const char *stage)
{
	for (int i = 0; i < c->nworkers; i++)
		if (!strcmp(c->workers[i].name, stage))
			return c->workers[i].count;
	return -1;
}

int conf_set_workers(struct conf *c, const char *stage, int count, int line)
{
	int i;

	for (i = 0; i < c->nworkers; i++)
		if (!strcmp(c->workers[i].name, stage))
			break;
	if (i == c->nworkers) {
		if (c->nworkers == CONF_MAX_STAGES)
			return -1;
		c->nworkers++;
	}
	str_copy(c->workers[i].name, sizeof c->workers[i].name, stage);
	c->workers[i].count = count;
	c->workers[i].line = line;
	return 0;
}

void conf_dump(const struct conf *c, FILE *out)
{
	const char *sec = "";

	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct conf_row *r = &rows[i];
		const char *f = (const char *)c + r->off;
		if (strcmp(sec, r->section)) {
			fprintf(out, "%s[%s]\n", *sec ? "\n" : "", r->section);
			sec = r->section;
		}
		switch (r->type) {
		case CT_STR: case CT_PATH: case CT_ENUM: fprintf(out, "%s = %s\n", r->key, f); break;
		case CT_BOOL: fprintf(out, "%s = %s\n", r->key, *(const int *)f ? "yes" : "no"); break;
		case CT_INT: fprintf(out, "%s = %d\n", r->key, *(const int *)f); break;
		case CT_LL: fprintf(out, "%s = %lld\n", r->key, *(const long long *)f); break;
		case CT_WORKERS:
			for (int w = 0; w < c->nworkers; w++)
				fprintf(out, "%s = %d\n", c->workers[w].name, c->workers[w].count);
			break;
		}
	}
}

int conf_key_at(size_t i, struct conf_key *k)
{
	static const char *const kinds[] = { [CT_STR] = "text", [CT_PATH] = "path", [CT_INT] = "number",
					     [CT_LL] = "number", [CT_BOOL] = "yes|no", [CT_ENUM] = "choice",
					     [CT_WORKERS] = "threads" };

	if (i >= sizeof rows / sizeof rows[0])
		return 0;
	k->section = rows[i].section;
	k->key = rows[i].key;
	k->kind = kinds[rows[i].type];
	k->def = rows[i].def;
	k->choices = rows[i].choices;
	k->min = rows[i].min;
	k->max = rows[i].max;
	return 1;
}
