# t020-cli: configuration errors, usage errors, inspect without a database;
# the command line's conventions (getopt_long, --help, --version, -j), where
# the configuration is looked for, `config` loading what `run` loads, the
# default workers (one per core for the page stages), and
# the run summary's counts by status.
# QUICK
. "$TOP/tests/lib.sh"
plan 42
cd "$TOP"
printf '[workers]\nocr = 2\nocrr = 1\n' > "$TMPBASE/bad.conf"
msg=$("$DOCPIPE" config -c "$TMPBASE/bad.conf" 2>&1); rc=$?
eq "unknown key: exit 1" 1 "$rc"
contains "unknown key: file and line" "$msg" "bad.conf:3: unknown key 'ocrr' in [workers]"
"$DOCPIPE" config -c pipeline.conf >/dev/null 2>&1
eq "shipped pipeline.conf is valid" 0 $?
# workers: preprocess, qr and ocr default to one per core the process may
# use (taskset counts); what [workers] says stands
printf '[forms]\ndir = %s/fixtures/forms-b/templates\n' "$TOP" > "$TMPBASE/noworkers.conf"
printf '[forms]\ndir = %s/fixtures/forms-b/templates\n[workers]\nocr = 3\n' "$TOP" > "$TMPBASE/ocr3.conf"
w=$(taskset -c 0 "$DOCPIPE" config -c "$TMPBASE/noworkers.conf" 2>/dev/null | grep -E '^(preprocess|qr|ocr) = ' | tr '\n' ' ')
eq "default workers on 1 core: one each" "preprocess = 1 qr = 1 ocr = 1 " "$w"
n=$(nproc)
w=$("$DOCPIPE" config -c "$TMPBASE/noworkers.conf" 2>/dev/null | grep -E '^ocr = ')
eq "default ocr workers: the cores the process may use" "ocr = $n" "$w"
w=$(taskset -c 0 "$DOCPIPE" config -c "$TMPBASE/ocr3.conf" 2>/dev/null | grep -E '^ocr = ')
eq "[workers] ocr = 3 stands on 1 core" "ocr = 3" "$w"
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

# --- version, --help ------------------------------------------------------------
want=$(git -C "$TOP" describe --always --dirty 2>/dev/null || cat "$TOP/VERSION")
run_ok "--version exits 0" "$DOCPIPE" --version
eq "--version prints git describe (or VERSION)" "docpipe $want" "$RUN_OUT"
eq "docpipe version says the same" "docpipe $want" "$("$DOCPIPE" version 2>&1)"
cmds=$("$DOCPIPE" help | sed -n 's/^  docpipe \([a-z]*\).*/\1/p')
bad=""
for k in $cmds; do
	out=$("$DOCPIPE" "$k" --help 2>/dev/null); rc=$?
	{ [ $rc -eq 0 ] && [ "${out#usage: docpipe $k}" != "$out" ]; } || bad="$bad $k(rc=$rc)"
done
eq "every command's --help prints its usage on stdout, exit 0 ($(echo $cmds | wc -w) commands)" "" "$bad"
[ "$(echo $cmds | wc -w)" -ge 10 ]
eq "help lists at least the 10 commands" 0 $?
out=$(cd "$TMPBASE" && "$DOCPIPE" run --help 2>&1); rc=$?
contains "run --help: usage with -j, no file looked for" "$out" "usage: docpipe run [-c CONF] [-j N] PATH..."
eq "run --help: exit 0" 0 "$rc"
out=$("$DOCPIPE" inspect --help 2>&1)
contains "inspect --help: its usage" "$out" "usage: docpipe inspect"
case "$out" in *'"status"'*) fail "inspect --help printed a document" ;; *) ok "inspect --help printed no document" ;; esac
run_rc "an unknown option is a usage error" 1 "$DOCPIPE" inspect --frobnicate fixtures/scans/letter_en.jpg
contains "unknown option named" "$RUN_OUT" "docpipe inspect: unknown option '--frobnicate'"
run_rc "-j 0 is refused" 1 "$DOCPIPE" run -j 0 fixtures/scans
contains "-j 0: the reason" "$RUN_OUT" "--jobs takes a whole number 1..64, not '0'"

# --- where the configuration comes from ------------------------------------------
mkdir -p "$TMPBASE/elsewhere"
out=$(cd "$TMPBASE/elsewhere" && DOCPIPE_CONF="$TOP/pipeline.conf" "$DOCPIPE" config 2>&1 >/dev/null)
contains "\$DOCPIPE_CONF is read when -c is not given" "$out" "configuration OK ($TOP/pipeline.conf)"
printf '[log]\nlevel = warn\n[forms]\ndir = %s/models/forms\n' "$TOP" > "$TMPBASE/elsewhere/other.conf"
out=$(cd "$TMPBASE/elsewhere" && DOCPIPE_CONF="$TOP/pipeline.conf" "$DOCPIPE" config --config="$TMPBASE/elsewhere/other.conf" 2>&1 >/dev/null)
contains "--config=FILE wins over \$DOCPIPE_CONF" "$out" "configuration OK ($TMPBASE/elsewhere/other.conf)"
if [ -e /etc/docpipe/pipeline.conf ]; then
	skip "/etc/docpipe/pipeline.conf exists on this machine: ./pipeline.conf comes after it"
