#!/bin/sh
# send_faults.sh - `plazo send` against a real SMTP peer (aiosmtpd) that refuses some
# recipients, refuses the login or presents an untrusted certificate, and into Maildirs on a
# full or read-only file system: a RCPT refused for now is retried for that recipient only,
# under the digest's first Message-ID; one refused for good fails and is reported while the
# others get the digest; login, certificate and password-file faults hold the queue (nothing
# fails, `plazo status` says so) until `plazo retry` or the backoff probe, then every digest
# goes once under the Message-ID of its first attempt; a full or read-only Maildir defers;
# retry_for counts from the first attempt; two fresh databases never share a Message-ID; a
# systemd credential is read instead of the password file when $CREDENTIALS_DIRECTORY is set;
# the daemon shows a held queue in /metrics and a reload releases it.
# Exits 77 (skip) when aiosmtpd, openssl, sqlite3 or curl is missing.
set -u
: "${PLAZO:?}" "${PLAZO_TESTDATA:?}" "${PLAZO_CONFIG:?}"
PY=/usr/bin/python3
HERE=$(dirname "$0")
. "$(dirname "$0")/harness.sh"
need py:aiosmtpd openssl sqlite3 curl
expect_no_grep() { if grep -q -- "$2" "$3"; then bad "$1: '$2' in $3"; cat "$3"; else ok "$1"; fi; }
connections() { grep -c '"event": "connect"' "$tmp/$1/log.jsonl" 2>/dev/null || echo 0; }
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

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
    wait_port "$name"
}
# make_config NAME PORT [PASSWORD_FILE [CA_FILE]]: the shipped config, state in
# $tmp/NAME-state, sending to the peer (CA_FILE "-": no ca_file line); prints its path.
# welcome = no: this test counts reminder digests; the welcome digest has its own test
# (welcome.sh)
make_config() {
    sed -e "s|^welcome = yes$|welcome = no|" -e "s|^state_dir = .*|state_dir = $tmp/$1-state|" \
        -e "s|^file = .*|file = $PLAZO_TESTDATA/estrategia-rendicion-cuentas-2023.tsv|" \
        -e 's/^email = secretaria.general@example.gov.co$/&\nmanager = jefe.sg@example.gov.co/' \
        "$PLAZO_CONFIG" >"$tmp/$1.ini"
    ca=${4:-$tmp/cert.pem}
    cat >>"$tmp/$1.ini" <<INI

[smtp]
url = smtp://127.0.0.1:$2
tls = required
user = plazo
password_file = ${3:-$tmp/pw}
timeout = 10s
INI
    [ "$ca" = "-" ] || echo "ca_file = $ca" >>"$tmp/$1.ini"
    echo "$tmp/$1.ini"
}
send() { timeout 60 "$PLAZO" -v -c "$1" send --at "$2" >"$tmp/out" 2>"$tmp/err"; }
status() { "$PLAZO" -c "$1" status >"$tmp/status" 2>&1; }
db_ids() { sqlite3 "$tmp/$1-state/plazo.db" \
    "SELECT DISTINCT message_id FROM reminder WHERE message_id IS NOT NULL ORDER BY 1"; }
# eml_ids DIR: the Message-IDs of the messages the peer stored, sorted, one a line.
eml_ids() {
    $PY - "$tmp/$1" <<'PY'
import email, email.policy, glob, sys
for p in sorted(glob.glob(sys.argv[1] + "/*.eml")):
    print(email.message_from_bytes(open(p, "rb").read(), policy=email.policy.default)["Message-ID"])
PY
}
# once DIR: every digest the peer stored arrived once (distinct Message-IDs).
once() {
    n=$(eml_ids "$1" | wc -l)
    u=$(eml_ids "$1" | sort -u | wc -l)
    [ "$n" -eq "$u" ] && [ "$n" -gt 0 ]
}

# 1. 451 for the manager's RCPT while the office's own address accepts: the office gets it
#    now, the manager later (only the manager is addressed again), under one Message-ID.
start_peer defer --defer-rcpt jefe.sg@example.gov.co:1
cfg=$(make_config defer "$port")
send "$cfg" 2023-03-07T08:00
expect_grep "451 for one recipient: deferred" "4 digests sent (.*), 1 deferred, 0 failed" "$tmp/out"
expect_grep "451 logged with the recipient" "digest deferred office=secretaria-general.*rcpt=jefe.sg@example.gov.co.*451" "$tmp/err"
send "$cfg" 2023-03-07T08:10
expect_grep "the manager's copy goes at the retry" "1 digest sent" "$tmp/out"
$PY - "$tmp/defer" <<'PY' && ok "each recipient got it once, one Message-ID" || bad "per-recipient retry"
import email, email.policy, json, os, sys
d = sys.argv[1]
rows = [json.loads(l) for l in open(os.path.join(d, "log.jsonl"))]
sg = [r for r in rows if r["event"] == "message" and
      set(r["rcpts"]) & {"secretaria.general@example.gov.co", "jefe.sg@example.gov.co"}]
