/* cmd_report.c: `docpipe report [-c CONF] [--since DATE] [--until DATE]
 * [--format text|csv|json|html] [--table NAME] [--procedure CODE] [--tz ZONE]
 * [--lang en|ja] [--excel] [-o FILE]`: the analysts' report of throughput,
 * stage latency and procedure cost (docs/ANALYSTS.md).
 *
 * --tz (default [report] timezone, else the server's) is the session's
 * TimeZone: --since/--until are read and days and hours cut in it.
 * --procedure keeps the rows of one procedure code: the tables with a
 * procedure_code column are filtered; overview, stage_latency and
 * review_top_fields are read from their *_for() functions with the code
 * (db/010_report_procedure.sql: that procedure's documents, their stage runs
 * and corrections); the hourly detail like the others.
 *
 * It connects like every command ([database] conninfo or PG*), becomes the
 * docpipe_analyst role (SET ROLE unless it already is that role), copies
 * models/procedures.conf into the procedures table (the catalogue is the
 * analysts' own: the role may write that one table), then reads every table
 * of the report in one read-only repeatable-read transaction from the
 * *_between() functions of db/005_roles_views.sql and db/007_review.sql
 * (measured review time, review findings), so the report and the
 * views can never disagree. report_out.c and report_svg.c write it out.
 * Exit: 0 written, 1 usage or catalogue error, 3 database failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "../lib/db.h"
#include "../lib/log.h"
#include "report.h"
#include "../lib/util.h"

#define REPORT_ROLE "docpipe_analyst"
#define REPORT_OUT_MAX ((size_t)512 << 20)

/* ---- the tables: columns and queries ---- */

static const struct report_col cols_overview[] = {
	{ "first_loaded", "first document loaded", RC_TEXT, 0 },
	{ "last_loaded", "last document loaded", RC_TEXT, 0 },
	{ "documents", "documents", 0, 0 },
	{ "scans", "scans", 0, 0 },
	{ "audio", "recordings", 0, 0 },
	{ "pages", "pages", 0, 0 },
	{ "needs_review_pct", "needs review (% of documents)", 1, 0 },
	{ "rejected_pct", "rejected (% of documents)", 1, 0 },
	{ "stage_runs", "stage runs", 0, 0 },
	{ "cases", "cases of catalogued procedures", 0, 0 },
	{ "baseline_hours", "hours by hand (baseline)", 2, 0 },
	{ "pipeline_hours", "hours with docpipe", 2, 0 },
	{ "saved_hours", "hours saved", 2, 0 },
	{ "reduction_pct", "reduction (%)", 1, 0 },
};

static const struct report_col cols_cost[] = {
	{ "procedure_code", "code", RC_TEXT, 0 },
	{ "name", "procedure", RC_TEXT, 0 },
	{ "kind", "kind", RC_TEXT, 0 },
	{ "annual_cases", "cases/year", 0, 0 },
	{ "cases", "cases", 0, 0 },
	{ "flagged_fields", "flagged fields", 0, 0 },
	{ "audio_minutes", "audio min", 1, 0 },
	{ "manual_cases", "by hand", 0, 0 },
	{ "baseline_hours", "baseline h", 2, 0 },
	{ "machine_hours", "machine h", 3, RC_WIDE },
	{ "review_hours", "review h", 2, RC_WIDE },
	{ "manual_hours", "by-hand h", 2, RC_WIDE },
	{ "pipeline_hours", "pipeline h", 2, 0 },
	{ "saved_hours", "saved h", 2, 0 },
	{ "reduction_pct", "reduction %", 1, 0 },
	{ "annual_hours_saved", "saved h/year", 0, 0 },
	{ "review_source", "review time", RC_TEXT, 0 },
	{ "measured_cases", "measured", 0, RC_WIDE },
	{ "open_documents", "open", 0, 0 },
};

static const struct report_col cols_findings[] = {
	{ "procedure_code", "procedure", RC_TEXT, 0 },
	{ "documents_reviewed", "documents reviewed", 0, 0 },
	{ "fields_corrected", "fields corrected", 0, 0 },
	{ "fields_confirmed", "fields confirmed", 0, 0 },
	{ "documents_rejected", "rejected", 0, 0 },
	{ "segments_reviewed", "segments reviewed", 0, 0 },
	{ "seconds", "seconds", 0, 0 },
	{ "seconds_per_document", "seconds/document", 1, 0 },
};

static const struct report_col cols_top_fields[] = {
	{ "form_type", "form", RC_TEXT, 0 },
	{ "field", "field", RC_TEXT, 0 },
	{ "corrections", "corrections", 0, 0 },
	{ "documents", "documents", 0, 0 },
};

