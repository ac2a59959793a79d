#!/usr/bin/python3
"""watchdog.py - the systemd watchdog is pinged on its own timer and never runs a send pass;
an idle daemon writes nothing to its database; the daemon's passes take their due set from
the reminder queue.

`plazo run` under WATCHDOG_USEC=1 s (WATCHDOG_PID set to its own pid by an `sh -c ... exec`
wrapper, as systemd does) with NOTIFY_SOCKET on a datagram socket this test reads:
  1. idle at 07:59:40 (nothing due before 08:00) for several watchdog periods: WATCHDOG=1
     pings arrive about every half second, /metrics plazo_passes_total stays put, the cursor
     in the store does not move, plazo.db and plazo.db-wal are not written;
     the backup at start, written after the first pass, already holds its cursor;
  2. the 08:00 slot: one pass, its due set from the queue (the first pass, a catch-up, scans);
  3. a second run idle across local midnight: every page goes stale (none rendered), no pass, no write.
"""
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

PLAZO = os.environ["PLAZO"]
CONFIG = os.environ["PLAZO_CONFIG"]
SEED = os.path.join(os.environ["PLAZO_TESTDATA"], "estrategia-rendicion-cuentas-2023.tsv")
WATCHDOG_USEC = 1000000
IDLE_SECONDS = 5.0
check = harness.check


def make_config(tmp):
    text = open(CONFIG, encoding="utf-8").read()
    text = re.sub(r"(?m)^state_dir = .*$", "state_dir = " + tmp + "/state", text)
    text = re.sub(r"(?m)^file = .*$", "file = " + SEED, text)
    # the passes are counted here; the first pass's welcome digests have their own test
    text = re.sub(r"(?m)^welcome = yes$", "welcome = no", text)
    text = re.sub(r"(?m)^listen = .*$", "listen = 127.0.0.1:0\nmetrics_listen = 127.0.0.1:0",
                  text)
    path = os.path.join(tmp, "plazo.ini")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


