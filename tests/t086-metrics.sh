# t086-metrics: `docpipe watch` with [metrics] listen serves Prometheus text
# at /metrics (documents by status, fields, stage time) and the health checks
# /health/live and /health/ready, and stops listening when it stops. The
# stage latency histogram (buckets, sum, count), the ledger backlog and the
# database retry counter, with a ledger row left unsettled and the watcher's
# connections cut to make them move. Per-stage queue depth and busy workers:
# with one OCR worker and eight forms at once, OCR jobs are seen waiting and
# never more than one busy; every queue back at 0 once all settled.
# QUICK
. "$TOP/tests/lib.sh"
plan 21
cd "$TOP" || exit 1
D="$TMPBASE/t086"
mkdir -p "$D/inbox"
fresh_db docpipe_t086
"$DOCPIPE" db migrate >/dev/null 2>&1
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
{
	printf '[watch]\ninbox = %s/inbox\nquarantine = %s/quarantine\nsettle_ms = 200\nrescan_seconds = 1\n' "$D" "$D"
	printf '[output]\narchive = %s/archive\n[forms]\ndir = %s/models/forms\n' "$D" "$TOP"
	printf '[models]\nfees = %s/models/fees.conf\ngrants = %s/models/grants.conf\n' "$TOP" "$TOP"
	printf '[metrics]\nlisten = 127.0.0.1:%s\n[workers]\nocr = 1\n' "$port"
} >"$D/p.conf"
"$DOCPIPE" watch -c "$D/p.conf" >"$D/watch.log" 2>&1 &
WPID=$!
B="http://127.0.0.1:$port"
up=""
for _ in $(seq 1 150); do
	[ "$(curl -s "$B/health/ready" 2>/dev/null)" = ready ] && { up=1; break; }
	sleep 0.2
done
eq "/health/ready says ready once the watcher takes inputs" 1 "$up"
eq "/health/live: 200" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$B/health/live")"
cp fixtures/forms/clean/hojokin_shinsei_1.png "$D/inbox/form.png"
cp fixtures/bad/empty.png "$D/inbox/empty.png"
n=""
for _ in $(seq 1 300); do
	n=$(find "$D/archive" "$D/quarantine" -type f \( -name form.png -o -name empty.png \) 2>/dev/null | wc -l)
	[ "$n" -ge 2 ] && break
	sleep 0.2
done
eq "both inputs settled (archive or quarantine)" 2 "$n"
# the loop hands the figures over on its next turn
sleep 1
body=$(curl -s "$B/metrics")
printf '%s\n' "$body" > "$D/metrics.txt"
contains "/metrics: the accepted form" "$body" 'docpipe_documents_total{status="accepted"} 1'
contains "/metrics: the rejected file" "$body" 'docpipe_documents_total{status="rejected"} 1'
contains "/metrics: fields read" "$body" 'docpipe_fields_total{flagged="no"} 10'
contains "/metrics: the form's OCR run counted (the empty file stopped at ingest)" "$body" 'docpipe_stage_seconds_count{stage="ocr"} 1'
eq "/metrics: Prometheus text content type" "text/plain; version=0.0.4; charset=utf-8" \
	"$(curl -s -o /dev/null -w '%{content_type}' "$B/metrics")"
r=$(python3 - "$D/metrics.txt" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M))
b, cnt = {}, {}
for st, le, v in re.findall(r'^docpipe_stage_seconds_bucket\{stage="(\w+)",le="([^"]+)"\} (\d+)$', text, re.M):
    b.setdefault(st, []).append((le, int(v)))
for st, v in re.findall(r'^docpipe_stage_seconds_count\{stage="(\w+)"\} (\d+)$', text, re.M):
    cnt[st] = int(v)
les = [le for le, _ in b["ingest"]]
mono = all(all(x[1] <= y[1] for x, y in zip(v, v[1:])) for v in b.values())
inf = all(v[-1] == ("+Inf", cnt[st]) for st, v in b.items())
print(types.get("docpipe_stage_seconds"), ",".join(les), sorted(b) == sorted(cnt), mono, inf, cnt["ingest"], cnt["ocr"],
      types.get("docpipe_ledger_backlog"), types.get("docpipe_db_retries_total"))
