#!/usr/bin/python3
"""state.py - the state directory under faults, with the real `plazo` on loopback:

- plazo.db and its -wal/-shm are 0600 under umask 022;
- a truncated (0-byte), cut-short or overwritten plazo.db in a directory that was in use is
  refused by every command, naming the backup and `plazo state restore`, and nothing is
  re-created; the restore brings back the same feed URLs; a brand-new directory (an empty
  plazo.db, no past life) is still created as before;
- the daemon keeps plazo.db.backup: written at start, after a change (at most once a minute)
  and at stop; `plazo status` names it and its age;
- a send pass that fails because the database is locked (sqlite3 BEGIN EXCLUSIVE held from
  here over the 08:00 pass) is retried within seconds, not at the next wake-up;
- `plazo token rotate` and `plazo state restore` take effect in a running daemon at once,
  without SIGHUP (pid file + SIGUSR1); a stale pid file is never signalled.
"""
import os
import re
import signal
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

PLAZO = os.environ["PLAZO"]
CONFIG = os.environ["PLAZO_CONFIG"]
SEED = os.path.join(os.environ["PLAZO_TESTDATA"], "estrategia-rendicion-cuentas-2023.tsv")
check = harness.check


def make_config(tmp, extra=""):
    text = open(CONFIG, encoding="utf-8").read()
    text = re.sub(r"(?m)^state_dir = .*$", "state_dir = " + tmp + "/state", text)
    text = re.sub(r"(?m)^file = .*$", "file = " + SEED, text)
    text = re.sub(r"(?m)^listen = .*$", "listen = 127.0.0.1:0", text)
    # welcome = no: these cases count and time reminder digests; welcome.sh tests the welcome
    text = re.sub(r"(?m)^welcome = yes$", "welcome = no", text)
    path = os.path.join(tmp, "plazo.ini")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text + extra)
    return path


def plazo(config, *args):
    return subprocess.run([PLAZO, "-c", config] + list(args), capture_output=True, text=True,
                          timeout=60)


def feed_tokens(out):
    return dict(re.findall(r"(?m)^(\S+)\n  feed:   \S+/feeds/([0-9a-f]{32})\.ics", out))


def page_tokens(out):
    """The page token of each office in `plazo token list` (apart from its feed token)."""
    return dict(re.findall(r"(?m)^(\S+)\n(?:  .*\n)*?  page:   \S+/o/([0-9a-f]{32})$", out))


class Daemon:
    def __init__(self, tmp, config, at, speed=1):
        self.log_path = os.path.join(tmp, "daemon.%d.log" % time.monotonic_ns())
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([PLAZO, "-vv", "-c", config, "run", "--at", at, "--speed",
                                      str(speed)], stdout=self.log, stderr=self.log)
        self.port = self.wait_log(r"serving feeds on 127\.0\.0\.1 port (\d+)")
        self.port = int(self.port.group(1)) if self.port else None
        self.wait_log(r"ready offices=")

    def text(self):
        with open(self.log_path) as f:
            return f.read()

    def wait_log(self, pattern, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline and self.proc.poll() is None:
            m = re.search(pattern, self.text())
            if m:
                return m
            time.sleep(0.05)
        return re.search(pattern, self.text())

    def get(self, path):
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d%s" % (self.port, path),
                                        timeout=5) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = None
        self.log.close()
        return code


