# t064-rejected-twice: a rejected input stays rejected when its bytes equal
# another rejected input's (an empty WAV and an empty PNG) or its own from
# before (the same broken file sent again): counted, logged and ledgered as
# rejected with its own reason and code, quarantined with a note, never
# archived as a duplicate (issue 14, item 1).
# QUICK
. "$TOP/tests/lib.sh"
. "$TOP/tests/inbox_lib.sh"
plan 18
cd "$TOP" || exit 1
W="$TMPBASE/t064"
rm -rf "$W"
mkdir -p "$W/run" && : > "$W/run/empty.wav" && : > "$W/run/empty.png" && cp fixtures/bad/truncated.png "$W/run/" ||
	{ fail "work files made"; done_testing; exit 1; }
fresh_db docpipe_t064

# --- run: the second empty file matches the first rejection ---------------------
run_rc "run: exit 2 (inputs rejected)" 2 "$DOCPIPE" run "$W/run/empty.wav" "$W/run/empty.png"
contains "run: both counted as rejected, none as a duplicate" "$RUN_OUT" "(0 loaded, 2 rejected, 0 duplicates"
eq "ledger: both rejected, each with its own reason and code" \
	"rejected|'empty.wav' is empty (0 bytes): copy or scan it again|EMPTY_FILE
rejected|'empty.png' is empty (0 bytes): copy or scan it again|EMPTY_FILE" \
	"$(q "select state, error, error_code from ledger order by id")"
eq "one document for the empty bytes" 1 "$(q "select count(*) from documents")"

# --- run: the same broken files sent again ---------------------------------------
run_rc "run again: exit 2" 2 "$DOCPIPE" run "$W/run/empty.png" "$W/run/truncated.png"
run_rc "run a third time: exit 2" 2 "$DOCPIPE" run "$W/run/truncated.png"
contains "the third run counts the resent file as rejected" "$RUN_OUT" "(0 loaded, 1 rejected, 0 duplicates"
eq "ledger: resent files rejected again, with their reasons" \
	"rejected|EMPTY_FILE|'empty.png' is empty (0 bytes)
rejected|TRUNCATED|page 1 of 'truncated.png' is truncated or damaged and cannot be decoded
rejected|TRUNCATED|page 1 of 'truncated.png' is truncated or damaged and cannot be decoded" \
	"$(q "select state, error_code, split_part(error, ':', 1) from ledger where id > 2 order by id")"
eq "no ledger row says duplicate" 0 "$(q "select count(*) from ledger where state = 'duplicate'")"

# --- watch: quarantined with notes, nothing archived -----------------------------
D="$W/box"
box_conf "$D" </dev/null
box_start "$D"
cp "$W/run/empty.wav" "$W/run/empty.png" "$D/inbox/"
box_idle "$D" && ok "watch: the empty files settled" || fail "watch: the empty files settled"
cp "$W/run/empty.png" "$D/inbox/"
box_idle "$D" && ok "watch: the empty PNG sent again settled" || fail "watch: the empty PNG sent again settled"
box_stop
eq "watch: exits 0" 0 $?
eq "watch: nothing archived" 0 "$(find "$D/archive" -type f 2>/dev/null | wc -l)"
eq "watch: three inputs and three notes in quarantine" \
	"empty-1.png empty-1.png.error.txt empty.png empty.png.error.txt empty.wav empty.wav.error.txt" \
	"$(ls "$D/quarantine" | sort | tr '\n' ' ' | sed 's/ $//')"
grep -q "Reason / 理由:     'empty.png' is empty" "$D/quarantine/empty.png.error.txt" &&
	ok "watch: the note names the reason" || fail "watch: the note names the reason"
grep -q "Code / コード:     EMPTY_FILE" "$D/quarantine/empty-1.png.error.txt" &&
	ok "watch: the note of the resent file names the code" || fail "watch: the note of the resent file names the code"
eq "watch: not one of them logged as a duplicate" 0 "$(grep -c 'msg="duplicate' "$D/watch.log")"
eq "watch: the ledger says rejected for all three" "rejected rejected rejected" \
	"$(q "select string_agg(state, ' ') from ledger where path like '$D/inbox/%'")"
done_testing
