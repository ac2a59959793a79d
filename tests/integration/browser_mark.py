#!/usr/bin/python3
"""browser_mark.py - marking a deliverable on an office page, as a person does it in a browser:
headless Chromium, driven over the DevTools protocol, opens Control Interno's page on the seed
plan served by `plazo run` (clock at 2023-03-01 07:59:20, real speed), opens "Marcar como
entregada" of activity 54, types a name and an evidence link and clicks the button. After the
redirect the page lists #54 under "Entregadas (1)" and the feed marks it; the 08:00 digest
names only #56. Undoing in the browser (the undo form asks for a name too) brings #54 back on the page and in the feed, and its
skipped reminder goes out at once in a second digest. A cross-site form (a data: page), a
foreign Origin, a missing form token and a GET are refused; the audit log has both rows.
Screenshots are kept in $PLAZO_ARTIFACTS (or a temporary folder).
Needs Debian's chromium and python3-websocket; exits 77 (skip) without them.
"""
import email
import email.policy
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

import mailtext  # the text part unwrapped (format=flowed)

START = "2023-03-01T07:59:20"  # 40 s of daemon time before the 08:00 reminders
START_EPOCH = 1677675560       # START in America/Bogota (-05:00), as a Unix time
SLOT_EPOCH = 1677675600        # 2023-03-01T08:00-05:00
OFFICE = "control-interno"
failures = 0


def check(name, cond, detail=""):
    global failures
    print(("ok " if cond else "FAIL ") + name + ("" if cond else ": " + str(detail)[:3000]))
    failures += 0 if cond else 1
    return cond


class Daemon(harness.Daemon):
    """The daemon at START (read when started: marks.py sets it), at real speed."""

    def __init__(self, plazo, tmp, config, port):
        super().__init__(plazo, tmp, config, port, START)

    def clock(self):
        """The daemon's clock, approximately (it started at START, at real speed)."""
        return START_EPOCH + (time.time() - self.started)


free_port = harness.free_port


def make_config(tmp, plan, port):
    # the test reads the reminder digests; the welcome digest has its own test
    return harness.make_config(tmp, plan, port, [(r"(?m)^welcome = yes$", "welcome = no")])


def office_token(plazo, config):
    return harness.office_token(plazo, config, OFFICE)


def feed_summary(daemon, token, uid):
    """SUMMARY of the event `uid` in the office's feed (None if absent)."""
    status, _, body = daemon.request("/feeds/%s.ics" % token)
    if status != 200:
        return "HTTP %d" % status
    text = body.decode("utf-8").replace("\r\n ", "")
    for ev in text.split("BEGIN:VEVENT")[1:]:
        if re.search(r"\r\nUID:%s\r\n" % re.escape(uid), ev):
            m = re.search(r"\r\nSUMMARY[^:]*:(.*)\r\n", ev)
            return m.group(1) if m else ""
    return None


def new_mail(maildir, seen):
    try:
        names = sorted(os.listdir(maildir))
    except FileNotFoundError:
        return []
    return [n for n in names if n not in seen]


def wait_mail(maildir, seen, until):
    while time.time() < until:
        got = new_mail(maildir, seen)
        if got:
            time.sleep(0.3)  # let a pass that writes several messages finish
            return new_mail(maildir, seen)
        time.sleep(0.2)
    return []


def activities(path):
    """Activity numbers named in a digest's text part."""
    with open(path, "rb") as f:
        msg = email.message_from_bytes(f.read(), policy=email.policy.default)
    text = mailtext.plain_text(msg)
    return sorted(int(n) for n in re.findall(r"Actividad (\d+)", text))


def report_row(plazo, config):
    """The office's row of `plazo report --format csv` at 09:00 of the first day."""
    r = subprocess.run([plazo, "-c", config, "report", "--at", "2023-03-01T09:00", "--format",
                        "csv"], capture_output=True, timeout=30)
    rows = [line for line in r.stdout.decode("utf-8-sig", "replace").splitlines()
            if line.startswith("office,%s," % OFFICE)]
    return rows[0] if r.returncode == 0 and len(rows) == 1 else (r.returncode, r.stderr, rows)


# ---- what the page shows, read through the DOM ----

SECTIONS_JS = """JSON.stringify(Array.from(document.querySelectorAll('section')).map(s => [s.id,
  Array.from(s.querySelectorAll('article')).map(a => [a.id,
    !!a.querySelector('details.mark form[action$="/entregar"]'),
    !!a.querySelector('form[action$="/deshacer"] button')])]))"""


