#!/bin/bash
# bench/review_bench.sh: the review station (docs/REVIEW.md) with 10,000
# documents in review: how long the queue page, the JSON queue, a document
# page and a field crop take, and whether the server's memory stays flat
# over 10,000 page loads (docs/PERFORMANCE.md, "Review station").
#
#   scripts/dev-db start && make && bench/review_bench.sh [REQUESTS] [LOADS]
#
# One command, from nothing: its own database (docpipe_bench_review, made
# afresh and dropped after unless KEEP=1), the nine clean sample forms
# through the pipeline (their crops are cut from the files), 10,000
# synthetic documents in needs_review / invalid made
# with generate_series, each with a copy of a real form's fields, issues
# and attributes; a clerk login; `docpipe review` on a free port. Then
# bench/review_bench.py times REQUESTS (50) requests of each kind on a new
# connection each, median and p95, and reads VmRSS of the server before,
# during and after LOADS (10,000) page loads. Exit status 1, with the
# reason, when the server does not start, dies, or a request fails.
# Timing is not a test: the machines are shared; compare within one run.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
eval "$(scripts/dev-db env)"
bin=${DOCPIPE:-$top/build/docpipe}
requests=${1:-50}
loads=${2:-10000}
export PGDATABASE=docpipe_bench_review PGTZ=UTC
out=$(mktemp -d /tmp/docpipe-bench-review.XXXXXX)
clerk=bench_clerk_$$
pw='bench pass'
srv=""
cleanup() {
	[ -n "$srv" ] && kill "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
	psql -X -q -d postgres -c "DROP ROLE IF EXISTS $clerk" >/dev/null 2>&1 || true
	if [ "${KEEP:-0}" = 1 ]; then
		echo "review_bench: kept $out and database $PGDATABASE" >&2
	else
		rm -rf "$out"
		psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $PGDATABASE" >/dev/null 2>&1 || true
	fi
}
trap cleanup EXIT
die() { echo "review_bench: $*" >&2; exit 1; }

[ -x "$bin" ] || die "$bin is not built (make)"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $PGDATABASE" 2>/dev/null
psql -X -q -d postgres -c "CREATE DATABASE $PGDATABASE"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$out/review.conf" <<EOF
[forms]
dir = $top/models/forms
[models]
fees = $top/models/fees.conf
grants = $top/models/grants.conf
procedures = $top/models/procedures.conf
[output]
archive = $out/archive
receipts = $out/receipts
[log]
level = warn
[review]
port = $port
EOF
mkdir -p "$out/archive" "$out/receipts"
"$bin" db migrate -c "$out/review.conf" >"$out/migrate.log" 2>&1 || { cat "$out/migrate.log" >&2; die "db migrate failed"; }
# the nine clean sample forms (three of each template): their crops are cut from the files
"$bin" run -c "$out/review.conf" fixtures/forms/clean >"$out/run.out" 2>"$out/run.log" ||
	die "docpipe run fixtures/forms/clean failed (exit $?)"
real=fixtures/forms/clean/gyoseishoshi_cert_1.png
doc=$(psql -X -qAt -c "select id from documents where source_name = '$real'")
[ -n "$doc" ] || die "$real was not loaded"
[ "$(psql -X -qAt -c "select count(*) from documents")" = 9 ] || die "the nine forms were not loaded"

# 10,000 documents in review, each a copy of one of the three real ones (its
# fields, issues and attributes) under another hash, received over the past
# 10,000 minutes, 30% invalid (with a bad_format error)
last=$(psql -X -qAt -c "select max(id) from documents")
cat >"$out/generate.sql" <<SQL
BEGIN;
CREATE TEMP TABLE r AS SELECT (row_number() OVER (ORDER BY form_type) - 1)::int AS k, *
FROM (SELECT DISTINCT ON (form_type) * FROM documents ORDER BY form_type, source_name) x;
CREATE TEMP TABLE g AS
SELECT n, encode(sha256(('review-bench-' || n)::bytea), 'hex') AS sha, n % 3 AS k,
       CASE WHEN n % 10 < 3 THEN 'invalid' ELSE 'needs_review' END AS status
FROM generate_series(1, 10000) n;
INSERT INTO documents (sha256, source_name, kind, format, status, received_at, loaded_at, page_count,
                       ocr_confidence, form_type, procedure_code)
