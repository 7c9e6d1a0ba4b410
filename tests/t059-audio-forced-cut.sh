# t059-audio-forced-cut: where no pause comes before chunk_max_seconds the
# audio stage must cut inside speech; the two chunks then share [asr]
# chunk_overlap_ms of sound around the cut and asr keeps each word once,
# from the chunk its middle belongs to (issue 16).
# The clip: acc01 with every pause longer than 0.1 s shortened to 0.1 s by
# sox, so the chunker (which cuts at pauses of 0.3 s) finds none and, with
# chunks of 5 s, cuts by force four or five times.
# Measured when written (second opinion off): one chunk 10 errors of 63
# words; 5 s chunks with the overlap 10 (the same words); without it 20
# ("the town council of our site him on yet and to is to approve").
# QUICK
. "$TOP/tests/lib.sh"
plan 10
cd "$TOP"
T="$TMPBASE/t059"
mkdir -p "$T"
src=fixtures/audio/acc01_slt_16k_mono_s16
clip="$T/fluent.wav"
sox -V1 "$src.wav" -b 16 -e signed-integer "$clip" silence -l 1 0.05 1% -1 0.1 1%
cp "$src.txt" "$T/fluent.txt"
mkconf() { asr_conf "$T/$1.conf" "$2" "${3:-}"; } # mkconf NAME WORKERS [extra lines]
short='chunk_max_seconds = 5\nchunk_min_seconds = 5\n'
mkconf one 1 'chunk_max_seconds = 600\nchunk_min_seconds = 600\nsecond_opinion_below = 0\n'
mkconf cut 1 "${short}second_opinion_below = 0\n"
mkconf nolap 1 "${short}second_opinion_below = 0\nchunk_overlap_ms = 0\n"
mkconf so1 1 "$short"
mkconf so2 2 "$short"
run() { # run NAME: inspect the clip with configuration NAME; its words into NAME.hyp
	timeout 600 "$DOCPIPE" inspect -c "$T/$1.conf" "$clip" > "$T/$1.json" 2>"$T/$1.log" &&
		python3 -c 'import json, sys; print(json.loads(open(sys.argv[1]).readline())["full_text"])' \
			"$T/$1.json" > "$T/$1.hyp"
}
errors() { python3 tests/wer.py "$T/fluent.txt" "$T/$1.hyp" | awk -F'\t' '$1 == "pooled" {print $2}'; }
chunks() { python3 -c 'import json, sys; print(json.loads(open(sys.argv[1]).readline())["attrs"]["chunks.expected"])' "$T/$1.json"; }
for c in one cut nolap so1 so2; do run $c || echo "# inspect $c failed: $(tail -3 "$T/$c.log")"; done
eq "one chunk of 600 s: one chunk" 1 "$(chunks one)"
check "5 s chunks: at least 4 chunks of the 18 s clip, cut in speech (no pause of 0.3 s is left)" test "$(chunks cut)" -ge 4
e_one=$(errors one) e_cut=$(errors cut) e_nolap=$(errors nolap)
echo "# errors: one chunk $e_one, cut with overlap $e_cut, cut without $e_nolap (of 63 words)"
check "with the overlap: at most one error more than one chunk" test "$e_cut" -le $((e_one + 1))
check "without the overlap: more errors than with it (words cut in two)" test "$e_nolap" -gt "$e_cut"
run_ok "with the overlap: no word written twice (no more words than one chunk + 1)" python3 - "$T/one.hyp" "$T/cut.hyp" <<'PY'
import sys
n = [len(open(p).read().split()) for p in sys.argv[1:]]
print(n)
sys.exit(0 if n[1] <= n[0] + 1 else 1)
PY
run_ok "with the overlap: segments in order, apart, inside the clip" segments_apart "$T/cut.json"
# the second opinion re-reads doubtful stretches of a chunk; its words are
# kept by the same rule
run_ok "with the second opinion: WER at most 0.25" python3 tests/wer.py --max 0.25 "$T/fluent.txt" "$T/so1.hyp"
run_ok "with the second opinion: segments in order, apart, inside the clip" segments_apart "$T/so1.json"
eq "two asr workers: the same words" "$(cat "$T/so1.hyp")" "$(cat "$T/so2.hyp")"
printf '[forms]\ndir = %s/models/forms\n' "$TOP" > "$T/builtin.conf"
eq "built-in default: chunk_overlap_ms = 1000" "chunk_overlap_ms = 1000" \
	"$("$DOCPIPE" config -c "$T/builtin.conf" 2>/dev/null | grep -E '^chunk_overlap_ms' || echo missing)"
done_testing
