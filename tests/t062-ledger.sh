# t062-ledger: the ledger settles every input of a run (docs/ARCHITECTURE.md
# "The ledger and recovery"): a loaded scan is done, with its finish time and
# its document; a refused file is rejected, with its (rejected) document and
# the reason. A second run of the same bytes is settled as duplicates by the
# pre-check, before dispatch: no OCR, nothing stored; the refused file is
# refused again, with its reason (t064 for more). (t060 shows the same
# under kill -9 and restarts, but takes minutes.)
# QUICK
. "$TOP/tests/lib.sh"
plan 16
cd "$TOP"
W="$TMPBASE/t062"
rm -rf "$W"; mkdir -p "$W"
cp fixtures/scans/letter_en.jpg fixtures/scans/notice_ja.png fixtures/bad/empty.png "$W/" ||
	{ fail "copy the fixtures"; done_testing; exit 1; }
fresh_db docpipe_t062
set -- "$W/letter_en.jpg" "$W/notice_ja.png" "$W/empty.png"
sha() { sha256sum "$W/$1" | cut -c1-64; }

# --- first run: two scans loaded, one empty file refused -----------------------
run_rc "first run: exit 2 (one input rejected)" 2 "$DOCPIPE" run "$@"
contains "first run's summary" "$RUN_OUT" "3 documents (2 loaded, 1 rejected, 0 duplicates, 0 not loaded)"
mark=$(q "select coalesce(max(id), 0) from ledger")
eq "ledger: one row per input" 3 "$mark"
# state | finished_at set | document_id is the stored document of these bytes | attempts
row() { # row FILE FIRST_ID LAST_ID: that file's ledger rows in the range
	q "select string_agg(l.state || '|' || (l.finished_at is not null) || '|' ||
		coalesce((l.document_id = d.id)::text, 'no document') || '|' || l.attempts || '|' ||
		(l.dispatched_at is not null), ',' order by l.id)
	   from ledger l left join documents d on d.sha256 = '$2'
	   where l.path = '$W/$1' and l.id between $3 and $4"
}
for f in letter_en.jpg notice_ja.png; do
	eq "ledger: $f settled done (finished_at, document_id of its document)" "done|true|true|1|true" \
		"$(row "$f" "$(sha "$f")" 1 "$mark")"
done
eq "ledger: empty.png settled rejected, with its rejected document and the reason" \
	"rejected|true|true|1|true|rejected|is empty" \
	"$(row empty.png "$(sha empty.png)" 1 "$mark")|$(q "select d.status from ledger l join documents d on d.id = l.document_id where l.path = '$W/empty.png'")|$(q "select error from ledger where path = '$W/empty.png'" | grep -o 'is empty')"
eq "ledger: nothing left queued or dispatched" 0 "$(q "select count(*) from ledger where state in ('queued', 'dispatched') or finished_at is null")"

# --- second run of the same files: the duplicate pre-check -------------------
ocr_runs=$(q "select count(*) from stage_runs where stage = 'ocr'")
run_rc "second run of the same files: exit 2 (the empty file refused again)" 2 "$DOCPIPE" run "$@"
contains "second run's summary says duplicates and the rejection" "$RUN_OUT" "3 documents (0 loaded, 1 rejected, 2 duplicates, 0 not loaded)"
ocr_line=$(printf '%s\n' "$RUN_OUT" | grep -E '^ocr +[0-9]' || true)
eq "second run: no OCR stage in its summary" "" "$ocr_line"
eq "second run stored no OCR stage run" "$ocr_runs" "$(q "select count(*) from stage_runs where stage = 'ocr'")"
eq "second run stored no document" 3 "$(q 'select count(*) from documents')"
last=$(q "select max(id) from ledger")
for f in letter_en.jpg notice_ja.png; do
	eq "ledger: $f of the second run settled duplicate of its document, never dispatched" "duplicate|true|true|0|false" \
		"$(row "$f" "$(sha "$f")" $((mark + 1)) "$last")"
done
eq "ledger: empty.png of the second run settled rejected again, with the reason" "rejected|EMPTY_FILE|is empty" \
	"$(q "select state, error_code, substring(error from 'is empty') from ledger where path = '$W/empty.png' and id > $mark")"
eq "ledger: nothing left open after the second run" 0 "$(q "select count(*) from ledger where state in ('queued', 'dispatched') or finished_at is null")"
done_testing
