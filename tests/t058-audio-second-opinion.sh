# t058-audio-second-opinion: [asr] second_opinion_below (issue 16). With the
# shipped settings the council vocabulary and the language weight 120 turn
# "the department suggests delaying" of a fast, clear clip (acc07) into "the
# departments and just delaying"; the second opinion reads that doubtful
# stretch again with the general model alone and keeps the surer reading.
# Also: with every stretch read twice (100) the segments stay in order,
# inside the clip and apart; the words do not depend on the number of asr
# workers; the clip's word error rate stays within 0.02 of the stock
# decoder's (3 of 58 words in bench/asr_bench.sh runs: at most 4 here).
# [asr] second_opinion_fwdflat (built in yes, shipped no): the second
# decoder's own flat pass; it reaches that decoder (acc05, a clip whose
# second opinions read otherwise without it: 5 errors of 49 against 2).
# Quick enough (about 30 s) to run under the sanitizers: the second decoder
# and the stretch bookkeeping are new code.
# QUICK
. "$TOP/tests/lib.sh"
plan 13
cd "$TOP"
T="$TMPBASE/t058"
mkdir -p "$T"
A=fixtures/audio
clip=$A/acc07_slt_16k_mono_f32_fast.wav
mkconf() { asr_conf "$T/$1.conf" "$2" "${3:-}"; } # mkconf NAME WORKERS [extra lines]
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
run_ok "every stretch read twice: segments in order, apart, inside the clip" segments_apart "$T/all.json"
# the built-in default is off: a configuration without the key reads once
printf '[forms]\ndir = %s/models/forms\n' "$TOP" > "$T/builtin.conf"
eq "built-in default: second_opinion_below = 0" "second_opinion_below = 0" \
	"$("$DOCPIPE" config -c "$T/builtin.conf" 2>/dev/null | grep -E '^second_opinion_below' || echo missing)"
eq "built-in default: second_opinion_fwdflat = yes" "second_opinion_fwdflat = yes" \
	"$("$DOCPIPE" config -c "$T/builtin.conf" 2>/dev/null | grep -E '^second_opinion_fwdflat' || echo missing)"
eq "shipped pipeline.conf: second_opinion_fwdflat = no" "second_opinion_fwdflat = no" \
	"$("$DOCPIPE" config -c "$T/shipped.conf" 2>/dev/null | grep -E '^second_opinion_fwdflat' || echo missing)"
clip=$A/acc05_kal_16k_stereo_s16.wav
mkconf flat 1 'second_opinion_fwdflat = yes\n'
noflat=$(text shipped)
flat=$(text flat)
echo "# acc05, second opinion without its flat pass: $noflat"
echo "# acc05, with it:                              $flat"
printf '%s\n' "$noflat" > "$T/noflat.hyp"
run_ok "acc05, second opinion without its flat pass: WER at most 0.15" python3 tests/wer.py --max 0.15 \
	"${clip%.wav}.txt" "$T/noflat.hyp"
check "second_opinion_fwdflat reaches the second decoder: acc05 read otherwise" test "$noflat" != "$flat"
done_testing
