#!/bin/sh
# send_pipeline.sh - `plazo send` puts a digest on the wire while it records the one before
# (deliver.h, smtp_pipe.h): several digests over one connection with a fault mid-way (the
# accepted ones sent, the refused one deferred and sent once at its retry, nothing twice);
# every digest ends only after the one before is recorded as sent, even when the database is
# slow to take the record; a kill -9 while a record waits resends that one digest only,
# under its Message-ID; a held fault mid-pass stops the pass before the next digest reaches
# the server, and that digest's rows stay untouched until the hold is released.
# Exits 77 (skip) when aiosmtpd or sqlite3 is missing.
set -u
: "${PLAZO:?}" "${PLAZO_TESTDATA:?}" "${PLAZO_CONFIG:?}"
PY=/usr/bin/python3
HERE=$(dirname "$0")
. "$(dirname "$0")/harness.sh"
need py:aiosmtpd sqlite3
events() { n=$(grep -c "\"event\": \"$2\"" "$tmp/$1/log.jsonl" 2>/dev/null); echo "${n:-0}"; }
printf 's3cret-pw\n' >"$tmp/pw"
chmod 600 "$tmp/pw"

# start_peer NAME [ARGS...]: a plain SMTP peer storing into $tmp/NAME; sets $port.
start_peer() {
    name=$1
    shift
    $PY "$HERE/smtp_peer.py" --store "$tmp/$name" --port-file "$tmp/$name.port" \
        --max-seconds 90 "$@" 2>"$tmp/$name.stderr" &
    pids="$pids $!"
    wait_port "$name"
}
# make_config NAME PORT [AUTH]: the shipped config, state in $tmp/NAME-state, sending to the
# peer without TLS (with AUTH "yes": the login plazo / s3cret-pw); prints its path.
make_config() {
    sed -e "s|^welcome = yes$|welcome = no|" -e "s|^state_dir = .*|state_dir = $tmp/$1-state|" \
        -e "s|^file = .*|file = $PLAZO_TESTDATA/estrategia-rendicion-cuentas-2023.tsv|" \
        "$PLAZO_CONFIG" >"$tmp/$1.ini"
    printf '\n[smtp]\nurl = smtp://127.0.0.1:%s\ntls = off\ntimeout = 10s\n' "$2" >>"$tmp/$1.ini"
    [ "${3:-}" = yes ] && printf 'user = plazo\npassword_file = %s\n' "$tmp/pw" >>"$tmp/$1.ini"
    echo "$tmp/$1.ini"
}
send() {
    timeout 60 "$PLAZO" -v -c "$1" send --at "$2" >"$tmp/out" 2>"$tmp/err"
    cat "$tmp/out" "$tmp/err" >>"$tmp/all"
}
db() { sqlite3 "$tmp/$1-state/plazo.db" "$2"; }
# ids DIR: the Message-IDs of the messages the peer stored, in arrival order.
ids() {
    $PY - "$tmp/$1" <<'PY'
import email, email.policy, glob, sys
for p in sorted(glob.glob(sys.argv[1] + "/*.eml")):
    print(email.message_from_bytes(open(p, "rb").read(), policy=email.policy.default)["Message-ID"])
PY
}
dups() { ids "$1" | sort | uniq -d | wc -l; }
# sent_ids NAME: the Message-IDs the ledger has as sent, sorted.
sent_ids() { db "$1" "SELECT DISTINCT message_id FROM reminder WHERE state = 'sent' ORDER BY 1"; }
same_ids() { [ "$(ids "$1" | sort -u)" = "$(sent_ids "$1")" ]; }

# 1. five digests over one connection, the third refused for now at DATA (451): the others
#    are sent over the same connection, the third waits for its retry and then goes once.
start_peer mid --fail-nth 3 451
cfg=$(make_config mid "$port")
send "$cfg" 2023-03-07T08:00
expect_grep "a 451 mid-pass defers that digest only" "4 digests sent (.*), 1 deferred, 0 failed" \
    "$tmp/out"
[ "$(events mid connect)" -eq 1 ] && ok "one connection for five digests" ||
    bad "$(events mid connect) connections for five digests, wanted 1"
waiting="SELECT count(DISTINCT message_id) FROM reminder WHERE state = 'pending'"
[ "$(db mid "$waiting AND message_id IS NOT NULL")" -eq 1 ] &&
    ok "the refused digest is pending under its Message-ID" || bad "pending rows after the 451"
