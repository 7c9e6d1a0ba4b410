# t050-audio: meeting recordings to timed minutes. Festival clips with their
# scripts as ground truth (fixtures/audio/gen.sh): word error rate under a
# measured bound, timestamps in order and inside the clip, the long meeting
# chunked and reassembled, every kind of bad audio with a clear outcome, an
# hours-long recording refused by the limits without hanging, and the minutes
# command in its four formats.
. "$TOP/tests/lib.sh"
plan 69
cd "$TOP"
T="$TMPBASE/t050"
mkdir -p "$T" || exit 1
: >"$T/failed_commands"
# Every query's and helper's exit status: a failure is recorded here and fails
# the check "every query and helper succeeded" at the end (inside $(...) a
# failed query would otherwise only show as an empty value).
q() { psql -X -qAt -v ON_ERROR_STOP=1 -c "$1" || { echo "q: $1" >>"$T/failed_commands"; return 1; }; }
wer() { python3 tests/wer.py "$@" || echo "wer.py $*" >>"$T/failed_commands"; }
run_ok "fresh database" fresh_db docpipe_t050
A=fixtures/audio

# The [asr] settings of the shipped pipeline.conf, with absolute paths (a
# relative path in a conf resolves against the conf's own folder).
asr_conf() {
	sed -n '/^\[asr\]/,/^\[/p' pipeline.conf | grep -E '^[a-z_]+ *=' |
		sed -E "s#^(vocabulary_lm|vocabulary_dict) *= *([^/ ][^ ]*)\$#\1 = $TOP/\2#"
}
{
	printf '[workers]\nasr = 2\n[forms]\ndir = %s/models/forms\n[asr]\n' "$TOP"
	asr_conf
} > "$T/audio.conf"

# ---------------------------------------------------------------- one batch
# every clip, the long meeting and the bad files in one run (2 asr workers)
timeout 600 "$DOCPIPE" run -c "$T/audio.conf" $A/acc*.wav $A/acc*.flac $A/acc*.ogg $A/rob*.flac \
	$A/long_meeting.flac $A/bad >"$T/run.out" 2>"$T/run.log"
rc=$?
eq "batch of recordings: exit 2 (some rejected), no hang" 2 "$rc"
eq "every recording is a document" 19 "$(q "select count(*) from documents where kind = 'audio' or source_name like '%/bad/%'")"

wer_max() { python3 tests/wer.py --max "$@" >/dev/null; }
doc() { q "select id from documents where source_name = '$A/$1'"; }
text_of() { q "select coalesce(full_text, '') from documents where source_name = '$A/$1'" > "$2"; }

# ------------------------------------------------------------ word error rate
# Pooled WER over the nine clean or mildly degraded Festival clips (acc01-07,
# acc10, acc11: 460 words). Measured with this build (t050, issue 16, second
# round: language weight 120, vocabulary weight 15): 0.109 = 50 errors of 460
# (0.107 = 49 with the settings before; 0.128 = 59 errors without the council
# vocabulary; the stock `pocketsphinx_continuous` 0.157). Decoding is
# deterministic (same audio, same chunks, same figure run after run), so the
# bound is about the measured figure plus 8 errors of 460 (0.125, kept from
# 49 + 8): room for another PocketSphinx build to move a few words, and
# losing the vocabulary (59 errors), a broken resampler or chunks cut inside
# words all fail it.
pairs=()
for f in $A/acc0[1-7]_* $A/acc1[01]_*; do
	case "$f" in *.txt) continue ;; esac
	b=$(basename "$f"); b=${b%.*}
	text_of "$(basename "$f")" "$T/$b.hyp"
	pairs+=("$A/$b.txt" "$T/$b.hyp")
done
eq "nine accuracy clips" 18 "${#pairs[@]}"
werout=$(wer "${pairs[@]}")
pooled=$(printf '%s\n' "$werout" | awk -F'\t' '$1 == "pooled" {print $4}')
echo "# WER per clip:"; printf '%s\n' "$werout" | sed 's/^/#   /'
check "pooled WER of the nine accuracy clips $pooled <= 0.125" wer_max 0.125 "${pairs[@]}"

# Telephone band (acc08, 8 kHz) and pink noise (acc09) are bounded apart, as
# the model is not made for them. Measured with the narrow-band decoder and
# the noise suppression of issue 16: acc08 0.333 = 16 errors of 48 words
# with the weights of its second round (15-18 before), acc09 0.220 = 13 of 59
# (12-13 before) (the stock decoder: 0.54 and 0.54; before issue 16 18 and
# 18). Bound: the measured plus 2 words of the clip: 18/48 = 0.375 -> 0.38,
# 15/59 = 0.254 -> 0.26.
for x in "acc08_kal_8k_mono_s16.wav 0.38" "acc09_slt_16k_mono_s16_noise.wav 0.26"; do
	set -- $x
	b=${1%.*}
	text_of "$1" "$T/$b.hyp"
	w=$(wer "$A/$b.txt" "$T/$b.hyp" | awk -F'\t' '$1 == "pooled" {print $4}')
	check "WER of $b $w <= $2" wer_max "$2" "$A/$b.txt" "$T/$b.hyp"
