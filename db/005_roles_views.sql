-- 005_roles_views: what analysts read (docs/ANALYSTS.md).
--
--   procedures        the procedure catalogue, copied from models/procedures.conf
--                     by `docpipe report` each time it runs
--   *_between(since, until)
--                     the figures of one period (loaded_at / finished_at in
--                     [since, until); NULL = open end)
--   views             the same figures over all time, for psql and spreadsheets:
--                     document_costs, throughput_hourly, throughput_daily,
--                     stage_latency, procedure_cost, status_rates, report_overview
--   roles             docpipe_loader writes everything; docpipe_analyst reads the
--                     views and the non-personal columns only (no identities,
--                     names, addresses, phone numbers, field values, transcript
--                     text, file names, message texts)
--
-- Times: wait = started_at - queued_at (in a queue, nobody's work), service =
-- finished_at - started_at (the machine working on it). Durations are in
-- seconds (document_costs), milliseconds (stage_latency) or hours (costs).

CREATE TABLE procedures (
    code              text PRIMARY KEY,
    name              text NOT NULL,
    kind              text NOT NULL DEFAULT 'scan' CHECK (kind IN ('scan', 'audio')),
    annual_cases      integer NOT NULL CHECK (annual_cases >= 0),
    -- scan: minutes of clerk work per case before digitisation;
    -- audio: minutes of work per minute of recording
    baseline_minutes  double precision NOT NULL CHECK (baseline_minutes > 0),
    -- scan: minutes to check one flagged field; audio: one minute of transcript
    review_minutes    double precision NOT NULL CHECK (review_minutes >= 0),
    position          integer NOT NULL         -- order in procedures.conf
);

-- the report's indexes (bench/report_bench.sh measures them): periods are cut
-- by documents.loaded_at and stage_runs.finished_at; flagged fields are few
CREATE INDEX documents_loaded_at ON documents (loaded_at);
CREATE INDEX stage_runs_finished ON stage_runs (finished_at);
CREATE INDEX fields_review ON fields (document_id) WHERE needs_review;

-- recording length of audio documents (a view: document_attrs' other values
-- are not granted to analysts)
CREATE VIEW document_audio AS
SELECT document_id, value::double precision AS seconds
FROM document_attrs
WHERE key = 'audio.seconds' AND value ~ '^[0-9]+(\.[0-9]+)?$';

-- One row per document loaded in the period: its procedure (audio documents
-- without one count towards the first kind = audio procedure), its stage
-- times, flagged fields and recording length, and what it cost.
CREATE FUNCTION document_costs_between(since timestamptz, until timestamptz)
RETURNS TABLE (document_id bigint, kind text, status text, procedure_code text,
               loaded_at timestamptz, page_count integer, runs bigint,
               wait_seconds double precision, machine_seconds double precision,
               cpu_ms double precision, flagged_fields bigint, audio_seconds double precision,
               baseline_minutes double precision, review_minutes double precision,
               manual_minutes double precision)
LANGUAGE sql STABLE AS $$
SELECT x.id, x.kind, x.status, x.procedure_code, x.loaded_at, x.page_count,
       x.runs, x.wait_s, x.service_s, x.cpu_ms, x.flagged, a.seconds,
       -- what the case took by hand (NULL: procedure not in the catalogue)
       CASE WHEN p.kind = 'audio' THEN COALESCE(a.seconds, 0) / 60.0 * p.baseline_minutes
            ELSE p.baseline_minutes END,
       -- a clerk checking docpipe's output
       CASE WHEN p.code IS NULL THEN NULL
            WHEN x.status IN ('rejected', 'unrecognised') THEN 0
            WHEN p.kind = 'audio' THEN COALESCE(a.seconds, 0) / 60.0 * p.review_minutes
            ELSE x.flagged * p.review_minutes END,
       -- docpipe could not read it: keyed by hand as before
       CASE WHEN p.code IS NULL THEN NULL
            WHEN x.status NOT IN ('rejected', 'unrecognised') THEN 0
            WHEN p.kind = 'audio' THEN COALESCE(a.seconds, 0) / 60.0 * p.baseline_minutes
            ELSE p.baseline_minutes END
FROM (
    -- one join grouped by document, so that the planner can probe
    -- stage_runs by document for a short period and scan it for a long one
    SELECT d.id, d.kind, d.status, d.loaded_at, d.page_count,
           COALESCE(d.procedure_code, CASE WHEN d.kind = 'audio' THEN
               (SELECT code FROM procedures WHERE kind = 'audio' ORDER BY position LIMIT 1) END) AS procedure_code,
           count(s.id) AS runs,
           COALESCE(sum(date_part('epoch', s.started_at - s.queued_at)), 0) AS wait_s,
           COALESCE(sum(date_part('epoch', s.finished_at - s.started_at)), 0) AS service_s,
           COALESCE(sum(s.cpu_ms), 0) AS cpu_ms,
           (SELECT count(*) FROM fields f WHERE f.document_id = d.id AND f.needs_review) AS flagged
    FROM documents d
    LEFT JOIN stage_runs s ON s.document_id = d.id
    WHERE d.loaded_at >= COALESCE(since, '-infinity') AND d.loaded_at < COALESCE(until, 'infinity')
    GROUP BY d.id
) x
LEFT JOIN procedures p ON p.code = x.procedure_code
LEFT JOIN document_audio a ON a.document_id = x.id AND x.kind = 'audio'
$$;

-- Documents finished per hour or day ('hour' | 'day'), by kind and procedure.
CREATE FUNCTION throughput_between(bucket text, since timestamptz, until timestamptz)
RETURNS TABLE (period timestamptz, kind text, procedure_code text, documents bigint, pages bigint,
               accepted bigint, needs_review bigint, invalid bigint, unrecognised bigint,
               transcribed bigint, rejected bigint)
LANGUAGE sql STABLE AS $$
SELECT date_trunc(bucket, d.loaded_at) AS period, d.kind,
       COALESCE(d.procedure_code, CASE WHEN d.kind = 'audio' THEN ap.code END),
       count(*), sum(d.page_count),
       count(*) FILTER (WHERE d.status = 'accepted'),
       count(*) FILTER (WHERE d.status = 'needs_review'),
       count(*) FILTER (WHERE d.status = 'invalid'),
       count(*) FILTER (WHERE d.status = 'unrecognised'),
       count(*) FILTER (WHERE d.status = 'transcribed'),
       count(*) FILTER (WHERE d.status = 'rejected')
FROM documents d
LEFT JOIN (SELECT code FROM procedures WHERE kind = 'audio' ORDER BY position LIMIT 1) ap ON true
WHERE d.loaded_at >= COALESCE(since, '-infinity') AND d.loaded_at < COALESCE(until, 'infinity')
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3 NULLS LAST
$$;

-- Per stage: queue wait and service time, percentiles by linear
-- interpolation (percentile_cont), of the runs that finished in the period.
CREATE FUNCTION stage_latency_between(since timestamptz, until timestamptz)
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
    FROM (SELECT stage, outcome, cpu_ms,
                 date_part('epoch', started_at - queued_at) * 1000 AS wait_ms,
                 date_part('epoch', finished_at - started_at) * 1000 AS service_ms
          FROM stage_runs
          WHERE finished_at >= COALESCE(since, '-infinity') AND finished_at < COALESCE(until, 'infinity')) x
    GROUP BY stage
) y
ORDER BY COALESCE(array_position(ARRAY['ingest', 'audio', 'asr', 'preprocess', 'qr', 'ocr',
                                       'validate', 'enrich', 'load'], stage), 100), stage
