#!/usr/bin/python3
"""mail_parse.py - read plazo's golden digests back with Python's email package.

tests/test-mail.c composes tests/data/mail-digest.eml and mail-injection.eml and compares
them byte for byte; this script checks, with a parser that is not plazo's, that those bytes
are a message mail clients understand: headers decode to the right Spanish text, the
Message-ID is the documented FNV-1a pair, both parts decode, and the text and HTML parts
name the same activities and the same dates (whose weekdays are checked against Python's
calendar). Usage: mail_parse.py [DIGEST.eml INJECTION.eml]; default: the files under
$PLAZO_TESTDATA. Exit 0 when every check holds, 1 otherwise.
"""
import datetime
import email
import email.policy
import html
import os
import re
import sys

import mailtext  # the text part unwrapped (format=flowed)

FAILS = []

WEEKDAYS = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]
MONTHS = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
          "septiembre", "octubre", "noviembre", "diciembre"]
DATE_RE = re.compile(r"(lunes|martes|miércoles|jueves|viernes|sábado|domingo) (\d{1,2}) de "
                     r"([a-z]+) de (\d{4})")
KNOWN = {"date", "from", "to", "cc", "subject", "message-id", "list-id", "auto-submitted",
         "x-auto-response-suppress", "precedence", "content-language", "mime-version",
         "content-type"}


def check(name, cond, detail=""):
    print(("ok " if cond else "FAIL ") + name + ("" if cond else ": " + str(detail)))
    if not cond:
        FAILS.append(name)


def fnv1a(data, basis):
    h = basis
    for b in data.encode():
        h = ((h ^ b) * 0x100000001b3) % 2**64
    return h


def message_id(identity, domain):
    return "<plazo.%016x.%016x@%s>" % (fnv1a(identity, 0xcbf29ce484222325),
                                        fnv1a(identity, 0x84222325cbf29ce4), domain)


def load(path):
    raw = open(path, "rb").read()
    lines = raw.split(b"\r\n")
    check(path + ": CRLF only", b"\n" not in raw.replace(b"\r\n", b"")
          and b"\r" not in raw.replace(b"\r\n", b""))
    check(path + ": ends in CRLF", raw.endswith(b"\r\n"))
    head = lines[:lines.index(b"")]
    check(path + ": header lines <= 78", all(len(l) <= 78 for l in head))
    check(path + ": lines <= 998", all(len(l) <= 998 for l in lines))
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    check(path + ": no defects", not msg.defects, msg.defects)
    check(path + ": only known headers", set(k.lower() for k in msg.keys()) <= KNOWN,
          msg.keys())
    for k, v in msg.items():
        check(path + ": " + k + " is one line", "\n" not in str(v) and "\r" not in str(v))
    return msg


def parts(path, msg):
    check(path + ": multipart/alternative", msg.get_content_type() == "multipart/alternative")
    ps = list(msg.iter_parts())
    check(path + ": two parts", [p.get_content_type() for p in ps] == ["text/plain", "text/html"],
          [p.get_content_type() for p in ps])
    for p in ps:
        check(path + ": " + p.get_content_type() + " UTF-8 quoted-printable",
              p.get_content_charset() == "utf-8" and p["Content-Transfer-Encoding"] ==
              "quoted-printable")
        check(path + ": " + p.get_content_type() + " no defects", not p.defects, p.defects)
    check(path + ": text/plain format=flowed within 78 characters",
          not mailtext.flowed_problems(ps[0]), mailtext.flowed_problems(ps[0]))
    text = mailtext.flowed_part(ps[0]).replace("\r\n", "\n")
    markup = ps[1].get_content().replace("\r\n", "\n")
    shown = html.unescape(re.sub(r"<[^>]*>", "", markup))
    return text, markup, shown


def dates_ok(path, text):
    for wd, day, month, year in DATE_RE.findall(text):
        d = datetime.date(int(year), MONTHS.index(month) + 1, int(day))
        check(path + ": %s %s de %s de %s is right" % (wd, day, month, year),
              WEEKDAYS[d.weekday()] == wd)