def sections(browser):
    """{section id: [(article id, has a mark form, has an undo button)]}"""
    import json
    return {sid: [tuple(a) for a in arts]
            for sid, arts in json.loads(browser.evaluate(SECTIONS_JS))}


def ids(secs, *names):
    return [a[0] for name in names for a in secs.get(name, [])]


def click(browser, selector):
    """A real mouse click at the middle of the element (scrolled into view)."""
    box = browser.evaluate("""(() => { const e = document.querySelector(%r);
        if (!e) return null; e.scrollIntoView({block: 'center'});
        const r = e.getBoundingClientRect();
        return [r.left + r.width / 2, r.top + r.height / 2]; })()""" % selector)
    if box is None:
        raise RuntimeError("nothing matches " + selector)
    for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
        browser.call("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1],
                     button="left" if kind != "mouseMoved" else "none", clickCount=1)


def type_into(browser, selector, text):
    """Focuses a field and types text into it, as the keyboard would."""
    if not browser.evaluate("(() => { const e = document.querySelector(%r); if (!e) return "
                            "false; e.focus(); return document.activeElement === e; })()"
                            % selector):
        raise RuntimeError("cannot focus " + selector)
    browser.call("Input.insertText", text=text)


def post_statuses(browser, since, path):
    """HTTP statuses Chromium got for requests to path, from the Network events."""
    out = []
    for ev in browser.events[since:]:
        p = ev.get("params", {})
        if ev.get("method") == "Network.requestWillBeSent" and p.get("redirectResponse"):
            r = p["redirectResponse"]
            if r["url"].endswith(path):
                out.append((r["status"], r.get("headers", {}).get("location")
                            or r.get("headers", {}).get("Location")))
        if ev.get("method") == "Network.responseReceived" and \
                p["response"]["url"].endswith(path):
            out.append((p["response"]["status"], None))
    return out


def sent_headers(browser, since, path):
    """Origin and Sec-Fetch-Site of the requests Chromium sent to path (what the server saw)."""
    want = {ev["params"]["requestId"] for ev in browser.events[since:]
            if ev.get("method") == "Network.requestWillBeSent" and
            ev["params"]["request"]["url"].endswith(path)}
    return [{k: v for k, v in ev["params"]["headers"].items()
             if k.lower() in ("origin", "sec-fetch-site")}
            for ev in browser.events[since:]
            if ev.get("method") == "Network.requestWillBeSentExtraInfo" and
            ev["params"]["requestId"] in want]


