#!/usr/bin/python3
"""plan_switch.py - the seed plan moved from its TSV export to the workbook itself, with the
real `plazo run` on loopback:

- on the seed TSV, the 08:00 pass sends its digests (Maildir), an office marks a deliverable
  through its page's form, and every office's feed is fetched (its UIDs noted);
- `[plan] file` switched to the seed workbook (saved by LibreOffice) and SIGHUP: every
  ledger row, the mark and every UID are kept, and no digest goes out twice;
- the workbook renamed (and the config with it), SIGHUP: the same;
- a second `file =` line (the PAAC workbook, one sheet per component, the same refs in both)
  and SIGHUP: the plan now has both, the new activities under their component's label
  (comp1:1.1, comp3:1.1), and the seed's ledger, mark and UIDs are still the same.
"""
import os
import re
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import replan  # noqa: E402  (its Daemon, tokens, mark, uids, ledger, marks)

DATA = os.environ["PLAZO_TESTDATA"]
SEED = os.path.join(DATA, "estrategia-rendicion-cuentas-2023.tsv")
BOOK = os.path.join(DATA, "workbooks", "seed-libreoffice.xlsx")
PAAC = os.path.join(DATA, "workbooks", "paac-componentes.xlsx")
CONFIG = os.environ["PLAZO_CONFIG"]
check = harness.check


