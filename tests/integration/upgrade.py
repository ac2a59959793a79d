#!/usr/bin/python3
"""upgrade.py - a state database written by plazo at schema 3 (tests/data/state-v3.db, made
by tests/data/make-state-v3.sh) is opened by this plazo and keeps what installs depend on,
compared with tests/data/state-v3.golden.json (read from the v3 database when it was made):

- every feed URL: `plazo token list` prints the same feed and webcal URLs, and the daemon
  answers GET /feeds/T.ics with 200 and the same UIDs and SEQUENCEs the v3 daemon served;
- every mark (delivery rows), every ledger row (state, Message-ID, attempts, next attempt,
  last error), the cursor, the feed events (UID, hash, SEQUENCE, LAST-MODIFIED) and the audit
  trail, read with sqlite3 after the new code migrated the file, and again after the daemon
  ran (the rows that were sent, failed or delivered are never touched).

A later schema change extends this test with what it adds; it must never make it fail.

Schema 6 (activity identity by component and ref): the seed plan's refs are plain unique
numbers, so its keys are the ones the v3 state holds by construction: `plazo check` against the
migrated state finds no orphaned mark and keeps no old key, the daemon adopts nothing
(activity_alias stays empty, 'identity' goes from 'legacy' to 'adopted'), records the plan it
loaded, and every ledger row and mark names an activity of it.

Schema 8 (the welcome digest, once per office): every office the v3 state had sent a digest
to counts as welcomed (its welcome row settled as superseded, none for the others), and the
daemon sends it no welcome; the offices never written to get theirs.

Schema 9 (the ledger's column `done` renamed `settled`): the reminder table has a column
`settled` and none named `done`, and every v3 row's value is kept under the new name (the
ledger rows above are read as `settled AS done` against the golden's `done`).

Schema 10 (a form reads its office's audit head alone): an index on the audit trail, which the
query for one office's head uses. Schema 13 (the index holds the marks alone): it is audit_marks
on (office, id) for the rows whose kind is a mark, which both head queries use and which holds
every mark of the migrated trail; writing an audit row builds no ephemeral table.

Schema 11 (a digest's record writes fewer pages): no index reminder_message, and rcpt is a
WITHOUT ROWID table keyed by (message_id, address) with the same columns; the daemon's send
pass after the upgrade still records its recipients there.

Schema 12 (a digest's record costs less): writing a ledger or recipient row builds no
ephemeral table (the CHECK lists its states as ORs, and still refuses any other), the index
of what is due holds the pending rows alone (the due query uses it) and the failed rows have
an index of their own; the ledger keeps its columns and every row (the comparisons above).
"""
import email
import email.policy
import json
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

PLAZO = os.environ["PLAZO"]
DATA = os.environ["PLAZO_TESTDATA"]
CONFIG = os.environ["PLAZO_CONFIG"]
SEED = os.path.join(DATA, "estrategia-rendicion-cuentas-2023.tsv")
failures = 0

REMINDER = ("id, office, activity, milestone, due, stage, slot, state, late, attempts, "
            "next_attempt, last_error, message_id, settled AS done")  # schema 9 renamed it


def check(name, cond, detail=""):
    global failures
    print(("ok " if cond else "FAIL ") + name + ("" if cond else ": " + str(detail)[:3000]))
    failures += 0 if cond else 1


def make_config(tmp):
    text = open(CONFIG, encoding="utf-8").read()
    text = re.sub(r"(?m)^state_dir = .*$", "state_dir = " + tmp + "/state", text)
    text = re.sub(r"(?m)^file = .*$", "file = " + SEED, text)
    text = re.sub(r"(?m)^listen = .*$", "listen = 127.0.0.1:0", text)
    path = os.path.join(tmp, "plazo.ini")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    base = re.search(r"(?m)^base_url = (.*)$", text).group(1).rstrip("/")
    return path, base


