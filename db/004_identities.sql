-- 004_identities: who came to the counter, decoded from the entrance QR code.
-- Personal data: readable by the loader role only (roles in a later migration).
CREATE TABLE identities (
    document_id  bigint PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
    name         text,
    org          text,
    tel          text,
    visit        text,
    raw_payload  text
);

-- the receipt QR code's payload, one per accepted application
CREATE TABLE receipts (
    document_id  bigint PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
    payload      text NOT NULL,
    png_path     text
);