def make_config(tmp, *plans):
    text = open(CONFIG, encoding="utf-8").read()
    text = re.sub(r"(?m)^state_dir = .*$", "state_dir = " + tmp + "/state", text)
    text = re.sub(r"(?m)^file = .*$", "\n".join("file = " + p for p in plans), text)
    text = re.sub(r"(?m)^listen = .*$", "listen = 127.0.0.1:0", text)
    # the test waits for control-interno's 08:00 digest; welcomes have their own test
    text = re.sub(r"(?m)^welcome = yes$", "welcome = no", text)
    path = os.path.join(tmp, "plazo.ini")
    with open(path + ".new", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(path + ".new", path)
    return path


def mails(tmp):
    out = []
    for root, _, files in os.walk(os.path.join(tmp, "state", "maildir")):
        out += [os.path.join(root, f) for f in files]
    return sorted(out)


def feeds(d, feed_tok):
    """office -> sorted UIDs of its feed."""
    out = {}
    for office, tok in sorted(feed_tok.items()):
        status, body = d.get("/feeds/%s.ics" % tok)
        out[office] = replan.uids(body) if status == 200 else None
    return out


def first_item(d, page_tok):
    status, page = d.get("/o/%s" % page_tok)
    m = re.search(r'name="item" value="([^"]*)"', page)
    return m.group(1) if m else None


def kept(name, tmp, d, db, state):
    """After a reload: the ledger, the mark, every UID and the Maildir as before."""
    ledger0, marks0, uids0, mails0, page_tok, feed_tok, item = state
    # a pass over the reloaded plan (SIGUSR1, as `plazo retry` wakes the daemon)
    # (logged as a re-read; a pass that enqueues nothing logs nothing more)
    n, sends = d.text().count("re-reading it"), d.text().count("send pass reminders=")
    d.proc.send_signal(signal.SIGUSR1)
    check(name + ": a pass over the new plan",
          d.wait_log(r"re-reading it", timeout=10, count=n + 1) is not None, d.text()[-1500:])
    time.sleep(1)
    check(name + ": the pass enqueues nothing",
          d.text().count("send pass reminders=") == sends, d.text()[-1500:])
    check(name + ": every ledger row kept", replan.ledger(db) == ledger0,
          (replan.ledger(db), ledger0))
    check(name + ": the mark kept", replan.marks(db) == marks0, (replan.marks(db), marks0))
    now = feeds(d, feed_tok)
    seed_now = {o: [u for u in v if u in set(uids0[o])] if v else v for o, v in now.items()}
    check(name + ": every UID kept", seed_now == uids0,
          [(o, sorted(set(uids0[o]) - set(now[o] or []))) for o in uids0
           if seed_now[o] != uids0[o]])
    check(name + ": no digest sent twice", mails(tmp) == mails0, (mails(tmp), mails0))
    status, page = d.get("/o/%s" % page_tok)
    check(name + ": the page shows the mark",
          re.search(r'class="item done" id="%s"' % re.escape(item), page) is not None,
          page[-2000:])
    return now


COMPONENT = ("Componente %d: %s\n\n#\tActividad\tResponsable\tFecha programada\n"
             "1.1\t%s\tSecretaría General\t15/03/2023\n")


def added_table(tmp, d, db, seed, page_tok, feed_tok):
    """A plan of one component whose 1.1 is marked, then a second component with a 1.1 too:
    the first's 1.1 keeps the key its state has (its UID, its mark), the new one is
    comp6:1.1."""
    a, b = os.path.join(tmp, "componente-5.tsv"), os.path.join(tmp, "componente-6.tsv")
    with open(a, "w", encoding="utf-8") as f:
        f.write(COMPONENT % (5, "Transparencia", "Revisar el mapa de riesgos"))
    with open(b, "w", encoding="utf-8") as f:
        f.write(COMPONENT % (6, "Iniciativas adicionales", "Publicar el informe"))
    make_config(tmp, seed, a)
    check("reload with one component", d.reload(4), d.text()[-2000:])
    replan.mark(d, page_tok, "r1.1-1")
    marks0 = replan.marks(db)
    uid = "secretaria-general.1.1.1@127.0.0.1"
    status, feed = d.get("/feeds/%s.ics" % feed_tok)
    check("the component's 1.1 in the feed", uid in replan.uids(feed), replan.uids(feed))
    make_config(tmp, seed, a, b)
    check("reload with a second component", d.reload(5), d.text()[-2000:])
    status, feed = d.get("/feeds/%s.ics" % feed_tok)
    got = replan.uids(feed)
    check("the first component's 1.1 keeps its UID", uid in got,
          [l for l in d.text().splitlines() if "note[" in l or "reload" in l][-12:])
    check("the second's 1.1 by its label",
          "secretaria-general.comp6:1.1.1@127.0.0.1" in got, got)
    check("the mark on the first's 1.1 kept", replan.marks(db) == marks0,
          (replan.marks(db), marks0))
    status, page = d.get("/o/%s" % page_tok)
    check("the page shows the first's 1.1 delivered",
          re.search(r'class="item done" id="r1\.1-1"', page) is not None, page[-2000:])
    check("the second's 1.1 is open", 'id="rcomp6:1.1-1"' in page and
          not re.search(r'class="item done" id="rcomp6:1\.1-1"', page), page[-2000:])


def main():
    with tempfile.TemporaryDirectory() as tmp:
        tsv = os.path.join(tmp, "estrategia-2023.tsv")
        shutil.copyfile(SEED, tsv)
        config = make_config(tmp, tsv)
        db = os.path.join(tmp, "state", "plazo.db")
        d = replan.Daemon(tmp, config, "2023-03-01T07:59:57")
        check("daemon ready on the TSV", d.port is not None, d.text())
        # the catch-up pass at start, then the 08:00 pass (control-interno's digest)
        ci = os.path.join(tmp, "state", "maildir", "control-interno", "new")
        deadline = time.time() + 20
        while time.time() < deadline and not (os.path.isdir(ci) and os.listdir(ci)):
            time.sleep(0.1)
        check("the 08:00 pass", os.path.isdir(ci) and os.listdir(ci), d.text()[-2000:])
        time.sleep(0.5)
        sent = mails(tmp)
        check("digests in the Maildir", len(sent) > 0, sent)
        page_tok, feed_tok = replan.tokens(config)
        office = "secretaria-general"
        item = first_item(d, page_tok[office])
        check("the page has a form item", item is not None)
        replan.mark(d, page_tok[office], item)
        ledger0, marks0 = replan.ledger(db), replan.marks(db)
        check("ledger rows sent", any(r[5] == "sent" for r in ledger0), ledger0)
        check("the mark stored", len(marks0) == 1 and marks0[0][0] == office, marks0)
        uids0 = feeds(d, feed_tok)
        check("feeds served with UIDs", all(uids0.values()) and
              "%s.1.1@127.0.0.1" % office in uids0[office], uids0.get(office))
        state = (ledger0, marks0, uids0, sent, page_tok[office], feed_tok, item)

        book = os.path.join(tmp, "estrategia-2023.xlsx")
        shutil.copyfile(BOOK, book)
        make_config(tmp, book)
        check("reload onto the workbook", d.reload(1), d.text()[-2000:])
        check("the workbook is the plan", re.search(r"reloaded plan=%s activities=65 " %
                                                    re.escape(book), d.text()), d.text()[-800:])
        kept("workbook", tmp, d, db, state)

        renamed = os.path.join(tmp, "Plan 2023 (versión final).xlsx")
        os.rename(book, renamed)
        make_config(tmp, renamed)
        check("reload of the renamed workbook", d.reload(2), d.text()[-2000:])
        kept("renamed", tmp, d, db, state)

        paac = os.path.join(tmp, "paac.xlsx")
        shutil.copyfile(PAAC, paac)
        make_config(tmp, renamed, paac)
        check("reload with a second file", d.reload(3), d.text()[-2000:])
        check("both files are the plan", re.search(r"reloaded plan=%s activities=70 " %
                                                   re.escape(renamed), d.text()),
              d.text()[-800:])
        now = kept("two files", tmp, d, db, state)
        new = sorted(set(now[office]) - set(uids0[office]))
        check("the second file's activities by component label",
              "secretaria-general.comp3:1.1.1@127.0.0.1" in new and
              "secretaria-general.2.1.1@127.0.0.1" in new, new)
        added_table(tmp, d, db, renamed, page_tok[office], feed_tok[office])
        check("daemon: clean exit", d.stop() == 0, d.text()[-2000:])
    return harness.summary()  # replan's checks count there too


if __name__ == "__main__":
    sys.exit(main())