def scenario(plazo, config, daemon, tokens, browser, tmp, out):
    feed, token = tokens  # the feed's token, the page's (with its forms)
    page = daemon.base + "/o/" + token
    maildir = os.path.join(tmp, "state", "maildir", OFFICE, "new")
    uid = "%s.54.1@127.0.0.1" % OFFICE

    # 1. the page lists #54 and #56, both with a form to mark them
    browser.navigate(page)
    secs = sections(browser)
    pending = [a for s in ("vencidas", "este-mes") for a in secs.get(s, [])]
    check("page: #54 and #56 pending, each with a mark form",
          [a[0] for a in pending] == ["a54-1", "a56-1"] and all(a[1] for a in pending), secs)
    check("page: nothing delivered yet", "entregadas" not in secs, secs)
    browser.screenshot(os.path.join(out, "browser-mark-1-page.png"))
    csrf = browser.evaluate("document.querySelector('#a54-1 input[name=csrf]').value")
    due = browser.evaluate("document.querySelector('#a54-1 input[name=due]').value")
    check("form carries the token and the due date", bool(csrf) and due == "2023-03-01",
          (csrf, due))

    # an empty name: the browser itself does not send the form (required field)
    click(browser, "#a54-1 details.mark summary")
    check("details opened by a click",
          browser.evaluate("document.querySelector('#a54-1 details.mark').open") is True)
    mark = len(browser.events)
    click(browser, "#a54-1 details.mark button[type=submit]")
    time.sleep(1)
    try:
        browser.call("Runtime.evaluate", expression="1")
    except Exception:
        pass
    check("empty name: nothing sent", post_statuses(browser, mark, "/entregar") == [],
          post_statuses(browser, mark, "/entregar"))

    # 2. mark #54 with a name and an evidence link
    type_into(browser, "#a54-1 input[name=nombre]", "Ana Pérez")
    type_into(browser, "#a54-1 input[name=evidencia]", "https://example.gov.co/informe.pdf")
    policy = browser.evaluate("document.referrerPolicy || "
                              "(document.querySelector('meta[name=referrer]') || {}).content")
    mark = len(browser.events)
    click(browser, "#a54-1 details.mark button[type=submit]")
    browser.wait_event("Page.loadEventFired", mark, 20)
    marked_at = daemon.clock()
    check("marked before 08:00 on the daemon clock (%.0f s to spare)" % (SLOT_EPOCH - marked_at),
          marked_at < SLOT_EPOCH - 2, marked_at - SLOT_EPOCH)
    posts = post_statuses(browser, mark, "/entregar")
    check("POST answered 303 to the item's anchor",
          posts and posts[0][0] == 303 and posts[0][1] == "/o/%s#a54-1" % token,
          "%s; Chromium sent %s; page referrer policy: %s" % (
              posts, sent_headers(browser, mark, "/entregar"), policy))
    url = browser.evaluate("location.href")
    check("browser landed on the page at #a54-1", url == page + "#a54-1", url)
    secs = sections(browser)
    text = browser.text()
    browser.screenshot(os.path.join(out, "browser-mark-2-marked.png"))
    check("page: Entregadas (1) with #54 and an undo button",
          "Entregadas (1)" in text and secs.get("entregadas") == [("a54-1", False, True)],
          (secs, text))
    check("page: #54 no longer pending, #56 still is",
          ids(secs, "vencidas", "este-mes") == ["a56-1"], secs)
    m = re.search(r"Marcada como entregada el 1 de marzo de 2023 por ([^\n]*)", text)
    check("page: who marked it, with the evidence link",
          m is not None and m.group(1).startswith("Ana Pérez") and browser.evaluate(
              "document.querySelector('#a54-1 a[href=\"https://example.gov.co/informe.pdf\"]')"
              " !== null"), m and m.group(0))
    summary = feed_summary(daemon, feed, uid)
    check("feed: %s is \"✓ Entregada\"" % uid, summary is not None and
          summary.startswith("✓ Entregada"), summary)
    other = feed_summary(daemon, feed, "%s.56.1@127.0.0.1" % OFFICE)
    check("feed: #56 not marked", other is not None and "Entregada" not in other, other)
    # control-interno has 8 milestones (#13 x3, #54, #56, #61 x3); #54 marked on its due day
    row = report_row(plazo, config)
    check("report --format csv: #54 on time, 7 pending, compliance 1.000",
          row == "office,%s,Oficina de Control Interno,1,0,0,7,8,1.000" % OFFICE, row)

    # 3. the 08:00 digest names #56 only
    seen = set(new_mail(maildir, set()))
    check("no digest before 08:00", not seen, seen)
    got = wait_mail(maildir, seen, time.time() + (SLOT_EPOCH - daemon.clock()) + 15)
    check("08:00 digest went out (one message)", len(got) == 1, got)
    if got:
        nums = activities(os.path.join(maildir, got[0]))
        check("08:00 digest names #56, not #54", nums == [56], nums)
        seen.update(got)

    # 4. undo in the browser: #54 pending again, feed unmarked, its reminder goes out
    browser.navigate(page)
    type_into(browser, "#a54-1 form[action$='/deshacer'] input[name=nombre]", "Ana Pérez")
    mark = len(browser.events)
    click(browser, "#a54-1 form[action$='/deshacer'] button")
    browser.wait_event("Page.loadEventFired", mark, 20)
    undone_at = time.time()
    posts = post_statuses(browser, mark, "/deshacer")
    check("undo POST answered 303", posts and posts[0][0] == 303, posts)
    secs = sections(browser)
    text = browser.text()
    browser.screenshot(os.path.join(out, "browser-mark-3-undone.png"))
    check("page: #54 pending again with its mark form, nothing delivered",
          ids(secs, "vencidas", "este-mes") == ["a54-1", "a56-1"] and
          "entregadas" not in secs and "Entregadas" not in text and
          all(a[1] for s in ("vencidas", "este-mes") for a in secs.get(s, [])), secs)
    summary = feed_summary(daemon, feed, uid)
    check("feed: #54 no longer marked", summary is not None and "Entregada" not in summary,
          summary)
    row = report_row(plazo, config)
    check("report --format csv after the undo: nothing delivered",
          row == "office,%s,Oficina de Control Interno,0,0,0,8,8," % OFFICE, row)
    got = wait_mail(maildir, seen, undone_at + 15)
    if check("the skipped reminder of #54 went out again within 15 s", len(got) >= 1,
             "no new message in 15 s; daemon log tail:\n" + daemon.log_text()[-1500:]):
        nums = [activities(os.path.join(maildir, g)) for g in got]
        print("  after undo: %d message(s) in %.1f s, naming %s"
              % (len(got), time.time() - undone_at, nums))
        check("second digest names #54 (only)", nums == [[54]], nums)
        seen.update(got)

    # 5. cross-site forms are refused
    form = ("<form method=post action='%s/entregar'><input name=csrf value='%s'>"
            "<input name=item value=a56-1><input name=due value=2023-03-01>"
            "<input name=nombre value=Mallory><button id=go>go</button></form>"
            % (page, csrf))
    browser.navigate("data:text/html;charset=utf-8," + urllib.parse.quote(form))
    mark = len(browser.events)
    click(browser, "#go")
    browser.wait_event("Page.loadEventFired", mark, 20)
    posts = post_statuses(browser, mark, "/entregar")
    check("POST from a data: page: 403", [p[0] for p in posts] == [403], posts)
    browser.screenshot(os.path.join(out, "browser-mark-4-cross-site.png"))

    fields = {"csrf": csrf, "item": "a56-1", "due": "2023-03-01", "nombre": "Mallory"}
    body = urllib.parse.urlencode(fields).encode()
    ctype = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _, _ = daemon.request("/o/%s/entregar" % token, body,
                                  dict(ctype, Origin="https://evil.example"))
    check("POST with Origin https://evil.example: 403", status == 403, status)
    status, _, _ = daemon.request("/o/%s/entregar" % token, body,
                                  dict(ctype, **{"Sec-Fetch-Site": "cross-site"}))
    check("POST with Sec-Fetch-Site cross-site: 403", status == 403, status)
    nocsrf = urllib.parse.urlencode({k: v for k, v in fields.items() if k != "csrf"}).encode()
    status, _, _ = daemon.request("/o/%s/entregar" % token, nocsrf,
                                  dict(ctype, Origin=daemon.base))
    check("POST without the form token: 403", status == 403, status)
    bad = urllib.parse.urlencode(dict(fields, csrf="0" * len(csrf))).encode()
    status, _, _ = daemon.request("/o/%s/entregar" % token, bad, dict(ctype, Origin=daemon.base))
    check("POST with a wrong form token: 403", status == 403, status)
    status, headers, _ = daemon.request("/o/%s/entregar" % token)
    check("GET /o/TOKEN/entregar: 405 (Allow: POST)",
          status == 405 and headers.get("Allow") == "POST", (status, headers))
    browser.navigate(page)
    secs = sections(browser)
    check("page: still nothing delivered",
          "entregadas" not in secs and ids(secs, "vencidas", "este-mes") == ["a54-1", "a56-1"],
          secs)

    # 6. the audit log
    log = subprocess.run([plazo, "-c", config, "log", "--office", OFFICE], capture_output=True,
                         text=True, timeout=30)
    lines = log.stdout.splitlines()
    marked = [line for line in lines if re.search(r"\bmarked\b", line)]
    undone = [line for line in lines if re.search(r"\bundone\b", line)]
    check("log: one marked and one undone row", log.returncode == 0 and len(marked) == 1 and
          len(undone) == 1, log.stdout + log.stderr)
    check("log: the mark names Ana Pérez and activity 54",
          marked and "Ana Pérez" in marked[0] and "54" in marked[0], marked)
    check("log: the undo names who undid it",
          undone and 'by="Ana Pérez"' in undone[0], undone)
    print("  log:\n    " + "\n    ".join(lines))


