/* report_ja.c: Japanese labels of the report (`docpipe report --lang ja`).
 *
 * One table from a column's SQL name (the same name means the same thing in
 * every table) or a table's name to its Japanese heading; report_ja_apply()
 * rewrites a report's headers and titles after the tables are read, so the
 * text, csv and html writers need no second set of tables. A name missing
 * here keeps its English heading. */
#include <string.h>

#include "report.h"

static const struct {
	const char *name, *ja;
} labels[] = {
	/* tables */
	{ "overview", "概要" },
	{ "procedure_cost", "手続ごとの所要時間" },
	{ "status_rates", "処理結果" },
	{ "stage_latency", "工程ごとの待ち時間と処理時間 (ミリ秒)" },
	{ "throughput_daily", "日ごとの処理件数" },
	{ "throughput_hourly", "時間ごとの処理件数" },
	{ "review_findings", "確認作業の結果" },
	{ "review_top_fields", "訂正の多い項目" },
	{ "document_costs", "書類ごとの所要時間" },
	/* columns */
	{ "first_loaded", "最初の取込" },
	{ "last_loaded", "最後の取込" },
	{ "loaded_at", "取込日時" },
	{ "documents", "書類数" },
	{ "scans", "スキャン" },
	{ "audio", "録音" },
	{ "pages", "ページ数" },
	{ "needs_review_pct", "要確認 (%)" },
	{ "rejected_pct", "却下 (%)" },
	{ "stage_runs", "工程の実行回数" },
	{ "cases", "件数" },
	{ "baseline_hours", "手作業の時間 (h)" },
	{ "pipeline_hours", "docpipe での時間 (h)" },
	{ "saved_hours", "削減時間 (h)" },
	{ "reduction_pct", "削減率 (%)" },
	{ "procedure_code", "手続コード" },
	{ "name", "手続名" },
	{ "kind", "種類" },
	{ "annual_cases", "年間件数" },
	{ "flagged_fields", "要確認項目数" },
	{ "audio_minutes", "録音 (分)" },
	{ "manual_cases", "手作業の件数" },
	{ "machine_hours", "機械処理 (h)" },
	{ "review_hours", "確認作業 (h)" },
	{ "manual_hours", "手作業 (h)" },
	{ "annual_hours_saved", "年間削減時間 (h)" },
	{ "review_source", "確認時間の根拠" },
	{ "measured_cases", "実測件数" },
	{ "open_documents", "未処理" },
	{ "documents_reviewed", "確認した書類" },
	{ "fields_corrected", "訂正した項目" },
	{ "fields_confirmed", "確認した項目" },
	{ "documents_rejected", "却下した書類" },
	{ "segments_reviewed", "確認した区間" },
	{ "seconds", "秒" },
	{ "seconds_per_document", "書類あたり秒" },
	{ "form_type", "様式" },
	{ "field", "項目" },
	{ "corrections", "訂正回数" },
	{ "accepted", "受理" },
	{ "needs_review", "要確認" },
	{ "invalid", "不備" },
	{ "unrecognised", "判別不能" },
	{ "transcribed", "文字起こし済" },
	{ "rejected", "却下" },
	{ "stage", "工程" },
	{ "runs", "実行回数" },
	{ "rejected_runs", "却下" },
	{ "wait_p50_ms", "待ち p50" },
	{ "wait_p95_ms", "待ち p95" },
	{ "wait_p99_ms", "待ち p99" },
	{ "wait_mean_ms", "待ち 平均" },
	{ "wait_max_ms", "待ち 最大" },
	{ "service_p50_ms", "処理 p50" },
	{ "service_p95_ms", "処理 p95" },
	{ "service_p99_ms", "処理 p99" },
	{ "service_mean_ms", "処理 平均" },
	{ "service_max_ms", "処理 最大" },
	{ "cpu_ms", "CPU (ミリ秒)" },
	{ "day", "日" },
	{ "hour", "時" },
	{ "document_id", "書類番号" },
	{ "status", "状態" },
	{ "page_count", "ページ数" },
	{ "wait_seconds", "待ち (秒)" },
	{ "machine_seconds", "機械処理 (秒)" },
	{ "audio_seconds", "録音 (秒)" },
	{ "baseline_minutes", "手作業 (分)" },
	{ "review_minutes", "確認作業 (分)" },
	{ "manual_minutes", "手作業の追加 (分)" },
	{ "review_seconds", "実測の確認 (秒)" },
	{ "open", "未処理" },
};

const char *report_ja(const char *name)
{
	for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
		if (!strcmp(labels[i].name, name))
			return labels[i].ja;
	return NULL;
}

void report_ja_apply(struct report *r)
{
	r->ja = 1;
	for (int i = 0; i < r->nt; i++) {
		struct report_table *t = &r->t[i];
		int n = t->ncols < REPORT_MAX_COLS ? t->ncols : REPORT_MAX_COLS;
		if (report_ja(t->name))
			t->title = report_ja(t->name);
		t->note = NULL;       /* the notes stay in English: docs/ANALYSTS.md */
		for (int c = 0; c < n; c++) {
			r->cols_ja[i][c] = t->cols[c];
			if (report_ja(t->cols[c].name))
				r->cols_ja[i][c].header = report_ja(t->cols[c].name);
		}
		t->cols = r->cols_ja[i];
		t->ncols = n;
	}
}
