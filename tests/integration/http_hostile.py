#!/usr/bin/python3
"""http_hostile.py - `plazo run` fed what a hostile client sends, over raw sockets.

Issue 12: the multipart POST that crashed the daemon (no token needed), a form body never
read before its token is known, what the forms never send (415), a space before a header's
colon, Content-Length twice and a Transfer-Encoding other than chunked (400, at once), a
literal '=' in a value and limits counted in characters like the page's maxlength; the feed
token opening only a read-only "moved" page while the page token has the forms; the digest
linking the page token; `token rotate --feed|--page`; /metrics only on metrics_listen and
`metrics_loopback_only` accepted with a deprecation warning.
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import daemon as dm  # noqa: E402  (Daemon, make_config, check)

PLAZO = dm.PLAZO
OFFICE = "secretaria-general"
ZERO = "0" * 32
check = dm.check


def raw(port, data, timeout=5):
    """Sends data on one connection; returns (status, body bytes, seconds to the answer)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    t = time.monotonic()
    s.sendall(data)
    got = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
            if b"\r\n\r\n" in got:
                head, _, body = got.partition(b"\r\n\r\n")
                m = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
                if m and len(body) >= int(m.group(1)):
                    break
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
    head, _, body = got.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1]) if head.startswith(b"HTTP/") else None
    return status, body, time.monotonic() - t


def tokens(config, office=OFFICE):
    out = subprocess.run([PLAZO, "-c", config, "token", "list"], capture_output=True, text=True,
                         timeout=30).stdout
    m = re.search(r"(?m)^%s\n  feed:   \S+/feeds/([0-9a-f]{32})\.ics\n.*\n"
                  r"  page:   \S+/o/([0-9a-f]{32})$" % re.escape(office), out)
    return (m.group(1), m.group(2)) if m else (None, None)


def feed_token(config, office=OFFICE):
    """The feed token alone, as every plazo lists it (the old ones too)."""
    out = subprocess.run([PLAZO, "-c", config, "token", "list"], capture_output=True, text=True,
                         timeout=30).stdout
    m = re.search(r"(?m)^%s\n  feed:   \S+/feeds/([0-9a-f]{32})\.ics" % re.escape(office), out)
    return m.group(1) if m else None


def post(port, path, body, ctype="application/x-www-form-urlencoded", extra=b""):
    req = (b"POST %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: %s\r\n"
           b"Content-Length: %d\r\n%s\r\n" % (path.encode(), ctype.encode(), len(body), extra))
    return raw(port, req + body)


def crash(d, page):
    multipart = (b"POST /o/%s/entregar HTTP/1.1\r\nContent-Type: multipart/form-data; "
                 b"boundary=XX\r\nContent-Length: 18\r\n\r\n--XX\r\n\r\nA\r\n--XX--\r\n")
    st, _, _ = raw(d.port, multipart % ZERO.encode())
    check("multipart POST, unknown token: 404", st == 404, st)
    st, body, _ = raw(d.port, multipart % page.encode())
    check("multipart POST, page token: 415 before the body", st == 415, (st, body))
    time.sleep(0.3)
    check("daemon alive after the multipart POSTs", d.proc.poll() is None, d.proc.poll())
    st, _, _ = post(d.port, "/o/%s/entregar" % page, b"csrf=x", ctype="text/plain")
    check("text/plain POST: 415", st == 415, st)
    # the token is checked on the headers: a 1 MB body announced, none sent, answered at once
    st, _, secs = raw(d.port, b"POST /o/%s/entregar HTTP/1.1\r\nHost: t\r\nContent-Type: "
                      b"application/x-www-form-urlencoded\r\nContent-Length: 1000000\r\n\r\n"
                      % ZERO.encode(), timeout=4)
    check("unknown token answered before its body (404 at once)", st == 404 and secs < 2,
          (st, secs))
    st, _, _ = raw(d.port, b"POST /o/%s/entregar HTTP/1.1\r\nHost: t\r\nContent-Type: "
                   b"application/x-www-form-urlencoded\r\nContent-Length: 1000000\r\n\r\n"
                   % page.encode(), timeout=4)
    check("a 1 MB form body: 413 before it is read", st == 413, st)


