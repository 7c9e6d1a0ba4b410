# t072-review-db: the review station's database side (db/007_review.sql,
# docs/REVIEW.md "Contract"). Fixture forms through the pipeline, then a
# clerk login (member of docpipe_clerk, with a password that the cluster
# checks: scripts/dev-db puts scram-sha-256 for +docpipe_clerk before the
# trust lines) and an analyst login: the queue, a correction through
# review_apply and its audit row, everything a clerk may not do, a wrong
# password, and measured review time in procedure_cost.
. "$TOP/tests/lib.sh"
plan 57
cd "$TOP"
T=$TMPBASE/t072
mkdir -p "$T"

fresh_db docpipe_t072
"$DOCPIPE" run fixtures/forms/clean >"$T/run.out" 2>"$T/run.log"
rc=$?
check "pipeline run over the clean forms (exit $rc)" test "$rc" -eq 0 -o "$rc" -eq 2
# which fields OCR doubts depends on OCR (issue 12 flags fewer); the database
# side of review is tested here, so the same fields of every form are marked
# doubtful, as OCR would, and every form waits for review
q "update fields set needs_review = true
   where name in ('application_date', 'submitted_date', 'birth_date', 'email', 'payeasy_customer',
                  'eligible_cost', 'amount', 'postal_code')" >/dev/null
q "update documents set status = 'needs_review' where kind = 'scan' and status = 'accepted'" >/dev/null
eq "clerk role exists and cannot log in" "f" "$(q "select rolcanlogin from pg_roles where rolname = 'docpipe_clerk'")"

# logins of this run (roles belong to the cluster: names carry DP_RUN)
clerk="t072_clerk${DP_RUN:+_$DP_RUN}"
analyst="t072_analyst${DP_RUN:+_$DP_RUN}"
pw="t072-Secret-$$"
cleanup_roles() {
	psql -X -q -d postgres -c "DROP ROLE IF EXISTS \"$clerk\"" -c "DROP ROLE IF EXISTS \"$analyst\"" >/dev/null 2>&1
}
trap 'cleanup_roles' EXIT
cleanup_roles
q "CREATE ROLE \"$clerk\" LOGIN PASSWORD '$pw' IN ROLE docpipe_clerk" >/dev/null
q "CREATE ROLE \"$analyst\" LOGIN PASSWORD '$pw' IN ROLE docpipe_analyst" >/dev/null

# the clerk's connection: its own login and password (no trust)
cq() { PGPASSWORD="$pw" psql -X -qAt -w -U "$clerk" -c "$1" 2>&1; }
aq() { PGPASSWORD="$pw" psql -X -qAt -w -U "$analyst" -c "$1" 2>&1; }

eq "clerk logs in with the password, as itself" "$clerk" "$(cq "select session_user")"
msg=$(PGPASSWORD="wrong-$pw" psql -X -qAt -w -U "$clerk" -c "select 1" 2>&1); rc=$?
check "wrong password refused (exit $rc)" test "$rc" -ne 0
contains "wrong password: the server says so" "$msg" "password authentication failed"
msg=$(psql -X -qAt -w -U "$clerk" -c "select 1" 2>&1); rc=$?
check "no password refused (exit $rc)" test "$rc" -ne 0

# ---- the queue ----
want=$(q "select string_agg(id::text, ',' order by received_at, id) from documents where status in ('needs_review', 'invalid')")
check "fixtures left documents to review ($want)" test -n "$want"
eq "review_queue: needs_review and invalid documents, oldest first" "$want" \
	"$(cq "select string_agg(id::text, ',' order by n) from (select id, row_number() over () n from review_queue(null, null, 100, 0)) x")"
eq "review_queue: total is the filtered set" "$(q "select count(*) from documents where status in ('needs_review', 'invalid') and procedure_code = 'P001'")" \
	"$(cq "select distinct total from review_queue('P001', null, 1, 0)")"
eq "review_queue: limit and offset" "$(q "select id from documents where status in ('needs_review', 'invalid') order by received_at, id offset 1 limit 1")" \
	"$(cq "select id from review_queue(null, null, 1, 1)")"