assert [r["rcpts"] for r in sg] == [["secretaria.general@example.gov.co"], ["jefe.sg@example.gov.co"]], sg
ids = {email.message_from_bytes(open(os.path.join(d, r["file"]), "rb").read(),
                                policy=email.policy.default)["Message-ID"] for r in sg}
assert len(ids) == 1, ids
PY
send "$cfg" 2023-03-07T12:00
[ "$(messages defer)" -eq 6 ] && ok "nothing sent twice" || bad "$(messages defer) messages, wanted 6"

# 2. 550 for the manager: the office gets it, the manager's refusal fails and is reported.
start_peer reject --reject-rcpt jefe.sg@example.gov.co
cfg=$(make_config reject "$port")
send "$cfg" 2023-03-07T08:00
st=$?
[ $st -eq 1 ] && ok "exit 1 on a refused recipient" || bad "exit $st on a refused recipient"
expect_grep "550: the digest counts as sent" "5 digests sent (.*), 0 deferred, 0 failed" "$tmp/out"
expect_grep "550 logged" "recipient refused office=secretaria-general.*rcpt=jefe.sg@example.gov.co.*550" "$tmp/err"
status "$cfg"
expect_grep "status lists the refused recipient" "office=secretaria-general rcpt=jefe.sg@example.gov.co .*550 5.1.1" "$tmp/status"
"$PLAZO" -c "$cfg" log --office secretaria-general >"$tmp/log"
expect_grep "audit has the refusal" "rcpt-failed" "$tmp/log"
send "$cfg" 2023-03-07T12:00
[ "$(messages reject)" -eq 5 ] && ok "550 not retried" || bad "550 retried"

# 3. 535 (wrong password): held, nothing failed; fixed + plazo retry: each digest once,
#    under the Message-ID of its first attempt.
start_peer auth
printf 'wrong-pw\n' >"$tmp/pw-bad"
chmod 600 "$tmp/pw-bad"
cfg=$(make_config auth "$port" "$tmp/pw-bad")
send "$cfg" 2023-03-07T08:00
st=$?
[ $st -eq 1 ] && ok "535: exit 1" || bad "535: exit $st"
expect_grep "535: nothing failed" "0 digests sent (0 reminders), 0 deferred, 0 failed" "$tmp/out"
expect_grep "535: held, loudly" "queue held.*535" "$tmp/err"
status "$cfg"
expect_grep "status: QUEUE HELD with the reply" "^QUEUE HELD since 2023-03-07T13:00:00Z: .*535" "$tmp/status"
expect_grep "status: nothing failed" "reminders: 7 pending, 0 sent, 0 failed" "$tmp/status"
first=$(db_ids auth)
[ -n "$first" ] && ok "the held attempt fixed its Message-ID" || bad "no Message-ID stored"
before=$(connections auth)
send "$cfg" 2023-03-07T08:02
[ "$(connections auth)" -eq "$before" ] && ok "a held queue waits (no connection)" \
    || bad "held queue connected again"
printf 's3cret-pw\n' >"$tmp/pw-bad"
"$PLAZO" -c "$cfg" retry --at 2023-03-07T08:03 >"$tmp/retry" 2>&1 || bad "retry exit $?"
expect_grep "retry releases the hold" "the held queue is released" "$tmp/retry"
send "$cfg" 2023-03-07T08:03 || bad "send after the fix: exit $?"
[ "$(messages auth)" -eq 5 ] && ok "after the fix: 5 digests" || bad "$(messages auth) after the fix"
once auth && ok "each digest once" || bad "a digest twice"
eml_ids auth >"$tmp/ids"
grep -qxF "$first" "$tmp/ids" && ok "the first digest kept its Message-ID" \
    || bad "Message-ID $first not delivered"
status "$cfg"
expect_no_grep "status: no longer held" "QUEUE HELD" "$tmp/status"

# 4. untrusted certificate: held; the config fixed, the backoff probe delivers by itself.
start_peer cert
cfg=$(make_config cert "$port" "$tmp/pw" -)
send "$cfg" 2023-03-07T08:00
expect_grep "certificate: held" "queue held.*certificate" "$tmp/err"
expect_grep "certificate: nothing failed" "0 deferred, 0 failed" "$tmp/out"
cfg=$(make_config cert "$port")
before=$(connections cert)
send "$cfg" 2023-03-07T08:02
[ "$(connections cert)" -eq "$before" ] && ok "waits for its probe" || bad "probed too early"
send "$cfg" 2023-03-07T08:06 || bad "probe exit $?"
expect_grep "the probe releases the queue" "queue released" "$tmp/err"
[ "$(messages cert)" -eq 5 ] && once cert && ok "after the probe: 5 digests, once each" \
    || bad "$(messages cert) after the probe"