done
# espeak-ng clips: robustness only (WER about 0.8 with any setting)
for f in rob01_espeak_16k_mono_s16.flac rob02_espeak_22k_mono_s16.flac; do
	eq "$f transcribed, not rejected" transcribed "$(q "select status from documents where source_name = '$A/$f'")"
done

# ---------------------------------------------------------------- timestamps
# in every recording: segments numbered 0..n-1, each inside the recording,
# start <= end, each starting at or after the end of the one before
eq "segments numbered without gaps" 0 "$(q "select count(*) from (select document_id, count(*) n, max(seq) m
	from transcript_segments group by document_id) x where m <> n - 1")"
eq "segment times increase and do not overlap" 0 "$(q "select count(*) from (select start_ms, end_ms,
	lag(end_ms) over (partition by document_id order by seq) prev_end from transcript_segments) x
	where start_ms > end_ms or start_ms < coalesce(prev_end, 0)")"
eq "segments lie inside their recording" 0 "$(q "select count(*) from transcript_segments s
	join document_attrs a on a.document_id = s.document_id and a.key = 'audio.seconds'
	where s.start_ms < 0 or s.end_ms > a.value::numeric * 1000")"
eq "every clip has its length recorded" 0 "$(q "select count(*) from documents d where kind = 'audio'
	and status <> 'rejected' and not exists (select 1 from document_attrs a where a.document_id = d.id
	and a.key = 'audio.seconds')")"
eq "full text is the segments in order" 0 "$(q "select count(*) from documents d where kind = 'audio'
	and status <> 'rejected' and coalesce(full_text, '') <> coalesce((select string_agg(text, ' ' order by seq)
	from transcript_segments s where s.document_id = d.id), '')")"

# ------------------------------------------------------------- long meeting
# 200.6 s, three voices, an 8 s recess at 77.3-85.3 s: chunked into jobs for
# the asr workers, reassembled in order with absolute times. Coverage: a
# sentence of long_meeting.turns.tsv counts when segments cover 60% of it
# (its times include Festival's own leading and trailing silence); measured
# 40 or 41 of 41.
long=$(doc long_meeting.flac)
eq "long meeting transcribed" transcribed "$(q "select status from documents where id = $long")"
chunks=$(q "select count(*) from stage_runs where document_id = $long and stage = 'asr'")
check "long meeting ran as $chunks asr chunk jobs (>= 11: at most 20 s each)" test "$chunks" -ge 11
eq "chunks recorded" "$chunks" "$(q "select value from document_attrs where document_id = $long and key = 'chunks.expected'")"
eq "both asr workers took chunks" 2 "$(q "select count(distinct worker) from stage_runs where document_id = $long and stage = 'asr'")"
q "select start_ms, end_ms from transcript_segments where document_id = $long order by seq" > "$T/long.segs"
cover=$(python3 - "$A/long_meeting.turns.tsv" "$T/long.segs" <<'PY' || echo "coverage script" >>"$T/failed_commands"
import sys
turns = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])][1:]
segs = [tuple(int(v) for v in l.split("|")) for l in open(sys.argv[2]) if l.strip()]
covered = 0
for t in turns:
    a, b = float(t[0]) * 1000, float(t[1]) * 1000
    speech = sum(max(0, min(b, e) - max(a, s)) for s, e in segs)
    covered += speech >= 0.6 * (b - a)   # most of the sentence lies inside segments
in_recess = sum(1 for s, e in segs if s > 77800 and e < 85000)
first, last = segs[0][0], segs[-1][1]
print(covered, len(turns), in_recess, int(abs(first - 1000) <= 700), int(abs(last - 199570) <= 1000))
PY
)
set -- $cover
eq "coverage script gave five figures" 5 "$#"
check "segments cover $1 of $2 sentences of the long meeting (>= 40)" test "$1" -ge 40
eq "nothing transcribed inside the 8 s recess" 0 "$3"
eq "first words at about 1.0 s" 1 "$4"
eq "last words end at about 199.6 s" 1 "$5"
text_of long_meeting.flac "$T/long.hyp"
lw=$(wer $A/long_meeting.txt "$T/long.hyp" | awk -F'\t' '$1 == "pooled" {print $4}')
# measured 0.109 = 48 errors of 440 words with this build (issue 16, second
# round: language weight 120, vocabulary weight 15; 0.116-0.120 with the
# weights before; 0.145 without the vocabulary; the stock decoder 0.150); the
# chunks the two workers take move it by about two words. Bound: the measured
# figure plus 2 words for that plus 6 words of 440: 56/440 = 0.127.
check "long meeting WER $lw <= 0.127" wer_max 0.127 $A/long_meeting.txt "$T/long.hyp"

