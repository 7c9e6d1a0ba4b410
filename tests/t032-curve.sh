# t032-curve: ZeroMQ CURVE on the tcp transport (issue 14 item 4, src/curve.h).
# QUICK
# Real sockets, real processes. The coordinator (`docpipe run`, no OCR
# thread of its own) admits the key of worker w1 only. Checked:
#   - keygen: a pair per name, the secret file 0600, never overwritten;
#   - bind beyond loopback without keys, and a secret key others can read,
#     are refused at start with the reason;
#   - a worker with no key and one with an unknown key get no job, and an
#     intruder (tests/zmq_forge.py) pushing forged jobs straight to the load
#     stage, with no key or an unknown one, stores nothing;
#   - w1, through a relay that records every byte (tests/tcp_relay.py), does
#     the OCR: the document is stored, and neither its file name nor a field
#     value it read is in the capture;
#   - the control, the same without CURVE on loopback: the file name and the
#     field value are in the capture and the forged job is stored, so the
#     checks above can fail;
#   - refused workers stop with the reason (exit 3); the coordinator reads
#     admitted_keys again while it runs: a worker refused before its .pub is
#     added is admitted when started again.
. "$TOP/tests/lib.sh"
plan 40
cd "$TOP" || exit 1
T="$TMPBASE/t032"
rm -rf "$T"
mkdir -p "$T/admitted" "$T/in"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
# below the ephemeral range (32768 up); 40 ports for the coordinator, 40 for the relay
port=$((20000 + (RANDOM % 140) * 80))
rport=$((port + 40))

# ---- keys -------------------------------------------------------------------
run_ok "keygen writes three pairs" "$DOCPIPE" keygen "$T/coordinator" "$T/w1" "$T/stranger"
eq "the secret key file is mode 0600" 600 "$(stat -c %a "$T/w1.key")"
eq "the public key file is mode 0644" 644 "$(stat -c %a "$T/w1.pub")"
check "the .pub file holds the public key and no secret" sh -c "! grep -q '^secret' '$T/w1.pub' && grep -q '^public = \"' '$T/w1.pub'"
run_rc "keygen never writes over a key" 3 "$DOCPIPE" keygen "$T/w1"
contains "and says so" "$RUN_OUT" "never overwrites"
cp "$T/w1.pub" "$T/admitted/"

conf() { # conf FILE BIND PORT [extra lines from stdin]
	{
		printf '[pipeline]\ntransport = tcp\nbind = %s\nbase_port = %s\n' "$2" "$3"
		printf '[workers]\nocr = 0\n[forms]\ndir = %s/models/forms\n' "$TOP"
		cat
	} >"$1"
}
# relay_worker TAG CONF: a relay recording to $T/TAG.cap in front of the
# coordinator at $port, and an OCR worker with CONF behind it ($relay, $wpid)
relay_worker() {
	: >"$T/$1.cap"
	"$PY" tests/tcp_relay.py "$rport" "$port" "$nports" "$T/$1.cap" >"$T/$1.relay" 2>&1 &
	relay=$!
	for i in $(seq 1 40); do grep -q ready "$T/$1.relay" && break; sleep 0.25; done
	"$DOCPIPE" worker -c "$2" --stage ocr --connect "tcp://127.0.0.1:$rport" 2>"$T/$1.worker.log" &
	wpid=$!
}
marker="t032-confidential-$$-$RANDOM"
cp fixtures/forms/clean/gyoseishoshi_cert_1.png "$T/in/$marker.png"

# ---- refusals at start --------------------------------------------------------
conf "$T/open.conf" 0.0.0.0 "$port" </dev/null
fresh_db docpipe_t032
run_rc "bind 0.0.0.0 without keys: refused (exit 1)" 1 timeout -s KILL 120 "$DOCPIPE" run -c "$T/open.conf" "$T/in/$marker.png"
contains "the refusal says why and what to set" "$RUN_OUT" "[pipeline] bind = 0.0.0.0 with transport = tcp would put pages"
cp "$T/coordinator.key" "$T/readable.key"
chmod 644 "$T/readable.key"
conf "$T/readable.conf" 127.0.0.1 "$port" <<CONF
[curve]
secret_key = $T/readable.key
CONF
run_rc "a secret key others can read: refused (exit 1)" 1 timeout -s KILL 120 "$DOCPIPE" run -c "$T/readable.conf" "$T/in/$marker.png"
contains "the refusal names the file" "$RUN_OUT" "'$T/readable.key' can be read by other users"
eq "nothing was stored" 0 "$(q 'select count(*) from documents')"

