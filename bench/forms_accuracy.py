#!/usr/bin/python3
"""Field accuracy of docpipe's form OCR against fixtures/forms/truth.json.

Runs `build/docpipe inspect` on every fixture page (no database needed) and
compares each field's normalised value with the ground truth, exact match.
Prints accuracy per field type and per variant group (clean / degraded), the
review-flag rates, and lists every miss.

    bench/forms_accuracy.py [--docpipe build/docpipe] [--conf pipeline.conf] [--misses]
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def field_types(forms_dir):
    types = {}
    for name in os.listdir(forms_dir):
        if not name.endswith(".form"):
            continue
        form, field, cells = None, None, {}
        for line in open(os.path.join(forms_dir, name), encoding="utf-8"):
            line = line.strip()
            m = re.match(r"\[field\s+(\w+)\]", line)
            if m:
                field = m.group(1)
                types[(form, field)] = "text"
                continue
            if line.startswith("[form]"):
                field = None
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--docpipe", default=os.path.join(TOP, "build/docpipe"))
    ap.add_argument("--conf", default=os.path.join(TOP, "pipeline.conf"))
    ap.add_argument("--truth", default=os.path.join(TOP, "fixtures/forms/truth.json"))
    ap.add_argument("--misses", action="store_true")
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args()
    base = os.path.dirname(a.truth)
    truth = json.load(open(a.truth, encoding="utf-8"))
    types = field_types(os.path.join(TOP, "models/forms"))
    files = sorted({t["file"] for t in truth})
    out = subprocess.run([a.docpipe, "inspect", "-c", a.conf] + [os.path.join(base, f) for f in files],
                         capture_output=True, text=True)
    results = {}
    for line in out.stdout.splitlines():
        d = json.loads(line)
        results[os.path.relpath(d["file"], base)] = d
    acc = collections.defaultdict(lambda: [0, 0])
    review = collections.defaultdict(lambda: [0, 0, 0])  # flagged-correct, flagged-wrong, wrong total
    forms_ok = [0, 0]
    misses = []
    for t in truth:
        d = results.get(t["file"])
        group = "clean" if t["variant"] in ("clean", "error") or t["file"].startswith(("clean/", "errors/")) else "degraded"
        page_form = d["attrs"].get("page.%d.form" % t["page"]) if d else None
        forms_ok[1] += 1
        if page_form == t["form"]:
            forms_ok[0] += 1
        else:
            misses.append((t["file"], t["page"], "FORM", t["form"], page_form))
        if not t["form"]:
            continue
        got = {f["name"]: f for f in d["fields"] if f["page"] == t["page"]} if d else {}
        for name, want in t["fields"].items():
            ty = types.get((t["form"], name), "?")
            f = got.get(name)
            ok = f is not None and f["value"] == want
            for key in ((group, ty), (group, "ALL")):
                acc[key][1] += 1
                acc[key][0] += ok
            r = review[group]
            if f is not None and f["needs_review"]:
                r[0 if ok else 1] += 1
            if not ok:
                r[2] += 1
                misses.append((t["file"], t["page"], name, want, f["value"] if f else None, f["raw_text"] if f else None,
                               f["confidence"] if f else None, f["needs_review"] if f else None))
    print("form recognition: %d/%d pages right (unknown forms must stay unrecognised)" % tuple(forms_ok))
    figures = {"recognition": forms_ok}
    for group in ("clean", "degraded"):
        keys = sorted(k for k in acc if k[0] == group)
        if not keys:
            continue
        print("\n%s scans: field exact-match accuracy after normalisation" % group)
        for k in keys:
            c, n = acc[k]
            print("  %-10s %4d/%-4d %6.1f%%" % (k[1], c, n, 100.0 * c / n))
            figures["%s.%s" % k] = [c, n]
        fr_ok, fr_wrong, wrong = review[group]
        total = acc[(group, "ALL")][1]
        print("  review flags: %d of %d wrong fields flagged; %d of %d right fields flagged" %
              (fr_wrong, wrong, fr_ok, total - wrong))
        figures["%s.review" % group] = [fr_wrong, wrong, fr_ok, total - wrong]
    if a.misses:
        print("\nmisses:")
        for m in misses:
            print("  ", m)
    if a.json:
        json.dump(figures, open(a.json, "w"), ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
