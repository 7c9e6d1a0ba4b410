#!/usr/bin/env python3
"""bench/qr/report.py INSPECT.jsonl FIXTURE_TRUTH BENCH_TRUTH N: the markdown
section of docs/PERFORMANCE.md for the entrance QR code (bench/qr_bench.sh)."""
import collections
import json
import os
import platform
import statistics
import subprocess
import sys

jsonl, fix_truth, bench_truth, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
truth = {}
for e in json.load(open(fix_truth, encoding="utf-8")):
    if e["file"].startswith("scans/"):
        truth["fixtures/qr/" + e["file"]] = dict(e, set="fixture")
for e in json.load(open(bench_truth, encoding="utf-8")):
    truth[os.path.join(os.path.dirname(bench_truth), e["file"])] = dict(e, set="random")

qr_rows, none_rows = [], []
seen = set()
for line in open(jsonl, encoding="utf-8"):
    d = json.loads(line)
    seen.add(d["file"])
    cpu = sum(t["cpu_ms"] for t in d["timings"] if t["stage"] == "qr")
    e = truth.get(d["file"])
    if e is None:          # fixtures/forms pages: no QR code
        none_rows.append((d["file"], cpu, d["attrs"].get("qr.pass")))
        continue
    if e["payload"] is None:
        none_rows.append((d["file"], cpu, d["attrs"].get("qr.pass")))
        continue
    got = d["attrs"].get("identity.raw")
    ok = got == e["payload"] if e.get("payload_utf8") and e.get("identity") else d["attrs"].get("qr.pass") == "malformed"
    qr_rows.append(dict(e, ok=ok, cpu=cpu, qpass=d["attrs"].get("qr.pass", "none")))

# every page with a known payload must have been inspected: a rate over the
# pages that happened to run would not be the rate of the set
missing = sorted(f for f in truth if f not in seen)
if missing:
    sys.exit("qr/report.py: %d pages of the truth files are not in %s (first: %s)" % (len(missing), jsonl, missing[0]))
if not qr_rows:
    sys.exit("qr/report.py: no page with a QR code in %s" % jsonl)


def rate(rows):
    k = sum(r["ok"] for r in rows)
    return "%d/%d (%.1f %%)" % (k, len(rows), 100.0 * k / len(rows)) if rows else "-"


def ms(vals):
    vals = sorted(vals)
    if not vals:
        return "-", "-", "-"
    return ("%.0f" % statistics.median(vals), "%.0f" % statistics.mean(vals), "%.0f" % vals[int(0.9 * (len(vals) - 1))])


def fmt_deg(d):
    return ("%.1f" % d).rstrip("0").rstrip(".")


def dpi_of(f):
    for d in (200, 400):
        if "dpi%d" % d in f:
            return d
    return 300


def zbar_version():
    """The installed zbar (not a version written into the script)."""
    for pkg in ("libzbar0t64", "libzbar0"):
        r = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", pkg], capture_output=True, text=True)
        if r.returncode == 0 and r.stdout.strip():
            return r.stdout.strip()
    return "(version unknown)"


out = []
w = out.append
w("## Entrance QR code (qr stage)")
w("")
w("Measured with `bench/qr_bench.sh %d` on %s (%d cores), zbar %s, QR only, one scanner per worker." %
  (n, platform.processor() or platform.machine(), os.cpu_count() or 0, zbar_version()))
w("Pages: the %d committed fixture scans with a QR code (fixtures/qr/scans, two of them malformed payloads)"
  " and %d random variants made by `fixtures/qr/gen_qr.py --bench` (deterministic), decoded by"
  " `build/docpipe inspect`; a page counts as decoded when the identity stored equals the payload printed"
  " (for a malformed payload: when it is reported as qr_malformed)." %
  (sum(r["set"] == "fixture" for r in qr_rows), sum(r["set"] == "random" for r in qr_rows)))
w("")
w("**Decode rate: %s overall** (fixtures %s, random variants %s)." %
  (rate(qr_rows), rate([r for r in qr_rows if r["set"] == "fixture"]), rate([r for r in qr_rows if r["set"] == "random"])))
w("")
groups = [
    ("resolution", lambda r: "%d dpi" % r["dpi"]),
    ("sticker rotation", lambda r: "%s deg" % r["sticker_deg"]),
    ("page rotation", lambda r: "%s deg" % r["page_deg"]),
    ("degradation", lambda r: r["degrade"]),
    ("module size", lambda r: "%.2f mm" % r["module_mm"]),
    ("position", lambda r: r.get("where") or "-"),
    ("pass that decoded", lambda r: r["qpass"]),
]
for title, key in groups:
    w("| %s | pages | decoded | qr CPU ms median | mean | p90 |" % title)
    w("| --- | ---: | --- | ---: | ---: | ---: |")
    by = collections.defaultdict(list)
    for r in qr_rows:
        by[key(r)].append(r)
    for k in sorted(by, key=lambda x: (len(x), x)):
        md, mn, p9 = ms([r["cpu"] for r in by[k]])
        w("| %s | %d | %s | %s | %s | %s |" % (k, len(by[k]), rate(by[k]), md, mn, p9))
    w("")
w("Cost of looking and finding nothing (form pages without a QR code: fixtures/forms clean and degraded,"
  " plus fixtures/qr/scans/qr_none.png); every fallback pass runs:")
w("")
w("| resolution | pages | qr CPU ms median | mean | p90 |")
w("| --- | ---: | ---: | ---: | ---: |")
by = collections.defaultdict(list)
for f, cpu, _ in none_rows:
    by[dpi_of(f)].append(cpu)
for k in sorted(by):
    md, mn, p9 = ms(by[k])
    w("| %d dpi | %d | %s | %s | %s |" % (k, len(by[k]), md, mn, p9))
w("")
fails = [r for r in qr_rows if not r["ok"]]
if fails:
    w("Not decoded:")
    w("")
    for r in fails:
        w("- `%s`: %d dpi, sticker %s deg, page %s deg, %s, modules %.2f mm" %
          (os.path.basename(r["file"]), r["dpi"], r["sticker_deg"], r["page_deg"], r["degrade"], r["module_mm"]))
    w("")
    # what the pages not decoded have in common, from this run's figures
    # (no fixed conclusion: issue 18)
    deg = sorted(abs(float(r["page_deg"])) for r in fails)
    mod = sorted(float(r["module_mm"]) for r in fails)
    px = sorted(float(r["module_mm"]) / 25.4 * r["dpi"] for r in fails)
    allpx = sorted(float(r["module_mm"]) / 25.4 * r["dpi"] for r in qr_rows)
    turned = sum(1 for d in deg if d > 0)
    where = ("%d on a turned page (%s to %s degrees)" % (turned, fmt_deg(min(d for d in deg if d > 0)), fmt_deg(deg[-1]))
             if turned else "none on a turned page")
    w("Of the %d codes not decoded, %s; their modules measure %.2f to %.2f mm,"
      " %.1f to %.1f px at the page's resolution (all pages: %.1f to %.1f px)." %
      (len(fails), where, mod[0], mod[-1], px[0], px[-1], allpx[0], allpx[-1]))
    w("")
w("Reproduce: `bench/qr_bench.sh %d` (needs python3-pil and python3-qrcode for the generator;"
  " about 1 s of wall time per page, most of it OCR, which this figure does not count)." % n)
print("\n".join(out))
