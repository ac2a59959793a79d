#!/usr/bin/python3
"""http_flood.py - one client must not take the server offline (issue 12, item 4).

http-serve (http.c with its connection guard: 256 connections, 16 per client address, a
reserve of 16, headers within 2 s) is attacked from 127.0.0.2 (and 127.0.0.10-49) while a
probe from 127.0.0.1 fetches a feed every 0.2 s and must get 200 within a second every time:
- slowloris: 300 connections sending a header byte a second, for 8 s;
- 10,000 idle connections (as many as the open-file limit allows, skip below 2,000);
- 40 addresses x 16 idle connections (640, more than the 256 slots): the oldest waiting
  connections are dropped so that new ones (the probes) still get in.
Every loop is bounded in time and count. Exit 77 when 127.0.0.2 cannot be used.
"""
import os
import resource
import selectors
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

SERVE = os.environ["PLAZO_HTTP_SERVE"]
TOKEN = "0123456789abcdef0123456789abcdef"
check = harness.check


def start(tmp):
    site = os.path.join(tmp, "site")
    os.mkdir(site)
    with open(os.path.join(site, TOKEN + ".ics"), "w") as f:
        f.write("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
    env = dict(os.environ, PLAZO_HTTP_CONNECTION_LIMIT="256", PLAZO_HTTP_PER_CLIENT="16",
               PLAZO_HTTP_RESERVE="16", PLAZO_HTTP_HEADER_TIMEOUT="2", PLAZO_HTTP_TIMEOUT="15")
    port_file = os.path.join(tmp, "port")
    log = open(os.path.join(tmp, "serve.log"), "w")
    proc = subprocess.Popen([SERVE, port_file, site], env=env, stderr=log)
    for _ in range(100):
        if os.path.exists(port_file) and os.path.getsize(port_file) > 0:
            return proc, int(open(port_file).read())
        time.sleep(0.1)
    return proc, None


class Probe(threading.Thread):
    """Fetches the feed from 127.0.0.1 every 0.2 s until stopped; keeps (status, seconds)."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port, self.results, self.stop = port, [], threading.Event()

    def once(self):
        t = time.monotonic()
        try:
            s = socket.create_connection(("127.0.0.1", self.port), timeout=3,
                                         source_address=("127.0.0.1", 0))
            s.sendall(b"GET /feeds/%s.ics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
                      % TOKEN.encode())
            data = s.recv(64)
            s.close()
            ok = data.startswith(b"HTTP/1.1 200")
        except OSError:
            ok = False
        return ok, time.monotonic() - t

    def run(self):
        while not self.stop.is_set():
            self.results.append(self.once())
            self.stop.wait(0.2)

    def finish(self):
        self.stop.set()
        self.join(5)
        bad = [r for r in self.results if not r[0] or r[1] >= 1.0]
        return len(self.results), bad


def open_idle(port, sources, count):
    """count non-blocking connections from the given source addresses, sending nothing."""
    socks = []
    for i in range(count):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.bind((sources[i % len(sources)], 0))
            s.connect_ex(("127.0.0.1", port))
        except OSError:
            s.close()
            continue
        socks.append(s)
    return socks


def slowloris(port, n, seconds):
    probe = Probe(port)
    probe.start()
    socks = open_idle(port, ["127.0.0.2"], n)
    sel = selectors.DefaultSelector()
    time.sleep(0.3)
    for s in socks:
        try:
            s.send(b"GET /feeds/%s.ics HTTP/1.1\r\nHost: t\r\n" % TOKEN.encode())
        except OSError:
            pass
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for s in socks:
            try:
                s.send(b"X")
            except OSError:
                pass
        time.sleep(1)
    alive = 0
    for s in socks:  # what the server still holds open: a peek that would block
        try:
            alive += s.recv(1, socket.MSG_PEEK) == b"" and 0
        except BlockingIOError:
            alive += 1
        except OSError:
            pass
        s.close()
    sel.close()
    total, bad = probe.finish()
    return total, bad, alive


def idle(port, sources, n, seconds):
    probe = Probe(port)
    probe.start()
    socks = open_idle(port, sources, n)
    time.sleep(seconds)
    total, bad = probe.finish()
    for s in socks:
        s.close()
    return total, bad, len(socks)


def main():
    try:
        s = socket.socket()
        s.bind(("127.0.0.2", 0))
        s.close()
    except OSError as e:
        print("skip: cannot use 127.0.0.2 as a source address: %s" % e)
        return 77
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 10300
    if soft < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
        except (ValueError, OSError):
            pass
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft < 2000:
        print("skip: ulimit -n is %d; the flood needs at least 2000 descriptors" % soft)
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        proc, port = start(tmp)
        check("http-serve started", port is not None)
        if port is None:
            return 1
        try:
            total, bad, alive = slowloris(port, 300, 8)
            check("slowloris from 127.0.0.2: %d probes from 127.0.0.1, all 200 within 1 s"
                  % total, total >= 20 and not bad, bad[:5])
            check("slowloris connections all closed (their headers took more than 2 s)",
                  alive == 0, alive)
            n = min(10000, soft - 300)
            total, bad, opened = idle(port, ["127.0.0.2"], n, 5)
            check("%d idle connections from 127.0.0.2: %d probes, all 200 within 1 s"
                  % (opened, total), total >= 10 and not bad, bad[:5])
            time.sleep(2.5)  # the previous flood's last connections time out
            sources = ["127.0.0.%d" % i for i in range(10, 50)]
            total, bad, opened = idle(port, sources, 40 * 16, 5)
            check("%d idle connections from 40 addresses (over the 256 slots): %d probes, "
                  "all 200 within 1 s" % (opened, total), total >= 10 and not bad, bad[:5])
            check("server alive", proc.poll() is None, proc.poll())
        finally:
            proc.terminate()
            proc.wait(10)
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
