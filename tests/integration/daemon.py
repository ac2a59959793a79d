#!/usr/bin/python3
"""daemon.py - `plazo run` as systemd runs it: READY=1 on a NOTIFY_SOCKET the test owns, a
feed served over HTTP, SIGHUP with a broken config (still serving the old feed, error
logged), SIGHUP with an edited plan (new ETag, SEQUENCE raised only for the edited event),
the first digest at 08:00, ~0 CPU when idle, SIGTERM -> exit 0 within 2 s with an intact
database; then a simulated month (--speed) that sends every digest once, at 08:00 on
working days only.
"""
import email
import email.policy
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

import mailtext  # the text part unwrapped (format=flowed)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

PLAZO = os.environ["PLAZO"]
CONFIG = os.environ["PLAZO_CONFIG"]
SEED = os.path.join(os.environ["PLAZO_TESTDATA"], "estrategia-rendicion-cuentas-2023.tsv")
check = harness.check


def make_config(tmp, plan, extra=""):
    text = open(CONFIG, encoding="utf-8").read()
    text = re.sub(r"(?m)^state_dir = .*$", "state_dir = " + tmp + "/state", text)
    text = re.sub(r"(?m)^file = .*$", "file = " + plan, text)
    text = re.sub(r"(?m)^listen = .*$", "listen = 127.0.0.1:0", text)
    path = os.path.join(tmp, "plazo.ini")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text + extra)
    return path


class Daemon:
    def __init__(self, tmp, config, at, speed=1):
        self.tmp = tmp
        self.sock_path = os.path.join(tmp, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.sock_path)
        self.log = open(os.path.join(tmp, "daemon.log"), "w+")
        env = dict(os.environ, NOTIFY_SOCKET=self.sock_path)
        self.proc = subprocess.Popen(
            [PLAZO, "-v", "-c", config, "run", "--at", at, "--speed", str(speed)],
            env=env, stderr=self.log, stdout=self.log)
        self.port = None

    def wait_notify(self, want, timeout=10):
        """Reads notifications until one holds the line `want`; as systemd does, every
        message is read (a full socket queue would block the daemon's sd_notify)."""
        self.sock.settimeout(timeout)
        deadline = time.time() + timeout
        seen = []
        while time.time() < deadline:
            try:
                msg = self.sock.recv(4096).decode()
            except socket.timeout:
                break
            seen.append(msg)
            if want in msg.split("\n"):
                return seen
        return None

    def drain(self):
        """Keeps reading notifications in the background, like systemd."""
        def run():
            self.sock.settimeout(None)
            while True:
                try:
                    if not self.sock.recv(4096):
                        return
                except OSError:
                    return
        threading.Thread(target=run, daemon=True).start()

    def log_text(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def find_port(self):
        m = re.search(r"serving feeds on 127\.0\.0\.1 port (\d+)", self.log_text())
        self.port = int(m.group(1)) if m else None
        return self.port

    def get(self, path, headers=None):
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path),
                                     headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def cpu_ticks(self):
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])


def office_token(config, office):
    out = subprocess.run([PLAZO, "-c", config, "token", "list"], capture_output=True, text=True,
                         timeout=30).stdout
    m = re.search(r"(?m)^%s\n  feed:   \S+/feeds/([0-9a-f]{32})\.ics" % re.escape(office), out)
    return m.group(1) if m else None


def sequences(body):
    """UID -> SEQUENCE of every event of a feed."""
    text = body.decode().replace("\r\n ", "")
    out = {}
    for ev in text.split("BEGIN:VEVENT")[1:]:
        uid = re.search(r"\r\nUID:(.*)\r\n", ev).group(1)
        out[uid] = int(re.search(r"\r\nSEQUENCE:(\d+)", ev).group(1))
    return out


