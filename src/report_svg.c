/* report_svg.c: the three charts of the html report, drawn as inline <svg>
 * (no scripts, no fonts, no external references; see report.h):
 *
 *   throughput  stacked bars of documents per hour, day or week, by kind
 *               (from report.chart_time: unit, label, scan, audio, other)
 *   latency     per stage two horizontal bars, queue wait and service time:
 *               solid to p50, lighter to p95, a tick at p99 (stage_latency)
 *   reduction   per procedure with cases, hours by hand against hours with
 *               docpipe, and the reduction in percent (procedure_cost)
 *
 * Every bar carries a <title>, so a browser shows its numbers on hover. */
#include "report.h"

/* the chart's words in the report's language (--lang ja) */
#define TR(r, en_, ja_) ((r)->ja ? (ja_) : (en_))

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define W 900

/* A step of 1, 2 or 5 times a power of ten near v / 5, and the axis maximum. */
static double axis(double max, double min_step, double *step)
{
	double raw = max > 0 ? max / 5 : 1, p = pow(10, floor(log10(raw))), f = raw / p;

	*step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
	if (*step < min_step)
		*step = min_step;
	return ceil(max / *step - 1e-9) * *step > 0 ? ceil(max / *step - 1e-9) * *step : *step;
}

static void fmt(char *out, size_t n, double v)
{
	if (fabs(v) >= 100 || v == floor(v))
		snprintf(out, n, "%.0f", v);
	else if (fabs(v) >= 10)
		snprintf(out, n, "%.1f", v);
	else
		snprintf(out, n, "%.2f", v);
}

/* The value of a named column (0 when NULL or absent). */
static double num(PGresult *res, int row, const char *col)
{
	int k = PQfnumber(res, col);
	return k < 0 || PQgetisnull(res, row, k) ? 0 : strtod(PQgetvalue(res, row, k), NULL);
}

static const char *str(PGresult *res, int row, const char *col)
{
	int k = PQfnumber(res, col);
	return k < 0 || PQgetisnull(res, row, k) ? "" : PQgetvalue(res, row, k);
}

static int svg_open(struct buf *b, const char *id, int h, const char *label)
{
	int e = buf_printf(b, "<svg id=\"%s\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"",
			   id, W, h, W, h);
	e |= report_xml(b, label);
	return e | buf_addstr(b, "\" style=\"max-width:100%;height:auto;font-size:12px\">\n"
				 "<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n");
}

static int svg_empty(struct buf *b, const char *id, const char *what)
{
	int e = svg_open(b, id, 60, what);
	e |= buf_addstr(b, "<text x=\"20\" y=\"35\" fill=\"#555\">");
	e |= report_xml(b, what);
	return e | buf_addstr(b, "</text>\n</svg>");
}

static int legend(struct buf *b, int x, int y, const char *color, const char *label)
{
	int e = buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
			      "<text x=\"%d\" y=\"%d\">", x, y - 10, color, x + 16, y);
	e |= report_xml(b, label);
	return e | buf_addstr(b, "</text>\n");
}

/* ---- throughput over time ---- */