def framing(d, feed):
    get = "GET /feeds/%s.ics HTTP/1.1\r\n" % feed
    cases = [
        ("space before the colon", get + "Host : t\r\nConnection: close\r\n\r\n"),
        ("Content-Length twice", get + "Host: t\r\nContent-Length: 3\r\nContent-Length: 3\r\n"
         "Connection: close\r\n\r\nabc"),
        ("Transfer-Encoding: xchunked", get + "Host: t\r\nTransfer-Encoding: xchunked\r\n"
         "Connection: close\r\n\r\n"),
        ("TE: xchunked", get + "Host: t\r\nTE: xchunked\r\nConnection: close\r\n\r\n"),
        ("Transfer-Encoding and Content-Length", get + "Host: t\r\nTransfer-Encoding: chunked"
         "\r\nContent-Length: 5\r\nConnection: close\r\n\r\n0\r\n\r\n"),
    ]
    for name, req in cases:
        st, _, secs = raw(d.port, req.encode(), timeout=4)
        check("%s: 400 at once" % name, st == 400 and secs < 2, (st, secs))
    st, _, _ = raw(d.port, (get + "Host: t\r\nTE: trailers\r\nConnection: close\r\n\r\n")
                   .encode())
    check("TE: trailers still served", st == 200, st)


def page_fields(d, page):
    st, _, body = d.get("/o/%s" % page)
    html = body.decode()
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    item = re.search(r'name="item" value="([al]\d+-\d+)"', html)
    due = re.search(r'name="due" value="(\d{4}-\d\d-\d\d)"', html)
    return st, html, (csrf and csrf.group(1), item and item.group(1), due and due.group(1))


def forms(d, feed, page):
    st, html, (csrf, item, due) = page_fields(d, page)
    check("page token: the page with its forms", st == 200 and "<form" in html and csrf, st)
    st, _, body = d.get("/o/%s" % feed)
    text = body.decode()
    check("feed token: a page without forms", st == 200 and "<form" not in text, text[:300])
    check("feed token: it says the page moved and the link comes in the next digest",
          "cambió de dirección" in text and "próximo correo" in text, text[:600])
    st, _, _ = d.get("/feeds/%s.ics" % page)
    check("page token: no feed (404)", st == 404, st)
    st, _, _ = d.get("/feeds/%s.ics" % feed)
    check("feed token: the feed (200)", st == 200, st)
    base = "csrf=%s&item=%s&due=%s&" % (csrf, item, due)
    st, body, _ = post(d.port, "/o/%s/entregar" % feed, (base + "nombre=Ana").encode())
    check("POST under the feed token: 403", st == 403, (st, body))
    st, body, _ = post(d.port, "/o/%s/entregar" % page, (base + "nombre=Ana=P%C3%A9rez").encode())
    check("a literal '=' in a value is taken (303)", st == 303, (st, body.decode()))
    name = urllib.parse.quote("ñ" * 100)
    st, body, _ = post(d.port, "/o/%s/entregar" % page, (base + "nombre=" + name).encode())
    check("100 characters (200 bytes) of name: taken like the page's maxlength", st == 303,
          (st, body.decode()))
    name = urllib.parse.quote("ñ" * 101)
    st, body, _ = post(d.port, "/o/%s/entregar" % page, (base + "nombre=" + name).encode())
    check("101 characters: 400 that says the limit", st == 400 and
          "máximo es 100" in body.decode(), (st, body.decode()))
    st, body, _ = post(d.port, "/o/%s/entregar" % page, (base + "nombre=%ZZ").encode())
    check("a broken %-escape: 400 that says so", st == 400 and "dañado" in body.decode(),
          (st, body.decode()))


def metrics(d, tmp):
    st, _, _ = d.get("/metrics")
    check("no /metrics on the feeds' port", st == 404, st)
    m = re.search(r"serving metrics on 127\.0\.0\.1 port (\d+)", d.log_text())
    check("metrics listener logged", m is not None, d.log_text()[-1500:])
    if m:
        st, body, _ = raw(int(m.group(1)), b"GET /metrics HTTP/1.1\r\nHost: t\r\n"
                          b"Connection: close\r\n\r\n")
        check("/metrics on metrics_listen", st == 200 and b"plazo_http_requests_total" in body,
              st)