def rows(db, sql):
    cur = db.execute(sql)
    names = [c[0] for c in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def by_key(items, *key):
    return {tuple(r[k] for k in key): r for r in items}


def compare_rows(name, golden, got, key):
    want = by_key(golden, *key)
    have = by_key(got, *key)
    missing = [k for k in want if k not in have]
    changed = [(want[k], have[k]) for k in want if k in have and have[k] != want[k]]
    check("%s: all %d rows kept" % (name, len(want)), not missing and not changed,
          {"missing": missing, "changed": changed[:5]})


def check_db(db_path, g, when):
    db = sqlite3.connect(db_path)
    try:
        compare_rows(when + ": ledger", g["reminder"],
                     rows(db, "SELECT %s FROM reminder" % REMINDER), ["id"])
        compare_rows(when + ": marks", g["delivery"],
                     rows(db, "SELECT office, activity, milestone, due, at, by_name, evidence"
                              " FROM delivery"), ["office", "activity", "milestone", "due"])
        compare_rows(when + ": audit trail", g["audit"],
                     rows(db, "SELECT id, at, office, kind, detail FROM audit"), ["id"])
        check(when + ": integrity", db.execute("PRAGMA integrity_check").fetchone()[0] == "ok")
    finally:
        db.close()


def check_opened(db_path, g):
    """What must hold right after the new code opened (and migrated) the file."""
    check_db(db_path, g, "migrated")
    db = sqlite3.connect(db_path)
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        check("schema %d >= 3" % version, version >= g["schema"])
        compare_rows("migrated: feed events", g["feed_event"],
                     rows(db, "SELECT uid, hash, sequence, modified FROM feed_event"), ["uid"])
        cursor = [m for m in g["meta"] if m["key"] == "cursor"]
        have = db.execute("SELECT value FROM meta WHERE key = 'cursor'").fetchone()
        check("migrated: cursor kept", have is not None and [{"key": "cursor",
              "value": have[0]}] == cursor, (have, cursor))
        # schema 6: later marks kept beside the first; none on upgrade, the marks untouched
        later = db.execute("SELECT count(*) FROM delivery_later").fetchone()[0]
        check("migrated: later marks table (schema 6), empty", version >= 6 and later == 0,
              (version, later))
        check_settled(db, g, version)
        check_audit_index(db, version)
        check_record_pages(db, version)
        check_cheap_writes(db, version)
    finally:
        db.close()


AUDIT_MARKS = "(kind = 'marked' OR kind = 'marked-again' OR kind = 'undone')"


def check_audit_index(db, version):
    """Schema 10: one office's audit head is read through an index, not the whole trail.
    Schema 13: that index (audit_marks) holds the marks alone; a digest's 'sent' row and
    every other kind stay out of it, and both head queries still use it."""
    cols = [r[2] for r in db.execute("PRAGMA index_info(audit_marks)")]
    sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'audit_marks'").fetchone()
    old = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'audit_office'").fetchone()
    check("schema 13: index audit_marks on (office, id) WHERE the kind is a mark; no "
          "audit_office", version >= 13 and cols == ["office", "id"] and sql is not None and
          sql[0].endswith("WHERE " + AUDIT_MARKS) and old is None, (version, cols, sql, old))
    plan = " ".join(r[3] for r in db.execute(
        "EXPLAIN QUERY PLAN SELECT max(id) FROM audit WHERE office = 'sg' AND " + AUDIT_MARKS))
    check("schema 10: the office's audit head uses the index", "audit_marks" in plan, plan)
    plan = " ".join(r[3] for r in db.execute(
        "EXPLAIN QUERY PLAN SELECT office, max(id) FROM audit WHERE " + AUDIT_MARKS +
        " GROUP BY office"))
    check("schema 13: every office's audit head uses the index", "audit_marks" in plan, plan)
    marks = db.execute("SELECT count(*) FROM audit WHERE " + AUDIT_MARKS).fetchone()[0]
    indexed = db.execute("SELECT count(*) FROM audit INDEXED BY audit_marks WHERE "
                         + AUDIT_MARKS).fetchone()[0]
    total = db.execute("SELECT count(*) FROM audit").fetchone()[0]
    check("schema 13: the index holds every mark of the trail (%d of %d rows)" % (marks, total),
          indexed == marks and marks > 0 and total > marks, (indexed, marks, total))


def check_record_pages(db, version):
    """Schema 11: the ledger has no index by Message-ID; rcpt is its key's own b-tree."""
    indexes = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'reminder'")]
    check("schema 11: no index reminder_message", version >= 11 and
          "reminder_message" not in indexes, (version, indexes))
    sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'rcpt'").fetchone()
    cols = [r[1] for r in db.execute("PRAGMA table_info(rcpt)")]
    key = [r[2] for r in db.execute("PRAGMA index_info(rcpt)")]  # a WITHOUT ROWID table's key
    check("schema 11: rcpt WITHOUT ROWID, keyed by (message_id, address), same columns",
          sql is not None and "WITHOUT ROWID" in sql[0] and key == ["message_id", "address"]
          and cols == ["message_id", "address", "office", "state", "reply", "at"],
          (sql, key, cols))


LEDGER_COLUMNS = ["id", "office", "activity", "milestone", "due", "stage", "slot", "state",
                  "late", "attempts", "next_attempt", "last_error", "message_id", "settled",
                  "first_attempt"]


def refused(db, sql):
    """Whether sql, run in a transaction rolled back after, fails a constraint."""
    db.execute("SAVEPOINT probe")
    try:
        db.execute(sql)
        return False
    except sqlite3.IntegrityError:
        return True
    finally:
        db.execute("ROLLBACK TO probe")
        db.execute("RELEASE probe")


def check_cheap_writes(db, version):
    """Schema 12: no ephemeral table per write; partial indexes of the pending and failed."""
    writes = ["UPDATE reminder SET state = 'sent' WHERE id = 1",
              "INSERT INTO rcpt (message_id, address, office, state, at) "
              "VALUES ('m', 'a@b', 'sg', 'accepted', 0)",
              "INSERT INTO audit (at, office, kind, detail) VALUES (0, 'sg', 'sent', '')"]
    ephemeral = [w for w in writes
                 if any(r[1] == "OpenEphemeral" for r in db.execute("EXPLAIN " + w))]
    check("schema 12: a ledger or recipient write builds no ephemeral table",
          version >= 12 and not ephemeral, (version, ephemeral))
    check("schema 12: the CHECKs still refuse an unknown state",
          refused(db, "UPDATE reminder SET state = 'bogus' WHERE id = (SELECT min(id) FROM "
                      "reminder)") and
          refused(db, "INSERT INTO rcpt (message_id, address, office, state, at) "
                      "VALUES ('m', 'a@b', 'sg', 'bogus', 0)"))
    cols = [r[1] for r in db.execute("PRAGMA table_info(reminder)")]
    check("schema 12: the ledger keeps its columns", cols == LEDGER_COLUMNS, cols)
    sql = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                          "AND tbl_name = 'reminder' AND sql IS NOT NULL"))
    check("schema 12: partial indexes of the pending and the failed rows",
          "WHERE state = 'pending'" in sql.get("reminder_pending", "") and
          "WHERE state = 'failed'" in sql.get("reminder_failed", ""), sql)
    plan = " ".join(r[3] for r in db.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM reminder WHERE state = 'pending' AND "
        "next_attempt <= 0 ORDER BY office, slot, id"))
    check("schema 12: the due query uses reminder_pending", "reminder_pending" in plan, plan)
    plan = " ".join(r[3] for r in db.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM reminder WHERE state = 'failed' "
        "ORDER BY settled DESC, id DESC LIMIT 5"))
    check("schema 12: the latest failures use reminder_failed", "reminder_failed" in plan,
          plan)


