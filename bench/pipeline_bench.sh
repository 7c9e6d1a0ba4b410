#!/bin/bash
# bench/pipeline_bench.sh: the foundation's figures (issue 2), in one run:
#  1. plumbing: CPU of the whole docpipe process against CPU inside engine
#     calls (Leptonica, Tesseract, libpq), over 20 pages;
#  2. scaling: pages per second with one and with two OCR workers, on the
#     foundation route (preprocess, ocr, load) and on the full scan route;
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

run_docpipe() { # run_docpipe TAG OCR_WORKERS ROUTE -> summary in $work/run.TAG.txt, wall in $work/wall.TAG
	local tag=$1 w=$2 route=$3 db=docpipe_bench_$1
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null 2>&1
	printf '[pipeline]\nscan_route = %s\n[workers]\nocr = %s\npreprocess = %s\nqr = %s\n[ocr]\nfull_text = always\n[forms]\ndir = %s/models/forms\n[log]\nlevel = warn\n' \
		"$route" "$w" "$w" "$w" "$top" > "$work/$tag.conf"
	local t0 t1
	t0=$(date +%s.%N)
	local rc=0
	PGDATABASE=$db build/docpipe run -c "$work/$tag.conf" "$work/pages" > "$work/run.$tag.txt" 2>"$work/run.$tag.log" || rc=$?
	t1=$(date +%s.%N)
	if [ "$rc" -ne 0 ]; then # no wall time of a failed run
		echo "pipeline_bench: docpipe run ($tag) failed (exit $rc); the last lines of its log:" >&2
		tail -20 "$work/run.$tag.log" >&2
		exit 1
	fi
	calc "$t1 - $t0" > "$work/wall.$tag"
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
}

# the foundation path (issue 2: preprocess, OCR, PostgreSQL) and the full scan
# route (QR, validation and enrichment as well), each with 1 and 2 OCR workers
base_route=preprocess,ocr,load
full_route=preprocess,qr,ocr,validate,enrich,load
run_docpipe base1 1 $base_route
run_docpipe base2 2 $base_route
run_docpipe full1 1 $full_route
run_docpipe full2 2 $full_route
# baseline: one tesseract process per page, as a shell loop would
t0=$(date +%s.%N)
for f in "$work"/pages/*; do tesseract "$f" - -l jpn+eng >/dev/null 2>&1; done
t1=$(date +%s.%N)
base_wall=$(calc "$t1 - $t0")

row() { # row LABEL TAG REFTAG
	local w r
	w=$(cat "$work/wall.$2"); r=$(cat "$work/wall.$3")
	printf "| %s | %.2f | %.2f | %.2f |\n" "$1" "$w" "$(calc "$pages / $w")" "$(calc "$r / $w")"
}
plumbing() { # plumbing TAG -> a sentence
	local cpu_line proc eng
	cpu_line=$(grep '^cpu:' "$work/run.$1.txt")
	proc=$(echo "$cpu_line" | sed -E 's/.*process ([0-9]+) ms.*/\1/')
	eng=$(echo "$cpu_line" | sed -E 's/.*engine calls ([0-9]+) ms.*/\1/')
	echo "process CPU ${proc} ms, inside engine calls ${eng} ms: $(calc "100 * ($proc - $eng) / $eng")% on top of the engines"
}
{
	echo "## Foundation pipeline ($(date -u +%Y-%m-%d), $(nproc --all) cores, 20 pages)"
	echo
	echo "Command: \`bench/pipeline_bench.sh\` (full-page text on every page; form pages also read their fields)"
	echo
	echo "| run | wall s | pages/s | speed-up over 1 worker |"
	echo "| --- | ---: | ---: | ---: |"
	row "foundation route ($base_route), 1 OCR worker" base1 base1
	row "foundation route, 2 OCR workers" base2 base1
	row "full scan route ($full_route), 1 OCR worker" full1 full1
	row "full scan route, 2 OCR workers" full2 full1
	printf "| shell loop of \`tesseract PAGE - -l jpn+eng\` | %.2f | %.2f | |\n" "$base_wall" "$(calc "$pages / $base_wall")"
	echo
	echo "Plumbing, foundation route with 2 workers: $(plumbing base2)."
	echo
	echo "Plumbing, full route with 2 workers: $(plumbing full2)."
	echo
	echo "Foundation route, 2 OCR workers:"
	echo
	echo '```'
	cat "$work/run.base2.txt"
	echo '```'
	echo
	echo "Full scan route, 2 OCR workers:"
	echo
	echo '```'
	cat "$work/run.full2.txt"
	echo '```'
} > "$out"
cat "$out"
