# t060-watch: the clerks' folder and the nightly batch. Nothing lost, nothing
# twice, bad input never stops the line: kill -9 mid-batch and restart; a
# worker that dies mid-job; PostgreSQL stopped for 20 s; duplicates; every
# kind of bad input; half-written files not taken early.
. "$TOP/tests/lib.sh"
cd "$TOP"
W="$TMPBASE/t060"
rm -rf "$W"; mkdir -p "$W"

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
		{ cat fixtures/scans/letter_en.jpg; printf 'docpipe-test %s %d' "$3" "$i"; } > "$1/$3_$i.jpg"
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
fresh_db docpipe_t060a
D="$W/a"; wconf "$D" </dev/null
make_scans "$D/inbox" 32 scan
cp fixtures/bad/empty.png fixtures/bad/truncated.png fixtures/bad/random.jpg fixtures/bad/bomb.png "$D/inbox/"
total=$(ls "$D/inbox" | wc -l)
start_watch "$D"
for i in $(seq 1 120); do
	n=$(count_files "$D/archive" "$D/quarantine")
	[ "$n" -ge 8 ] && break
	sleep 0.5
done
kill -9 $WPID; wait $WPID 2>/dev/null
before=$(count_files "$D/archive" "$D/quarantine")
check "killed mid-batch ($before of $total settled)" test "$before" -lt "$total"
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
grep -q "resuming" "$D/watch.log" && ok "restart resumed the ledger's unfinished rows" || ok "restart found nothing unfinished in the ledger (killed between jobs)"
eq "ledger: nothing left open" 0 "$(q "select count(*) from ledger where state in ('queued','dispatched')")"

# --- 2. a worker dies mid-job: the job is dispatched again --------------------
fresh_db docpipe_t060b
D="$W/b"; wconf "$D" <<'CONF'
[pipeline]
job_timeout = 6
CONF
make_scans "$D/inbox" 4 crash
start_watch "$D" DOCPIPE_DEBUG_CRASH_STAGE=ocr
wait_idle "$D" 120 && ok "batch finished although a worker died" || fail "batch finished although a worker died"
kill -TERM $WPID; wait $WPID
grep -q "exits mid-job" "$D/watch.log" && ok "the debug hook killed an ocr worker mid-job" || fail "the debug hook killed an ocr worker mid-job"
grep -q "dispatching it again" "$D/watch.log" && ok "the lost job was dispatched again" || fail "the lost job was dispatched again"
eq "all 4 stored once" 4 "$(q "select count(*) from documents where status <> 'rejected'")"
eq "all 4 archived" 4 "$(count_files "$D/archive")"
check "ledger counts a second attempt" test "$(q 'select max(attempts) from ledger')" -ge 2

# --- 3. PostgreSQL away for 20 s mid-batch ------------------------------------
# (DOCPIPE_TEST_KEEP_DB=1 leaves the shared cluster up, for someone else's tests running at the same time)
if [ -z "${DOCPIPE_TEST_KEEP_DB:-}" ]; then
fresh_db docpipe_t060c
D="$W/c"; wconf "$D" <<'CONF'
[database]
retry_max_seconds = 120
CONF
make_scans "$D/inbox" 10 dbdown
start_watch "$D"
for i in $(seq 1 60); do [ "$(count_files "$D/archive")" -ge 2 ] && break; sleep 0.5; done
"$TOP/scripts/dev-db" stop
sleep 20
"$TOP/scripts/dev-db" start
wait_idle "$D" 180 && ok "batch finished after the database came back" || fail "batch finished after the database came back"
kill -TERM $WPID; wait $WPID
grep -q "retrying" "$D/watch.log" && ok "waiting for the database is logged" || fail "waiting for the database is logged"
eq "all 10 stored" 10 "$(q "select count(*) from documents where status <> 'rejected'")"
eq "all 10 archived" 10 "$(count_files "$D/archive")"
fi

# --- 4. duplicates, bad inputs, odd names, half-written files ------------------
fresh_db docpipe_t060d
D="$W/d"; wconf "$D" <<'CONF'
[watch]
settle_ms = 2500
CONF
start_watch "$D"
sleep 1
cp fixtures/scans/notice_ja.png "$D/inbox/a.png"
wait_idle "$D" 60
cp fixtures/scans/notice_ja.png "$D/inbox/a.png"            # the same file again
cp fixtures/scans/notice_ja.png "$D/inbox/renamed copy.png"  # a renamed copy
cp fixtures/audio/bad/silence.wav fixtures/audio/bad/corrupt_header.wav "$D/inbox/"
cp fixtures/bad/notes.tif "$D/inbox/wrong extension.jpg"
/usr/bin/python3 - "$D/inbox/blank.png" <<'PY' 2>/dev/null || convert -size 2480x3508 xc:white "$D/inbox/blank.png" 2>/dev/null || cp fixtures/scans/notice_ja.png "$D/inbox/blank.png"
import sys, zlib, struct
w, h = 2480, 3508
raw = b"".join(b"\x00" + b"\xff" * w for _ in range(h))
def chunk(t, b): return struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b) & 0xffffffff)
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
{ cat fixtures/scans/letter_en.jpg; printf x1; } > "$D/inbox/申請書 \"quoted\" \$(touch HACKED); DROP TABLE documents;--.jpg"
ln -s /etc/hostname "$D/inbox/outside.png"
touch "$D/inbox/.hidden.png" "$D/inbox/upload.png.part"
# a half-written file: written in two pieces with a pause shorter than settle_ms,
# must not be taken before it is complete
( head -c 20000 fixtures/scans/letter_en.jpg > "$D/inbox/slow.jpg"; sleep 1;
  tail -c +20001 fixtures/scans/letter_en.jpg >> "$D/inbox/slow.jpg"; printf x2 >> "$D/inbox/slow.jpg" ) &
slowpid=$!
# a file that vanishes right after it appears
cp fixtures/scans/letter_en.jpg "$D/inbox/vanish.jpg"; rm -f "$D/inbox/vanish.jpg"
wait $slowpid
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
check "blank page loaded" test "$(q "select count(*) from documents where source_name like '%blank.png' and status <> 'rejected'")" -eq 1
grep -q 'vanish' "$D/watch.log" && ok "the vanished file is logged" || ok "the vanished file was gone before it was seen"
done_testing
