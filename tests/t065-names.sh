# t065-names: file names that are not UTF-8 (Shift_JIS from Windows shares
# and old scanners) are read, stored, archived and reported like any other:
# the bytes kept (source_name_raw, path_raw, final_path_raw, the archived
# file's own name), a display form everywhere text is needed (decoded as
# CP932 when it is valid CP932, else with \xNN escapes), JSON and the log
# valid UTF-8 (issue 14, item 2).
# QUICK
. "$TOP/tests/lib.sh"
. "$TOP/tests/inbox_lib.sh"
plan 19
cd "$TOP" || exit 1
W="$TMPBASE/t065"
rm -rf "$W"
mkdir -p "$W/run" || { fail "work folder made"; done_testing; exit 1; }
SJ=$(printf '\x90\xbf\x8b\x81\x8f\x91.jpg')     # 請求書.jpg in Shift_JIS
BAD=$(printf 'scan\xff\xfe.jpg')                  # neither UTF-8 nor CP932
hex() { printf '%s' "$1" | od -An -tx1 -v | tr -d ' \n'; }
utf8() { python3 -c 'import sys; sys.stdin.buffer.read().decode("utf-8")'; }
scan() { { cat fixtures/scans/letter_en.jpg && printf 'docpipe-t065 %s' "$2"; } > "$1"; }
scan "$W/run/$SJ" 1 && scan "$W/run/$BAD" 2 || { fail "scans made"; done_testing; exit 1; }
fresh_db docpipe_t065

# --- run ------------------------------------------------------------------------
run_ok "run: both names read and loaded (exit 0)" "$DOCPIPE" run "$W/run/$SJ" "$W/run/$BAD"
# in the order of their bytes: scan\xff\xfe.jpg (0x73...) before 請求書.jpg (0x90...)
eq "documents: a name of neither encoding shown escaped, the Shift_JIS name decoded" 'scan\xff\xfe.jpg
請求書.jpg' "$(q "select regexp_replace(source_name, '^.*/', '') from documents order by source_name_raw")"
eq "documents: the bytes of both names kept" "$(hex "$W/run/$BAD")
$(hex "$W/run/$SJ")" "$(q "select encode(source_name_raw, 'hex') from documents order by source_name_raw")"
eq "ledger: both done, their paths' bytes kept" "done|$(hex "$W/run/$BAD")
done|$(hex "$W/run/$SJ")" "$(q "select state, encode(path_raw, 'hex') from ledger order by path_raw")"
printf '%s' "$RUN_OUT" | utf8 && ok "run: the log is UTF-8" || fail "run: the log is UTF-8"
contains "run: the log shows the decoded name" "$RUN_OUT" "請求書.jpg"

# --- inspect ----------------------------------------------------------------------
run_ok "inspect: exit 0" "$DOCPIPE" inspect "$W/run/$SJ"
eq "inspect: JSON of valid UTF-8, the name decoded, its bytes beside it" "請求書.jpg \\x$(hex "$W/run/$SJ")" \
	"$("$DOCPIPE" inspect "$W/run/$SJ" 2>/dev/null | python3 -c '
import json, sys
d = json.loads(sys.stdin.buffer.read().decode("utf-8"))
print(d["file"].rsplit("/", 1)[-1], d["attrs"]["source.bytea"])')"

# --- watch: archived and quarantined under their own bytes -------------------------
D="$W/box"
box_conf "$D" </dev/null
box_start "$D"
scan "$D/inbox/$SJ" 3 && scan "$D/inbox/$BAD" 4 && : > "$D/inbox/$(printf '\x8b\xf3.png')"   # 空.png, empty
box_idle "$D" && ok "watch: the inbox emptied" || fail "watch: the inbox emptied"
box_stop
eq "watch: exits 0" 0 $?
day=$(ls "$D/archive" 2>/dev/null | head -n 1)
test -f "$D/archive/$day/$SJ" && ok "watch: the Shift_JIS file archived under its own bytes" ||
	fail "watch: the Shift_JIS file archived under its own bytes"
test -f "$D/archive/$day/$BAD" && ok "watch: the other archived under its own bytes" ||
	fail "watch: the other archived under its own bytes"
test -f "$D/quarantine/$(printf '\x8b\xf3.png')" && ok "watch: the empty one quarantined under its own bytes" ||
	fail "watch: the empty one quarantined under its own bytes"
grep -q "File / ファイル:   空.png" "$D/quarantine/$(printf '\x8b\xf3.png').error.txt" &&
	ok "watch: its note names it decoded" || fail "watch: its note names it decoded"
utf8 < "$D/quarantine/$(printf '\x8b\xf3.png').error.txt" && ok "watch: the note is UTF-8" || fail "watch: the note is UTF-8"
eq "ledger: settled like any other (done, rejected, done; in the order of their bytes)" "done|scan\\xff\\xfe.jpg
rejected|空.png
done|請求書.jpg" \
	"$(q "select state, regexp_replace(final_path, '^.*/', '') from ledger where path like '$D/inbox/%' order by path_raw")"
eq "ledger: the archived path's bytes kept" "$(hex "$D/archive/$day/$SJ")" \
	"$(q "select encode(final_path_raw, 'hex') from ledger where path like '%/請求書.jpg' and state = 'done' and final_path like '$D/%'")"
utf8 < "$D/watch.log" && ok "watch: the log is UTF-8" || fail "watch: the log is UTF-8"
eq "three documents more, no error in the log" "5 0" "$(q "select count(*) from documents") $(grep -c 'level=error' "$D/watch.log")"
done_testing
