#!/bin/bash
# bench/asr_bench.sh: meeting transcription, side by side in one run.
#
#   scripts/dev-db start && make && bench/asr_bench.sh [REPEATS]
#
# (a) stock `pocketsphinx_continuous -infile X.wav` on every clip converted to
#     16 kHz mono 16-bit with sox: word error rate and CPU per second of audio;
# (b) docpipe (`docpipe run`, the shipped [asr] settings with the council
#     vocabulary) on the original files: word error rate and CPU per second of
#     audio of each recording (audio + asr stage runs, from stage_runs);
# (c) docpipe without the vocabulary, with PocketSphinx's own search
#     settings (topn 4, maxhmmpf 30000), with the vocabulary weighted 10
#     and 50 instead of 30, and with chunks of 8-30 s instead of 5-20 s, to
#     show what each choice buys;
# (d) the long meeting (200.6 s): wall time of the stock decoder and of
#     `docpipe run` with 1 and with 2 asr workers (shipped chunks of 5-20 s,
#     and 8-30 s), REPEATS times each (3), interleaved, medians;
# (e) an hour of recording (HOURS=1; acc01 and 20 s of silence repeated, made
#     by fixtures/audio/gen.sh long-hours) through `docpipe run`: wall time
#     and peak memory (bench/asr/hour.sh).
# Clips: fixtures/audio (the nine accuracy clips acc01-07, acc10, acc11 are
# the pooled set; acc08 telephone band and acc09 pink noise apart; the long
# meeting) and, when Festival is installed, three held-out clips spoken from
# bench/asr/heldout.txt (sentences the vocabulary never saw).
# Writes bench/asr/PERFORMANCE-section.md (raw figures in bench/asr/last-run/).
# Timing is not a test: the machine is shared, so compare the columns of one
# run; the load average before and after is printed with the figures.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
eval "$(scripts/dev-db env)"
bin=${DOCPIPE:-$top/build/docpipe}
reps=${1:-3}
A=fixtures/audio
raw=bench/asr/last-run
out=$(mktemp -d /tmp/docpipe-bench-asr.XXXXXX)
dbs=()
cleanup() {
	rm -rf "$out"
	for d in "${dbs[@]}"; do psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $d" 2>/dev/null || true; done
}
trap cleanup EXIT
# a failed docpipe run stops the bench: no word error rate of an empty
# transcript, no wall time of a crash (issue 18)
run_failed() { # run_failed WHAT RC LOG
	echo "asr_bench: $1 failed (exit $2); the last lines of $3:" >&2
	tail -20 "$3" >&2
	exit 1
}
rm -rf "$raw"; mkdir -p "$raw/hyp"
command -v pocketsphinx_continuous >/dev/null || { echo "asr_bench: install pocketsphinx (pocketsphinx_continuous)" >&2; exit 1; }
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u +%Y-%m-%dT%H:%MZ)

# ---------------------------------------------------------------- the clips
clips=()
for f in $A/acc*.wav $A/acc*.flac $A/acc*.ogg $A/long_meeting.flac; do clips+=("$f"); done
if command -v text2wave >/dev/null && bench/asr/make_heldout.sh "$out/heldout" 2>/dev/null; then
	for v in slt kal ked; do clips+=("$out/heldout/heldout_$v.wav"); done
else
	echo "asr_bench: festival missing: no held-out clips" >&2
fi
: > "$raw/clips.tsv"
mkdir -p "$out/16k"
for f in "${clips[@]}"; do
	b=$(basename "$f"); b=${b%.*}
	sox -V1 "$f" -r 16000 -c 1 -b 16 -e signed-integer "$out/16k/$b.wav"
	cp "${f%.*}.txt" "$raw/hyp/$b.ref"
	printf '%s\t%s\t%s\n' "$b" "$f" "$(soxi -D "$f")" >> "$raw/clips.tsv"
done

# ------------------------------------------------ (a) the stock decoder
# its model loading, measured on one second of silence, is subtracted
sox -V1 -n -r 16000 -c 1 -b 16 "$out/silence.wav" trim 0 1
tload=()
for _ in 1 2 3; do
	tload+=("$( { /usr/bin/time -f '%U %S' pocketsphinx_continuous -infile "$out/silence.wav" -logfn /dev/null >/dev/null; } 2>&1 |
		awk '{print $1 + $2}')")
done
stock_load=$(printf '%s\n' "${tload[@]}" | sort -n | sed -n 2p)
: > "$raw/stock.tsv"
while IFS=$'\t' read -r b f dur; do
	t=$( { /usr/bin/time -f '%e %U %S' pocketsphinx_continuous -infile "$out/16k/$b.wav" -logfn /dev/null \
		> "$raw/hyp/$b.stock"; } 2>&1 | tail -1)
	set -- $t
	printf '%s\t%s\t%s\n' "$b" "$1" "$(awk -v u="$2" -v s="$3" -v l="$stock_load" 'BEGIN{printf "%.3f", u + s - l}')" >> "$raw/stock.tsv"
done < "$raw/clips.tsv"

