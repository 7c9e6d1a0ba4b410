/* report_out.c: writing the report's tables (see report.h).
 *
 *   text  aligned tables for a terminal: numbers right-aligned with fixed
 *         decimals, Japanese counted as two columns, long text cut with '…';
 *         columns marked RC_WIDE and the hourly table are left out
 *   csv   RFC 4180; every table as a section (a row with its name, the header
 *         row, the rows, an empty row), or one plain table with --table.
 *         A cell that a spreadsheet could take for a formula (it begins with
 *         = + - @, a tab or a carriage return: OWASP's CSV injection list)
 *         gets a leading ' unless it is a number in a numeric column
 *         (csv_cell); docs/ANALYSTS.md states the rule
 *   json  {"since", "until", "generated", "role", "procedures_conf",
 *          "tables": {NAME: [{column: value}]}}; numbers as numbers, NULL as null
 *   html  one file, no external references: the charts of report_svg.c and
 *         every table with every column */
#include "report.h"


#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/json.h"

#define TEXT_COL_MAX 32          /* display columns a text cell may take */

const struct report_table *report_find(const struct report *r, const char *name)
{
	for (int i = 0; i < r->nt; i++)
		if (!strcmp(r->t[i].name, name))
			return &r->t[i];
	return NULL;
}

int report_colidx(const struct report_table *t, int c)
{
	return t->res ? PQfnumber(t->res, t->cols[c].name) : -1;
}

void report_cell(const struct report_table *t, int row, int col, char *out, size_t n)
{
	int k = report_colidx(t, col);
	const char *v;

	if (k < 0 || row >= PQntuples(t->res) || PQgetisnull(t->res, row, k)) {
		str_copy(out, n, "-");
		return;
	}
	v = PQgetvalue(t->res, row, k);
	if (t->cols[col].decimals == RC_TEXT) {
		str_copy(out, n, v);
		return;
	}
	double x = strtod(v, NULL);
	if (!isfinite(x))
		str_copy(out, n, v);
	else
		snprintf(out, n, "%.*f", t->cols[col].decimals, x);
	if (!strcmp(out, "-0") || !strcmp(out, "-0.0") || !strcmp(out, "-0.00") || !strcmp(out, "-0.000"))
		memmove(out, out + 1, strlen(out));
}

int report_xml(struct buf *b, const char *s)
{
	int r = 0;

	for (; s && *s && r == 0; s++) {
		switch (*s) {
		case '&': r = buf_addstr(b, "&amp;"); break;
		case '<': r = buf_addstr(b, "&lt;"); break;
		case '>': r = buf_addstr(b, "&gt;"); break;
		case '"': r = buf_addstr(b, "&quot;"); break;
		case '\'': r = buf_addstr(b, "&#39;"); break;
		default: r = buf_add(b, s, 1);
		}
	}
	return r;
}

/* ---- display width of UTF-8 text in a terminal ---- */

/* Decode one UTF-8 sequence; returns its length (1 for a stray byte). */
static int utf8_next(const char *s, unsigned *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	int n = u[0] < 0x80 ? 1 : (u[0] >> 5) == 6 ? 2 : (u[0] >> 4) == 14 ? 3 : (u[0] >> 3) == 30 ? 4 : 1;

	*cp = n == 1 ? u[0] : n == 2 ? (u[0] & 0x1fu) : n == 3 ? (u[0] & 0x0fu) : (u[0] & 0x07u);
	for (int i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80) {
			*cp = u[0];
			return 1;
		}
		*cp = (*cp << 6) | (u[i] & 0x3fu);
	}
	return n;
}

static int cp_width(unsigned c)
{
	if (c == 0 || (c >= 0x300 && c <= 0x36f) || c == 0x200b || (c >= 0xfe00 && c <= 0xfe0f))
		return 0;
	if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf && c != 0x303f) ||
	    (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) ||
	    (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1faff) ||
	    (c >= 0x20000 && c <= 0x3fffd))
		return 2;
	return 1;
}