def check_settled(db, g, version):
    """Schema 9: `done` is now `settled`, with every v3 row's value (NULL or not) kept."""
    columns = [r[1] for r in db.execute("PRAGMA table_info(reminder)")]
    check("schema 9: reminder.done renamed settled", version >= 9 and "settled" in columns
          and "done" not in columns, (version, columns))
    want = {r["id"]: r["done"] for r in g["reminder"]}
    have = dict(db.execute("SELECT id, settled FROM reminder WHERE id IN (%s)" %
                           ",".join(str(i) for i in want)).fetchall()) if want else {}
    check("schema 9: all %d settled values kept (%d not NULL)" %
          (len(want), sum(v is not None for v in want.values())),
          want and have == want, [(i, want[i], have.get(i)) for i in want
                                  if have.get(i) != want[i]][:5])


def check_identity_before(config, db_path):
    db = sqlite3.connect(db_path)
    try:
        mode = db.execute("SELECT value FROM meta WHERE key = 'identity'").fetchone()
        check("schema 6: an old state is marked for key adoption", mode == ("legacy",), mode)
    finally:
        db.close()
    r = subprocess.run([PLAZO, "-c", config, "check"], capture_output=True, text=True,
                       timeout=30)
    out = r.stdout + r.stderr
    check("check against the old state: no orphaned mark, no key kept",
          "note[mark-orphaned]" not in out and "note[key-kept]" not in out and
          "state-unreadable" not in out, out[-2000:])