# --------------------------------------------------- (b), (c) docpipe variants
asr_keys() { # the shipped [asr] section with absolute paths
	sed -n '/^\[asr\]/,/^\[/p' pipeline.conf | grep -E '^[a-z_]+ *=' |
		sed -E "s#^(vocabulary_lm|vocabulary_dict) *= *([^/ ][^ ]*)\$#\1 = $top/\2#"
}
mkconf() { # mkconf FILE WORKERS [extra asr lines: a later key overrides]
	{
		printf '[workers]\nasr = %s\n[forms]\ndir = %s/models/forms\n[asr]\n' "$2" "$top"
		asr_keys
		printf '%b' "${3:-}"
	} > "$1"
}
mkconf "$out/shipped1.conf" 1
mkconf "$out/shipped2.conf" 2
mkconf "$out/novocab2.conf" 2 'vocabulary_lm =\nvocabulary_dict =\n'
mkconf "$out/psdefault2.conf" 2 'vocabulary_lm =\nvocabulary_dict =\ntopn = 4\nmaxhmmpf = 30000\n'
mkconf "$out/weight10.conf" 2 'vocabulary_weight = 10\n'
mkconf "$out/weight50.conf" 2 'vocabulary_weight = 50\n'
mkconf "$out/chunks830.conf" 2 'chunk_min_seconds = 8\nchunk_max_seconds = 30\n'
mkconf "$out/chunks830_1.conf" 1 'chunk_min_seconds = 8\nchunk_max_seconds = 30\n'
fresh() { # fresh DB: create an empty database, select it
	dbs+=("$1")
	export PGDATABASE=$1
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $1" 2>/dev/null
	psql -X -q -d postgres -c "CREATE DATABASE $1"
}
for v in shipped2 novocab2 psdefault2 weight10 weight50 chunks830; do
	fresh "docpipe_bench_asr_$v"
	rc=0
	"$bin" run -c "$out/$v.conf" $(cut -f2 "$raw/clips.tsv") >"$out/$v.out" 2>"$out/$v.log" || rc=$?
	[ "$rc" -eq 0 ] || run_failed "docpipe run ($v)" "$rc" "$out/$v.log"
	n=$(psql -X -qAt -c "select count(*) from documents where status in ('transcribed', 'needs_review')")
	[ "$n" -eq "$(wc -l < "$raw/clips.tsv")" ] ||
		run_failed "docpipe run ($v): $n of $(wc -l < "$raw/clips.tsv") clips transcribed" 0 "$out/$v.log"
	: > "$raw/$v.tsv"
	while IFS=$'\t' read -r b f dur; do
		psql -X -qAt -c "select coalesce(full_text, '') from documents where source_name = '$f'" > "$raw/hyp/$b.$v"
		cpu=$(psql -X -qAt -c "select round((coalesce(sum(cpu_ms), 0) / 1000.0)::numeric, 3) from stage_runs r join documents d
			on d.id = r.document_id where d.source_name = '$f' and r.stage in ('audio', 'asr')")
		printf '%s\t%s\n' "$b" "$cpu" >> "$raw/$v.tsv"
	done < "$raw/clips.tsv"
done

# ------------------------------------------- (d) wall time on the long meeting
: > "$raw/wall.tsv"
long16="$out/16k/long_meeting.wav"
for r in $(seq "$reps"); do
	t=$( { /usr/bin/time -f '%e' pocketsphinx_continuous -infile "$long16" -logfn /dev/null >/dev/null; } 2>&1 | tail -1)
	printf 'stock\t%s\t%s\t-\n' "$r" "$t" >> "$raw/wall.tsv"
	for v in shipped1 shipped2 chunks830_1 chunks830; do
		fresh "docpipe_bench_asr_wall"
		rc=0
		/usr/bin/time -f '%e' -o "$out/wall.time" "$bin" run -c "$out/$v.conf" $A/long_meeting.flac >/dev/null 2>"$out/wall.log" || rc=$?
		[ "$rc" -eq 0 ] || run_failed "docpipe run ($v, long meeting, repeat $r)" "$rc" "$out/wall.log"
		t=$(tail -1 "$out/wall.time")
		doc=$(grep -o 'duration_ms=[0-9.]*' "$out/wall.log" | tail -1 | cut -d= -f2) && [ -n "$doc" ] ||
			run_failed "docpipe run ($v): no duration_ms logged" 0 "$out/wall.log"
		printf '%s\t%s\t%s\t%s\n' "$v" "$r" "$t" "$doc" >> "$raw/wall.tsv"
	done
done

# (e) an hours-long recording (HOURS=0 to skip): wall time and peak memory
hours=${HOURS:-1}
if [ "$hours" != 0 ]; then
	: > "$raw/hour.tsv"
	bench/asr/hour.sh "$raw" "$hours"
fi

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
{
	echo "started	$started"
	echo "machine	$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
	echo "load_before	$load_before"
	echo "load_after	$load_after"
	echo "stock_load_cpu	$stock_load"
	echo "reps	$reps"
	echo "pocketsphinx	$(dpkg-query -W -f '${Version}' pocketsphinx 2>/dev/null || echo '?')"
} > "$raw/meta.tsv"
python3 bench/asr/report.py "$raw" > bench/asr/PERFORMANCE-section.md
cat bench/asr/PERFORMANCE-section.md
