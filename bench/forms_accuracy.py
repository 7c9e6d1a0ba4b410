#!/usr/bin/python3
"""Field accuracy of docpipe's form OCR on test set A and test set B.

Set A (fixtures/forms/, truth.json there) is the set docpipe was tuned on: its
figures are in-sample.  Set B (fixtures/forms-b/, gen_forms_b.py) is drawn by
another generator with other forms, fonts and templates written only from the
docs; it is never used for tuning.

Runs `build/docpipe inspect` (no database) on every page of a set, compares
each field's normalised value with the truth (exact match) and prints, per set
and split clean / degraded:

  * exact field accuracy, and per field type;
  * pages recognised (unknown pages must stay unrecognised);
  * wrong fields left without a needs_review flag (share of all fields);
  * right fields flagged (share of right fields);
  * straight-through processing: share of VALID documents accepted with no
    flagged field and no issue at all (autofill_unavailable aside: inspect has
    no database), and how many of those hold a wrong value;
  * error issues raised on valid documents; expected issues found on the error sheets;
  * the calibration curve: for a confidence threshold T from 50 to 98, flag a
    field when confidence < T (alone, and added to docpipe's own flag), and
    show right fields flagged against wrong fields left silent.

Exits 1 when docpipe fails (non-zero exit, a file without output, a file
rejected or with an error).

    bench/forms_accuracy.py [--set A] [--set B] [--docpipe build/docpipe] [--misses] [--json OUT]

Set T (--set T): 60 more pages of set A's forms drawn by set A's generator
with another seed (gen_forms.py --tuning var/forms-tune, made on first use,
not committed): more tuning data of the same kind, never set B.

Set B2 (--set B2): another draw of set B's three forms by set B's generator
with another seed (gen_forms_b.py --seed 20261203 --out var/forms-b2, made on
first use, not committed), read with set B's templates. Set B's own pages
have been looked at while docpipe was improved (its misses were printed and
read), so B2 is the held-out figure that nobody has looked into.

Set B's configuration: fixtures/forms-b/new.conf (templates/, the issue-12
vocabulary) when docpipe loads it, else fixtures/forms-b/today.conf
(templates-today/, today's vocabulary); --b-conf chooses.
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
THRESHOLDS = [50, 60, 70, 75, 80, 85, 88, 90, 92, 94, 96, 98]

# notices `inspect` raises only because it runs without a database: `run`
# with its database fills the applicant's earlier details instead, so they do
# not count against straight-through processing (every other issue does)
NO_DATABASE_ONLY = {"autofill_unavailable"}

# set A's truth uses free words for expected issues; the docpipe codes they mean
A_ISSUE_CODES = {"fee_mismatch": {"fee_mismatch"}, "total_mismatch": {"rule_failed"},
                 "required_missing": {"required_missing"}, "bad_format": {"bad_format"},
                 "payeasy_missing": {"payeasy_missing"}, "grant_over_rate": {"grant_over_rate", "rule_failed"},
                 "corporate_number_invalid": {"corporate_number_invalid"}}


def conf_forms_dir(conf):
    """[forms] dir of a configuration file (relative to the file's folder)."""
    sec, d = None, "models/forms"
    for line in open(conf, encoding="utf-8"):
        line = line.split(" #")[0].strip()
        if line.startswith("["):
            sec = line.strip("[] ")
        elif sec == "forms" and "=" in line:
            k, _, v = line.partition("=")
            if k.strip() == "dir":
                d = v.strip()
    return d if os.path.isabs(d) else os.path.join(os.path.dirname(os.path.abspath(conf)), d)


def field_types(forms_dir):
    types = {}
    for name in os.listdir(forms_dir):
        if not name.endswith(".form"):
            continue
        form, field = None, None
        for line in open(os.path.join(forms_dir, name), encoding="utf-8"):
            line = line.strip()
            m = re.match(r"\[field\s+(\w+)\]", line)
            if m:
                field = m.group(1)
                types[(form, field)] = "text"
                continue
            if line.startswith("["):
                field = None if line.startswith("[form]") else field
                continue
            m = re.match(r"id\s*=\s*(\w+)", line)
            if m and field is None:
                form = m.group(1)
            m = re.match(r"type\s*=\s*(\w+)", line)
            if m and field:
                types[(form, field)] = m.group(1)
            m = re.match(r"cells\s*=\s*(\d+)", line)
            if m and field:
                types[(form, field)] = "comb"
    return types


def run_inspect(docpipe, conf, paths):
    out = subprocess.run([docpipe, "inspect", "-c", conf] + paths, capture_output=True, text=True)
    if out.returncode != 0:
        sys.stderr.write(out.stderr[-3000:])
        sys.exit("forms_accuracy: docpipe inspect -c %s failed (exit %d)" % (conf, out.returncode))
    results = {}
    for line in out.stdout.splitlines():
        if line.strip():
            d = json.loads(line)
            results[os.path.abspath(d["file"])] = d
    bad = [p for p in paths if p not in results]
    bad += [p for p in paths if p in results and (results[p].get("error") or results[p].get("status") == "rejected")]
    if bad:
        for p in bad:
            d = results.get(p)
            sys.stderr.write("forms_accuracy: docpipe failed on %s: %s\n" %
                             (p, d and (d.get("error") or d.get("status")) or "no output"))
        sys.exit(1)
    return results


def loads(docpipe, conf, probe):
    r = subprocess.run([docpipe, "inspect", "-c", conf, probe], capture_output=True, text=True)
    return r.returncode == 0 and r.stdout.strip() != "", r.stderr.strip()


def pct(a, b):
    return 100.0 * a / b if b else float("nan")


def evaluate(name, base, truth, results, types, group_of, valid_of, expect_of):
    acc = collections.defaultdict(lambda: [0, 0])
    pages = collections.defaultdict(lambda: [0, 0])
    rev = collections.defaultdict(lambda: [0, 0, 0, 0])   # right, right flagged, wrong, wrong silent
    cal = collections.defaultdict(list)                    # group -> [(conf, flagged, ok)]
    docs = collections.OrderedDict()
    misses = []
    for t in truth:
        path = os.path.abspath(os.path.join(base, t["file"]))
        d = results[path]
        g = group_of(t)
        doc = docs.setdefault(t["file"], {"group": g, "valid": True, "wrong": 0, "d": d, "expect": set()})
        doc["valid"] = doc["valid"] and valid_of(t)
        doc["expect"] |= expect_of(t)
        if g == "degraded":
            doc["group"] = "degraded"
        page_form = d["attrs"].get("page.%d.form" % t["page"])
        pages[g][1] += 1
        if page_form == t["form"]:
            pages[g][0] += 1
        else:
            misses.append((t["file"], t["page"], "FORM", t["form"], page_form))
        if not t["form"]:
            continue
        got = {f["name"]: f for f in d["fields"] if f["page"] == t["page"]}
        for fname, want in t["fields"].items():
            ty = types.get((t["form"], fname), "?")
            f = got.get(fname)
            ok = f is not None and f["value"] == want
            flagged = bool(f and f["needs_review"])
            for key in ((g, ty), (g, "ALL")):
                acc[key][1] += 1
                acc[key][0] += ok
            r = rev[g]
            if ok:
                r[0] += 1
                r[1] += flagged
            else:
                r[2] += 1
                r[3] += not flagged
                doc["wrong"] += 1
                misses.append((t["file"], t["page"], fname, want, f["value"] if f else None,
                               f["raw_text"] if f else None, f["confidence"] if f else None, flagged))
            confv = f["confidence"] if f and f["confidence"] is not None else 0.0
            cal[g].append((confv, flagged, ok))
    # documents: straight-through processing, errors on valid forms, expected issues found
    blockers = []
    stp = collections.defaultdict(lambda: [0, 0, 0, 0, 0, 0, 0])  # valid, stp, stp wrong, err issues on valid, docs with them, expected, found
    for fn, doc in docs.items():
        d, s = doc["d"], stp[doc["group"]]
        codes = {i["code"] for i in d["issues"]}
        if doc["valid"]:
            s[0] += 1
            issues = [i for i in d["issues"] if i["code"] not in NO_DATABASE_ONLY]
            clean = d["status"] == "accepted" and not issues and not any(f["needs_review"] for f in d["fields"])
            if clean:
                s[1] += 1
                s[2] += doc["wrong"] > 0
            else:
                why = ["%s=%r(%s)" % (f["name"], f["value"], f["confidence"]) for f in d["fields"] if f["needs_review"]]
                why += [i["code"] + (":" + i.get("field") if i.get("field") else "") for i in issues]
                blockers.append((fn, d["status"], " ".join(why)))
            errs = [i for i in d["issues"] if i["severity"] == "error"]
            s[3] += len(errs)
            s[4] += bool(errs)
        for want in doc["expect"]:
            s[5] += 1
            s[6] += bool(want & codes) if isinstance(want, frozenset) else False
    print("\n=== set %s (%s) ===" % (name, base))
    fig = {}
    for g in ("clean", "degraded"):
        if (g, "ALL") not in acc and not pages[g][1]:
            continue
        c, n = acc[(g, "ALL")]
        right, rflag, wrong, wsil = rev[g]
        v, sp, spw, eiss, edocs, nexp, fexp = stp[g]
        print("\n%s: %d pages, %d fields" % (g, pages[g][1], n))
        print("  exact field accuracy         %5d/%-5d %6.1f%%" % (c, n, pct(c, n)))
        print("  pages recognised             %5d/%-5d" % tuple(pages[g]))
        print("  wrong fields left silent     %5d/%-5d %6.2f%% of all fields (%d wrong in all)" % (wsil, n, pct(wsil, n), wrong))
        print("  right fields flagged         %5d/%-5d %6.1f%% of right fields" % (rflag, right, pct(rflag, right)))
        print("  straight-through (valid)     %5d/%-5d %6.1f%% of valid documents, %d of them with a wrong value" %
              (sp, v, pct(sp, v), spw))
        print("  error issues on valid docs   %5d on %d of %d documents" % (eiss, edocs, v))
        if nexp:
            print("  expected issues found        %5d/%-5d" % (fexp, nexp))
        print("  per field type:")
        for k in sorted(k for k in acc if k[0] == g and k[1] != "ALL"):
            cc, nn = acc[k]
            print("    %-10s %4d/%-4d %6.1f%%" % (k[1], cc, nn, pct(cc, nn)))
        fig[g] = {"accuracy": [c, n], "pages": pages[g], "wrong_silent": [wsil, n], "right_flagged": [rflag, right],
                  "stp": [sp, v, spw], "errors_on_valid": [eiss, edocs, v], "expected_found": [fexp, nexp],
                  "types": {k[1]: acc[k] for k in acc if k[0] == g and k[1] != "ALL"}}
    # the whole set, clean and degraded together: the issue's targets for
    # silent wrong fields and straight-through processing are per set
    gs = [g for g in ("clean", "degraded") if g in fig]
    if len(gs) == 2:
        n = sum(fig[g]["accuracy"][1] for g in gs)
        c = sum(fig[g]["accuracy"][0] for g in gs)
        ws = sum(fig[g]["wrong_silent"][0] for g in gs)
        rf, right = sum(fig[g]["right_flagged"][0] for g in gs), sum(fig[g]["right_flagged"][1] for g in gs)
        sp, v, spw = (sum(fig[g]["stp"][k] for g in gs) for k in range(3))
        print("\nwhole set (clean and degraded): %d fields" % n)
        print("  exact field accuracy         %5d/%-5d %6.1f%%" % (c, n, pct(c, n)))
        print("  wrong fields left silent     %5d/%-5d %6.2f%% of all fields" % (ws, n, pct(ws, n)))
        print("  right fields flagged         %5d/%-5d %6.1f%% of right fields" % (rf, right, pct(rf, right)))
        print("  straight-through (valid)     %5d/%-5d %6.1f%% of valid documents, %d of them with a wrong value" %
              (sp, v, pct(sp, v), spw))
        fig["all"] = {"accuracy": [c, n], "wrong_silent": [ws, n], "right_flagged": [rf, right], "stp": [sp, v, spw]}
    # calibration curve over both groups, and per group
    print("\ncalibration (set %s): flag when confidence < T; right flagged %% of right fields / wrong silent %% of all fields" % name)
    print("  %-5s %-22s %-22s %-22s" % ("T", "conf < T alone: clean", "degraded", "docpipe flag or conf<T: all"))
    rows = []
    allf = cal["clean"] + cal["degraded"]

    def point(lst, T, with_flag):
        right = sum(1 for c, f, ok in lst if ok)
        rf = sum(1 for c, f, ok in lst if ok and (c < T or (with_flag and f)))
        ws = sum(1 for c, f, ok in lst if not ok and not (c < T or (with_flag and f)))
        return pct(rf, right), pct(ws, len(lst))
    for T in THRESHOLDS:
        a, b, cboth = point(cal["clean"], T, False), point(cal["degraded"], T, False), point(allf, T, True)
        print("  %-5d %6.1f%% / %5.2f%%       %6.1f%% / %5.2f%%       %6.1f%% / %5.2f%%" % ((T,) + a + b + cboth))
        rows.append({"T": T, "clean": a, "degraded": b, "flag_or_conf_all": cboth})
    now = point(allf, 0, True)
    print("  docpipe's flag as it is (all): %.1f%% / %.2f%%" % now)
    fig["calibration"] = rows
    fig["docpipe_flag_all"] = now
    return fig, misses + [("NOT STRAIGHT-THROUGH",) + b for b in blockers]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", action="append", choices=["A", "B", "B2", "T"],
                    help="A (tuning set), B (held out), B2 (another draw of B, var/forms-b2), "
                         "T (more tuning pages, var/forms-tune); default A and B")
    ap.add_argument("--docpipe", default=os.path.join(TOP, "build/docpipe"))
    ap.add_argument("--conf", default=os.path.join(TOP, "pipeline.conf"), help="configuration for set A")
    ap.add_argument("--b-conf", help="configuration for set B (default: new.conf if it loads, else today.conf)")
    ap.add_argument("--misses", action="store_true")
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args()
    sets = a.set or ["A", "B"]
    figures = {}
    for s in sets:
        if s == "A":
            base = os.path.join(TOP, "fixtures/forms")
            conf = a.conf
            group_of = lambda t: "clean" if t["variant"] in ("clean", "error") or t["file"].startswith(("clean/", "errors/")) else "degraded"
            valid_of = lambda t: bool(t["form"]) and not t["expect_issues"]
            expect_of = lambda t: {frozenset(A_ISSUE_CODES[w]) for w in t["expect_issues"] if w in A_ISSUE_CODES}
        elif s == "T":
            base = os.path.join(TOP, "var/forms-tune")
            if not os.path.exists(os.path.join(base, "truth.json")):
                subprocess.run(["/usr/bin/python3", os.path.join(TOP, "fixtures/forms/gen_forms.py"), "--tuning", base],
                               check=True)
            conf = a.conf
            group_of = lambda t: "clean" if t["variant"] == "clean" else "degraded"
            valid_of = lambda t: True
            expect_of = lambda t: set()
        else:
            base = os.path.join(TOP, "fixtures/forms-b")
            if s == "B2":
                base = os.path.join(TOP, "var/forms-b2")
                if not os.path.exists(os.path.join(base, "truth.json")):
                    subprocess.run(["/usr/bin/python3", os.path.join(TOP, "fixtures/forms-b/gen_forms_b.py"),
                                    "--seed", "20261203", "--out", base], check=True)
            conf = a.b_conf
            if not conf:
                probe = os.path.join(base, "clean/doro_shiyo_1.png")
                conf = os.path.join(TOP, "fixtures/forms-b/new.conf")
                ok, err = loads(a.docpipe, conf, probe)
                if not ok:
                    print("set B: templates/ do not load with this docpipe (%s); using templates-today/" % (err.splitlines()[-1] if err else "no output"))
                    conf = os.path.join(TOP, "fixtures/forms-b/today.conf")
            group_of = lambda t: "degraded" if t["file"].startswith("degraded/") else "clean"
            valid_of = lambda t: t["valid"]
            expect_of = lambda t: {frozenset([w]) for w in t["expect_issues"]}
        truth = json.load(open(os.path.join(base, "truth.json"), encoding="utf-8"))
        paths = sorted({os.path.abspath(os.path.join(base, t["file"])) for t in truth})
        results = run_inspect(a.docpipe, conf, paths)
        types = field_types(conf_forms_dir(conf))
        print("set %s: %s, %d files, %d pages; %s" % (s, os.path.relpath(conf, TOP), len(paths), len(truth),
                                                    {"B": "held out (never used for tuning; its misses have been read)",
                                                     "B2": "held out, another draw of B (never looked into)"}.get(s, "IN-SAMPLE (tuning set)")))
        fig, misses = evaluate(s, os.path.relpath(base, TOP), truth, results, types, group_of, valid_of, expect_of)
        fig["conf"] = os.path.relpath(conf, TOP)
        figures[s] = fig
        if a.misses:
            print("\nmisses (set %s):" % s)
            for m in misses:
                print("  ", m)
    if a.json:
        json.dump(figures, open(a.json, "w"), ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