# ----------------------------------------------------------------- bad audio
st() { q "select status || '|' || coalesce(error, '') from documents where source_name = '$A/bad/$1'"; }
contains "zero-length file rejected" "$(st zero_length.wav)" "rejected|'zero_length.wav' is empty (0 bytes)"
contains "corrupt header rejected as damaged" "$(st corrupt_header.wav)" "rejected|'corrupt_header.wav' looks like a WAV file but is damaged"
contains "unsupported codec rejected, codec named" "$(st unsupported_codec.wav)" \
	"rejected|'unsupported_codec.wav' is a WAV file coded as Windows Media Audio v2 (format tag 0x0161), which docpipe cannot decode"
eq "silence loaded without error" "transcribed|" "$(st silence.wav)"
sil=$(doc bad/silence.wav)
eq "silence: empty transcript" "0|" "$(q "select (select count(*) from transcript_segments where document_id = $sil) || '|' || coalesce(full_text, '') from documents where id = $sil")"
eq "silence: a 'silence' notice" "notice" "$(q "select severity from validation_issues where document_id = $sil and code = 'silence'")"
eq "truncated file loaded for review" "needs_review|" "$(st truncated.wav)"
eq "truncated file: a warning" "warning" "$(q "select severity from validation_issues where document_id = $(doc bad/truncated.wav) and code = 'audio_truncated'")"
check "rejection logged with the file name" grep -q "file=$A/bad/unsupported_codec.wav" "$T/run.log"