def check_digest(path):
    msg = load(path)
    check("Subject", msg["Subject"] == "Plazos: 1 vencida, 1 vence hoy, 1 próxima — "
          "Secretaría General", msg["Subject"])
    frm = msg["From"].addresses
    check("From", len(frm) == 1 and frm[0].display_name == "Plazos — Alcaldía"
          and frm[0].addr_spec == "plazo@example.gov.co", frm)
    check("To", [a.addr_spec for a in msg["To"].addresses] ==
          ["secretaria@example.gov.co", "jefe.secretaria@example.gov.co"], msg["To"])
    check("Cc", [a.addr_spec for a in msg["Cc"].addresses] == ["despacho@example.gov.co"])
    bogota = datetime.timezone(datetime.timedelta(hours=-5))
    check("Date", msg["Date"].datetime == datetime.datetime(2023, 3, 1, 8, 0, tzinfo=bogota),
          msg["Date"])
    want_id = message_id("secretaria-general|2023-03-01T08:00|12/overdue-1,7/due,15/lead-15d",
                         "example.gov.co")
    check("Message-ID", msg["Message-ID"] == want_id, (msg["Message-ID"], want_id))
    check("List-Id", msg["List-Id"] ==
          "Secretaría General <secretaria-general.plazo.example.gov.co>", msg["List-Id"])
    check("Auto-Submitted", msg["Auto-Submitted"] == "auto-generated")
    check("X-Auto-Response-Suppress", msg["X-Auto-Response-Suppress"] == "All")
    text, markup, shown = parts(path, msg)
    numbers = re.findall(r"Actividad (\d+):", text)
    check("activities in text", numbers == ["12", "7", "15"], numbers)
    check("same activities in HTML", re.findall(r"Actividad (\d+):", shown) == numbers)
    dates = DATE_RE.findall(text)
    check("dates in text", [" ".join(d) for d in dates] == [
        "miércoles 1 marzo 2023", "lunes 27 febrero 2023", "miércoles 1 marzo 2023",
        "lunes 6 marzo 2023", "domingo 19 marzo 2023"], dates)
    check("same dates in HTML", DATE_RE.findall(shown) == dates, DATE_RE.findall(shown))
    dates_ok(path, text)
    for want in ["2 días de retraso (2 días hábiles)", "faltan 18 días (12 días hábiles)",
                 "La fecha cae en domingo; el plan la mantiene.", "Aviso enviado con retraso",
                 "Compartida con: Oficina Asesora de Planeación, Oficina Jurídica",
                 "Fuente: plan.tsv:31", "no responda",
                 "https://plazo.example.gov.co/oficinas/secretaria-general#suscribir"]:
        check("text and HTML say " + want,
              want in text and (want in shown or want in html.unescape(markup)))
    order = [text.find(h) for h in ["Vencidas", "Vencen hoy", "Próximas"]]
    check("groups in order", -1 not in order and order == sorted(order), order)
    check("HTML lang=es", '<html lang="es">' in markup)
    check("HTML escapes plan text", "&amp; anexos &lt;2022&gt;" in markup
          and "&quot;rendición&quot;" in markup and "<2022>" not in markup)


def check_injection(path):
    msg = load(path)
    check("no Bcc", msg["Bcc"] is None and msg["X-Evil"] is None)
    check("injected Subject stays text", msg["Subject"] ==
          "Plazos: 1 próxima — X Bcc: evil@example.com", msg["Subject"])
    check("one To", len(msg.get_all("To")) == 1)
    text, markup, shown = parts(path, msg)
    check("CRLF in activity is a space", "Actividad 3: Primera línea Segunda línea" in text
          and "Actividad 3: Primera línea Segunda línea" in shown)
    check("no javascript link", "javascript" not in markup)
    dates_ok(path, text)


def main():
    data = os.environ.get("PLAZO_TESTDATA", "tests/data")
    paths = sys.argv[1:] or [os.path.join(data, "mail-digest.eml"),
                             os.path.join(data, "mail-injection.eml")]
    if len(paths) != 2:
        print(__doc__)
        return 2
    check_digest(paths[0])
    check_injection(paths[1])
    print("%d failed" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
