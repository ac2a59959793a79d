#!/usr/bin/python3
"""csrf.py - the office page's forms refuse requests from other sites, with plain HTTP (no
browser needed, so this runs where the Chromium test skips). The daemon on the seed plan at
2023-03-01T07:00; Control Interno's page, its form token and #54 / #56 due that day.

Refused (403, the Spanish reason, nothing recorded): an Origin of another site, of the same
host on another port, of another host name for the same server (localhost: not configured)
and "null"; Sec-Fetch-Site cross-site and same-site; a form without the form token, with a
wrong one, with another office's. Accepted (303 to the item): the base_url's Origin, with and
without Sec-Fetch-Site same-origin, and the documented policy for old clients, which send
neither Origin nor Sec-Fetch-Site: accepted, the form token still checked.

Every refusal is a Spanish HTML page (text/html, lang es) with a link back to the office's
page (href="/o/TOKEN"): another site, a bad form token, a body too large (413), not a form
(415), a stale item (409), no name (400), a GET on the form's address (405), a POST under
the feed token (403, back to that token's page); an unknown page token (404) is an HTML page
too, without a link (no office is known).

With [http] origins = http://localhost:PORT http://Plazo:80 (a second daemon), a POST with
Origin http://localhost:PORT is accepted and the mark recorded, and one with Origin
http://plazo (the listed one, default port and case aside) too; unlisted ones (another port,
https://localhost:PORT) are refused with the HTML page linking back.
"""
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

OFFICE, OTHER = "control-interno", "planeacion"
CTYPE = {"Content-Type": "application/x-www-form-urlencoded"}
t = harness.Checks()


def section(html, sid):
    m = re.search(r'<section id="%s">(.*?)</section>' % sid, html, re.S)
    return m.group(1) if m else ""


def fields(html, item):
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    due = re.search(r'name="item" value="%s">\n<input type="hidden" name="due" value="([0-9-]+)"'
                    % item, html)
    return {"csrf": csrf.group(1) if csrf else "", "item": item,
            "due": due.group(1) if due else ""}


def post(d, token, form, headers):
    body = urllib.parse.urlencode(form).encode()
    status, hdrs, text = d.request("/o/%s/entregar" % token, body, dict(CTYPE, **headers))
    return status, hdrs, text.decode("utf-8", "replace")


def refusal_page(hdrs, text, token):
    """Whether an answer is the Spanish HTML refusal page, linking back to /o/token (token
    None: with no link back)."""
    html = (hdrs.get("Content-Type", "").startswith("text/html") and
            '<html lang="es">' in text and "<h1>Plazos — " in text and "No encontrado\n" != text)
    back = 'id="volver" href="/o/%s"' % token in text if token else 'id="volver"' not in text
    return html and back


def refusals(d, token, f54, other_csrf):
    port = d.base.rsplit(":", 1)[1]
    mallory = dict(f54, nombre="Mallory", evidencia="https://evil.example/x")
    cases = [("Origin https://evil.example", mallory, {"Origin": "https://evil.example"}),
             ("Origin of another port", mallory, {"Origin": "http://127.0.0.1:1"}),
             ("Origin https:// of the same host", mallory,
              {"Origin": "https://127.0.0.1:" + port}),
             ("Origin http://localhost (not configured)", mallory,
              {"Origin": "http://localhost:" + port}),
             ("Origin null (a data: page, a sandbox)", mallory, {"Origin": "null"}),
             ("the right Origin, but Sec-Fetch-Site cross-site", mallory,
              {"Origin": d.base, "Sec-Fetch-Site": "cross-site"}),
             ("Sec-Fetch-Site cross-site, no Origin", mallory, {"Sec-Fetch-Site": "cross-site"}),
             ("Sec-Fetch-Site same-site (a sibling host)", mallory,
              {"Sec-Fetch-Site": "same-site"})]
    for name, form, headers in cases:
        st, hdrs, text = post(d, token, form, headers)
        t.check("refused, %s: 403 saying it comes from another site" % name,
                st == 403 and "otro sitio" in text and "Location" not in hdrs, (st, text))
        t.check("refused, %s: a Spanish HTML page linking back to the office's page" % name,
                refusal_page(hdrs, text, token), (hdrs, text[-1500:]))
    tokens = [("without the form token", {k: v for k, v in mallory.items() if k != "csrf"}),
              ("with a wrong form token", dict(mallory, csrf="0" * len(f54["csrf"]))),
              ("with another office's form token", dict(mallory, csrf=other_csrf)),
              ("with a form token one character short", dict(mallory, csrf=f54["csrf"][:-1]))]
    for name, form in tokens:
        for who, headers in (("right Origin", {"Origin": d.base}), ("no Origin", {})):
            st, hdrs, text = post(d, token, form, headers)
            t.check("refused, %s (%s): 403 asking to reload the page" % (name, who),
                    st == 403 and "recargue la página" in text, (st, text))
            t.check("refused, %s (%s): the HTML page linking back" % (name, who),
                    refusal_page(hdrs, text, token), (hdrs, text[-1500:]))