else
	out=$(cd "$TOP" && env -u DOCPIPE_CONF "$DOCPIPE" config 2>&1 >/dev/null)
	contains "without -c or \$DOCPIPE_CONF: ./pipeline.conf" "$out" "configuration OK (pipeline.conf)"
fi

# --- config loads what run loads ------------------------------------------------------
C="$TMPBASE/cfg"; mkdir -p "$C/forms"
cp models/forms/*.form "$C/forms/"
printf '[forms]\ndir = nowhere\n' > "$C/a.conf"
out=$("$DOCPIPE" config -c "$C/a.conf" 2>&1 >/dev/null); rcs=$?
contains "config: a missing templates folder is named" "$out" "cannot open the form templates folder '$C/nowhere'"
f=$(ls "$C"/forms/*.form | head -1)
awk 'BEGIN{d=0} /^\[/ && !d {print; print "frobnicate = 1"; d=1; next} {print}' "$f" > "$f.tmp" && mv "$f.tmp" "$f"
printf '[forms]\ndir = forms\n' > "$C/b.conf"
out=$("$DOCPIPE" config -c "$C/b.conf" 2>&1 >/dev/null); rcs="$rcs $?"
contains "config: names the template and the key" "$out" "$(basename "$f"):"
contains "config: ... the key" "$out" "frobnicate"
printf 'this is not a fee schedule\n' > "$C/fees.conf"
printf '[models]\nfees = fees.conf\n[forms]\ndir = %s/models/forms\n' "$TOP" > "$C/c.conf"
out=$("$DOCPIPE" config -c "$C/c.conf" 2>&1 >/dev/null); rcs="$rcs $?"
contains "config: a broken fee schedule is named" "$out" "$C/fees.conf"
printf '[asr]\nhmm = %s/no-model\n[forms]\ndir = %s/models/forms\n' "$C" "$TOP" > "$C/d.conf"
out=$("$DOCPIPE" config -c "$C/d.conf" 2>&1 >/dev/null); rcs="$rcs $?"
contains "config: a missing ASR model is named" "$out" "$C/no-model"
eq "config: each of the four exits 1" "1 1 1 1" "$rcs"

# --- the run summary, -j, report --format=csv ------------------------------------------
fresh_db docpipe_t020
"$DOCPIPE" run -j 2 fixtures/forms/clean/hojokin_shinsei_1.png fixtures/bad/empty.png >"$TMPBASE/run.out" 2>"$TMPBASE/run.log"
eq "run: one form loaded, one file rejected: exit 2" 2 $?
s=$(cat "$TMPBASE/run.out")
contains "run summary: plural and counts" "$s" "docpipe: 2 documents (1 loaded, 1 rejected"
contains "run summary: by status" "$s" "by status: accepted 1, needs_review 0, invalid 0, unrecognised 0, rejected 1, duplicate 0"
contains "run summary: fields read" "$s" "10 fields read"
contains "run -j 2: two OCR worker threads ran" "$s" "ocr worker threads: 2"
"$DOCPIPE" run --jobs=1 fixtures/forms/clean/hojokin_shinsei_1.png >"$TMPBASE/run2.out" 2>/dev/null
contains "run summary: singular, the duplicate counted" "$(cat "$TMPBASE/run2.out")" "docpipe: 1 document (0 loaded, 0 rejected, 1 duplicates, 0 not loaded)"
csv=$("$DOCPIPE" report --format=csv --table=status_rates 2>/dev/null); rc=$?
eq "report --format=csv --table=status_rates: exit 0" 0 "$rc"
eq "report --format=csv is the same as --format csv" "$csv" "$("$DOCPIPE" report --format csv --table status_rates 2>/dev/null)"

# --- exit statuses listed; make run's samples include recognised forms ---------------------
h=$("$DOCPIPE" help)
eq "docpipe help lists the four exit statuses" 4 "$(printf '%s\n' "$h" | grep -cE '^  [0-3]  [a-z]')"
samples=$(sed -n '/^RUN_SAMPLES *:=/,/[^\\]$/p' Makefile | sed 's/^RUN_SAMPLES *:=//; s/\\$//' | tr -s ' \t\n' ' ')
files=""
for f in $samples; do [ -f "$f" ] && files="$files $f"; done
# shellcheck disable=SC2086
forms=$(PGHOST=/nonexistent "$DOCPIPE" inspect $files 2>/dev/null | python3 -c '
import json, sys
print(sum(1 for l in sys.stdin if json.loads(l)["form_type"] and len(json.loads(l)["fields"]) > 5))')
eq "make run's samples: three forms its templates recognise ($files)" 3 "$forms"
done_testing
