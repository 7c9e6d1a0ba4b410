-- 001_documents: the system of record. Every input becomes one row of
-- documents (identity: SHA-256 of its bytes); every stage it passed, one row
-- of stage_runs.
CREATE TABLE documents (
    id              bigserial PRIMARY KEY,
    sha256          text NOT NULL UNIQUE CHECK (length(sha256) = 64),
    source_name     text NOT NULL,
    kind            text NOT NULL,            -- scan | audio | unknown
    format          text,                     -- png, tiff, jpeg, pdf, wav, flac, ...
    status          text NOT NULL,            -- accepted | needs_review | invalid | unrecognised | transcribed | rejected
    error           text,                     -- why rejected, in words for a clerk
    received_at     timestamptz NOT NULL,
    loaded_at       timestamptz NOT NULL DEFAULT now(),
    page_count      integer NOT NULL DEFAULT 0,
    full_text       text,
    ocr_confidence  real,
    form_type       text,
    procedure_code  text
);
CREATE INDEX documents_received_at ON documents (received_at);
CREATE INDEX documents_procedure ON documents (procedure_code, received_at);

CREATE TABLE stage_runs (
    id           bigserial PRIMARY KEY,
    document_id  bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    stage        text NOT NULL,
    worker       text NOT NULL,                -- host/pid/stage.thread
    host         text NOT NULL,
    queued_at    timestamptz NOT NULL,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz NOT NULL,
    cpu_ms       double precision NOT NULL,
    outcome      text NOT NULL                 -- ok | rejected
);
CREATE INDEX stage_runs_document ON stage_runs (document_id);
CREATE INDEX stage_runs_stage_finished ON stage_runs (stage, finished_at);