SELECT g.sha, r.source_name, r.kind, r.format, g.status,
       now() - make_interval(mins => 10001 - g.n), now() - make_interval(mins => 10001 - g.n),
       r.page_count, r.ocr_confidence, r.form_type, r.procedure_code
FROM g JOIN r USING (k);
CREATE TEMP TABLE m AS SELECT d.id, r.id AS src FROM documents d JOIN r USING (form_type) WHERE d.id > $last;
INSERT INTO fields (document_id, page, name, value, raw_text, confidence, needs_review, source)
SELECT m.id, f.page, f.name, f.value, f.raw_text, f.confidence, f.needs_review, f.source
FROM m JOIN fields f ON f.document_id = m.src;
INSERT INTO validation_issues (document_id, field, code, severity, message_ja, message_en)
SELECT m.id, v.field, v.code, v.severity, v.message_ja, v.message_en
FROM m JOIN validation_issues v ON v.document_id = m.src;
INSERT INTO validation_issues (document_id, field, code, severity, message_ja, message_en)
SELECT d.id, 'tel', 'bad_format', 'error', '電話番号の形式が正しくありません（03-53２1-111）',
       'tel: not a valid phone number (03-53２1-111)'
FROM documents d JOIN m USING (id) WHERE d.status = 'invalid';
INSERT INTO document_attrs (document_id, key, value)
SELECT m.id, a.key, a.value FROM m JOIN document_attrs a ON a.document_id = m.src;
COMMIT;
VACUUM ANALYZE;
SQL
TIMEFORMAT=%3R
gen=$( { time psql -X -q -v ON_ERROR_STOP=1 -f "$out/generate.sql" >/dev/null; } 2>&1 ) || die "generating the documents failed: $gen"
counts=$(psql -X -qAt -F ' ' -c "select (select count(*) from documents where status in ('needs_review', 'invalid')),
	(select count(*) from fields), (select count(*) from validation_issues), pg_size_pretty(pg_database_size(current_database()))")
set -- $counts
[ "$1" -ge 10000 ] || die "only $1 documents in review"
psql -X -qAt -c "select id from documents where status in ('needs_review', 'invalid') order by received_at, id" >"$out/ids"
field=$(psql -X -qAt -c "select id from fields where document_id = $doc and needs_review order by id limit 1")
[ -n "$field" ] || field=$(psql -X -qAt -c "select id from fields where document_id = $doc order by id limit 1")

# a crop of each of the eight other real documents, not cut yet when they are timed
cold=$(psql -X -qAt -c "select string_agg(document_id || ':' || id, ',') from
	(select distinct on (document_id) document_id, id from fields
	 where document_id <= $last and document_id <> $doc
	 order by document_id, needs_review desc, id) x")
psql -X -q -d postgres -c "DROP ROLE IF EXISTS $clerk" >/dev/null 2>&1
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE ROLE $clerk LOGIN PASSWORD '$pw' IN ROLE docpipe_clerk" >/dev/null

"$bin" review -c "$out/review.conf" >"$out/review.out" 2>"$out/review.log" &
srv=$!
for _ in $(seq 100); do
	[ "$(curl -s "http://127.0.0.1:$port/healthz" 2>/dev/null)" = ok ] && break
	kill -0 "$srv" 2>/dev/null || { tail -5 "$out/review.log" >&2; srv=""; die "docpipe review exited at start"; }
	sleep 0.1
done
[ "$(curl -s "http://127.0.0.1:$port/healthz")" = ok ] || die "docpipe review does not answer /healthz on port $port"

echo "# bench/review_bench.sh $(date -u +%Y-%m-%d), $(nproc) CPUs, $(psql -X -qAt -c 'show server_version')," \
	"load average $(cut -d' ' -f1 /proc/loadavg)"
echo "# $1 documents in review, $2 fields, $3 issues, database $4 $5; generated in ${gen} s"
/usr/bin/python3 bench/review_bench.py --port "$port" --pid "$srv" --user "$clerk" --password "$pw" \
	--doc "$doc" --field "$field" --cold "$cold" --ids "$out/ids" --requests "$requests" --loads "$loads" ||
	{ tail -5 "$out/review.log" >&2; die "a request failed (above)"; }
kill -0 "$srv" 2>/dev/null || die "the server died during the benchmark"
if grep -q 'level=error' "$out/review.log"; then
	grep 'level=error' "$out/review.log" | head -5 >&2
	die "the server logged errors"
fi
