# t010-batch: the foundation path. Scans in, rejected files recorded with their
# reason, duplicates collapse, full text reaches PostgreSQL, every stage timed.
# QUICK
. "$TOP/tests/lib.sh"
plan 40
fresh_db docpipe_t010
cd "$TOP"
out=$("$DOCPIPE" run fixtures/scans fixtures/bad 2>"$TMPBASE/t010.log")
rc=$?
eq "exit status 2 when some inputs are rejected" 2 "$rc"
contains "summary names documents and pages" "$out" "11 documents"
eq "10 distinct documents (two files share bytes)" 10 "$(q 'select count(*) from documents')"
eq "the copy under another name is one document" 1 \
	"$(q "select count(*) from documents where sha256 = '$(sha256sum fixtures/scans/notice_ja.png | cut -c1-64)'")"
grep -q 'duplicate' "$TMPBASE/t010.log" && ok "duplicate is logged" || fail "duplicate is logged"

while IFS=$'\t' read -r name words; do
	text=$(q "select full_text from documents where sha256 = '$(sha256sum "fixtures/scans/$name" | cut -c1-64)'")
	for w in $words; do
		contains "OCR text of $name contains '$w'" "$text" "$w"
	done
done < fixtures/scans.truth.tsv
eq "multi-page TIFF has 2 pages" 2 "$(q "select page_count from documents where source_name like '%minutes_2p.tif'")"
conf=$(q "select round(ocr_confidence) from documents where source_name like '%notice_ja%'")
check "mean OCR confidence recorded ($conf)" test "${conf:-0}" -gt 50

# every loaded scan passed every stage, once, with sane times
eq "no scan misses a stage" 0 "$(q "select count(*) from documents d where status <> 'rejected' and
	(select count(distinct stage) from stage_runs s where s.document_id = d.id
	  and stage in ('ingest','preprocess','ocr','load')) <> 4")"
eq "stage times are ordered" 0 "$(q "select count(*) from stage_runs where not (queued_at <= started_at and started_at <= finished_at and cpu_ms >= 0)")"
eq "rejected documents have runs up to load" 0 "$(q "select count(*) from documents d where status = 'rejected' and
	not exists (select 1 from stage_runs s where s.document_id = d.id and s.stage = 'load')")"

# rejected files: reason in words, naming the file
err() { q "select error from documents where source_name like '%/$1'"; }
contains "empty file rejected" "$(err empty.png)" "'empty.png' is empty"
contains "random bytes rejected" "$(err random.jpg)" "not a file docpipe reads"
contains "text named .tif rejected" "$(err notes.tif)" "not a file docpipe reads"
contains "truncated PNG rejected" "$(err truncated.png)" "truncated"
contains "cut TIFF names its page" "$(err cut_2p.tif)" "page 2 of 'cut_2p.tif' is truncated"
contains "decompression bomb refused before decoding" "$(err bomb.png)" "declares 30000x30000 pixels"
eq "six rejected" 6 "$(q "select count(*) from documents where status = 'rejected'")"
grep -q 'file=fixtures/bad/bomb.png' "$TMPBASE/t010.log" && ok "log line names the file" || fail "log line names the file"

# idempotent: the same batch again stores nothing new; the bad files are
# refused again (exit 2), never passed as duplicates of their rejections
runs=$(q 'select count(*) from stage_runs')
"$DOCPIPE" run fixtures/scans fixtures/bad >/dev/null 2>&1
eq "second run exits 2: everything is already stored, the bad files refused again" 2 $?
eq "second run adds no document" 10 "$(q 'select count(*) from documents')"
eq "second run adds no stage runs" "$runs" "$(q 'select count(*) from stage_runs')"

# the scan route comes from the configuration: the foundation path alone
fresh_db docpipe_t010_route
printf '[pipeline]\nscan_route = preprocess,ocr,load\n[forms]\ndir = %s/models/forms\n' "$TOP" >"$TMPBASE/route.conf"
out=$("$DOCPIPE" run -c "$TMPBASE/route.conf" fixtures/scans/notice_ja.png 2>>"$TMPBASE/t010.log")
eq "a configured route runs" 0 $?
eq "its stages and no others" "ingest,load,ocr,preprocess" \
	"$(q "select string_agg(stage, ',' order by stage) from stage_runs")"
contains "the summary lists CPU by thread" "$out" "cpu by thread: stage workers"
# (no [forms] dir either: the route is checked before any worker starts)
printf '[pipeline]\nscan_route = preprocess,ocr\n' >"$TMPBASE/badroute.conf"
msg=$("$DOCPIPE" run -c "$TMPBASE/badroute.conf" fixtures/scans/notice_ja.png 2>&1)
eq "a route that does not end with load is a configuration error" 1 $?
contains "the error names the key and the reason" "$msg" "scan_route = preprocess,ocr: the route must end with load"
done_testing