# 5. password file missing (and then readable by others): held; fixed + retry: delivered.
start_peer pwfile
cfg=$(make_config pwfile "$port" "$tmp/pw-later")
send "$cfg" 2023-03-07T08:00
expect_grep "missing password file: held" "queue held.*pw-later" "$tmp/err"
printf 's3cret-pw\n' >"$tmp/pw-later"
chmod 644 "$tmp/pw-later"
"$PLAZO" -c "$cfg" retry --at 2023-03-07T08:01 >/dev/null 2>&1
send "$cfg" 2023-03-07T08:01
expect_grep "0644 password file: held again" "queue held.*readable by others" "$tmp/err"
chmod 600 "$tmp/pw-later"
"$PLAZO" -c "$cfg" retry --at 2023-03-07T08:02 >/dev/null 2>&1
send "$cfg" 2023-03-07T08:02
[ "$(messages pwfile)" -eq 5 ] && once pwfile && ok "password fixed: 5 digests, once each" \
    || bad "$(messages pwfile) after the password fix"

# 6. systemd credential: $CREDENTIALS_DIRECTORY/<base name> is read instead of the file.
start_peer cred
mkdir -p "$tmp/etc" "$tmp/creds"
printf 'not-this-one\n' >"$tmp/etc/smtp-password"
printf 's3cret-pw\n' >"$tmp/creds/smtp-password"
chmod 600 "$tmp/etc/smtp-password"
chmod 400 "$tmp/creds/smtp-password"
cfg=$(make_config cred "$port" "$tmp/etc/smtp-password")
CREDENTIALS_DIRECTORY=$tmp/creds timeout 60 "$PLAZO" -c "$cfg" send --at 2023-03-07T08:00 \
    >"$tmp/out" 2>"$tmp/err"
[ "$(messages cred)" -eq 5 ] && ok "the credential logs in" || { bad "credential: $(messages cred)"; cat "$tmp/err"; }

# 7. retry_for counts from the first attempt: after three days down, the first refusal is
#    not final; a day after that first attempt it is.
start_peer rf
cfg=$(make_config rf "$port")
sed -i 's/^retry_for = .*/retry_for = 1d/' "$cfg"
send "$cfg" 2023-03-06T08:00
down=$(free_port)
cfg=$(make_config rf "$down")
sed -i 's/^retry_for = .*/retry_for = 1d/' "$cfg"
send "$cfg" 2023-03-09T08:00
expect_grep "after downtime: deferred, not failed" "0 digests sent (.*), [1-9][0-9]* deferred, 0 failed" "$tmp/out"
send "$cfg" 2023-03-09T20:00
expect_grep "12 h after the first attempt: still deferred" " 0 failed" "$tmp/out"
send "$cfg" 2023-03-10T08:30
expect_grep "a day after the first attempt: failed" "0 deferred, [1-9][0-9]* failed" "$tmp/out"

