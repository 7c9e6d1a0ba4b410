-- 008_files_names: why an input was refused, for machines, and file names
-- kept as their bytes.
-- error_code: a stable code beside the words of error (EMPTY_FILE,
-- TRUNCATED, NOT_AN_IMAGE, ...: docs/OPERATIONS.md lists them); NULL for a
-- document that was not rejected, and for rejections stored before this
-- migration.
-- source_name_raw, path_raw, final_path_raw: the name exactly as the file
-- system gave it. A name that is not UTF-8 (Shift_JIS from a Windows share)
-- cannot be text: source_name, path and final_path hold its display form
-- (decoded as CP932 when it is valid CP932, else with \xNN escapes), these
-- columns the bytes. NULL in rows stored before this migration.
ALTER TABLE documents ADD COLUMN error_code text, ADD COLUMN source_name_raw bytea;
ALTER TABLE ledger ADD COLUMN error_code text, ADD COLUMN path_raw bytea, ADD COLUMN final_path_raw bytea;

-- analysts may count rejections by code; names stay out of their reach
GRANT SELECT (error_code) ON documents TO docpipe_analyst;
GRANT SELECT (error_code) ON ledger TO docpipe_analyst;
