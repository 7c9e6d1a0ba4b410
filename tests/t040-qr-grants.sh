# t040-qr-grants: once-only (seed sections 2 and 3) against the real database.
# Entrance QR codes on scanned forms at several positions, rotations and
# resolutions (fixtures/qr/scans, truth in fixtures/qr/truth.json) fill the
# identities table; a written name that differs from the QR code, malformed
# payloads and a page without a QR code; receipt QR codes written as PNG,
# decoded back with zbarimg and scanned back in through docpipe; grant
# applications (fixtures/qr/grants) autofilled from the same company's earlier
# application across two runs; corporate numbers and amount rules checked with
# check digits and limits computed here, independently (python3), from the
# fixture truth and models/grants.conf. The limits of one programme on both
# sides (fixtures/qr/grant_edges: the first and last day of the window and the
# days around it, the maximum and the rate exactly and one yen over).
. "$TOP/tests/lib.sh"
# 274: the python checks (one per line they print: 27 scans, 8 grants/ pages
# and the autofill checks, 8 grant_edges/ pages) and the shell checks. Any
# change to the fixtures or truth.json changes this number.
plan 274
cd "$TOP"
T=$TMPBASE/t040
mkdir -p "$T/receipts" || exit 1
: >"$T/failed_queries"
# Every query's and every export's exit status: a failure is recorded here
# and fails the check "every query and export succeeded" at the end (a failed query
# inside $(...) would otherwise only show as an empty value).
q() { psql -X -qAt -v ON_ERROR_STOP=1 -c "$1" || { echo "q: $1" >>"$T/failed_queries"; return 1; }; }
tsv() { # tsv FILE SQL: rows tab-separated into FILE
	psql -X -qAt -v ON_ERROR_STOP=1 -F $'\t' -c "$2" >"$1" || { echo "export $(basename "$1")" >>"$T/failed_queries"; return 1; }
}
cat >"$T/t040.conf" <<EOF
[forms]
dir = $TOP/models/forms
[models]
fees = $TOP/models/fees.conf
grants = $TOP/models/grants.conf
procedures = $TOP/models/procedures.conf
[output]
receipts = $T/receipts
EOF
run_ok "fresh database" fresh_db docpipe_t040

# The python checks print "description<TAB>expected<TAB>actual" lines to a file;
# each becomes an eq assertion here (not in a pipe: the counts must survive).
run_checks() { # run_checks FILE PYTHON-STATUS
	check "python checks ran ($(basename "$1"))" test "$2" -eq 0 -a -s "$1"
	while IFS=$'\t' read -r what want got; do
		eq "$what" "$want" "$got"
	done <"$1"
}
export T

# ---- 1. entrance QR codes ----
"$DOCPIPE" run -c "$T/t040.conf" fixtures/qr/scans >"$T/scans.out" 2>"$T/scans.log"
rc=$?
check "run over the QR scans (exit $rc)" test "$rc" -eq 0
tsv "$T/identities.tsv" "select d.sha256, coalesce(i.name, '-'), coalesce(i.org, '-'), coalesce(i.tel, '-'),
	coalesce(i.visit, '-') from documents d join identities i on i.document_id = d.id"
tsv "$T/issues.tsv" "select d.sha256, v.code, coalesce(v.field, '-'), v.severity, v.message_en
	from documents d join validation_issues v on v.document_id = d.id"
tsv "$T/fields.tsv" "select d.sha256, f.name, f.value, f.source from documents d join fields f on f.document_id = d.id"
tsv "$T/docs.tsv" "select d.sha256, d.status, coalesce(d.procedure_code, '-'), coalesce(r.payload, '-')
	from documents d left join receipts r on r.document_id = d.id"

python3 - >"$T/checks_qr.tsv" <<'EOF'
import hashlib, json, os, collections
T = os.environ["T"]
truth = json.load(open("fixtures/qr/truth.json", encoding="utf-8"))
def sha(path): return hashlib.sha256(open(path, "rb").read()).hexdigest()
def rows(name, n):
    out = collections.defaultdict(list)
    for line in open(os.path.join(T, name), encoding="utf-8"):
        cols = line.rstrip("\n").split("\t")
        if len(cols) >= n:
            out[cols[0]].append(cols[1:])
    return out
