-- 009_review_raw_name: the review station finds a scan whose file name is
-- not UTF-8, and a clerk's rejection gets a code.
-- review_document() also gives source_name_raw (008) as hex, so the station
-- looks for the file under its real bytes, not under the display form (a
-- Shift_JIS name decoded for people is not the name on disk). Same rights as
-- before: clerks may execute it, nobody else.
DROP FUNCTION review_document(bigint);
CREATE FUNCTION review_document(p_doc bigint)
RETURNS TABLE (id bigint, sha256 text, source_name text, kind text, format text, status text, error text,
               form_type text, procedure_code text, received_at timestamptz, page_count integer,
               source_name_hex text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
SELECT d.id, d.sha256, d.source_name, d.kind, d.format, d.status, d.error, d.form_type, d.procedure_code,
       d.received_at, d.page_count, encode(d.source_name_raw, 'hex')
FROM documents d WHERE d.id = p_doc
$$;
REVOKE ALL ON FUNCTION review_document(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION review_document(bigint) TO docpipe_clerk;

-- A clerk's rejection carries a code too (CLERK_REJECTED), beside the words
-- the clerk gave, like every rejection docpipe makes itself (008).
CREATE OR REPLACE FUNCTION review_reject(p_doc bigint, p_reason text, p_seconds double precision)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM review_lock(p_doc, ARRAY['needs_review', 'invalid'], 'review_reject');
    PERFORM review_check_seconds(p_seconds, 'review_reject');
    IF btrim(COALESCE(p_reason, '')) = '' THEN
        RAISE EXCEPTION 'review_reject: a rejection needs a reason' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE documents SET status = 'rejected', error = p_reason, error_code = 'CLERK_REJECTED' WHERE id = p_doc;
    INSERT INTO corrections (document_id, action, new_value, seconds) VALUES (p_doc, 'reject', p_reason, p_seconds);
    RETURN 'rejected';
END
$$;
