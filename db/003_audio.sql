-- 003_audio: meeting minutes, one row per timed segment of a recording.
CREATE TABLE transcript_segments (
    id           bigserial PRIMARY KEY,
    document_id  bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    seq          integer NOT NULL,
    start_ms     bigint NOT NULL,
    end_ms       bigint NOT NULL,
    text         text NOT NULL,
    confidence   real,
    UNIQUE (document_id, seq)
);