$$;

-- Per procedure of the catalogue (and per procedure code seen in documents
-- but missing from it): cases and hours by hand versus with docpipe.
--   baseline_hours = what the cases took by hand
--   pipeline_hours = machine_hours + review_hours + manual_hours
--   reduction_pct  = 100 * (baseline - pipeline) / baseline
--   annual_hours_saved = annual_cases * saved hours per case observed
CREATE FUNCTION procedure_cost_between(since timestamptz, until timestamptz)
RETURNS TABLE (procedure_code text, name text, kind text, annual_cases integer,
               cases bigint, flagged_fields bigint, audio_minutes double precision, manual_cases bigint,
               baseline_hours double precision, machine_hours double precision,
               review_hours double precision, manual_hours double precision,
               pipeline_hours double precision, saved_hours double precision,
               reduction_pct double precision, annual_hours_saved double precision)
LANGUAGE sql STABLE AS $$
WITH c AS (
    SELECT x.procedure_code, count(*) AS cases, sum(x.flagged_fields) AS flagged,
           sum(x.audio_seconds) / 60.0 AS audio_min,
           count(*) FILTER (WHERE x.status IN ('rejected', 'unrecognised')) AS manual_cases,
           sum(x.baseline_minutes) / 60.0 AS baseline_h,
           sum(x.machine_seconds) / 3600.0 AS machine_h,
           sum(x.review_minutes) / 60.0 AS review_h,
           sum(x.manual_minutes) / 60.0 AS manual_h
    FROM document_costs_between(since, until) x
    WHERE x.procedure_code IS NOT NULL
    GROUP BY x.procedure_code
), t AS (
    SELECT COALESCE(p.code, c.procedure_code) AS code, p.name, p.kind, p.annual_cases, p.position,
           COALESCE(c.cases, 0) AS cases, COALESCE(c.flagged, 0) AS flagged,
           CASE WHEN p.kind = 'audio' THEN COALESCE(c.audio_min, 0) END AS audio_min,
           COALESCE(c.manual_cases, 0) AS manual_cases,
           c.baseline_h, c.machine_h, c.review_h, c.manual_h,
           c.machine_h + c.review_h + c.manual_h AS pipeline_h
    FROM procedures p
    FULL JOIN c ON c.procedure_code = p.code
)
SELECT code, name, kind, annual_cases, cases, flagged, audio_min, manual_cases,
       -- zero for a catalogued procedure without cases; NULL for a code
       -- missing from the catalogue (no baseline to compare with)
       COALESCE(baseline_h, CASE WHEN cases = 0 THEN 0 END), COALESCE(machine_h, 0),
       COALESCE(review_h, CASE WHEN cases = 0 THEN 0 END), COALESCE(manual_h, CASE WHEN cases = 0 THEN 0 END),
       COALESCE(pipeline_h, CASE WHEN cases = 0 THEN 0 END), baseline_h - pipeline_h,
       CASE WHEN baseline_h > 0 THEN 100.0 * (baseline_h - pipeline_h) / baseline_h END,
       CASE WHEN cases > 0 THEN annual_cases * (baseline_h - pipeline_h) / cases END
