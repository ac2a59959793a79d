#!/usr/bin/python3
"""marks.py - marks and undos through the office page's real forms (plain HTTP, the daemon
on the seed plan), as issue 17 describes them:

- the page shows the office's whole plan: Control Interno's last date, #61 on 2024-01-30,
  is on the page of 2023-03-01 under "Más adelante", in its month's <details>, with a form;
  marking it works, the page then lists it under "Entregadas" with an undo form;
- a second mark never replaces the first: #54 marked by Ana, then by Beto, then (two days
  later, the undo window of 1 day closed) by Fabio: the page still says Ana and the first
  date, lists Beto and Fabio beside it, offers no undo, and refuses one (409);
  `plazo report` counts #54 on time (marked on its due day), not late;
- a doubtful date says so: #54 and #56 (1/03/2023, day/month or month/day);
- pages carry Content-Security-Policy: frame-ancestors 'none';
- undo asks for a name (400 without one) and the audit row records it;
- an evidence link with spaces (a SharePoint path) is percent-encoded as a browser would,
  and a link that is really wrong gets a 400 that says what is wrong.
"""
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import browser_mark as bm  # noqa: E402  (its daemon, config and token helpers)

OFFICE = "control-interno"
check = harness.check


def start(plazo, tmp, config, port, at):
    bm.START = at
    d = bm.Daemon(plazo, tmp, config, port)
    if not d.wait_serving():
        raise RuntimeError("daemon not serving: " + d.log_text()[-2000:])
    return d


def page(d, token):
    """The page; the first snapshot of a daemon may still be building: wait up to 10 s."""
    deadline = time.time() + 10
    status, _, body = d.request("/o/" + token)
    while status != 200 and time.time() < deadline:
        time.sleep(0.2)
        status, _, body = d.request("/o/" + token)
    return body.decode("utf-8") if status == 200 else "HTTP %d" % status


def article(html, item):
    m = re.search(r'<article class="item[^"]*" id="%s">(.*?)</article>' % item, html, re.S)
    return m.group(1) if m else None


def section(html, sid):
    m = re.search(r'<section id="%s">(.*?)</section>' % sid, html, re.S)
    return m.group(1) if m else ""


def post(d, token, action, fields):
    body = urllib.parse.urlencode(fields).encode()
    status, headers, text = d.request("/o/%s/%s" % (token, action), body, {
        "Content-Type": "application/x-www-form-urlencoded", "Origin": d.base})
    return status, text.decode("utf-8", "replace")


def form_fields(html, item):
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    due = re.search(r'name="item" value="%s">\n<input type="hidden" name="due" value="([0-9-]+)"'
                    % item, html)
    return {"csrf": csrf.group(1) if csrf else "", "item": item,
            "due": due.group(1) if due else ""}


def first_day(plazo, config, d, token):
    page(d, token)
    status, headers, _ = d.request("/o/" + token)
    check("page: Content-Security-Policy: frame-ancestors 'none' (no framing by other sites)",
          status == 200 and headers.get("Content-Security-Policy") == "frame-ancestors 'none'",
          (status, headers))
    html = page(d, token)
    later = section(html, "mas-adelante")
    jan = re.search(r'<details class="month" id="mes-2024-01"><summary>enero de 2024 \(1\)'
                    r'</summary>(.*?)</details>', later, re.S)
    check("page: #61 of 2024-01-30 under Más adelante, in January's collapsed <details>",
          jan is not None and 'id="a61-3"' in jan.group(1), later[:2000])
    art = article(html, "a61-3") or ""
    check("page: #61 of 2024-01-30 has its mark form", "/entregar" in art, art)
    for item in ("a54-1", "a56-1"):
        art = article(html, item) or ""
        check("page: %s says its date 1/03/2023 could be 3 January" % item,
              "La fecha del plan, 1/03/2023, también podría leerse 3 de enero de 2023" in art,
              art)
    f54, f61 = form_fields(html, "a54-1"), form_fields(html, "a61-3")
    check("forms carry the due dates", f54["due"] == "2023-03-01" and f61["due"] == "2024-01-30",
          (f54, f61))

    st, _ = post(d, token, "entregar", dict(f54, nombre="Ana", evidencia="https://x.example/a"))
    st2, _ = post(d, token, "entregar", dict(f54, nombre="Beto",
                                             evidencia="https://x.example/b"))
    check("two marks of #54: both 303", (st, st2) == (303, 303), (st, st2))
    art = article(page(d, token), "a54-1") or ""
    check("page: the first mark stands (Ana, 1 March, her evidence)",
          "Marcada como entregada el 1 de marzo de 2023 por Ana" in art and
          'href="https://x.example/a"' in art, art)
    check("page: Beto's later mark shown beside it", "por Beto" in art and
          "Marcada de nuevo" in art, art)

    st, text = post(d, token, "deshacer", f54)
    check("undo without a name: 400 asking for it", st == 400 and "nombre" in text, (st, text))
    art = article(page(d, token), "a54-1") or ""
    check("page: #54 still marked after the refused undo", "por Ana" in art, art)

    st, _ = post(d, token, "entregar", dict(f61, nombre="Dora"))
    html = page(d, token)
    art = article(html, "a61-3") or ""
    check("#61 of 2024-01-30 marked: 303, listed under Entregadas with an undo form asking "
          "for a name", st == 303 and 'id="a61-3"' in section(html, "entregadas") and
          "/deshacer" in art and 'name="nombre"' in art.split("/deshacer")[-1], (st, art))
    st, _ = post(d, token, "deshacer", dict(f61, nombre="Eva"))
    html = page(d, token)
    check("undo of #61 by Eva: 303, #61 back under Más adelante",
          st == 303 and 'id="a61-3"' in section(html, "mas-adelante") and
          'id="a61-3"' not in section(html, "entregadas"), st)
    evidence_links(d, token, form_fields(html, "a13-1"))


