#!/usr/bin/python3
"""site_cache.py - per-office snapshots (issue 16): the daemon on the seed plan renders a
feed or page on its first request after a change, keeps it within [http] cache, and its
validators name the office's version, not the bytes.

- at start nothing is rendered (plazo_feed_renders_total and plazo_page_renders_total 0);
- every office's feed and page fetched once: one rendering each; fetched again, plain or
  conditional (If-None-Match: 304), nothing more is rendered;
- one deliverable marked through the office page's form: the redirect's page shows the mark,
  that office's page and feed ETags changed, every other office's stayed the same (and still
  answer 304 to their old ETags), and the counters say only that office was rendered again;
- reload in proportion to the change: on a copy of the seed plan, SIGHUP on the unchanged
  plan (the same bytes written anew) changes no ETag and renders nothing; one activity's date edited, SIGHUP: only the
  feeds and pages of that activity's offices (and the all-offices feed) change ETag, the
  counters grow by those alone, and every other office still answers 304;
- with a tiny budget ([http] cache = 48K), fetching every page evicts (
  plazo_cache_evictions_total > 0, plazo_cache_bytes within the budget), and a page evicted
  then fetched again is rendered again with the same ETag and byte-identical.
"""
import os
import re
import shutil
import sqlite3
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import browser_mark as bm  # noqa: E402  (its daemon and config helpers)

OFFICE = "control-interno"
failures = 0


def check(name, cond, detail=""):
    global failures
    print(("ok " if cond else "FAIL ") + name + ("" if cond else ": " + str(detail)[:3000]))
    failures += 0 if cond else 1
    return cond


def config_with_cache(tmp, plan, port, cache):
    path = bm.make_config(tmp, plan, port)
    text = open(path, encoding="utf-8").read()
    text = text.replace("[http]\n", "[http]\ncache = %s\n" % cache, 1)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def all_tokens(plazo, config):
    """{office: (feed token, page token)} from `plazo token list`."""
    out = subprocess.run([plazo, "-c", config, "token", "list"], capture_output=True,
                         text=True, timeout=30).stdout
    found = re.findall(r"(?m)^(\S+)\n  feed:   \S+/feeds/([0-9a-f]{32})\.ics\n.*\n"
                       r"  page:   \S+/o/([0-9a-f]{32})$", out)
    return {office: (feed, page) for office, feed, page in found}


def metrics(d):
    m = re.search(r"serving metrics on 127\.0\.0\.1 port (\d+)", d.log_text())
    if m is None:
        return {}
    with urllib.request.urlopen("http://127.0.0.1:%s/metrics" % m.group(1), timeout=10) as r:
        text = r.read().decode()
    return {k: int(v) for k, v in re.findall(r"(?m)^(plazo_(?:feed|page)_renders_total|"
                                              r"plazo_cache_bytes|"
                                              r"plazo_cache_evictions_total) (\d+)$", text)}


def gauges(d):
    m = re.search(r"serving metrics on 127\.0\.0\.1 port (\d+)", d.log_text())
    with urllib.request.urlopen("http://127.0.0.1:%s/metrics" % m.group(1), timeout=10) as r:
        text = r.read().decode()
    return {k: int(v) for k, v in re.findall(r'(?m)^plazo_reminders\{state="(\w+)"\} (\d+)$',
                                             text)}


def ledger_counts(config):
    state = re.search(r"(?m)^state_dir = (.*)$", open(config, encoding="utf-8").read())
    db = sqlite3.connect(os.path.join(state.group(1).strip(), "plazo.db"))
    try:
        rows = dict(db.execute("SELECT state, count(*) FROM reminder GROUP BY state"))
    finally:
        db.close()
    return {k: rows.get(k, 0) for k in ("pending", "sent", "failed")}


def gauges_follow(d, config, what):
    """The gauges a mark recounts (pending and failed, through their indexes) and the sent
    kept from the last whole count agree with the ledger."""
    want, have = ledger_counts(config), {}
    for _ in range(40):
        have = gauges(d)
        if have == want:
            break
        time.sleep(0.05)
    check("%s: /metrics' reminder gauges match the ledger (%s)" % (what, want),
          have == want and want["sent"] > 0, (have, want))


def fetch_all(d, tokens, headers_for=None):
    """{(office, 'feed'|'page'): (status, etag, body)} for every office."""
    got = {}
    for office, (feed, page) in sorted(tokens.items()):
        for kind, path in (("feed", "/feeds/%s.ics" % feed), ("page", "/o/" + page)):
            extra = headers_for(office, kind) if headers_for else {}
            status, headers, body = d.request(path, headers=extra)
            got[(office, kind)] = (status, headers.get("ETag"), body)
    return got


