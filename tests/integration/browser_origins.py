#!/usr/bin/python3
"""browser_origins.py - the page's forms under another host name, in headless Chromium. The
daemon serves the seed plan at 2023-03-01T07:00 with base_url http://127.0.0.1:PORT and
[http] origins = http://localhost:PORT.

1. Control Interno's page opened as http://localhost:PORT/o/TOKEN: marking #54 with the
   page's own form is accepted (303 back to the item on localhost), the page shows it
   delivered and `plazo log` has the mark.
2. The same page opened as http://plazo-intranet:PORT/o/TOKEN (a name Chromium maps to
   127.0.0.1, not listed): marking #56 is refused 403 with the Spanish HTML page, whose link
   "Volver a la página de la oficina" leads back to the page on that name, #56 still pending,
   nothing recorded.
Needs Debian's chromium and python3-websocket; exits 77 (skip) without them.
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

OFFICE = "control-interno"
t = harness.Checks()


def mark(browser, bm, item, name):
    """Opens item's mark form, types name and clicks the button; the POST's statuses."""
    bm.click(browser, "#%s details.mark summary" % item)
    bm.type_into(browser, "#%s input[name=nombre]" % item, name)
    since = len(browser.events)
    bm.click(browser, "#%s details.mark button[type=submit]" % item)
    browser.wait_event("Page.loadEventFired", since, 20)
    return bm.post_statuses(browser, since, "/entregar"), bm.sent_headers(browser, since,
                                                                            "/entregar")


def scenario(plazo, config, port, token, browser, bm):
    local = "http://localhost:%d/o/%s" % (port, token)
    browser.navigate(local)
    posts, sent = mark(browser, bm, "a54-1", "Lucía")
    t.check("localhost (listed): the POST answered 303 to #54", posts and posts[0][0] == 303
            and posts[0][1] == "/o/%s#a54-1" % token, (posts, sent))
    t.check("localhost: Chromium sent Origin http://localhost:%d" % port,
            any(h.get("Origin", h.get("origin")) == "http://localhost:%d" % port for h in sent),
            sent)
    href = browser.evaluate("location.href")
    secs = bm.sections(browser)
    t.check("localhost: landed on the page at #a54-1, #54 delivered", href == local + "#a54-1"
            and "a54-1" in bm.ids(secs, "entregadas"), (href, secs))

    other = "http://plazo-intranet:%d/o/%s" % (port, token)
    browser.navigate(other)
    posts, sent = mark(browser, bm, "a56-1", "Beto")
    text = browser.text()
    t.check("plazo-intranet (not listed): the POST answered 403", posts and posts[0][0] == 403,
            (posts, sent))
    t.check("plazo-intranet: the Spanish refusal page says it comes from another site",
            "otro sitio" in text and "[http] origins" in text, text[:1500])
    back = browser.evaluate("(document.querySelector('#volver') || {}).href")
    t.check("plazo-intranet: its link goes back to the page on that name", back == other, back)
    since = len(browser.events)
    bm.click(browser, "#volver")
    browser.wait_event("Page.loadEventFired", since, 20)
    href = browser.evaluate("location.href")
    secs = bm.sections(browser)
    t.check("plazo-intranet: back on the page, #56 still pending", href == other and
            "a56-1" in bm.ids(secs, "vencidas", "este-mes"), (href, secs))
    log = subprocess.run([plazo, "-c", config, "log", "--office", OFFICE], capture_output=True,
                         text=True, timeout=30)
    t.check("log: the mark by Lucía, nothing by Beto", log.returncode == 0 and
            "Lucía" in log.stdout and "Beto" not in log.stdout, log.stdout + log.stderr)


def main():
    cdp = harness.browser()
    if cdp is None:
        return 77
    import browser_mark as bm
    plazo = os.environ["PLAZO"]
    seed = os.path.abspath(os.path.join(os.environ["PLAZO_TESTDATA"],
                                        "estrategia-rendicion-cuentas-2023.tsv"))
    with tempfile.TemporaryDirectory() as tmp:
        port = harness.free_port()
        config = harness.make_config(tmp, seed, port, [
            (r"(?m)^welcome = yes$", "welcome = no"),
            (r"(?m)^\[http\]$", "[http]\norigins = http://localhost:%d" % port)])
        d = harness.Daemon(plazo, tmp, config, port, "2023-03-01T07:00:00")
        browser = None
        try:
            tokens = None
            if t.check("daemon serving", d.wait_serving(), d.log_text()[-2000:]):
                tokens = harness.office_token(plazo, config, OFFICE)
                t.check("page token of %s listed" % OFFICE, tokens)
            if tokens:
                browser = cdp.Browser(args=["--host-resolver-rules=MAP plazo-intranet "
                                            "127.0.0.1"])
                scenario(plazo, config, port, tokens[1], browser, bm)
        except Exception as e:  # a broken step ends the scenario, not the cleanup
            t.check("scenario ran to the end", False, "%s: %s\n%s" % (
                type(e).__name__, e, d.log_text()[-2000:]))
        finally:
            if browser is not None:
                browser.close()
            d.stop()
        t.check("daemon exited cleanly", d.proc.returncode == 0, d.proc.returncode)
    print("%d failed" % t.failures)
    return 1 if t.failures else 0


if __name__ == "__main__":
    sys.exit(main())