ident, issues, fields, docs = rows("identities.tsv", 5), rows("issues.tsv", 5), rows("fields.tsv", 4), rows("docs.tsv", 4)
def say(what, want, got):  # an empty value as "-": read splits on runs of tabs
    print("%s\t%s\t%s" % (what, "-" if want == "" else want, "-" if got == "" else got))
decoded = total = 0
for e in truth:
    if not e["file"].startswith("scans/"):
        continue
    h = sha("fixtures/qr/" + e["file"])
    v = e["variant"]
    row = ident[h][0] if ident.get(h) else None
    codes = [i[0] for i in issues.get(h, [])]
    if e["identity"]:
        total += 1
        want = e["identity"]
        got = row[:4] if row else ["-"] * 4
        exp = [want.get("name") or "-", want.get("org") or "-", want.get("tel") or "-", want.get("visit") or "-"]
        decoded += got == exp
        say("QR identity stored: %s (%d dpi, sticker %s deg, page %s deg, %s)" %
            (v, e["dpi"], e["sticker_deg"], e["page_deg"], e["degrade"]), "|".join(exp), "|".join(got))
        # the visit has no field on any form: it becomes a field of its own, source qr, spaces removed
        fv = [f for f in fields.get(h, []) if f[0] == "visit"]
        say("%s: field visit from the QR code" % v, want["visit"].replace(" ", "") + "|qr",
            "|".join(fv[0][1:]) if fv else "-")
        if "name" not in e["written"]:
            fn = [f for f in fields.get(h, []) if f[0] == "name"]
            say("%s: form without a name field gets one from the QR code" % v, want["name"] + "|qr",
                "|".join(fn[0][1:]) if fn else "-")
        mism = [i for i in issues.get(h, []) if i[0] == "qr_mismatch" and i[1] == "name"]
        if "name" in e["written"]:
            if e["written"]["name"] == want["name"]:
                say("%s: written name agrees with the QR code: no qr_mismatch" % v, 0, len(mism))
            else:
                say("%s: written name differs from the QR code: qr_mismatch (warning)" % v, "warning",
                    mism[0][2] if mism else "-")
                say("%s: the mismatch names both values" % v, True,
                    bool(mism) and e["written"]["name"] in mism[0][3] and want["name"] in mism[0][3])
                # lib/status.h: a warning and no error is needs_review; the page is a clean form
                # (no other issue expected), so invalid would be a wrong error of its own
                st = docs[h][0][0] if docs.get(h) else "-"
                say("%s: a mismatch holds the document for review (no error of its own)" % v, "needs_review", st)
                say("%s: issues exactly the expected ones (warnings and errors)" % v, ",".join(sorted(e["expect_issues"])),
                    ",".join(sorted(i[0] for i in issues.get(h, []) if i[2] in ("warning", "error"))))
        say("%s: no qr_malformed" % v, 0, codes.count("qr_malformed"))
    else:
        say("%s: no identity stored" % v, "None", str(row))
        want = 1 if e["payload"] is not None else 0
        say("%s: qr_malformed issues" % v, want, codes.count("qr_malformed"))
        if want:
            msg = [i[3] for i in issues[h] if i[0] == "qr_malformed"][0]
            say("%s: the malformed-payload message does not repeat the payload" % v, False,
                "山田" in msg or "WELCOME" in msg)
say("decode rate over the fixture scans", "%d/%d" % (total, total), "%d/%d" % (decoded, total))
EOF
run_checks "$T/checks_qr.tsv" $?

eq "identities: analysts may not read them" "1" \
	"$(psql -X -qAt -U docpipe_analyst -c "select count(*) from identities" 2>&1 | grep -c 'permission denied')"
eq "no personal data in document_attrs" 0 "$(q "select count(*) from document_attrs where key like 'identity.%'")"

# ---- 2. receipts ----
nrec=$(q "select count(*) from receipts")
check "receipts for accepted and reviewed applications ($nrec)" test "$nrec" -ge 20
eq "no receipt for a document that is invalid or not a form" 0 \
	"$(q "select count(*) from receipts r join documents d on d.id = r.document_id where d.status not in ('accepted', 'needs_review') or d.form_type is null")"