EOF
)
eq "/metrics: a stage histogram, buckets rising to +Inf = count; ingest saw both inputs, ocr the form" \
	"histogram 0.05,0.1,0.25,0.5,1,2.5,5,10,30,+Inf True True True 2 1 gauge counter" "$r"
contains "/metrics: no database retry so far" "$body" "docpipe_db_retries_total 0"
contains "/metrics: queue depth: nothing in flight once both settled" "$body" "docpipe_in_flight 0"
# the ledger is read at most every 5 s: wait for the settled state, then for a row left queued
metric() { curl -s "$B/metrics" | sed -n "s/^$1 //p"; }
poll_metric() { # NAME WANT: wait up to 10 s for the value
	local v=""
	for _ in $(seq 1 50); do v=$(metric "$1"); [ "$v" = "$2" ] && break; sleep 0.2; done
	printf '%s' "$v"
}
eq "ledger backlog 0 once both inputs settled" 0 "$(poll_metric docpipe_ledger_backlog 0)"
q "insert into ledger (path, size, sha256, state, owner) values ('/elsewhere/t086.png', 1, repeat('0', 64), 'queued', 'otherhost/1')" >/dev/null
eq "ledger backlog 1 with a row another coordinator left queued" 1 "$(poll_metric docpipe_ledger_backlog 1)"
q "delete from ledger where path = '/elsewhere/t086.png'" >/dev/null
# cut every connection of the watcher: its next ledger read fails and reconnects
q "select count(pg_terminate_backend(pid)) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()" >/dev/null
v=""
for _ in $(seq 1 60); do v=$(metric docpipe_db_retries_total); [ "${v:-0}" -ge 1 ] && break; sleep 0.2; done
check "database retries counted after the connections were cut ($v)" test "${v:-0}" -ge 1
eq "and the backlog is read again over the new connection" 0 "$(poll_metric docpipe_ledger_backlog 0)"
# eight other forms at once: with one OCR worker, OCR jobs queue up
for f in fixtures/forms/clean/*.png; do
	[ "$(basename "$f")" = hojokin_shinsei_1.png ] || cp "$f" "$D/inbox/"
done
: >"$D/scrapes.txt"
for _ in $(seq 1 600); do
	curl -s "$B/metrics" | grep -E '^docpipe_(stage_queue_depth|stage_busy|in_flight)' >>"$D/scrapes.txt"
	echo "--" >>"$D/scrapes.txt"
	n=$(find "$D/archive" -type f -name '*.png' ! -name '*.receipt.png' 2>/dev/null | wc -l)
	[ "$n" -ge 9 ] && break
	sleep 0.1
done
r=$(python3 - "$D/scrapes.txt" <<'EOF'
import re, sys
wait_ocr = busy_ocr = 0
stages = set()
for line in open(sys.argv[1]):
    m = re.match(r'docpipe_stage_(queue_depth|busy)\{stage="(\w+)"\} (-?\d+)$', line.strip())
    if not m:
        continue
    stages.add(m.group(2))
    v = int(m.group(3))
    if m.group(2) == "ocr":
        if m.group(1) == "queue_depth":
            wait_ocr = max(wait_ocr, v)
        else:
            busy_ocr = max(busy_ocr, v)
print(wait_ocr >= 1, busy_ocr, "ingest" in stages and "load" in stages and "asr" in stages)
EOF
)
eq "while eight forms pass: OCR jobs seen waiting, at most one busy (one worker), a gauge for every stage" \
	"True 1 True" "$r"
n=$(find "$D/archive" -type f -name '*.png' ! -name '*.receipt.png' | wc -l)
eq "the eight forms archived" 9 "$n"
sleep 1
body=$(curl -s "$B/metrics")
eq "every stage queue empty once all settled" "" \
	"$(printf '%s\n' "$body" | grep -E '^docpipe_stage_queue_depth' | grep -v ' 0$')"
eq "no stage busy once all settled" "" "$(printf '%s\n' "$body" | grep -E '^docpipe_stage_busy' | grep -v ' 0$')"
kill -TERM "$WPID"
wait "$WPID"
eq "watch: SIGTERM, exit 0" 0 $?
curl -s -o /dev/null "$B/health/live" 2>/dev/null
eq "nothing listens after the watcher stopped (curl: connection refused)" 7 $?
done_testing