int report_svg_throughput(const struct report *r, struct buf *b)
{
	static const char *const colors[3] = { "#4e79a7", "#f28e2b", "#bab0ac" };
	static const char *const kinds_en[3] = { "scans", "recordings", "other" };
	static const char *const kinds_ja[3] = { "スキャン", "録音", "その他" };
	const char *const *kinds = r->ja ? kinds_ja : kinds_en;
	PGresult *res = r->chart_time;
	int n = res ? PQntuples(res) : 0, e = 0;
	const int h = 330, ml = 60, mr = 20, mt = 40, mb = 46, pw = W - ml - mr, ph = h - mt - mb;
	double max = 0, step, ymax;
	char a[32];

	if (n == 0)
		return svg_empty(b, "svg-throughput", TR(r, "no documents in this period", "この期間の書類はありません"));
	for (int i = 0; i < n; i++) {
		double t = strtod(PQgetvalue(res, i, 2), NULL) + strtod(PQgetvalue(res, i, 3), NULL) +
			   strtod(PQgetvalue(res, i, 4), NULL);
		if (t > max)
			max = t;
	}
	ymax = axis(max, 1, &step);
	e |= svg_open(b, "svg-throughput", h, TR(r, "documents loaded over time", "取込件数の推移"));
	if (r->ja)
		e |= buf_printf(b, "<text x=\"%d\" y=\"16\" font-weight=\"bold\">%s ごとの書類数</text>\n", ml,
				!strcmp(PQgetvalue(res, 0, 0), "hour") ? "時間" : "日");
	else
		e |= buf_printf(b, "<text x=\"%d\" y=\"16\" font-weight=\"bold\">documents per %s</text>\n", ml,
				PQgetvalue(res, 0, 0));
	for (int k = 0; k < 3; k++)
		e |= legend(b, W - mr - 300 + k * 100, 18, colors[k], kinds[k]);
	for (double v = 0; v <= ymax + step / 2; v += step) {
		double y = mt + ph - v / ymax * ph;
		fmt(a, sizeof a, v);
		e |= buf_printf(b, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e3e3\"/>"
				   "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#555\">%s</text>\n",
				ml, ml + pw, y, y, ml - 6, y + 4, a);
	}
	double bw = (double)pw / n, gap = bw > 4 ? bw * 0.15 : 0;
	int every = (n + 9) / 10;
	for (int i = 0; i < n && e == 0; i++) {
		double x = ml + i * bw, y = mt + ph;
		double v[3] = { strtod(PQgetvalue(res, i, 2), NULL), strtod(PQgetvalue(res, i, 3), NULL),
				strtod(PQgetvalue(res, i, 4), NULL) };
		e |= buf_addstr(b, "<g class=\"bar\">");
		for (int k = 0; k < 3; k++) {
			double hh = v[k] / ymax * ph;
			if (v[k] <= 0)
				continue;
			y -= hh;
			e |= buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>",
					x + gap / 2, y, bw - gap > 0.5 ? bw - gap : 0.5, hh, colors[k]);
			e |= report_xml(b, PQgetvalue(res, i, 1));
			e |= buf_printf(b, ": %.0f %s</title></rect>", v[k], kinds[k]);
		}
		e |= buf_addstr(b, "</g>\n");
		/* a label centred on its bar, none cut by the right edge */
		if (i % every == 0 && (x + bw / 2 < W - mr - 40 || n == 1)) {
			e |= buf_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">", x + bw / 2,
					mt + ph + 18);
			e |= report_xml(b, PQgetvalue(res, i, 1));
			e |= buf_addstr(b, "</text>\n");
		}
	}
	e |= buf_printf(b, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#555\"/>\n", ml, ml + pw, mt + ph,
			mt + ph);
	return e | buf_addstr(b, "</svg>");
}

/* ---- stage latency ---- */