def check_identity_after(db_path):
    db = sqlite3.connect(db_path)
    try:
        aliases = db.execute("SELECT activity, stored FROM activity_alias").fetchall()
        check("the daemon kept no old key (the seed's keys never changed)", aliases == [],
              aliases)
        mode = db.execute("SELECT value FROM meta WHERE key = 'identity'").fetchone()
        check("key adoption done once", mode == ("adopted",), mode)
        seen = {r[0] for r in db.execute("SELECT activity FROM plan_seen")}
        check("the plan loaded is recorded (65 activities)", len(seen) == 65, len(seen))
        keys = {r[0] for r in db.execute("SELECT activity FROM reminder UNION "
                                         "SELECT activity FROM delivery")}
        # the escalation and welcome rows name no plan activity (escalate.h, welcome.h)
        lost = sorted(k for k in keys if k not in seen and k not in ("escalation", "welcome"))
        check("every ledger row and mark names an activity of the plan", not lost, lost)
    finally:
        db.close()


def welcomed_before(g):
    return sorted({r["office"] for r in g["reminder"] if r["state"] == "sent"})


def welcome_rows(db_path):
    db = sqlite3.connect(db_path)
    try:
        return dict(db.execute("SELECT office, state FROM reminder WHERE activity = 'welcome'"
                               " AND stage = 'welcome'").fetchall())
    finally:
        db.close()


def check_welcome_migrated(db_path, g):
    before = welcomed_before(g)
    want = {office: "superseded" for office in before}
    check("schema 8: offices sent digests count as welcomed (%s)" % ", ".join(before),
          before and welcome_rows(db_path) == want, (welcome_rows(db_path), want))


def welcome_subjects(tmp, office):
    out = []
    folder = os.path.join(tmp, "state", "maildir", office)
    for root, _, files in os.walk(folder):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                msg = email.message_from_binary_file(f, policy=email.policy.default)
            if "bienvenida" in str(msg["Subject"]):
                out.append(str(msg["Subject"]))
    return out


def check_welcome_after(tmp, db_path, g):
    rows = welcome_rows(db_path)
    for office in welcomed_before(g):
        check("schema 8: no welcome for %s, which had digests" % office,
              rows.get(office) == "superseded" and not welcome_subjects(tmp, office),
              (rows.get(office), welcome_subjects(tmp, office)))
    fresh = [o for o in rows if o not in welcomed_before(g)]
    check("schema 8: the offices never written to are welcomed", len(fresh) > 0 and all(
        rows[o] == "sent" and len(welcome_subjects(tmp, o)) == 1 for o in fresh),
        {o: (rows[o], welcome_subjects(tmp, o)) for o in fresh})


