-- 010_report_procedure: the report of one procedure (`docpipe report
-- --procedure CODE`) filters the three tables that have no procedure column
-- too: the overview (its documents and stage runs), stage latency (the runs
-- of that procedure's documents) and the fields corrected most (on that
-- procedure's documents). Each *_for() takes the code as its last argument
-- (NULL: every procedure); the *_between()/_of() functions the views use keep
-- their signatures and call it with NULL, so their results do not change.

CREATE FUNCTION stage_latency_for(since timestamptz, until timestamptz, proc text)
RETURNS TABLE (stage text, runs bigint, rejected_runs bigint,
               wait_p50_ms double precision, wait_p95_ms double precision, wait_p99_ms double precision,
               wait_mean_ms double precision, wait_max_ms double precision,
               service_p50_ms double precision, service_p95_ms double precision, service_p99_ms double precision,
               service_mean_ms double precision, service_max_ms double precision,
               cpu_ms double precision)
LANGUAGE sql STABLE AS $$
SELECT stage, runs, rejected_runs, w[1], w[2], w[3], wait_mean, wait_max, s[1], s[2], s[3], service_mean, service_max, cpu
FROM (
    SELECT stage, count(*) AS runs, count(*) FILTER (WHERE outcome <> 'ok') AS rejected_runs,
           percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY wait_ms) AS w,
           avg(wait_ms) AS wait_mean, max(wait_ms) AS wait_max,
           percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY service_ms) AS s,
           avg(service_ms) AS service_mean, max(service_ms) AS service_max,
           sum(cpu_ms) AS cpu
    FROM (SELECT r.stage, r.outcome, r.cpu_ms,
                 date_part('epoch', r.started_at - r.queued_at) * 1000 AS wait_ms,
                 date_part('epoch', r.finished_at - r.started_at) * 1000 AS service_ms
          FROM stage_runs r
          WHERE r.finished_at >= COALESCE(since, '-infinity') AND r.finished_at < COALESCE(until, 'infinity')
            AND (proc IS NULL OR r.document_id IN (SELECT id FROM documents WHERE procedure_code = proc))) x
    GROUP BY stage
) y
ORDER BY COALESCE(array_position(ARRAY['ingest', 'audio', 'asr', 'preprocess', 'qr', 'ocr',
                                       'validate', 'enrich', 'load'], stage), 100), stage
$$;

CREATE OR REPLACE FUNCTION stage_latency_between(since timestamptz, until timestamptz)
RETURNS TABLE (stage text, runs bigint, rejected_runs bigint,
               wait_p50_ms double precision, wait_p95_ms double precision, wait_p99_ms double precision,
               wait_mean_ms double precision, wait_max_ms double precision,
               service_p50_ms double precision, service_p95_ms double precision, service_p99_ms double precision,
               service_mean_ms double precision, service_max_ms double precision,
               cpu_ms double precision)
LANGUAGE sql STABLE AS $$
SELECT * FROM stage_latency_for(since, until, NULL)
$$;

CREATE FUNCTION report_overview_for(since timestamptz, until timestamptz, n_cases bigint,
                                    baseline_h double precision, pipeline_h double precision, proc text)
RETURNS TABLE (first_loaded timestamptz, last_loaded timestamptz, documents bigint, scans bigint,
               audio bigint, pages bigint, needs_review_pct double precision,
               rejected_pct double precision, stage_runs bigint, cases bigint,
               baseline_hours double precision, pipeline_hours double precision,
               saved_hours double precision, reduction_pct double precision)
LANGUAGE sql STABLE AS $$
SELECT d.first_loaded, d.last_loaded, d.documents, d.scans, d.audio, d.pages,
       CASE WHEN d.documents > 0 THEN 100.0 * d.needs_review / d.documents END,
       CASE WHEN d.documents > 0 THEN 100.0 * d.rejected / d.documents END,
       (SELECT count(*) FROM stage_runs r
        WHERE r.finished_at >= COALESCE(since, '-infinity') AND r.finished_at < COALESCE(until, 'infinity')
          AND (proc IS NULL OR r.document_id IN (SELECT id FROM documents WHERE procedure_code = proc))),
       COALESCE(n_cases, 0), COALESCE(baseline_h, 0), COALESCE(pipeline_h, 0), baseline_h - pipeline_h,
       CASE WHEN baseline_h > 0 THEN 100.0 * (baseline_h - pipeline_h) / baseline_h END
FROM (SELECT min(loaded_at) AS first_loaded, max(loaded_at) AS last_loaded, count(*) AS documents,
             count(*) FILTER (WHERE kind = 'scan') AS scans, count(*) FILTER (WHERE kind = 'audio') AS audio,
             COALESCE(sum(page_count), 0) AS pages,
             count(*) FILTER (WHERE status = 'needs_review') AS needs_review,
             count(*) FILTER (WHERE status = 'rejected') AS rejected
      FROM documents
      WHERE loaded_at >= COALESCE(since, '-infinity') AND loaded_at < COALESCE(until, 'infinity')
        AND (proc IS NULL OR procedure_code = proc)) d
$$;

CREATE OR REPLACE FUNCTION report_overview_of(since timestamptz, until timestamptz, n_cases bigint,
                                              baseline_h double precision, pipeline_h double precision)
RETURNS TABLE (first_loaded timestamptz, last_loaded timestamptz, documents bigint, scans bigint,
               audio bigint, pages bigint, needs_review_pct double precision,
               rejected_pct double precision, stage_runs bigint, cases bigint,
               baseline_hours double precision, pipeline_hours double precision,
               saved_hours double precision, reduction_pct double precision)
LANGUAGE sql STABLE AS $$
SELECT * FROM report_overview_for(since, until, n_cases, baseline_h, pipeline_h, NULL)
$$;

CREATE FUNCTION review_top_fields_for(since timestamptz, until timestamptz, proc text)
RETURNS TABLE (form_type text, field text, corrections bigint, documents bigint)
LANGUAGE sql STABLE AS $$
SELECT d.form_type, c.field, count(*), count(DISTINCT c.document_id)
FROM corrections c JOIN documents d ON d.id = c.document_id
WHERE c.action = 'correct' AND c.at >= COALESCE(since, '-infinity') AND c.at < COALESCE(until, 'infinity')
  AND (proc IS NULL OR d.procedure_code = proc)
GROUP BY 1, 2
ORDER BY 3 DESC, 1 NULLS LAST, 2
$$;

CREATE OR REPLACE FUNCTION review_top_fields_between(since timestamptz, until timestamptz)
RETURNS TABLE (form_type text, field text, corrections bigint, documents bigint)
LANGUAGE sql STABLE AS $$
SELECT * FROM review_top_fields_for(since, until, NULL)
$$;
