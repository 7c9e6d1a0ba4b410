# t070-report: the analysts' report and roles (docs/ANALYSTS.md).
# Real scans and forms through the pipeline, plus synthetic documents with
# known timings (scans of P004, recordings of the audio procedure, a code
# missing from the catalogue); this test computes every figure itself from
# the raw tables and models/procedures.conf (python3, not the views) and
# compares with the views and with `docpipe report --format json`. Then: the
# analyst role is refused personal data and can run the report; every format
# is written; the html has its three charts and no external reference.
. "$TOP/tests/lib.sh"
plan 93
cd "$TOP"
export PGTZ=UTC        # hours and days in UTC, here and in the database
T=$TMPBASE/t070
mkdir -p "$T"

# a database without the report migration: the report says what to do
fresh_db docpipe_t070_empty
msg=$("$DOCPIPE" report 2>&1); rc=$?
eq "unmigrated database: exit 3" 3 "$rc"
contains "unmigrated database: says to migrate" "$msg" "docpipe db migrate"

fresh_db docpipe_t070
"$DOCPIPE" run fixtures/scans fixtures/forms/clean >"$T/run.out" 2>"$T/run.log"
rc=$?
check "pipeline run over fixtures (exit $rc)" test "$rc" -eq 0 -o "$rc" -eq 2
"$DOCPIPE" db migrate >/dev/null 2>&1
eq "migrating again is a no-op" 0 $?
eq "roles exist" 2 "$(q "select count(*) from pg_roles where rolname in ('docpipe_analyst', 'docpipe_loader')")"

# ---- synthetic documents with known timings (2024-03-01, UTC) ----
python3 - >"$T/synthetic.sql" <<'EOF'
import hashlib, random
from datetime import datetime, timedelta, timezone
rnd = random.Random(70)
base = datetime(2024, 3, 1, 8, 0, tzinfo=timezone.utc)
out, docs_sql = [], []          # documents first: the other rows refer to them
def ts(t): return "'" + t.isoformat(sep=" ", timespec="microseconds") + "'"
def doc(i, kind, status, code, loaded, pages, name):
    sha = hashlib.sha256(b"t070-%d" % i).hexdigest()
    docs_sql.append("INSERT INTO documents (id, sha256, source_name, kind, format, status, received_at, loaded_at, "
               "page_count, full_text, procedure_code) VALUES (%d, '%s', '%s', '%s', 'png', '%s', %s, %s, %d, "
               "'山田太郎 東京都新宿区西新宿2-8-1', %s);"
               % (i, sha, name, kind, status, ts(loaded - timedelta(minutes=5)), ts(loaded), pages,
                  "'%s'" % code if code else "NULL"))
def runs(i, stages, start):
    t = start
    for st in stages:
        q = t
        s = q + timedelta(microseconds=rnd.randint(0, 2_000_000))
        f = s + timedelta(microseconds=rnd.randint(1_000, 3_000_000))
        out.append("INSERT INTO stage_runs (document_id, stage, worker, host, queued_at, started_at, finished_at, "
                   "cpu_ms, outcome) VALUES (%d, '%s', 'h/1/%s.0', 'h', %s, %s, %s, %.3f, 'ok');"
                   % (i, st, st, ts(q), ts(s), ts(f), rnd.randint(1, 900000) / 1000))
        t = f
    return t
scan = ["ingest", "preprocess", "ocr", "validate", "load"]
i = 100000
# 24 scans of P004 over three hours: accepted, needs_review (flagged fields), rejected
for k in range(24):
    i += 1
    status = ["accepted", "accepted", "needs_review", "accepted", "needs_review", "rejected"][k % 6]
    start = base + timedelta(minutes=7 * k)
    end = runs(i, scan if status != "rejected" else scan[:2] + ["load"], start)
    doc(i, "scan", status, "P004", end, 1, "山田太郎_住民票_%d.png" % k)
    if status != "rejected":
        for f in range(5):
            flagged = status == "needs_review" and f < 1 + k % 3
            out.append("INSERT INTO fields (document_id, page, name, value, raw_text, confidence, needs_review, "
                       "source) VALUES (%d, 1, 'name%d', '山田太郎', '山田太郎', 80, %s, 'ocr');"
                       % (i, f, "true" if flagged else "false"))
