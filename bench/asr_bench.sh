#!/bin/bash
# bench/asr_bench.sh: meeting transcription, side by side in one run.
#
#   scripts/dev-db start && make && bench/asr_bench.sh [REPEATS]
#
# (a) stock `pocketsphinx_continuous -infile X.wav` on every clip converted to
#     16 kHz mono 16-bit with sox, without dither (the same samples every
#     run): word error rate and CPU per second of audio;
# (b) docpipe (`docpipe run`, the shipped settings) on the original files:
#     word error rate and CPU per second of audio of each recording (audio +
#     asr stage runs, from stage_runs);
# (c) docpipe with PocketSphinx's own language weight and the vocabulary
#     weight 30 (as shipped before the second round of issue 16), docpipe as
#     shipped before issue 16 (no narrow-band decoder, no noise suppression,
#     topn 3, maxhmmpf 3000) and docpipe with each recording decoded as one
#     chunk (chunk_max_seconds 600), to show what each buys; VARIANTS="shipped2
#     weights2" runs only those (shipped2 is needed);
# (d) the long meeting (200.6 s): wall time of the stock decoder and of
#     `docpipe run` with 1 and with 2 asr workers, REPEATS times each (3),
#     interleaved, medians;
# (e) an hour of recording (HOURS=1; acc01 and 20 s of silence repeated, made
#     by fixtures/audio/gen.sh long-hours) through `docpipe run`: wall time
#     and peak memory (bench/asr/hour.sh).
# Clips: set A, the tuning set: fixtures/audio (acc01-11, the espeak clips
# rob01-02, the long meeting) and acc02 band-limited to 300-3400 Hz by sox;
# set B, the report set (issue 16): made by fixtures/gen/gen_audio_b.py
# (other sentences, voices, rates, telephone, room, noise and babble; needs
# festival and espeak-ng); and three held-out clips spoken from
# bench/asr/heldout.txt. Settings are chosen on set A; set B is not tuned on.
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
command -v text2wave >/dev/null && command -v espeak-ng >/dev/null ||
	{ echo "asr_bench: set B needs festival and espeak-ng (fixtures/gen/gen_audio_b.py)" >&2; exit 1; }
clips=() sets=()
for f in $A/acc*.wav $A/acc*.flac $A/acc*.ogg $A/rob*.flac $A/long_meeting.flac; do clips+=("$f"); sets+=(A); done
mkdir -p "$out/a"
sox -R -D -V1 $A/acc02_kal_16k_mono_s16.wav "$out/a/acc02band_kal_16k_300-3400.wav" sinc 300-3400
cp $A/acc02_kal_16k_mono_s16.txt "$out/a/acc02band_kal_16k_300-3400.txt"
clips+=("$out/a/acc02band_kal_16k_300-3400.wav"); sets+=(A)
fixtures/gen/gen_audio_b.py "$out/b"
for f in "$out"/b/b*.wav "$out"/b/b*.flac "$out"/b/b*.ogg; do clips+=("$f"); sets+=(B); done
bench/asr/make_heldout.sh "$out/heldout"
for v in slt kal ked; do clips+=("$out/heldout/heldout_$v.wav"); sets+=(heldout); done
: > "$raw/clips.tsv"
mkdir -p "$out/16k"
for i in "${!clips[@]}"; do
	f=${clips[$i]}
	b=$(basename "$f"); b=${b%.*}
	sox -V1 -D "$f" -r 16000 -c 1 -b 16 -e signed-integer "$out/16k/$b.wav"
	cp "${f%.*}.txt" "$raw/hyp/$b.ref"
	printf '%s\t%s\t%s\t%s\n' "$b" "$f" "$(soxi -D "$f")" "${sets[$i]}" >> "$raw/clips.tsv"
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
while IFS=$'\t' read -r b f dur set; do
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
mkconf "$out/previous2.conf" 2 'narrowband = no\ndenoise_below_snr_db = 0\ntopn = 3\nmaxhmmpf = 3000\nlanguage_weight = 100\nvocabulary_weight = 30\n'
mkconf "$out/onechunk2.conf" 2 'chunk_min_seconds = 600\nchunk_max_seconds = 600\n'
mkconf "$out/weights2.conf" 2 'language_weight = 100\nvocabulary_weight = 30\n'
fresh() { # fresh DB: create an empty database, select it
	dbs+=("$1")
	export PGDATABASE=$1
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $1" 2>/dev/null
	psql -X -q -d postgres -c "CREATE DATABASE $1"
}
for v in ${VARIANTS:-shipped2 weights2 previous2 onechunk2}; do
	fresh "docpipe_bench_asr_$v"
	rc=0
	"$bin" run -c "$out/$v.conf" $(cut -f2 "$raw/clips.tsv") >"$out/$v.out" 2>"$out/$v.log" || rc=$?
	[ "$rc" -eq 0 ] || run_failed "docpipe run ($v)" "$rc" "$out/$v.log"
	n=$(psql -X -qAt -c "select count(*) from documents where status in ('transcribed', 'needs_review')")
	[ "$n" -eq "$(wc -l < "$raw/clips.tsv")" ] ||
		run_failed "docpipe run ($v): $n of $(wc -l < "$raw/clips.tsv") clips transcribed" 0 "$out/$v.log"
	: > "$raw/$v.tsv"
	while IFS=$'\t' read -r b f dur set; do
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
	for v in shipped1 shipped2; do
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