eq "every accepted or reviewed form has a receipt" 0 \
	"$(q "select count(*) from documents d where d.status in ('accepted', 'needs_review') and d.form_type is not null and not exists (select 1 from receipts r where r.document_id = d.id)")"
bad=
tsv "$T/receipts.tsv" "select d.sha256, d.status, coalesce(d.procedure_code, '-'), replace(r.payload, E'\n', '\\n')
	from documents d join receipts r on r.document_id = d.id"
while IFS=$'\t' read -r sha status proc payload; do
	png="$T/receipts/${sha:0:16}.receipt.png"
	if [ ! -s "$png" ]; then
		bad="$bad; no receipt PNG for $sha"
		continue
	fi
	if ! back=$(zbarimg --raw -q "$png" 2>/dev/null); then
		bad="$bad; zbarimg failed on $png"
		continue
	fi
	want=$(printf 'docpipe-receipt\ndoc=%s\nprocedure=%s' "$sha" "$proc")
	[ "$back" = "$want" ] || bad="$bad; receipt of $sha decodes to '$back'"
done <"$T/receipts.tsv"
eq "every receipt PNG decodes (zbarimg) to docpipe-receipt, the document id and the procedure, nothing else" "" "$bad"
eq "receipt payloads carry no personal data" 0 \
	"$(q "select count(*) from receipts r join identities i using (document_id) where strpos(r.payload, i.name) > 0 or strpos(r.payload, i.tel) > 0")"
eq "receipts.png_path is left empty (the file is named from the sha256)" 0 "$(q "select count(*) from receipts where png_path is not null")"

one=fixtures/qr/scans/qr_pos_bottom_right.png
sha1=$(sha256sum "$one" | cut -c1-64)
run_ok "inspect $one" "$DOCPIPE" inspect -c "$T/t040.conf" "$one"
contains "inspect shows the receipt payload" "$RUN_OUT" "\"receipt.payload\":\"docpipe-receipt\\ndoc=$sha1\\nprocedure=P001\\n\""
# the next counter scans the receipt: docpipe reads it back as a pointer to the record
run_ok "inspect the receipt of $one" "$DOCPIPE" inspect -c "$T/t040.conf" "$T/receipts/${sha1:0:16}.receipt.png"
back=$RUN_OUT
contains "a scanned receipt points to its document" "$back" "\"qr.receipt_doc\":\"$sha1\""
eq "the document a receipt points to is found by the sha256 in it" 1 \
	"$(q "select count(*) from documents where sha256 = '$(printf '%s' "$back" | sed -n 's/.*"qr.receipt_doc":"\([0-9a-f]*\)".*/\1/p')'")"

