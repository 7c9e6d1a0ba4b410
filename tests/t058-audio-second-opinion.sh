# t058-audio-second-opinion: [asr] second_opinion_below (issue 16). With the
# shipped settings the council vocabulary and the language weight 120 turn
# "the department suggests delaying" of a fast, clear clip (acc07) into "the
# departments and just delaying"; the second opinion reads that doubtful
# stretch again with the general model alone and keeps the surer reading.
# Also: with every stretch read twice (100) the segments stay in order,
# inside the clip and apart; the words do not depend on the number of asr
# workers; the clip's word error rate stays within 0.02 of the stock
# decoder's (3 of 58 words in bench/asr_bench.sh runs: at most 4 here).
# Quick enough (about 30 s) to run under the sanitizers: the second decoder
# and the stretch bookkeeping are new code.
# QUICK
. "$TOP/tests/lib.sh"
plan 9
cd "$TOP"
T="$TMPBASE/t058"
mkdir -p "$T"
A=fixtures/audio
clip=$A/acc07_slt_16k_mono_f32_fast.wav
# the shipped [asr] settings (pipeline.conf), the vocabulary's paths made
# absolute; mkconf NAME WORKERS [extra lines: a later key overrides]
mkconf() {
	{
		printf '[workers]\nasr = %s\n[forms]\ndir = %s/models/forms\n[asr]\n' "$2" "$TOP"
		sed -n '/^\[asr\]/,/^\[/p' pipeline.conf | grep -E '^[a-z_]+ *=' |
			sed -E "s#^(vocabulary_lm|vocabulary_dict) *= *([^/ ][^ ]*)\$#\1 = $TOP/\2#"
		printf '%b' "${3:-}"
	} > "$T/$1.conf"
}
mkconf off 1 'second_opinion_below = 0\n'
mkconf shipped 1
mkconf shipped2 2
mkconf all 1 'second_opinion_below = 100\n'
text() { # text NAME: the clip's words with configuration NAME
	timeout 600 "$DOCPIPE" inspect -c "$T/$1.conf" "$clip" > "$T/$1.json" 2>"$T/$1.log" &&
		python3 -c 'import json, sys; print(json.loads(open(sys.argv[1]).readline())["full_text"])' "$T/$1.json"
}
off=$(text off)
contains "without a second opinion: the council model's mistake" "$off" "the departments and just delaying"
on=$(text shipped)
contains "second opinion: the words as spoken" "$on" "the department suggests delaying"
check "second opinion: the mistake is gone" sh -c '! printf "%s" "$1" | grep -q "departments and just"' - "$on"
printf '%s\n' "$on" > "$T/shipped.hyp"
run_ok "second opinion: WER at most 4 of 58 words (stock decoder: 3)" python3 tests/wer.py --max 0.069 \
	"${clip%.wav}.txt" "$T/shipped.hyp"
eq "two asr workers: the same words" "$on" "$(text shipped2)"
all=$(text all)
check "every stretch read twice: a transcript" test -n "$all"
printf '%s\n' "$all" > "$T/all.hyp"
run_ok "every stretch read twice: WER at most 0.15" python3 tests/wer.py --max 0.15 "${clip%.wav}.txt" "$T/all.hyp"
run_ok "every stretch read twice: segments in order, apart, inside the clip" python3 - "$T/all.json" <<'PY'
import json, sys
d = json.loads(open(sys.argv[1]).readline())
segs, end = d["segments"], float(d["attrs"]["audio.seconds"]) * 1000
print([(s["start_ms"], s["end_ms"]) for s in segs])
ok = segs and all(0 <= s["start_ms"] < s["end_ms"] <= end + 10 for s in segs)
ok = ok and all(a["end_ms"] <= b["start_ms"] for a, b in zip(segs, segs[1:]))
ok = ok and [s["seq"] for s in segs] == list(range(len(segs)))
sys.exit(0 if ok else 1)
PY
# the built-in default is off: a configuration without the key reads once
printf '[forms]\ndir = %s/models/forms\n' "$TOP" > "$T/builtin.conf"
eq "built-in default: second_opinion_below = 0" "second_opinion_below = 0" \
	"$("$DOCPIPE" config -c "$T/builtin.conf" 2>/dev/null | grep -E '^second_opinion_below' || echo missing)"
done_testing