class Daemon:
    """plazo run as systemd runs it with WatchdogSec: WATCHDOG_USEC, WATCHDOG_PID = its pid."""

    def __init__(self, tmp, config, at, name):
        self.sock_path = os.path.join(tmp, "notify-" + name)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.sock_path)
        self.messages = []  # (monotonic time, message)
        self.lock = threading.Lock()
        self.log = open(os.path.join(tmp, "daemon-%s.log" % name), "w+")
        env = dict(os.environ, NOTIFY_SOCKET=self.sock_path, WATCHDOG_USEC=str(WATCHDOG_USEC))
        env.pop("WATCHDOG_PID", None)
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            ["sh", "-c", 'WATCHDOG_PID=$$ exec "$0" "$@"', PLAZO, "-vv", "-c", config, "run",
             "--at", at, "--speed", "1"], env=env, stdout=self.log, stderr=self.log)
        threading.Thread(target=self.read_notify, daemon=True).start()
        self.metrics_port = None

    def read_notify(self):
        while True:
            try:
                msg = self.sock.recv(4096).decode()
            except OSError:
                return
            with self.lock:
                self.messages.append((time.monotonic(), msg))

    def count(self, line):
        with self.lock:
            return sum(line in m.split("\n") for _, m in self.messages)

    def wait_for(self, cond, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if cond():
                return True
            time.sleep(0.05)
        return cond()

    def log_text(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def passes(self):
        if self.metrics_port is None:
            m = re.search(r"serving metrics on 127\.0\.0\.1 port (\d+)", self.log_text())
            self.metrics_port = int(m.group(1)) if m else None
        if self.metrics_port is None:
            return None
        url = "http://127.0.0.1:%d/metrics" % self.metrics_port
        with urllib.request.urlopen(url, timeout=5) as r:
            m = re.search(r"(?m)^plazo_passes_total (\d+)$", r.read().decode())
        return int(m.group(1)) if m else None

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return None


def files_state(state):
    """(mtime_ns, size) of the database and its WAL: any write changes one of them."""
    out = {}
    for name in ("plazo.db", "plazo.db-wal"):
        path = os.path.join(state, name)
        st = os.stat(path) if os.path.exists(path) else None
        out[name] = (st.st_mtime_ns, st.st_size) if st else None
    return out


def cursor(state, name="plazo.db"):
    path = os.path.join(state, name)
    if not os.path.exists(path):
        return None
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        row = db.execute("SELECT value FROM meta WHERE key = 'cursor'").fetchone()
    finally:
        db.close()
    return row[0] if row else None


def idle(d, state, label, seconds=IDLE_SECONDS):
    """Watches an idle daemon for `seconds`: what it pinged, counted and wrote."""
    p0, c0, f0, w0 = d.passes(), cursor(state), files_state(state), d.count("WATCHDOG=1")
    time.sleep(seconds)
    p1, c1, f1, w1 = d.passes(), cursor(state), files_state(state), d.count("WATCHDOG=1")
    periods = seconds / (WATCHDOG_USEC / 1e6)
    check("%s: WATCHDOG=1 pinged about twice a period (%d in %.0f periods)" % (
        label, w1 - w0, periods), w1 - w0 >= periods, (w0, w1))
    check("%s: no pass (plazo_passes_total %s -> %s)" % (label, p0, p1),
          p0 is not None and p0 == p1, (p0, p1))
    check("%s: the cursor did not move" % label, c0 is not None and c0 == c1, (c0, c1))
    check("%s: plazo.db and its WAL not written" % label, f0 == f1, (f0, f1))


def first_run(tmp, config):
    state = os.path.join(tmp, "state")
    d = Daemon(tmp, config, "2023-03-01T07:59:40", "morning")
    check("READY=1", d.wait_for(lambda: d.count("READY=1") > 0, 20), d.log_text())
    check("watchdog set up from WATCHDOG_USEC/WATCHDOG_PID",
          "watchdog pinged every 0.500 s" in d.log_text(), d.log_text()[-2000:])
    check("the first pass ran (plazo_passes_total 1)",
          d.wait_for(lambda: d.passes() == 1, 20), d.passes())
    check("the first pass (a catch-up) scanned the plan", "due_set=scan" in d.log_text())
    # the backup at start is taken after the first pass, with the cursor it wrote: no backup
    # is left over for the idle daemon to write a minute later
    check("the backup at start holds the first pass's cursor",
          d.wait_for(lambda: cursor(state, "plazo.db.backup") == cursor(state) is not None, 5),
          (cursor(state, "plazo.db.backup"), cursor(state)))
    time.sleep(0.3)
    idle(d, state, "idle before 08:00")
    # 20 s after --at 07:59:40 the 08:00 slot comes; the idle checks must have ended before
    check("idle measured before 08:00 (machine fast enough)",
          time.monotonic() - d.started < 19, time.monotonic() - d.started)
    maildir = os.path.join(state, "maildir", "control-interno", "new")
    sent = d.wait_for(lambda: os.path.isdir(maildir) and os.listdir(maildir), 40)
    check("the 08:00 digest went out", sent, d.log_text()[-2000:])
    check("one pass for it (plazo_passes_total 2)", d.passes() == 2, d.passes())
    check("the 08:00 pass took its due set from the queue",
          re.search(r"send pass at=\d+ due_set=queue reminders=[1-9]", d.log_text()),
          d.log_text()[-3000:])
    check("clean exit", d.stop() == 0)


def midnight_run(tmp, config):
    state = os.path.join(tmp, "state")
    d = Daemon(tmp, config, "2023-03-01T23:59:52", "midnight")
    check("midnight: READY=1", d.wait_for(lambda: d.count("READY=1") > 0, 20), d.log_text())
    check("midnight: the first pass ran", d.wait_for(lambda: d.passes() == 1, 20), d.passes())
    time.sleep(0.3)
    published = d.log_text().count("a new day: every page stale")
    idle(d, state, "idle across midnight", 12.0)
    check("midnight: every page went stale at midnight",
          d.log_text().count("a new day: every page stale") > published, d.log_text()[-2000:])
    check("midnight: clean exit", d.stop() == 0)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        config = make_config(tmp)
        first_run(tmp, config)
        midnight_run(tmp, config)
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
