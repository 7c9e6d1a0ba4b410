#!/bin/bash
# bench/asr/hour.sh RAWDIR [HOURS]: an hours-long recording through
# `docpipe run` with the shipped settings (2 asr workers): acc01 and 20 s of
# silence, repeated for HOURS hours (1; fixtures/audio/gen.sh long-hours),
# as 16 kHz FLAC. Appends "hours file_MB wall_s peak_rss_MB segments
# asr_chunks status" to RAWDIR/hour.tsv. Called by bench/asr_bench.sh.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
eval "$(scripts/dev-db env)"
raw=${1:?usage: hour.sh RAWDIR [HOURS]}
hours=${2:-1}
bin=${DOCPIPE:-$top/build/docpipe}
tmp=$(mktemp -d /tmp/docpipe-bench-hour.XXXXXX)
db=docpipe_bench_asr_hour
trap 'rm -rf "$tmp"; psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" 2>/dev/null || true' EXIT
fixtures/audio/gen.sh long-hours "$hours" "$tmp/meeting.flac"
{
	printf '[workers]\nasr = 2\n[forms]\ndir = %s/models/forms\n[asr]\n' "$top"
	sed -n '/^\[asr\]/,/^\[/p' pipeline.conf | grep -E '^[a-z_]+ *=' |
		sed -E "s#^(vocabulary_lm|vocabulary_dict) *= *([^/ ][^ ]*)\$#\1 = $top/\2#"
} > "$tmp/c.conf"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" 2>/dev/null
psql -X -q -d postgres -c "CREATE DATABASE $db"
export PGDATABASE=$db
rc=0
/usr/bin/time -f '%e %M' -o "$tmp/time" "$bin" run -c "$tmp/c.conf" "$tmp/meeting.flac" >/dev/null 2>"$tmp/log" || rc=$?
if [ "$rc" -ne 0 ]; then # no wall time nor memory of a failed run
	echo "hour.sh: docpipe run failed (exit $rc); the last lines of its log:" >&2
	tail -20 "$tmp/log" >&2
	exit 1
fi
read -r wall rss < "$tmp/time"
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$hours" "$(( $(stat -c %s "$tmp/meeting.flac") / 1048576 ))" "$wall" "$(( rss / 1024 ))" \
	"$(psql -X -qAt -c 'select count(*) from transcript_segments')" \
	"$(psql -X -qAt -c "select count(*) from stage_runs where stage = 'asr'")" \
	"$(psql -X -qAt -c 'select status from documents')" >> "$raw/hour.tsv"