static const struct report_col cols_rates[] = {
	{ "kind", "kind", RC_TEXT, 0 },
	{ "procedure_code", "procedure", RC_TEXT, 0 },
	{ "documents", "documents", 0, 0 },
	{ "accepted", "accepted", 0, 0 },
	{ "needs_review", "needs review", 0, 0 },
	{ "invalid", "invalid", 0, 0 },
	{ "unrecognised", "unrecognised", 0, 0 },
	{ "transcribed", "transcribed", 0, 0 },
	{ "rejected", "rejected", 0, 0 },
	{ "needs_review_pct", "needs review %", 1, 0 },
	{ "rejected_pct", "rejected %", 1, 0 },
};

static const struct report_col cols_latency[] = {
	{ "stage", "stage", RC_TEXT, 0 },
	{ "runs", "runs", 0, 0 },
	{ "rejected_runs", "rejected", 0, 0 },
	{ "wait_p50_ms", "wait p50", 1, 0 },
	{ "wait_p95_ms", "wait p95", 1, 0 },
	{ "wait_p99_ms", "wait p99", 1, 0 },
	{ "wait_mean_ms", "wait mean", 1, RC_WIDE },
	{ "wait_max_ms", "wait max", 1, RC_WIDE },
	{ "service_p50_ms", "service p50", 1, 0 },
	{ "service_p95_ms", "service p95", 1, 0 },
	{ "service_p99_ms", "service p99", 1, 0 },
	{ "service_mean_ms", "service mean", 1, RC_WIDE },
	{ "service_max_ms", "service max", 1, RC_WIDE },
	{ "cpu_ms", "cpu ms", 0, 0 },
};

static const struct report_col cols_daily[] = {
	{ "day", "day", RC_TEXT, 0 },
	{ "kind", "kind", RC_TEXT, 0 },
	{ "procedure_code", "procedure", RC_TEXT, 0 },
	{ "documents", "documents", 0, 0 },
	{ "pages", "pages", 0, 0 },
	{ "accepted", "accepted", 0, RC_WIDE },
	{ "needs_review", "needs review", 0, 0 },
	{ "invalid", "invalid", 0, RC_WIDE },
	{ "unrecognised", "unrecognised", 0, RC_WIDE },
	{ "transcribed", "transcribed", 0, RC_WIDE },
	{ "rejected", "rejected", 0, 0 },
};

static const struct report_col cols_doc[] = {
	{ "document_id", "document", 0, 0 },
	{ "loaded_at", "loaded", RC_TEXT, 0 },
	{ "kind", "kind", RC_TEXT, 0 },
	{ "status", "status", RC_TEXT, 0 },
	{ "procedure_code", "procedure", RC_TEXT, 0 },
	{ "page_count", "pages", 0, 0 },
	{ "runs", "runs", 0, 0 },
	{ "wait_seconds", "wait s", 1, 0 },
	{ "machine_seconds", "machine s", 1, 0 },
	{ "cpu_ms", "cpu ms", 0, 0 },
	{ "flagged_fields", "flagged", 0, 0 },
	{ "audio_seconds", "audio s", 1, 0 },
	{ "baseline_minutes", "baseline min", 1, 0 },
	{ "review_minutes", "review min", 1, 0 },
	{ "manual_minutes", "by-hand min", 1, 0 },
	{ "review_seconds", "review s (measured)", 1, RC_WIDE },
	{ "review_source", "review time", RC_TEXT, 0 },
	{ "open", "open", RC_TEXT, 0 },
};

static const struct report_col cols_hourly[] = {
	{ "hour", "hour", RC_TEXT, 0 },
	{ "kind", "kind", RC_TEXT, 0 },
	{ "procedure_code", "procedure", RC_TEXT, 0 },
	{ "documents", "documents", 0, 0 },
	{ "pages", "pages", 0, 0 },
	{ "accepted", "accepted", 0, RC_WIDE },
	{ "needs_review", "needs review", 0, 0 },
	{ "invalid", "invalid", 0, RC_WIDE },
	{ "unrecognised", "unrecognised", 0, RC_WIDE },
	{ "transcribed", "transcribed", 0, RC_WIDE },
	{ "rejected", "rejected", 0, 0 },
};

#define NCOLS(a) ((int)(sizeof a / sizeof a[0]))
#define NTABLES ((int)(sizeof table_defs / sizeof table_defs[0]))

struct table_def {
	struct report_table t;
	const char *sql;              /* $1 since, $2 until (timestamptz or NULL); overview:
				       * $3..$5 the totals of procedure_cost (cost_totals) */
	int proc_param;               /* no procedure column: the query takes the
				       * procedure code (NULL: all) as its last
				       * parameter ($6 overview, else $3) */
};

