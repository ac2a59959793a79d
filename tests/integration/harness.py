"""harness.py - what the Python integration tests share: checks that count failures, a free
loopback port, the shipped config pointed at a temporary state and port, `plazo run` at a
fixed instant with plain HTTP requests to it, and an office's tokens from `plazo token list`.

Used by the daemon-driving tests (csrf.py, browser_mark.py, page_phone.py, marks.py,
daemon.py, state.py, replan.py, plan_switch.py, plan_rows.py, watchdog.py, http_flood.py).
"""
import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request


def shorten(detail, keep=3000):
    """detail as text, its middle cut when longer than twice keep (a log's head and tail)."""
    text = str(detail)
    return text if len(text) <= 2 * keep else text[:keep] + " [...] " + text[-keep:]


class Checks:
    """check(name, cond, detail) prints ok/FAIL and counts; failures is the count."""

    def __init__(self):
        self.failures = 0

    def check(self, name, cond, detail=""):
        print(("ok " if cond else "FAIL ") + name + ("" if cond else ": " + shorten(detail)))
        self.failures += 0 if cond else 1
        return cond


# One count for a test and the modules it borrows from (plan_switch uses replan's helpers).
CHECKS = Checks()
check = CHECKS.check


def failures():
    return CHECKS.failures


def summary():
    """Prints the count of failed checks; the exit status of the test."""
    print("%d failed" % CHECKS.failures if CHECKS.failures else "all ok")
    return 1 if CHECKS.failures else 0


CHROMIUM = "/usr/bin/chromium"


def browser():
    """The cdp module (tests/integration/cdp.py) when Chromium and python3-websocket are
    there; else None, with the SKIP line printed (the test then exits 77)."""
    if not os.access(CHROMIUM, os.X_OK):
        print("SKIP: %s is not installed" % CHROMIUM)
        return None
    try:
        import cdp
    except ImportError as e:
        print("SKIP: %s (install python3-websocket)" % e)
        return None
    return cdp


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_config(tmp, plan, port, subs=()):
    """$PLAZO_CONFIG with its state in tmp/state, plan as the plan, HTTP on 127.0.0.1:port
    (base_url that too, metrics on a port of its own) and each (pattern, replacement) of
    subs applied once; the path of the written plazo.ini."""
    text = open(os.environ["PLAZO_CONFIG"], encoding="utf-8").read()
    base = [(r"(?m)^state_dir = .*$", "state_dir = " + tmp + "/state"),
            (r"(?m)^file = .*$", "file = " + plan),
            (r"(?m)^listen = .*$", "listen = 127.0.0.1:%d" % port),
            (r"(?m)^base_url = .*$", "base_url = http://127.0.0.1:%d" % port),
            (r"(?m)^\[http\]$", "[http]\nmetrics_listen = 127.0.0.1:0")]
    for pattern, repl in base + list(subs):
        text, n = re.subn(pattern, repl, text)
        if n != 1:
            raise RuntimeError("config: no single line for " + pattern)
    path = os.path.join(tmp, "plazo.ini")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Daemon:
    """`plazo -v run --at AT --speed SPEED` on config, its log in tmp/daemon.log."""

    def __init__(self, plazo, tmp, config, port, at, speed="1"):
        self.base = "http://127.0.0.1:%d" % port
        self.log = open(os.path.join(tmp, "daemon.log"), "w+")
        env = {k: v for k, v in os.environ.items() if k != "NOTIFY_SOCKET"}
        self.started = time.time()
        self.proc = subprocess.Popen([plazo, "-v", "-c", config, "run", "--at", at,
                                      "--speed", speed], env=env, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log)

    def log_text(self):
        self.log.flush()
        with open(self.log.name, errors="replace") as f:
            return f.read()

    def wait_serving(self, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline and self.proc.poll() is None:
            if re.search(r"serving feeds on 127\.0\.0\.1 port \d+", self.log_text()):
                return True
            time.sleep(0.1)
        return False

    def request(self, path, data=None, headers=None, method=None):
        """(status, headers as a dict, body bytes); redirects are not followed."""
        req = urllib.request.Request(self.base + path, data=data, headers=headers or {},
                                     method=method)
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(req, timeout=10) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def wait_page(self, token, timeout=10):
        """The page /o/TOKEN once served (the first snapshot may still be building)."""
        deadline = time.time() + timeout
        status, _, body = self.request("/o/" + token)
        while status != 200 and time.time() < deadline:
            time.sleep(0.2)
            status, _, body = self.request("/o/" + token)
        return body.decode("utf-8") if status == 200 else "HTTP %d" % status

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()


def office_token(plazo, config, office):
    """(feed token, page token) of office from `plazo token list`, or None."""
    out = subprocess.run([plazo, "-c", config, "token", "list"], capture_output=True,
                         text=True, timeout=30).stdout
    m = re.search(r"(?m)^%s\n  feed:   \S+/feeds/([0-9a-f]{32})\.ics\n.*\n"
                  r"  page:   \S+/o/([0-9a-f]{32})$" % re.escape(office), out)
    return (m.group(1), m.group(2)) if m else None
