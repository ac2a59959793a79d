#!/bin/sh
# smtp.sh - smtp.c against a real SMTP peer (tests/integration/smtp_peer.py, aiosmtpd) through
# the test driver tests/smtp-send.c: STARTTLS + AUTH over one connection, the refusal and
# failure classes (temporary 75, permanent 69, configuration or held 78) and their messages,
# and an answer per recipient when the server refuses some RCPTs and accepts others.
# Exits 77 (skip) when aiosmtpd or openssl is missing.
set -u
: "${PLAZO_SMTP_SEND:?path of the smtp-send test driver}"
PY=/usr/bin/python3
PEER="$(dirname "$0")/smtp_peer.py"
. "$(dirname "$0")/harness.sh"
need py:aiosmtpd openssl

# start_peer NAME ARGS...: runs a peer storing into $tmp/NAME; sets $port.
start_peer() {
	name=$1
	shift
	$PY "$PEER" --store "$tmp/$name" --port-file "$tmp/$name.port" --max-seconds 90 "$@" \
		2>"$tmp/$name.stderr" &
	pids="$pids $!"
	i=0
	while [ ! -s "$tmp/$name.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	port=$(cat "$tmp/$name.port" 2>/dev/null) || { bad "peer $name did not start"; exit 1; }
}

# send NAME WANT-STATUS ARGS...: runs the driver (bounded by timeout) and checks its status.
send() {
	name=$1 want=$2
	shift 2
	timeout 30 "$PLAZO_SMTP_SEND" --connect-timeout 3 --timeout 5 "$@" \
		>"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" -eq "$want" ]; then ok "$name"; else
		bad "$name: exit $got, wanted $want"; cat "$tmp/out" "$tmp/err"; fi
}
expect_grep() { # NAME PATTERN FILE
	if grep -q -- "$2" "$3"; then ok "$1"; else bad "$1: no '$2' in $3"; cat "$3"; fi
}
# events DIR [KEY=VALUE...]: number of log events matching every KEY=VALUE (values as JSON).
events() {
	$PY - "$@" <<'PY'
import json, os, sys
path = os.path.join(sys.argv[1], "log.jsonl")
want = [a.split("=", 1) for a in sys.argv[2:]]
rows = [json.loads(l) for l in open(path)] if os.path.exists(path) else []
print(sum(all(json.dumps(r.get(k)) == v for k, v in want) for r in rows))
PY
}
expect_events() { # NAME WANT DIR KEY=VALUE...
	name=$1 want=$2
	shift 2
	got=$(events "$@")
	if [ "$got" = "$want" ]; then ok "$name"; else bad "$name: $got events, wanted $want"; fi
}

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
	-keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>"$tmp/openssl.err" ||
	{ cat "$tmp/openssl.err"; exit 1; }
printf 'From: plazo@example.org\r\nTo: ana@example.org\r\nSubject: prueba\r\n\r\nhola\r\n.punto\r\n' \
	>"$tmp/msg.eml"
printf 's3cret-pw\n' >"$tmp/pw"
chmod 600 "$tmp/pw"
printf 'wrong-pw\n' >"$tmp/pw-wrong"
chmod 600 "$tmp/pw-wrong"
printf 's3cret-pw\n' >"$tmp/pw-open"
chmod 644 "$tmp/pw-open"

# STARTTLS + AUTH: three messages, one connection, payload intact.
start_peer tls --starttls "$tmp/cert.pem" "$tmp/key.pem" --auth plazo:s3cret-pw
tls_port=$port
TLS="--url smtp://127.0.0.1:$tls_port --ca-file $tmp/cert.pem --from plazo@example.org"
send "starttls auth 3 messages" 0 $TLS --user plazo --password-file "$tmp/pw" \
	--helo plazo.test --file "$tmp/msg.eml" --count 3 ana@example.org
expect_grep "driver counts 3" "sent 3 refused=0" "$tmp/out"
expect_events "3 messages over tls with auth" 3 "$tmp/tls" event='"message"' tls=true \
	auth='"plazo"' mail_from='"plazo@example.org"' rcpts='["ana@example.org"]'
expect_events "one connection for 3 messages" 1 "$tmp/tls" event='"connect"'
expect_events "all 3 on connection 1" 3 "$tmp/tls" event='"message"' conn=1
expect_events "ehlo names the helo domain" 3 "$tmp/tls" event='"message"' helo='"plazo.test"'
if cmp -s "$tmp/msg.eml" "$tmp/tls/0003.eml"; then ok "payload identical"; else
	bad "payload differs"; fi

# smtps:// (TLS from the first byte, port 465 style) with AUTH
start_peer smtps --implicit-tls "$tmp/cert.pem" "$tmp/key.pem" --auth plazo:s3cret-pw
send "smtps with auth" 0 --url "smtps://127.0.0.1:$port" --ca-file "$tmp/cert.pem" \
	--from plazo@example.org --user plazo --password-file "$tmp/pw" --file "$tmp/msg.eml" \
	ana@example.org
expect_events "smtps message arrived" 1 "$tmp/smtps" event='"message"' auth='"plazo"'

send "wrong password is held (the operator must act)" 78 $TLS --user plazo --password-file "$tmp/pw-wrong" \
	--file "$tmp/msg.eml" ana@example.org
