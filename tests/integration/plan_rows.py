#!/usr/bin/python3
"""plan_rows.py - a row that cannot be read never stops the plan (issue 14).

`plazo run` on tests/data/plan-bad.tsv (lines 5 and 9 name offices the directory does not
have; lines 4, 7 and 8 are readable) as systemd runs it: READY=1, each bad row in the log
with file:line and code, the readable rows' feeds served and their digests in the Maildir
(Secretaría General's due day, 2023-03-30 08:00), the supervising office's escalation digest
([escalation] day moved to Thursday) with the section "Filas del plan que no se pudieron
leer", `plazo status` and /metrics naming them. A reload onto the plan with a new bad row
and a new good one serves the good one and counts three rows; a reload onto a plan with no
header keeps the old world. `plazo check --blocking` fails only on what leaves nothing to
serve, and the unit's own ExecStartPre passes on the bad plan.
"""
import email
import email.policy
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import daemon as dm  # noqa: E402  (the Daemon driver and make_config of daemon.py)

import mailtext  # the text part unwrapped (format=flowed)

PLAZO = os.environ["PLAZO"]
DATA = os.environ["PLAZO_TESTDATA"]
SRC = os.environ["PLAZO_SRC"]
check = dm.check
NEW_BAD = "\t7\tOtra fila mala\tMeta\tOficina Fantasma\t30/04/2023\n"
NEW_GOOD = "\t8\tActividad nueva\tMeta\tSecretaría General\t15/05/2023\n"


def setup(tmp):
    plan = os.path.join(tmp, "plan.tsv")
    with open(os.path.join(DATA, "plan-bad.tsv"), encoding="utf-8") as f:
        bad = f.read()
    with open(plan, "w", encoding="utf-8") as f:
        f.write(bad)
    config = dm.make_config(tmp, plan)
    text = open(config, encoding="utf-8").read()
    text = text.replace("[http]\n", "[http]\nmetrics_listen = 127.0.0.1:0\n", 1)
    text = re.sub(r"(?m)^day = mon$", "day = thu", text)
    with open(config, "w", encoding="utf-8") as f:
        f.write(text)
    return plan, config, bad


def metrics(d):
    m = re.search(r"serving metrics on 127\.0\.0\.1 port (\d+)", d.log_text())
    if not m:
        return ""
    with urllib.request.urlopen("http://127.0.0.1:%s/metrics" % m.group(1), timeout=5) as r:
        return r.read().decode()


def status(config):
    return subprocess.run([PLAZO, "-c", config, "status"], capture_output=True, text=True,
                          timeout=30).stdout


def plain_bodies(maildir):
    out = []
    if not os.path.isdir(maildir):
        return out
    for name in sorted(os.listdir(maildir)):
        with open(os.path.join(maildir, name), "rb") as f:
            msg = email.message_from_bytes(f.read(), policy=email.policy.default)
        out.append(mailtext.plain_text(msg))
    return out


