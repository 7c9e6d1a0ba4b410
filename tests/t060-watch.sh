# t060-watch: the clerks' folder and the nightly batch. Nothing lost, nothing
# twice, bad input never stops the line: kill -9 mid-batch and restart; a
# worker that dies mid-job; PostgreSQL stopped for 20 s; duplicates; every
# kind of bad input; half-written files not taken early.
# Every command's exit status is a check; a part that cannot run here prints
# skip lines (tests/lib.sh), it does not pass.
. "$TOP/tests/lib.sh"
plan 71
cd "$TOP" || exit 1
W="$TMPBASE/t060"
rm -rf "$W"
run_ok "work directory made" mkdir -p "$W"

# a conf for a watched folder under $1, extra lines from stdin
wconf() {
	local d=$1
	mkdir -p "$d/inbox"
	{
		printf '[watch]\ninbox = %s/inbox\nquarantine = %s/quarantine\nsettle_ms = 300\nrescan_seconds = 2\n' "$d" "$d"
		printf '[output]\narchive = %s/archive\n[forms]\ndir = %s/models/forms\n' "$d" "$TOP"
		printf '[log]\nlevel = info\n'
		cat
	} > "$d/p.conf"
}
# N distinct scans: the same JPEG with a different tail (readers ignore bytes after the image)
make_scans() { # make_scans DIR N PREFIX
	for i in $(seq 1 "$2"); do
		{ cat fixtures/scans/letter_en.jpg && printf 'docpipe-test %s %d' "$3" "$i"; } > "$1/$3_$i.jpg" || return 1
	done
}
start_watch() { # start_watch DIR [env...]: pid in $WPID
	env "${@:2}" "$DOCPIPE" watch -c "$1/p.conf" >>"$1/watch.log" 2>&1 &
	WPID=$!
}
# wait until the inbox is empty and nothing is in flight (ledger), at most $2 s
wait_idle() {
	local d=$1 limit=${2:-120} t=0
	while [ $t -lt $limit ]; do
		if [ -z "$(ls -A "$d/inbox" 2>/dev/null)" ] &&
		   [ "$(q "select count(*) from ledger where state in ('queued','dispatched')")" = 0 ]; then
			return 0
		fi
		sleep 1; t=$((t + 1))
	done
	return 1
}
count_files() { find "$@" -type f ! -name '*.error.txt' 2>/dev/null | wc -l; }

# --- 1. kill -9 in the middle of a batch of 36, restart -----------------------
run_ok "1: fresh database" fresh_db docpipe_t060a
D="$W/a"
run_ok "1: conf written" wconf "$D" </dev/null
run_ok "1: 32 scans put in the inbox" make_scans "$D/inbox" 32 scan
run_ok "1: 4 bad inputs put in the inbox" cp fixtures/bad/empty.png fixtures/bad/truncated.png fixtures/bad/random.jpg fixtures/bad/bomb.png "$D/inbox/"
total=$(ls "$D/inbox" | wc -l)
eq "1: 36 inputs in the inbox" 36 "$total"
start_watch "$D"
for i in $(seq 1 120); do
	n=$(count_files "$D/archive" "$D/quarantine")
	[ "$n" -ge 8 ] && break
	sleep 0.5
done
run_ok "1: watch still running when killed with -9" kill -9 $WPID
wait $WPID 2>/dev/null
before=$(count_files "$D/archive" "$D/quarantine")
check "killed mid-batch ($before of $total settled)" test "$before" -lt "$total"
# the rows the killed coordinator left open: the restart must resume exactly these
open=$(q "select count(*) from ledger where state in ('queued','dispatched')")
start_watch "$D"
wait_idle "$D" 180 && ok "restart finished the batch" || fail "restart finished the batch"
kill -TERM $WPID; wait $WPID
eq "watch exits 0 on SIGTERM" 0 $?
eq "inbox empty" 0 "$(ls -A "$D/inbox" | wc -l)"
eq "every input in archive/ or quarantine/" "$total" "$(count_files "$D/archive" "$D/quarantine")"
dups=$(find "$D/archive" "$D/quarantine" -type f ! -name '*.error.txt' -printf '%f\n' | sed 's/-[0-9]*\././' | sort | uniq -d | wc -l)
eq "no input settled twice" 0 "$dups"
eq "one document per distinct input" "$total" "$(q 'select count(*) from documents')"
eq "32 scans stored, not rejected" 32 "$(q "select count(*) from documents where status <> 'rejected'")"
eq "4 bad inputs stored as rejected" 4 "$(q "select count(*) from documents where status = 'rejected'")"
eq "no stage run stored twice" 0 "$(q "select count(*) from (select document_id, stage from stage_runs where stage <> 'asr' group by 1, 2 having count(*) > 1) x")"
eq "quarantined inputs have a note" 4 "$(ls "$D/quarantine"/*.error.txt | wc -l)"
if [ "$open" -gt 0 ] 2>/dev/null; then
	eq "restart resumed the ledger's $open unfinished rows" "$open" \
		"$(sed -n 's/.*resuming \([0-9]*\) unfinished input.*/\1/p' "$D/watch.log" | tr '\n' ' ' | sed 's/ $//')"