# ------------------------------------------------------------------ minutes
m=$("$DOCPIPE" minutes -c "$T/audio.conf" long_meeting.flac)
eq "minutes (text): exit 0" 0 $?
nseg=$(q "select count(*) from transcript_segments where document_id = $long")
eq "minutes (text): header and one line per segment" "$((nseg + 1))" "$(printf '%s\n' "$m" | wc -l)"
contains "minutes (text): header names the file" "$m" "# $A/long_meeting.flac (document $long)"
eq "minutes (text): lines are [HH:MM:SS] text" "$nseg" "$(printf '%s\n' "$m" | grep -cE '^\[[0-9]{2}:[0-5][0-9]:[0-5][0-9]\] [a-z]')"
contains "minutes (text): the recess ends at 1:25" "$m" "[00:01:25] "
srt=$("$DOCPIPE" minutes -c "$T/audio.conf" "$long" --format srt)
eq "minutes (srt): exit 0" 0 $?
eq "minutes (srt): one cue per segment" "$nseg" "$(printf '%s\n' "$srt" | grep -cE '^[0-9]{2}:[0-9]{2}:[0-9]{2},[0-9]{3} --> [0-9]{2}:[0-9]{2}:[0-9]{2},[0-9]{3}$')"
eq "minutes (srt): cues numbered from 1" "1" "$(printf '%s\n' "$srt" | head -1)"
vtt=$("$DOCPIPE" minutes -c "$T/audio.conf" "$long" --format vtt)
eq "minutes (vtt): exit 0" 0 $?
eq "minutes (vtt): WEBVTT header" "WEBVTT" "$(printf '%s\n' "$vtt" | head -1)"
eq "minutes (vtt): one cue per segment" "$nseg" "$(printf '%s\n' "$vtt" | grep -cE '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} --> [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}$')"
sha=$(q "select sha256 from documents where id = $long")
js=$(set -o pipefail; "$DOCPIPE" minutes -c "$T/audio.conf" "${sha:0:12}" --format json | python3 -c '
import json, sys
d = json.load(sys.stdin)
s = d["segments"]
ok = all(a["end_ms"] <= b["start_ms"] for a, b in zip(s, s[1:])) and [x["seq"] for x in s] == list(range(len(s)))
print(d["document_id"], d["status"], len(s), ok, round(d["seconds"]))')
eq "minutes (json): minutes and the reader exit 0" 0 $?
eq "minutes (json, by SHA-256 prefix): id, status, segments in order, length" "$long transcribed $nseg True 201" "$js"
sm=$("$DOCPIPE" minutes -c "$T/audio.conf" silence.wav)
eq "minutes of silence: exit 0" 0 $?
eq "minutes of silence: the notice, no lines" "# notice: no speech was found: the recording is silent" \
	"$(printf '%s\n' "$sm" | tail -n +2)"
"$DOCPIPE" minutes -c "$T/audio.conf" zero_length.wav >/dev/null 2>"$T/min.err"
eq "minutes of a rejected recording: exit 2" 2 $?
contains "minutes of a rejected recording: says why" "$(cat "$T/min.err")" "was rejected: 'zero_length.wav' is empty"
"$DOCPIPE" minutes -c "$T/audio.conf" no_such_meeting.wav >/dev/null 2>&1
eq "minutes of an unknown document: exit 1" 1 $?
"$DOCPIPE" minutes -c "$T/audio.conf" "$long" --format doc >/dev/null 2>&1
eq "minutes with an unknown format: exit 1" 1 $?

# ------------------------------------------------------------ inspect (JSON)
ins=$(set -o pipefail; timeout 120 "$DOCPIPE" inspect -c "$T/audio.conf" $A/acc04_slt_44k_stereo_s16.flac 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["status"], d["attrs"]["audio.rate"], d["attrs"]["audio.channels"], len(d["segments"]) > 0, "subsidy" in d["full_text"])')
eq "inspect and the reader exit 0" 0 $?
eq "inspect: 44.1 kHz stereo FLAC decoded, resampled, transcribed" "transcribed 44100 2 True True" "$ins"

# ------------------------------------------------------------ hours-long file
# One hour written at test time, as WAV (115 MB) and as FLAC (31 MB): the
# limits refuse them, fast, and nothing hangs.
run_ok "one hour of WAV generated" fixtures/audio/gen.sh long-hours 1 "$T/one_hour.wav"
run_ok "one hour of FLAC generated" fixtures/audio/gen.sh long-hours 1 "$T/one_hour.flac"
check "one-hour recordings generated" test -s "$T/one_hour.wav" -a -s "$T/one_hour.flac"
{ cat "$T/audio.conf"; printf '[limits]\nmax_file_bytes = 50000000\n'; } > "$T/small.conf"
timeout 120 "$DOCPIPE" run -c "$T/small.conf" "$T/one_hour.wav" >/dev/null 2>&1
eq "one hour of WAV over max_file_bytes: exit 2" 2 $?
contains "one hour of WAV over max_file_bytes: the limit named" \
	"$(q "select error from documents where source_name = '$T/one_hour.wav'")" "more than the limit of 50000000"
{ cat "$T/audio.conf"; printf '[limits]\nmax_audio_seconds = 1800\n'; } > "$T/short.conf"
start=$(date +%s)
timeout 120 "$DOCPIPE" run -c "$T/short.conf" "$T/one_hour.flac" >/dev/null 2>&1
eq "one hour of FLAC over max_audio_seconds: exit 2, within 120 s" 2 $?
contains "one hour of FLAC over max_audio_seconds: the limit named" \
	"$(q "select error from documents where source_name = '$T/one_hour.flac'")" \
	"'one_hour.flac' lasts 3600 s, longer than the limit of 1800 s ([limits] max_audio_seconds)"
took=$(( $(date +%s) - start ))
check "refused in under 60 s ($took s)" test "$took" -lt 60
rm -f "$T/one_hour.wav" "$T/one_hour.flac"

# Three minutes of the same shape (acc01 + 20 s of silence, four times) is
# transcribed in bounded time, the silent stretches never reach the decoder.
run_ok "three minutes generated" fixtures/audio/gen.sh long-hours 0.05 "$T/three_min.flac"
timeout 180 "$DOCPIPE" run -c "$T/audio.conf" "$T/three_min.flac" >/dev/null 2>&1
eq "three minutes (4 x acc01 + silence): exit 0 within 180 s" 0 $?
tm=$(q "select id from documents where source_name = '$T/three_min.flac'")
eq "three minutes: transcribed" transcribed "$(q "select status from documents where id = $tm")"
# acc01 lasts 24.65 s, each block 44.65 s: speech at [44.65k, 44.65k + 24.65)
eq "three minutes: no words in the silent stretches" 0 "$(q "select count(*) from transcript_segments where document_id = $tm
	and mod(start_ms, 44650) > 25500")"
eq "three minutes: speech found in each of the 4 blocks" 4 "$(q "select count(distinct start_ms / 44650) from transcript_segments where document_id = $tm")"

# ------------------------------------------------------------- idempotence
runs=$(q 'select count(*) from stage_runs')
timeout 120 "$DOCPIPE" run -c "$T/audio.conf" $A/acc01_slt_16k_mono_s16.wav >/dev/null 2>&1
eq "the same recording again: exit 0, nothing new" "0 $runs" "$? $(q 'select count(*) from stage_runs')"
eq "every query and helper succeeded" "" "$(cat "$T/failed_commands")"
done_testing