# the stages' endpoints: 2 per stage and done (src/mq.h); load's "in" is 2 * its row
stages=$("$DOCPIPE" config -c "$T/open.conf" 2>/dev/null | sed -n '/^\[workers\]/,/^\[/p' | grep ' = ' | cut -d' ' -f1)
nports=$((2 * $(printf '%s\n' "$stages" | wc -l) + 1))
load_in=$((port + 2 * ($(printf '%s\n' "$stages" | grep -n '^load$' | cut -d: -f1) - 1)))
check "the stage table gives load's endpoint" test "$nports" -gt 3 -a "$load_in" -gt "$port"

# ---- with CURVE ---------------------------------------------------------------
conf "$T/curve.conf" 127.0.0.1 "$port" <<CONF
[curve]
secret_key = $T/coordinator.key
admitted_keys = $T/admitted
CONF
conf "$T/w1.conf" 127.0.0.1 "$port" <<CONF
[curve]
secret_key = $T/w1.key
coordinator_key = $T/coordinator.pub
CONF
conf "$T/stranger.conf" 127.0.0.1 "$port" <<CONF
[curve]
secret_key = $T/stranger.key
coordinator_key = $T/coordinator.pub
CONF
conf "$T/nokey.conf" 127.0.0.1 "$port" </dev/null
fresh_db docpipe_t032
timeout -s KILL 300 "$DOCPIPE" run -c "$T/curve.conf" "$T/in/$marker.png" >"$T/run.out" 2>"$T/run.log" &
rpid=$!
"$DOCPIPE" worker -c "$T/stranger.conf" --stage ocr --connect "tcp://127.0.0.1:$port" 2>"$T/stranger.log" &
spid=$!
"$DOCPIPE" worker -c "$T/nokey.conf" --stage ocr --connect "tcp://127.0.0.1:$port" 2>"$T/nokey.log" &
npid=$!
"$PY" tests/zmq_forge.py "tcp://127.0.0.1:$load_in" forged-nokey >"$T/forge1.out" 2>&1 &
f1=$!
"$PY" tests/zmq_forge.py "tcp://127.0.0.1:$load_in" forged-stranger "$T/stranger.key" "$T/coordinator.pub" >"$T/forge2.out" 2>&1 &
f2=$!
# the intruders have time to try: the unknown key is refused (logged once)
for i in $(seq 1 60); do grep -q "refused a connection" "$T/run.log" 2>/dev/null && break; sleep 0.5; done
sleep 3
contains "the coordinator logs the refused key" "$(grep 'refused a connection' "$T/run.log")" \
	"$(sed -n 's/^public = "\(.*\)"$/\1/p' "$T/stranger.key")"
# (the workers start their OCR engine first: wait for their own word)
for i in $(seq 1 60); do
	grep -q "handshake with" "$T/nokey.log" && grep -q "refused this worker" "$T/stranger.log" && break
	sleep 0.5
done
grep -q "refused this worker's key" "$T/stranger.log" && ok "the worker with an unknown key says it was refused" ||
	fail "the worker with an unknown key says it was refused"
grep -q "the coordinator requires CURVE" "$T/nokey.log" && ok "the worker without keys says the handshake failed" ||
	fail "the worker without keys says the handshake failed"
wait "$spid"
eq "and it stops (exit 3) rather than wait for ever" 3 $?
wait "$npid"
eq "so does the worker without keys (exit 3)" 3 $?
check "the batch still waits: no worker it admits does OCR" kill -0 "$rpid"
eq "nothing is stored while only intruders are connected" 0 "$(q 'select count(*) from documents')"

# w1 through the recording relay
relay_worker curve "$T/w1.conf"
wait "$rpid"
eq "with w1 admitted the batch finishes (exit 0)" 0 $?
kill -TERM "$f1" "$f2" "$wpid"
wait "$f1" "$f2" "$wpid" 2>/dev/null
kill "$relay"; wait "$relay" 2>/dev/null
grep -q "admitted a worker key.*key=w1" "$T/run.log" && ok "the coordinator logs w1 admitted" || fail "the coordinator logs w1 admitted"
eq "the document is stored once" 1 "$(q "select count(*) from documents where source_name like '%$marker.png'")"
eq "its OCR was done by w1 (not the stranger, not the worker without a key)" "1|$wpid" \
	"$(q "select count(*), min(split_part(worker, '/', 2)) from stage_runs where stage = 'ocr'")"