static const struct table_def table_defs[] = {
	{ { "overview", "Overview", NULL, cols_overview, NCOLS(cols_overview), 1, 0, NULL },
	  "SELECT date_trunc('second', first_loaded + interval '0.5 s') AS first_loaded, "
	  "date_trunc('second', last_loaded + interval '0.5 s') AS last_loaded, documents, scans, audio, pages, needs_review_pct, rejected_pct, "
	  "stage_runs, cases, baseline_hours, pipeline_hours, saved_hours, reduction_pct "
	  "FROM report_overview_for($1, $2, $3, $4, $5, $6)", 1 },
	{ { "procedure_cost", "Cost per procedure",
	    "hours in the period; pipeline = machine + review of flagged fields or transcript + cases keyed by hand; "
	    "reduction = (baseline - pipeline) / baseline; '-' name: code not in procedures.conf; hours of the cases "
	    "finished: open = still needs_review or invalid (work to do, not time saved); review time = measured "
	    "(clerks' seconds), estimated (procedures.conf review_minutes) or mixed",
	    cols_cost, NCOLS(cols_cost), 0, 0, NULL },
	  "SELECT procedure_code, name, kind, annual_cases, cases, flagged_fields, audio_minutes, manual_cases, "
	  "baseline_hours, machine_hours, review_hours, manual_hours, pipeline_hours, saved_hours, reduction_pct, "
	  "annual_hours_saved, open_documents, measured_cases, review_source FROM procedure_cost_between($1, $2)", 0 },
	{ { "status_rates", "Outcomes", "documents by the status they ended in; '-' procedure: none recognised",
	    cols_rates, NCOLS(cols_rates), 0, 0, NULL },
	  "SELECT kind, procedure_code, documents, accepted, needs_review, invalid, unrecognised, transcribed, "
	  "rejected, needs_review_pct, rejected_pct FROM status_rates_between($1, $2)", 0 },
	{ { "stage_latency", "Stage latency (ms)",
	    "wait = in the queue before the stage (started - queued); service = the stage at work (finished - started)",
	    cols_latency, NCOLS(cols_latency), 0, 0, NULL },
	  "SELECT stage, runs, rejected_runs, wait_p50_ms, wait_p95_ms, wait_p99_ms, wait_mean_ms, wait_max_ms, "
	  "service_p50_ms, service_p95_ms, service_p99_ms, service_mean_ms, service_max_ms, cpu_ms "
	  "FROM stage_latency_for($1, $2, $3)", 1 },
	{ { "throughput_daily", "Throughput per day", "documents loaded per day, by kind and procedure",
	    cols_daily, NCOLS(cols_daily), 0, 0, NULL },
	  "SELECT period::date AS day, kind, procedure_code, documents, pages, accepted, needs_review, invalid, "
	  "unrecognised, transcribed, rejected FROM throughput_between('day', $1, $2)", 0 },
	{ { "throughput_hourly", "Throughput per hour", "documents loaded per hour, by kind and procedure",
	    cols_hourly, NCOLS(cols_hourly), 0, 1, NULL },
	  "SELECT period AS hour, kind, procedure_code, documents, pages, accepted, needs_review, invalid, "
	  "unrecognised, transcribed, rejected FROM throughput_between('hour', $1, $2)", 0 },
	{ { "review_findings", "Review findings",
	    "what clerks did in the review station in the period (by the time of their action), per procedure",
	    cols_findings, NCOLS(cols_findings), 0, 0, NULL },
	  "SELECT procedure_code, documents_reviewed, fields_corrected, fields_confirmed, documents_rejected, "
	  "segments_reviewed, seconds, seconds_per_document FROM review_findings_between($1, $2)", 0 },
	{ { "review_top_fields", "Fields corrected most often",
	    "the 20 fields clerks corrected most in the period: what the form templates should read better",
	    cols_top_fields, NCOLS(cols_top_fields), 0, 0, NULL },
	  "SELECT form_type, field, corrections, documents FROM review_top_fields_for($1, $2, $3) LIMIT 20", 1 },
	{ { "document_costs", "Cost per document",
	    "one row per document loaded in the period (db/007_review.sql): seconds of machine work, minutes by "
	    "hand (baseline) and in review; review time measured (clerks' seconds) or estimated; open = not finished",
	    cols_doc, NCOLS(cols_doc), 0, 1, NULL },
	  "SELECT document_id, date_trunc('second', loaded_at + interval '0.5 s') AS loaded_at, kind, status, "
	  "procedure_code, page_count, runs, wait_seconds, machine_seconds, cpu_ms, flagged_fields, audio_seconds, "
	  "baseline_minutes, review_minutes, manual_minutes, review_seconds, review_source, open "
	  "FROM document_costs_between($1, $2) ORDER BY document_id", 0 },
};

