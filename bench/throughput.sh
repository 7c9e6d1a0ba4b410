#!/bin/bash
# bench/throughput.sh: recognised forms per second end to end (issue 13).
#
# In one run, on the same scans (the held-out form set B, fixtures/forms-b:
# 32 files, 42 pages, every one a recognised form; not the tuning set):
#   1. docpipe run into PostgreSQL with the default workers (preprocess, qr
#      and ocr: one per core the process may use, so 2 and, pinned to 1 core
#      with taskset, 1), each into a fresh database; and once more on 2 cores
#      with DOCPIPE_DEBUG_ONE_READING (every field read once by its own
#      model, no second reading, no other model's check: the floor of the
#      readings, not a way to run; more fields go to review);
#   2. a two-at-a-time shell loop of `tesseract PAGE - -l jpn+eng` (full page
#      per page, as a user would otherwise script it; multi-page TIFFs are
#      split first, outside the timing);
#   3. OCRmyPDF two files at a time (Debian's ocrmypdf, installed here with
#      apt-get when missing), jpn+eng, PDF output thrown away.
# Prints forms/s (a form = an input file), CPU per form by stage (from
# docpipe's run summary), the ratios and docpipe's peak RSS, as a markdown
# section (also written to bench/results/throughput.md).
#
# Usage: bench/throughput.sh [OUT.md]   (scripts/dev-db start first)
# Run on a quiet machine: other processes on the 2 cores change every
# figure; compare within one run.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=${1:-bench/results/throughput.md}
mkdir -p "$(dirname "$out")"
eval "$(scripts/dev-db env)"
export OMP_THREAD_LIMIT=1
make -s all
if ! command -v ocrmypdf >/dev/null; then
	echo "throughput: installing ocrmypdf (Debian) for the baseline ..." >&2
	if [ "$(id -u)" = 0 ]; then apt-get install -y ocrmypdf >/dev/null; else sudo apt-get install -y ocrmypdf >/dev/null; fi
fi
work=$(mktemp -d /tmp/docpipe-throughput.XXXXXX)
trap 'rm -rf "$work"' EXIT
set_b=fixtures/forms-b
inputs=$(find "$set_b/clean" "$set_b/degraded" "$set_b/multi" "$set_b/errors" -type f | sort)
nforms=$(echo "$inputs" | wc -l)
calc() { awk "BEGIN { printf \"%.2f\", $* }"; }

# 1. docpipe, 2 cores and 1 core
run_docpipe() { # run_docpipe TAG CPUS [VAR=VALUE ...]
	local db=docpipe_tp_$1 t0 t1 rc=0
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null 2>&1
	t0=$(date +%s.%N)
	# shellcheck disable=SC2086
	PGDATABASE=$db env "${@:3}" taskset -c "$2" build/docpipe run -c "$set_b/new.conf" $inputs >"$work/run.$1.txt" 2>"$work/run.$1.log" || rc=$?
	t1=$(date +%s.%N)
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then
		echo "throughput: docpipe run ($1) failed (exit $rc):" >&2
		tail -20 "$work/run.$1.log" >&2
		exit 1
	fi
	calc "$t1 - $t0" >"$work/wall.$1"
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
}
run_docpipe two 0,1
run_docpipe one 0
run_docpipe floor 0,1 DOCPIPE_DEBUG_ONE_READING=1

# 2. tesseract, two pages at a time (pages split out of TIFFs first)
mkdir -p "$work/pages"
for f in $inputs; do
	b=$(basename "$f")
	case "$f" in
	*.tif | *.tiff) /usr/bin/python3 -c "
import sys
from PIL import Image
im = Image.open(sys.argv[1]); i = 0
while True:
    im.save('%s.p%d.png' % (sys.argv[2], i)); i += 1
    try: im.seek(i)
    except EOFError: break" "$f" "$work/pages/$b" ;;
	*) cp "$f" "$work/pages/$b" ;;
	esac
done
t0=$(date +%s.%N)
find "$work/pages" -type f | xargs -P 2 -I{} sh -c 'tesseract "$1" - -l jpn+eng >/dev/null 2>&1' sh {}
t1=$(date +%s.%N)
calc "$t1 - $t0" >"$work/wall.tess"

# 3. OCRmyPDF, two files at a time
mkdir -p "$work/pdf"
t0=$(date +%s.%N)
echo "$inputs" | xargs -P 2 -I{} sh -c 'ocrmypdf -q -l jpn+eng --image-dpi 300 --jobs 1 --output-type pdf "$1" "$2/$(basename "$1").pdf" >/dev/null 2>&1 || echo "ocrmypdf failed on $1" >&2' sh {} "$work/pdf"
t1=$(date +%s.%N)
calc "$t1 - $t0" >"$work/wall.ocrmypdf"

fps() { calc "$nforms / $(cat "$work/wall.$1")"; }
stage_cpu() { # stage_cpu TAG STAGE -> CPU ms per form
	# the stage table's row only (the summary also says "ocr worker threads: 2")
	awk -v s="$2" -v n="$nforms" '$1 == s && $2 ~ /^[0-9]+$/ { printf "%.0f", $5 / n; exit }' "$work/run.$1.txt"
}
rss() { sed -nE 's/.*peak rss ([0-9]+) MB.*/\1/p' "$work/run.$1.txt"; }
proc_cpu() { sed -nE 's/^cpu: process ([0-9]+) ms.*/\1/p' "$work/run.$1.txt"; }
startup_cpu() { sed -nE 's/.*start-up ([0-9]+),.*/\1/p' "$work/run.$1.txt"; }
{
	echo "## Throughput end to end (bench/throughput.sh, $(date -u +%Y-%m-%d), $(nproc --all) cores)"
	echo
	echo "Set B of the forms (fixtures/forms-b): $nforms files, every page a recognised form; docpipe into PostgreSQL with the default workers."
	echo
	echo "| run | wall s | forms/s | against docpipe on 2 cores |"
	echo "| --- | ---: | ---: | ---: |"
	for t in two one floor tess ocrmypdf; do
		case $t in
		two) l="docpipe run, 2 cores" ;; one) l="docpipe run, 1 core (taskset)" ;;
		floor) l="docpipe run, 2 cores, one reading per field (the floor; not a way to run)" ;;
		tess) l="tesseract jpn+eng per page, 2 at a time" ;; ocrmypdf) l="OCRmyPDF, 2 files at a time" ;;
		esac
		echo "| $l | $(cat "$work/wall.$t") | $(fps $t) | $(calc "$(fps $t) / $(fps two)") |"
	done
	echo
	echo "docpipe on 2 cores: process CPU $(calc "$(proc_cpu two) / $nforms") ms per form (of which the workers' start-up, engines loaded once per worker, $(calc "$(startup_cpu two) / $nforms")), peak RSS $(rss two) MB; scaling 1 -> 2 cores $(calc "$(fps two) / $(fps one)")x; with one reading per field (the floor) $(calc "$(proc_cpu floor) / $nforms") ms per form, the ocr stage $(stage_cpu floor ocr)."
	echo
	echo "| stage | CPU ms per form |"
	echo "| --- | ---: |"
	for s in ingest preprocess qr ocr validate enrich load; do
		echo "| $s | $(stage_cpu two $s) |"
	done
} | tee "$out"