FROM t
ORDER BY position NULLS LAST, code
$$;

-- Per kind and procedure: how many documents ended in each status, and the
-- rates (percent of the documents) that need a person.
CREATE FUNCTION status_rates_between(since timestamptz, until timestamptz)
RETURNS TABLE (kind text, procedure_code text, documents bigint, accepted bigint,
               needs_review bigint, invalid bigint, unrecognised bigint, transcribed bigint,
               rejected bigint, needs_review_pct double precision, rejected_pct double precision)
LANGUAGE sql STABLE AS $$
SELECT kind, procedure_code, sum(documents), sum(accepted), sum(needs_review), sum(invalid),
       sum(unrecognised), sum(transcribed), sum(rejected),
       100.0 * sum(needs_review) / sum(documents), 100.0 * sum(rejected) / sum(documents)
FROM throughput_between('day', since, until)
GROUP BY kind, procedure_code
ORDER BY kind, procedure_code NULLS LAST
$$;

-- The period in one row: documents, and the cost totals of the procedures
-- with a baseline (report_overview_of takes the totals, so that the report,
-- which has just read procedure_cost, need not compute them twice).
CREATE FUNCTION report_overview_of(since timestamptz, until timestamptz, n_cases bigint,
                                   baseline_h double precision, pipeline_h double precision)
RETURNS TABLE (first_loaded timestamptz, last_loaded timestamptz, documents bigint, scans bigint,
               audio bigint, pages bigint, needs_review_pct double precision,
               rejected_pct double precision, stage_runs bigint, cases bigint,
               baseline_hours double precision, pipeline_hours double precision,
               saved_hours double precision, reduction_pct double precision)
LANGUAGE sql STABLE AS $$
SELECT d.first_loaded, d.last_loaded, d.documents, d.scans, d.audio, d.pages,
       CASE WHEN d.documents > 0 THEN 100.0 * d.needs_review / d.documents END,
       CASE WHEN d.documents > 0 THEN 100.0 * d.rejected / d.documents END,
       (SELECT count(*) FROM stage_runs
        WHERE finished_at >= COALESCE(since, '-infinity') AND finished_at < COALESCE(until, 'infinity')),
       COALESCE(n_cases, 0), COALESCE(baseline_h, 0), COALESCE(pipeline_h, 0), baseline_h - pipeline_h,
       CASE WHEN baseline_h > 0 THEN 100.0 * (baseline_h - pipeline_h) / baseline_h END
