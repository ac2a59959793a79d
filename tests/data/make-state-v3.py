#!/usr/bin/python3
"""Makes tests/data/state-v3.db, a state database written by plazo at schema 3, and
tests/data/state-v3.golden.json, what it holds, for tests/integration/upgrade.py.

    tests/data/make-state-v3.sh PATH/TO/PLAZO     (a plazo built from a schema-3 tree)

Everything goes through the binary, as an install would have used it, on the seed plan and
the shipped config (state_dir, plan and listen rewritten), all on loopback:

1. `plazo token list`                 every office's feed token (and the all-offices one)
2. `plazo send --at 2023-03-01T08:00`, then 2023-03-06T08:00: digests into the Maildir,
                                      sent rows with their Message-IDs
3. `plazo send --at 2023-03-07T08:00` with [smtp] url on a closed loopback port: the
                                      digests are deferred, pending rows with attempts and
                                      the refused connection as last_error
4. `plazo run --at 2023-03-07T08:00:05` (Maildir config, nothing due for minutes): the
   feeds are published (feed_event rows), one delivery is marked through the office page's
   form with curl (an item with a deferred reminder, which turns 'delivered'), then every
   feed is fetched with GET /feeds/T.ics: the UIDs and SEQUENCEs it served go into the
   golden file, with the tokens, marks, ledger rows, feed events and audit rows read back
   with sqlite3 once the daemon has stopped.
"""
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SEED = os.path.join(HERE, "estrategia-rendicion-cuentas-2023.tsv")
CONFIG = os.path.join(ROOT, "config", "plazo.ini")
DAEMON_AT = "2023-03-07T08:00:05"


def make_config(tmp, name, extra=""):
    text = open(CONFIG, encoding="utf-8").read()
    text = re.sub(r"(?m)^state_dir = .*$", "state_dir = " + tmp + "/state", text)
    text = re.sub(r"(?m)^file = .*$", "file = " + SEED, text)
    text = re.sub(r"(?m)^listen = .*$", "listen = 127.0.0.1:0", text)
    path = os.path.join(tmp, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text + extra)
    return path