# 5 recordings without a procedure code: the audio procedure of the catalogue
for k, secs in enumerate([600, 1234.5, 95, 3600, 42]):
    i += 1
    end = runs(i, ["ingest", "audio", "asr", "asr", "asr", "load"], base + timedelta(minutes=40 * k + 3))
    doc(i, "audio", "transcribed", None, end, 0, "会議_%d.wav" % k)
    out.append("INSERT INTO document_attrs VALUES (%d, 'audio.seconds', '%s');" % (i, secs))
    out.append("INSERT INTO transcript_segments (document_id, seq, start_ms, end_ms, text, confidence) "
               "VALUES (%d, 0, 0, 1000, '山田太郎です', 0.9);" % i)
# 2 scans of a procedure missing from the catalogue, 1 unrecognised, 1 rejected unknown file
for k in range(2):
    i += 1
    doc(i, "scan", "accepted", "P777", runs(i, scan, base + timedelta(hours=2, minutes=k)), 2, "x%d.png" % k)
i += 1
doc(i, "scan", "unrecognised", None, runs(i, scan, base + timedelta(hours=5)), 3, "letter.png")
i += 1
doc(i, "unknown", "rejected", None, runs(i, ["ingest", "load"], base + timedelta(days=1, hours=1)), 0, "junk.bin")
out.append("INSERT INTO identities VALUES (100001, '山田太郎', '新宿区役所', '03-5321-1111', '福祉課', 'raw');")
print("BEGIN;\n" + "\n".join(docs_sql + out) + "\nCOMMIT;")
EOF
psql -X -q -v ON_ERROR_STOP=1 -f "$T/synthetic.sql" >/dev/null
eq "synthetic documents stored" 33 "$(q "select count(*) from documents where id > 100000")"

# ---- the report, as a superuser's connection (it becomes the analyst) ----
"$DOCPIPE" report --format json -o "$T/all.json" 2>"$T/report.log"
eq "report json written" 0 $?
"$DOCPIPE" report --since 2024-03-01 --until 2024-03-01 --format json -o "$T/day.json" 2>>"$T/report.log"
eq "report json for one day written" 0 $?
"$DOCPIPE" report --since '2024-03-01 09:00' --until '2024-03-01 10:30' --format json -o "$T/span.json" 2>>"$T/report.log"
eq "report json for 90 minutes written" 0 $?

# raw tables, read as the superuser, for the test's own arithmetic
dump() { psql -X -q --csv -v ON_ERROR_STOP=1 -c "$1" >"$T/$2.csv"; }
dump "select id, kind, status, procedure_code, page_count, extract(epoch from loaded_at) as loaded from documents" docs
dump "select document_id, stage, outcome, extract(epoch from queued_at) q, extract(epoch from started_at) s,
	extract(epoch from finished_at) f, cpu_ms from stage_runs" runs
dump "select document_id, needs_review from fields" fields
dump "select document_id, value from document_attrs where key = 'audio.seconds'" audio
for v in procedure_cost stage_latency status_rates throughput_hourly throughput_daily report_overview; do
	psql -X -q --csv -U docpipe_analyst -v ON_ERROR_STOP=1 -c "select * from $v" >"$T/view_$v.csv" ||
		fail "analyst reads view $v"
done

python3 - "$T" models/procedures.conf <<'EOF' >"$T/compare.out"
import csv, json, sys, configparser
from collections import defaultdict
from datetime import datetime, timezone
from decimal import Decimal
T, conf = sys.argv[1], sys.argv[2]
def rows(name): return list(csv.DictReader(open("%s/%s.csv" % (T, name), encoding="utf-8")))

cp = configparser.ConfigParser(interpolation=None, comment_prefixes=("#", ";"), inline_comment_prefixes=("#",))
cp.read(conf, encoding="utf-8")
procs = {s: dict(cp[s]) for s in cp.sections()}
order = cp.sections()
audio_code = next((s for s in order if procs[s].get("kind", "scan") == "audio"), None)

docs = {int(r["id"]): r for r in rows("docs")}
runs = rows("runs")
flagged = defaultdict(int)
for r in rows("fields"):
    if r["needs_review"] == "t":
        flagged[int(r["document_id"])] += 1
audio = {int(r["document_id"]): float(r["value"]) for r in rows("audio")}
def proc(d):
    return d["procedure_code"] or (audio_code if d["kind"] == "audio" else None)

def pct(vals, p):
    v = sorted(vals)
    x = p * (len(v) - 1)
    lo = int(x)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (x - lo)