elif [ "$open" = 0 ]; then
	skip "killed between jobs: the ledger had no unfinished row to resume"
else
	fail "the ledger's unfinished rows could not be counted after the kill ('$open')"
fi
eq "ledger: nothing left open" 0 "$(q "select count(*) from ledger where state in ('queued','dispatched')")"

# --- 2. a worker dies mid-job: the job is dispatched again --------------------
run_ok "2: fresh database" fresh_db docpipe_t060b
D="$W/b"
run_ok "2: conf written" wconf "$D" <<'CONF'
[pipeline]
job_timeout = 6
CONF
run_ok "2: 4 scans put in the inbox" make_scans "$D/inbox" 4 crash
start_watch "$D" DOCPIPE_DEBUG_CRASH_STAGE=ocr
wait_idle "$D" 120 && ok "batch finished although a worker died" || fail "batch finished although a worker died"
kill -TERM $WPID; wait $WPID
eq "2: watch exits 0 on SIGTERM" 0 $?
grep -q "exits mid-job" "$D/watch.log" && ok "the debug hook killed an ocr worker mid-job" || fail "the debug hook killed an ocr worker mid-job"
grep -q "dispatching it again" "$D/watch.log" && ok "the lost job was dispatched again" || fail "the lost job was dispatched again"
eq "all 4 stored once" 4 "$(q "select count(*) from documents where status <> 'rejected'")"
eq "all 4 archived" 4 "$(count_files "$D/archive")"
check "ledger counts a second attempt" test "$(q 'select max(attempts) from ledger')" -ge 2

# --- 3. PostgreSQL away for 20 s mid-batch ------------------------------------
# (DOCPIPE_TEST_KEEP_DB=1 leaves the shared cluster up, for someone else's tests running at the same time)
# (10 checks; the same number of skip lines when it does not run)
if [ -z "${DOCPIPE_TEST_KEEP_DB:-}" ]; then
run_ok "3: fresh database" fresh_db docpipe_t060c
D="$W/c"
run_ok "3: conf written" wconf "$D" <<'CONF'
[database]
retry_max_seconds = 120
CONF
run_ok "3: 10 scans put in the inbox" make_scans "$D/inbox" 10 dbdown
start_watch "$D"
for i in $(seq 1 60); do [ "$(count_files "$D/archive")" -ge 2 ] && break; sleep 0.5; done
run_ok "3: database stopped" "$TOP/scripts/dev-db" stop
sleep 20
run_ok "3: database started again" "$TOP/scripts/dev-db" start
wait_idle "$D" 180 && ok "batch finished after the database came back" || fail "batch finished after the database came back"
kill -TERM $WPID; wait $WPID
eq "3: watch exits 0 on SIGTERM" 0 $?
grep -q "retrying" "$D/watch.log" && ok "waiting for the database is logged" || fail "waiting for the database is logged"
eq "all 10 stored" 10 "$(q "select count(*) from documents where status <> 'rejected'")"
eq "all 10 archived" 10 "$(count_files "$D/archive")"
else
	skip "PostgreSQL away for 20 s: DOCPIPE_TEST_KEEP_DB is set, the shared cluster is not stopped" 10
fi

# --- 4. duplicates, bad inputs, odd names, half-written files ------------------
run_ok "4: fresh database" fresh_db docpipe_t060d
D="$W/d"
run_ok "4: conf written" wconf "$D" <<'CONF'
[watch]
settle_ms = 2500
CONF
# a blank A4 page at 300 dpi, made outside the inbox and moved in whole; when
# neither python3 nor ImageMagick can make it, its check is skipped (a page
# with text in its place would make 'blank page loaded' pass on a page that is not blank)
rm -f "$W/blank.png"
/usr/bin/python3 - "$W/blank.png" <<'PY' 2>/dev/null || convert -size 2480x3508 xc:white "$W/blank.png" 2>/dev/null || rm -f "$W/blank.png"
import sys, zlib, struct
w, h = 2480, 3508
raw = b"".join(b"\x00" + b"\xff" * w for _ in range(h))
def chunk(t, b): return struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b) & 0xffffffff)
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
start_watch "$D"
sleep 1
run_ok "4: a.png put in the inbox" cp fixtures/scans/notice_ja.png "$D/inbox/a.png"
wait_idle "$D" 60 && ok "4: a.png taken and settled" || fail "4: a.png taken and settled"
run_ok "4: the same file put in the inbox again" cp fixtures/scans/notice_ja.png "$D/inbox/a.png"
run_ok "4: a renamed copy put in the inbox" cp fixtures/scans/notice_ja.png "$D/inbox/renamed copy.png"
run_ok "4: bad audio put in the inbox" cp fixtures/audio/bad/silence.wav fixtures/audio/bad/corrupt_header.wav "$D/inbox/"
run_ok "4: a text file named .jpg put in the inbox" cp fixtures/bad/notes.tif "$D/inbox/wrong extension.jpg"
blank=
if [ -s "$W/blank.png" ]; then
	run_ok "4: blank page put in the inbox" mv "$W/blank.png" "$D/inbox/blank.png" && blank=1