def lifecycle(tmp):
    plan = os.path.join(tmp, "plan.tsv")
    with open(dm.SEED, "rb") as f, open(plan, "wb") as g:
        g.write(f.read())
    config = dm.make_config(tmp, plan, "")
    text = open(config).read()
    text = re.sub(r"(?m)^\[http\]$", "[http]\nmetrics_listen = 127.0.0.1:0", text)
    open(config, "w").write(text)
    d = dm.Daemon(tmp, config, "2023-03-01T07:00:00")
    try:
        check("READY=1", d.wait_notify("READY=1") is not None, d.log_text())
        d.drain()
        check("port logged", d.find_port() is not None, d.log_text())
        feed, page = tokens(config)
        check("token list shows a feed token and a different page token",
              feed is not None and page is not None and feed != page, (feed, page))
        if page is None:  # a plazo without page tokens: its pages are under the feed token
            feed = page = feed_token(config)
        if d.port is None or feed is None:
            return
        crash(d, page)
        framing(d, feed)
        forms(d, feed, page)
        metrics(d, tmp)
        check("daemon alive at the end", d.proc.poll() is None, d.log_text()[-2000:])
    finally:
        d.proc.terminate()
        d.proc.wait(timeout=10)


def rotation(tmp):
    plan = os.path.join(tmp, "plan.tsv")
    with open(dm.SEED, "rb") as f, open(plan, "wb") as g:
        g.write(f.read())
    config = dm.make_config(tmp, plan, "")
    f0, p0 = tokens(config)
    subprocess.run([PLAZO, "-c", config, "token", "rotate", OFFICE, "--page"], timeout=30,
                   capture_output=True)
    f1, p1 = tokens(config)
    check("rotate --page: a new page token, the same feed token", f1 == f0 and p1 != p0,
          (f0, p0, f1, p1))
    subprocess.run([PLAZO, "-c", config, "token", "rotate", OFFICE, "--feed"], timeout=30,
                   capture_output=True)
    f2, p2 = tokens(config)
    check("rotate --feed: a new feed token, the same page token", f2 != f1 and p2 == p1,
          (f1, p1, f2, p2))
    subprocess.run([PLAZO, "-c", config, "token", "rotate", OFFICE], timeout=30,
                   capture_output=True)
    f3, p3 = tokens(config)
    check("rotate: both", f3 != f2 and p3 != p2, (f2, p2, f3, p3))
    # a digest sent now links the page under the page token, not the feed token (the seed
    # plan's first digest, on 2023-03-01, goes to control-interno)
    f3, p3 = tokens(config, "control-interno")
    subprocess.run([PLAZO, "-c", config, "send", "--at", "2023-03-01T08:00"], timeout=60,
                   capture_output=True)
    box = os.path.join(tmp, "state", "maildir", "control-interno", "new")
    mails = [open(os.path.join(box, n), "rb").read() for n in os.listdir(box)] \
        if os.path.isdir(box) else []
    text = b"".join(mails).replace(b"=\r\n", b"").replace(b"=\n", b"")
    check("digest links /o/PAGE_TOKEN", bool(mails) and b"/o/" + p3.encode() in text,
          len(mails))
    check("digest never links /o/FEED_TOKEN", b"/o/" + f3.encode() not in text)
    old = open(config).read()
    open(config, "w").write(re.sub(r"(?m)^\[http\]$", "[http]\nmetrics_loopback_only = yes",
                                   old))
    r = subprocess.run([PLAZO, "-c", config, "check"], capture_output=True, text=True,
                       timeout=60)
    out = r.stdout + r.stderr
    check("metrics_loopback_only still passes plazo check (a warning, not an error)",
          r.returncode == 0 and "warning[config-deprecated]" in out and "metrics_listen" in out,
          (r.returncode, out[-800:]))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        lifecycle(tmp)
    with tempfile.TemporaryDirectory() as tmp:
        rotation(tmp)
    return dm.harness.summary()


if __name__ == "__main__":
    sys.exit(main())
