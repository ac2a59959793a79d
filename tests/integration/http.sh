#!/bin/sh
# http.sh - http.c through the test driver tests/http-serve.c, with curl and raw sockets:
# routes and media types, validators and conditional requests (304 only on a real match),
# HEAD, 404/405, 414/431 from the memory limit, /healthz, /metrics (exact counters, 403 off
# loopback), snapshot swap on SIGHUP, idle timeout, the connection cap (excess connections wait
# in the listen queue), IPv6 and dual stack, and an access log without tokens.
# Every request is bounded (curl --max-time, socket timeouts). Exits 77 without curl or python3.
set -u
: "${PLAZO_HTTP_SERVE:?path of the http-serve test driver}"
PY=/usr/bin/python3
. "$(dirname "$0")/harness.sh"
need curl "$PY"
expect() { # NAME GOT WANT
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: got '$2', wanted '$3'"; fi
}

TOK1=0123456789abcdef0123456789abcdef # feed and page
TOK2=fedcba9876543210fedcba9876543210 # feed only, same bytes as TOK1's feed
TOK3=00112233445566778899aabbccddeeff # a large feed
UNKNOWN=0123456789abcdef0123456789abcdee
site=$tmp/site
mkdir "$site"
printf 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nSUMMARY:%s\r\nEND:VCALENDAR\r\n' \
	'Entrega de informe \342\200\224 Planeaci\303\263n' >"$site/$TOK1.ics"
cp "$site/$TOK1.ics" "$site/$TOK2.ics"
printf '<!doctype html><title>Planeaci\303\263n</title><p>Entregas</p>\n' >"$site/$TOK1.html"
$PY -c 'import sys; sys.stdout.write("".join("LINE:%06d\r\n" % i for i in range(30000)))' \
	>"$site/$TOK3.ics"
printf '3 2 1\n' >"$site/gauges"
touch -d '2024-03-05 14:07:09 UTC' "$site/$TOK1.ics" "$site/$TOK2.ics" "$site/$TOK3.ics"
touch -d '2024-03-06 10:00:00 UTC' "$site/$TOK1.html"

# raw HOST PORT: sends stdin on one connection, reads to EOF, prints "STATUS BODY-BYTES".
cat >"$tmp/raw.py" <<'PY'
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
s.sendall(sys.stdin.buffer.read())
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
head, sep, body = data.partition(b"\r\n\r\n")
status = head.split(b" ")[1].decode() if head.startswith(b"HTTP/") else "none"
print(status, len(body) if sep else -1)
PY
raw() { printf '%b' "$1" | $PY "$tmp/raw.py" 127.0.0.1 "$port" 2>&1; }

# start NAME [ENV=VALUE...]: runs the driver on $site; sets $port ("" when it did not start)
# and $pid.
start() {
	name=$1
	shift
	env "$@" "$PLAZO_HTTP_SERVE" "$tmp/$name.port" "$site" 2>"$tmp/$name.log" &
	pid=$!
	pids="$pids $pid"
	i=0
	while [ ! -s "$tmp/$name.port" ] && [ $i -lt 100 ] && kill -0 "$pid" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	port=$(cat "$tmp/$name.port" 2>/dev/null) || port=""
	mport=$(cat "$tmp/$name.port.metrics" 2>/dev/null) || mport=""
}