def mark_one(d, page_token):
    """Marks the first pending item of the page through its form; (status, location)."""
    _, _, body = d.request("/o/" + page_token)
    html = body.decode("utf-8")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    item = re.search(r'name="item" value="([^"]+)">\n<input type="hidden" name="due" '
                     r'value="([0-9-]+)"', html)
    if csrf is None or item is None:
        return None, None, None
    fields = {"csrf": csrf.group(1), "item": item.group(1), "due": item.group(2),
              "nombre": "Ana Pérez", "evidencia": "https://x.example/informe"}
    status, headers, _ = d.request("/o/%s/entregar" % page_token,
                                   urllib.parse.urlencode(fields).encode(),
                                   {"Content-Type": "application/x-www-form-urlencoded",
                                    "Origin": d.base})
    return status, headers.get("Location"), item.group(1)


def renders(m):
    return (m.get("plazo_feed_renders_total"), m.get("plazo_page_renders_total"))


def incremental(plazo, d, config):
    tokens = all_tokens(plazo, config)
    n = len(tokens)
    check("tokens of every office listed", n > 5 and OFFICE in tokens, tokens)
    check("at start nothing is rendered", renders(metrics(d)) == (0, 0), metrics(d))
    first = fetch_all(d, tokens)
    check("every feed and page served", all(s == 200 and e for s, e, _ in first.values()),
          {k: v[:2] for k, v in first.items()})
    check("one rendering each", renders(metrics(d)) == (n, n), (metrics(d), n))
    again = fetch_all(d, tokens)
    check("fetched again: the same ETags and bytes, nothing rendered",
          all(again[k][1] == first[k][1] and again[k][2] == first[k][2] for k in first) and
          renders(metrics(d)) == (n, n), metrics(d))
    cond = fetch_all(d, tokens, lambda o, k: {"If-None-Match": first[(o, k)][1]})
    check("conditional requests: 304 without rendering",
          all(v[0] == 304 for v in cond.values()) and renders(metrics(d)) == (n, n),
          ({k: v[0] for k, v in cond.items()}, metrics(d)))

    status, location, item = mark_one(d, tokens[OFFICE][1])
    check("mark through the page form: 303 to the office page",
          status == 303 and location and tokens[OFFICE][1] in location, (status, location))
    path = urllib.parse.urlparse(location or "").path
    st, headers, body = d.request(path)
    art = re.search(r'<article class="item[^"]*" id="%s">(.*?)</article>' % re.escape(item or
                                                                                      "-"),
                    body.decode("utf-8"), re.S)
    check("the redirect's page shows the mark", st == 200 and art is not None and
          "por Ana Pérez" in art.group(1), art.group(1) if art else body[:500])
    after = fetch_all(d, tokens)
    changed = {k for k in first if after[k][1] != first[k][1]}
    gauges_follow(d, config, "after the mark")
    check("only the marked office's page and feed ETags changed",
          changed == {(OFFICE, "feed"), (OFFICE, "page")}, changed)
    check("every other office's bytes are the same",
          all(after[k][2] == first[k][2] for k in first if k[0] != OFFICE))
    check("only that office rendered again (one feed, one page)",
          renders(metrics(d)) == (n + 1, n + 1), (metrics(d), n))
    others = fetch_all(d, tokens, lambda o, k: {"If-None-Match": first[(o, k)][1]})
    check("the other offices still answer 304 to their ETags",
          all(v[0] == 304 for k, v in others.items() if k[0] != OFFICE),
          {k: v[0] for k, v in others.items()})


def eviction(plazo, d, config):
    tokens = all_tokens(plazo, config)
    offices = sorted(tokens)
    first = {}
    for office in offices:
        st, headers, body = d.request("/o/" + tokens[office][1])
        first[office] = (st, headers.get("ETag"), body)
    m = metrics(d)
    check("tiny cache: pages evicted, the cache within its budget",
          m.get("plazo_cache_evictions_total", 0) > 0 and
          m.get("plazo_cache_bytes", 1 << 30) <= 48 * 1024, m)
    before = m.get("plazo_page_renders_total", 0)
    st, headers, body = d.request("/o/" + tokens[offices[0]][1])
    m = metrics(d)
    check("an evicted page rendered again", m.get("plazo_page_renders_total") == before + 1,
          (before, m))
    check("after the eviction: the same ETag, byte-identical",
          st == 200 and headers.get("ETag") == first[offices[0]][1] and
          body == first[offices[0]][2], (st, headers.get("ETag"), first[offices[0]][1]))
    st, _, _ = d.request("/o/" + tokens[offices[0]][1],
                         headers={"If-None-Match": first[offices[0]][1]})
    check("its old ETag still answers 304", st == 304, st)


ACTIVITY = "24"  # Oficina para la Transparencia de la Gestión Pública, 31/07/2023


def all_feed_token(plazo, config):
    out = subprocess.run([plazo, "-c", config, "token", "list"], capture_output=True,
                         text=True, timeout=30).stdout
    m = re.search(r"(?m)^all offices.*\n  feed:   \S+/feeds/([0-9a-f]{32})\.ics$", out)
    return m.group(1) if m else None


