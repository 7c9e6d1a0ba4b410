# t046-vocab: the template vocabulary of issue 12 through `docpipe inspect` on
# fixtures/vocab/vocab_1.png (drawn by fixtures/vocab/gen_vocab.py) with
# fixtures/vocab/vocab.form: role (a fee named tesuryo, copies named busu, a
# name field called representative), choices, era_year, qr = required,
# floor() in a rule, FORM_ID.FIELD, a postage list, date_future; and the
# template errors of the new keys. No database is used (fresh_db only keeps
# the test's conventions).
. "$TOP/tests/lib.sh"
plan 26
fresh_db docpipe_t046
cd "$TOP"
W="$TMPBASE/t046"
mkdir -p "$W/forms"
cp fixtures/vocab/vocab.form "$W/forms/"
printf '[P046]\nunit_fee = 700\npostage = 84, 94, 140\n' > "$W/fees.conf"
printf '[forms]\ndir = %s/forms\n\n[models]\nfees = %s/fees.conf\n' "$W" "$W" > "$W/p.conf"

"$DOCPIPE" inspect -c "$W/p.conf" fixtures/vocab/vocab_1.png > "$W/out.json" 2> "$W/err.txt"
rc=$?
eq "inspect with the vocabulary template exits 0" 0 "$rc"
python3 - "$W/out.json" > "$W/facts.txt" <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1], encoding="utf-8"))
except Exception:
    d = {"fields": [], "issues": [], "attrs": {}}
f = {x["name"]: x for x in d.get("fields", [])}
codes = {}
for i in d.get("issues", []):
    codes.setdefault(i["code"], set()).add(i.get("field") or "")
def v(n): return f.get(n, {}).get("value", "<none>")
print("form=%s" % d.get("form_type"))
print("nendo=%s" % v("nendo"))
print("shurui=%s" % v("shurui"))
print("shurui_review=%s" % f.get("shurui", {}).get("needs_review"))
print("uketori=%s" % v("uketori"))
print("choice_multiple=%s" % ",".join(sorted(codes.get("choice_multiple", []))))
print("fee_mismatch=%s" % ",".join(sorted(codes.get("fee_mismatch", []))))
print("postage_mismatch=%s" % ",".join(sorted(codes.get("postage_mismatch", []))))
print("rule_failed=%s" % ",".join(sorted(codes.get("rule_failed", []))))
print("date_future=%s" % ",".join(sorted(codes.get("date_future", []))))
print("date_review=%s" % f.get("hokoku_bi", {}).get("needs_review"))
print("qr_missing=%s" % ("yes" if "qr_missing" in codes else "no"))
print("status=%s" % d.get("status"))
PY
fact() { sed -n "s/^$1=//p" "$W/facts.txt"; }
eq "the page is recognised as vocab_jisseki" vocab_jisseki "$(fact form)"
eq "era_year: 平成29年度 is 2017" 2017 "$(fact nendo)"
eq "choices: both ticked labels, in template order" "機械,外注" "$(fact shurui)"
eq "choices: two ticks need no review" False "$(fact shurui_review)"
eq "choices: no choice_multiple, single choice: choice_multiple on uketori" uketori "$(fact choice_multiple)"
eq "fee found by role (tesuryo x busu): fee_mismatch on tesuryo" tesuryo "$(fact fee_mismatch)"
eq "postage 94 is one of the allowed 84, 94, 140" "" "$(fact postage_mismatch)"
eq "hojo = floor(keihi * 2 / 3, 1000) and hojo <= vocab_jisseki.keihi hold" "" "$(fact rule_failed)"
eq "an application date in the future (令和20年): date_future" hokoku_bi "$(fact date_future)"
eq "the future date is flagged" True "$(fact date_review)"
eq "qr = required and no code: qr_missing" yes "$(fact qr_missing)"
eq "the document is invalid" invalid "$(fact status)"

# a rule naming a form whose page the document lacks: rule_skipped
cp fixtures/vocab/vocab.form "$W/forms/vocab.form"
printf '[form]\nid = vocab_bessi\nmatch = 補助事業実績報告書別紙\ntitle_box = 40 250 130 10\n[field total]\nbox = 60 270 50 10\ntype = yen\n' > "$W/forms/vocab_bessi.form"
printf 'rule = hojo <= vocab_bessi.total\n' >> "$W/forms/vocab.form"
"$DOCPIPE" inspect -c "$W/p.conf" fixtures/vocab/vocab_1.png > "$W/out2.json" 2> "$W/err2.txt"
contains "a rule on an absent page: rule_skipped notice" "$(cat "$W/out2.json")" '"rule_skipped"'
rm -f "$W/forms/vocab_bessi.form"

# template errors of the new keys: exit 1, the documented message
bad() { # bad "what" "extra lines" "expected message part"
	cp fixtures/vocab/vocab.form "$W/forms/vocab.form"
	printf '%s\n' "$2" >> "$W/forms/vocab.form"
	"$DOCPIPE" inspect -c "$W/p.conf" fixtures/vocab/vocab_1.png > /dev/null 2> "$W/bad.txt"
	local r=$?
	eq "$1: exit 1" 1 "$r"
	contains "$1: message" "$(cat "$W/bad.txt")" "$3"
}
bad "two fields with role fee" $'[field fee2]\nbox = 10 200 20 10\nrole = fee' "fields 'tesuryo' and 'fee2' both have role 'fee' (one field per role)"
bad "an unknown role" $'[field x]\nbox = 10 200 20 10\nrole = fees' "role must be one of fee, copies,"
bad "a rule naming an unknown form" $'[check]\nrule = hojo <= nosuch.total' "rule names 'nosuch.total', but no template has the id 'nosuch'"
bad "an unknown function" $'[check]\nrule = hojo = trunc(keihi, 1000)' "unknown function 'trunc' (floor, ceil, round)"
cp fixtures/vocab/vocab.form "$W/forms/vocab.form"; sed -i 's/^qr = required$/qr = yes/' "$W/forms/vocab.form"
"$DOCPIPE" inspect -c "$W/p.conf" fixtures/vocab/vocab_1.png > /dev/null 2> "$W/bad.txt"
contains "qr = yes is refused" "$(cat "$W/bad.txt")" "qr must be required, optional or none, not 'yes'"
cp fixtures/vocab/vocab.form "$W/forms/vocab.form"; sed -i 's/^qr = required$/reference = blank.png/' "$W/forms/vocab.form"
"$DOCPIPE" inspect -c "$W/p.conf" fixtures/vocab/vocab_1.png > /dev/null 2> "$W/bad.txt"
contains "a missing reference file is refused" "$(cat "$W/bad.txt")" "reference 'blank.png': cannot read '$W/forms/blank.png'"
cp fixtures/vocab/vocab_1.png "$W/forms/blank.png"
"$DOCPIPE" inspect -c "$W/p.conf" fixtures/vocab/vocab_1.png > /dev/null 2> "$W/bad.txt"
eq "a readable reference file is accepted" 0 "$?"

eq "every planned check ran" 26 "$((T_N + 1))"
done_testing
