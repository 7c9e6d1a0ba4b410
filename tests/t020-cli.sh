# t020-cli: configuration errors, usage errors, inspect without a database.
# QUICK
. "$TOP/tests/lib.sh"
plan 7
cd "$TOP"
printf '[workers]\nocr = 2\nocrr = 1\n' > "$TMPBASE/bad.conf"
msg=$("$DOCPIPE" config -c "$TMPBASE/bad.conf" 2>&1); rc=$?
eq "unknown key: exit 1" 1 "$rc"
contains "unknown key: file and line" "$msg" "bad.conf:3: unknown key 'ocrr' in [workers]"
"$DOCPIPE" config -c pipeline.conf >/dev/null 2>&1
eq "shipped pipeline.conf is valid" 0 $?
"$DOCPIPE" run >/dev/null 2>&1
eq "run without paths: exit 1" 1 $?
"$DOCPIPE" frobnicate >/dev/null 2>&1
eq "unknown command: exit 1" 1 $?

json=$(PGHOST=/nonexistent "$DOCPIPE" inspect fixtures/scans/letter_en.jpg fixtures/bad/empty.png 2>/dev/null)
eq "inspect prints one line per file" 2 "$(printf '%s\n' "$json" | wc -l)"
r=$(printf '%s\n' "$json" | python3 -c '
import json, sys
a, b = [json.loads(l) for l in sys.stdin]
print(a["kind"], a["pages"], "Subsidy" in a["full_text"], [t["stage"] for t in a["timings"]], b["status"])')
eq "inspect JSON: kind, pages, text, timings, rejection" \
	"scan 1 True ['ingest', 'preprocess', 'qr', 'ocr', 'validate', 'enrich'] rejected" "$r"
done_testing
