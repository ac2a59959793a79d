#!/usr/bin/python3
"""replan.py - a PAAC component (numbered sub-activities 1.1 .. 5.1) through a re-export, with
the real `plazo` on loopback:

- the page's forms name items by ref ("r1.1-1"); an office marks 1.1 through the form, and
  the daemon's pass leaves ledger rows keyed by ref;
- the same plan re-exported (two more title lines, the subcomponents' blocks in another
  order: every row on another line) and reloaded (SIGHUP): `plazo check` against the state
  tells no change and no orphaned mark, the page still shows 1.1 delivered under the same
  anchor, the feed keeps its UIDs, and the ledger keeps its keys (nothing made obsolete);
- the plan edited again (1.1 renumbered 1.5, 2.2 moved to another date): `plazo check` says so
  (note[ref-renumbered], note[date-moved], note[mark-orphaned], with file:line); the reload
  logs the orphaned mark, `plazo status` lists it, and the mark stays in the database.
"""
import email
import email.policy
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import mailtext  # the text part unwrapped (format=flowed)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

PLAZO = os.environ["PLAZO"]
DATA = os.environ["PLAZO_TESTDATA"]
PAAC = os.path.join(DATA, "paac-riesgos-2024.tsv")
check = harness.check


def make_config(tmp, plan):
    text = open(os.path.join(DATA, "config-entidades.ini"), encoding="utf-8").read()
    text = re.sub(r"(?m)^file = .*$", "file = " + plan, text)
    head = ("[plazo]\nstate_dir = %s/state\nbase_url = http://127.0.0.1:8080\n"
            "[mail]\nfrom = plazos@example.gov.co\n"
            # the ledger here is the plan's reminders; the welcome digest has its own test
            "[reminders]\nwelcome = no\n"
            "[http]\nlisten = 127.0.0.1:0\nmetrics_listen = 127.0.0.1:0\n" % tmp)
    path = os.path.join(tmp, "plazo.ini")
    with open(path, "w", encoding="utf-8") as f:
        f.write(head + text)
    return path


def plazo(config, *args):
    return subprocess.run([PLAZO, "-c", config] + list(args), capture_output=True, text=True,
                          timeout=60)


def reexported():
    """Two more title lines; the blocks of subcomponents 3, 1, 5, 2, 4 in that order."""
    lines = open(PAAC, encoding="utf-8").read().splitlines(True)
    order = [9, 10, 5, 6, 12, 7, 8, 11]
    return "".join(lines[0:2] + ["Versión 2, publicada el 15 de enero de 2024\n",
                                 "Sede electrónica\n"] + lines[2:5] +
                   [lines[i] for i in order])


class Daemon:
    def __init__(self, tmp, config, at):
        self.log_path = os.path.join(tmp, "daemon.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([PLAZO, "-vv", "-c", config, "run", "--at", at],
                                     stdout=self.log, stderr=self.log)
        m = self.wait_log(r"serving feeds on 127\.0\.0\.1 port (\d+)")
        self.port = int(m.group(1)) if m else None
        self.wait_log(r"ready offices=")

    def text(self):
        with open(self.log_path) as f:
            return f.read()

    def wait_log(self, pattern, timeout=20, count=1):
        deadline = time.time() + timeout
        while time.time() < deadline and self.proc.poll() is None:
            if len(re.findall(pattern, self.text())) >= count:
                return re.search(pattern, self.text())
            time.sleep(0.05)
        return None

    def get(self, path):
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d%s" % (self.port, path),
                                        timeout=5) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def reload(self, n):
        self.proc.send_signal(signal.SIGHUP)
        return self.wait_log(r"reloaded plan=", count=n) is not None

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = None
        self.log.close()
        return code


def tokens(config):
    out = plazo(config, "token", "list").stdout
    page = dict(re.findall(r"(?m)^(\S+)\n(?:  .*\n)*?  page:   \S+/o/([0-9a-f]{32})$", out))
    feed = dict(re.findall(r"(?m)^(\S+)\n  feed:   \S+/feeds/([0-9a-f]{32})\.ics", out))
    return page, feed


def mark(d, page_token, item):
    status, page = d.get("/o/%s" % page_token)
    forms = re.findall(r'action="([^"]+/entregar)">.*?name="csrf" value="([^"]*)".*?'
                       r'name="item" value="([^"]*)".*?name="due" value="([^"]*)"', page, re.S)
    form = [f for f in forms if f[2] == item]
    check("the page names items by ref (%s among %s)" % (item, [f[2] for f in forms]),
          status == 200 and len(form) == 1, status)
    if not form:
        return
    action, csrf, item, due = form[0]
    code = subprocess.run(["curl", "-sS", "--max-time", "10", "-o", "/dev/null", "-w",
                           "%{http_code}", "--data-urlencode", "csrf=" + csrf,
                           "--data-urlencode", "item=" + item, "--data-urlencode",
                           "due=" + due, "--data-urlencode", "nombre=Ana Pérez",
                           "http://127.0.0.1:%d%s" % (d.port, action)],
                          capture_output=True, text=True, timeout=20).stdout
    check("mark of %s accepted" % item, code == "303", code)


def digests(tmp):
    """Every message in the Maildir, decoded."""
    out = ""
    for root, _, files in os.walk(os.path.join(tmp, "state", "maildir")):
        for name in files:
            msg = email.message_from_binary_file(open(os.path.join(root, name), "rb"),
                                                 policy=email.policy.default)
            for part in msg.walk():
                if part.get_content_type() == "text/plain":
                    out += mailtext.flowed_part(part)
                elif part.get_content_maintype() == "text":
                    out += part.get_content()
    return out


