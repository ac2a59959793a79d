"""cdp.py - a small Chrome DevTools Protocol client for the browser tests: starts Debian's
headless Chromium with its own profile and a debugging port chosen by Chromium, attaches to
its page over the websocket module (python3-websocket) and sends commands, keeping the events
that arrive meanwhile. Everything is bounded by timeouts; close() kills Chromium.
"""
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request

import websocket

CHROMIUM = "/usr/bin/chromium"


class CdpError(Exception):
    pass


class Browser:
    def __init__(self, width=390, height=1200, timeout=30, args=()):
        """args: more Chromium switches (--host-resolver-rules=...)."""
        self.profile = tempfile.mkdtemp(prefix="plazo-chromium-")
        self.log = open(os.path.join(self.profile, "chromium.log"), "w+")
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync",
             "--user-data-dir=" + self.profile, "--remote-debugging-port=0",
             "--window-size=%d,%d" % (width, height)] + list(args) + ["about:blank"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
            start_new_session=True)
        self.ws = None
        self.next_id = 0
        self.events = []
        try:
            self.connect(timeout)
        except Exception:
            self.close()
            raise

    def log_text(self):
        self.log.flush()
        with open(self.log.name, errors="replace") as f:
            return f.read()

    def connect(self, timeout):
        """Reads the port from DevToolsActivePort, finds the page target, attaches to it."""
        path = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.time() + timeout
        port = None
        while time.time() < deadline and port is None:
            if self.proc.poll() is not None:
                raise CdpError("chromium exited %s: %s" % (self.proc.returncode,
                                                           self.log_text()[-2000:]))
            try:
                with open(path) as f:
                    lines = f.read().split("\n")
                if len(lines) >= 2 and lines[0].strip().isdigit():
                    port = int(lines[0])
            except FileNotFoundError:
                pass
            if port is None:
                time.sleep(0.1)
        if port is None:
            raise CdpError("no DevToolsActivePort after %d s" % timeout)
        page = None
        while time.time() < deadline and page is None:
            with urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port,
                                        timeout=5) as r:
                targets = json.load(r)
            page = next((t for t in targets if t.get("type") == "page"), None)
            if page is None:
                time.sleep(0.1)
        if page is None:
            raise CdpError("no page target")
        # no Origin header: Chromium refuses websocket clients from an unlisted origin
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=timeout,
                                              suppress_origin=True)
        self.call("Page.enable")
        self.call("Network.enable")
        self.call("Runtime.enable")

    def recv(self, timeout):
        self.ws.settimeout(max(timeout, 0.01))
        msg = json.loads(self.ws.recv())
        if "id" not in msg:
            self.events.append(msg)
        return msg

    def call(self, method, timeout=20, **params):
        """Sends one command and returns its result; events received meanwhile are kept."""
        self.next_id += 1
        want = self.next_id
        self.ws.send(json.dumps({"id": want, "method": method, "params": params}))
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                raise CdpError("%s: no answer in %d s" % (method, timeout))
            try:
                msg = self.recv(left)
            except websocket.WebSocketTimeoutException:
                raise CdpError("%s: no answer in %d s" % (method, timeout))
            if msg.get("id") == want:
                if "error" in msg:
                    raise CdpError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})

    def wait_event(self, method, since=0, timeout=20, pred=None):
        """The first event `method` at index >= since of self.events (matching pred)."""
        deadline = time.time() + timeout
        i = since
        while True:
            while i < len(self.events):
                ev = self.events[i]
                i += 1
                if ev.get("method") == method and (pred is None or pred(ev["params"])):
                    return ev["params"]
            left = deadline - time.time()
            if left <= 0:
                raise CdpError("no %s in %d s" % (method, timeout))
            try:
                self.recv(left)
            except websocket.WebSocketTimeoutException:
                pass

    def evaluate(self, expr, timeout=20):
        """The value of a JavaScript expression (awaited if it is a promise)."""
        res = self.call("Runtime.evaluate", timeout=timeout, expression=expr,
                        returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in res:
            raise CdpError("evaluate %r: %s" % (expr[:80], res["exceptionDetails"]))
        return res.get("result", {}).get("value")

    def navigate(self, url, timeout=20):
        """Opens url and waits for its load event."""
        mark = len(self.events)
        res = self.call("Page.navigate", timeout=timeout, url=url)
        if res.get("errorText"):
            raise CdpError("navigate %s: %s" % (url, res["errorText"]))
        self.wait_event("Page.loadEventFired", mark, timeout)

    def act_and_wait_load(self, expr, timeout=20):
        """Evaluates expr (which starts a navigation, e.g. a click on a submit button) and
        waits for the next page's load event; returns the index of the first new event."""
        mark = len(self.events)
        self.evaluate(expr, timeout)
        self.wait_event("Page.loadEventFired", mark, timeout)
        return mark

    def text(self):
        return self.evaluate("document.body ? document.body.innerText : ''")

    def screenshot(self, path):
        import base64
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path

    def close(self):
        try:
            if self.ws is not None:
                self.ws.close()
        except Exception:
            pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, 9)
            except OSError:
                self.proc.kill()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)
