#!/bin/bash
# bench/pipeline_bench.sh: the foundation's figures (issue 2), in one run:
#  1. plumbing: CPU of the whole docpipe process against CPU inside engine
#     calls (Leptonica, Tesseract, libpq), over 20 pages;
#  2. scaling: pages per second with one and with two OCR workers;
#  3. baseline: the same 20 pages through a shell loop of the `tesseract`
#     command (full page, jpn+eng), as a user would otherwise script it.
# Usage: bench/pipeline_bench.sh [OUT.md]   (make bench runs it; needs the
# private cluster: scripts/dev-db start). Run on a quiet machine.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=${1:-bench/results/pipeline.md}
mkdir -p "$(dirname "$out")"
eval "$(scripts/dev-db env)"
export OMP_THREAD_LIMIT=1
work=$(mktemp -d /tmp/docpipe-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

# 20 pages: the sample scans (full-page text, 5 pages) and form pages (fields, 15 pages)
mkdir -p "$work/pages"
cp fixtures/scans/notice_ja.png fixtures/scans/letter_en.jpg fixtures/scans/minutes_2p.tif \
   fixtures/scans/notice_rotated.png "$work/pages/"
ls fixtures/forms/clean/*.png | head -9 | xargs -I{} cp {} "$work/pages/"
ls fixtures/forms/degraded/*.png | head -6 | xargs -I{} cp {} "$work/pages/"
pages=20
calc() { awk "BEGIN { printf \"%.4f\", $* }"; }

run_docpipe() { # run_docpipe OCR_WORKERS -> summary in $work/run.$1.txt
	local w=$1 db=docpipe_bench_$1
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
	printf '[workers]\nocr = %s\npreprocess = %s\nqr = %s\n[ocr]\nfull_text = always\n[forms]\ndir = %s/models/forms\n[log]\nlevel = warn\n' \
		"$w" "$w" "$w" "$top" > "$work/p$w.conf"
	local t0 t1
	t0=$(date +%s.%N)
	PGDATABASE=$db build/docpipe run -c "$work/p$w.conf" "$work/pages" > "$work/run.$w.txt" 2>"$work/run.$w.log" || true
	t1=$(date +%s.%N)
	calc "$t1 - $t0" > "$work/wall.$w"
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null
}

run_docpipe 1
run_docpipe 2
# baseline: one tesseract process per page, as a shell loop would
t0=$(date +%s.%N)
for f in "$work"/pages/*; do tesseract "$f" - -l jpn+eng >/dev/null 2>&1; done
t1=$(date +%s.%N)
base_wall=$(calc "$t1 - $t0")

w1=$(cat "$work/wall.1"); w2=$(cat "$work/wall.2")
cpu_line=$(grep '^cpu:' "$work/run.2.txt")
proc=$(echo "$cpu_line" | sed -E 's/.*process ([0-9]+) ms.*/\1/')
eng=$(echo "$cpu_line" | sed -E 's/.*engine calls ([0-9]+) ms.*/\1/')
{
	echo "## Foundation pipeline ($(date -u +%Y-%m-%d), $(nproc --all) cores, 20 pages)"
	echo
	echo "Command: \`bench/pipeline_bench.sh\`"
	echo
	echo "| run | wall s | pages/s | speed-up |"
	echo "| --- | ---: | ---: | ---: |"
	printf "| docpipe, 1 OCR worker | %.2f | %.2f | 1.00 |\n" "$w1" "$(calc "$pages / $w1")"
	printf "| docpipe, 2 OCR workers | %.2f | %.2f | %.2f |\n" "$w2" "$(calc "$pages / $w2")" "$(calc "$w1 / $w2")"
	printf "| shell loop of \`tesseract PAGE - -l jpn+eng\` | %.2f | %.2f | %.2f |\n" "$base_wall" "$(calc "$pages / $base_wall")" "$(calc "$w1 / $base_wall")"
	echo
	echo "Plumbing (2-worker run): process CPU ${proc} ms, inside engine calls ${eng} ms:" \
		"$(calc "100 * ($proc - $eng) / $eng")% on top of the engines."
	echo
	echo '```'
	cat "$work/run.2.txt"
	echo '```'
} > "$out"
cat "$out"