_Static_assert(NTABLES <= REPORT_MAX_TABLES, "struct report holds every table");

/* documents per period for the throughput chart: hours when the period spans
 * three days or less, else days (weeks beyond 400 days); empty periods are 0 */
static const char chart_time_sql[] =
	"WITH b AS ("
	" SELECT CASE WHEN max(loaded_at) - min(loaded_at) <= interval '3 days' THEN 'hour'"
	"             WHEN max(loaded_at) - min(loaded_at) <= interval '400 days' THEN 'day' ELSE 'week' END AS unit,"
	"        min(loaded_at) AS lo, max(loaded_at) AS hi"
	" FROM documents"
	" WHERE loaded_at >= COALESCE($1::timestamptz, '-infinity') AND loaded_at < COALESCE($2::timestamptz, 'infinity')"
	"), t AS ("
	" SELECT t.period, t.kind, sum(t.documents) AS n"
	" FROM b, LATERAL throughput_between(b.unit, $1::timestamptz, $2::timestamptz) t"
	" WHERE $3::text IS NULL OR t.procedure_code = $3 GROUP BY 1, 2"
	")"
	" SELECT b.unit, to_char(g, CASE b.unit WHEN 'hour' THEN 'MM-DD HH24:00' ELSE 'YYYY-MM-DD' END),"
	"        COALESCE(sum(t.n) FILTER (WHERE t.kind = 'scan'), 0),"
	"        COALESCE(sum(t.n) FILTER (WHERE t.kind = 'audio'), 0),"
	"        COALESCE(sum(t.n) FILTER (WHERE t.kind NOT IN ('scan', 'audio')), 0)"
	" FROM b, generate_series(date_trunc(b.unit, b.lo), date_trunc(b.unit, b.hi), ('1 ' || b.unit)::interval) g"
	" LEFT JOIN t ON t.period = g"
	" GROUP BY b.unit, g ORDER BY g";

/* ---- database helpers ---- */

/* The first line of the server's message, for people. */
static void pq_error(char *out, size_t n, const char *text)
{
	str_copy(out, n, text ? text : "");
	for (char *p = out; *p; p++)
		if (*p == '\n') {
			*p = '\0';
			break;
		}
}

static enum dp_err query(PGconn *c, const char *sql, int n, const char *const *p, ExecStatusType want,
			 PGresult **out, const char *what, struct dp_msg *m)
{
	PGresult *r = PQexecParams(c, sql, n, NULL, p, NULL, NULL, 0);

	if (!r || PQresultStatus(r) != want) {
		char err[300];
		pq_error(err, sizeof err, r ? PQresultErrorMessage(r) : PQerrorMessage(c));
		PQclear(r);
		return dp_fail(m, DP_ERR_DB, "%s: %s", what, err);
	}
	if (out)
		*out = r;
	else
		PQclear(r);
	return DP_OK;
}

static int date_only(const char *s)
{
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	return 1;
}

/* Resolve --since/--until to a timestamptz text the database gave back. A
 * date alone means its midnight; for --until the midnight after it. */
static enum dp_err resolve_time(PGconn *c, const char *opt, const char *val, int is_until, char *out, size_t n,
				struct dp_msg *m)
{
	PGresult *r;
	const char *p[1] = { val };
	const char *sql = date_only(val) && is_until ? "SELECT ($1::date + 1)::timestamptz::text"
						      : "SELECT $1::timestamptz::text";

	out[0] = '\0';
	if (!val[0])
		return DP_OK;
	r = PQexecParams(c, sql, 1, NULL, p, NULL, NULL, 0);
	if (!r || PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		PQclear(r);
		return dp_fail(m, DP_ERR_USAGE, "%s '%s' is not a date: use YYYY-MM-DD or 'YYYY-MM-DD HH:MM'", opt, val);
	}
	str_copy(out, n, PQgetvalue(r, 0, 0));
	PQclear(r);
	return DP_OK;
}

/* Become docpipe_analyst unless the connection already is. */
static enum dp_err become_analyst(PGconn *c, char *role, size_t n, struct dp_msg *m)
{
	PGresult *r = NULL;
	enum dp_err e;