static int text_width(const char *s)
{
	int w = 0;
	unsigned cp;

	while (*s) {
		s += utf8_next(s, &cp);
		w += cp_width(cp);
	}
	return w;
}

void report_cut(const char *s, int max, char *out, size_t n)
{
	int w = 0;
	size_t o = 0;
	unsigned cp;

	if (text_width(s) <= max) {
		str_copy(out, n, s);
		return;
	}
	while (*s) {
		int len = utf8_next(s, &cp), cw = cp_width(cp);
		if (w + cw > max - 1 || o + (size_t)len + 4 > n)
			break;
		memcpy(out + o, s, (size_t)len);
		o += (size_t)len;
		w += cw;
		s += len;
	}
	memcpy(out + o, "\xe2\x80\xa6", 3);     /* … */
	out[o + 3] = '\0';
}

static int pad(struct buf *b, int n)
{
	int r = 0;
	while (n-- > 0 && r == 0)
		r = buf_add(b, " ", 1);
	return r;
}

/* ---- text ---- */

static int text_table(const struct report_table *t, struct buf *b)
{
	int rows = PQntuples(t->res), r = 0;
	int width[32] = { 0 }, show[32] = { 0 };
	char cell[512];

	r |= buf_printf(b, "\n%s\n", t->title);
	if (t->note)
		r |= buf_printf(b, "(%s)\n", t->note);
	if (t->vertical) {
		int hw = 0;
		for (int c = 0; c < t->ncols; c++)
			if (text_width(t->cols[c].header) > hw)
				hw = text_width(t->cols[c].header);
		for (int c = 0; c < t->ncols && rows > 0; c++) {
			report_cell(t, 0, c, cell, sizeof cell);
			r |= buf_printf(b, "  %s", t->cols[c].header);
			r |= pad(b, hw - text_width(t->cols[c].header) + 2);
			r |= buf_printf(b, "%s\n", cell);
		}
		return r;
	}
	if (rows == 0)
		return r | buf_addstr(b, "  (nothing in this period)\n");
	for (int c = 0; c < t->ncols && c < 32; c++) {
		if (t->cols[c].flags & RC_WIDE)
			continue;
		show[c] = 1;
		width[c] = text_width(t->cols[c].header);
		for (int i = 0; i < rows; i++) {
			char cut[512];
			report_cell(t, i, c, cell, sizeof cell);
			report_cut(cell, TEXT_COL_MAX, cut, sizeof cut);
			if (text_width(cut) > width[c])
				width[c] = text_width(cut);
		}
	}
	for (int line = -2; line < rows && r == 0; line++) {
		int first = 1;
		for (int c = 0; c < t->ncols && c < 32; c++) {
			int right = t->cols[c].decimals != RC_TEXT;
			char cut[512];
			if (!show[c])
				continue;
			if (line == -2)
				str_copy(cut, sizeof cut, t->cols[c].header);
			else if (line == -1) {
				int k = width[c] < (int)sizeof cut - 1 ? width[c] : (int)sizeof cut - 1;
				memset(cut, '-', (size_t)k);
				cut[k] = '\0';
			} else {
				report_cell(t, line, c, cell, sizeof cell);
				report_cut(cell, TEXT_COL_MAX, cut, sizeof cut);
			}
			if (!first)
				r |= buf_addstr(b, "  ");
			first = 0;
			if (right)
				r |= pad(b, width[c] - text_width(cut));
			r |= buf_addstr(b, cut);
			if (!right)
				r |= pad(b, width[c] - text_width(cut));
		}
		/* no trailing spaces */
		while (b->len && b->data[b->len - 1] == ' ')
			b->data[--b->len] = '\0';
		r |= buf_addstr(b, "\n");
	}
	return r;
}