def expected(since, until):
    inwin = lambda t: (since is None or t >= since) and (until is None or t < until)
    ds = {i: d for i, d in docs.items() if inwin(float(d["loaded"]))}
    e = {}
    # stage latency over runs finished in the window
    lat = defaultdict(lambda: {"w": [], "s": [], "cpu": 0.0, "rej": 0})
    for r in runs:
        if not inwin(float(r["f"])): continue
        q, s, f = Decimal(r["q"]), Decimal(r["s"]), Decimal(r["f"])
        L = lat[r["stage"]]
        L["w"].append(float((s - q) * 1000)); L["s"].append(float((f - s) * 1000))
        L["cpu"] += float(r["cpu_ms"]); L["rej"] += r["outcome"] != "ok"
    e["stage_latency"] = {st: {"runs": len(L["w"]), "rejected_runs": L["rej"], "cpu_ms": L["cpu"],
        "wait_p50_ms": pct(L["w"], .5), "wait_p95_ms": pct(L["w"], .95), "wait_p99_ms": pct(L["w"], .99),
        "service_p50_ms": pct(L["s"], .5), "service_p95_ms": pct(L["s"], .95), "service_p99_ms": pct(L["s"], .99),
        "wait_max_ms": max(L["w"]), "service_mean_ms": sum(L["s"]) / len(L["s"])} for st, L in lat.items()}
    # machine time per document: all its runs
    machine = defaultdict(float)
    for r in runs:
        machine[int(r["document_id"])] += float(Decimal(r["f"]) - Decimal(r["s"]))
    cost = {}
    for code in order:
        cost[code] = {"cases": 0, "flagged_fields": 0, "manual_cases": 0, "baseline_hours": 0.0,
                      "machine_hours": 0.0, "review_hours": 0.0, "manual_hours": 0.0}
    for i, d in ds.items():
        c = proc(d)
        if c is None: continue
        if c not in cost:
            cost[c] = {"cases": 0, "flagged_fields": 0, "manual_cases": 0, "baseline_hours": None,
                       "machine_hours": 0.0, "review_hours": None, "manual_hours": None}
        x = cost[c]
        x["cases"] += 1; x["flagged_fields"] += flagged[i]
        # still needs_review or invalid: open work, in none of the hours (db/007_review.sql)
        x["open_documents"] = x.get("open_documents", 0) + (d["status"] in ("needs_review", "invalid"))
        if d["status"] in ("needs_review", "invalid"): continue
        x["machine_hours"] += machine[i] / 3600
        if c not in procs: continue
        p = procs[c]
        b, rv = float(p["baseline_minutes"]), float(p["review_minutes"])
        units = audio.get(i, 0) / 60 if p.get("kind") == "audio" else 1
        x["baseline_hours"] += b * units / 60
        if d["status"] in ("rejected", "unrecognised"):
            x["manual_cases"] += 1; x["manual_hours"] += b * units / 60
        else:
            x["review_hours"] += rv * (units if p.get("kind") == "audio" else flagged[i]) / 60
    for c, x in cost.items():
        if x["baseline_hours"] is None:
            x["pipeline_hours"] = x["reduction_pct"] = None
            continue
        x["pipeline_hours"] = x["machine_hours"] + x["review_hours"] + x["manual_hours"]
        x["reduction_pct"] = (100 * (x["baseline_hours"] - x["pipeline_hours"]) / x["baseline_hours"]
                              if x["baseline_hours"] > 0 else None)
        finished = x["cases"] - x.get("open_documents", 0)
        if finished:
            x["annual_hours_saved"] = int(procs[c]["annual_cases"]) * (x["baseline_hours"] - x["pipeline_hours"]) / finished
    e["procedure_cost"] = cost
    hourly, daily, rates = defaultdict(lambda: defaultdict(int)), defaultdict(lambda: defaultdict(int)), defaultdict(lambda: defaultdict(int))
    for i, d in ds.items():
        t = datetime.fromtimestamp(float(d["loaded"]), timezone.utc)
        k = (d["kind"], proc(d))
        for tab, key in ((hourly, (t.strftime("%Y-%m-%d %H:00:00+00"),) + k), (daily, (t.strftime("%Y-%m-%d"),) + k), (rates, k)):
            tab[key]["documents"] += 1; tab[key]["pages"] += int(d["page_count"]); tab[key][d["status"]] += 1
    e["throughput_hourly"], e["throughput_daily"], e["status_rates"] = hourly, daily, rates
    e["overview"] = {"documents": len(ds), "pages": sum(int(d["page_count"]) for d in ds.values()),
                     "audio": sum(d["kind"] == "audio" for d in ds.values()),
                     "stage_runs": sum(L["runs"] for L in e["stage_latency"].values())}
    # cost totals: the procedures with a baseline
    withb = [x for x in cost.values() if x["baseline_hours"]]
    b, pl = sum(x["baseline_hours"] for x in withb), sum(x["pipeline_hours"] for x in withb)
    e["overview"].update({"cases": sum(x["cases"] for x in withb), "baseline_hours": b, "pipeline_hours": pl,
                          "reduction_pct": 100 * (b - pl) / b if b else None})
    return e