	e = query(c, "SELECT current_user, to_regprocedure('procedure_cost_between(timestamptz,timestamptz)') IS NOT NULL "
		  "AND to_regprocedure('review_findings_between(timestamptz,timestamptz)') IS NOT NULL",
		  0, NULL, PGRES_TUPLES_OK, &r, "checking the schema", m);
	if (e)
		return e;
	if (strcmp(PQgetvalue(r, 0, 1), "t")) {
		PQclear(r);
		return dp_fail(m, DP_ERR_DB, "the database has no report views yet: run 'docpipe db migrate' "
					     "(as the database owner) first");
	}
	if (strcmp(PQgetvalue(r, 0, 0), REPORT_ROLE)) {
		char who[128];
		str_copy(who, sizeof who, PQgetvalue(r, 0, 0));
		PQclear(r);
		r = PQexec(c, "SET ROLE " REPORT_ROLE);
		if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
			char err[300];
			pq_error(err, sizeof err, r ? PQresultErrorMessage(r) : PQerrorMessage(c));
			PQclear(r);
			return dp_fail(m, DP_ERR_DB,
				       "cannot act as %s (%s): connect as %s, or let '%s' do so with "
				       "GRANT %s TO \"%s\"",
				       REPORT_ROLE, err, REPORT_ROLE, who, REPORT_ROLE, who);
		}
	}
	PQclear(r);
	str_copy(role, n, REPORT_ROLE);
	return DP_OK;
}

/* Make the procedures table what procedures.conf says, in one transaction;
 * rows that already match are not rewritten. */
static enum dp_err sync_catalogue(PGconn *c, const struct report_procs *ps, struct dp_msg *m)
{
	struct buf codes;
	enum dp_err e;

	buf_init(&codes, 0);
	e = query(c, "BEGIN", 0, NULL, PGRES_COMMAND_OK, NULL, "procedures", m);
	if (e)
		goto out;
	/* codes are letters, digits, '-', '_', '.' (report_procs.c): safe in an array literal */
	buf_addstr(&codes, "{");
	for (int i = 0; i < ps->n; i++)
		buf_printf(&codes, "%s%s", i ? "," : "", ps->v[i].code);
	buf_addstr(&codes, "}");
	{
		const char *p[1] = { codes.data };
		e = query(c, "DELETE FROM procedures WHERE NOT (code = ANY ($1::text[]))", 1, p, PGRES_COMMAND_OK, NULL,
			  "updating the procedures table", m);
		if (e)
			goto rollback;
	}
	for (int i = 0; i < ps->n; i++) {
		const struct report_proc *q = &ps->v[i];
		char cases[32], base[40], rev[40], pos[16];
		snprintf(cases, sizeof cases, "%lld", q->annual_cases);
		snprintf(base, sizeof base, "%.17g", q->baseline_minutes);
		snprintf(rev, sizeof rev, "%.17g", q->review_minutes);
		snprintf(pos, sizeof pos, "%d", i + 1);
		const char *p[7] = { q->code, q->name, q->kind, cases, base, rev, pos };
		e = query(c,
			  "INSERT INTO procedures (code, name, kind, annual_cases, baseline_minutes, review_minutes, position) "
			  "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, "
			  "kind = EXCLUDED.kind, annual_cases = EXCLUDED.annual_cases, "
			  "baseline_minutes = EXCLUDED.baseline_minutes, review_minutes = EXCLUDED.review_minutes, "
			  "position = EXCLUDED.position WHERE (procedures.name, procedures.kind, procedures.annual_cases, "
			  "procedures.baseline_minutes, procedures.review_minutes, procedures.position) IS DISTINCT FROM "
			  "(EXCLUDED.name, EXCLUDED.kind, EXCLUDED.annual_cases, EXCLUDED.baseline_minutes, "
			  "EXCLUDED.review_minutes, EXCLUDED.position)",
			  7, p, PGRES_COMMAND_OK, NULL, "updating the procedures table", m);
		if (e)
			goto rollback;
	}
	e = query(c, "COMMIT", 0, NULL, PGRES_COMMAND_OK, NULL, "updating the procedures table", m);
	goto out;
rollback:
	PQclear(PQexec(c, "ROLLBACK"));
out:
	buf_release(&codes);
	return e;
}

/* The overview's cost totals from the procedure_cost rows, as
 * report_overview_between() sums them: procedures with a baseline. */
static void cost_totals(PGresult *cost, char *cases, char *base, char *pipe, size_t n)
{
	int kc = PQfnumber(cost, "cases"), kb = PQfnumber(cost, "baseline_hours"), kp = PQfnumber(cost, "pipeline_hours");
	long long nc = 0;
	double b = 0, p = 0;
	int any = 0;

	for (int i = 0; i < PQntuples(cost); i++) {
		if (PQgetisnull(cost, i, kb) || !(strtod(PQgetvalue(cost, i, kb), NULL) > 0))
			continue;
		any = 1;
		nc += atoll(PQgetvalue(cost, i, kc));
		b += strtod(PQgetvalue(cost, i, kb), NULL);
		p += strtod(PQgetvalue(cost, i, kp), NULL);
	}
	snprintf(cases, n, "%lld", nc);
	snprintf(base, n, "%.17g", b);
	snprintf(pipe, n, "%.17g", p);
	if (!any)
		base[0] = pipe[0] = '\0';
}