def evidence_links(d, token, f13):
    """Links as people paste them: spaces percent-encoded like a browser; real faults named."""
    for link, words in [("example.gov.co/Informe.pdf", "falta el comienzo"),
                        ("ftp://example.gov.co/Informe.pdf", "dirección web"),
                        ("https:///Informe.pdf", "nombre del servidor"),
                        ("https://example .gov.co/Informe.pdf", "no puede tener espacios")]:
        st, text = post(d, token, "entregar", dict(f13, nombre="Gina", evidencia=link))
        check("evidence %r: 400 saying %r" % (link, words), st == 400 and words in text,
              (st, text))
    link = "https://example.gov.co/sites/Documentos compartidos/Informe final \"v2\".pdf"
    st, text = post(d, token, "entregar", dict(f13, nombre="Gina", evidencia=link))
    art = article(page(d, token), "a13-1") or ""
    want = "https://example.gov.co/sites/Documentos%20compartidos/Informe%20final%20%22v2%22.pdf"
    check("evidence with spaces and quotes: 303, stored percent-encoded as a browser would",
          st == 303 and 'href="%s"' % want in art, (st, text, art))
    f61 = form_fields(page(d, token), "a61-1")
    link = "https://alcaldía.gov.co/Informes/Año 2023.pdf"
    st, text = post(d, token, "entregar", dict(f61, nombre="Gina", evidencia=link))
    art = article(page(d, token), "a61-1") or ""
    want = "https://alcaldía.gov.co/Informes/A%C3%B1o%202023.pdf"
    check("evidence with a Unicode server name: the name kept, the path encoded",
          st == 303 and 'href="%s"' % want in art, (st, text, art))


def third_day(plazo, config, d, token):
    html = page(d, token)
    # a stale tab: the form of the first day, with the office's form token
    f54 = dict(form_fields(html, "a54-1"), due="2023-03-01")
    art = article(html, "a54-1") or ""
    check("page of 3 March: no undo for #54 (its window of 1 day closed)",
          "/deshacer" not in art, art)
    st, _ = post(d, token, "entregar", dict(f54, nombre="Fabio"))
    art = article(page(d, token), "a54-1") or ""
    check("a third mark, after the window: 303, Ana's mark stands, Fabio listed",
          st == 303 and "el 1 de marzo de 2023 por Ana" in art and "por Fabio" in art, art)
    check("re-marking did not reopen the undo window", "/deshacer" not in art, art)
    st, text = post(d, token, "deshacer", dict(f54, nombre="Fabio"))
    check("undo after the window: 409", st == 409, (st, text))


def report_and_log(plazo, config):
    r = subprocess.run([plazo, "-c", config, "report", "--at", "2023-03-03T12:00", "--format",
                        "csv"], capture_output=True, timeout=30)
    rows = [line.split(",") for line in r.stdout.decode("utf-8-sig", "replace").splitlines()
            if line.startswith("office,%s," % OFFICE)]
    check("report: #54 (marked on its due day), #13 and #61 (early) on time, none late",
          len(rows) == 1 and rows[0][3] == "3" and rows[0][4] == "0", rows or r.stderr)
    log = subprocess.run([plazo, "-c", config, "log", "--office", OFFICE], capture_output=True,
                         text=True, timeout=30).stdout
    lines = log.splitlines()
    again = [ln for ln in lines if re.search(r"\bmarked-again\b", ln)]
    undone = [ln for ln in lines if re.search(r"\bundone\b", ln)]
    check("log: the later marks (Beto, Fabio) recorded as marked-again",
          len(again) == 2 and "Beto" in again[0] and "Fabio" in again[1], log)
    check("log: the undo names Eva", len(undone) == 1 and 'by="Eva"' in undone[0], log)


def main():
    plazo = os.environ["PLAZO"]
    seed = os.path.abspath(os.path.join(os.environ["PLAZO_TESTDATA"],
                                        "estrategia-rendicion-cuentas-2023.tsv"))
    with tempfile.TemporaryDirectory() as tmp:
        port = bm.free_port()
        config = bm.make_config(tmp, seed, port)
        text = open(config, encoding="utf-8").read()
        text, n = re.subn(r"(?m)^undo_for = .*$", "undo_for = 1d", text)
        open(config, "w", encoding="utf-8").write(text)
        check("config: undo_for = 1d", n == 1)
        d = None
        try:
            d = start(plazo, tmp, config, port, "2023-03-01T07:00:00")
            token = bm.office_token(plazo, config)
            if check("tokens listed", token is not None):
                first_day(plazo, config, d, token[1])
            d.stop()
            d = start(plazo, tmp, config, port, "2023-03-03T10:00:00")
            if token is not None:
                third_day(plazo, config, d, token[1])
            d.stop()
            d = None
            report_and_log(plazo, config)
        except Exception as e:
            check("scenario ran to the end", False, "%s: %s" % (type(e).__name__, e))
        finally:
            if d is not None:
                d.stop()
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
