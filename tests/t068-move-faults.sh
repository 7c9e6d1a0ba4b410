# t068-move-faults: the archive or quarantine disk full, or the folder
# removed, while docpipe watch runs: the input stays in the inbox, an error
# is logged, and it is tried again; nothing lost, nothing stored twice, no
# input in quarantine without its note (issue 14, item 8). A full disk is
# the fault hook DOCPIPE_FAULT=WHAT:N (lib/util.h file_fault): the first N
# moves, folder creations or note writes fail with ENOSPC.
# QUICK
. "$TOP/tests/lib.sh"
. "$TOP/tests/inbox_lib.sh"
plan 22
cd "$TOP" || exit 1
[ -n "$TMPBASE" ] || { fail "TMPBASE set"; done_testing; exit 1; }
W="$TMPBASE/t068"
rm -rf "$W"
mkdir -p "$W" || { fail "work folder made"; done_testing; exit 1; }
scan() { { cat fixtures/scans/letter_en.jpg && printf 'docpipe-t068 %s' "$2"; } > "$1"; }
broken() { head -c 3000 fixtures/scans/notice_ja.png > "$1" && printf 'docpipe-t068 %s' "$2" >> "$1"; }
inputs() { find "$W"/*/archive "$W"/*/quarantine -type f ! -name '*.error.txt' 2>/dev/null | wc -l; }
notes() { find "$W"/*/quarantine -type f -name '*.error.txt' 2>/dev/null | wc -l; }
fresh_db docpipe_t068

# --- 1. the first two moves fail (disk full) ------------------------------------
D="$W/move"
box_conf "$D" </dev/null
box_start "$D" DOCPIPE_FAULT=move:2
scan "$D/inbox/a.jpg" 1 && broken "$D/inbox/b.png" 1
box_idle "$D" && ok "move: the inbox emptied after the failed moves" || fail "move: the inbox emptied after the failed moves"
box_stop
eq "move: watch exits 0" 0 $?
eq "move: both failures logged, each saying the input stays" 2 \
	"$(grep -c 'level=error msg="cannot move the input: it stays in the inbox and is tried again"' "$D/watch.log")"
check "move: the scan archived" test -f "$D/archive/$(ls "$D/archive")/a.jpg"
check "move: the broken scan quarantined with its note" test -f "$D/quarantine/b.png" -a -f "$D/quarantine/b.png.error.txt"
eq "move: two documents, one each" "2 2" "$(q "select count(*), count(distinct sha256) from documents" | tr '|' ' ')"
eq "move: every input and note accounted for (inputs, notes)" "2 1" "$(inputs) $(notes)"

# --- 2. the folders removed while it runs ---------------------------------------
D="$W/gone"
box_conf "$D" </dev/null
box_start "$D"
scan "$D/inbox/c.jpg" 2
box_idle "$D" && ok "gone: the first scan settled" || fail "gone: the first scan settled"
rm -rf "$D/archive" "$D/quarantine"
scan "$D/inbox/d.jpg" 3 && broken "$D/inbox/e.png" 3
box_idle "$D" && ok "gone: the inbox emptied after the folders were removed" ||
	fail "gone: the inbox emptied after the folders were removed"
box_stop
eq "gone: watch exits 0" 0 $?
check "gone: the archive made again, the scan in it" test -f "$D/archive/$(ls "$D/archive" 2>/dev/null | head -n 1)/d.jpg"
check "gone: quarantine made again, the broken scan and its note in it" test -f "$D/quarantine/e.png" -a -f "$D/quarantine/e.png.error.txt"
eq "gone: the folders made again are private" "750 750" "$(stat -c %a "$D/archive" "$D/quarantine" | tr '\n' ' ' | sed 's/ $//')"

# --- 3. the day folder cannot be made, then a note cannot be written -------------
one_fault() { # one_fault NAME HOOK MAKER FILE N LOGGED: a watch with the hook, one input
	local d="$W/$1"
	box_conf "$d" </dev/null
	box_start "$d" DOCPIPE_FAULT="$2"
	"$3" "$d/inbox/$4" "$5"
	box_idle "$d" && ok "$1: the inbox emptied" || fail "$1: the inbox emptied"
	box_stop
	grep -qF "level=error msg=$6" "$d/watch.log" && ok "$1: the failure logged" || fail "$1: the failure logged"
}
one_fault mkdir mkdir:1 scan f.jpg 4 '"cannot make the folder: the input stays in the inbox and is tried again"'
one_fault note write:1 broken g.png 5 "\"cannot write '$W/note/quarantine/g.png.error.txt': No space left on device\""

# --- 4. the quarantine broken (a file where the folder was), then repaired ---------
# no hook: a real failure, the input must wait in the inbox and go once repaired
D="$W/repair"
box_conf "$D" </dev/null
box_start "$D"
for i in $(seq 1 40); do [ -d "$D/quarantine" ] && break; sleep 0.25; done
rm -rf "$D/quarantine" && echo "not a folder" > "$D/quarantine"
broken "$D/inbox/h.png" 6
for i in $(seq 1 60); do grep -q 'cannot make the folder' "$D/watch.log" && break; sleep 0.5; done
check "repair: while broken, the input waits in the inbox" test -f "$D/inbox/h.png"
rm -f "$D/quarantine"
box_idle "$D" 30 && ok "repair: once repaired, it went without a restart" || fail "repair: once repaired, it went without a restart"
box_stop
check "repair: quarantined with its note" test -f "$D/quarantine/h.png" -a -f "$D/quarantine/h.png.error.txt"

# --- nothing lost ------------------------------------------------------------------
# c.jpg went with the archive the test removed: 7 inputs, 4 of them quarantined
eq "nothing lost: every input in archive/ or quarantine/, every quarantined one with its note (inputs, notes)" "7 4" \
	"$(inputs) $(notes)"
eq "nothing twice: one document per distinct input" "8 8" "$(q "select count(*), count(distinct sha256) from documents" | tr '|' ' ')"
done_testing