def other_refusals(d, token, feed_token, f54):
    """Each other kind of refusal: its status, its reason, the HTML page and the link."""
    ok = {"Origin": d.base}
    cases = [("a body too large", 413, "demasiado largo", token,
              post(d, token, dict(f54, nombre="x" * 20000), ok)),
             ("not a form body", 415, "no es un formulario", token,
              post(d, token, f54, dict(ok, **{"Content-Type": "text/plain"}))),
             ("a stale item (the due date changed)", 409, "El plan cambió", token,
              post(d, token, dict(f54, nombre="Ana", due="2023-03-02"), ok)),
             ("no name", 400, "Escriba su nombre", token, post(d, token, f54, ok)),
             ("a POST under the feed token", 403, "ya no permite marcar", feed_token,
              post(d, feed_token, dict(f54, nombre="Ana"), ok)),
             ("an unknown page token", 404, "no corresponde", None,
              post(d, "0" * 32, dict(f54, nombre="Ana"), ok))]
    st, hdrs, body = d.request("/o/%s/entregar" % token)
    cases.append(("a GET on the form's address", 405, "solo recibe los formularios", token,
                  (st, hdrs, body.decode("utf-8", "replace"))))
    st, hdrs, body = d.request("/o/" + "0" * 32)
    cases.append(("a GET of an unknown page", 404, "no corresponde", None,
                  (st, hdrs, body.decode("utf-8", "replace"))))
    for name, status, words, back, (st, hdrs, text) in cases:
        t.check("refused, %s: %d, the HTML page saying so%s" % (
                    name, status, " with the link back" if back else ", no link back"),
                st == status and words in text and refusal_page(hdrs, text, back),
                (st, hdrs, text[-1500:]))


def accepted(d, token, f54, f56):
    st, hdrs, _ = post(d, token, dict(f54, nombre="Ana"),
                       {"Origin": d.base, "Sec-Fetch-Site": "same-origin"})
    t.check("accepted, base_url's Origin and Sec-Fetch-Site same-origin: 303 to #54",
            st == 303 and hdrs.get("Location") == "/o/%s#a54-1" % token, (st, hdrs))
    st, hdrs, _ = post(d, token, dict(f56, nombre="Beto"), {})
    t.check("accepted, no Origin and no Sec-Fetch-Site (an old client) with the form token: "
            "303 to #56", st == 303 and hdrs.get("Location") == "/o/%s#a56-1" % token,
            (st, hdrs))
    html = d.wait_page(token)
    done = section(html, "entregadas")
    t.check("page: #54 and #56 delivered, by Ana and Beto",
            'id="a54-1"' in done and 'id="a56-1"' in done and "por Ana" in done and
            "por Beto" in done, done[:2000])


def scenario(plazo, config, d):
    tokens = harness.office_token(plazo, config, OFFICE)
    other = harness.office_token(plazo, config, OTHER)
    if not t.check("page tokens of %s and %s listed" % (OFFICE, OTHER), tokens and other):
        return
    token = tokens[1]
    html = d.wait_page(token)
    f54, f56 = fields(html, "a54-1"), fields(html, "a56-1")
    other_csrf = fields(d.wait_page(other[1]), "")["csrf"]
    if not t.check("forms of #54 and #56 found, with the form token", f54["due"] == "2023-03-01"
                   and f56["due"] == "2023-03-01" and len(f54["csrf"]) == 32 and
                   other_csrf not in ("", f54["csrf"]), (f54, f56, other_csrf)):
        return
    refusals(d, token, f54, other_csrf)
    other_refusals(d, token, tokens[0], f54)
    html = d.wait_page(token)
    t.check("page: nothing delivered after the refusals", 'id="entregadas"' not in html,
            section(html, "entregadas")[:2000])
    log = subprocess.run([plazo, "-c", config, "log", "--office", OFFICE], capture_output=True,
                         text=True, timeout=30)
    t.check("log: no row from a refused form", log.returncode == 0 and
            "Mallory" not in log.stdout and "marked" not in log.stdout, log.stdout + log.stderr)
    accepted(d, token, f54, f56)