eq "no forged job reached the database" 0 "$(q "select count(*) from documents where source_name like 'forged%'")"
check "the intruders did send (forged-nokey)" grep -q '^sent [1-9]' "$T/forge1.out"
value=$(q "select f.value from fields f join documents d on d.id = f.document_id where d.source_name like '%$marker.png' and f.name = 'name'")
check "w1 read the name field ('$value')" test -n "$value"
size=$(stat -c %s "$T/curve.cap")
check "the relay recorded the page's traffic ($size bytes)" test "$size" -gt 50000
check "the file name is not on the wire" sh -c "! grep -a -q -F '$marker' '$T/curve.cap'"
check "the field value is not on the wire" sh -c "! grep -a -q -F \"\$1\" '$T/curve.cap'" sh "$value"

# ---- the control: the same without CURVE, on loopback -------------------------
fresh_db docpipe_t032
port=$((port + 80)) # the CURVE run's ports may linger in TIME_WAIT
rport=$((port + 40))
conf "$T/plain.conf" 127.0.0.1 "$port" </dev/null
load_in=$((port + 2 * ($(printf '%s\n' "$stages" | grep -n '^load$' | cut -d: -f1) - 1)))
timeout -s KILL 300 "$DOCPIPE" run -c "$T/plain.conf" "$T/in/$marker.png" >"$T/run2.out" 2>"$T/run2.log" &
rpid=$!
"$PY" tests/zmq_forge.py "tcp://127.0.0.1:$load_in" forged-plain >"$T/forge3.out" 2>&1 &
f3=$!
relay_worker plain "$T/nokey.conf"
wait "$rpid"
eq "control: plain tcp batch finishes (exit 0)" 0 $?
for i in $(seq 1 20); do [ "$(q "select count(*) from documents where source_name like 'forged%'")" -gt 0 ] && break; sleep 0.5; done
kill -TERM "$f3" "$wpid"
wait "$f3" "$wpid" 2>/dev/null
kill "$relay"; wait "$relay" 2>/dev/null
check "control: without CURVE the forged job IS stored" test "$(q "select count(*) from documents where source_name like 'forged%'")" -gt 0
check "control: the file name is on the wire" grep -a -q -F "$marker" "$T/plain.cap"
check "control: the field value is on the wire" grep -a -q -F "$value" "$T/plain.cap"

# ---- a key added while watch runs: the folder is read again -----------------
# (no reload: the ZAP handler reads admitted_keys again when a worker tries
# to connect. The refused worker stopped; started again, it is admitted.)
fresh_db docpipe_t032
port=$((port + 80))
mkdir -p "$T/admitted2" "$T/inbox"
conf "$T/watch.conf" 127.0.0.1 "$port" <<CONF
[curve]
secret_key = $T/coordinator.key
admitted_keys = $T/admitted2
[watch]
inbox = $T/inbox
quarantine = $T/quarantine
settle_ms = 300
[output]
archive = $T/archive
CONF
timeout -s KILL 300 "$DOCPIPE" watch -c "$T/watch.conf" >"$T/watch.log" 2>&1 &
wapid=$!
cp "$T/in/$marker.png" "$T/inbox/"
run_rc "w1 stops while its key is not in the folder (exit 3)" 3 timeout -s KILL 120 \
	"$DOCPIPE" worker -c "$T/w1.conf" --stage ocr --connect "tcp://127.0.0.1:$port"
eq "nothing stored meanwhile" 0 "$(q 'select count(*) from documents')"
run_ok "w1.pub added to the folder" cp "$T/w1.pub" "$T/admitted2/"
"$DOCPIPE" worker -c "$T/w1.conf" --stage ocr --connect "tcp://127.0.0.1:$port" 2>"$T/w1-again.log" &
wpid=$!
for i in $(seq 1 120); do [ "$(q 'select count(*) from documents')" -ge 1 ] && break; sleep 0.5; done
eq "started again, w1 is admitted, does the OCR, the document is stored" "1|$wpid" \
	"$(q "select count(*), min(split_part(worker, '/', 2)) from stage_runs where stage = 'ocr'")"
grep -q "admitted_keys read again: 1 worker key" "$T/watch.log" && ok "the coordinator logs the folder read again" ||
	fail "the coordinator logs the folder read again"
kill -TERM "$wapid"
wait "$wapid"
eq "watch exits 0" 0 $?
kill -TERM "$wpid"
wait "$wpid"
eq "w1 exits 0 on SIGTERM" 0 $?
done_testing
