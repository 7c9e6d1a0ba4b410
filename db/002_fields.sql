-- 002_fields: what form OCR read, what validation found, free-form attributes.
CREATE TABLE fields (
    id            bigserial PRIMARY KEY,
    document_id   bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    page          integer NOT NULL,
    name          text NOT NULL,
    value         text,                        -- normalised value
    raw_text      text,                        -- what OCR (or QR) actually read
    confidence    real,
    needs_review  boolean NOT NULL DEFAULT false,
    source        text NOT NULL                -- ocr | checkbox | qr | autofill
);
CREATE INDEX fields_document ON fields (document_id);
CREATE INDEX fields_name_value ON fields (name, value);

CREATE TABLE validation_issues (
    id           bigserial PRIMARY KEY,
    document_id  bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    field        text,
    code         text NOT NULL,
    severity     text NOT NULL,               -- error | warning | notice
    message_ja   text NOT NULL,
    message_en   text NOT NULL
);
CREATE INDEX validation_issues_document ON validation_issues (document_id);

CREATE TABLE document_attrs (
    document_id  bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    key          text NOT NULL,
    value        text,
    PRIMARY KEY (document_id, key)
);
