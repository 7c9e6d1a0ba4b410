-- bench/report/generate.sql: 100,000 documents' worth of rows for the report
-- benchmark (bench/report_bench.sh), loaded over 90 days from 2024-01-01 UTC:
--   documents       95% scans (P004 50%, P001 20%, P002 15%, P003 10%, none 5%),
--                   5% recordings; statuses accepted / needs_review / invalid /
--                   rejected / unrecognised / transcribed in plausible shares
--   stage_runs      6 per document (scan: ingest preprocess qr ocr validate load;
--                   audio: ingest audio asr asr asr load) = 600,000 rows
--   fields          5 per recognised scan, the first 1 to 3 flagged on a
--                   needs_review document (about 430,000 rows)
--   document_attrs  audio.seconds of each recording
-- Deterministic (setseed); personal columns hold placeholders.
SELECT setseed(0.42);

INSERT INTO documents (id, sha256, source_name, kind, format, status, received_at, loaded_at,
                       page_count, procedure_code, form_type)
SELECT g, md5(g::text) || md5(g::text || 'x'), 'bench/' || g || CASE WHEN g % 20 = 0 THEN '.wav' ELSE '.png' END,
       CASE WHEN g % 20 = 0 THEN 'audio' WHEN g % 100 = 1 THEN 'unknown' ELSE 'scan' END,
       CASE WHEN g % 20 = 0 THEN 'wav' ELSE 'png' END,
       CASE WHEN g % 20 = 0 THEN 'transcribed'
            WHEN g % 100 = 1 THEN 'rejected'
            WHEN g % 20 = 19 THEN 'unrecognised'
            WHEN g % 10 IN (2, 5) THEN 'needs_review'
            WHEN g % 50 = 7 THEN 'invalid'
            ELSE 'accepted' END,
       t - interval '15 seconds', t,
       CASE WHEN g % 20 = 0 OR g % 100 = 1 THEN 0 ELSE 1 + g % 3 END,
       CASE WHEN g % 20 = 0 OR g % 100 = 1 OR g % 20 = 19 THEN NULL
            WHEN g % 20 < 10 THEN 'P004' WHEN g % 20 < 14 THEN 'P001'
            WHEN g % 20 < 17 THEN 'P002' ELSE 'P003' END,
       NULL
FROM (SELECT g, timestamptz '2024-01-01 00:00:00+00' + make_interval(secs => g * 77.76) AS t
      FROM generate_series(1, 100000) g) x;
SELECT setval('documents_id_seq', 100000);

INSERT INTO stage_runs (document_id, stage, worker, host, queued_at, started_at, finished_at, cpu_ms, outcome)
SELECT d.id, s.stage, 'bench/1/' || s.stage || '.0', 'bench', q, q + w, q + w + sv, extract(epoch FROM sv) * 900,
       CASE WHEN d.status = 'rejected' AND s.i = 2 THEN 'rejected' ELSE 'ok' END
FROM documents d
CROSS JOIN LATERAL (
    SELECT i, CASE WHEN d.kind = 'audio' THEN (ARRAY['ingest', 'audio', 'asr', 'asr', 'asr', 'load'])[i]
                   ELSE (ARRAY['ingest', 'preprocess', 'qr', 'ocr', 'validate', 'load'])[i] END AS stage,
           d.loaded_at - make_interval(secs => (7 - i) * 2) AS q,
           make_interval(secs => random() * 0.5) AS w,
           make_interval(secs => 0.001 + random() * CASE WHEN i IN (3, 4) THEN 1.4 ELSE 0.2 END) AS sv
    FROM generate_series(1, 6) i) s;

INSERT INTO fields (document_id, page, name, value, raw_text, confidence, needs_review, source)
SELECT d.id, 1, 'field' || f, 'value', 'value', 90 - f, d.status = 'needs_review' AND f <= 1 + d.id % 3, 'ocr'
FROM documents d CROSS JOIN generate_series(1, 5) f
WHERE d.kind = 'scan' AND d.procedure_code IS NOT NULL;

INSERT INTO document_attrs (document_id, key, value)
SELECT id, 'audio.seconds', (300 + id % 3600)::text FROM documents WHERE kind = 'audio';
