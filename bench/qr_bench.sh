#!/bin/bash
# bench/qr_bench.sh [N]: the entrance QR decode rate and the qr stage's cost.
#
# Inputs: the committed fixture scans (fixtures/qr/scans: 23 QR variants, two
# malformed payloads, one page without a code), N (default 150) random variants
# generated afresh by fixtures/qr/gen_qr.py --bench (position, sticker rotation
# 0/±2/±15/37/90/180 deg, page rotation up to 3 deg, 200/300/400 dpi, modules
# 0.3 to 0.6 mm, clean/noisy/photocopy grey/JPEG; deterministic), and the form
# pages of fixtures/forms/clean and degraded, which carry no QR code (the cost
# of looking and finding nothing).
# Runs `build/docpipe inspect` over all of them (full-page text off, as it
# does not matter here) and reads, per file, whether the identity decoded
# equals the payload printed and the qr stage's CPU time (timings[].cpu_ms).
# Writes bench/qr/PERFORMANCE-section.md (a section for docs/PERFORMANCE.md)
# and prints it. Timing is noisy on shared machines: run it on an idle one.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
n=${1:-150}
work=$(mktemp -d /tmp/docpipe-qrbench.XXXXXX)
trap 'rm -rf "$work"' EXIT
make -s all
echo "generating $n random QR variants in $work/gen ..." >&2
/usr/bin/python3 fixtures/qr/gen_qr.py --bench "$work/gen" "$n"
cat >"$work/bench.conf" <<CONF
[ocr]
full_text = never
[forms]
dir = $top/models/forms
[models]
fees = $top/models/fees.conf
grants = $top/models/grants.conf
procedures = $top/models/procedures.conf
CONF
echo "running docpipe inspect over $(ls "$work/gen" | grep -vc json) + fixture pages ..." >&2
# without a database: autofill is not what is measured here
PGHOST=/nonexistent build/docpipe inspect -c "$work/bench.conf" fixtures/qr/scans/* "$work"/gen/b* \
	fixtures/forms/clean/* fixtures/forms/degraded/* >"$work/inspect.jsonl" 2>"$work/inspect.log" || {
	# inspect stops at the first page it cannot run: a rate over the pages
	# before it would be a rate over a subset (report.py also checks that
	# every page is there)
	rc=$?
	echo "qr_bench: docpipe inspect failed (exit $rc); the last lines of its log:" >&2
	tail -20 "$work/inspect.log" >&2
	exit 1
}
python3 bench/qr/report.py "$work/inspect.jsonl" fixtures/qr/truth.json "$work/gen/truth.json" "$n" \
	>bench/qr/PERFORMANCE-section.md
cat bench/qr/PERFORMANCE-section.md