eq "review_counts: the same set grouped" "$(q "select count(*) from documents where status in ('needs_review', 'invalid')")" \
	"$(cq "select sum(documents) from review_counts()")"

# the document to review: the oldest, and one of its flagged fields
doc=$(cq "select id from review_queue(null, null, 1, 0)")
fid=$(q "select id from fields where document_id = $doc and needs_review order by id limit 1")
fname=$(q "select name from fields where id = $fid")
old=$(q "select coalesce(value, '') from fields where id = $fid")
proc=$(q "select procedure_code from documents where id = $doc")
check "a flagged field to correct (document $doc, field $fid $fname)" test -n "$fid"
other=$(q "select f.id from fields f where f.document_id <> $doc order by f.id limit 1")
eq "clerk reads the document's fields" "$(q "select count(*) from fields where document_id = $doc")" \
	"$(cq "select count(*) from review_fields($doc)")"

# ---- review_apply refuses what it must ----
apply() { cq "select review_apply($doc, '$1'::jsonb, '[]'::jsonb, '$2', 12.5)"; }
contains "refused: a field of another document" "$(apply "[{\"field_id\": $other, \"action\": \"correct\", \"value\": \"x\"}]" accepted)" \
	"is not a field of document $doc"
contains "refused: an unknown action" "$(apply "[{\"field_id\": $fid, \"action\": \"delete\"}]" accepted)" \
	"action must be correct or confirm"
contains "refused: an unknown status" "$(apply "[]" done)" "status must be accepted, needs_review or invalid"
contains "refused: negative seconds" "$(cq "select review_apply($doc, '[]', '[]', 'accepted', -1)")" "seconds must be 0 or more"
eq "refusals changed nothing" "0|$old" "$(q "select (select count(*) from corrections) || '|' || coalesce(value, '') from fields where id = $fid")"

# ---- a correction ----
new="t072 corrected <value>"
r=$(cq "select review_apply($doc, '[{\"field_id\": $fid, \"action\": \"correct\", \"value\": \"$new\"}]'::jsonb, '[]'::jsonb, 'accepted', 42.5)")
eq "review_apply returns the status" "accepted" "$r"
eq "the field holds the new value, no longer flagged, source clerk" "$new|false|clerk" \
	"$(q "select value || '|' || needs_review || '|' || source from fields where id = $fid")"
eq "the document is accepted" "accepted" "$(q "select status from documents where id = $doc")"
eq "the audit row: field, action, old and new value, clerk = the login, seconds" \
	"$fid|$fname|correct|$old|$new|$clerk|42.5" \
	"$(q "select field_id || '|' || field || '|' || action || '|' || coalesce(old_value, '') || '|' || new_value || '|' || clerk || '|' || seconds from corrections where document_id = $doc")"
eq "issues replaced (none left)" "0" "$(q "select count(*) from validation_issues where document_id = $doc")"
contains "refused: a document no longer in review" "$(apply "[]" accepted)" "is accepted, not needs_review or invalid"
eq "the reviewed document left the queue" "0" "$(cq "select count(*) from review_queue(null, null, null, null) where id = $doc")"

# an empty review still records its time; reject needs a reason (a document
# of another procedure, so that $proc has one finished case)
doc2=$(cq "select id from review_queue(null, null, null, null) where procedure_code <> '$proc' limit 1")
eq "empty changes: status kept as given" "needs_review" \
	"$(cq "select review_apply($doc2, '[]', '[{\"field\": \"x\", \"code\": \"t072\", \"severity\": \"warning\", \"message_ja\": \"注意\", \"message_en\": \"note\"}]', 'needs_review', 3)")"
eq "empty changes: one confirm row without a field, with the seconds" "confirm||3" \
	"$(q "select action || '|' || coalesce(field, '') || '|' || seconds from corrections where document_id = $doc2")"
eq "issues replaced by the ones given" "t072|warning" "$(q "select code || '|' || severity from validation_issues where document_id = $doc2")"
contains "refused: accepted with a warning left" \
	"$(cq "select review_apply($doc2, '[]', '[{\"field\": \"x\", \"code\": \"t072\", \"severity\": \"warning\", \"message_ja\": \"注意\", \"message_en\": \"note\"}]', 'accepted', 3)")" \
	"cannot be accepted"
contains "refused: reject without a reason" "$(cq "select review_reject($doc2, '  ', 1)")" "needs a reason"
eq "reject with a reason, and the rejection's code" "rejected|unreadable stamp|CLERK_REJECTED" \
	"$(cq "select review_reject($doc2, 'unreadable stamp', 7)")|$(q "select error || '|' || error_code from documents where id = $doc2")"

# ---- what the clerk may not do ----
for sql in "update fields set value = 'x' where id = $fid" "insert into fields (document_id, page, name, source) values ($doc, 1, 'x', 'ocr')" \
	"delete from fields where id = $fid" "update documents set status = 'accepted'" "delete from documents" \
	"insert into corrections (document_id, action, seconds) values ($doc, 'confirm', 1)" \
	"update corrections set seconds = 0" "delete from corrections" "select value from fields" \
	"select * from identities" "select text from transcript_segments"; do
	contains "clerk refused: ${sql%% where*}" "$(cq "$sql")" "permission denied"
done
eq "the audit is intact" "3" "$(q "select count(*) from corrections")"
contains "clerk cannot call the internal helper" "$(cq "select review_lock($doc, array['accepted'], 'x')")" "permission denied"

# ---- the analyst ----
contains "analyst cannot execute review_apply" "$(aq "select review_apply($doc, '[]', '[]', 'accepted', 1)")" "permission denied"
contains "analyst cannot read the queue" "$(aq "select * from review_queue(null, null, 1, 0)")" "permission denied"
contains "analyst cannot read corrected values" "$(aq "select new_value from corrections")" "permission denied"
contains "analyst cannot read clerk names" "$(aq "select clerk from corrections")" "permission denied"
eq "analyst reads the non-personal columns" "3" "$(aq "select count(document_id) + count(seconds) * 0 from corrections")"
eq "loader reads corrections" "3" "$(psql -X -qAt -U docpipe_loader -c "select count(clerk) from corrections" 2>&1)"
contains "loader cannot rewrite the audit" "$(psql -X -qAt -U docpipe_loader -c "delete from corrections" 2>&1)" "permission denied"

# ---- measured review time ----
"$DOCPIPE" report --format json -o "$T/report.json" 2>"$T/report.log"
eq "report written" 0 $?
r=$(python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))["tables"]
c = {r["procedure_code"]: r for r in t["procedure_cost"]}[sys.argv[2]]
f = {r["procedure_code"]: r for r in t["review_findings"]}[sys.argv[2]]
top = [(r["field"], r["corrections"]) for r in t["review_top_fields"]]
print(c["review_source"], c["measured_cases"], c["cases"] - c["open_documents"], round(c["review_hours"] * 3600, 3),
      f["documents_reviewed"], f["fields_corrected"], f["seconds"], top)' "$T/report.json" "$proc" 2>&1)
eq "procedure_cost: review time measured from the clerks' seconds; the open cases are left out" \
	"measured 1 1 42.5 1 1 42.5 [('$fname', 1)]" "$r"
eq "analyst's view says measured too" "measured" "$(aq "select review_source from procedure_cost where procedure_code = '$proc'")"
eq "a procedure nobody finished: open documents, no reduction" "true|" \
	"$(aq "select (open_documents = cases)::text || '|' || coalesce(reduction_pct::text, '') from procedure_cost where procedure_code <> '$proc' and cases > 0 and measured_cases = 0 limit 1")"
eq "document_costs: the corrected document measured, an untouched one estimated and open" "measured|false estimated|true" \
	"$(aq "select review_source || '|' || open from document_costs where document_id = $doc") $(aq "select review_source || '|' || open from document_costs where status = 'needs_review' limit 1")"
contains "text report has the review findings" "$("$DOCPIPE" report 2>/dev/null)" "Review findings"
done_testing