def plan_path(config):
    text = open(config, encoding="utf-8").read()
    return re.search(r"(?m)^file = (.+)$", text).group(1).strip()


def edit_date(path, number, old, new):
    """Rewrites the date of activity number (its row's '#' cell) from old to new."""
    lines = open(path, encoding="utf-8").read().split("\n")
    hits = 0
    for i, line in enumerate(lines):
        cells = line.split("\t")
        if len(cells) > 5 and cells[1] == number and cells[5] == old:
            cells[5] = new
            lines[i] = "\t".join(cells)
            hits += 1
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    return hits


def hup_and_wait(d):
    """SIGHUP, then waits until the log says the reload finished."""
    before = len(re.findall(r"reloaded plan=", d.log_text()))
    d.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 20
    while time.time() < deadline:
        if len(re.findall(r"reloaded plan=", d.log_text())) > before:
            return True
        time.sleep(0.1)
    return False


def fetch_with_all(d, tokens, all_feed):
    got = fetch_all(d, tokens)
    status, headers, body = d.request("/feeds/%s.ics" % all_feed)
    got[("*", "feed")] = (status, headers.get("ETag"), body)
    return got


def reload_scenario(plazo, d, config):
    tokens = all_tokens(plazo, config)
    all_feed = all_feed_token(plazo, config)
    check("the all-offices feed's token listed", all_feed is not None)
    first = fetch_with_all(d, tokens, all_feed)
    base = renders(metrics(d))
    check("every feed and page served", all(v[0] == 200 and v[1] for v in first.values()),
          {k: v[:2] for k, v in first.items()})
    path = plan_path(config)  # the same bytes written anew (a new inode and mtime), as an
    shutil.copyfile(path, path + ".new")  # export that changed nothing would
    os.replace(path + ".new", path)
    check("SIGHUP on the unchanged plan: reloaded", hup_and_wait(d), d.log_text()[-1500:])
    same = fetch_with_all(d, tokens, all_feed)
    changed = {k for k in first if same[k][1] != first[k][1]}
    check("unchanged plan reloaded: no ETag changed", changed == set(), sorted(changed))
    check("unchanged plan reloaded: nothing rendered", renders(metrics(d)) == base,
          (renders(metrics(d)), base))

    owners = {o for o in tokens if 'id="a%s-1"' % ACTIVITY in first[(o, "page")][2].decode()}
    check("activity %s is on some office's page" % ACTIVITY, 0 < len(owners) < len(tokens),
          owners)
    check("its date edited in the plan copy",
          edit_date(plan_path(config), ACTIVITY, "31/07/2023", "28/07/2023") == 1)
    check("SIGHUP on the edited plan: reloaded", hup_and_wait(d), d.log_text()[-1500:])
    after = fetch_with_all(d, tokens, all_feed)
    changed = {k for k in first if after[k][1] != first[k][1]}
    want = {(o, k) for o in owners for k in ("feed", "page")} | {("*", "feed")}
    check("one activity edited: only its offices' ETags (and the all-offices feed's) changed",
          changed == want, (sorted(changed), sorted(want)))
    page = after[(sorted(owners)[0], "page")][2].decode()
    check("its office's page shows the new date", "28 de julio de 2023" in page)
    n = len(owners)
    check("only those were rendered again",
          renders(metrics(d)) == (base[0] + n + 1, base[1] + n), (renders(metrics(d)), base, n))
    others = fetch_all(d, tokens, lambda o, k: {"If-None-Match": first[(o, k)][1]})
    check("every other office still answers 304 to its old ETag",
          all(v[0] == 304 for k, v in others.items() if k[0] not in owners),
          {k: v[0] for k, v in others.items() if k[0] not in owners and v[0] != 304})


def run(plazo, seed, cache, scenario):
    with tempfile.TemporaryDirectory() as tmp:
        port = bm.free_port()
        config = config_with_cache(tmp, seed, port, cache)
        bm.START = "2023-03-01T10:00:00"
        d = bm.Daemon(plazo, tmp, config, port)
        try:
            if check("daemon serving (cache = %s)" % cache, d.wait_serving(),
                     d.log_text()[-2000:]):
                time.sleep(0.5)  # its first send pass: it renders nothing either
                scenario(plazo, d, config)
        except Exception as e:  # noqa: BLE001  (reported as a failure)
            check("scenario ran to the end", False, "%s: %s" % (type(e).__name__, e))
        finally:
            d.stop()


def main():
    plazo = os.environ["PLAZO"]
    seed = os.path.abspath(os.path.join(os.environ["PLAZO_TESTDATA"],
                                        "estrategia-rendicion-cuentas-2023.tsv"))
    run(plazo, seed, "64M", incremental)
    run(plazo, seed, "48K", eviction)
    with tempfile.TemporaryDirectory() as plans:
        copy = os.path.join(plans, "plan.tsv")
        shutil.copyfile(seed, copy)
        run(plazo, copy, "64M", reload_scenario)
    print("%d failed" % failures if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
