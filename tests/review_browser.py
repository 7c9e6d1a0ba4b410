#!/usr/bin/python3
"""The review station in a real browser (tests/t080-review.sh runs it).

Headless chromium through chromium-driver and python3-selenium (Debian's).
The clerk logs in and reviews the first document of the queue with the
keyboard only: no click, no script that changes the page. The analyst is
turned away. A field value holding <script> is shown as text. The
screenshots docs/REVIEW.md shows are taken (1280x800 PNG).

Prints one line per check, "description<TAB>expected<TAB>actual", for the
shell test to count and judge; writes what it did (the field it corrected,
the value typed, the value expected after normalisation, the status shown)
as JSON to --facts for the shell test to compare with the database.
Exit status: 0 when the session ran to the end (whatever the checks found),
1 when the browser could not be driven at all.
"""
import argparse
import base64
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import (NoAlertPresentException, NoSuchElementException,
                                        TimeoutException, WebDriverException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

ap = argparse.ArgumentParser()
ap.add_argument("--base", required=True)
ap.add_argument("--clerk", required=True)
ap.add_argument("--clerk-password", required=True)
ap.add_argument("--analyst", required=True)
ap.add_argument("--analyst-password", required=True)
ap.add_argument("--first", type=int, required=True, help="id of the first document of the queue")
ap.add_argument("--xss-doc", type=int, required=True)
ap.add_argument("--audio-doc", type=int, default=0)
ap.add_argument("--facts", required=True)
ap.add_argument("--shots", required=True, help="folder for review-*.png")
ap.add_argument("--timeout", type=float, default=15)
a = ap.parse_args()

facts = {}
checks = []


def check(what, want, got):
    checks.append((what, str(want), str(got).replace("\t", " ").replace("\n", " ")[:200]))


def api(path):
    """GET the JSON API as the clerk (HTTP Basic): what the page should show."""
    req = urllib.request.Request(a.base + path)
    tok = base64.b64encode(("%s:%s" % (a.clerk, a.clerk_password)).encode()).decode()
    req.add_header("Authorization", "Basic " + tok)
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


def path_of(drv):
    u = drv.current_url
    rest = u[len(a.base):] if u.startswith(a.base) else u
    return rest.split("?")[0].split("#")[0] or "/"


def active(drv):
    return drv.switch_to.active_element


def keys(drv, *k):
    """Keys to whatever has the focus, as a person's keyboard would send them."""
    active(drv).send_keys(*k)


def wait(drv, cond, t=None):
    try:
        return WebDriverWait(drv, t or a.timeout, poll_frequency=0.1).until(lambda d: cond(d))
    except TimeoutException:
        return None


def no_alert(drv):
    try:
        drv.switch_to.alert
        return False
    except NoAlertPresentException:
        return True


def status_text(drv):
    """The document's status as the page shows it: the element with id
    'status' (docs/REVIEW.md, page hooks), its data-status if it has one."""
    try:
        e = drv.find_element(By.ID, "status")
    except NoSuchElementException:
        return ""
    return (e.get_attribute("data-status") or e.text or "").strip()


def shot(drv, name):
    drv.save_screenshot(os.path.join(a.shots, "review-%s.png" % name))


# values a clerk types for a field of each type, and what the server must
# store after normalising them (docs/FORMS-reference.md section 6)
TYPED = {
    "date": [("R6.6.3", "2024-06-03"), ("令和6年6月4日", "2024-06-04")],
    "phone": [("03-5321-1111", "03-5321-1111"), ("06-6208-8181", "06-6208-8181")],
    "postal": [("〒100-0001", "100-0001"), ("〒160-0023", "160-0023")],
    "email": [("review@example.jp", "review@example.jp"), ("clerk@example.jp", "clerk@example.jp")],
    "text": [("山田太郎", "山田太郎"), ("佐藤花子", "佐藤花子")],
    "kana": [("ヤマダタロウ", "ヤマダタロウ"), ("サトウハナコ", "サトウハナコ")],
}


def pick_correction(fields):
    """The first flagged field whose type has a harmless new value: a type no
    rule reads (dates, phones, postal codes, names), so that the document can
    end accepted."""
    flagged = [f for f in fields if f.get("needs_review")]
    for f in flagged:
        for typed, want in TYPED.get(f.get("type"), []):
            if want != f.get("value"):
                return f, typed, want
    f = flagged[0]
    return f, f.get("value") or "", f.get("value") or ""


def main():
    os.makedirs(a.shots, exist_ok=True)
    prof = tempfile.mkdtemp(prefix="docpipe-chromium.")
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for o in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--no-first-run", "--no-default-browser-check", "--hide-scrollbars",
              "--window-size=1280,800", "--force-device-scale-factor=1", "--lang=ja",
              "--user-data-dir=" + prof):
        opts.add_argument(o)
    drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    try:
        drv.set_window_size(1280, 800)
        # the viewport itself 1280x800 (the window's frame would take some of it)
        drv.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})
        drv.set_page_load_timeout(a.timeout)
        session(drv)
    finally:
        drv.quit()
        shutil.rmtree(prof, ignore_errors=True)