static int period_line(const struct report *r, struct buf *b, const char *sep)
{
	if (!r->since[0] && !r->until[0])
		return buf_addstr(b, r->ja ? "全期間" : "all time");
	return buf_printf(b, "%s%s%s", r->since[0] ? r->since : r->ja ? "最初" : "the start", sep,
			  r->until[0] ? r->until : r->ja ? "現在" : "now");
}

int report_text(const struct report *r, const char *only, struct buf *out)
{
	int e = 0;

	if (!only && r->ja) {
		e |= buf_addstr(out, "docpipe 処理実績報告\n期間:       ");
		e |= period_line(r, out, " ～ ");
		e |= buf_addstr(out, "  (書類は取込日時、工程は終了日時で集計)\n");
		e |= buf_printf(out, "作成:       %s (%s)\n手続一覧:   %s\n", r->generated, r->role, r->catalogue);
	} else if (!only) {
		e |= buf_addstr(out, "docpipe report\nperiod:     ");
		e |= period_line(r, out, " to ");
		e |= buf_addstr(out, "  (documents by loaded_at, stage runs by finished_at)\n");
		e |= buf_printf(out, "generated:  %s as %s\nprocedures: %s\n", r->generated, r->role, r->catalogue);
	}
	if (!only && r->procedure[0])
		e |= buf_printf(out, "%s%s\n", r->ja ? "手続:       " : "procedure:  ", r->procedure);
	for (int i = 0; i < r->nt; i++)
		if (!r->t[i].text_skip || only)
			e |= text_table(&r->t[i], out);
	if (!only)
		e |= buf_addstr(out, "\nhourly throughput and every column: docpipe report --format csv|json|html, "
				     "or --table throughput_hourly\n");
	return e ? -1 : 0;
}

/* ---- csv ---- */

/* A number as PostgreSQL prints integers, numerics and floats:
 * -?digits[.digits][e[+-]digits] */
static int csv_is_number(const char *s)
{
	const char *p = s + (*s == '-');
	size_t n = strspn(p, "0123456789");

	if (!n)
		return 0;
	p += n;
	if (*p == '.')
		p += 1 + strspn(p + 1, "0123456789");
	if (*p == 'e') {
		p += 1 + (p[1] == '+' || p[1] == '-');
		n = strspn(p, "0123456789");
		if (!n)
			return 0;
		p += n;
	}
	return *p == '\0';
}

/* One cell. numeric: the value comes from a numeric column, so a number
 * (-12.5) stays a number; anything else beginning with a character that
 * makes Excel or LibreOffice read a formula is written with a ' before it,
 * which they show as text (a procedure called "=HYPERLINK(...)" or "-1+1"). */
static int csv_cell(struct buf *b, const char *s, int numeric)
{
	int r = 0;
	int defuse = s[0] && strchr("=+-@\t\r", s[0]) && !(numeric && csv_is_number(s));

	if (!defuse && !strpbrk(s, ",\"\r\n"))
		return buf_addstr(b, s);
	r |= buf_add(b, "\"", 1);
	if (defuse)
		r |= buf_add(b, "'", 1);
	for (; *s; s++)
		r |= *s == '"' ? buf_addstr(b, "\"\"") : buf_add(b, s, 1);
	return r | buf_add(b, "\"", 1);
}

static int csv_field(struct buf *b, const char *s)
{
	return csv_cell(b, s, 0);
}

/* labels: the Japanese headings (--lang ja) instead of the column names.
 * Numbers are written with the column's places (percentages one, counts
 * none), as text and html show them: the csv is for people (json keeps the
 * database's figures). */