/* Every table (or just `only`; the hourly detail only for csv and json) and
 * the chart data, in one snapshot. procedure_cost is read first: the
 * overview's totals come from it. */
static int has_procedure(const struct report_table *t)
{
	for (int c = 0; c < t->ncols; c++)
		if (!strcmp(t->cols[c].name, "procedure_code"))
			return 1;
	return 0;
}

/* A table's query: with --procedure ($3) only that procedure's rows. */
static enum dp_err table_query(PGconn *c, const struct report *r, const struct table_def *d, const char **p,
			       PGresult **out, struct dp_msg *m)
{
	struct buf sql;
	enum dp_err e;
	const char *pp[3] = { p[0], p[1], r->procedure };
	int n = !strcmp(d->t.name, "overview") ? 5 : 2;

	if (d->proc_param) {
		const char *pv[6] = { p[0], p[1], p[2], p[3], p[4], NULL };
		pv[n] = r->procedure[0] ? r->procedure : NULL;
		return query(c, d->sql, n + 1, pv, PGRES_TUPLES_OK, out, d->t.name, m);
	}
	if (!r->procedure[0] || !has_procedure(&d->t))
		return query(c, d->sql, n, p, PGRES_TUPLES_OK, out, d->t.name, m);
	buf_init(&sql, 0);
	if (buf_printf(&sql, "SELECT * FROM (%s) q WHERE q.procedure_code = $3", d->sql)) {
		buf_release(&sql);
		return dp_fail(m, DP_ERR_NOMEM, "%s: out of memory", d->t.name);
	}
	e = query(c, sql.data, 3, pp, PGRES_TUPLES_OK, out, d->t.name, m);
	buf_release(&sql);
	return e;
}

/* Left out with --procedure: a table that cannot be read for one procedure. */
static int skip_for_procedure(const struct report *r, const struct table_def *d)
{
	return r->procedure[0] && !has_procedure(&d->t) && !d->proc_param;
}

static enum dp_err read_tables(PGconn *c, struct report *r, const char *only, int charts, int detail,
			       struct dp_msg *m)
{
	const char *p[5] = { r->since[0] ? r->since : NULL, r->until[0] ? r->until : NULL, NULL, NULL, NULL };
	PGresult *cost = NULL;
	char cases[32], base[40], pipe[40];
	enum dp_err e;

	e = query(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, PGRES_COMMAND_OK, NULL, "report", m);
	if (e)
		return e;
	/* JIT compilation costs more than it saves on these short queries: once
	 * the planner's estimate passes jit_optimize_above_cost, compiling took
	 * 0.5 s of a 1 s query over bench/report_bench.sh's 100,000 documents */
	e = query(c, "SET LOCAL jit = off", 0, NULL, PGRES_COMMAND_OK, NULL, "report", m);
	if (e)
		goto rollback;
	if (!only || !strcmp(only, "procedure_cost") || !strcmp(only, "overview")) {
		for (size_t i = 0; i < sizeof table_defs / sizeof table_defs[0]; i++)
			if (!strcmp(table_defs[i].t.name, "procedure_cost"))
				e = table_query(c, r, &table_defs[i], p, &cost, m);
		if (e)
			goto rollback;
		cost_totals(cost, cases, base, pipe, sizeof base);
		p[2] = cases;
		p[3] = base[0] ? base : NULL;
		p[4] = pipe[0] ? pipe : NULL;
	}
	for (size_t i = 0; i < sizeof table_defs / sizeof table_defs[0]; i++) {
		const struct table_def *d = &table_defs[i];
		struct report_table *t;
		if (only ? strcmp(only, d->t.name) != 0 : (d->t.text_skip && !detail) || skip_for_procedure(r, d))
			continue;
		t = &r->t[r->nt++];
		*t = d->t;
		if (!strcmp(d->t.name, "procedure_cost")) {
			t->res = cost;
			cost = NULL;
			continue;
		}
		e = table_query(c, r, d, p, &t->res, m);
		if (e)
			goto rollback;
	}
	PQclear(cost);
	cost = NULL;
	if (charts) {
		const char *pc[3] = { p[0], p[1], r->procedure[0] ? r->procedure : NULL };
		e = query(c, chart_time_sql, 3, pc, PGRES_TUPLES_OK, &r->chart_time, "throughput chart", m);
		if (e)
			goto rollback;
	}
	{
		PGresult *res = NULL;
		e = query(c, "SELECT to_char(now(), 'YYYY-MM-DD HH24:MI:SS TZ')", 0, NULL, PGRES_TUPLES_OK, &res, "report", m);
		if (e)
			goto rollback;
		str_copy(r->generated, sizeof r->generated, PQgetvalue(res, 0, 0));
		PQclear(res);
	}
	return query(c, "COMMIT", 0, NULL, PGRES_COMMAND_OK, NULL, "report", m);
rollback:
	PQclear(cost);
	PQclear(PQexec(c, "ROLLBACK"));
	return e;
}