same_ids mid && ok "the four accepted digests are the four marked sent" ||
    bad "sent marks vs accepted"
send "$cfg" 2023-03-07T12:00
expect_grep "the refused digest goes at its retry" "1 digest sent" "$tmp/out"
[ "$(messages mid)" -eq 5 ] && [ "$(dups mid)" -eq 0 ] && same_ids mid &&
    ok "each digest once, all marked sent" || bad "$(messages mid) messages, $(dups mid) twice"

# 2. the database is slow to take the second digest's record (the peer holds its write lock
#    for 2 s): the third digest still ends only after the second is recorded as sent.
start_peer order --check-db "$tmp/order-state/plazo.db" --lock-after 2 2
cfg=$(make_config order "$port")
send "$cfg" 2023-03-07T08:00
expect_grep "all five sent" "5 digests sent" "$tmp/out"
$PY - "$tmp/order/log.jsonl" <<'PY' && ok "each digest ended after the one before was recorded" ||
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
order = [e for e in ev if e["event"] == "order"]
assert len(order) == 4 and all(e["ok"] for e in order), order
names = [e["event"] for e in ev]
third = [i for i, n in enumerate(names) if n == "message"][2]
assert names.index("unlocked") < third, names
PY
    bad "a digest ended before the one before was recorded: $(cat "$tmp/order/log.jsonl")"

# 3. kill -9 while the second digest's record waits for the database: the rerun sends that
#    digest again under its Message-ID (it was accepted, not recorded) and no other twice.
start_peer kill --check-db "$tmp/kill-state/plazo.db" --lock-after 2 3
cfg=$(make_config kill "$port")
"$PLAZO" -c "$cfg" send --at 2023-03-07T08:00 >"$tmp/kill.out" 2>&1 &
victim=$!
i=0
while [ "$(events kill locked)" -eq 0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.5
kill -9 $victim
wait $victim 2>/dev/null
while [ "$(events kill unlocked)" -eq 0 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(messages kill)" -eq 2 ] && ok "nothing after the unrecorded digest reached the peer" ||
    bad "$(messages kill) messages before the kill, wanted 2"
send "$cfg" 2023-03-07T08:00
second=$(ids kill | sed -n 2p)
[ "$(messages kill)" -eq 6 ] && [ "$(ids kill | sort | uniq -d)" = "$second" ] && same_ids kill &&
    ok "after kill -9 only the unrecorded digest went twice, same Message-ID" ||
    bad "after kill -9: $(messages kill) messages, twice: $(ids kill | sort | uniq -d)"

# 4. a held fault mid-pass: the third digest is refused for now (its connection dropped),
#    the login on the next connection is refused (535): the fourth holds the queue and the
#    fifth never reaches the peer, its rows untouched; plazo retry and a pass send the
#    three once each.
start_peer held --auth plazo:s3cret-pw --fail-nth 3 451 --drop-after-fail --auth-fail-conn 2
cfg=$(make_config held "$port" yes)
send "$cfg" 2023-03-07T08:00
expect_grep "the 535 holds the queue" "queue held" "$tmp/err"
[ "$(messages held)" -eq 2 ] && ok "nothing reached the peer after the held fault" ||
    bad "$(messages held) messages in the held pass, wanted 2: $(cat "$tmp/held/log.jsonl")"
[ "$(db held "SELECT count(*) FROM audit WHERE kind = 'held'")" -eq 1 ] && ok "held once" ||
    bad "$(db held "SELECT count(*) FROM audit WHERE kind = 'held'") held audit rows, wanted 1"
untouched="SELECT count(*) FROM reminder WHERE state = 'pending' AND message_id IS NULL"
[ "$(db held "$untouched AND attempts = 0")" -ge 1 ] &&
    ok "the digest after the held one was never attempted" ||
    bad "rows after the held digest touched"
"$PLAZO" -c "$cfg" retry --at 2023-03-07T08:01 >/dev/null 2>&1
send "$cfg" 2023-03-07T12:00
[ "$(messages held)" -eq 5 ] && [ "$(dups held)" -eq 0 ] && same_ids held &&
    ok "after the retry each digest once, all marked sent" ||
    bad "after the retry: $(messages held) messages, $(dups held) twice"

[ $fails -eq 0 ] || { cat "$tmp/all"; cat $tmp/*.stderr; echo "$fails failed"; exit 1; }
echo "all passed"
