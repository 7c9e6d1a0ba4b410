# t063-one-reading: DOCPIPE_DEBUG_ONE_READING, the measurement hook behind
# bench/throughput.sh's floor row (issue 13, docs/PERFORMANCE.md "The floor
# of the readings"): every field is read once by its own model, with no
# second reading and no other model's check of its digits. Two degraded
# scans (a 200-dpi one and a noisy one) read with the debug log: without the
# hook some field is read more than once or has its digits checked by the
# other model; with it every field has one reading and no evidence; where
# the two differ (they do on these scans), the full reading is right or
# flagged.
# QUICK
. "$TOP/tests/lib.sh"
plan 5
cd "$TOP"
T="$TMPBASE/t063"
mkdir -p "$T"
printf '[forms]\ndir = %s/models/forms\n[log]\nlevel = debug\n' "$TOP" > "$T/debug.conf"
scans="fixtures/forms/degraded/gyoseishoshi_cert_dpi200.png fixtures/forms/degraded/hojokin_shinsei_noisy.png"
verdicts() { # verdicts LOG: one line per field, "reading K, A of N agree, evidence E"
	grep -o 'msg="field [a-z_0-9]*: value.*agree, evidence -\{0,1\}[0-9]' "$1" | sed 's/.*from reading/reading/'
}
# shellcheck disable=SC2086
run_ok "inspect, every reading" sh -c "'$DOCPIPE' inspect -c '$T/debug.conf' $scans > '$T/full.json' 2> '$T/full.log'"
# shellcheck disable=SC2086
run_ok "inspect with DOCPIPE_DEBUG_ONE_READING" sh -c "DOCPIPE_DEBUG_ONE_READING=1 '$DOCPIPE' inspect -c '$T/debug.conf' $scans > '$T/one.json' 2> '$T/one.log'"
verdicts "$T/full.log" > "$T/full.v"
verdicts "$T/one.log" > "$T/one.v"
echo "# every reading: $(sort "$T/full.v" | uniq -c | tr '\n' ';')"
echo "# one reading:   $(sort "$T/one.v" | uniq -c | tr '\n' ';')"
check "without the hook, some field is read twice or checked by the other model" \
	grep -qvx 'reading 0, 1 of 1 agree, evidence 0' "$T/full.v"
eq "with it, as many fields, each read once with no other model's evidence" \
	"$(wc -l < "$T/full.v") fields, all one reading" \
	"$(wc -l < "$T/one.v") fields, $(grep -qvx 'reading 0, 1 of 1 agree, evidence 0' "$T/one.v" && echo 'some not' || echo 'all') one reading"
# Where the single reading differs, the full reading is right or flagged:
# the second readings and the other model's checks are what catch a digit
# one model is sure of wrongly (hojokin_shinsei_noisy's eligible_cost read
# 1,895,900 at 91 alone; why the floor is not a way to run)
run_ok "where the two differ, the full reading is right or flagged" python3 -c '
import json, sys
truth = {(t["file"].split("/")[-1], t["page"]): t["fields"] for t in json.load(open("fixtures/forms/truth.json", encoding="utf-8"))}
def fields(path):
    out = {}
    for line in open(path, encoding="utf-8"):
        d = json.loads(line)
        for f in d["fields"]:
            out[(d["file"].split("/")[-1], f["page"], f["name"])] = (f["value"] or "", f["needs_review"])
    return out
full, one = fields(sys.argv[1]), fields(sys.argv[2])
assert full.keys() == one.keys(), "other fields"
differ = [k for k in full if one[k][0] != full[k][0]]
bad = 0
for k in differ:
    right = truth[(k[0], k[1])].get(k[2], "") == full[k][0]
    print("# %s %s: full %r%s, single %r%s" % (k[0], k[2], full[k][0], " flagged" if full[k][1] else "",
                                             one[k][0], " flagged" if one[k][1] else ""))
    bad += not right and not full[k][1]
print("# %d of %d values differ" % (len(differ), len(full)))
sys.exit(1 if bad or not differ else 0)' "$T/full.json" "$T/one.json"
done_testing