expect_grep "wrong password message" "^held: smtp://127.0.0.1:$tls_port: authentication failed.*535" "$tmp/err"
if grep -q "wrong-pw\|s3cret" "$tmp/err" "$tmp/out"; then bad "password leaked"; else
	ok "password not shown"; fi

before=$(events "$tmp/tls" event='"connect"')
send "password file 0644 is a config error" 78 $TLS --user plazo --password-file "$tmp/pw-open" \
	--file "$tmp/msg.eml" ana@example.org
expect_grep "0644 message" "password file $tmp/pw-open is readable by others (mode 0644); chmod 600 it" "$tmp/err"
expect_events "0644 never connects" "$before" "$tmp/tls" event='"connect"'

send "unknown certificate is held" 78 --url "smtp://127.0.0.1:$tls_port" \
	--from plazo@example.org --user plazo --password-file "$tmp/pw" --file "$tmp/msg.eml" \
	ana@example.org
expect_events "nothing delivered without trust" 3 "$tmp/tls" event='"message"'

# Plain peer: no STARTTLS, first RCPT answered 451, one address refused with 550.
start_peer plain --fail-first 1 451 --reject-rcpt nadie@example.org
PLAIN="--url smtp://127.0.0.1:$port --from plazo@example.org --file $tmp/msg.eml"
send "tls required without starttls is held" 78 $PLAIN ana@example.org
expect_grep "starttls message" "server does not offer STARTTLS (set tls = opportunistic to allow plain text)" "$tmp/err"
expect_events "nothing sent in plain text" 0 "$tmp/plain" event='"message"'

send "451 is temporary" 75 $PLAIN --tls opportunistic ana@example.org
expect_grep "451 message names the reply" "^temporary: .*server said: 451 4.3.0 <ana@example.org>: try again later" "$tmp/err"
send "retry after 451 succeeds" 0 $PLAIN --tls opportunistic ana@example.org
expect_events "retry delivered" 1 "$tmp/plain" event='"message"' rcpts='["ana@example.org"]'

send "550 recipient is permanent" 69 $PLAIN --tls off nadie@example.org
expect_grep "550 message names the reply" "^permanent: .*server said: 550 5.1.1 <nadie@example.org>: recipient address rejected" "$tmp/err"

send "one refused of two still sends" 0 $PLAIN --tls off nadie@example.org luis@example.org
expect_grep "refused count" "sent 1 refused=1" "$tmp/out"
expect_events "only the accepted recipient" 1 "$tmp/plain" event='"message"' rcpts='["luis@example.org"]'

# One RCPT refused (451, then 550) while the other accepts: each recipient gets its own
# answer, the accepted one gets the message once, in a transaction without the refused one.
start_peer part --defer-rcpt ana@example.org --reject-rcpt nadie@example.org
PART="--url smtp://127.0.0.1:$port --tls off --from plazo@example.org --file $tmp/msg.eml"
send "451 for one of two still sends" 0 $PART ana@example.org luis@example.org
expect_grep "451 reported for that recipient" "^refused ana@example.org temporary: .*451 4.3.0" "$tmp/out"
expect_grep "one refused of two" "sent 1 refused=1" "$tmp/out"
expect_events "luis got it once, alone" 1 "$tmp/part" event='"message"' rcpts='["luis@example.org"]'
send "550 for the second of three" 0 $PART luis@example.org nadie@example.org eva@example.org
expect_grep "550 reported for that recipient" "^refused nadie@example.org permanent: .*550 5.1.1" "$tmp/out"
expect_events "the other two got it in one message" 1 "$tmp/part" event='"message"' \
	rcpts='["luis@example.org", "eva@example.org"]'
expect_events "nobody got it twice" 2 "$tmp/part" event='"message"'

send "bad address is permanent" 69 $PLAIN --tls off 'x@y>
RSET'

# 451 after DATA.
start_peer data --fail-first 1 451 --fail-stage data
send "451 after data is temporary" 75 --url "smtp://127.0.0.1:$port" --tls off \
	--from plazo@example.org --file "$tmp/msg.eml" ana@example.org
expect_grep "451 after data message" "server said: 451 4.3.0 message not accepted" "$tmp/err"

# Nobody listening: a port that was just free.
closed=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
send "peer down is temporary" 75 --url "smtp://127.0.0.1:$closed" --tls off \
	--from plazo@example.org --file "$tmp/msg.eml" ana@example.org

# A server that accepts the connection and never speaks: bounded by --timeout.
$PY -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
open(sys.argv[1], "w").write("%d\n" % s.getsockname()[1]); time.sleep(60)' "$tmp/silent.port" &
pids="$pids $!"
i=0
while [ ! -s "$tmp/silent.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
start=$(date +%s)
send "silent server times out as temporary" 75 --url "smtp://127.0.0.1:$(cat "$tmp/silent.port")" \
	--tls off --timeout 2 --from plazo@example.org --file "$tmp/msg.eml" ana@example.org
elapsed=$(($(date +%s) - start))
if [ "$elapsed" -le 6 ]; then ok "timeout bounded (${elapsed}s)"; else bad "took ${elapsed}s"; fi

echo "$fails failed"
[ "$fails" -eq 0 ]