# 8. two fresh databases, the same digest: different Message-IDs.
for n in 1 2; do
    sed -e "s|^welcome = yes$|welcome = no|" -e "s|^state_dir = .*|state_dir = $tmp/fresh$n|" \
        -e "s|^file = .*|file = $PLAZO_TESTDATA/estrategia-rendicion-cuentas-2023.tsv|" \
        "$PLAZO_CONFIG" >"$tmp/fresh$n.ini"
    "$PLAZO" -c "$tmp/fresh$n.ini" send --at 2023-03-07T08:00 >/dev/null 2>&1
    grep -h '^Message-ID:' "$tmp/fresh$n"/maildir/secretaria-general/new/* >"$tmp/ids$n"
done
if [ -s "$tmp/ids1" ] && [ -s "$tmp/ids2" ] && ! cmp -s "$tmp/ids1" "$tmp/ids2"; then
    ok "fresh databases: different Message-IDs"
else
    bad "fresh databases share Message-IDs: $(cat "$tmp/ids1" "$tmp/ids2")"
fi

# 9. Maildir on a full tmpfs, then on a read-only bind mount: deferred, delivered later.
# maildir_case NAME DIR: sends into DIR (not writable yet), then runs "$fix", then again.
maildir_case() {
    sed -e "s|^welcome = yes$|welcome = no|" -e "s|^state_dir = .*|state_dir = $tmp/$1-state|" \
        -e "s|^file = .*|file = $PLAZO_TESTDATA/estrategia-rendicion-cuentas-2023.tsv|" \
        -e "s|^;maildir = .*|maildir = $2|" "$PLAZO_CONFIG" >"$tmp/$1.ini"
    send "$tmp/$1.ini" 2023-03-07T08:00
    expect_grep "$1: deferred, not failed" "0 digests sent (.*), 5 deferred, 0 failed" "$tmp/out"
    eval "$fix"
    send "$tmp/$1.ini" 2023-03-07T08:20
    got=$(find "$2" -path '*/new/*' -type f | wc -l)
    [ "$got" -eq 5 ] && ok "$1: delivered once the disk is back" || { bad "$1: $got delivered"; cat "$tmp/err"; }
}
mkdir -p "$tmp/full" "$tmp/rosrc" "$tmp/ro"
if mount -t tmpfs -o size=256k tmpfs "$tmp/full" 2>"$tmp/mount.err"; then
    mounts="$tmp/full $mounts"
    dd if=/dev/zero of="$tmp/full/filler" bs=4k 2>/dev/null
    fix='rm -f "$tmp/full/filler"'
    maildir_case full "$tmp/full/maildir"
else
    echo "skip full tmpfs: cannot mount ($(cat "$tmp/mount.err"))"
fi
if mount --bind "$tmp/rosrc" "$tmp/ro" 2>"$tmp/mount.err" &&
    mount -o remount,bind,ro "$tmp/ro" 2>>"$tmp/mount.err"; then
    mounts="$tmp/ro $mounts"
    fix='mount -o remount,bind,rw "$tmp/ro"'
    maildir_case readonly "$tmp/ro/maildir"
else
    echo "skip read-only bind mount: cannot mount ($(cat "$tmp/mount.err"))"
fi

# 10. the daemon: a 535 holds the queue, /metrics says so; the password fixed and a reload
#     (SIGHUP) release it at once (the backoff probe would wait 5 minutes).
# 11. the same released by `plazo retry` from outside: the command tells the daemon
#     (its pid file, SIGUSR1), so the digests go at once with no reload.
# wait_for PATTERN FILE: up to 15 s
wait_for() {
    i=0
    while ! grep -q -- "$1" "$2" 2>/dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
    grep -q -- "$1" "$2"
}
daemon_case() { # NAME: start a held daemon, fix the password, release it the NAME way
    start_peer "$1"
    printf 'wrong-pw\n' >"$tmp/pw-$1"
    chmod 600 "$tmp/pw-$1"
    cfg=$(make_config "$1" "$port" "$tmp/pw-$1")
    sed -i 's/^listen = .*/listen = 127.0.0.1:0/' "$cfg"
    "$PLAZO" -v -c "$cfg" run --at 2023-03-07T08:00 >"$tmp/$1.log" 2>&1 &
    daemon=$!
    pids="$pids $daemon"
    if wait_for "queue held" "$tmp/$1.log"; then ok "$1: held"; else bad "$1: not held"; cat "$tmp/$1.log"; fi
    wait_for "serving metrics on" "$tmp/$1.log"
    hport=$(sed -n 's/.*serving metrics on 127\.0\.0\.1 port \([0-9]*\).*/\1/p' "$tmp/$1.log" | head -n 1)
    i=0
    while [ $i -lt 50 ]; do
        curl -s "http://127.0.0.1:$hport/metrics" >"$tmp/metrics" 2>/dev/null
        grep -q '^plazo_queue_held 1' "$tmp/metrics" && break
        sleep 0.1
        i=$((i + 1))
    done
    expect_grep "$1: metrics: plazo_queue_held 1" "^plazo_queue_held 1" "$tmp/metrics"
    expect_grep "$1: metrics: the reminders waiting" "^plazo_queue_held_reminders 7" "$tmp/metrics"
    printf 's3cret-pw\n' >"$tmp/pw-$1"
    case $1 in
    reload)
        kill -HUP "$daemon"
        if wait_for "held queue released by the reload" "$tmp/$1.log"; then ok "$1: released"; else bad "$1: no release"; fi ;;
    poke)
        "$PLAZO" -c "$cfg" retry --at 2023-03-07T08:00:10 >"$tmp/retry.out" 2>&1 \
            && ok "$1: plazo retry" || { bad "$1: plazo retry failed"; cat "$tmp/retry.out"; } ;;
    esac
    i=0
    while [ "$(messages "$1")" -lt 5 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    [ "$(messages "$1")" -eq 5 ] && once "$1" && ok "$1: 5 digests within 5 s of the release" \
        || { bad "$1: $(messages "$1") digests after the release"; cat "$tmp/$1.log"; }
    sleep 0.5
    curl -s "http://127.0.0.1:$hport/metrics" >"$tmp/metrics" 2>/dev/null
    expect_grep "$1: metrics: plazo_queue_held 0" "^plazo_queue_held 0" "$tmp/metrics"
    kill "$daemon" 2>/dev/null
    wait "$daemon" 2>/dev/null
}
daemon_case reload
daemon_case poke

echo "$fails failed"
[ "$fails" -eq 0 ]