def wait_for(pred, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline and not pred():
        time.sleep(0.2)
    return pred()


def first_load(d, config, tmp):
    check("started on a plan with 2 unreadable rows: READY=1",
          d.wait_notify("READY=1") is not None, d.log_text()[-3000:])
    d.drain()
    if d.find_port() is None:
        return None
    log = d.log_text()
    for line in (5, 9):
        check("row %d logged with file:line and code" % line,
              re.search(r"plan\.tsv:%d: row not read: error\[unknown-office\]" % line, log),
              log[-3000:])
    check("the count logged", "plan rows not read=2" in log, log[-3000:])
    token = dm.office_token(config, "secretaria-general")
    st, headers, body = d.get("/feeds/%s.ics" % token) if token else (None, {}, b"")
    check("the readable rows' feed served", st == 200 and b"Actividad buena" in body, st)
    ci = dm.office_token(config, "control-interno")
    st, _, body = d.get("/feeds/%s.ics" % ci) if ci else (None, {}, b"")
    check("a filled-down row's office feed served", st == 200 and b"Fecha vac" in body, st)
    sg = os.path.join(tmp, "state", "maildir", "secretaria-general", "new")
    check("the readable row's digest sent", wait_for(lambda: any(
        "Actividad buena" in b for b in plain_bodies(sg))), plain_bodies(sg))
    esc = os.path.join(tmp, "state", "maildir", "control-interno", "new")
    found = wait_for(lambda: any("Filas del plan que no se pudieron leer (2)" in b
                                 for b in plain_bodies(esc)))
    text = "".join(plain_bodies(esc))
    check("escalation digest: section of the rows not read", found, text)
    check("escalation digest: each row with file:line and the reason in Spanish",
          "plan.tsv:5: el responsable no corresponde" in text
          and "plan.tsv:9: el responsable no corresponde" in text, text)
    out = status(config)
    check("status: section with the count", "plan rows not read: 2 " in out, out)
    check("status: the rows", re.search(r"plan\.tsv:5: error\[unknown-office\]", out)
          and re.search(r"plan\.tsv:9: error\[unknown-office\]", out), out)
    m = metrics(d)
    check("/metrics: plazo_plan_rows_unreadable 2",
          re.search(r"(?m)^plazo_plan_rows_unreadable 2$", m), m)
    check("/metrics: diagnostics by severity",
          re.search(r'(?m)^plazo_plan_diagnostics\{severity="error"\} 2$', m)
          and re.search(r'(?m)^plazo_plan_diagnostics\{severity="warning"\} 2$', m), m)
    return token


def reloads(d, config, plan, bad):
    """From a plan whose rows all read, as a running service has it today."""
    check("reloads: READY=1 on a plan that reads whole", d.wait_notify("READY=1") is not None,
          d.log_text()[-3000:])
    d.drain()
    if d.find_port() is None:
        return
    token = dm.office_token(config, "secretaria-general")
    check("reloads: /metrics counts 0 rows not read",
          re.search(r"(?m)^plazo_plan_rows_unreadable 0$", metrics(d)), metrics(d))
    with open(plan, "w", encoding="utf-8") as f:
        f.write(bad + NEW_BAD + NEW_GOOD)
    d.proc.send_signal(signal.SIGHUP)
    time.sleep(1.5)
    log = d.log_text()
    check("reload with a new bad row: applied", "rows_not_read=3" in log, log[-3000:])
    check("reload: the new bad row logged",
          re.search(r"plan\.tsv:10: row not read: error\[unknown-office\]", log), log[-3000:])
    st, headers, body = d.get("/feeds/%s.ics" % token)
    check("reload: the rest served, the new good row too",
          st == 200 and b"Actividad buena" in body and b"Actividad nueva" in body, st)
    check("reload: /metrics counts 3",
          re.search(r"(?m)^plazo_plan_rows_unreadable 3$", metrics(d)), metrics(d))
    out = status(config)
    check("reload: status counts 3 and names line 10",
          "plan rows not read: 3 " in out and "plan.tsv:10: error[unknown-office]" in out, out)
    etag = headers.get("ETag")
    with open(plan, "w", encoding="utf-8") as f:
        f.write("nada\tque\tver\n1\t2\t3\n")
    d.proc.send_signal(signal.SIGHUP)
    time.sleep(1.5)
    log = d.log_text()
    check("reload onto a plan with no header refused",
          "reload failed" in log and "error[no-header]" in log, log[-3000:])
    st, headers, _ = d.get("/feeds/%s.ics" % token)
    check("no header: the old world still served", st == 200 and headers.get("ETag") == etag)
    check("no header: /metrics still the old world's",
          re.search(r"(?m)^plazo_plan_rows_unreadable 3$", metrics(d)), metrics(d))


def run_check(config, *args):
    return subprocess.run([PLAZO, "-c", config, "check"] + list(args), capture_output=True,
                          text=True, timeout=30).returncode


def check_blocking(tmp, config):
    seed = os.path.join(DATA, "estrategia-rendicion-cuentas-2023.tsv")
    nohdr = os.path.join(tmp, "nohdr.tsv")
    with open(nohdr, "w") as f:
        f.write("nada\tque\tver\n")
    bad = os.path.join(DATA, "plan-bad.tsv")
    check("check: rows not read exit 1", run_check(config, bad) == 1)
    check("check --blocking: rows not read exit 0", run_check(config, "--blocking", bad) == 0)
    check("check --blocking: a good plan exits 0", run_check(config, "--blocking", seed) == 0)
    check("check --blocking: no header exits 1", run_check(config, "--blocking", nohdr) == 1)
    check("check --blocking: an unreadable file exits 1",
          run_check(config, "--blocking", os.path.join(tmp, "missing.tsv")) == 1)
    broken = os.path.join(tmp, "broken.ini")
    with open(broken, "w") as f:
        f.write(open(config).read() + "\nthis is not ini\n")
    check("check --blocking: a broken config exits 1", run_check(broken, "--blocking", bad) == 1)
    check("check --strict --blocking: usage error", run_check(config, "--strict", "--blocking") == 2)
    unit = open(os.path.join(SRC, "systemd", "plazo.service")).read()
    pre = re.search(r"(?m)^ExecStartPre=(.*)$", unit).group(1)
    argv = [PLAZO if a == "/usr/sbin/plazo" else config if a == "/etc/plazo/plazo.ini" else a
            for a in shlex.split(pre)]
    r = subprocess.run(argv + [bad], capture_output=True, timeout=30)
    check("the unit's ExecStartPre passes on rows not read", r.returncode == 0, argv)
    r = subprocess.run(argv + [nohdr], capture_output=True, timeout=30)
    check("the unit's ExecStartPre stops a plan with no header", r.returncode == 1, argv)


def run_daemon(tmp, config, body):
    d = dm.Daemon(tmp, config, "2023-03-30T08:00:30")
    try:
        body(d)
        d.proc.send_signal(signal.SIGTERM)
        check("clean exit", d.proc.wait(timeout=10) == 0)
    finally:
        if d.proc.poll() is None:
            d.proc.kill()
            d.proc.wait()


def main():
    with tempfile.TemporaryDirectory() as tmp:
        plan, config, bad = setup(tmp)
        check_blocking(tmp, config)
        run_daemon(tmp, config, lambda d: first_load(d, config, tmp))
    with tempfile.TemporaryDirectory() as tmp:
        plan, config, bad = setup(tmp)
        good = [l for i, l in enumerate(bad.splitlines(True), 1) if i not in (5, 9)]
        with open(plan, "w", encoding="utf-8") as f:
            f.write("".join(good))
        run_daemon(tmp, config, lambda d: reloads(d, config, plan, bad))
    return dm.harness.summary()


if __name__ == "__main__":
    sys.exit(main())
