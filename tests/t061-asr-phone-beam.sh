# t061-asr-phone-beam: [asr] phone_beam is PocketSphinx's phone-transition
# beam as a power of ten (-pbeam 1e-N), passed to both decoders (issue 16,
# docs/AUDIO.md "Fifth round"): built in 48 (PocketSphinx's own), shipped 44,
# out of range refused at start, and it reaches the decoder: acc07 read with
# N = 20 (a beam so narrow the search loses most words) differs from 44.
# QUICK
. "$TOP/tests/lib.sh"
plan 6
cd "$TOP"
T="$TMPBASE/t061"
mkdir -p "$T"
src=fixtures/audio/acc07_slt_16k_mono_f32_fast
asr_conf "$T/b44.conf" 1 'second_opinion_below = 0\n'
asr_conf "$T/b20.conf" 1 'second_opinion_below = 0\nphone_beam = 20\n'
asr_conf "$T/b90.conf" 1 'phone_beam = 90\n'
printf '[forms]\ndir = %s/models/forms\n' "$TOP" > "$T/builtin.conf"
eq "built-in default: phone_beam = 48" "phone_beam = 48" \
	"$("$DOCPIPE" config -c "$T/builtin.conf" 2>/dev/null | grep -E '^phone_beam' || echo missing)"
eq "shipped pipeline.conf: phone_beam = 44" "phone_beam = 44" \
	"$("$DOCPIPE" config -c "$T/b44.conf" 2>/dev/null | grep -E '^phone_beam' || echo missing)"
"$DOCPIPE" config -c "$T/b90.conf" > "$T/b90.out" 2>&1
rc=$?
check "phone_beam = 90 refused at start" test "$rc" -ne 0
check "  the message names the key" grep -q "phone_beam" "$T/b90.out"
run() { # run NAME: inspect acc07 with configuration NAME; its words into NAME.hyp
	timeout 600 "$DOCPIPE" inspect -c "$T/$1.conf" "$src.wav" > "$T/$1.json" 2>"$T/$1.log" &&
		python3 -c 'import json, sys; print(json.loads(open(sys.argv[1]).readline())["full_text"])' \
			"$T/$1.json" > "$T/$1.hyp"
}
for c in b44 b20; do run $c || echo "# inspect $c failed: $(tail -3 "$T/$c.log")"; done
echo "# 44: $(cat "$T/b44.hyp")"
echo "# 20: $(cat "$T/b20.hyp")"
run_ok "phone_beam 44: acc07 read with WER at most 0.15" python3 tests/wer.py --max 0.15 "$src.txt" "$T/b44.hyp"
check "phone_beam 20 reaches the decoder: another reading" test "$(cat "$T/b44.hyp")" != "$(cat "$T/b20.hyp")"
done_testing