def uids(body):
    return sorted(re.findall(r"\r\nUID:(.*)\r\n", body.replace("\r\n ", "")))


def ledger(db):
    c = sqlite3.connect(db)
    try:
        return sorted(c.execute("SELECT office, activity, milestone, due, stage, state "
                                "FROM reminder").fetchall())
    finally:
        c.close()


def marks(db):
    c = sqlite3.connect(db)
    try:
        return c.execute("SELECT office, activity, milestone, due, by_name FROM delivery"
                         ).fetchall()
    finally:
        c.close()


def notes(out, code):
    return re.findall(r"(?m)^(\S+:\d+): note\[%s\]: (.*)$" % re.escape(code), out)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        plan = os.path.join(tmp, "paac.tsv")
        shutil.copyfile(PAAC, plan)
        config = make_config(tmp, plan)
        db = os.path.join(tmp, "state", "plazo.db")
        # a fresh state, so that outside readers see the daemon's writes (see the report on
        # backup_guard); the daemon's 08:00 pass sends 1.1's 15-day reminder
        d = Daemon(tmp, config, "2024-02-14T07:59:57")
        check("daemon ready", d.port is not None, d.text())
        check("the 08:00 pass", d.wait_log(r"send pass reminders=1 ", timeout=15) is not None,
              d.text()[-2000:])
        before = ledger(db)
        check("ledger rows keyed by ref", ("planeacion", "1.1", 1, "2024-02-29", "lead-15d",
                                           "sent") in before, before)
        page_tok, feed_tok = tokens(config)
        mark(d, page_tok["planeacion"], "r1.1-1")
        check("the mark is stored under 1.1",
              [m[:4] for m in marks(db)] == [("planeacion", "1.1", 1, "2024-02-29")],
              marks(db))
        status, feed = d.get("/feeds/%s.ics" % feed_tok["planeacion"])
        uids_before = uids(feed)
        check("feed UIDs by ref", "planeacion.1.1.1@127.0.0.1" in uids_before, uids_before)
        check("the feed shows the ref",
              "\r\nSUMMARY:Plazo: #1.2 " in feed.replace("\r\n ", ""), feed[:1500])
        status, page = d.get("/o/%s" % page_tok["planeacion"])
        check("the page shows the ref", '<a href="#r1.2-1">#1.2</a>' in page, page[-3000:])
        check("the digest shows the ref", "Actividad 1.1" in digests(tmp), digests(tmp)[:3000])

        with open(plan, "w", encoding="utf-8") as f:
            f.write(reexported())
        r = plazo(config, "check")
        out = r.stdout + r.stderr
        check("check of the re-export against the state: exit 0", r.returncode == 0, out)
        for code in ("plan-added", "plan-removed", "ref-renumbered", "date-moved",
                     "mark-orphaned"):
            check("re-export: no note[%s]" % code, not notes(out, code), out)
        check("reload of the re-export", d.reload(1), d.text()[-2000:])
        status, page = d.get("/o/%s" % page_tok["planeacion"])
        check("after the re-export: 1.1 still shown delivered under r1.1-1",
              re.search(r'class="item done" id="r1\.1-1"', page) is not None, page[-3000:])
        status, feed = d.get("/feeds/%s.ics" % feed_tok["planeacion"])
        check("after the re-export: the same feed UIDs", uids(feed) == uids_before,
              (uids(feed), uids_before))
        check("after the re-export: the ledger rows unchanged", ledger(db) == before,
              (ledger(db), before))
        served = set(uids(feed))
        check("after the re-export: every ledger key names a served event",
              all("%s.%s.%d@127.0.0.1" % (r[0], r[1], r[2]) in served for r in before),
              (before, sorted(served)))
        check("after the re-export: no orphaned mark in status",
              "marks orphaned" not in plazo(config, "status").stdout)

        text = reexported().replace("\t1.1\t", "\t1.5\t").replace("30/03/2024", "05/04/2024")
        with open(plan, "w", encoding="utf-8") as f:
            f.write(text)
        r = plazo(config, "check")
        out = r.stdout + r.stderr
        check("check of the edited plan: exit 0", r.returncode == 0, out)
        ren, moved, orphan = (notes(out, c) for c in ("ref-renumbered", "date-moved",
                                                      "mark-orphaned"))
        check("note[ref-renumbered] 1.1 -> 1.5 at its line",
              len(ren) == 1 and ren[0][0] == plan + ":10" and "1.5" in ren[0][1], out)
        check("note[date-moved] for 2.2 at its line",
              len(moved) == 1 and moved[0][0] == plan + ":14" and "2024-04-05" in moved[0][1],
              out)
        check("note[mark-orphaned] for the mark on 1.1",
              len(orphan) == 1 and "planeacion" in orphan[0][1] and "1.1" in orphan[0][1],
              out)
        check("reload of the edited plan", d.reload(2), d.text()[-2000:])
        check("the reload logs the orphaned mark",
              re.search(r"mark of office planeacion on activity 1\.1.*orphaned", d.text())
              is not None and "marks orphaned=1" in d.text(), d.text()[-2000:])
        st = plazo(config, "status").stdout
        check("status lists the orphaned mark",
              "marks orphaned: 1" in st and "activity=1.1 milestone=1 due=2024-02-29" in st,
              st)
        check("the orphaned mark is kept in the database",
              [m[:4] for m in marks(db)] == [("planeacion", "1.1", 1, "2024-02-29")],
              marks(db))
        check("daemon: clean exit", d.stop() == 0, d.text()[-2000:])
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
