-- 007_review: the review station (`docpipe review`, docs/REVIEW.md).
--
--   docpipe_clerk      a NOLOGIN group; a clerk is a LOGIN role in it. The role
--                      has no privilege on any table: everything a clerk reads
--                      or changes goes through the review_* functions below
--                      (SECURITY DEFINER), which check what they are given
--   corrections        the audit: every change a clerk made, with the seconds
--                      spent; only the functions write it
--   transcript_segments.reviewed_at, reviewed_by
--   analysts           document_costs / procedure_cost use the seconds clerks
--                      spent where a document has corrections, procedures.conf's
--                      review_minutes where it has none (review_source); a
--                      document still in needs_review or invalid is open work,
--                      not time saved (open_documents); review_findings and
--                      review_top_fields say what review found
--
-- The functions set search_path to public, then pg_temp: a clerk's temporary
-- table cannot stand in for one of ours.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'docpipe_clerk') THEN
        CREATE ROLE docpipe_clerk NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;

CREATE TABLE corrections (
    id           bigserial PRIMARY KEY,
    document_id  bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    field_id     bigint,                       -- NULL: an action on the whole document
    segment_id   bigint,                       -- a transcript segment
    field        text,                         -- the field's name when field_id is set
    action       text NOT NULL CHECK (action IN ('correct', 'confirm', 'reject', 'segment')),
    old_value    text,
    new_value    text,
    clerk        text NOT NULL DEFAULT session_user,
    at           timestamptz NOT NULL DEFAULT now(),
    -- seconds the clerk spent on the document since opening it or since
    -- their previous action on it
    seconds      double precision NOT NULL CHECK (seconds >= 0 AND seconds < 'infinity')
);
CREATE INDEX corrections_document ON corrections (document_id);
CREATE INDEX corrections_at ON corrections (at);

ALTER TABLE transcript_segments ADD COLUMN reviewed_at timestamptz, ADD COLUMN reviewed_by text;

-- the queue: documents in review, oldest first (a page of 50 out of 10,000
-- in review: about 10 ms, EXPLAIN ANALYZE); its filters are in the index so
-- that the total is counted from the index alone
CREATE INDEX documents_review_queue ON documents (received_at, id) INCLUDE (procedure_code, form_type)
    WHERE status IN ('needs_review', 'invalid');

-- ---- what clerks may call ----

-- What waits for a clerk: a form in needs_review or invalid, or a recording
-- (transcribed) with a segment nobody has reviewed yet. Inlined by the planner.
CREATE FUNCTION review_waiting(p_status text, p_kind text, p_doc bigint)
RETURNS boolean
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
SELECT p_status IN ('needs_review', 'invalid')
    OR (p_status = 'transcribed' AND p_kind = 'audio'
        AND EXISTS (SELECT 1 FROM transcript_segments s WHERE s.document_id = p_doc AND s.reviewed_at IS NULL))
$$;