# Statuses http.c answers, tallied as the requests go, to compare with /metrics.
n200=0 n304=0 n403=0 n404=0 n405=0 feedbytes=0
tally() { # STATUS METHOD URL
	case $1 in
	200) n200=$((n200 + 1)) ;;
	304) n304=$((n304 + 1)) ;;
	403) n403=$((n403 + 1)) ;;
	404) n404=$((n404 + 1)) ;;
	405) n405=$((n405 + 1)) ;;
	esac
	case "$1 $2 $3" in
	"200 GET "*/feeds/*) feedbytes=$((feedbytes + $(wc -c <"$tmp/body"))) ;;
	esac
}

# req METHOD URL [CURL-ARGS...]: one bounded request; body in $tmp/body, headers without CR in
# $tmp/headers, status in $code, bytes of body in $size.
req() {
	method=$1 url=$2
	shift 2
	case $method in
	GET) ;;
	HEAD) set -- -I "$@" ;;
	*) set -- -X "$method" "$@" ;;
	esac
	out=$(curl -sS --max-time 5 -o "$tmp/body" -D "$tmp/headers.raw" \
		-w '%{http_code} %{size_download}' "$@" "$url" 2>"$tmp/curl.err")
	code=${out% *} size=${out#* }
	tr -d '\r' <"$tmp/headers.raw" >"$tmp/headers" 2>/dev/null
	tally "$code" "$method" "$url"
}
header() { sed -n "s/^$1: //Ip" "$tmp/headers" | head -n 1; }
same_body() { # NAME FILE
	if cmp -s "$tmp/body" "$2"; then ok "$1"; else bad "$1: body differs from $2"; fi
}

start main
[ -n "$port" ] || { bad "driver did not start"; cat "$tmp/main.log"; exit 1; }
base=http://127.0.0.1:$port
feed1=$base/feeds/$TOK1.ics

# --- feeds and pages ---
req GET "$feed1"
expect "feed status" "$code" 200
expect "feed content type" "$(header Content-Type)" "text/calendar; charset=utf-8"
expect "feed last-modified" "$(header Last-Modified)" "Tue, 05 Mar 2024 14:07:09 GMT"
expect "feed cache-control" "$(header Cache-Control)" "max-age=900"
same_body "feed body byte-identical" "$site/$TOK1.ics"
etag=$(header ETag)
if printf '%s\n' "$etag" | grep -Eq '^"[0-9a-f]{32}"$'; then ok "strong etag"; else
	bad "etag '$etag'"; fi

req GET "$base/feeds/$TOK2.ics"
same_body "another token's feed, same bytes" "$site/$TOK2.ics"
[ "$(header ETag)" != "$etag" ] && ok "another office, another etag (validators name versions)" ||
	bad "another token's feed has the etag of the first"
req GET "$base/o/$TOK2"
expect "feed-only token has no page" "$code" 404
req GET "$base/feeds/$TOK3.ics"
expect "large feed status" "$code" 200
same_body "large feed byte-identical" "$site/$TOK3.ics"

req GET "$base/o/$TOK1"
expect "page status" "$code" 200
expect "page content type" "$(header Content-Type)" "text/html; charset=utf-8"
expect "page last-modified" "$(header Last-Modified)" "Wed, 06 Mar 2024 10:00:00 GMT"
expect "page cache-control" "$(header Cache-Control)" "no-cache"
same_body "page body byte-identical" "$site/$TOK1.html"
page_etag=$(header ETag)
[ "$page_etag" != "$etag" ] && ok "page etag differs" || bad "page etag equals the feed's"

req GET "$feed1" -H 'Accept: application/json'
same_body "same body whatever Accept says" "$site/$TOK1.ics"

# --- HEAD ---
req HEAD "$feed1"
expect "head status" "$code" 200
expect "head etag" "$(header ETag)" "$etag"
expect "head content-length" "$(header Content-Length)" "$(wc -c <"$site/$TOK1.ics")"
expect "head last-modified" "$(header Last-Modified)" "Tue, 05 Mar 2024 14:07:09 GMT"
expect "head sends no body" \
	"$(raw "HEAD /feeds/$TOK1.ics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")" "200 0"
tally 200 HEAD -

# --- If-None-Match ---
req GET "$feed1" -H "If-None-Match: $etag"
expect "if-none-match etag: 304" "$code" 304
expect "304 has no body" "$size" 0
expect "304 etag" "$(header ETag)" "$etag"
expect "304 last-modified" "$(header Last-Modified)" "Tue, 05 Mar 2024 14:07:09 GMT"
expect "304 cache-control" "$(header Cache-Control)" "max-age=900"
expect "304 carries one Content-Length at most (MHD 0.9.75 writes 0; a second one breaks http-parser clients)" "$(grep -ci '^Content-Length:' "$tmp/headers")" 1
expect "304 on the wire has no body" "$(raw "GET /feeds/$TOK1.ics HTTP/1.1\r\nHost: t\r\n\
If-None-Match: $etag\r\nConnection: close\r\n\r\n")" "304 0"
tally 304 GET -
req GET "$feed1" -H 'If-None-Match: "0123456789abcdef0123456789abcdef"'
expect "if-none-match other tag: 200" "$code" 200
req GET "$feed1" -H "If-None-Match: \"x\", $etag"
expect "if-none-match list: 304" "$code" 304
req GET "$feed1" -H "If-None-Match: W/$etag"
expect "if-none-match weak tag: 304" "$code" 304
req GET "$feed1" -H 'If-None-Match: *'
expect "if-none-match star: 304" "$code" 304
req GET "$base/o/$TOK1" -H "If-None-Match: $etag"
expect "feed etag does not validate the page" "$code" 200
req GET "$base/o/$TOK1" -H "If-None-Match: $page_etag"
expect "page etag: 304" "$code" 304

# --- If-Modified-Since ---
req GET "$feed1" -H 'If-Modified-Since: Tue, 05 Mar 2024 14:07:09 GMT'
expect "if-modified-since equal: 304" "$code" 304
req GET "$feed1" -H 'If-Modified-Since: Tue, 05 Mar 2024 14:07:08 GMT'
expect "if-modified-since a second older: 200" "$code" 200
req GET "$feed1" -H 'If-Modified-Since: Wed, 01 Jan 2025 00:00:00 GMT'
expect "if-modified-since later: 304" "$code" 304
req GET "$feed1" -H 'If-Modified-Since: Tuesday, 05-Mar-24 14:07:09 GMT'
expect "if-modified-since rfc850: 304" "$code" 304
req GET "$feed1" -H 'If-Modified-Since: Tue Mar  5 14:07:09 2024'
expect "if-modified-since asctime: 304" "$code" 304
req GET "$feed1" -H 'If-Modified-Since: yesterday'
expect "if-modified-since garbage: 200" "$code" 200
req GET "$feed1" -H 'If-Modified-Since: Sat, 31 Feb 2024 14:07:09 GMT'
expect "if-modified-since impossible date: 200" "$code" 200
req GET "$feed1" -H 'If-None-Match: "other"' -H 'If-Modified-Since: Wed, 01 Jan 2025 00:00:00 GMT'
expect "if-none-match wins over if-modified-since" "$code" 200

# --- not found, methods, limits ---
req GET "$base/feeds/$UNKNOWN.ics"
expect "unknown feed token: 404" "$code" 404
expect "404 body" "$(cat "$tmp/body")" "No encontrado"
req GET "$base/o/$UNKNOWN"
expect "unknown page token: 404" "$code" 404
for path in / /nope "/feeds/$TOK1" "/feeds/$TOK1.ics/x" "/o/$TOK1/" \
	/feeds/0123456789ABCDEF0123456789ABCDEF.ics; do
	req GET "$base$path"
	expect "404 for $path" "$code" 404
done
for m in POST PUT DELETE; do
	req "$m" "$feed1" -d 'x=1'
	expect "$m: 405" "$code" 405
	expect "$m: Allow" "$(header Allow)" "GET, HEAD"
done
req GET "$base/feeds/$(printf '%010000d' 0).ics"
expect "10 kB URL: 414" "$code" 414
req GET "$base/healthz" -H "X-Padding: $(printf '%020000d' 0)"
expect "20 kB of headers: 431" "$code" 431

req GET "$base/healthz"
expect "healthz" "$code $(cat "$tmp/body")" "200 ok"

# --- metrics: on their own listener; every count is known from the requests above ---
req GET "$base/metrics"
expect "no /metrics on the feeds' port: 404" "$code" 404
req GET "http://127.0.0.1:$mport/metrics"
expect "metrics status" "$code" 200
case $(header Content-Type) in
"text/plain; version=0.0.4"*) ok "metrics content type" ;;
*) bad "metrics content type '$(header Content-Type)'" ;;
esac
cp "$tmp/body" "$tmp/metrics"
metric() { awk -v k="$1" '$1 == k { print $2 }' "$tmp/metrics"; }
expect "requests 200" "$(metric 'plazo_http_requests_total{code="200"}')" $((n200 - 1))
expect "requests 304" "$(metric 'plazo_http_requests_total{code="304"}')" "$n304"
expect "requests 404" "$(metric 'plazo_http_requests_total{code="404"}')" "$n404"
expect "the metrics listener serves only /metrics" \
	"$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$mport/healthz")" 404
expect "requests 405" "$(metric 'plazo_http_requests_total{code="405"}')" "$n405"
expect "not modified" "$(metric plazo_http_not_modified_total)" "$n304"
expect "feed bytes" "$(metric plazo_feed_bytes_total)" "$feedbytes"
expect "gauge pending" "$(metric 'plazo_reminders{state="pending"}')" 3
expect "gauge sent" "$(metric 'plazo_reminders{state="sent"}')" 2
expect "gauge failed" "$(metric 'plazo_reminders{state="failed"}')" 1
for t in 'TYPE plazo_http_requests_total counter' 'TYPE plazo_reminders gauge' \
	'HELP plazo_feed_bytes_total '; do
	grep -q "^# $t" "$tmp/metrics" && ok "metrics has '# $t'" || bad "metrics lacks '# $t'"
done

# --- snapshot swap ---
printf 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nSUMMARY:nuevo\r\nEND:VCALENDAR\r\n' >"$site/$TOK1.ics"
touch -d '2024-04-01 08:00:00 UTC' "$site/$TOK1.ics"
kill -HUP "$pid"
i=0
while [ $i -lt 50 ]; do
	req GET "$feed1"
	[ "$(header ETag)" != "$etag" ] && break
	sleep 0.1
	i=$((i + 1))
done
[ "$(header ETag)" != "$etag" ] && ok "SIGHUP publishes a new etag" || bad "etag unchanged"
same_body "new snapshot body" "$site/$TOK1.ics"
expect "new last-modified" "$(header Last-Modified)" "Mon, 01 Apr 2024 08:00:00 GMT"
req GET "$feed1" -H "If-None-Match: $etag"
expect "old etag no longer matches" "$code" 200

# --- idle timeout (the driver's is 2 s) ---
idle=$($PY - "$port" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=8)
t = time.monotonic()
try:
    got = "eof" if s.recv(1) == b"" else "data"
except ConnectionResetError:
    got = "eof"
except socket.timeout:
    got = "no-eof"
print(got, 1 <= time.monotonic() - t <= 4.5)
PY
)
expect "idle connection closed after the timeout" "$idle" "eof True"

# --- access log: one line per request, never the token ---
log=$tmp/main.log
first4=$(printf '%s' "$TOK1" | cut -c1-4)
grep -q "method=GET path=/feeds/$first4….ics status=304 bytes=0 .*client=127.0.0.1" "$log" &&
	ok "access line for a 304" || bad "no access line for a 304"
grep -q "method=POST path=/feeds/$first4….ics status=405" "$log" &&
	ok "access line for a 405" || bad "no access line for a 405"
if grep -q -e "$TOK1" -e "$TOK2" -e "$TOK3" -e "$UNKNOWN" "$log"; then bad "a token in the log"
else ok "no token in the log"; fi

kill -TERM "$pid"
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
wait "$pid"
expect "SIGTERM stops with status 0" "$?" 0

# --- metrics from other addresses: the feeds' listener on 0.0.0.0 has no /metrics; its own
# listener stays on loopback ---
ip4=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9.]+$' | grep -v '^127\.' | head -n 1)
start any PLAZO_HTTP_ADDRESS=0.0.0.0
req GET "http://127.0.0.1:$port/metrics"
expect "0.0.0.0: no metrics on the feeds' port" "$code" 404
req GET "http://127.0.0.1:$mport/metrics"
expect "0.0.0.0: metrics on 127.0.0.1" "$code" 200
if [ -n "$ip4" ]; then
	req GET "http://$ip4:$mport/metrics"
	expect "metrics not reachable from $ip4" "$code" 000
	req GET "http://$ip4:$port/feeds/$TOK2.ics"
	expect "feed from $ip4: 200" "$code" 200
else
	echo "skip: no non-loopback IPv4 address"
fi
kill "$pid"

if $PY -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
	start v6 PLAZO_HTTP_ADDRESS=::1 PLAZO_HTTP_METRICS_ADDRESS=::1
	req GET "http://[::1]:$port/feeds/$TOK2.ics"
	expect "::1 serves feeds" "$code" 200
	req GET "http://[::1]:$mport/metrics"
	expect "metrics on ::1" "$code" 200
	kill "$pid"
	start dual PLAZO_HTTP_ADDRESS=::
	req GET "http://127.0.0.1:$port/feeds/$TOK2.ics"
	expect ":: dual stack serves IPv4" "$code" 200
	kill "$pid"
else
	echo "skip: ::1 cannot be bound"
fi

# --- connection cap: with 2 idle connections held, a third is not refused: the oldest idle
# one is dropped for it, and it is answered at once ---
start cap PLAZO_HTTP_CONNECTION_LIMIT=2 PLAZO_HTTP_TIMEOUT=10 PLAZO_HTTP_PER_CLIENT=10
cap=$($PY - "$port" <<'PY'
import socket, sys, time
addr = ("127.0.0.1", int(sys.argv[1]))
held = [socket.create_connection(addr, timeout=5) for _ in range(2)]
time.sleep(0.3)
third = socket.create_connection(addr, timeout=1)
third.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
try:
    first = "answered" if third.recv(1) else "closed"
except socket.timeout:
    first = "waiting"
held[0].settimeout(2)
try:
    dropped = "dropped" if held[0].recv(1) == b"" else "data"
except ConnectionResetError:
    dropped = "dropped"
except socket.timeout:
    dropped = "kept"
print(first, dropped)
PY
)
expect "connection beyond the cap: the oldest idle one is dropped for it" "$cap" "answered dropped"
kill "$pid"

# --- listen failures ---
PLAZO_HTTP_ADDRESS=not-an-address timeout 10 "$PLAZO_HTTP_SERVE" "$tmp/bad.port" "$site" \
	2>"$tmp/bad.log"
expect "unparseable address exits 1" "$?" 1
grep -q '^http-serve: config:' "$tmp/bad.log" && ok "unparseable address is a config error" ||
	{ bad "unparseable address message"; cat "$tmp/bad.log"; }
PLAZO_HTTP_ADDRESS=203.0.113.7 timeout 10 "$PLAZO_HTTP_SERVE" "$tmp/bad.port" "$site" \
	2>"$tmp/bad.log"
expect "address not on this host exits 1" "$?" 1
grep -q '^http-serve: io: listen on http://203.0.113.7:0' "$tmp/bad.log" &&
	ok "unbindable address is an I/O error" || { bad "unbindable message"; cat "$tmp/bad.log"; }

echo "$fails failed"
[ "$fails" -eq 0 ]