fails = 0
def same(what, want, got):
    global fails
    if want is None or got is None:
        good = want is None and got is None
    elif isinstance(want, float) or isinstance(got, float):
        good = abs(float(want) - float(got)) <= 1e-6 * max(1.0, abs(float(want)))
    else:
        good = str(want) == str(got)
    if not good:
        fails += 1
        print("MISMATCH %s: expected %r, got %r" % (what, want, got))
    return good

def compare(label, e, tables):
    n = 0
    lat = {r["stage"]: r for r in tables["stage_latency"]}
    same(label + " stages", sorted(e["stage_latency"]), sorted(lat))
    for st, x in e["stage_latency"].items():
        for k, v in x.items():
            same("%s stage_latency %s %s" % (label, st, k), v, lat.get(st, {}).get(k)); n += 1
    cost = {r["procedure_code"]: r for r in tables["procedure_cost"]}
    same(label + " procedures", sorted(e["procedure_cost"]), sorted(cost))
    for c, x in e["procedure_cost"].items():
        for k, v in x.items():
            same("%s procedure_cost %s %s" % (label, c, k), v, cost.get(c, {}).get(k)); n += 1
    for tab, keys in (("throughput_hourly", ("hour", "kind", "procedure_code")),
                      ("throughput_daily", ("day", "kind", "procedure_code")),
                      ("status_rates", ("kind", "procedure_code"))):
        got = {tuple(r[k] or None for k in keys): r for r in tables[tab]}
        same("%s %s keys" % (label, tab), sorted(map(str, e[tab])), sorted(map(str, got)))
        for key, x in e[tab].items():
            for k in ("documents", "pages", "accepted", "needs_review", "rejected", "transcribed"):
                if tab == "status_rates" and k == "pages": continue
                same("%s %s %s %s" % (label, tab, key, k), x.get(k, 0), got.get(key, {}).get(k)); n += 1
            if tab == "status_rates":
                same("%s rejected_pct %s" % (label, key), 100.0 * x.get("rejected", 0) / x["documents"],
                     got.get(key, {}).get("rejected_pct")); n += 1
    for k, v in e["overview"].items():
        same("%s overview %s" % (label, k), v, tables["overview"][0][k]); n += 1
    return n

def num(v):
    if v in ("", None): return None
    try: return int(v)
    except ValueError:
        try: return float(v)
        except ValueError: return v

def day(s): return datetime.fromisoformat(s).replace(tzinfo=timezone.utc).timestamp()
checks = 0
views = {}
for v, name in (("procedure_cost", "procedure_cost"), ("stage_latency", "stage_latency"), ("status_rates", "status_rates"),
                ("throughput_hourly", "throughput_hourly"), ("throughput_daily", "throughput_daily"), ("report_overview", "overview")):
    views[name] = [{k: num(x) if k not in ("hour", "day", "procedure_code", "kind", "stage", "name") else (x or None)
                    for k, x in r.items()} for r in rows("view_" + v)]
checks += compare("views", expected(None, None), views)
for f, since, until in (("all", None, None), ("day", day("2024-03-01"), day("2024-03-02")),
                        ("span", day("2024-03-01T09:00"), day("2024-03-01T10:30"))):
    j = json.load(open("%s/%s.json" % (T, f), encoding="utf-8"))
    checks += compare("json " + f, expected(since, until), j["tables"])
print("%d figures compared, %d mismatches" % (checks, fails))
EOF
cmp_out=$(cat "$T/compare.out")
case "$cmp_out" in *" 0 mismatches"*) ok "views and report json equal the test's own arithmetic: $(tail -1 "$T/compare.out")" ;;
	*) fail "views and report json equal the test's own arithmetic: $(head -c 2000 "$T/compare.out")" ;; esac