def lifecycle(tmp):
    plan = os.path.join(tmp, "plan.tsv")
    with open(SEED, "rb") as f:
        seed = f.read()
    with open(plan, "wb") as f:
        f.write(seed)
    config = make_config(tmp, plan)
    d = Daemon(tmp, config, "2023-03-01T07:59:30")
    check("READY=1 on the notify socket", d.wait_notify("READY=1") is not None, d.log_text())
    check("port logged", d.find_port() is not None, d.log_text())
    token = office_token(config, "secretaria-general")
    check("token listed", token is not None)
    status, headers, body = d.get("/feeds/%s.ics" % token)
    etag = headers.get("ETag")
    check("feed served", status == 200 and body.startswith(b"BEGIN:VCALENDAR"), status)
    # the first pass (digests that came due while plazo was not running) runs right after
    # READY=1; idle is measured once it has finished
    deadline = time.time() + 20
    while time.time() < deadline and "send pass" not in d.log_text():
        time.sleep(0.1)
    time.sleep(0.5)
    before = d.cpu_ticks()
    time.sleep(10)
    idle = d.cpu_ticks() - before
    check("idle CPU over 10 s is ~0 (%d ticks)" % idle, idle <= 3, idle)
    maildir = os.path.join(tmp, "state", "maildir", "control-interno", "new")
    deadline = time.time() + 40
    while time.time() < deadline and not (os.path.isdir(maildir) and os.listdir(maildir)):
        time.sleep(0.2)
    check("the 08:00 digest went out", os.path.isdir(maildir) and len(os.listdir(maildir)) == 1)

    # a broken config: logged, the old feed still served
    good = open(config, encoding="utf-8").read()
    with open(config, "w", encoding="utf-8") as f:
        f.write(good + "\nthis is not ini\n")
    d.proc.send_signal(signal.SIGHUP)
    seen = d.wait_notify("READY=1")
    check("RELOADING=1 then READY=1", seen is not None and any("RELOADING=1" in s for s in seen))
    check("broken config logged", "reload failed" in d.log_text(), d.log_text()[-2000:])
    status, headers, _ = d.get("/feeds/%s.ics" % token)
    check("old feed still served", status == 200 and headers.get("ETag") == etag)

    # a plan that is a device, or larger than [plan] max_size: refused, the old world kept
    for name, text, said in (
            ("device", good.replace("file = " + plan, "file = /dev/zero"), "not a regular file"),
            ("too large", good.replace("[plan]\n", "[plan]\nmax_size = 1K\n"), "max_size")):
        with open(config, "w", encoding="utf-8") as f:
            f.write(text)
        d.proc.send_signal(signal.SIGHUP)
        check("reload with a %s plan answered" % name, d.wait_notify("READY=1") is not None)
        check("a %s plan is refused in the log" % name, said in d.log_text(),
              d.log_text()[-2000:])
        status, headers, _ = d.get("/feeds/%s.ics" % token)
        check("old feed still served after a %s plan" % name,
              status == 200 and headers.get("ETag") == etag)

    # an edited plan: activity 9's date moves to 2023-03-10
    with open(config, "w", encoding="utf-8") as f:
        f.write(good)
    with open(plan, "wb") as f:
        f.write(seed.replace(b"\t2/28/2023\n", b"\t3/10/2023\n", 1))
    d.proc.send_signal(signal.SIGHUP)
    check("reloaded", d.wait_notify("READY=1") is not None)
    status, headers, body2 = d.get("/feeds/%s.ics" % token)
    check("new ETag after the plan changed", status == 200 and headers.get("ETag") != etag)
    seq1, seq2 = sequences(body), sequences(body2)
    changed = {u for u in seq2 if seq2[u] != seq1.get(u)}
    check("SEQUENCE raised for the edited event only", changed == {
        u for u in seq2 if ".9.1@" in u} and len(changed) == 1, changed)
    status, _, _ = d.get("/feeds/%s.ics" % token, {"If-None-Match": headers.get("ETag")})
    check("304 for the current ETag", status == 304, status)

    start = time.time()
    d.proc.send_signal(signal.SIGTERM)
    try:
        code = d.proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        d.proc.kill()
        code = None
    check("SIGTERM: exit 0 within 2 s", code == 0 and time.time() - start < 2, code)
    db = sqlite3.connect(os.path.join(tmp, "state", "plazo.db"))
    check("database intact", db.execute("PRAGMA integrity_check").fetchone()[0] == "ok")
    db.close()
    restart(tmp, config, token, headers.get("ETag"), body2)


