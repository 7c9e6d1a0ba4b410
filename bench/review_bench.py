#!/usr/bin/python3
"""bench/review_bench.py: the HTTP half of bench/review_bench.sh.

Against a running `docpipe review` (its pid given, to read its memory):
  - the queue page (GET /) and the JSON queue (GET /api/queue), N requests
    each, with the session cookie, and the JSON queue with HTTP Basic;
  - the queue page and a document page as a browser loads them (HTML, style,
    script, the API call the script makes; and the crop), summed;
  - the document JSON (GET /api/documents/ID), a field crop
    (GET /doc/ID/field/F.png), the whole page with its boxes;
  - the server's resident memory (VmRSS, /proc/PID/status) before and after
    LOADS page loads (the queue page and the pages of the 10,000 documents
    in turn, each with its API call), sampled every LOADS/10.
Every request opens its own TCP connection (a browser's first request, the
slowest case). Any answer but 200, or a server that is gone, stops the
benchmark with exit status 1 and says which request.
Prints a markdown table, and the figures as JSON on the last line.
"""
import argparse
import base64
import http.client
import json
import statistics
import sys
import time
import urllib.parse

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--pid", type=int, required=True)
ap.add_argument("--user", required=True)
ap.add_argument("--password", required=True)
ap.add_argument("--doc", type=int, required=True, help="a real document (its crops can be cut)")
ap.add_argument("--field", type=int, required=True, help="a field of --doc")
ap.add_argument("--cold", default="", help="DOC:FIELD,...: crops of pages not decoded yet, timed once each")
ap.add_argument("--ids", required=True, help="file with the ids of the documents in review")
ap.add_argument("--requests", type=int, default=50)
ap.add_argument("--loads", type=int, default=10000)
a = ap.parse_args()


def die(msg):
    print("review_bench: " + msg, file=sys.stderr)
    sys.exit(1)