def check_token_list(config, base, g):
    r = subprocess.run([PLAZO, "-c", config, "token", "list"], capture_output=True, text=True,
                       timeout=30)
    check("token list exits 0", r.returncode == 0, r.stderr)
    host = base.split("://", 1)[1]
    for office, token in sorted(g["feed_tokens"].items()):
        feed = "%s/feeds/%s.ics" % (base, token)
        webcal = "webcal://%s/feeds/%s.ics" % (host, token)
        check("token list: feed URL of %s kept" % office,
              ("  feed:   " + feed + "\n") in r.stdout and
              ("  webcal: " + webcal + "\n") in r.stdout, r.stdout[:800])


def sequences(body):
    text = body.decode().replace("\r\n ", "")
    out = {}
    for ev in text.split("BEGIN:VEVENT")[1:]:
        uid = re.search(r"\r\nUID:(.*)\r\n", ev).group(1)
        out[uid] = int(re.search(r"\r\nSEQUENCE:(\d+)", ev).group(1))
    return out


def get(port, path):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def wait_port(log_path, proc, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        with open(log_path) as f:
            text = f.read()
        m = re.search(r"serving feeds on 127\.0\.0\.1 port (\d+)", text)
        if m and "ready offices=" in text:  # served from the first publish on
            return int(m.group(1))
        time.sleep(0.1)
    return None


def check_feeds(tmp, config, g):
    log_path = os.path.join(tmp, "daemon.log")
    log = open(log_path, "w")
    proc = subprocess.Popen([PLAZO, "-v", "-c", config, "run", "--at", g["daemon_at"]],
                            stdout=log, stderr=log)
    try:
        port = wait_port(log_path, proc)
        check("daemon started on the old state", port is not None, open(log_path).read())
        # the daemon listens before its first snapshot is published (daemon.c: start_http,
        # then publish): under sanitizers that takes a moment, during which tokens are 404
        first = sorted(g["feed_tokens"].values())[0] if port else None
        deadline = time.time() + 15
        while first and time.time() < deadline and \
                get(port, "/feeds/%s.ics" % first)[0] == 404:
            time.sleep(0.2)
        for office, token in sorted(g["feed_tokens"].items()) if port else []:
            status, body = get(port, "/feeds/%s.ics" % token)
            seq = sequences(body) if status == 200 else {}
            want = g["served"][office]
            check("GET feed of %s: 200, same %d UIDs and SEQUENCEs" % (office, len(want)),
                  status == 200 and seq == want,
                  (status, {u: (want.get(u), seq.get(u)) for u in set(want) | set(seq)
                            if want.get(u) != seq.get(u)}))
    finally:
        # the first send pass (the welcomes) runs beside the feed requests: let it end, so
        # that a stop in its middle does not leave welcomes pending (check_welcome_after)
        deadline = time.time() + 15
        while proc.poll() is None and time.time() < deadline and \
                "send pass reminders=" not in open(log_path).read():
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = None
        log.close()
    check("daemon: clean exit", code == 0, open(log_path).read()[-2000:])


def main():
    golden_path = os.path.join(DATA, "state-v3.golden.json")
    with open(golden_path, encoding="utf-8") as f:
        g = json.load(f)
    with tempfile.TemporaryDirectory() as tmp:
        config, base = make_config(tmp)
        os.makedirs(os.path.join(tmp, "state"))
        db_path = os.path.join(tmp, "state", "plazo.db")
        shutil.copyfile(os.path.join(DATA, "state-v3.db"), db_path)
        os.chmod(db_path, 0o600)
        r = subprocess.run([PLAZO, "-c", config, "status"], capture_output=True, text=True,
                           timeout=30)
        check("status opens the v3 state", r.returncode == 0, r.stdout + r.stderr)
        check_opened(db_path, g)
        check_welcome_migrated(db_path, g)
        check_identity_before(config, db_path)
        check_token_list(config, base, g)
        check_feeds(tmp, config, g)
        check_identity_after(db_path)
        check_welcome_after(tmp, db_path, g)
        # the daemon may send what is due; it never rewrites what was settled
        settled = [r for r in g["reminder"] if r["state"] != "pending"]
        check_db(db_path, dict(g, reminder=settled), "after the daemon")
    print("%d failed" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
