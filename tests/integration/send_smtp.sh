#!/bin/sh
# send_smtp.sh - `plazo send` over SMTP to a real peer (aiosmtpd, STARTTLS with a certificate
# made here, AUTH): the digests arrive and read right; 451 -> delivered later, once; 550 for
# one office -> that digest failed and reported, the others delivered; server down -> all
# deferred, delivered when it is back; kill -9 in the middle of 200 digests, then a rerun ->
# every digest delivered, at most one duplicate, recognizable by its Message-ID.
# Exits 77 (skip) when aiosmtpd or openssl is missing.
set -u
: "${PLAZO:?}" "${PLAZO_TESTDATA:?}" "${PLAZO_CONFIG:?}"
PY=/usr/bin/python3
HERE=$(dirname "$0")
. "$(dirname "$0")/harness.sh"
need py:aiosmtpd openssl

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>"$tmp/openssl.err" ||
    { cat "$tmp/openssl.err"; exit 1; }
printf 's3cret-pw\n' >"$tmp/pw"
chmod 600 "$tmp/pw"

# start_peer NAME [ARGS...]: a STARTTLS+AUTH peer storing into $tmp/NAME; sets $port.
start_peer() {
    name=$1
    shift
    rm -f "$tmp/$name.port"
    $PY "$HERE/smtp_peer.py" --starttls "$tmp/cert.pem" "$tmp/key.pem" --auth plazo:s3cret-pw \
        --store "$tmp/$name" --port-file "$tmp/$name.port" --max-seconds 120 "$@" \
        2>"$tmp/$name.stderr" &
    pids="$pids $!"
    peer_pid=$!
    wait_port "$name"
}
# make_config NAME PORT [CONFIG]: CONFIG (default the shipped one) sending to the peer.
# welcome = no: this test counts reminder digests; the welcome digest has its own test
# (welcome.sh)
make_config() {
    sed -e "s|^state_dir = .*|state_dir = $tmp/$1-state|" -e "s|^welcome = yes$|welcome = no|" \
        -e "s|^file = .*|file = ${4:-$PLAZO_TESTDATA/estrategia-rendicion-cuentas-2023.tsv}|" \
        "${3:-$PLAZO_CONFIG}" >"$tmp/$1.ini"
    cat >>"$tmp/$1.ini" <<INI

[smtp]
url = smtp://127.0.0.1:$2
tls = required
user = plazo
password_file = $tmp/pw
ca_file = $tmp/cert.pem
timeout = 10s
INI
    echo "$tmp/$1.ini"
}
send() { timeout 60 "$PLAZO" -v -c "$1" send --at "$2" >"$tmp/out" 2>"$tmp/err"; }