def closed_port():
    """A loopback port nobody listens on (bound, then closed: connections are refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def plazo(binary, config, *args):
    r = subprocess.run([binary, "-c", config] + list(args), capture_output=True, text=True,
                       timeout=60)
    print("$ plazo %s -> %d\n%s%s" % (" ".join(args), r.returncode, r.stdout[-600:],
                                        r.stderr[-600:]))
    return r


def feed_tokens(text):
    """office id -> feed token, from `plazo token list`."""
    out = {}
    for m in re.finditer(r"(?m)^(\S[^\n]*)\n  feed:   \S+/feeds/([0-9a-f]{32})\.ics", text):
        out["*" if m.group(1).startswith("all offices") else m.group(1)] = m.group(2)
    return out


def sequences(body):
    """UID -> SEQUENCE of every event of a feed."""
    text = body.decode().replace("\r\n ", "")
    out = {}
    for ev in text.split("BEGIN:VEVENT")[1:]:
        uid = re.search(r"\r\nUID:(.*)\r\n", ev).group(1)
        out[uid] = int(re.search(r"\r\nSEQUENCE:(\d+)", ev).group(1))
    return out


def wait_port(log_path, proc, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        with open(log_path) as f:
            m = re.search(r"serving feeds on 127\.0\.0\.1 port (\d+)", f.read())
        if m:
            return int(m.group(1))
        time.sleep(0.1)
    raise SystemExit("the daemon did not start; see " + log_path)


def get(port, path):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=5) as r:
        return r.status, r.read()


def forms(page):
    """(action, {field: value}) of every form of an office page."""
    out = []
    for m in re.finditer(r'<form method="post" action="([^"]+)">(.*?)</form>', page, re.S):
        fields = dict(re.findall(r'name="(csrf|item|due)" value="([^"]*)"', m.group(2)))
        out.append((m.group(1), fields))
    return out


def pick_mark(db_path, token_of, pages):
    """The office and form to mark: one whose milestone has a deferred reminder."""
    db = sqlite3.connect(db_path)
    pending = db.execute("SELECT office, activity, milestone, due FROM reminder "
                         "WHERE state = 'pending' AND attempts > 0 ORDER BY id").fetchall()
    db.close()
    for office, activity, milestone, due in pending:
        for action, f in forms(pages.get(office, "")):
            if action.endswith("/entregar") and f.get("due") == due and \
                    f.get("item") == "a%s-%d" % (activity, milestone):
                return office, action, f
    raise SystemExit("no page form matches a deferred reminder: %r" % pending)


def mark(port, action, fields):
    """POSTs the mark as a browser on the page would, with curl, bounded."""
    url = "http://127.0.0.1:%d%s" % (port, action)
    args = ["curl", "-sS", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}"]
    for k in ("csrf", "item", "due"):
        args += ["--data-urlencode", "%s=%s" % (k, fields[k])]
    args += ["--data-urlencode", "nombre=María Pérez",
             "--data-urlencode", "evidencia=https://intranet.example.gov.co/actas/17.pdf",
             url]
    code = subprocess.run(args, capture_output=True, text=True, timeout=20).stdout
    if code not in ("303", "302", "200"):
        raise SystemExit("mark refused: HTTP %s" % code)


def run_daemon(binary, tmp, config, tokens):
    """Starts the daemon, marks one delivery, fetches every feed; returns (marked office,
    {office: {uid: sequence}})."""
    log_path = os.path.join(tmp, "daemon.log")
    log = open(log_path, "w")
    proc = subprocess.Popen([binary, "-v", "-c", config, "run", "--at", DAEMON_AT],
                            stdout=log, stderr=log)
    try:
        port = wait_port(log_path, proc)
        pages = {o: get(port, "/o/%s" % t)[1].decode() for o, t in tokens.items() if o != "*"}
        office, action, fields = pick_mark(os.path.join(tmp, "state", "plazo.db"), tokens,
                                           pages)
        mark(port, action, fields)
        served = {}
        for o, t in tokens.items():
            status, body = get(port, "/feeds/%s.ics" % t)
            if status != 200:
                raise SystemExit("feed of %s: HTTP %d" % (o, status))
            served[o] = sequences(body)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        log.close()
    if proc.returncode != 0:
        raise SystemExit("the daemon exited %d; see %s" % (proc.returncode, log_path))
    return office, served


def rows(db, sql):
    cur = db.execute(sql)
    names = [c[0] for c in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def read_back(db_path):
    db = sqlite3.connect(db_path)
    out = {
        "user_version": db.execute("PRAGMA user_version").fetchone()[0],
        "token": rows(db, "SELECT office, token, created FROM token ORDER BY office"),
        "reminder": rows(db, "SELECT id, office, activity, milestone, due, stage, slot, state,"
                             " late, attempts, next_attempt, last_error, message_id, done"
                             " FROM reminder ORDER BY id"),
        "delivery": rows(db, "SELECT office, activity, milestone, due, at, by_name, evidence"
                             " FROM delivery ORDER BY office, activity, milestone, due"),
        "feed_event": rows(db, "SELECT uid, hash, sequence, modified FROM feed_event"
                               " ORDER BY uid"),
        "audit": rows(db, "SELECT id, at, office, kind, detail FROM audit ORDER BY id"),
        "meta": rows(db, "SELECT key, value FROM meta ORDER BY key"),
    }
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return out


def check_variety(g):
    states = {r["state"] for r in g["reminder"]}
    need = {"sent", "pending", "delivered"}
    if not need <= states or not g["delivery"] or not g["feed_event"]:
        raise SystemExit("the fixture lacks some state: %s" % sorted(states))
    if not any(r["message_id"] for r in g["reminder"]):
        raise SystemExit("no Message-ID in the ledger")
    if not any(r["state"] == "pending" and r["attempts"] > 0 for r in g["reminder"]):
        raise SystemExit("no deferred reminder")
    if not any(s > 0 for f in g["served"].values() for s in f.values()):
        raise SystemExit("no feed event with a SEQUENCE above 0")


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: make-state-v3.py PLAZO")
    binary = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        maildir = make_config(tmp, "maildir.ini")
        smtp = make_config(tmp, "smtp.ini", "\n[smtp]\nurl = smtp://127.0.0.1:%d\ntls = off\n"
                           "timeout = 5s\n" % closed_port())
        tokens = feed_tokens(plazo(binary, maildir, "token", "list").stdout)
        if len(tokens) < 2:
            raise SystemExit("token list gave no tokens")
        if plazo(binary, maildir, "send", "--at", "2023-03-01T08:00").returncode != 0:
            raise SystemExit("first send failed")
        if plazo(binary, maildir, "send", "--at", "2023-03-06T08:00").returncode != 0:
            raise SystemExit("second send failed")
        plazo(binary, smtp, "send", "--at", "2023-03-07T08:00")
        office, served = run_daemon(binary, tmp, maildir, tokens)
        db_path = os.path.join(tmp, "state", "plazo.db")
        golden = read_back(db_path)
        golden.update({"daemon_at": DAEMON_AT, "marked_office": office, "served": served,
                       "feed_tokens": tokens, "schema": 3})
        check_variety(golden)
        if os.path.exists(db_path + "-wal") and os.path.getsize(db_path + "-wal") > 0:
            raise SystemExit("the WAL was not checkpointed")
        shutil.copyfile(db_path, os.path.join(HERE, "state-v3.db"))
    with open(os.path.join(HERE, "state-v3.golden.json"), "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote state-v3.db and state-v3.golden.json: %d reminders, %d marks, %d tokens, "
          "%d feed events" % (len(golden["reminder"]), len(golden["delivery"]),
                              len(golden["token"]), len(golden["feed_event"])))


if __name__ == "__main__":
    main()
