/* report.h: the analysts' report (`docpipe report`, docs/ANALYSTS.md).
 *
 * cmd_report.c connects, becomes docpipe_analyst, copies the procedure
 * catalogue (report_procs.c) into the procedures table and runs one query per
 * table over the views of db/005_roles_views.sql and db/007_review.sql;
 * report_out.c writes the tables as text, csv, json or html; report_svg.c
 * draws the html's charts.
 * Nothing here formats into fixed buffers without a bound: output goes into
 * struct buf. */
#ifndef DP_REPORT_H
#define DP_REPORT_H

#include <libpq-fe.h>

#include "../lib/err.h"
#include "../lib/util.h"

/* ---- models/procedures.conf ---- */

struct report_proc {
	char code[32];
	char name[256];
	char kind[8];                 /* scan | audio */
	long long annual_cases;
	double baseline_minutes;      /* scan: per case; audio: per minute of recording */
	double review_minutes;        /* scan: per flagged field; audio: per minute of recording */
};

struct report_procs {
	struct report_proc *v;
	int n;
};

/* A wrong line is "FILE:LINE: problem"; every procedure needs annual_cases,
 * baseline_minutes and review_minutes. The caller releases ps. */
enum dp_err report_procs_parse(struct report_procs *ps, const char *name, const char *text, struct dp_msg *m);
enum dp_err report_procs_load(struct report_procs *ps, const char *path, struct dp_msg *m);
void report_procs_release(struct report_procs *ps);

/* ---- the tables ---- */

enum { RC_TEXT = -1 };            /* report_col.decimals for a text column */

enum {
	RC_WIDE = 1,                  /* left out of the text format (csv, json, html keep it) */
};

struct report_col {
	const char *name;             /* SQL column, also the csv/json key */
	const char *header;           /* for people (text, html) */
	int decimals;                 /* RC_TEXT, 0 for integers, else places */
	int flags;
};

struct report_table {
	const char *name;             /* throughput_daily, ... (= --table NAME) */
	const char *title;
	const char *note;             /* one line under the title, or NULL */
	const struct report_col *cols;
	int ncols;
	int vertical;                 /* one row shown as "header  value" lines */
	int text_skip;                /* detail: only in csv and json, or with --table */
	PGresult *res;                /* owned by the report */
};

enum { REPORT_MAX_TABLES = 12, REPORT_MAX_COLS = 32 };

struct report {
	char since[64], until[64];    /* as the database understood them, "" = open */
	char generated[64];
	char role[64];
	char catalogue[1024];         /* procedures.conf used, or a note */
	struct report_table t[REPORT_MAX_TABLES];
	int nt;
	/* charts */
	PGresult *chart_time;         /* unit, label, scan, audio, unknown */
	int ja;                       /* --lang ja: Japanese headings, also in csv */
	int excel;                    /* --excel: csv begins with a UTF-8 BOM */
	char procedure[32];           /* --procedure CODE, "" = every procedure */
	char tz[64];                  /* the session's time zone */
	struct report_col cols_ja[REPORT_MAX_TABLES][REPORT_MAX_COLS];
};

const struct report_table *report_find(const struct report *r, const char *name);

/* Column index of a report column in its result, -1 if absent. */
int report_colidx(const struct report_table *t, int c);

/* Append the report in a format to out (only the table named `only` when it
 * is not NULL). Return 0, or -1 when out would exceed its maximum. */
int report_text(const struct report *r, const char *only, struct buf *out);
int report_csv(const struct report *r, const char *only, struct buf *out);
int report_json(const struct report *r, const char *only, struct buf *out);
int report_html(const struct report *r, struct buf *out);

/* Japanese labels (report_ja.c): the heading of a column or table name, or
 * NULL; _apply switches the report's tables to them. */
const char *report_ja(const char *name);
void report_ja_apply(struct report *r);

/* The html's charts: one <svg> each (no external references). */
int report_svg_throughput(const struct report *r, struct buf *out);
int report_svg_latency(const struct report *r, struct buf *out);
int report_svg_reduction(const struct report *r, struct buf *out);

/* Escape text for html and svg (&, <, >, ", '). */
int report_xml(struct buf *b, const char *s);
/* A cell formatted for people ("-" for NULL, fixed decimals, thousands not
 * separated); fills out (size n). */
void report_cell(const struct report_table *t, int row, int col, char *out, size_t n);
/* Copy s into out (size n) cut to at most max terminal columns, counting
 * Japanese as two ('…' marks a cut). */
void report_cut(const char *s, int max, char *out, size_t n);

#endif
