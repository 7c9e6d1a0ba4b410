#!/bin/bash
# bench/forms_cpu.sh: CPU per form in instructions, which do not move with
# the machine's load (timed CPU does, by up to a third on this shared
# machine): this build against another commit (default 6752c20, the build
# before issue 12), on the pages bench/forms_speed.sh reads (set A clean and
# degraded). Each build reads them with its own pipeline.conf under
# `valgrind --tool=callgrind` (OMP_THREAD_LIMIT=1, one process, engines
# loaded once), then the first page alone; (all - one) / (pages - 1) is the
# cost of a page without the start-up. Per stage: the inclusive count of
# ocr_process, pre_process and qr_process over all pages / pages.
# Usage: bench/forms_cpu.sh [BASE_COMMIT]   (after make; about 15 minutes
# on 2 cores, the two builds in parallel)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
base=${1:-6752c20}
work=$(mktemp -d)
trap 'git worktree remove --force "$work/base" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add -f "$work/base" "$base" >/dev/null 2>&1
if ! make -C "$work/base" -j2 >"$work/base-build.log" 2>&1; then
	tail -5 "$work/base-build.log" >&2
	echo "bench/forms_cpu.sh: $base does not build here (above); it may need a package it listed then" \
		"(6752c20 wants libsamplerate0-dev): install it and run again" >&2
	exit 1
fi
mapfile -t pages < <(ls "$top"/fixtures/forms/clean/*.png "$top"/fixtures/forms/degraded/*.png "$top"/fixtures/forms/degraded/*.jpg)
n=${#pages[@]}
measure() { # measure NAME DIR: callgrind over all pages, then the first
	(cd "$2" && OMP_THREAD_LIMIT=1 valgrind --tool=callgrind --callgrind-out-file="$work/$1.all" \
		build/docpipe inspect -c pipeline.conf "${pages[@]}" >/dev/null 2>"$work/$1.all.log" &&
		OMP_THREAD_LIMIT=1 valgrind --tool=callgrind --callgrind-out-file="$work/$1.one" \
			build/docpipe inspect -c pipeline.conf "${pages[0]}" >/dev/null 2>"$work/$1.one.log")
}
measure base "$work/base" &
measure now "$top"
wait
refs() { grep -o 'refs: *[0-9,]*' "$1" | tr -dc 0-9; }
stage() { # stage NAME FUNCTION: inclusive instructions of the function
	callgrind_annotate --inclusive=yes "$work/$1.all" 2>/dev/null |
		awk -v f="$2" '$0 ~ "stages/" f " " || $0 ~ "stages/" f "$" || $0 ~ "stages/" f " \\[" {gsub(",", "", $1); print $1; exit}'
}
row() { # row LABEL BASE NOW
	awk -v l="$1" -v b="$2" -v a="$3" 'BEGIN { printf "| %s | %.0f | %.0f | %+.1f %% |\n", l, b / 1e6, a / 1e6, (a - b) * 100 / b }'
}
ba=$(refs "$work/base.all.log"); bo=$(refs "$work/base.one.log")
na=$(refs "$work/now.all.log"); no=$(refs "$work/now.one.log")
echo "## CPU per form in instructions: $(git -C "$work/base" log -1 --format=%h) against $(git log -1 --format=%h) ($(date -u +%Y-%m-%d), $n pages)"
echo
echo "Command: \`bench/forms_cpu.sh $base\`"
echo
echo "| per page, millions of instructions | $base | now | change |"
echo "| --- | ---: | ---: | ---: |"
row "whole form, start-up excluded ((all - first) / $((n - 1)))" "$(((ba - bo) / (n - 1)))" "$(((na - no) / (n - 1)))"
for f in "ocr.c:ocr_process" "preprocess.c:pre_process" "qr.c:qr_process"; do
	b=$(stage base "$f"); a=$(stage now "$f")
	row "${f#*:} (all pages / $n)" "$((${b:-0} / n))" "$((${a:-0} / n))"
done
row "start-up and the first page" "$bo" "$no"