static void report_release(struct report *r)
{
	for (int i = 0; i < r->nt; i++)
		PQclear(r->t[i].res);
	PQclear(r->chart_time);
	r->nt = 0;
	r->chart_time = NULL;
}

/* 1 a table of the report, 0 no such table */
static int known_table(const char *name)
{
	for (size_t i = 0; i < sizeof table_defs / sizeof table_defs[0]; i++)
		if (!strcmp(table_defs[i].t.name, name))
			return 1;
	return 0;
}

enum { OPT_SINCE = 256, OPT_UNTIL, OPT_TABLE, OPT_PROCEDURE, OPT_TZ, OPT_LANG, OPT_EXCEL };

/* user: the strings since, until, format, table, output, procedure, tz, lang,
 * excel ("yes" when given) */
static int report_opt(int val, const char *arg, void *user)
{
	const char ***dst = user;
	int i = val == OPT_SINCE ? 0 : val == OPT_UNTIL ? 1 : val == 'f' ? 2 : val == OPT_TABLE ? 3
		: val == OPT_PROCEDURE ? 5 : val == OPT_TZ ? 6 : val == OPT_LANG ? 7 : val == OPT_EXCEL ? 8 : 4;

	*dst[i] = val == OPT_EXCEL ? "yes" : arg;
	return 0;
}

/* A procedure code as procedures.conf allows it (report_procs.c). */
static int procedure_ok(const char *s)
{
	return s[0] && strlen(s) < 32 && !s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")];
}

/* The session's time zone: --tz, else [report] timezone, else the server's. */
static enum dp_err set_zone(PGconn *c, const char *zone, char *out, size_t n, struct dp_msg *m)
{
	PGresult *r;
	const char *p[1] = { zone };

	if (zone[0]) {
		r = PQexecParams(c, "SELECT set_config('TimeZone', $1, false)", 1, NULL, p, NULL, NULL, 0);
		if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
			PQclear(r);
			return dp_fail(m, DP_ERR_USAGE, "time zone '%s' is not known to the database: use a name such "
							"as Asia/Tokyo or UTC (pg_timezone_names)", zone);
		}
		PQclear(r);
	}
	r = PQexec(c, "SHOW TimeZone");
	if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
		PQclear(r);
		return dp_fail(m, DP_ERR_DB, "reading the time zone: %s", PQerrorMessage(c));
	}
	str_copy(out, n, PQgetvalue(r, 0, 0));
	PQclear(r);
	return DP_OK;
}