else
	skip "no blank page could be made (neither python3 nor ImageMagick convert)"
fi
run_ok "4: a name full of shell and SQL metacharacters put in the inbox" \
	sh -c '{ cat "$1" && printf x1; } > "$2"' sh fixtures/scans/letter_en.jpg "$D/inbox/申請書 \"quoted\" \$(touch HACKED); DROP TABLE documents;--.jpg"
run_ok "4: a link outside the inbox put in it" ln -s /etc/hostname "$D/inbox/outside.png"
run_ok "4: a hidden file and a .part upload put in the inbox" touch "$D/inbox/.hidden.png" "$D/inbox/upload.png.part"
# a half-written file: written in two pieces with a pause shorter than settle_ms,
# must not be taken before it is complete
( head -c 20000 fixtures/scans/letter_en.jpg > "$D/inbox/slow.jpg" && sleep 1 &&
  tail -c +20001 fixtures/scans/letter_en.jpg >> "$D/inbox/slow.jpg" && printf x2 >> "$D/inbox/slow.jpg" ) &
slowpid=$!
# a file that vanishes right after it appears
run_ok "4: a file that vanishes right after it appears" sh -c 'cp fixtures/scans/letter_en.jpg "$1" && rm "$1"' sh "$D/inbox/vanish.jpg"
wait $slowpid
eq "4: the half-written file was written in two pieces" 0 $?
sleep 2
for i in $(seq 1 90); do
	left=$(ls "$D/inbox" | grep -v -e '^\.hidden' -e '\.part$' | wc -l)
	[ "$left" -eq 0 ] && break; sleep 1
done
kill -TERM $WPID; wait $WPID
eq "watch survived everything and exited 0" 0 $?
eq "only ignored files stay in the inbox" ".hidden.png upload.png.part" "$(ls -A "$D/inbox" | sort | tr '\n' ' ' | sed 's/ $//')"
eq "one document for a.png, its second drop and the renamed copy" 1 \
	"$(q "select count(*) from documents where sha256 = '$(sha256sum fixtures/scans/notice_ja.png | cut -c1-64)'")"
eq "duplicates archived (3 copies)" 3 "$(find "$D/archive" -name 'a*.png' -o -name 'renamed copy*.png' | wc -l)"
grep -q 'duplicate' "$D/watch.log" && ok "duplicate logged" || fail "duplicate logged"
test ! -e "$TOP/HACKED" && test ! -e "$D/HACKED" && ok "shell metacharacters in a name are only characters" || fail "a name was executed"
eq "the documents table survived its name" 1 "$(q "select count(*) from documents where source_name like '%DROP TABLE%'")"
eq "the half-written file was read whole (one document, not rejected)" "1 accepted" \
	"$(q "select count(*), min(case when status = 'rejected' then 'rejected' else 'accepted' end) from documents where source_name like '%slow.jpg'" | tr '|' ' ')"
test -e "$D/quarantine/outside.png.error.txt" && ok "link outside the inbox refused into quarantine" || fail "link outside the inbox refused into quarantine"
grep -q "outside the inbox" "$D/quarantine/outside.png.error.txt" && ok "its note says why" || fail "its note says why"
eq "silence loaded with a notice" "transcribed|silence" \
	"$(q "select d.status, v.code from documents d join validation_issues v on v.document_id = d.id where d.source_name like '%silence.wav'")"
test -e "$D/quarantine/corrupt_header.wav.error.txt" && ok "corrupt audio quarantined" || fail "corrupt audio quarantined"
test -e "$D/quarantine/wrong extension.jpg.error.txt" && ok "a text file named .jpg quarantined" || fail "a text file named .jpg quarantined"
if [ -n "$blank" ]; then
	check "blank page loaded" test "$(q "select count(*) from documents where source_name like '%blank.png' and status <> 'rejected'")" -eq 1
else
	skip "blank page loaded: there was no blank page"
fi
# the vanished file: nothing stored, nothing archived or quarantined; if the
# watcher took it before it was gone (a ledger row), that row says vanished
# and the log says so. With settle_ms = 2500 it is usually gone before it
# settles, never taken: that branch is a skip, not a pass.
eq "the vanished file left no document" 0 "$(q "select count(*) from documents where source_name like '%vanish.jpg'")"
eq "the vanished file is in neither archive/ nor quarantine/" 0 "$(find "$D/archive" "$D/quarantine" -name 'vanish*' 2>/dev/null | wc -l)"
vrow=$(q "select string_agg(state, ',') from ledger where path like '%/vanish.jpg'")
if [ -n "$vrow" ]; then
	eq "the vanished file, taken, is settled vanished in the ledger and logged" "vanished|1" \
		"$vrow|$(grep -c 'input vanished before it could be read.*vanish\.jpg' "$D/watch.log")"
else
	skip "the vanished file was gone before it settled: never taken, so no vanished row to check"
fi
done_testing