def rss_kb():
    try:
        with open("/proc/%d/status" % a.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    die("the server (pid %d) is gone" % a.pid)


def request(method, path, headers=None, body=None, want=200):
    """One request on a new connection: (seconds, status, headers, body)."""
    t0 = time.perf_counter()
    try:
        c = http.client.HTTPConnection("127.0.0.1", a.port, timeout=30)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
    except OSError as e:
        die("%s %s: %s" % (method, path, e))
    dt = time.perf_counter() - t0
    if want is not None and r.status != want:
        die("%s %s: HTTP %d, expected %d: %s" % (method, path, r.status, want, data[:200]))
    return dt, r.status, r, data


# a session, as the clerk's browser gets one
form = urllib.parse.urlencode({"user": a.user, "password": a.password})
_, st, resp, _ = request("POST", "/login", {"Content-Type": "application/x-www-form-urlencoded"}, form, want=None)
cookie = None
for k, v in resp.getheaders():
    if k.lower() == "set-cookie" and v.startswith("dpsid="):
        cookie = v.split(";")[0]
if not cookie:
    die("POST /login (HTTP %d) set no dpsid cookie" % st)
COOKIE = {"Cookie": cookie}
BASIC = {"Authorization": "Basic " + base64.b64encode(("%s:%s" % (a.user, a.password)).encode()).decode()}
ids = [int(x) for x in open(a.ids).read().split()]
if len(ids) < 100:
    die("only %d documents in review in %s" % (len(ids), a.ids))


def timed(label, path, headers, n=None, check=None):
    n = n or a.requests
    request("GET", path, headers)             # warm: first use of the session's connection
    ts, size = [], 0
    for _ in range(n):
        dt, _, _, body = request("GET", path, headers)
        if check:
            check(body)
        ts.append(dt * 1000)
        size = len(body)
    ts.sort()
    p95 = ts[min(len(ts) - 1, int(round(0.95 * (len(ts) - 1))))]
    return {"what": label, "path": path, "n": n, "median_ms": statistics.median(ts), "p95_ms": p95,
            "max_ms": ts[-1], "bytes": size}


def queue_total(body):
    j = json.loads(body)
    if j.get("total", 0) < 10000:
        die("GET /api/queue: total %s, expected 10,000 or more" % j.get("total"))


def is_png(body):
    if body[:8] != b"\x89PNG\r\n\x1a\n":
        die("the crop is not a PNG")


def timed_page(label, paths, headers, n=None):
    """A page as the browser loads it: its HTML, style, script and the API
    call its script makes, one after the other; the time of the whole."""
    n = n or a.requests
    for p in paths:
        request("GET", p, headers)
    ts, size = [], 0
    for _ in range(n):
        t, size = 0.0, 0
        for p in paths:
            dt, _, _, body = request("GET", p, headers)
            t += dt
            size += len(body)
        ts.append(t * 1000)
    ts.sort()
    p95 = ts[min(len(ts) - 1, int(round(0.95 * (len(ts) - 1))))]
    return {"what": label, "path": " + ".join(paths), "n": n, "median_ms": statistics.median(ts), "p95_ms": p95,
            "max_ms": ts[-1], "bytes": size}


STATIC = ["/static/review.css", "/static/review.js"]
rows = [
    timed_page("queue page as shown: `/`, css, js, `/api/queue?limit=50&offset=0`",
               ["/"] + STATIC + ["/api/queue?limit=50&offset=0"], COOKIE),
    timed_page("document page as shown: `/doc/ID`, css, js, `/api/documents/ID`, its crop",
               ["/doc/%d" % a.doc] + STATIC + ["/api/documents/%d" % a.doc, "/doc/%d/field/%d.png" % (a.doc, a.field)],
               COOKIE),
    timed("queue page HTML alone `GET /`", "/", COOKIE),
    timed("queue JSON `GET /api/queue` (cookie)", "/api/queue", COOKIE, check=queue_total),
    timed("queue JSON `GET /api/queue` (HTTP Basic)", "/api/queue", BASIC, check=queue_total),
    timed("queue JSON, one procedure `GET /api/queue?procedure=P003`", "/api/queue?procedure=P003", COOKIE),
    timed("queue JSON, page 100 `GET /api/queue?limit=50&offset=5000`", "/api/queue?limit=50&offset=5000", COOKIE),
    timed("document JSON `GET /api/documents/ID`", "/api/documents/%d" % a.doc, COOKIE),
    timed("field crop `GET /doc/ID/field/F.png`", "/doc/%d/field/%d.png" % (a.doc, a.field), COOKIE, check=is_png),
    timed("whole page with boxes `GET /doc/ID/page/1.png`", "/doc/%d/page/1.png" % a.doc, COOKIE, n=10, check=is_png),
]

# the first crop of a page the server has not decoded yet (its decoded pages
# are cached): one request each, before anything else touches those documents
cold = []
crops = [(a.doc, a.field)] + [tuple(p.split(":")) for p in filter(None, a.cold.split(","))]
for pair in filter(None, a.cold.split(",")):
    d, f = pair.split(":")
    dt, _, _, body = request("GET", "/doc/%s/field/%s.png" % (d, f), COOKIE)
    is_png(body)
    cold.append(dt * 1000)
if cold:
    cold.sort()
    rows.append({"what": "field crop, first of its page (not cached)", "path": "/doc/ID/field/F.png", "n": len(cold),
                 "median_ms": statistics.median(cold), "p95_ms": cold[-1], "max_ms": cold[-1], "bytes": 0})

# memory over LOADS page loads: the queue page and a document page in turn,
# each with the API call its script makes (a page of the queue further on
# each time; the documents of the queue one after the other); every 10th
# document load a crop of one of the real documents (all nine in turn)
samples = [(0, rss_kb())]
t0 = time.perf_counter()
step = max(1, a.loads // 10)
for i in range(1, a.loads + 1):
    if i % 2:
        request("GET", "/", COOKIE)
        request("GET", "/api/queue?limit=50&offset=%d" % ((i * 50) % len(ids)), COOKIE)
    else:
        d = ids[(i // 2) % len(ids)]
        request("GET", "/doc/%d" % d, COOKIE)
        request("GET", "/api/documents/%d" % d, COOKIE)
        if i % 20 == 0:  # a crop of one of the real documents, in turn
            cd, cf = crops[(i // 20) % len(crops)]
            request("GET", "/doc/%s/field/%s.png" % (cd, cf), COOKIE)
    if i % step == 0:
        samples.append((i, rss_kb()))
wall = time.perf_counter() - t0

print("| request | n | median ms | p95 ms | max ms | bytes |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for r in rows:
    print("| %s | %d | %.1f | %.1f | %.1f | %d |" % (r["what"], r["n"], r["median_ms"], r["p95_ms"], r["max_ms"], r["bytes"]))
print()
print("VmRSS of the server over %d page loads (%.1f s, %.1f loads/s): %s" % (
    a.loads, wall, a.loads / wall, ", ".join("%d: %.1f MB" % (i, kb / 1024) for i, kb in samples)))
print(json.dumps({"rows": rows, "rss_kb": samples, "loads": a.loads, "loads_wall_s": wall}))