static int csv_table(const struct report_table *t, int labels, struct buf *b)
{
	int r = 0;
	char cell[512];

	for (int c = 0; c < t->ncols; c++) {
		if (c)
			r |= buf_add(b, ",", 1);
		r |= csv_field(b, labels ? t->cols[c].header : t->cols[c].name);
	}
	r |= buf_addstr(b, "\r\n");
	for (int i = 0; i < PQntuples(t->res) && r == 0; i++) {
		for (int c = 0; c < t->ncols; c++) {
			int k = report_colidx(t, c);
			if (c)
				r |= buf_add(b, ",", 1);
			if (k < 0 || PQgetisnull(t->res, i, k))
				continue;
			if (t->cols[c].decimals != RC_TEXT && csv_is_number(PQgetvalue(t->res, i, k))) {
				report_cell(t, i, c, cell, sizeof cell);
				r |= csv_cell(b, cell, 1);
			} else
				r |= csv_cell(b, PQgetvalue(t->res, i, k), t->cols[c].decimals != RC_TEXT);
		}
		r |= buf_addstr(b, "\r\n");
	}
	return r;
}

int report_csv(const struct report *r, const char *only, struct buf *out)
{
	int e = 0;

	if (r->excel)            /* UTF-8 BOM: Excel then reads the file as UTF-8, not Shift_JIS */
		e |= buf_addstr(out, "\xef\xbb\xbf");
	if (only) {
		const struct report_table *t = report_find(r, only);
		return t && e == 0 && csv_table(t, r->ja, out) == 0 ? 0 : -1;
	}
	e |= buf_addstr(out, "report\r\nsince,until,generated,role,procedures\r\n");
	e |= csv_field(out, r->since);
	e |= buf_add(out, ",", 1);
	e |= csv_field(out, r->until);
	e |= buf_add(out, ",", 1);
	e |= csv_field(out, r->generated);
	e |= buf_add(out, ",", 1);
	e |= csv_field(out, r->role);
	e |= buf_add(out, ",", 1);
	e |= csv_field(out, r->catalogue);
	e |= buf_addstr(out, "\r\n\r\n");
	for (int i = 0; i < r->nt && e == 0; i++) {
		e |= buf_printf(out, "%s\r\n", r->t[i].name);
		e |= csv_table(&r->t[i], r->ja, out);
		e |= buf_addstr(out, "\r\n");
	}
	return e ? -1 : 0;
}

/* ---- json ---- */

static int json_value(struct buf *b, PGresult *res, int row, int k)
{
	const char *v = PQgetvalue(res, row, k);

	if (PQgetisnull(res, row, k))
		return buf_addstr(b, "null");
	switch (PQftype(res, k)) {
	case 16:                                   /* bool */
		return buf_addstr(b, *v == 't' ? "true" : "false");
	case 20: case 21: case 23:                 /* int8, int2, int4 */
		return buf_addstr(b, v);
	case 700: case 701: case 1700: {           /* float4, float8, numeric */
		double x = strtod(v, NULL);
		return isfinite(x) ? buf_addstr(b, v) : buf_addstr(b, "null");
	}
	default:
		return json_str(b, v);
	}
}

static int json_table(const struct report_table *t, struct buf *b)
{
	int r = buf_add(b, "[", 1);

	for (int i = 0; i < PQntuples(t->res) && r == 0; i++) {
		r |= buf_addstr(b, i ? ",\n    {" : "\n    {");
		for (int c = 0; c < t->ncols; c++) {
			int k = report_colidx(t, c);
			r |= buf_printf(b, "%s\"%s\": ", c ? ", " : "", t->cols[c].name);
			r |= k >= 0 ? json_value(b, t->res, i, k) : buf_addstr(b, "null");
		}
		r |= buf_add(b, "}", 1);
	}
	return r | buf_addstr(b, PQntuples(t->res) ? "\n  ]" : "]");
}

static int json_opt(struct buf *b, const char *s)
{
	return s[0] ? json_str(b, s) : buf_addstr(b, "null");
}

