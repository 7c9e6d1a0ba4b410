-- 006_ledger: every input is recorded here before it enters the pipeline, and
-- its row says where it is: queued (taken, not yet sent), dispatched (in the
-- pipeline), done (its document is committed), rejected (committed as
-- rejected), duplicate (its bytes were already stored), failed (could not be
-- processed after all attempts), vanished (gone before it could be read).
-- A coordinator that starts finds the rows a dead coordinator left queued or
-- dispatched and runs them again; the load is idempotent, so nothing is
-- stored twice.
CREATE TABLE ledger (
    id             bigserial PRIMARY KEY,
    path           text NOT NULL,
    size           bigint,
    sha256         text,
    state          text NOT NULL,
    attempts       integer NOT NULL DEFAULT 0,
    owner          text NOT NULL,          -- host/pid of the coordinator that took it
    taken_at       timestamptz NOT NULL DEFAULT now(),
    dispatched_at  timestamptz,
    finished_at    timestamptz,
    document_id    bigint REFERENCES documents (id) ON DELETE SET NULL,
    final_path     text,                   -- where the input went (archive/, quarantine/)
    error          text
);
CREATE INDEX ledger_open ON ledger (state) WHERE state IN ('queued', 'dispatched');
CREATE INDEX ledger_sha ON ledger (sha256);

-- the loader role writes the ledger; analysts see its states, not its paths
GRANT SELECT, INSERT, UPDATE ON ledger TO docpipe_loader;
GRANT USAGE, SELECT ON SEQUENCE ledger_id_seq TO docpipe_loader;
GRANT SELECT (id, state, attempts, taken_at, dispatched_at, finished_at, document_id) ON ledger TO docpipe_analyst;
