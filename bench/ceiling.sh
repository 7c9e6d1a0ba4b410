#!/bin/bash
# bench/ceiling.sh: how many documents a second the plumbing itself can take
# (issue 13: where the coordinator or PostgreSQL becomes the limit when OCR
# runs on many cores or machines).
#
# N distinct tiny PNG files (8x1 pixels, each with its own text chunk, so
# each is a new document) go through `docpipe run` with scan_route = load:
# ingest (hash, sniff, ledger) and load (one INSERT round trip and commit per
# document) only, no engine work. Measured in one run, for 1 and 2 load
# workers: documents/s (first to last stored), the coordinator's CPU per document,
# the process CPU per document (start-up taken out) and PostgreSQL's CPU per
# document (the server's processes, backends included, from /proc: the
# postmaster's own and its reaped children's CPU).
#
# Usage: bench/ceiling.sh [N] [OUT.md]   (scripts/dev-db start first: the private
# cluster under var/pg, whose processes are measured; default
# N 3000). Wall time depends on the machine's load and on fsync; run quiet.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
n=${1:-3000}
out=${2:-bench/results/ceiling.md}
mkdir -p "$(dirname "$out")"
eval "$(scripts/dev-db env)"
make -s all
work=$(mktemp -d /tmp/docpipe-ceiling.XXXXXX)
trap 'rm -rf "$work"' EXIT
python3 - "$work/in" "$n" <<'EOF'
import os, struct, sys, zlib
d, n = sys.argv[1], int(sys.argv[2])
os.makedirs(d)
def chunk(t, b):
    return struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b) & 0xffffffff)
for i in range(n):
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 1, 8, 0, 0, 0, 0)) +
           chunk(b"tEXt", b"Comment\x00%d" % i) + chunk(b"IDAT", zlib.compress(b"\x00" + b"\xff" * 8)) +
           chunk(b"IEND", b""))
    with open(os.path.join(d, "p%06d.png" % i), "wb") as f:
        f.write(png)
EOF
# the server's CPU so far, in clock ticks: the postmaster's utime+stime and
# its reaped children's (backends that ended), plus the children alive now
pg_ticks() {
	local pm s=0
	pm=$(head -1 "$top/var/pg/postmaster.pid")
	s=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$pm/stat")
	for c in $(pgrep -P "$pm"); do s=$((s + $(awk '{print $14 + $15}' "/proc/$c/stat" 2>/dev/null || echo 0))); done
	echo "$s"
}
hz=$(getconf CLK_TCK)
calc() { awk "BEGIN { printf \"%.2f\", $* }"; }
{
	echo "## Plumbing ceiling (bench/ceiling.sh, $n documents, scan_route = load)"
	echo
	echo "| load workers | documents/s (first to last stored) | coordinator CPU ms/doc | docpipe CPU ms/doc (no start-up) | PostgreSQL CPU ms/doc |"
	echo "| --- | --- | --- | --- | --- |"
} >"$out"
for lw in 1 2; do
	db=docpipe_ceiling
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null 2>&1
	PGDATABASE=$db build/docpipe db migrate >/dev/null
	sed -e "s|^scan_route = .*|scan_route = load|" -e "s|^load = .*|load = $lw|" -e "s|= models/|= $top/models/|" \
		-e "s|= var/|= $work/var/|" pipeline.conf >"$work/c.conf"
	p0=$(pg_ticks)
	PGDATABASE=$db build/docpipe run -c "$work/c.conf" "$work/in" >"$work/run.txt" 2>"$work/run.log" ||
		{ echo "ceiling: docpipe run failed" >&2; tail -5 "$work/run.log" >&2; exit 1; }
	p1=$(pg_ticks)
	loaded=$(psql -X -qAt -d "$db" -c "select count(*) from documents")
	[ "$loaded" = "$n" ] || { echo "ceiling: $loaded of $n documents stored" >&2; exit 1; }
	s=$(cat "$work/run.txt" "$work/run.log")
	# documents/s from the first document stored to the last (the log's ts)
	rate=$(python3 -c '
import re, sys
from datetime import datetime
ts = [datetime.strptime(m, "%Y-%m-%dT%H:%M:%S.%fZ") for m in
      re.findall(r"^ts=(\S+) level=info msg=document ", open(sys.argv[1]).read(), re.M)]
print("%.0f" % ((len(ts) - 1) / (ts[-1] - ts[0]).total_seconds()))' "$work/run.log")
	proc=$(printf '%s\n' "$s" | sed -n 's/^cpu: process \([0-9]*\) ms.*/\1/p' | tail -1)
	start=$(printf '%s\n' "$s" | sed -n 's/.*start-up \([0-9]*\),.*/\1/p' | tail -1)
	coord=$(printf '%s\n' "$s" | sed -n 's/.*coordinator \([0-9]*\) ms.*/\1/p' | tail -1)
	echo "| $lw | $rate | $(calc "$coord / $n") | $(calc "($proc - $start) / $n") | $(calc "($p1 - $p0) * 1000 / $hz / $n") |" >>"$out"
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
done
cat "$out"
