#!/usr/bin/python3
"""page_phone.py - the office page on a phone: headless Chromium at 375 px wide opens Control
Interno's page served by `plazo run` on the seed plan (2023-03-01 07:00; #54 marked first,
so an undo form is there too), opens every <details>, and measures what a finger must hit:
every visible input, button, summary and section link is at least 44 px tall (and the
buttons, summaries and links 44 px wide), inputs and buttons use 16 px text (iOS zooms into
smaller), and nothing scrolls sideways. A screenshot is kept in $PLAZO_ARTIFACTS.
Needs Debian's chromium and python3-websocket; exits 77 (skip) without them.
"""
import json
import os
import re
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

OFFICE = "control-interno"
WIDTH = 375
failures = 0

MEASURE_JS = """JSON.stringify((() => {
  document.querySelectorAll('details').forEach(d => d.open = true);
  const out = [];
  const sel = 'input:not([type=hidden]), button, summary, nav.jump a, a.btn, .item h3 a';
  document.querySelectorAll(sel).forEach(e => {
    const r = e.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) return;
    const cs = getComputedStyle(e);
    const art = e.closest('article');
    out.push({tag: e.tagName.toLowerCase(), name: e.name || e.textContent.trim().slice(0, 30),
              where: art ? art.id : (e.closest('section') || {}).id || '',
              h: r.height, w: r.width, font: parseFloat(cs.fontSize)});
  });
  return {targets: out, inner: window.innerWidth,
          scroll: document.documentElement.scrollWidth};
})())"""


def check(name, cond, detail=""):
    global failures
    print(("ok " if cond else "FAIL ") + name + ("" if cond else ": " + str(detail)[:3000]))
    failures += 0 if cond else 1
    return cond


def scenario(d, token, browser, out):
    url = d.base + "/o/" + token
    status, _, body = d.request("/o/" + token)
    html = body.decode("utf-8")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', html).group(1)
    fields = {"csrf": csrf, "item": "a54-1", "due": "2023-03-01", "nombre": "Ana"}
    status, _, _ = d.request("/o/%s/entregar" % token, urllib.parse.urlencode(fields).encode(),
                             {"Content-Type": "application/x-www-form-urlencoded",
                              "Origin": d.base})
    check("#54 marked (303), so the page has an undo form", status == 303, status)
    # a phone's viewport (headless Chromium's window is at least 500 px wide)
    browser.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=800,
                 deviceScaleFactor=2, mobile=True)
    browser.navigate(url)
    m = json.loads(browser.evaluate(MEASURE_JS))
    browser.screenshot(os.path.join(out, "page-phone-375.png"))
    check("viewport %d px wide" % WIDTH, m["inner"] == WIDTH, m["inner"])
    check("nothing scrolls sideways", m["scroll"] <= m["inner"], (m["scroll"], m["inner"]))
    t = m["targets"]
    kinds = {x["tag"] for x in t}
    check("inputs, buttons, summaries and links measured",
          {"input", "button", "summary", "a"} <= kinds and
          any(x["tag"] == "button" and x["where"] == "a54-1" for x in t), kinds)
    short = [x for x in t if x["h"] < 44]
    check("every target at least 44 px tall (%d measured)" % len(t), not short, short[:10])
    narrow = [x for x in t if x["tag"] != "input" and x["w"] < 44]
    check("buttons, summaries and links at least 44 px wide", not narrow, narrow[:10])
    small = [x for x in t if x["tag"] in ("input", "button") and x["font"] < 16]
    check("inputs and buttons at 16 px text or more", not small, small[:10])


def main():
    cdp = harness.browser()
    if cdp is None:
        return 77
    plazo = os.environ["PLAZO"]
    seed = os.path.abspath(os.path.join(os.environ["PLAZO_TESTDATA"],
                                        "estrategia-rendicion-cuentas-2023.tsv"))
    with tempfile.TemporaryDirectory() as tmp:
        out = os.environ.get("PLAZO_ARTIFACTS") or tmp
        os.makedirs(out, exist_ok=True)
        port = harness.free_port()
        config = harness.make_config(tmp, seed, port)
        d = harness.Daemon(plazo, tmp, config, port, "2023-03-01T07:00:00")
        browser = None
        try:
            if check("daemon serving", d.wait_serving(), d.log_text()[-2000:]):
                tokens = harness.office_token(plazo, config, OFFICE)
                deadline = time.time() + 10
                while tokens and d.request("/o/" + tokens[1])[0] != 200 and \
                        time.time() < deadline:
                    time.sleep(0.2)
                if check("page token listed", tokens is not None):
                    browser = cdp.Browser(width=WIDTH, height=800)
                    scenario(d, tokens[1], browser, out)
        except Exception as e:
            check("scenario ran to the end", False, "%s: %s" % (type(e).__name__, e))
        finally:
            if browser is not None:
                browser.close()
            d.stop()
    print("%d failed" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