def main():
    cdp = harness.browser()
    if cdp is None:
        return 77
    plazo = os.environ["PLAZO"]
    seed = os.path.abspath(os.path.join(os.environ["PLAZO_TESTDATA"],
                                        "estrategia-rendicion-cuentas-2023.tsv"))
    begun = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        out = os.environ.get("PLAZO_ARTIFACTS") or tmp
        os.makedirs(out, exist_ok=True)
        port = free_port()
        config = make_config(tmp, seed, port)
        daemon = Daemon(plazo, tmp, config, port)
        browser = None
        try:
            token = None
            if check("daemon serving on port %d" % port, daemon.wait_serving(),
                     daemon.log_text()):
                token = office_token(plazo, config)
                check("token of %s listed" % OFFICE, token is not None)
            if token is not None:
                browser = cdp.Browser()
                scenario(plazo, config, daemon, token, browser, tmp, out)
        except Exception as e:  # a broken step ends the scenario, not the cleanup
            check("scenario ran to the end", False, "%s: %s\ndaemon log tail:\n%s" % (
                type(e).__name__, e, daemon.log_text()[-2000:]))
        finally:
            if browser is not None:
                browser.close()
            daemon.stop()
        check("daemon exited cleanly", daemon.proc.returncode == 0, daemon.proc.returncode)
        if out != tmp:
            print("  screenshots in " + out)
    print("  took %.0f s" % (time.time() - begun))
    print("%d failed" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
