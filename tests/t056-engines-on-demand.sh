# t056-engines-on-demand: the ocr stage opens its Tesseract engines and the
# name dictionary when its first page comes (stages/ocr.c, open_engines), so
# a run of recordings alone never loads them (issue 16: with two ocr workers
# they took about 1 s of the start-up and 212 MB of peak memory), while a missing language is still refused
# at start, naming it. Checked with the debug log's "ocr: engines" line and
# the run summary's peak memory, in one process each: a recording alone, a
# form and a recording together, and [ocr] tessdata pointing at a folder
# without Japanese.
# QUICK
. "$TOP/tests/lib.sh"
plan 9
cd "$TOP"
T="$TMPBASE/t056"
mkdir -p "$T/tessdata"
fresh_db docpipe_t056
printf '[forms]\ndir = %s/models/forms\n[log]\nlevel = debug\n' "$TOP" > "$T/debug.conf"
sox -n -r 16000 -c 1 -b 16 "$T/quiet.wav" synth 1.5 sine 440 vol 0.001 2>/dev/null ||
	python3 -c 'import wave, sys
w = wave.open(sys.argv[1], "wb"); w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
w.writeframes(bytes(48000)); w.close()' "$T/quiet.wav"
run_rc "a recording alone: docpipe run exits 0" 0 "$DOCPIPE" run -c "$T/debug.conf" "$T/quiet.wav"
printf '%s\n' "$RUN_OUT" > "$T/audio.out"
check "  no Tesseract engine opened" sh -c '! grep -q "ocr: engines" "$1"' - "$T/audio.out"
rss=$(sed -nE 's/.*peak rss ([0-9]+) MB.*/\1/p' "$T/audio.out")
echo "# peak RSS of the recording-only run: ${rss:-?} MB"
check "  peak memory under 100 MB (212 with the engines of two workers)" test "${rss:-999}" -lt 100
form=fixtures/forms/clean/$(ls fixtures/forms/clean | head -1)
cp fixtures/audio/acc07_slt_16k_mono_f32_fast.wav "$T/talk.wav"
run_rc "a form and a recording: docpipe run exits 0" 0 "$DOCPIPE" run -c "$T/debug.conf" "$form" "$T/talk.wav"
printf '%s\n' "$RUN_OUT" > "$T/both.out"
check "  the engines opened for the form" grep -q "ocr: engines jpn, eng and Japanese opened" "$T/both.out"
eq "  its fields read" "t" "$(q "select count(*) > 5 from fields f join documents d on d.id = f.document_id
	where d.source_name = '$form' and f.value is not null")"
eq "  and the recording transcribed" "t" "$(q "select count(*) > 3 from transcript_segments s
	join documents d on d.id = s.document_id where d.source_name = '$T/talk.wav'")"
cp /usr/share/tesseract-ocr/5/tessdata/eng.traineddata "$T/tessdata/"
printf '[forms]\ndir = %s/models/forms\n[ocr]\ntessdata = %s/tessdata\n' "$TOP" "$T" > "$T/nojpn.conf"
"$DOCPIPE" run -c "$T/nojpn.conf" "$T/quiet.wav" > "$T/nojpn.out" 2>&1
rc=$?
check "tessdata without Japanese: refused at start (exit $rc)" test "$rc" -ne 0 -a "$rc" -ne 2
check "  the message names the missing language" grep -q "tesseract-ocr-jpn" "$T/nojpn.out"
done_testing