int cmd_report(int argc, char **argv)
{
	struct conf c;
	struct dp_msg m;
	struct db *d = NULL;
	struct report r;
	struct report_procs ps = { NULL, 0 };
	struct buf out;
	const char *since = "", *until = "", *format = "text", *only = NULL, *outfile = NULL;
	const char *procedure = "", *tz = NULL, *lang = "en", *excel = "";
	int rc = EXIT_OK, have_catalogue = 0;
	PGconn *pc;

	memset(&r, 0, sizeof r);
	buf_init(&out, REPORT_OUT_MAX);
	static const struct option opts[] = {
		{ "since", required_argument, NULL, OPT_SINCE }, { "until", required_argument, NULL, OPT_UNTIL },
		{ "format", required_argument, NULL, 'f' },	 { "table", required_argument, NULL, OPT_TABLE },
		{ "output", required_argument, NULL, 'o' },	 { "procedure", required_argument, NULL, OPT_PROCEDURE },
		{ "tz", required_argument, NULL, OPT_TZ },	 { "lang", required_argument, NULL, OPT_LANG },
		{ "excel", no_argument, NULL, OPT_EXCEL },	 { NULL, 0, NULL, 0 },
	};
	const char **dst[] = { &since, &until, &format, &only, &outfile, &procedure, &tz, &lang, &excel };
	int first;

	if ((rc = cli_parse("report", argc, argv, opts, report_opt, dst, &c, &first)) != CLI_GO) {
		buf_release(&out);
		return rc;
	}
	rc = EXIT_OK;
	if (first < argc) {
		buf_release(&out);
		return cli_usage_error("report", "unexpected argument '%s'", argv[first]);
	}
	if (strcmp(format, "text") && strcmp(format, "csv") && strcmp(format, "json") && strcmp(format, "html")) {
		fprintf(stderr, "docpipe report: --format is text, csv, json or html, not '%s'\n", format);
		return EXIT_USAGE;
	}
	if (strcmp(lang, "en") && strcmp(lang, "ja"))
		return cli_usage_error("report", "--lang is en or ja, not '%s'", lang);
	if (procedure[0] && !procedure_ok(procedure))
		return cli_usage_error("report", "--procedure '%s' is not a procedure code (letters, digits, - _ .)",
				       procedure);
	if (excel[0] && strcmp(format, "csv"))
		return cli_usage_error("report", "--excel goes with --format csv");
	str_copy(r.procedure, sizeof r.procedure, procedure);
	r.excel = excel[0] != '\0';
	if (only && (!known_table(only) || !strcmp(format, "html")))
		return cli_usage_error("report", "%s",
				       !strcmp(format, "html") ? "--table goes with text, csv or json (html shows every table)"
							       : "--table names one of the tables below");

	/* the catalogue: a missing file leaves the database's copy as it is */
	if (c.procedures[0] && access(c.procedures, F_OK) == 0) {
		if (report_procs_load(&ps, c.procedures, &m)) {
			fprintf(stderr, "docpipe report: %s\n", m.text);
			return EXIT_USAGE;
		}
		have_catalogue = 1;
		str_copy(r.catalogue, sizeof r.catalogue, c.procedures);
	} else {
		log_warn("procedure catalogue '%s' not found: using the copy in the database (set [models] procedures)",
			 c.procedures);
		str_copy(r.catalogue, sizeof r.catalogue, "(the copy in the database)");
	}

	if (db_open(&d, c.conninfo, 5, &m)) {
		fprintf(stderr, "docpipe report: %s\n", m.text);
		rc = EXIT_FAILURE_RT;
		goto out;
	}
	pc = db_conn(d);
	enum dp_err ze = set_zone(pc, tz ? tz : c.report_timezone, r.tz, sizeof r.tz, &m);
	if (ze) {
		fprintf(stderr, "docpipe report: %s\n", m.text);
		rc = ze == DP_ERR_USAGE ? EXIT_USAGE : EXIT_FAILURE_RT;
		goto out;
	}
	if (resolve_time(pc, "--since", since, 0, r.since, sizeof r.since, &m) ||
	    resolve_time(pc, "--until", until, 1, r.until, sizeof r.until, &m)) {
		fprintf(stderr, "docpipe report: %s\n", m.text);
		rc = EXIT_USAGE;
		goto out;
	}
	if (r.since[0] && r.until[0]) {
		const char *p[2] = { r.since, r.until };
		PGresult *res = PQexecParams(pc, "SELECT $1::timestamptz < $2::timestamptz", 2, NULL, p, NULL, NULL, 0);
		int before = res && PQresultStatus(res) == PGRES_TUPLES_OK && !strcmp(PQgetvalue(res, 0, 0), "t");
		PQclear(res);
		if (!before) {
			fprintf(stderr, "docpipe report: --since '%s' is not before --until '%s'\n", since, until);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	if (become_analyst(pc, r.role, sizeof r.role, &m) ||
	    (have_catalogue && sync_catalogue(pc, &ps, &m)) ||
	    read_tables(pc, &r, only, !strcmp(format, "html"), !strcmp(format, "csv") || !strcmp(format, "json"), &m)) {
		fprintf(stderr, "docpipe report: %s\n", m.text);
		rc = EXIT_FAILURE_RT;
		goto out;
	}
	if (!strcmp(lang, "ja"))
		report_ja_apply(&r);
	int w = !strcmp(format, "text") ? report_text(&r, only, &out)
		: !strcmp(format, "csv") ? report_csv(&r, only, &out)
		: !strcmp(format, "json") ? report_json(&r, only, &out)
					  : report_html(&r, &out);
	if (w) {
		fprintf(stderr, "docpipe report: the report is larger than %zu MiB: use --since/--until\n",
			REPORT_OUT_MAX >> 20);
		rc = EXIT_FAILURE_RT;
		goto out;
	}
	if (outfile) {
		if (file_write(outfile, out.data ? out.data : "", out.len, &m)) {
			fprintf(stderr, "docpipe report: %s\n", m.text);
			rc = EXIT_FAILURE_RT;
			goto out;
		}
		log_info("report written to '%s' (%s, %zu bytes)", outfile, format, out.len);
	} else if (out.len && fwrite(out.data, 1, out.len, stdout) != out.len) {
		fprintf(stderr, "docpipe report: cannot write the report to standard output\n");
		rc = EXIT_FAILURE_RT;
	}
out:
	report_release(&r);
	report_procs_release(&ps);
	buf_release(&out);
	db_close(&d);
	return rc;
}