def restart(tmp, config, token, etag, body):
    """A second run of the daemon serves the same bytes (UIDs, SEQUENCE, DTSTAMP kept in the
    store); a rotated token stops working at the reload."""
    os.unlink(os.path.join(tmp, "notify"))
    d = Daemon(tmp, config, "2023-03-01T09:00")
    # a calendar client polling through the restart: from the moment the port listens, its
    # feed answers 503 (come back) or 200, never 404 (clients drop a subscription on one)
    statuses, deadline = [], time.time() + 20
    while time.time() < deadline and 200 not in statuses:
        if d.port is not None or d.find_port() is not None:
            statuses.append(d.get("/feeds/%s.ics" % token)[0])
        else:
            time.sleep(0.005)
    check("restart: the feed answers 503 or 200 while starting, never 404",
          statuses and statuses[-1] == 200 and set(statuses) <= {200, 503}, statuses[:20])
    check("restart: READY=1", d.wait_notify("READY=1") is not None, d.log_text())
    d.drain()
    d.find_port()
    status, headers, again = d.get("/feeds/%s.ics" % token)
    check("restart: same feed bytes and ETag", status == 200 and headers.get("ETag") == etag
          and again == body, (status, headers.get("ETag"), etag))
    out = subprocess.run([PLAZO, "-c", config, "token", "rotate", "secretaria-general"],
                         capture_output=True, text=True, timeout=30).stdout
    m = re.search(r"/feeds/([0-9a-f]{32})\.ics", out)
    check("token rotated", m is not None and m.group(1) != token, out)
    d.proc.send_signal(signal.SIGHUP)
    time.sleep(1.5)
    status, _, _ = d.get("/feeds/%s.ics" % token)
    check("old URL revoked after the reload (404)", status == 404, status)
    status, _, _ = d.get("/feeds/%s.ics" % (m.group(1) if m else "x"))
    check("new URL served", status == 200, status)
    d.proc.send_signal(signal.SIGTERM)
    check("restart: clean exit", d.proc.wait(timeout=10) == 0)


def digests(maildir):
    """(office, Date, activity numbers) of every message under maildir."""
    out = []
    for root, _, files in os.walk(maildir):
        for name in files:
            if os.path.basename(root) != "new":
                continue
            with open(os.path.join(root, name), "rb") as f:
                msg = email.message_from_bytes(f.read(), policy=email.policy.default)
            text = mailtext.plain_text(msg)
            nums = tuple(sorted(int(n) for n in re.findall(r"Actividad (\d+)", text)))
            out.append((os.path.basename(os.path.dirname(root)), msg["Date"], nums,
                        msg["Message-ID"]))
    return out


def month(tmp):
    """March 2023 at 86400x: the daemon against stepped `plazo send` runs."""
    os.makedirs(os.path.join(tmp, "a"))
    os.makedirs(os.path.join(tmp, "b"))
    cfg_a = make_config(os.path.join(tmp, "a"), SEED)
    cfg_b = make_config(os.path.join(tmp, "b"), SEED)
    for cfg in (cfg_a, cfg_b):
        subprocess.run([PLAZO, "-c", cfg, "send", "--at", "2023-03-01T08:00"], timeout=60,
                       capture_output=True)
    d = Daemon(os.path.join(tmp, "a"), cfg_a, "2023-03-01T08:30", speed=86400)
    check("month: READY=1", d.wait_notify("READY=1") is not None, d.log_text())
    d.drain()
    time.sleep(32)  # 2023-03-01 08:30 + 32 days of simulated time
    d.proc.send_signal(signal.SIGTERM)
    check("month: clean exit", d.proc.wait(timeout=10) == 0)
    for day in range(2, 32):
        subprocess.run([PLAZO, "-c", cfg_b, "send", "--at", "2023-03-%02dT08:00" % day],
                       timeout=60, capture_output=True)
    got = digests(os.path.join(tmp, "a", "state", "maildir"))
    want = digests(os.path.join(tmp, "b", "state", "maildir"))
    strip = lambda xs: sorted((o, dt, n) for o, dt, n, _ in xs)
    check("month: the daemon sent the same digests as stepped runs (%d)" % len(strip(want)),
          strip(got) == strip(want) and len(want) > 10, (strip(got), strip(want)))
    ids = [m for _, _, _, m in got]
    check("month: no digest twice", len(ids) == len(set(ids)))
    bad = [dt for _, dt, _, _ in got if not re.search(r" 08:00:00 -0500$", dt)
           or dt.startswith(("Sat", "Sun"))]
    check("month: every digest at 08:00 on a weekday", not bad, bad)
    holidays = [dt for _, dt, _, _ in got if "20 Mar 2023" in dt]
    check("month: nothing on San José (2023-03-20)", not holidays, holidays)


def main():
    if not os.path.exists("/proc/self/stat"):
        print("skip: no /proc")
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        lifecycle(tmp)
    with tempfile.TemporaryDirectory() as tmp:
        month(tmp)
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
