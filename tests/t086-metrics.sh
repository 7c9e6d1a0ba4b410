# t086-metrics: `docpipe watch` with [metrics] listen serves Prometheus text
# at /metrics (documents by status, fields, stage time) and the health checks
# /health/live and /health/ready, and stops listening when it stops.
# QUICK
. "$TOP/tests/lib.sh"
plan 10
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
	printf '[metrics]\nlisten = 127.0.0.1:%s\n' "$port"
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
kill -TERM "$WPID"
wait "$WPID"
eq "watch: SIGTERM, exit 0" 0 $?
curl -s -o /dev/null "$B/health/live" 2>/dev/null
eq "nothing listens after the watcher stopped (curl: connection refused)" 7 $?
done_testing