# 1. STARTTLS + AUTH: 2023-03-07 08:00 has five digests, over one connection
start_peer ok
cfg=$(make_config ok "$port")
sed -i 's/^email = secretaria.general@example.gov.co$/&\nmanager = jefe.sg@example.gov.co/' "$cfg"
send "$cfg" 2023-03-07T08:00 && ok "send exit 0" || { bad "send exit $?"; cat "$tmp/err"; }
[ "$(messages ok)" -eq 5 ] && ok "five digests arrived" || bad "$(messages ok) digests arrived, wanted 5"
sg=$(grep -l "secretaria.general@example.gov.co" "$tmp"/ok/*.eml | head -n 1)
$PY "$HERE/check_digest.py" "$sg" --office "Secretaría General" --numbers 9,59 \
    && ok "Secretaría General's digest reads right" || bad "Secretaría General's digest"
$PY - "$tmp/ok/log.jsonl" <<'PY' && ok "one connection, TLS and AUTH for every message" || bad "connection/TLS/AUTH"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
msgs = [r for r in rows if r["event"] == "message"]
assert len({m["conn"] for m in msgs}) == 1, msgs
assert all(m["tls"] and m["auth"] == "plazo" and m["mail_from"] == "plazos@example.gov.co" for m in msgs), msgs
PY
$PY - "$tmp/ok/log.jsonl" "$sg" <<'PY' && ok "the office's manager gets a copy (Cc)" || bad "manager Cc"
import email, email.policy, json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
sg = [r for r in rows if r["event"] == "message" and "secretaria.general@example.gov.co" in r["rcpts"]]
assert len(sg) == 1 and sg[0]["rcpts"] == ["secretaria.general@example.gov.co", "jefe.sg@example.gov.co"], sg
msg = email.message_from_bytes(open(sys.argv[2], "rb").read(), policy=email.policy.default)
assert msg["Cc"] == "jefe.sg@example.gov.co", msg["Cc"]
PY
send "$cfg" 2023-03-07T08:00
[ "$(messages ok)" -eq 5 ] && ok "a second run sends nothing" || bad "second run sent again"

# 2. 451 to the first attempt: that digest waits, goes out at the next pass, once
start_peer t451 --fail-first 1 451
cfg=$(make_config t451 "$port")
send "$cfg" 2023-03-07T08:00
expect_grep "451 deferred" "4 digests sent (.*), 1 deferred, 0 failed" "$tmp/out"
expect_grep "451 logged" "digest deferred office=.*451" "$tmp/err"
send "$cfg" 2023-03-07T08:03
[ "$(messages t451)" -eq 4 ] && ok "not retried before its backoff" || bad "retried too early"
send "$cfg" 2023-03-07T08:10
[ "$(messages t451)" -eq 5 ] && ok "deferred digest delivered later" || bad "$(messages t451) digests after retry"
"$PLAZO" -c "$cfg" status >"$tmp/status"
expect_grep "all sent" "reminders: 0 pending, .* 0 failed" "$tmp/status"

# 3. 550 for Secretaría General: that digest fails, is reported, the others go
start_peer t550 --reject-rcpt secretaria.general@example.gov.co
cfg=$(make_config t550 "$port")
send "$cfg" 2023-03-07T08:00
status=$?
[ $status -eq 1 ] && ok "exit 1 on a failed digest" || bad "exit $status on a failed digest"
expect_grep "550 counted" "4 digests sent (.*), 0 deferred, 1 failed" "$tmp/out"
expect_grep "550 logged with the reply" "digest failed office=secretaria-general.*550" "$tmp/err"
[ "$(messages t550)" -eq 4 ] && ok "the other four delivered" || bad "$(messages t550) delivered"
"$PLAZO" -c "$cfg" status >"$tmp/status"
expect_grep "status shows the failure" "office=secretaria-general .*550" "$tmp/status"
send "$cfg" 2023-03-07T12:00
[ "$(messages t550)" -eq 4 ] && ok "550 is not retried" || bad "550 retried"

# 4. server down: all deferred; back up on the same port: all delivered
free_port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cfg=$(make_config down "$free_port")
send "$cfg" 2023-03-07T08:00
expect_grep "server down: all deferred" "0 digests sent (.*), 5 deferred, 0 failed" "$tmp/out"
start_peer down --port "$free_port"
send "$cfg" 2023-03-07T08:20
[ "$(messages down)" -eq 5 ] && ok "delivered when the server is back" || bad "$(messages down) after restart"

# 4b. a temporary failure that lasts longer than [mail] retry_for is a failure
free_port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cfg=$(make_config expire "$free_port")
sed -i 's/^retry_for = .*/retry_for = 1h/' "$cfg"
send "$cfg" 2023-03-07T08:00
expect_grep "down: deferred first" "0 digests sent (.*), 5 deferred, 0 failed" "$tmp/out"
send "$cfg" 2023-03-07T09:30
status=$?
expect_grep "past retry_for: failed" "0 digests sent (.*), 0 deferred, 5 failed" "$tmp/out"
[ $status -eq 1 ] && ok "exit 1 once they failed" || bad "exit $status after retry_for"

# 5. kill -9 in the middle of 200 digests (one office each, due 2023-03-01), then a rerun
$PY - "$tmp" <<'PY'
import sys
d = sys.argv[1]
with open(d + "/plan200.tsv", "w") as f:
    f.write("#\tActividades\tMeta\tResponsable\tFecha Programada\n")
    for i in range(1, 201):
        f.write("%d\tActividad de prueba %d\tMeta %d\tOficina N%03d\t01/03/2023\n" % (i, i, i, i))
with open(d + "/base200.ini", "w") as f:
    # welcome = no: the count is of the 200 reminder digests (welcome.sh tests welcomes)
    f.write("[plazo]\nstate_dir = x\n[plan]\nfile = x\n[reminders]\nwelcome = no\n")
    for i in range(1, 201):
        f.write("[office o%03d]\nname = Oficina N%03d\nemail = o%03d@example.gov.co\n" % (i, i, i))
PY
start_peer kill --delay 0.02
cfg=$(make_config kill "$port" "$tmp/base200.ini" "$tmp/plan200.tsv")
"$PLAZO" -c "$cfg" send --at 2023-03-01T08:00 >/dev/null 2>&1 &
victim=$!
i=0
while [ "$(messages kill)" -lt 30 ] && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
kill -9 $victim 2>/dev/null
wait $victim 2>/dev/null
before=$(messages kill)
[ "$before" -ge 30 ] && [ "$before" -lt 200 ] && ok "killed mid-way ($before of 200 sent)" \
    || bad "kill came at $before of 200"
send "$cfg" 2023-03-01T08:00 || bad "rerun exit $?"
$PY - "$tmp/kill" <<'PY' && ok "after the rerun: 200 digests, at most one duplicate, same Message-ID" || bad "kill -9 rerun"
import collections, email, email.policy, glob, sys
ids = collections.Counter()
for path in glob.glob(sys.argv[1] + "/*.eml"):
    with open(path, "rb") as f:
        ids[email.message_from_bytes(f.read(), policy=email.policy.default)["Message-ID"]] += 1
dups = sum(n - 1 for n in ids.values())
assert len(ids) == 200 and dups <= 1, (len(ids), dups)
print("distinct %d, duplicates %d" % (len(ids), dups))
PY

echo "$fails failed"
[ "$fails" -eq 0 ]