int report_svg_latency(const struct report *r, struct buf *b)
{
	static const char *const what[2] = { "wait", "service" };
	static const char *const solid[2] = { "#f28e2b", "#4e79a7" };
	static const char *const light[2] = { "#fbd3ad", "#b7c9de" };
	const struct report_table *t = report_find(r, "stage_latency");
	int n = t ? PQntuples(t->res) : 0, e = 0;
	const int ml = 100, mr = 300, mt = 40, row = 44, bh = 14, pw = W - ml - mr;
	double max = 0, step, xmax;
	char a[32], p50[32], p95[32], p99[32];

	if (n == 0)
		return svg_empty(b, "svg-latency", TR(r, "no stage runs in this period", "この期間の工程の実行はありません"));
	for (int i = 0; i < n; i++)
		for (int k = 0; k < 2; k++) {
			char col[32];
			snprintf(col, sizeof col, "%s_p99_ms", what[k]);
			if (num(t->res, i, col) > max)
				max = num(t->res, i, col);
		}
	xmax = axis(max, 0, &step);
	int h = mt + n * row + 40;
	e |= svg_open(b, "svg-latency", h, TR(r, "queue wait and service time per stage", "工程ごとの待ち時間と処理時間"));
	e |= buf_printf(b, "<text x=\"%d\" y=\"16\" font-weight=\"bold\">%s</text>\n", ml,
			TR(r, "milliseconds per document", "書類 1 件あたりのミリ秒"));
	e |= legend(b, W - mr, 18, solid[0], TR(r, "queue wait", "待ち時間"));
	e |= legend(b, W - mr + 110, 18, solid[1], TR(r, "service time", "処理時間"));
	for (double v = 0; v <= xmax + step / 2; v += step) {
		double x = ml + v / xmax * pw;
		fmt(a, sizeof a, v);
		e |= buf_printf(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#e3e3e3\"/>"
				   "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%s</text>\n",
				x, x, mt - 4, mt + n * row, x, mt + n * row + 16, a);
	}
	for (int i = 0; i < n && e == 0; i++) {
		int y0 = mt + i * row + 6;
		e |= buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", ml - 8, y0 + bh + 4);
		e |= report_xml(b, str(t->res, i, "stage"));
		e |= buf_addstr(b, "</text>\n");
		for (int k = 0; k < 2; k++) {
			char col[32];
			double v[3];
			int y = y0 + k * (bh + 2);
			snprintf(col, sizeof col, "%s_p50_ms", what[k]);
			v[0] = num(t->res, i, col);
			snprintf(col, sizeof col, "%s_p95_ms", what[k]);
			v[1] = num(t->res, i, col);
			snprintf(col, sizeof col, "%s_p99_ms", what[k]);
			v[2] = num(t->res, i, col);
			fmt(p50, sizeof p50, v[0]);
			fmt(p95, sizeof p95, v[1]);
			fmt(p99, sizeof p99, v[2]);
			e |= buf_addstr(b, "<g class=\"bar\"><title>");
			e |= report_xml(b, str(t->res, i, "stage"));
			e |= buf_printf(b, " %s: p50 %s ms, p95 %s ms, p99 %s ms</title>", what[k], p50, p95, p99);
			e |= buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>", ml, y,
					v[1] / xmax * pw, bh, light[k]);
			e |= buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>", ml, y,
					v[0] / xmax * pw, bh, solid[k]);
			e |= buf_printf(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#333\"/></g>",
					ml + v[2] / xmax * pw, ml + v[2] / xmax * pw, y - 1, y + bh + 1);
			e |= buf_printf(b, "<text x=\"%d\" y=\"%d\" fill=\"#333\">%s p50 %s · p95 %s · p99 %s</text>\n",
					W - mr + 8, y + bh - 3, what[k], p50, p95, p99);
		}
	}
	return e | buf_addstr(b, "</svg>");
}

/* ---- reduction per procedure ---- */

