# t057-audio-band-noise: telephone and noisy recordings (issue 16). A
# telephone clip (8 kHz) and a 16 kHz clip band-limited to 300-3400 Hz are
# found narrow-band (document_attrs audio.band, a notice narrow_band in the
# minutes) and decoded with the narrow-band settings; a clip with pink noise
# at 20 dB is cleaned with speexdsp (audio.denoised) and keeps its times;
# a clean wide-band clip gets neither. Word error ceilings are loose bounds
# under the stock decoder's (0.54 on the noisy clip, 0.50 pooled on the
# telephone ones), with the shipped [asr] settings.
. "$TOP/tests/lib.sh"
plan 13
fresh_db docpipe_t057
cd "$TOP"
T="$TMPBASE/t057"
mkdir -p "$T"
A=fixtures/audio
sox -R -D -V1 $A/acc02_kal_16k_mono_s16.wav "$T/acc02_band.wav" sinc 300-3400
cp $A/acc02_kal_16k_mono_s16.txt "$T/acc02_band.txt"
# the shipped [asr] settings (pipeline.conf), the vocabulary's paths made absolute
{
	printf '[workers]\nasr = 1\n[forms]\ndir = %s/models/forms\n[asr]\n' "$TOP"
	sed -n '/^\[asr\]/,/^\[/p' pipeline.conf | grep -E '^[a-z_]+ *=' |
		sed -E "s#^(vocabulary_lm|vocabulary_dict) *= *([^/ ][^ ]*)\$#\1 = $TOP/\2#"
} > "$T/audio.conf"
run_ok "docpipe run: four recordings" timeout 900 "$DOCPIPE" run -c "$T/audio.conf" $A/acc08_kal_8k_mono_s16.wav \
	"$T/acc02_band.wav" $A/acc09_slt_16k_mono_s16_noise.wav $A/acc01_slt_16k_mono_s16.wav
doc() { q "select id from documents where source_name like '%/$1'"; }
attr() { q "select value from documents d join document_attrs a on a.document_id = d.id where d.source_name like '%/$1' and a.key = '$2'"; }
notices() { q "select coalesce(string_agg(code, ',' order by code), '') from validation_issues where document_id = $(doc "$1")"; }
eq "8 kHz telephone clip: narrow band" narrow "$(attr acc08_kal_8k_mono_s16.wav audio.band)"
eq "8 kHz telephone clip: notice narrow_band" narrow_band "$(notices acc08_kal_8k_mono_s16.wav)"
eq "16 kHz clip band-limited to 3.4 kHz: narrow band" narrow "$(attr acc02_band.wav audio.band)"
eq "clean 16 kHz clip: wide band" wide "$(attr acc01_slt_16k_mono_s16.wav audio.band)"
eq "clean 16 kHz clip: no notice" "" "$(notices acc01_slt_16k_mono_s16.wav)"
eq "clean 16 kHz clip: not denoised" no "$(attr acc01_slt_16k_mono_s16.wav audio.denoised)"
eq "pink noise clip: denoised" yes "$(attr acc09_slt_16k_mono_s16_noise.wav audio.denoised)"
check "pink noise clip: signal-to-noise under 35 dB" awk -v s="$(attr acc09_slt_16k_mono_s16_noise.wav audio.snr_db)" 'BEGIN { exit !(s > 0 && s < 35) }'
eq "the minutes name the narrow band" 1 "$("$DOCPIPE" minutes -c "$T/audio.conf" acc08_kal_8k_mono_s16.wav | grep -c 'narrow-band')"
text() { q "select full_text from documents where id = $(doc "$1")" > "$T/$2.hyp"; }
text acc08_kal_8k_mono_s16.wav acc08
text acc02_band.wav acc02_band
text acc09_slt_16k_mono_s16_noise.wav acc09
run_ok "telephone clips: pooled WER at most 0.42" python3 tests/wer.py --max 0.42 $A/acc08_kal_8k_mono_s16.txt "$T/acc08.hyp" \
	"$T/acc02_band.txt" "$T/acc02_band.hyp"
run_ok "pink noise clip: WER at most 0.32" python3 tests/wer.py --max 0.32 $A/acc09_slt_16k_mono_s16_noise.txt "$T/acc09.hyp"
# times: every sentence starts where it starts without the noise suppression
printf '[asr]\ndenoise_below_snr_db = 0\n' | cat "$T/audio.conf" - > "$T/nodenoise.conf"
"$DOCPIPE" inspect -c "$T/nodenoise.conf" $A/acc09_slt_16k_mono_s16_noise.wav > "$T/raw.json" 2>"$T/inspect.log"
q "select start_ms from transcript_segments where document_id = $(doc acc09_slt_16k_mono_s16_noise.wav) order by seq" > "$T/clean.starts"
run_ok "denoised segments start within 150 ms of the raw decode's" python3 - "$T/raw.json" "$T/clean.starts" <<'PY'
import json, sys
raw = [s["start_ms"] for s in json.loads(open(sys.argv[1]).readline())["segments"]]
den = [int(x) for x in open(sys.argv[2]).read().split()]
print("raw", raw, "denoised", den)
sys.exit(0 if den and len(den) >= len(raw) - 1 and all(min(abs(d - r) for r in raw) <= 150 for d in den) else 1)
PY
done_testing