int report_json(const struct report *r, const char *only, struct buf *out)
{
	int e = 0;

	e |= buf_addstr(out, "{\"since\": ");
	e |= json_opt(out, r->since);
	e |= buf_addstr(out, ", \"until\": ");
	e |= json_opt(out, r->until);
	e |= buf_addstr(out, ", \"generated\": ");
	e |= json_str(out, r->generated);
	e |= buf_addstr(out, ", \"role\": ");
	e |= json_str(out, r->role);
	e |= buf_addstr(out, ", \"procedures_conf\": ");
	e |= json_str(out, r->catalogue);
	e |= buf_addstr(out, ", \"procedure\": ");
	e |= json_opt(out, r->procedure);
	e |= buf_addstr(out, ", \"timezone\": ");
	e |= json_opt(out, r->tz);
	e |= buf_addstr(out, ",\n \"tables\": {");
	for (int i = 0, n = 0; i < r->nt && e == 0; i++) {
		if (only && strcmp(only, r->t[i].name))
			continue;
		e |= buf_printf(out, "%s\n  \"%s\": ", n++ ? "," : "", r->t[i].name);
		e |= json_table(&r->t[i], out);
	}
	e |= buf_addstr(out, "\n}}\n");
	return e ? -1 : 0;
}

/* ---- html ---- */

static const char html_style[] =
	"body{font-family:system-ui,-apple-system,'Segoe UI','Hiragino Sans','Noto Sans CJK JP',sans-serif;"
	"margin:2em auto;max-width:1200px;padding:0 1em;color:#222}"
	"h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}"
	"p.note{color:#555;font-size:.9em;margin:.2em 0 .6em}"
	"table{border-collapse:collapse;font-size:.85em;margin-bottom:1em}"
	"th,td{border:1px solid #ddd;padding:.25em .5em}th{background:#f3f3f3;text-align:left}"
	"td.n{text-align:right;font-variant-numeric:tabular-nums}"
	"figure{margin:1em 0}figcaption{font-weight:bold;margin-bottom:.3em}"
	"svg text{font-family:inherit}";

static int html_table(const struct report_table *t, int ja, struct buf *b)
{
	int rows = PQntuples(t->res), r = 0;
	char cell[512];

	r |= buf_printf(b, "<h2 id=\"%s\">", t->name);
	r |= report_xml(b, t->title);
	r |= buf_addstr(b, "</h2>\n");
	if (t->note) {
		r |= buf_addstr(b, "<p class=\"note\">");
		r |= report_xml(b, t->note);
		r |= buf_addstr(b, "</p>\n");
	}
	if (t->vertical) {
		r |= buf_addstr(b, "<table>\n");
		for (int c = 0; c < t->ncols && rows > 0; c++) {
			report_cell(t, 0, c, cell, sizeof cell);
			r |= buf_addstr(b, "<tr><th>");
			r |= report_xml(b, t->cols[c].header);
			r |= buf_printf(b, "</th><td%s>", t->cols[c].decimals == RC_TEXT ? "" : " class=\"n\"");
			r |= report_xml(b, cell);
			r |= buf_addstr(b, "</td></tr>\n");
		}
		return r | buf_addstr(b, "</table>\n");
	}
	if (rows == 0)
		return r | buf_addstr(b, ja ? "<p>この期間にはありません。</p>\n" : "<p>Nothing in this period.</p>\n");
	r |= buf_addstr(b, "<table>\n<tr>");
	for (int c = 0; c < t->ncols; c++) {
		r |= buf_addstr(b, "<th>");
		r |= report_xml(b, t->cols[c].header);
		r |= buf_addstr(b, "</th>");
	}
	r |= buf_addstr(b, "</tr>\n");
	for (int i = 0; i < rows && r == 0; i++) {
		r |= buf_addstr(b, "<tr>");
		for (int c = 0; c < t->ncols; c++) {
			report_cell(t, i, c, cell, sizeof cell);
			r |= buf_printf(b, "<td%s>", t->cols[c].decimals == RC_TEXT ? "" : " class=\"n\"");
			r |= report_xml(b, cell);
			r |= buf_addstr(b, "</td>");
		}
		r |= buf_addstr(b, "</tr>\n");
	}
	return r | buf_addstr(b, "</table>\n");
}