int report_svg_reduction(const struct report *r, struct buf *b)
{
	const struct report_table *t = report_find(r, "procedure_cost");
	int n = 0, e = 0, rows = t ? PQntuples(t->res) : 0;
	const int ml = 230, mr = 190, mt = 40, row = 44, bh = 14, pw = W - ml - mr;
	double max = 0, step, xmax;
	char a[32], label[300], cut[300];

	for (int i = 0; i < rows; i++) {
		if (num(t->res, i, "cases") <= 0 || PQgetisnull(t->res, i, PQfnumber(t->res, "baseline_hours")))
			continue;
		n++;
		if (num(t->res, i, "baseline_hours") > max)
			max = num(t->res, i, "baseline_hours");
		if (num(t->res, i, "pipeline_hours") > max)
			max = num(t->res, i, "pipeline_hours");
	}
	if (n == 0)
		return svg_empty(b, "svg-reduction", TR(r, "no cases of catalogued procedures in this period", "この期間に手続一覧の手続の件数はありません"));
	xmax = axis(max, 0, &step);
	int h = mt + n * row + 40;
	e |= svg_open(b, "svg-reduction", h, TR(r, "hours by hand against hours with docpipe, per procedure", "手続ごとの手作業の時間と docpipe での時間"));
	e |= buf_printf(b, "<text x=\"%d\" y=\"16\" font-weight=\"bold\">hours in the period</text>\n", ml);
	e |= legend(b, W - mr - 230, 18, "#9e9e9e", TR(r, "by hand (baseline)", "手作業 (基準)"));
	e |= legend(b, W - mr - 80, 18, "#59a14f", TR(r, "with docpipe", "docpipe"));
	for (double v = 0; v <= xmax + step / 2; v += step) {
		double x = ml + v / xmax * pw;
		fmt(a, sizeof a, v);
		e |= buf_printf(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#e3e3e3\"/>"
				   "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%s</text>\n",
				x, x, mt - 4, mt + n * row, x, mt + n * row + 16, a);
	}
	for (int i = 0, j = 0; i < rows && e == 0; i++) {
		if (num(t->res, i, "cases") <= 0 || PQgetisnull(t->res, i, PQfnumber(t->res, "baseline_hours")))
			continue;
		int y = mt + j++ * row + 6;
		double base = num(t->res, i, "baseline_hours"), pipe = num(t->res, i, "pipeline_hours");
		double red = num(t->res, i, "reduction_pct"), open = num(t->res, i, "open_documents");
		int finished = !PQgetisnull(t->res, i, PQfnumber(t->res, "reduction_pct"));
		char bs[32], ps[32];
		snprintf(label, sizeof label, "%s %s", str(t->res, i, "procedure_code"), str(t->res, i, "name"));
		report_cut(label, 30, cut, sizeof cut);
		fmt(bs, sizeof bs, base);
		fmt(ps, sizeof ps, pipe);
		e |= buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", ml - 8, y + bh + 4);
		e |= report_xml(b, cut);
		e |= buf_addstr(b, "</text>\n<g class=\"bar\"><title>");
		e |= report_xml(b, label);
		e |= buf_printf(b, ": %.0f cases (%.0f open), %s h by hand, %s h with docpipe", num(t->res, i, "cases"),
				open, bs, ps);
		e |= finished ? buf_printf(b, ", %.1f %% %s, review time %s</title>", fabs(red), red >= 0 ? "less" : "more",
					   str(t->res, i, "review_source"))
			      : buf_addstr(b, "</title>");
		e |= buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#9e9e9e\"/>", ml, y,
				base / xmax * pw, bh);
		e |= buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#59a14f\"/></g>\n", ml,
				y + bh + 2, pipe / xmax * pw, bh);
		/* open documents are work still to do, not time saved */
		if (finished)
			e |= r->ja ? buf_printf(b, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%.1f %% %s</text>",
						W - mr + 8, y + bh - 2, fabs(red), red >= 0 ? "削減" : "増加")
				   : buf_printf(b, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%.1f %% %s time</text>",
						W - mr + 8, y + bh - 2, fabs(red), red >= 0 ? "less" : "more");
		else
			e |= buf_printf(b, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s</text>",
					W - mr + 8, y + bh - 2, TR(r, "none finished", "完了なし"));
		e |= buf_printf(b, "<text x=\"%d\" y=\"%d\" fill=\"#555\">%s h → %s h", W - mr + 8, y + 2 * bh + 1, bs,
				ps);
		e |= open > 0 ? buf_printf(b, TR(r, ", %.0f open</text>\n", "、未完了 %.0f 件</text>\n"), open)
			      : buf_addstr(b, "</text>\n");
	}
	return e | buf_addstr(b, "</svg>");
}
