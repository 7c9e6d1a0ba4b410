# t055-audio-quick: the audio path under the sanitizers. One short Festival
# clip through audio and asr (decoder created on the first chunk) into
# PostgreSQL with timed segments, and three bad recordings with their
# outcomes, small enough to run under AddressSanitizer in CI. The full audio
# suite with word error rates is t050.
# QUICK
. "$TOP/tests/lib.sh"
plan 11
fresh_db docpipe_t055
cd "$TOP"
T="$TMPBASE/t055"
mkdir -p "$T"
A=fixtures/audio
printf '[workers]\nasr = 1\n[forms]\ndir = %s/models/forms\n' "$TOP" > "$T/audio.conf"
timeout 600 "$DOCPIPE" run -c "$T/audio.conf" $A/acc01_slt_16k_mono_s16.wav $A/bad/truncated.wav \
	$A/bad/zero_length.wav $A/bad/unsupported_codec.wav >"$T/run.out" 2>"$T/run.log"
eq "exit 2: some recordings rejected" 2 $?
st() { q "select status || '|' || coalesce(error, '') from documents where source_name like '%/$1'"; }
doc() { q "select id from documents where source_name like '%/$1'"; }
eq "the clip is transcribed" "transcribed|" "$(st acc01_slt_16k_mono_s16.wav)"
clip=$(doc acc01_slt_16k_mono_s16.wav)
eq "segments in order, inside the clip" 0 "$(q "select count(*) from transcript_segments where document_id = $clip and not (start_ms >= 0 and end_ms > start_ms)")"
check "several segments" test "$(q "select count(*) from transcript_segments where document_id = $clip")" -ge 2
text=$(q "select full_text from documents where id = $clip")
for w in meeting minutes council; do
	contains "transcript has '$w'" "$text" "$w"
done
eq "truncated file loaded for review" "needs_review|" "$(st truncated.wav)"
contains "zero-length file rejected" "$(st zero_length.wav)" "rejected|'zero_length.wav' is empty (0 bytes)"
contains "unknown codec rejected, codec named" "$(st unsupported_codec.wav)" "format tag 0x0161"
eq "asr ran for every chunk of the clip" 0 "$(q "select count(*) from documents d where d.id = $clip and not exists (select 1 from stage_runs s where s.document_id = d.id and s.stage = 'asr')")"
done_testing