def wait_until(pred, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def permissions(tmp):
    config = make_config(tmp)
    old = os.umask(0o022)
    try:
        r = plazo(config, "token", "list")
        db = os.path.join(tmp, "state", "plazo.db")
        check("umask 022: plazo.db created 0600", r.returncode == 0 and mode(db) == 0o600,
              (r.stderr, oct(mode(db)) if os.path.exists(db) else None))
        d = Daemon(tmp, config, "2023-03-01T07:00")
        wal = [db + "-wal", db + "-shm"]
        modes = {p: oct(mode(p)) for p in wal if os.path.exists(p)}
        check("umask 022: -wal and -shm 0600 while the daemon runs",
              len(modes) == 2 and set(modes.values()) == {"0o600"}, modes)
        backup = db + ".backup"
        check("the daemon wrote plazo.db.backup at start, 0600",
              os.path.exists(backup) and mode(backup) == 0o600, d.text()[-1500:])
        check("daemon: clean exit", d.stop() == 0)
    finally:
        os.umask(old)


def refused(config, db, label):
    """Every command refuses the database, names the backup or says there is none, and
    leaves the file as it was."""
    before = open(db, "rb").read() if os.path.exists(db) else None
    for args in (["status"], ["token", "list"], ["send", "--at", "2023-03-02T08:00"],
                 ["feed", "--all"], ["log"], ["report"]):
        r = plazo(config, *args)
        named = "plazo state restore" in r.stderr or "no backup" in r.stderr
        check("%s: plazo %s refused, naming the way back" % (label, args[0]),
              r.returncode != 0 and named and "plazo.db" in r.stderr, (r.returncode, r.stderr))
    proc = subprocess.Popen([PLAZO, "-c", config, "run", "--at", "2023-03-02T08:00"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:  # it started on a new database
        proc.kill()
        _, err = proc.communicate()
    check("%s: plazo run refused" % label, proc.returncode not in (0, -9) and
          "plazo.db" in err, (proc.returncode, err))
    after = open(db, "rb").read() if os.path.exists(db) else None
    check("%s: nothing re-created" % label, before == after, (len(before or b""),
                                                               len(after or b"")))


def truncation(tmp):
    config = make_config(tmp)
    db = os.path.join(tmp, "state", "plazo.db")
    urls = feed_tokens(plazo(config, "token", "list").stdout)
    r = plazo(config, "send", "--at", "2023-03-01T08:00")
    check("first send", r.returncode == 0 and len(urls) > 5, r.stderr)
    r = plazo(config, "status")
    check("status names the backup and its age",
          re.search(r"(?m)^backup: %s\.backup, made \S+ \(\d+ s ago\)$" % re.escape(db),
                    r.stdout) is not None, r.stdout)
    with open(db, "r+b") as f:
        f.truncate(0)
    refused(config, db, "0-byte plazo.db")
    r = plazo(config, "state", "restore")
    check("state restore", r.returncode == 0 and os.path.exists(db + ".damaged"),
          r.stdout + r.stderr)
    again = feed_tokens(plazo(config, "token", "list").stdout)
    check("after the restore: the same feed URLs", again == urls, (again, urls))
    sent = sqlite3.connect(db).execute("SELECT count(*) FROM reminder WHERE state = 'sent'")
    check("after the restore: the ledger is back", sent.fetchone()[0] > 0)
    size = os.path.getsize(db)
    with open(db, "r+b") as f:
        f.truncate(size // 2)
    refused(config, db, "cut-short plazo.db")
    with open(db, "wb") as f:
        f.write(b"not a database at all\n" * 200)
    refused(config, db, "overwritten plazo.db")
    os.unlink(db + ".backup")
    with open(db, "wb"):
        pass
    r = plazo(config, "status")
    check("no backup, tokens handed out: refused, saying there is no backup",
          r.returncode != 0 and "no backup" in r.stderr, r.stderr)
    r = plazo(config, "state", "restore")
    check("state restore with no backup: fails", r.returncode != 0, r.stdout + r.stderr)


def brand_new(tmp):
    config = make_config(tmp)
    os.makedirs(os.path.join(tmp, "state"))
    db = os.path.join(tmp, "state", "plazo.db")
    open(db, "wb").close()  # a first start killed before its first commit
    r = plazo(config, "token", "list")
    check("brand-new directory with an empty plazo.db: created as before",
          r.returncode == 0 and len(feed_tokens(r.stdout)) > 5, r.stderr)


def pending_backup(tmp):
    """A change in a running daemon reaches the backup within a minute, before the stop."""
    config = make_config(tmp)
    db = os.path.join(tmp, "state", "plazo.db")
    d = Daemon(tmp, config, "2023-03-01T07:00")
    r = plazo(config, "token", "list")
    office = "secretaria-general"
    token = page_tokens(r.stdout)[office]
    status, page = d.get("/o/%s" % token)
    m = re.search(r'action="([^"]+/entregar)">.*?name="csrf" value="([^"]*)".*?'
                  r'name="item" value="([^"]*)".*?name="due" value="([^"]*)"', page.decode(),
                  re.S)
    check("page with a form", status == 200 and m is not None, status)
    if m is None:
        d.stop()
        return
    time.sleep(1)
    os.unlink(db + ".backup")  # so that only the daemon's timer can bring it back
    code = subprocess.run(["curl", "-sS", "--max-time", "10", "-o", "/dev/null", "-w",
                           "%{http_code}", "--data-urlencode", "csrf=" + m.group(2),
                           "--data-urlencode", "item=" + m.group(3), "--data-urlencode",
                           "due=" + m.group(4), "--data-urlencode", "nombre=Ana",
                           "http://127.0.0.1:%d%s" % (d.port, m.group(1))],
                          capture_output=True, text=True, timeout=20).stdout
    check("mark accepted", code == "303", code)

    def backed_up():
        try:
            b = sqlite3.connect("file:%s.backup?mode=ro" % db, uri=True)
            n = b.execute("SELECT count(*) FROM delivery").fetchone()[0]
            b.close()
            return n == 1
        except sqlite3.Error:
            return False
    start = time.time()
    check("the mark is in plazo.db.backup within 65 s, the daemon still running",
          wait_until(backed_up, 65) and d.proc.poll() is None, d.text()[-1500:])
    print("  (backup after %.1f s)" % (time.time() - start))
    check("daemon: clean exit", d.stop() == 0)


def locked_pass(tmp):
    config = make_config(tmp)
    db = os.path.join(tmp, "state", "plazo.db")
    d = Daemon(tmp, config, "2023-03-01T07:59:50")
    check("locked: daemon ready", d.port is not None, d.text())
    time.sleep(1)  # the start-up pass is over
    lock = sqlite3.connect(db, timeout=0, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    held = time.time()
    failed = d.wait_log(r"send pass failed|plazo error: send: ", timeout=25)
    check("the 08:00 pass failed on the lock", failed is not None, d.text()[-1500:])
    time.sleep(max(0, 10 - (time.time() - held)))
    lock.execute("ROLLBACK")
    lock.close()
    released = time.time()
    maildir = os.path.join(tmp, "state", "maildir", "control-interno", "new")
    got = wait_until(lambda: os.path.isdir(maildir) and os.listdir(maildir), 10)
    check("the digest went out within 10 s of the release", got, d.text()[-2000:])
    print("  (digest %.1f s after the release)" % (time.time() - released))
    check("each retry is logged", "retrying the send pass" in d.text(), d.text()[-1500:])
    check("locked: clean exit", d.stop() == 0)


def poke(tmp):
    config = make_config(tmp)
    state = os.path.join(tmp, "state")
    db = os.path.join(state, "plazo.db")
    d = Daemon(tmp, config, "2023-03-01T09:00")
    pid_path = os.path.join(state, "plazo.pid")
    check("pid file holds the daemon's pid", os.path.exists(pid_path) and
          open(pid_path).read().strip() == str(d.proc.pid))
    office = "secretaria-general"
    old = feed_tokens(plazo(config, "token", "list").stdout)[office]
    check("feed served", d.get("/feeds/%s.ics" % old)[0] == 200)
    saved = os.path.join(tmp, "saved.db")
    src, dst = sqlite3.connect(db), sqlite3.connect(saved)
    src.backup(dst)  # what the URLs were: restored below
    src.close()
    dst.close()
    r = plazo(config, "token", "rotate", office)
    new = re.search(r"/feeds/([0-9a-f]{32})\.ics", r.stdout)
    new = new.group(1) if new else "x"
    start = time.time()
    moved = wait_until(lambda: d.get("/feeds/%s.ics" % old)[0] == 404 and
                       d.get("/feeds/%s.ics" % new)[0] == 200, 2)
    check("token rotate: old URL 404, new 200 within 2 s, no SIGHUP", moved,
          (r.stderr, d.text()[-1500:]))
    print("  (rotate took effect after %.2f s)" % (time.time() - start))
    r = plazo(config, "state", "restore", saved)
    back = wait_until(lambda: d.get("/feeds/%s.ics" % old)[0] == 200 and
                      d.get("/feeds/%s.ics" % new)[0] == 404, 2)
    check("state restore with the daemon running: the old URL is back within 2 s",
          r.returncode == 0 and back, (r.stdout, r.stderr, d.text()[-1500:]))
    check("poke: clean exit", d.stop() == 0)
    check("pid file removed at exit", not os.path.exists(pid_path))
    stale_pid_file(config, pid_path, office)


def stale_pid_file(config, pid_path, office):
    """A pid file no daemon holds names this test's own pid: it must not be signalled."""
    got = []
    signal.signal(signal.SIGUSR1, lambda *a: got.append(1))
    with open(pid_path, "w") as f:
        f.write("%d\n" % os.getpid())
    r = plazo(config, "token", "rotate", office)
    time.sleep(0.3)
    check("stale pid file: rotate works, nobody signalled", r.returncode == 0 and not got,
          (r.stderr, got))
    signal.signal(signal.SIGUSR1, signal.SIG_DFL)


def main():
    for part in (permissions, truncation, brand_new, locked_pass, poke, pending_backup):
        print("# " + part.__name__)
        with tempfile.TemporaryDirectory() as tmp:
            try:
                part(tmp)
            except Exception as e:  # a part that breaks is one failure; the others run
                check(part.__name__ + " ran to its end", False, repr(e))
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