def origins_scenario(plazo, config, d):
    """[http] origins lists localhost on the daemon's port and the short name plazo."""
    port = d.base.rsplit(":", 1)[1]
    tokens = harness.office_token(plazo, config, OFFICE)
    if not t.check("origins: page token listed", tokens):
        return
    token = tokens[1]
    html = d.wait_page(token)
    f54, f56 = fields(html, "a54-1"), fields(html, "a56-1")
    for origin in ("http://localhost:%d" % (int(port) + 1), "https://localhost:" + port,
                   "http://plazo:8080", "https://plazo"):
        st, hdrs, text = post(d, token, dict(f54, nombre="Mallory"), {"Origin": origin})
        t.check("origins: an unlisted Origin %s refused, the HTML page linking back" % origin,
                st == 403 and "otro sitio" in text and refusal_page(hdrs, text, token),
                (st, hdrs, text[-1500:]))
    st, hdrs, _ = post(d, token, dict(f54, nombre="Lucía"),
                       {"Origin": "http://localhost:" + port, "Sec-Fetch-Site": "same-origin"})
    t.check("origins: Origin http://localhost:%s (listed) accepted: 303 to #54" % port,
            st == 303 and hdrs.get("Location") == "/o/%s#a54-1" % token, (st, hdrs))
    st, hdrs, _ = post(d, token, dict(f56, nombre="Pedro"), {"Origin": "http://plazo"})
    t.check("origins: Origin http://plazo (listed as http://Plazo:80) accepted: 303 to #56",
            st == 303 and hdrs.get("Location") == "/o/%s#a56-1" % token, (st, hdrs))
    done = section(d.wait_page(token), "entregadas")
    t.check("origins: page: #54 by Lucía and #56 by Pedro delivered",
            'id="a54-1"' in done and 'id="a56-1"' in done and "por Lucía" in done and
            "por Pedro" in done and "Mallory" not in done, done[:2000])
    log = subprocess.run([plazo, "-c", config, "log", "--office", OFFICE], capture_output=True,
                         text=True, timeout=30)
    t.check("origins: log: the two marks recorded, nothing by Mallory",
            log.returncode == 0 and "Lucía" in log.stdout and "Pedro" in log.stdout and
            "Mallory" not in log.stdout, log.stdout + log.stderr)


def run(plazo, seed, subs, body):
    with tempfile.TemporaryDirectory() as tmp:
        port = harness.free_port()
        config = harness.make_config(tmp, seed, port, subs(port))
        d = harness.Daemon(plazo, tmp, config, port, "2023-03-01T07:00:00")
        try:
            if t.check("daemon serving", d.wait_serving(), d.log_text()[-2000:]):
                body(plazo, config, d)
        except Exception as e:  # a broken step ends the scenario, not the cleanup
            t.check("scenario ran to the end", False, "%s: %s\n%s" % (
                type(e).__name__, e, d.log_text()[-2000:]))
        finally:
            d.stop()
        t.check("daemon exited cleanly", d.proc.returncode == 0, d.proc.returncode)


def main():
    plazo = os.environ["PLAZO"]
    seed = os.path.abspath(os.path.join(os.environ["PLAZO_TESTDATA"],
                                        "estrategia-rendicion-cuentas-2023.tsv"))
    run(plazo, seed, lambda port: [], scenario)
    run(plazo, seed, lambda port: [(r"(?m)^\[http\]$", "[http]\norigins = http://localhost:%d "
                                    "http://Plazo:80" % port)], origins_scenario)
    print("%d failed" % t.failures)
    return 1 if t.failures else 0


if __name__ == "__main__":
    sys.exit(main())