# a few figures by hand, so a reader sees what is asserted
r=$(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
c = {r["procedure_code"]: r for r in j["tables"]["procedure_cost"]}
print(c["P004"]["cases"], c["P004"]["manual_cases"], c["P900"]["cases"], round(c["P900"]["audio_minutes"], 3),
      c["P777"]["name"], c["P777"]["baseline_hours"], j["tables"]["overview"][0]["documents"])' "$T/day.json")
eq "one day: 24 P004 cases (4 rejected, keyed by hand), 5 recordings of 92.86 min, P777 uncatalogued, 32 documents" \
	"24 4 5 92.858 None None 32" "$r"
r=$(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
c = {r["procedure_code"]: r for r in j["tables"]["procedure_cost"]}
# P900: 4 min by hand and 1.6 min of review per minute of recording
x = c["P900"]
print(round(x["baseline_hours"] * 60, 3), round(x["review_hours"] * 60, 3))' "$T/day.json")
eq "audio baseline and review minutes = 4 and 1.6 per recorded minute" "371.433 148.573" "$r"

# ---- roles: the analyst is refused personal data ----
aq() { psql -X -qAt -U docpipe_analyst -c "$1" 2>&1; }
for sql in "select name from identities" "select tel from identities" "select count(*) from identities" \
	"select value from fields" "select raw_text from fields" "select * from fields" \
	"select full_text from documents" "select source_name from documents" "select error from documents" \
	"select text from transcript_segments" "select message_en from validation_issues" \
	"select message_ja from validation_issues" "select value from document_attrs" "select payload from receipts"; do
	contains "analyst refused: $sql" "$(aq "$sql")" "permission denied"
done
for sql in "insert into stage_runs (document_id, stage, worker, host, queued_at, started_at, finished_at, cpu_ms, outcome) values (100001, 'x', 'x', 'x', now(), now(), now(), 0, 'ok')" \
	"update documents set status = 'accepted'" "delete from fields"; do
	contains "analyst cannot write: ${sql%% (*}" "$(aq "$sql")" "permission denied"
done
eq "analyst reads flags without values" "$(q "select count(*) from fields where needs_review")" \
	"$(aq "select count(*) from fields where needs_review")"
eq "analyst reads field_flags view" "$(q "select count(*) from fields")" "$(aq "select count(*) from field_flags")"
eq "analyst reads stage_runs" "$(q "select count(*) from stage_runs")" "$(aq "select count(*) from stage_runs")"
eq "analyst reads non-personal document columns" "$(q "select count(*) from documents where kind = 'audio'")" \
	"$(aq "select count(*) from documents where kind = 'audio'")"
eq "loader reads personal data" "$(q "select count(*) from identities")" \
	"$(psql -X -qAt -U docpipe_loader -c "select count(*) from identities" 2>&1)"
contains "loader writes" "$(psql -X -At -U docpipe_loader -c "insert into document_attrs values (100002, 't070.loader', 'x')" 2>&1)" "INSERT 0 1"

# ---- the report as the analyst itself, and proof that it runs as the analyst ----
PGUSER=docpipe_analyst "$DOCPIPE" report --format json -o "$T/analyst.json" 2>"$T/analyst.log"
eq "analyst login runs the report" 0 $?
costs() { python3 -c '
import json, sys
for r in json.load(open(sys.argv[1]))["tables"]["procedure_cost"]:
    print([round(v, 9) if isinstance(v, float) else v for v in r.values()])' "$1"; }
eq "analyst's report equals the superuser's" "$(costs "$T/all.json")" "$(costs "$T/analyst.json")"
q "revoke select on stage_runs from docpipe_analyst"
msg=$("$DOCPIPE" report 2>&1); rc=$?
q "grant select on stage_runs to docpipe_analyst"
eq "superuser's report fails when the analyst lacks a grant (it runs as the analyst)" 3 "$rc"
contains "and says which permission" "$msg" "permission denied for table stage_runs"

# ---- formats ----
"$DOCPIPE" report >"$T/r.txt" 2>/dev/null; eq "text: exit 0" 0 $?
"$DOCPIPE" report --format csv -o "$T/r.csv" 2>/dev/null; eq "csv: exit 0" 0 $?
"$DOCPIPE" report --format html -o "$T/r.html" 2>/dev/null; eq "html: exit 0" 0 $?
"$DOCPIPE" report --format csv --table stage_latency >"$T/lat.csv" 2>/dev/null; eq "csv of one table: exit 0" 0 $?
txt=$(cat "$T/r.txt")
for s in "Overview" "Cost per procedure" "Outcomes" "Stage latency (ms)" "Throughput per day" "docpipe_analyst"; do
	contains "text has '$s'" "$txt" "$s"
done
r=$(python3 - "$T/r.txt" <<'EOF'
import sys, unicodedata
w = lambda s: sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
i = lines.index("Cost per procedure")
head, rule = lines[i + 2], lines[i + 3]
body = lines[i + 4:lines.index("", i)]
# the last column is right-aligned: every line ends where the rule ends
print(len(body), all(w(l) == len(rule) for l in [head] + body), any(w(l) != len(l) for l in body))
EOF
)
eq "text columns are aligned (Japanese counted double width)" "6 True True" "$r"
grep -q "P004  住民票の写しの交付" "$T/r.txt"; eq "text names the procedure" 0 $?
r=$(python3 - "$T/r.csv" "$T/lat.csv" <<'EOF'
import csv, sys
sec, cur = {}, None
for row in csv.reader(open(sys.argv[1], encoding="utf-8", newline="")):
    if not row: cur = None; continue
    if cur is None: cur = row[0]; sec[cur] = []; continue
    sec[cur].append(row)
one = list(csv.reader(open(sys.argv[2], encoding="utf-8", newline="")))
print(sorted(sec), len(sec["procedure_cost"]) - 1, one[0][:2], len(one) - 1 == len(sec["stage_latency"]) - 1)
EOF
)
eq "csv: a section per table, one table with --table" \
	"['document_costs', 'overview', 'procedure_cost', 'report', 'review_findings', 'review_top_fields', 'stage_latency', 'status_rates', 'throughput_daily', 'throughput_hourly'] 6 ['stage', 'runs'] True" "$r"
r=$(python3 - "$T/r.html" "$T/all.json" <<'EOF'
import json, sys
from html.parser import HTMLParser
src = open(sys.argv[1], encoding="utf-8").read()
j = json.load(open(sys.argv[2], encoding="utf-8"))["tables"]
class P(HTMLParser):
    svgs, cur, tables = {}, None, 0
    def handle_starttag(self, tag, a):
        a = dict(a)
        if tag == "svg": self.cur = a.get("id"); self.svgs[self.cur] = {}
        elif self.cur: self.svgs[self.cur][tag] = self.svgs[self.cur].get(tag, 0) + 1
        if tag == "table": self.tables += 1
    def handle_endtag(self, tag):
        if tag == "svg": self.cur = None
p = P(); p.feed(src)
bars = {k: v.get("g", 0) for k, v in p.svgs.items()}
procs = sum(1 for r in j["procedure_cost"] if r["cases"] and r["baseline_hours"] is not None)
# weeks from March 2024 to the fixtures' run; two bars per stage; one group per procedure with cases
print(sorted(p.svgs), bars["svg-throughput"] > 100, bars["svg-latency"] == 2 * len(j["stage_latency"]),
      bars["svg-reduction"] == procs, procs, p.tables, "http://" in src or "https://" in src,
      "<script" in src or "<link" in src or "url(" in src)
EOF
)
eq "html: three charts with their bars, 5 tables, self-contained" \
	"['svg-latency', 'svg-reduction', 'svg-throughput'] True True True 5 5 False False" "$r"
"$DOCPIPE" report --since 2024-03-01 --until 2024-03-01 --format html -o "$T/day.html" 2>/dev/null
r=$(python3 -c '
import re, sys
s = open(sys.argv[1], encoding="utf-8").read()
t = s[s.index("<svg id=\"svg-throughput\""):]
t = t[:t.index("</svg>")]
print(re.search(r">documents per (\w+)<", t).group(1), len(re.findall("<title>", t)), "03-01 08:00" in t)' "$T/day.html")
eq "html of one day: bars per hour, one per kind with documents" "hour 7 True" "$r"
for f in r.txt r.csv r.html all.json; do
	if grep -q -e '山田' -e '03-5321' -e '新宿区' "$T/$f"; then fail "no personal data in $f"; else ok "no personal data in $f"; fi
done

# ---- the catalogue: the report copies procedures.conf into the database ----
mkdir -p "$T/conf"
sed -e 's/^baseline_minutes = 5$/baseline_minutes = 10/' -e '/^\[P900\]/,$d' models/procedures.conf >"$T/conf/procedures.conf"
printf '[models]\nprocedures = procedures.conf\n' >"$T/conf/pipeline.conf"
"$DOCPIPE" report -c "$T/conf/pipeline.conf" --table procedure_cost --format json >"$T/cat.json" 2>/dev/null
eq "report with another catalogue: exit 0" 0 $?
eq "procedures table follows the file (P004 baseline 10, P900 gone)" "10|4" \
	"$(q "select (select baseline_minutes from procedures where code = 'P004') || '|' || count(*) from procedures")"
r=$(python3 -c '
import json, sys
c = {r["procedure_code"]: r for r in json.load(open(sys.argv[1]))["tables"]["procedure_cost"]}
print(abs(c["P004"]["baseline_hours"] * 60 - 10 * (c["P004"]["cases"] - c["P004"]["open_documents"])) < 1e-9, "P900" in c)' "$T/cat.json")
eq "baselines follow the file; without an audio procedure recordings count nowhere" "True False" "$r"
"$DOCPIPE" report >/dev/null 2>&1

# ---- options for people: procedure, time zone, Japanese, Excel, rounding, document_costs ----
"$DOCPIPE" report --format json --procedure P004 -o "$T/p004.json" 2>/dev/null; eq "--procedure: exit 0" 0 $?
r=$(python3 -c '
import csv, json, sys
a, p = (json.load(open(f, encoding="utf-8"))["tables"] for f in sys.argv[1:3])
docs = [d for d in csv.DictReader(open(sys.argv[3])) if d["procedure_code"] == "P004"]
ids = {d["id"] for d in docs}
runs = [r for r in csv.DictReader(open(sys.argv[4])) if r["document_id"] in ids]
n = lambda t: sum(x["documents"] for x in t["status_rates"])
o = p["overview"][0]
lat = {x["stage"]: x["runs"] for x in p["stage_latency"]}
want = {}
for r in runs:
    want[r["stage"]] = want.get(r["stage"], 0) + 1
print(n(p), n(a) > n(p), sorted({x["procedure_code"] for k in p for x in p[k] if "procedure_code" in x}),
      o["documents"] == len(docs), o["pages"] == sum(int(d["page_count"]) for d in docs), o["stage_runs"] == len(runs),
      lat == want, a["overview"][0]["documents"] > o["documents"], "review_top_fields" in p)' \
	"$T/all.json" "$T/p004.json" "$T/docs.csv" "$T/runs.csv")
eq "--procedure: only that procedure's rows; overview and stage latency of its documents and their runs" \
	"$(q "select count(*) from documents where procedure_code = 'P004'") True ['P004'] True True True True True True" "$r"
# a document loaded at 23:30 UTC is on the next day in Tokyo (UTC+9)
q "insert into documents (id, sha256, source_name, kind, format, status, received_at, loaded_at, page_count, procedure_code) values (200001, '$(printf t070-tz | sha256sum | cut -c1-64)', 'late.png', 'scan', 'png', 'accepted', '2024-03-05 23:20:00+00', '2024-03-05 23:30:00.6+00', 1, 'P777')" >/dev/null
days() { "$DOCPIPE" report --format json --table throughput_daily --procedure P777 --since 2024-03-05 --until 2024-03-06 "$@" 2>/dev/null |
	python3 -c 'import json, sys; print([x["day"] for x in json.load(sys.stdin)["tables"]["throughput_daily"]])'; }
eq "--tz UTC: the late document is on its UTC day" "['2024-03-05']" "$(days --tz UTC)"
eq "--tz Asia/Tokyo: the same document is on the next day" "['2024-03-06']" "$(days --tz Asia/Tokyo)"
mkdir -p "$T/tz"
printf '[report]\ntimezone = Asia/Tokyo\n' >"$T/tz/pipeline.conf"
eq "[report] timezone = Asia/Tokyo: the next day too" "['2024-03-06']" "$(days -c "$T/tz/pipeline.conf")"
eq "--tz overrides [report] timezone" "['2024-03-05']" "$(days -c "$T/tz/pipeline.conf" --tz UTC)"
r=$("$DOCPIPE" report --procedure P004 --table stage_latency --format json 2>/dev/null | python3 -c '
import json, sys
print(sum(x["runs"] for x in json.load(sys.stdin)["tables"]["stage_latency"]))')
eq "--procedure with --table stage_latency: the runs of that procedure's documents" \
	"$(q "select count(*) from stage_runs r join documents d on d.id = r.document_id where d.procedure_code = 'P004'")" "$r"
msg=$("$DOCPIPE" report --tz Mars/Olympus 2>&1); rc=$?
eq "unknown time zone: exit 1" 1 "$rc"
contains "unknown time zone: named" "$msg" "time zone 'Mars/Olympus' is not known"
"$DOCPIPE" report --lang ja >"$T/ja.txt" 2>/dev/null; eq "--lang ja: exit 0" 0 $?
ja=$(cat "$T/ja.txt")
for s in "概要" "手続ごとの所要時間" "手続コード" "削減率 (%)"; do contains "--lang ja text has '$s'" "$ja" "$s"; done
"$DOCPIPE" report --lang ja --format csv --table procedure_cost --excel -o "$T/ja.csv" 2>/dev/null
eq "--lang ja --excel csv: exit 0" 0 $?
eq "--excel: the csv begins with the UTF-8 BOM EF BB BF" "efbbbf" "$(head -c 3 "$T/ja.csv" | od -An -tx1 | tr -d ' \n')"
eq "without --excel: no BOM" "7265706f" "$(head -c 4 "$T/r.csv" | od -An -tx1 | tr -d ' \n')"
eq "--lang ja csv: Japanese header row" "手続コード,手続名,種類" "$(head -1 "$T/ja.csv" | tail -c +4 | cut -d, -f1-3)"
"$DOCPIPE" report --lang ja --format html -o "$T/ja.html" 2>/dev/null
eq "--lang ja --format html: exit 0" 0 $?
r=$(python3 - "$T/ja.html" "$T/r.html" <<'EOF'
import re, sys
ja, en = (open(f, encoding="utf-8").read() for f in sys.argv[1:3])
words = lambda t: re.sub(r"<[^>]*>", " ", re.sub(r"<(style|title)>.*?</\1>", " ", t, flags=re.S))
need = ["docpipe 処理実績報告", "期間:", "グラフ", "処理件数の推移", "手続ごとの所要時間", "手続コード", "待ち時間"]
english = [w for w in ("Period:", "Charts", "Throughput over time", "Generated", "queue wait", "documents per") if w in words(ja)]
print('lang="ja"' in ja, [w for w in need if w not in words(ja)], english, 'lang="en"' in en, "Period:" in en)
EOF
)
eq "--lang ja html: lang ja, Japanese headings, captions, chart labels and tables, no English words left; English html: lang en" \
	"True [] [] True True" "$r"
"$DOCPIPE" report --format csv --table status_rates -o "$T/rates.csv" 2>/dev/null
r=$(python3 - "$T/rates.csv" "$T/all.json" <<'EOF'
import csv, json, re, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8", newline="")))
j = json.load(open(sys.argv[2], encoding="utf-8"))["tables"]
pcts = [x[k] for x in rows for k in ("needs_review_pct", "rejected_pct") if x[k]]
raw = [x[k] for x in j["status_rates"] for k in ("needs_review_pct", "rejected_pct") if x[k] is not None]
print(len(pcts) > 0, all(re.fullmatch(r"-?\d+\.\d", v) for v in pcts), any(round(v, 1) != v for v in raw),
      sorted(float(v) for v in pcts) == sorted(round(v + 1e-9, 1) for v in raw),
      all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00", j["overview"][0][k]) for k in ("first_loaded", "last_loaded")))
EOF
)
eq "rounded for people: csv percentages to one decimal (json keeps them), timestamps to the second" \
	"True True True True True" "$r"
PGUSER=docpipe_analyst "$DOCPIPE" report --format json --table document_costs -o "$T/doc.json" 2>/dev/null
eq "document_costs as the analyst: exit 0" 0 $?
r=$(python3 -c '
import json, sys
t = json.load(open(sys.argv[1], encoding="utf-8"))["tables"]["document_costs"]
d = {x["document_id"]: x for x in t}
print(len(t), d[200001]["loaded_at"], d[200001]["procedure_code"], d[200001]["open"])' "$T/doc.json")
eq "document_costs: a row per document, the late one rounded to the second" \
	"$(q "select count(*) from documents") 2024-03-05 23:30:01+00 P777 False" "$r"
r=$(python3 -c '
import json, sys
print(len(json.load(open(sys.argv[1], encoding="utf-8"))["tables"]["document_costs"]))' "$T/all.json")
eq "document_costs is in the json of the whole report" "$(q "select count(*) from documents where id <> 200001")" "$r"
q "delete from documents where id = 200001" >/dev/null

# ---- usage and catalogue errors ----
"$DOCPIPE" report --format xml >/dev/null 2>&1; eq "unknown format: exit 1" 1 $?
"$DOCPIPE" report --table nosuch >/dev/null 2>&1; eq "unknown table: exit 1" 1 $?
msg=$("$DOCPIPE" report --since yesterday-ish 2>&1); rc=$?
eq "bad date: exit 1" 1 "$rc"
contains "bad date: says the form" "$msg" "--since 'yesterday-ish' is not a date"
msg=$("$DOCPIPE" report --since 2024-03-02 --until 2024-03-01 2>&1); rc=$?
eq "since after until: exit 1" 1 "$rc"
printf '[P001]\nname = x\nannual_cases = 10\nbaseline_minutes = fast\n' >"$T/conf/procedures.conf"
msg=$("$DOCPIPE" report -c "$T/conf/pipeline.conf" 2>&1); rc=$?
eq "bad catalogue: exit 1" 1 "$rc"
contains "bad catalogue: file and line" "$msg" "procedures.conf:4: baseline_minutes must be minutes"
printf '[P001]\nname = x\nannual_cases = 10\nbaseline_minutes = 3\n' >"$T/conf/procedures.conf"
msg=$("$DOCPIPE" report -c "$T/conf/pipeline.conf" 2>&1)
contains "catalogue: a missing key is named" "$msg" "procedures.conf:1: [P001] needs review_minutes"
done_testing