def login(drv, user, password):
    """Log in with the keyboard: the user field has the focus, Tab, Enter."""
    drv.get(a.base + "/login")
    focused = active(drv).get_attribute("name") == "user"
    if not focused:  # reach it with Tab, as a person would
        for _ in range(10):
            keys(drv, Keys.TAB)
            if active(drv).get_attribute("name") == "user":
                break
    keys(drv, Keys.CONTROL, "a")
    keys(drv, user, Keys.TAB)
    keys(drv, password, Keys.ENTER)
    wait(drv, lambda d: d.execute_script("return document.readyState") == "complete" and path_of(d) != "/login", 3)
    return focused


def session(drv):
    doc = api("/api/documents/%d" % a.first)
    fields = doc["fields"]
    facts["flagged"] = sum(1 for f in fields if f.get("needs_review"))

    # ---- the analyst cannot log in to review
    login(drv, a.analyst, a.analyst_password)
    body = drv.find_element(By.TAG_NAME, "body").text
    queue_shown = bool(drv.find_elements(By.CSS_SELECTOR, "a[href^='/doc/']"))
    check("analyst: no queue shown", False, queue_shown)
    check("analyst: the page says the login is not a clerk", True,
          any(w in body for w in ("docpipe_clerk", "clerk", "係員", "権限")))

    # ---- the clerk, keyboard only
    drv.delete_all_cookies()
    focused = login(drv, a.clerk, a.clerk_password)
    check("login page: the user field has the focus", True, focused)
    wait(drv, lambda d: d.find_elements(By.CSS_SELECTOR, "a[href^='/doc/']"))
    check("clerk logged in with the keyboard: the queue", "/", path_of(drv))
    rows = drv.find_elements(By.CSS_SELECTOR, "a[href^='/doc/']")
    first_href = rows[0].get_attribute("href") if rows else ""
    check("queue: the first document is the oldest", "/doc/%d" % a.first,
          first_href[len(a.base):] if first_href.startswith(a.base) else first_href)
    src = drv.find_element(By.TAG_NAME, "body").text
    check("queue: markup in a file name is shown as text, nothing runs", "True True",
          "%s %s" % ("<img src=x onerror=alert(2)>.png" in src, no_alert(drv)))
    shot(drv, "queue")

    # open the first document: the focus starts on the queue's first row (or
    # reaches it with Tab); Enter opens it
    if active(drv).get_attribute("href") is None or "/doc/" not in (active(drv).get_attribute("href") or ""):
        for _ in range(30):
            keys(drv, Keys.TAB)
            if "/doc/" in (active(drv).get_attribute("href") or ""):
                break
    keys(drv, Keys.ENTER)
    wait(drv, lambda d: path_of(d).startswith("/doc/"))
    check("Enter opens the first document", "/doc/%d" % a.first, path_of(drv))

    # every crop on the page has loaded
    wait(drv, lambda d: d.execute_script(
        "return [...document.images].every(i => i.complete)"), 10)
    crops = drv.execute_script(
        "return [...document.images].filter(i => i.src.includes('/field/'))"
        ".map(i => i.naturalWidth > 0)")
    check("document page: a loaded crop for every flagged field", "%d True" % facts["flagged"],
          "%d %s" % (len(crops), all(crops)))
    before = status_text(drv)
    check("document page: the status shown before review", "needs_review", before)

    # the first flagged field has the focus; typing replaces its value
    f, typed, want = pick_correction(fields)
    facts.update(field_id=f["id"], old_value=f.get("value") or "", typed=typed, expected_value=want)
    act = active(drv)
    first_flagged = next(x["id"] for x in fields if x.get("needs_review"))
    focus_ok = act.tag_name in ("input", "textarea") and act.get_attribute("data-field-id") == str(first_flagged)
    check("document page: the first flagged field has the focus", True, focus_ok)
    shot(drv, "document")
    # move to the field to correct with Tab (it is the first one in the usual case)
    for _ in range(len(fields)):
        if active(drv).get_attribute("data-field-id") == str(f["id"]):
            break
        keys(drv, Keys.TAB)
    keys(drv, Keys.CONTROL, "a")
    keys(drv, typed, Keys.ENTER)
    # every other flagged field: Enter accepts the value as read; the last
    # Enter finishes the document
    for _ in range(facts["flagged"] * 2):
        if wait(drv, lambda d: status_text(d) not in ("", before), 1.5):
            break
        keys(drv, Keys.ENTER)
    after = wait(drv, lambda d: status_text(d) if status_text(d) not in ("", before) else None) or status_text(drv)
    facts["status_after"] = after
    check("the status shown changes when the document is done", "accepted", after)

    # ---- a value holding <script> is text
    drv.get(a.base + "/doc/%d" % a.xss_doc)
    time.sleep(0.5)
    body = drv.find_element(By.TAG_NAME, "body").text
    vals = drv.execute_script("return [...document.querySelectorAll('input, textarea')].map(e => e.value)")
    check("a value <script>alert(1)</script> is shown as text", True,
          "<script>alert(1)</script>" in body or "<script>alert(1)</script>" in vals)
    check("  and no alert fired", True, no_alert(drv))

    # ---- a recording: its segments, each with its audio
    if a.audio_doc:
        drv.get(a.base + "/doc/%d" % a.audio_doc)
        wait(drv, lambda d: d.find_elements(By.TAG_NAME, "audio"))
        n = drv.execute_script(
            "return [...document.querySelectorAll('audio')].filter(e => (e.src || (e.querySelector('source') || {}).src || '').includes('/segment/')).length")
        segs = len(api("/api/documents/%d" % a.audio_doc).get("segments", []))
        check("recording page: an audio player per segment", segs, n)
        # each player beside its text, not over it
        over = drv.execute_script(
            "return [...document.querySelectorAll('.segment')].filter(s => {"
            " const a = s.querySelector('audio'), t = s.querySelector('textarea');"
            " if (!a || !t) return true;"
            " const x = a.getBoundingClientRect(), y = t.getBoundingClientRect();"
            " return x.right > y.left + 1 && x.left < y.right && x.bottom > y.top && x.top < y.bottom; }).length")
        check("recording page: no player covers its segment's text", 0, over)
        shot(drv, "recording")
    else:
        check("recording page: an audio player per segment", "a recording", "none given")
        check("recording page: no player covers its segment's text", 0, "none given")

    # ---- the whole page with every box drawn, on demand
    drv.get(a.base + "/doc/%d" % a.first)
    b = wait(drv, lambda d: d.find_elements(By.CSS_SELECTOR, "button.show-page"))
    if b:
        b[0].send_keys(Keys.ENTER)
    ok = wait(drv, lambda d: d.execute_script(
        "const i = document.querySelector('#pages img');"
        " return i && i.complete && i.naturalWidth > 0 ? [i.naturalWidth, i.naturalHeight] : null"), 20)
    check("the whole page with its boxes shows (Enter on 'show page 1')", True, bool(ok) and ok[1] > ok[0])
    drv.execute_script("const i = document.querySelector('#pages img'); if (i) i.scrollIntoView();")
    time.sleep(0.3)
    shot(drv, "page")


try:
    main()
except (WebDriverException, urllib.error.URLError, OSError, KeyError, IndexError, StopIteration) as e:
    print("review_browser: %s: %s" % (type(e).__name__, e), file=sys.stderr)
    for c in checks:
        print("\t".join(c))
    sys.exit(1)
with open(a.facts, "w", encoding="utf-8") as fh:
    json.dump(facts, fh, ensure_ascii=False)
for c in checks:
    print("\t".join(c))