# ---- 3. grants: two runs against the database ----
first=()
for f in fixtures/qr/grants/*.png; do
	[ "$(basename "$f")" = grant_second.png ] || first+=("$f")
done
"$DOCPIPE" run -c "$T/t040.conf" "${first[@]}" >"$T/grants1.out" 2>"$T/grants1.log"
rc=$?
check "first grant run (exit $rc)" test "$rc" -eq 0
"$DOCPIPE" run -c "$T/t040.conf" fixtures/qr/grants/grant_second.png >"$T/grants2.out" 2>"$T/grants2.log"
rc=$?
check "second grant run (exit $rc)" test "$rc" -eq 0
tsv "$T/issues.tsv" "select d.sha256, v.code, coalesce(v.field, '-'), v.severity, v.message_en
	from documents d join validation_issues v on v.document_id = d.id"
tsv "$T/fields.tsv" "select d.sha256, f.name, f.value, f.source, f.needs_review from documents d join fields f on f.document_id = d.id"
tsv "$T/docs.tsv" "select d.sha256, d.status, coalesce(d.procedure_code, '-'), '-' from documents d"

# The grant checks, for grants/ here and for grant_edges/ in section 3b:
# TRUTH (a truth.json), PREFIX (its entries' folder), EDGES=1 for the edge pages.
cat >"$T/grant_checks.py" <<'EOF'
import hashlib, json, os, collections, re, sys
from fractions import Fraction
T = os.environ["T"]
NOTICES = {"changed_since_last", "low_confidence", "autofill_unavailable"}
truth = [e for e in json.load(open(os.environ["TRUTH"], encoding="utf-8")) if e["file"].startswith(os.environ["PREFIX"])]
EDGES = os.environ.get("EDGES") == "1"
def sha(path): return hashlib.sha256(open(path, "rb").read()).hexdigest()
def rows(name, n):
    out = collections.defaultdict(list)
    for line in open(os.path.join(T, name), encoding="utf-8"):
        cols = line.rstrip("\n").split("\t")
        if len(cols) >= n:
            out[cols[0]].append(cols[1:])
    return out
issues, fields, docs = rows("issues.tsv", 5), rows("fields.tsv", 4), rows("docs.tsv", 4)
def say(what, want, got):  # an empty value as "-": read splits on runs of tabs
    print("%s\t%s\t%s" % (what, "-" if want == "" else want, "-" if got == "" else got))

# 法人番号, computed here: check digit = 9 - (sum of P(n) x Q(n) mod 9) over the 12 base digits
# counted from the right, Q(n) = 1 for odd n and 2 for even n
def corp_ok(num):
    if len(num) != 13 or not num.isdigit():
        return False
    s = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(num[1:]), 1))
    return int(num[0]) == 9 - s % 9
assert corp_ok("7000012050002") and not corp_ok("8000012050002")   # the published example

# the programmes, read here from models/grants.conf (the syntax of lib/ini.c)
progs, cur = {}, None
for line in open("models/grants.conf", encoding="utf-8"):
    line = line.strip()
    if not line or line.startswith(("#", ";")):
        continue
    m = re.match(r"^\[(.+)\]$", line)
    if m:
        cur = progs.setdefault(m.group(1).strip(), {})
        continue
    k, _, v = line.partition("=")
    cur[k.strip()] = v.strip().split(" #")[0].strip()
def rate(p):
    return Fraction(p["rate"]) if "/" in p["rate"] else Fraction(p["rate"])

by = {e["variant"]: e for e in truth}
for e in truth:
    h = sha("fixtures/qr/" + e["file"])
    v, f = e["variant"], e["fields"]
    codes = [i[0] for i in issues.get(h, [])]
    status = docs[h][0][0] if docs.get(h) else "-"
    p = progs[f["program"]]
    say("%s: corporate number %s valid by its check digit? docpipe agrees" % (v, f["corporate_number"]),
        not corp_ok(f["corporate_number"]), "corporate_number_invalid" in codes)
    elig, amount = int(f["eligible_cost"]), int(f["amount"])
    say("%s: amount %d over %s x %d? docpipe agrees" % (v, amount, p["rate"], elig),
        Fraction(amount) > rate(p) * elig, "grant_over_rate" in codes)
    say("%s: amount %d over the maximum %s? docpipe agrees" % (v, amount, p["max"]),
        amount > int(p["max"]), "grant_over_max" in codes)
    lo, hi = p["window"].split("..")
    say("%s: %s outside %s? docpipe agrees" % (v, f["application_date"], p["window"]),
        not (lo <= f["application_date"] <= hi), "grant_outside_window" in codes)
    for code in e["expect_issues"]:
        say("%s: issue %s" % (v, code), True, code in codes)
    # exactly the expected errors and warnings, nothing else (notices aside)
    serious = sorted(set(i[0] for i in issues.get(h, []) if i[2] in ("error", "warning")))
    say("%s: errors and warnings exactly the expected ones" % v,
        ",".join(sorted(set(c for c in e["expect_issues"] if c not in NOTICES))), ",".join(serious))
    # lib/status.h: any error -> invalid; else a field flagged for review or a warning ->
    # needs_review; else accepted. The truth says invalid or not; which of accepted and
    # needs_review follows from the fields docpipe flagged (grant_second: eligible_cost).
    flagged = sorted(r[0] for r in fields.get(h, []) if r[3] == "t")
    if e["expect_status"] == "invalid":
        want = "invalid"
    else:
        want = "needs_review" if flagged or "warning" in [i[2] for i in issues.get(h, [])] else "accepted"
    say("%s: status (fields flagged: %s)" % (v, ",".join(flagged) or "none"), want, status)
    if EDGES:
        # the edge pages only test the limits when the values the rules use were read as
        # written and not flagged (else a misread, not the rule, decides)
        for name in ("application_date", "eligible_cost", "amount"):
            r = [x for x in fields.get(h, []) if x[0] == name]
            say("%s: %s read as written, not flagged" % (v, name), f[name] + "|f",
                "%s|%s" % (r[0][1], r[0][3]) if r else "-")

if not by.get("grant_second"):
    sys.exit(0)

# autofill: the second application of company A takes the first one's company fields
first, second = by["grant_first"], by["grant_second"]
h2 = sha("fixtures/qr/" + second["file"])
got = {r[0]: (r[1], r[2]) for r in fields[h2]}
for name in ("company", "address", "tel"):
    say("second application: %s filled from the first (source autofill)" % name,
        "%s|autofill" % first["fields"][name], "|".join(got.get(name, ("-", "-"))))
say("second application: representative as written (ocr)", "%s|ocr" % second["fields"]["representative"],
    "|".join(got.get("representative", ("-", "-"))))
ch = [i for i in issues.get(h2, []) if i[0] == "changed_since_last"]
say("second application: the changed representative is a notice", "representative|notice",
    "|".join(ch[0][1:3]) if ch else "-")
say("second application: the notice gives both values", True,
    bool(ch) and first["fields"]["representative"] in ch[0][3] and second["fields"]["representative"] in ch[0][3])
say("second application: nothing left missing", 0, [i[0] for i in issues.get(h2, [])].count("required_missing"))
# no earlier application: the empty company fields stay empty and are alerts
h3 = sha("fixtures/qr/" + by["grant_no_history"]["file"])
missing = sorted(i[1] for i in issues.get(h3, []) if i[0] == "required_missing")
say("no earlier application: company fields missing are errors", "address,company,tel", ",".join(missing))
say("no earlier application: nothing autofilled", 0, sum(r[2] == "autofill" for r in fields[h3]))
EOF
TRUTH=fixtures/qr/truth.json PREFIX=grants/ python3 "$T/grant_checks.py" >"$T/checks_grants.tsv"
run_checks "$T/checks_grants.tsv" $?

eq "the first application took nothing from the second (it was earlier)" 0 \
	"$(q "select count(*) from fields f join documents d on d.id = f.document_id where d.source_name like '%grant_first.png' and f.source = 'autofill'")"

# ---- 3b. the limits of GX2025 on both sides (fixtures/qr/grant_edges) ----
# window 2024-07-01..2026-03-31: its first and last day accepted, the day
# before and the day after grant_outside_window; max 3,000,000 exactly and
# 3,000,001 (grant_over_max); rate 0.75 of 3,000,000 = 2,250,000 exactly and
# 2,250,001 (grant_over_rate). Company C of grants/, every field filled.
run_ok "grant edge pages run" "$DOCPIPE" run -c "$T/t040.conf" fixtures/qr/grant_edges/*.png
tsv "$T/issues.tsv" "select d.sha256, v.code, coalesce(v.field, '-'), v.severity, v.message_en
	from documents d join validation_issues v on v.document_id = d.id"
tsv "$T/fields.tsv" "select d.sha256, f.name, f.value, f.source, f.needs_review from documents d join fields f on f.document_id = d.id"
tsv "$T/docs.tsv" "select d.sha256, d.status, coalesce(d.procedure_code, '-'), '-' from documents d"
TRUTH=fixtures/qr/grant_edges/truth.json PREFIX=grant_edges/ EDGES=1 python3 "$T/grant_checks.py" >"$T/checks_edges.tsv"
run_checks "$T/checks_edges.tsv" $?

# ---- 4. without a database (inspect): autofill is skipped with a notice, nothing crashes ----
start=$(date +%s)
nodb=$(PGHOST=/nonexistent PGPORT=1 "$DOCPIPE" inspect -c "$T/t040.conf" fixtures/qr/grants/grant_second.png 2>/dev/null)
eq "inspect without a database exits 0" 0 $?
contains "inspect without a database: autofill_unavailable notice" "$nodb" '"code":"autofill_unavailable"'
contains "inspect without a database: the empty company fields are alerts" "$nodb" '"code":"required_missing"'
check "inspect without a database does not wait for one" test $(( $(date +%s) - start )) -lt 60
eq "every query and export succeeded" "" "$(cat "$T/failed_queries")"
done_testing