-- the queue, oldest first; NULL filters mean all; total = the filtered set's
-- size (for paging); flagged = fields to check, or segments not yet reviewed
CREATE FUNCTION review_queue(p_procedure text, p_form text, p_limit int, p_offset int)
RETURNS TABLE (id bigint, source_name text, kind text, status text, form_type text, procedure_code text,
               received_at timestamptz, flagged bigint, errors bigint, total bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
WITH waiting AS (
    SELECT d.id, d.received_at
    FROM documents d
    WHERE review_waiting(d.status, d.kind, d.id)
      AND (p_procedure IS NULL OR d.procedure_code = p_procedure) AND (p_form IS NULL OR d.form_type = p_form)
), page AS (
    SELECT w.id FROM waiting w
    ORDER BY w.received_at, w.id
    LIMIT CASE WHEN p_limit >= 0 THEN p_limit END OFFSET GREATEST(COALESCE(p_offset, 0), 0)
)
SELECT d.id, d.source_name, d.kind, d.status, d.form_type, d.procedure_code, d.received_at,
       CASE WHEN d.kind = 'audio'
            THEN (SELECT count(*) FROM transcript_segments s WHERE s.document_id = d.id AND s.reviewed_at IS NULL)
            ELSE (SELECT count(*) FROM fields f WHERE f.document_id = d.id AND f.needs_review) END,
       (SELECT count(*) FROM validation_issues v WHERE v.document_id = d.id AND v.severity = 'error'),
       (SELECT count(*) FROM waiting)
FROM page JOIN documents d ON d.id = page.id
ORDER BY d.received_at, d.id
$$;

-- the queue grouped: how many documents per procedure, form and status
CREATE FUNCTION review_counts()
RETURNS TABLE (procedure_code text, form_type text, status text, documents bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
SELECT d.procedure_code, d.form_type, d.status, count(*)
FROM documents d
WHERE review_waiting(d.status, d.kind, d.id)
GROUP BY 1, 2, 3
ORDER BY 1 NULLS LAST, 2 NULLS LAST, 3
$$;

CREATE FUNCTION review_document(p_doc bigint)
RETURNS TABLE (id bigint, sha256 text, source_name text, kind text, format text, status text, error text,
               form_type text, procedure_code text, received_at timestamptz, page_count integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
SELECT d.id, d.sha256, d.source_name, d.kind, d.format, d.status, d.error, d.form_type, d.procedure_code,
       d.received_at, d.page_count
FROM documents d WHERE d.id = p_doc
$$;

CREATE FUNCTION review_fields(p_doc bigint)
RETURNS TABLE (id bigint, page int, name text, value text, raw_text text, confidence real,
               needs_review boolean, source text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
SELECT f.id, f.page, f.name, f.value, f.raw_text, f.confidence, f.needs_review, f.source
FROM fields f WHERE f.document_id = p_doc ORDER BY f.page, f.id
$$;

CREATE FUNCTION review_issues(p_doc bigint)
RETURNS TABLE (id bigint, field text, code text, severity text, message_ja text, message_en text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
SELECT v.id, v.field, v.code, v.severity, v.message_ja, v.message_en
FROM validation_issues v WHERE v.document_id = p_doc ORDER BY v.id
$$;

CREATE FUNCTION review_attrs(p_doc bigint)
RETURNS TABLE (key text, value text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
SELECT a.key, a.value FROM document_attrs a WHERE a.document_id = p_doc ORDER BY a.key
$$;

CREATE FUNCTION review_segments(p_doc bigint)
RETURNS TABLE (id bigint, seq int, start_ms bigint, end_ms bigint, confidence real, text text, reviewed boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
SELECT s.id, s.seq, s.start_ms, s.end_ms, s.confidence, s.text, s.reviewed_at IS NOT NULL
FROM transcript_segments s WHERE s.document_id = p_doc ORDER BY s.seq
$$;

-- The document, locked, when a clerk may act on it (status among `allowed`);
-- else a RAISE that says why (SQLSTATE 55000 for a status, P0002 for none).
CREATE FUNCTION review_lock(p_doc bigint, p_allowed text[], p_what text)
RETURNS documents
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    d documents;
BEGIN
    SELECT * INTO d FROM documents WHERE id = p_doc FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION '%: there is no document %', p_what, p_doc USING ERRCODE = 'no_data_found';
    END IF;
    IF NOT (d.status = ANY (p_allowed)) THEN
        RAISE EXCEPTION '%: document % is %, not %', p_what, p_doc, d.status, array_to_string(p_allowed, ' or ')
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    RETURN d;
END
$$;

-- seconds spent must be a number of seconds (0 or more, finite)
CREATE FUNCTION review_check_seconds(p_seconds double precision, p_what text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF p_seconds IS NULL OR p_seconds = 'NaN' OR p_seconds < 0 OR p_seconds >= 'infinity' THEN
        RAISE EXCEPTION '%: seconds must be 0 or more, not %', p_what, COALESCE(p_seconds::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
END
$$;

-- A clerk's review of a form: corrections and confirmations of fields, the
-- issues left after re-validation (the caller validated), the new status.
-- All or nothing; the seconds go on the first corrections row.
CREATE FUNCTION review_apply(p_doc bigint, p_changes jsonb, p_issues jsonb, p_status text,
                             p_seconds double precision)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    c jsonb;
    f fields;
    act text;
    secs double precision := p_seconds;
    n int := 0;
BEGIN
    PERFORM review_lock(p_doc, ARRAY['needs_review', 'invalid'], 'review_apply');
    PERFORM review_check_seconds(p_seconds, 'review_apply');
    IF p_status IS NULL OR p_status NOT IN ('accepted', 'needs_review', 'invalid') THEN
        RAISE EXCEPTION 'review_apply: status must be accepted, needs_review or invalid, not %',
            COALESCE(p_status, 'NULL') USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF jsonb_typeof(COALESCE(p_changes, '[]')) <> 'array' OR jsonb_typeof(COALESCE(p_issues, '[]')) <> 'array' THEN
        RAISE EXCEPTION 'review_apply: changes and issues must be JSON arrays' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR c IN SELECT e FROM jsonb_array_elements(COALESCE(p_changes, '[]')) e LOOP
        act := c->>'action';
        IF act IS NULL OR act NOT IN ('correct', 'confirm') THEN
            RAISE EXCEPTION 'review_apply: action must be correct or confirm, not %', COALESCE(act, 'NULL')
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF jsonb_typeof(c->'field_id') IS DISTINCT FROM 'number' OR (c->>'field_id') !~ '^[0-9]{1,18}$' THEN
            RAISE EXCEPTION 'review_apply: field_id must be a field''s id, not %', COALESCE(c->>'field_id', 'NULL')
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF act = 'correct' AND jsonb_typeof(c->'value') IS DISTINCT FROM 'string' THEN
            RAISE EXCEPTION 'review_apply: a correction of field % needs a value (a string)', c->>'field_id'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        SELECT * INTO f FROM fields WHERE id = (c->>'field_id')::bigint AND document_id = p_doc FOR UPDATE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'review_apply: field % is not a field of document %', c->>'field_id', p_doc
                USING ERRCODE = 'foreign_key_violation';
        END IF;
        IF act = 'correct' THEN
            UPDATE fields SET value = c->>'value', needs_review = false, source = 'clerk' WHERE id = f.id;
        ELSE
            UPDATE fields SET needs_review = false WHERE id = f.id;
        END IF;
        INSERT INTO corrections (document_id, field_id, field, action, old_value, new_value, seconds)
        VALUES (p_doc, f.id, f.name, act, f.value, CASE WHEN act = 'correct' THEN c->>'value' ELSE f.value END, secs);
        secs := 0;
        n := n + 1;
    END LOOP;
    IF n = 0 THEN
        INSERT INTO corrections (document_id, action, seconds) VALUES (p_doc, 'confirm', p_seconds);
    END IF;

    IF EXISTS (SELECT 1 FROM jsonb_array_elements(COALESCE(p_issues, '[]')) e
               WHERE jsonb_typeof(e) <> 'object' OR COALESCE(e->>'code', '') = '' OR e->>'message_ja' IS NULL
                  OR e->>'message_en' IS NULL OR COALESCE(e->>'severity', '') NOT IN ('error', 'warning', 'notice')) THEN
        RAISE EXCEPTION 'review_apply: every issue needs code, severity (error, warning or notice), message_ja and message_en'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_status = 'accepted' AND EXISTS (SELECT 1 FROM jsonb_array_elements(COALESCE(p_issues, '[]')) e
                                         WHERE e->>'severity' IN ('error', 'warning')) THEN
        RAISE EXCEPTION 'review_apply: document % cannot be accepted with an error or warning left', p_doc
            USING ERRCODE = 'check_violation';
    END IF;
    DELETE FROM validation_issues WHERE document_id = p_doc;
    INSERT INTO validation_issues (document_id, field, code, severity, message_ja, message_en)
    SELECT p_doc, e->>'field', e->>'code', e->>'severity', e->>'message_ja', e->>'message_en'
    FROM jsonb_array_elements(COALESCE(p_issues, '[]')) e;
    UPDATE documents SET status = p_status WHERE id = p_doc;
    RETURN p_status;
END
$$;

-- A clerk rejects a form: it is keyed by hand after all, for the reason given.
CREATE FUNCTION review_reject(p_doc bigint, p_reason text, p_seconds double precision)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM review_lock(p_doc, ARRAY['needs_review', 'invalid'], 'review_reject');
    PERFORM review_check_seconds(p_seconds, 'review_reject');
    IF btrim(COALESCE(p_reason, '')) = '' THEN
        RAISE EXCEPTION 'review_reject: a rejection needs a reason' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE documents SET status = 'rejected', error = p_reason WHERE id = p_doc;
    INSERT INTO corrections (document_id, action, new_value, seconds) VALUES (p_doc, 'reject', p_reason, p_seconds);
    RETURN 'rejected';
END
$$;

-- A transcript segment corrected (or confirmed with its text unchanged).
CREATE FUNCTION review_segment(p_doc bigint, p_seg bigint, p_text text, p_seconds double precision)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    d documents;
    s transcript_segments;
BEGIN
    d := review_lock(p_doc, ARRAY['transcribed'], 'review_segment');
    PERFORM review_check_seconds(p_seconds, 'review_segment');
    IF d.kind <> 'audio' THEN
        RAISE EXCEPTION 'review_segment: document % is not a recording', p_doc
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF p_text IS NULL THEN
        RAISE EXCEPTION 'review_segment: the text is missing' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO s FROM transcript_segments WHERE id = p_seg AND document_id = p_doc FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'review_segment: segment % is not a segment of document %', p_seg, p_doc
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    UPDATE transcript_segments SET text = p_text, reviewed_at = now(), reviewed_by = session_user WHERE id = p_seg;
    INSERT INTO corrections (document_id, segment_id, action, old_value, new_value, seconds)
    VALUES (p_doc, p_seg, 'segment', s.text, p_text, p_seconds);
END
$$;

-- Only clerks may call them (a function is executable by PUBLIC by default).
DO $$
DECLARE
    fn regprocedure;
BEGIN
    FOR fn IN SELECT p.oid::regprocedure FROM pg_proc p
              WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'review\_%' AND p.prosecdef LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', fn);
        IF fn::text NOT LIKE 'review_lock(%' AND fn::text NOT LIKE 'review_check_seconds(%' THEN
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO docpipe_clerk', fn);
        END IF;
    END LOOP;
END
$$;
GRANT USAGE ON SCHEMA public TO docpipe_clerk;

-- the audit is written by the functions only: the loader reads it; analysts
-- read its non-personal columns (no values, no clerk names)
REVOKE ALL ON corrections FROM docpipe_loader;
REVOKE ALL ON SEQUENCE corrections_id_seq FROM docpipe_loader;
GRANT SELECT ON corrections TO docpipe_loader;
GRANT SELECT (id, document_id, field, action, at, seconds) ON corrections TO docpipe_analyst;
GRANT SELECT (reviewed_at) ON transcript_segments TO docpipe_analyst;

-- ---- measured review time in the analysts' figures ----

DROP VIEW procedure_cost;
DROP VIEW document_costs;
DROP FUNCTION procedure_cost_between(timestamptz, timestamptz);
-- 005's function, kept under another name: the estimate of every document
ALTER FUNCTION document_costs_between(timestamptz, timestamptz) RENAME TO document_costs_estimated_between;

-- One row per document loaded in the period (as in 005), and now:
--   review_minutes  the clerks' seconds / 60 when the document has
--                   corrections (review_source 'measured'), else 005's
--                   estimate from procedures.review_minutes ('estimated')
--   open            still needs_review or invalid: nobody has finished it
CREATE FUNCTION document_costs_between(since timestamptz, until timestamptz)
RETURNS TABLE (document_id bigint, kind text, status text, procedure_code text,
               loaded_at timestamptz, page_count integer, runs bigint,
               wait_seconds double precision, machine_seconds double precision,
               cpu_ms double precision, flagged_fields bigint, audio_seconds double precision,
               baseline_minutes double precision, review_minutes double precision,
               manual_minutes double precision, review_seconds double precision,
               review_source text, open boolean)
LANGUAGE sql STABLE AS $$
SELECT o.document_id, o.kind, o.status, o.procedure_code, o.loaded_at, o.page_count, o.runs,
       o.wait_seconds, o.machine_seconds, o.cpu_ms, o.flagged_fields, o.audio_seconds, o.baseline_minutes,
       -- NULL stays NULL: a procedure missing from the catalogue has no figures
       CASE WHEN o.review_minutes IS NOT NULL AND r.s IS NOT NULL THEN r.s / 60.0 ELSE o.review_minutes END,
       o.manual_minutes, r.s,
       CASE WHEN o.review_minutes IS NULL THEN NULL WHEN r.s IS NOT NULL THEN 'measured' ELSE 'estimated' END,
       o.status IN ('needs_review', 'invalid')
FROM document_costs_estimated_between(since, until) o
LEFT JOIN LATERAL (SELECT sum(c.seconds) AS s FROM corrections c WHERE c.document_id = o.document_id) r ON true
$$;

-- Per procedure (as in 005), the hours over the documents somebody finished:
-- an open document (needs_review, invalid) is counted in cases and
-- open_documents but in none of the hours, so it is never time saved.
--   review_source   measured (every finished case has clerks' seconds),
--                   estimated (none has), mixed; NULL without finished cases
--   annual_hours_saved = annual_cases * saved hours / finished cases
CREATE FUNCTION procedure_cost_between(since timestamptz, until timestamptz)
RETURNS TABLE (procedure_code text, name text, kind text, annual_cases integer,
               cases bigint, flagged_fields bigint, audio_minutes double precision, manual_cases bigint,
               baseline_hours double precision, machine_hours double precision,
               review_hours double precision, manual_hours double precision,
               pipeline_hours double precision, saved_hours double precision,
               reduction_pct double precision, annual_hours_saved double precision,
               open_documents bigint, measured_cases bigint, review_source text)
LANGUAGE sql STABLE AS $$
WITH c AS (
    SELECT x.procedure_code, count(*) AS cases, sum(x.flagged_fields) AS flagged,
           sum(x.audio_seconds) / 60.0 AS audio_min,
           count(*) FILTER (WHERE x.status IN ('rejected', 'unrecognised')) AS manual_cases,
           count(*) FILTER (WHERE x.open) AS open_docs,
           count(*) FILTER (WHERE NOT x.open AND x.review_source = 'measured') AS measured,
           sum(x.baseline_minutes) FILTER (WHERE NOT x.open) / 60.0 AS baseline_h,
           sum(x.machine_seconds) FILTER (WHERE NOT x.open) / 3600.0 AS machine_h,
           sum(x.review_minutes) FILTER (WHERE NOT x.open) / 60.0 AS review_h,
           sum(x.manual_minutes) FILTER (WHERE NOT x.open) / 60.0 AS manual_h
    FROM document_costs_between(since, until) x
    WHERE x.procedure_code IS NOT NULL
    GROUP BY x.procedure_code
), t AS (
    SELECT COALESCE(p.code, c.procedure_code) AS code, p.name, p.kind, p.annual_cases, p.position,
           COALESCE(c.cases, 0) AS cases, COALESCE(c.flagged, 0) AS flagged,
           CASE WHEN p.kind = 'audio' THEN COALESCE(c.audio_min, 0) END AS audio_min,
           COALESCE(c.manual_cases, 0) AS manual_cases,
           COALESCE(c.open_docs, 0) AS open_docs, COALESCE(c.measured, 0) AS measured,
           COALESCE(c.cases, 0) - COALESCE(c.open_docs, 0) AS finished,
           -- zero for a catalogued procedure without finished cases; NULL for
           -- a code missing from the catalogue (no baseline to compare with)
           CASE WHEN p.code IS NOT NULL THEN COALESCE(c.baseline_h, 0) END AS baseline_h,
           COALESCE(c.machine_h, 0) AS machine_h,
           CASE WHEN p.code IS NOT NULL THEN COALESCE(c.review_h, 0) END AS review_h,
           CASE WHEN p.code IS NOT NULL THEN COALESCE(c.manual_h, 0) END AS manual_h
    FROM procedures p
    FULL JOIN c ON c.procedure_code = p.code
)
SELECT code, name, kind, annual_cases, cases, flagged, audio_min, manual_cases,
       baseline_h, machine_h, review_h, manual_h, machine_h + review_h + manual_h,
       CASE WHEN cases > 0 THEN baseline_h - (machine_h + review_h + manual_h) END,
       CASE WHEN baseline_h > 0 THEN 100.0 * (baseline_h - (machine_h + review_h + manual_h)) / baseline_h END,
       CASE WHEN finished > 0 THEN annual_cases * (baseline_h - (machine_h + review_h + manual_h)) / finished END,
       open_docs, measured,
       CASE WHEN finished = 0 OR baseline_h IS NULL THEN NULL WHEN measured = finished THEN 'measured'
            WHEN measured = 0 THEN 'estimated' ELSE 'mixed' END
FROM t
ORDER BY position NULLS LAST, code
$$;

-- What review found, per procedure, of the clerks' actions in the period
-- (corrections.at): documents reviewed, fields corrected and confirmed,
-- documents rejected, transcript segments reviewed, the seconds spent.
CREATE FUNCTION review_findings_between(since timestamptz, until timestamptz)
RETURNS TABLE (procedure_code text, documents_reviewed bigint, fields_corrected bigint,
               fields_confirmed bigint, documents_rejected bigint, segments_reviewed bigint,
               seconds double precision, seconds_per_document double precision)
LANGUAGE sql STABLE AS $$
SELECT y.procedure_code, count(DISTINCT y.document_id),
       count(*) FILTER (WHERE y.action = 'correct'),
       count(*) FILTER (WHERE y.action = 'confirm' AND y.field IS NOT NULL),
       count(*) FILTER (WHERE y.action = 'reject'),
       count(*) FILTER (WHERE y.action = 'segment'),
       sum(y.seconds), sum(y.seconds) / count(DISTINCT y.document_id)
FROM (SELECT COALESCE(d.procedure_code, CASE WHEN d.kind = 'audio' THEN
                 (SELECT code FROM procedures WHERE kind = 'audio' ORDER BY position LIMIT 1) END) AS procedure_code,
             c.document_id, c.action, c.field, c.seconds
      FROM corrections c JOIN documents d ON d.id = c.document_id
      WHERE c.at >= COALESCE(since, '-infinity') AND c.at < COALESCE(until, 'infinity')) y
LEFT JOIN procedures p ON p.code = y.procedure_code
GROUP BY y.procedure_code, p.position
ORDER BY p.position NULLS LAST, y.procedure_code NULLS LAST
$$;

-- The fields clerks corrected most often in the period, per form: what the
-- templates (or the forms themselves) should fix next.
CREATE FUNCTION review_top_fields_between(since timestamptz, until timestamptz)
RETURNS TABLE (form_type text, field text, corrections bigint, documents bigint)
LANGUAGE sql STABLE AS $$
SELECT d.form_type, c.field, count(*), count(DISTINCT c.document_id)
FROM corrections c JOIN documents d ON d.id = c.document_id
WHERE c.action = 'correct' AND c.at >= COALESCE(since, '-infinity') AND c.at < COALESCE(until, 'infinity')
GROUP BY 1, 2
ORDER BY 3 DESC, 1 NULLS LAST, 2
$$;

CREATE VIEW document_costs AS SELECT * FROM document_costs_between(NULL, NULL);
CREATE VIEW procedure_cost AS SELECT * FROM procedure_cost_between(NULL, NULL);
CREATE VIEW review_findings AS SELECT * FROM review_findings_between(NULL, NULL);
CREATE VIEW review_top_fields AS SELECT * FROM review_top_fields_between(NULL, NULL);
GRANT SELECT ON document_costs, procedure_cost, review_findings, review_top_fields TO docpipe_analyst;
