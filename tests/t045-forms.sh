# t045-forms: paper applications end to end. Form pages (clean, degraded,
# multi-page TIFF and PDF, error cases, unknown forms) through the real
# pipeline into PostgreSQL; field values checked against the generator's
# ground truth (fixtures/forms/truth.json), issues against what each error
# page was drawn to contain.
. "$TOP/tests/lib.sh"
fresh_db docpipe_t045
cd "$TOP"
"$DOCPIPE" run fixtures/forms/clean fixtures/forms/degraded fixtures/forms/multi fixtures/forms/errors \
	fixtures/forms/unknown >"$TMPBASE/t045.out" 2>"$TMPBASE/t045.log"
rc=$?
check "run over the form fixtures exits 0 or 2 (got $rc)" test "$rc" -le 2

psql -X -qAt -F $'\t' -c "select d.source_name, f.page, f.name, f.value, f.needs_review::int
	from fields f join documents d on d.id = f.document_id" > "$TMPBASE/fields.tsv"
psql -X -qAt -F $'\t' -c "select d.source_name, coalesce(v.code, ''), d.status, coalesce(d.form_type, ''), d.page_count
	from documents d left join validation_issues v on v.document_id = d.id" > "$TMPBASE/issues.tsv"
psql -X -qAt -F $'\t' -c "select d.source_name, a.key, a.value from document_attrs a join documents d on d.id = a.document_id
	where a.key like 'page.%.form'" > "$TMPBASE/pageforms.tsv"

python3 - "$TMPBASE" <<'PY' > "$TMPBASE/verdict.txt"
import json, sys, collections
base = sys.argv[1]
truth = json.load(open("fixtures/forms/truth.json", encoding="utf-8"))
fields = collections.defaultdict(dict)
for line in open(base + "/fields.tsv", encoding="utf-8"):
    src, page, name, value, review = line.rstrip("\n").split("\t")
    fields[(src.split("fixtures/forms/", 1)[1], int(page))][name] = value
issues = collections.defaultdict(set); status = {}; pages = {}
for line in open(base + "/issues.tsv", encoding="utf-8"):
    src, code, st, form, npages = line.rstrip("\n").split("\t")
    key = src.split("fixtures/forms/", 1)[1]
    if code: issues[key].add(code)
    status[key] = st; pages[key] = int(npages)
pageform = {}
for line in open(base + "/pageforms.tsv", encoding="utf-8"):
    src, key, value = line.rstrip("\n").split("\t")
    pageform[(src.split("fixtures/forms/", 1)[1], int(key.split(".")[1]))] = value
expect_code = {"fee_mismatch": "fee_mismatch", "total_mismatch": "rule_failed", "required_missing": "required_missing",
               "bad_format": "bad_format", "payeasy_missing": "payeasy_missing",
               "grant_over_rate": "grant_over_rate", "corporate_number_invalid": "corporate_number_invalid"}
right = total = 0
for t in truth:
    key = (t["file"], t["page"])
    if t["form"] is None:
        print("unknown|%s|%s" % (t["file"], status.get(t["file"], "missing")))
        continue
    print("form|%s:%d|%s|%s" % (t["file"], t["page"], t["form"], pageform.get(key, "none")))
    for name, want in t["fields"].items():
        total += 1
        right += fields[key].get(name) == want
    for word in t.get("expect_issues", []):
        code = expect_code.get(word, word)
        print("issue|%s|%s|%s" % (t["file"], code, "yes" if code in issues[t["file"]] else "no"))
    if not t.get("expect_issues") and t["file"].startswith("clean/"):
        errors = [c for c in issues[t["file"]] if c not in ("low_confidence", "changed_since_last", "qr_mismatch")]
        print("clean-no-error|%s|%s" % (t["file"], ",".join(sorted(errors)) or "none"))
for f in sorted({t["file"] for t in truth if t["file"].startswith("multi/")}):
    print("pages|%s|%d" % (f, pages.get(f, 0)))
print("accuracy|%d|%d" % (right, total))
PY
while IFS='|' read -r kind a b c; do
	case $kind in
	unknown) eq "unknown form stays unrecognised: $a" unrecognised "$b" ;;
	form) eq "page $a recognised as its form" "$b" "$c" ;;
	issue) eq "$a raises $b" yes "$c" ;;
	clean-no-error) eq "clean page $a raises no error" none "$b" ;;
	pages) eq "multi-page $a: 2 pages" 2 "$b" ;;
	accuracy)
		# 98% or better is the figure bench/forms_accuracy.py reports; the test
		# holds a margin below it so that one more misread does not fail CI
		pct=$(( 100 * a / b ))
		check "field values match the ground truth: $a of $b ($pct%) >= 95%" test $((100 * a)) -ge $((95 * b)) ;;
	esac
done < "$TMPBASE/verdict.txt"
eq "raw OCR text kept beside every value" 0 "$(q "select count(*) from fields where value <> '' and source = 'ocr' and raw_text = ''")"
eq "every issue has a Japanese and an English message" 0 "$(q "select count(*) from validation_issues where message_ja = '' or message_en = ''")"
eq "full text only for pages no template matched" 0 "$(q "select count(*) from documents where form_type is not null and full_text is not null and page_count = 1")"
eq "the rejected count is zero: every form page was read" 0 "$(q "select count(*) from documents where status = 'rejected'")"
done_testing
