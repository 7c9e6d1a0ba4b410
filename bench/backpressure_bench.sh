#!/bin/bash
# bench/backpressure_bench.sh: memory stays bounded however many inputs wait
# (issue 6). Generates N distinct small scans (a line of text each), runs
# `docpipe run` over 500 and over 5,000 of them against a fresh database and
# reports the peak RSS of the process (getrusage, printed by run's summary)
# and the throughput. Usage: bench/backpressure_bench.sh [OUT.md]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=${1:-bench/results/backpressure.md}
mkdir -p "$(dirname "$out")"
eval "$(scripts/dev-db env)"
work=$(mktemp -d /tmp/docpipe-bp.XXXXXX)
trap 'rm -rf "$work"' EXIT

/usr/bin/python3 - "$work/all" 5000 <<'PY'
import os, sys
from PIL import Image, ImageDraw, ImageFont
d, n = sys.argv[1], int(sys.argv[2])
os.makedirs(d, exist_ok=True)
font = ImageFont.truetype("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf", 28)
for i in range(n):
    img = Image.new("L", (640, 90), 255)
    ImageDraw.Draw(img).text((10, 25), "受付番号 %05d Application %d" % (i, i), font=font, fill=0)
    img.save(os.path.join(d, "s%05d.png" % i), dpi=(300, 300))
PY
printf '[forms]\ndir = %s/models/forms\n[log]\nlevel = warn\n' "$top" > "$work/p.conf"
row() { # row N
	local n=$1 db=docpipe_bp_$1
	mkdir -p "$work/in$n"
	ls "$work/all" | head -n "$n" | while read -r f; do ln "$work/all/$f" "$work/in$n/$f"; done
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null 2>&1
	local rc=0
	PGDATABASE=$db build/docpipe run -c "$work/p.conf" "$work/in$n" > "$work/out$n.txt" 2>"$work/err$n.txt" || rc=$?
	if [ "$rc" -ne 0 ]; then # no row for a failed run
		echo "backpressure_bench: docpipe run ($n inputs) failed (exit $rc); the last lines of its log:" >&2
		tail -20 "$work/err$n.txt" >&2
		exit 1
	fi
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
	local rss secs docs
	rss=$(sed -nE 's/.*peak rss ([0-9]+) MB.*/\1/p' "$work/out$n.txt")
	secs=$(sed -nE 's/.* pages in ([0-9.]+) s.*/\1/p' "$work/out$n.txt")
	docs=$(sed -nE 's/^docpipe: ([0-9]+) documents.*/\1/p' "$work/out$n.txt")
	echo "| $n | $docs | $secs | $(awk "BEGIN { printf \"%.1f\", $docs / $secs }") | $rss |"
}
{
	echo "## Backpressure: peak memory against queued inputs ($(date -u +%Y-%m-%d))"
	echo
	echo "Command: \`bench/backpressure_bench.sh\` (small one-line scans, default pipeline.conf: max_in_flight 16)"
	echo
	echo "| inputs | documents | seconds | docs/s | peak RSS MB |"
	echo "| ---: | ---: | ---: | ---: | ---: |"
	row 500
	row 5000
} > "$out"
cat "$out"
