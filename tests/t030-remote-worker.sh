# t030-remote-worker: the coordinator binds tcp endpoints; OCR is done only by
# a separate `docpipe worker` process that connects to them (as another
# machine would). Every page must come back through it.
. "$TOP/tests/lib.sh"
plan 5
fresh_db docpipe_t030
cd "$TOP"
# below the ephemeral range (32768 up), where the kernel picks the ports of
# outgoing connections: a base port there can collide with one
port=$((20000 + RANDOM % 12000))
cat > "$TMPBASE/tcp.conf" <<CONF
[pipeline]
transport = tcp
bind = 127.0.0.1
base_port = $port
[workers]
ocr = 0
[forms]
dir = $TOP/models/forms
CONF
"$DOCPIPE" worker -c "$TMPBASE/tcp.conf" --stage ocr --threads 2 --connect "tcp://127.0.0.1:$port" \
	2>"$TMPBASE/worker.log" &
wpid=$!
"$DOCPIPE" run -c "$TMPBASE/tcp.conf" fixtures/scans/letter_en.jpg fixtures/scans/minutes_2p.tif \
	>/dev/null 2>"$TMPBASE/t030.log"
eq "batch over tcp succeeds" 0 $?
kill -TERM $wpid; wait $wpid
eq "remote worker exits cleanly on SIGTERM" 0 $?
eq "both documents loaded" 2 "$(q "select count(*) from documents where status <> 'rejected'")"
eq "every OCR run was done by the worker process" "2|$wpid" \
	"$(q "select count(*), min(split_part(worker, '/', 2)) from stage_runs where stage = 'ocr'")"
text=$(q "select full_text from documents where source_name like '%minutes_2p.tif'")
contains "text came back through the worker" "$text" "予算委員会"
done_testing