FROM (SELECT min(loaded_at) AS first_loaded, max(loaded_at) AS last_loaded, count(*) AS documents,
             count(*) FILTER (WHERE kind = 'scan') AS scans, count(*) FILTER (WHERE kind = 'audio') AS audio,
             COALESCE(sum(page_count), 0) AS pages,
             count(*) FILTER (WHERE status = 'needs_review') AS needs_review,
             count(*) FILTER (WHERE status = 'rejected') AS rejected
      FROM documents
      WHERE loaded_at >= COALESCE(since, '-infinity') AND loaded_at < COALESCE(until, 'infinity')) d
$$;

CREATE FUNCTION report_overview_between(since timestamptz, until timestamptz)
RETURNS TABLE (first_loaded timestamptz, last_loaded timestamptz, documents bigint, scans bigint,
               audio bigint, pages bigint, needs_review_pct double precision,
               rejected_pct double precision, stage_runs bigint, cases bigint,
               baseline_hours double precision, pipeline_hours double precision,
               saved_hours double precision, reduction_pct double precision)
LANGUAGE sql STABLE AS $$
SELECT o.*
FROM (SELECT sum(cases)::bigint AS cases, sum(baseline_hours) AS baseline_h, sum(pipeline_hours) AS pipeline_h
      FROM procedure_cost_between(since, until) WHERE baseline_hours > 0) c,
     LATERAL report_overview_of(since, until, c.cases, c.baseline_h, c.pipeline_h) o
$$;

-- the same over all time
CREATE VIEW document_costs AS SELECT * FROM document_costs_between(NULL, NULL);
CREATE VIEW throughput_hourly AS
    SELECT period AS hour, kind, procedure_code, documents, pages, accepted, needs_review, invalid,
           unrecognised, transcribed, rejected
    FROM throughput_between('hour', NULL, NULL);
CREATE VIEW throughput_daily AS
    SELECT period::date AS day, kind, procedure_code, documents, pages, accepted, needs_review, invalid,
           unrecognised, transcribed, rejected
    FROM throughput_between('day', NULL, NULL);
CREATE VIEW stage_latency AS SELECT * FROM stage_latency_between(NULL, NULL);
CREATE VIEW procedure_cost AS SELECT * FROM procedure_cost_between(NULL, NULL);
CREATE VIEW status_rates AS SELECT * FROM status_rates_between(NULL, NULL);
CREATE VIEW report_overview AS SELECT * FROM report_overview_between(NULL, NULL);

-- fields without their values: what was read and what needs a person
CREATE VIEW field_flags AS
SELECT id, document_id, page, name, confidence, needs_review, source FROM fields;

-- ---- roles ----
-- Roles belong to the cluster, grants to this database: create the roles once
-- (several databases share a cluster, and may migrate at the same moment),
-- grant here. LOGIN so that psql -U docpipe_analyst works; give them passwords
-- or certificates where the server does not trust its socket.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'docpipe_loader') THEN
        CREATE ROLE docpipe_loader LOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'docpipe_analyst') THEN
        CREATE ROLE docpipe_analyst LOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;

-- the loader: the batch (docpipe run / watch / worker) writes every table,
-- including the tables later migrations create
GRANT USAGE ON SCHEMA public TO docpipe_loader;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO docpipe_loader;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO docpipe_loader;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO docpipe_loader;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO docpipe_loader;

-- the analyst: non-personal columns only; nothing of identities or receipts;
-- tables added later are not readable until a migration grants them
GRANT USAGE ON SCHEMA public TO docpipe_analyst;
GRANT SELECT (id, sha256, kind, format, status, received_at, loaded_at, page_count,
              ocr_confidence, form_type, procedure_code) ON documents TO docpipe_analyst;
GRANT SELECT ON stage_runs, schema_migrations TO docpipe_analyst;
GRANT SELECT (id, document_id, page, name, confidence, needs_review, source) ON fields TO docpipe_analyst;
GRANT SELECT (id, document_id, field, code, severity) ON validation_issues TO docpipe_analyst;
GRANT SELECT (document_id, key) ON document_attrs TO docpipe_analyst;
GRANT SELECT (id, document_id, seq, start_ms, end_ms, confidence) ON transcript_segments TO docpipe_analyst;
-- the catalogue is the analysts' own: docpipe report refreshes it
GRANT SELECT, INSERT, UPDATE, DELETE ON procedures TO docpipe_analyst;
GRANT SELECT ON document_audio, document_costs, throughput_hourly, throughput_daily, stage_latency,
               procedure_cost, status_rates, report_overview, field_flags TO docpipe_analyst;