static int html_figure(struct buf *b, const char *id, const char *caption, const char *note,
		       int (*draw)(const struct report *, struct buf *), const struct report *r)
{
	int e = 0;

	e |= buf_printf(b, "<figure id=\"%s\">\n<figcaption>", id);
	e |= report_xml(b, caption);
	e |= buf_addstr(b, "</figcaption>\n");
	if (note) {
		e |= buf_addstr(b, "<p class=\"note\">");
		e |= report_xml(b, note);
		e |= buf_addstr(b, "</p>\n");
	}
	e |= draw(r, b);
	return e | buf_addstr(b, "\n</figure>\n");
}

int report_html(const struct report *r, struct buf *out)
{
	/* the page's own words; the tables' headings come from report_ja.c */
	const int ja = r->ja;
	int e = 0;

	e |= buf_printf(out, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
			     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>%s",
			ja ? "ja" : "en", ja ? "docpipe 処理実績報告: " : "docpipe report: ");
	e |= period_line(r, out, ja ? " ～ " : " to ");
	e |= buf_printf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>%s</h1>\n",
			html_style, ja ? "docpipe 処理実績報告" : "docpipe report");
	if (r->procedure[0])
		e |= buf_printf(out, "<p>%s%s</p>\n", ja ? "手続: " : "Procedure: ", r->procedure);
	e |= buf_addstr(out, ja ? "<p>期間: " : "<p>Period: ");
	e |= period_line(r, out, ja ? " ～ " : " to ");
	e |= buf_addstr(out, ja ? " (書類は取込日時、工程は終了日時で集計)。<br>作成: "
				: " (documents by the time they were loaded, stage runs by the time they finished).<br>"
				  "Generated ");
	e |= report_xml(out, r->generated);
	e |= buf_addstr(out, ja ? " (" : " as ");
	e |= report_xml(out, r->role);
	e |= buf_addstr(out, ja ? ")、手続一覧: " : "; procedure catalogue: ");
	e |= report_xml(out, r->catalogue);
	e |= buf_addstr(out, ja ? "。</p>\n" : ".</p>\n");
	if (report_find(r, "overview"))
		e |= html_table(report_find(r, "overview"), ja, out);
	e |= buf_addstr(out, ja ? "<h2>グラフ</h2>\n" : "<h2>Charts</h2>\n");
	e |= html_figure(out, "chart-throughput", ja ? "処理件数の推移" : "Throughput over time",
			 ja ? "期間ごとの取込件数 (種類別)" : "documents loaded per period, by kind", report_svg_throughput,
			 r);
	e |= html_figure(out, "chart-latency", ja ? "工程ごとの待ち時間と処理時間" : "Stage latency",
			 ja ? "工程ごと: 待ち時間と処理時間。濃い棒は中央値、薄い棒は 95 パーセンタイル、目盛りは 99 パーセンタイル"
			    : "per stage: queue wait and service time; bar to p50, lighter bar to p95, tick at p99",
			 report_svg_latency, r);
	e |= html_figure(out, "chart-reduction", ja ? "手続ごとの削減時間" : "Reduction per procedure",
			 ja ? "手続ごと (期間内に件数のあるもの): 手作業の時間と docpipe での時間"
			    : "hours by hand (baseline) against hours with docpipe, per procedure with cases in the period",
			 report_svg_reduction, r);
	for (int i = 0; i < r->nt && e == 0; i++)
		if (strcmp(r->t[i].name, "overview") && strcmp(r->t[i].name, "throughput_hourly"))
			e |= html_table(&r->t[i], ja, out);
	e |= buf_addstr(out, ja ? "<p class=\"note\">時間ごとの処理件数: docpipe report --format csv または json。"
				  "数値の求め方: docs/ANALYSTS.md。</p>\n</body>\n</html>\n"
				: "<p class=\"note\">Hourly throughput: docpipe report --format csv or json. "
				  "How the figures are computed: docs/ANALYSTS.md.</p>\n</body>\n</html>\n");
	return e ? -1 : 0;
}
