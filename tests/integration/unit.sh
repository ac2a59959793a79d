#!/bin/sh
# unit.sh - systemd/plazo.service passes `systemd-analyze verify` (pointed at the built
# binary, since /usr/sbin/plazo is not installed here) and its offline security exposure
# stays at or below 2.0. Skips (77) without systemd-analyze.
set -u
: "${PLAZO:?}" "${PLAZO_SRC:?}"
command -v systemd-analyze >/dev/null 2>&1 || { echo "skip: no systemd-analyze"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed -e "s|/usr/sbin/plazo|$PLAZO|g" -e '/^Documentation=/d' \
    "$PLAZO_SRC/systemd/plazo.service" >"$tmp/plazo.service"
fails=0
if systemd-analyze verify "$tmp/plazo.service" >"$tmp/out" 2>&1; then
    echo "ok verify"
else
    echo "FAIL verify"; cat "$tmp/out"; fails=$((fails + 1))
fi
if systemd-analyze security --offline=true "$tmp/plazo.service" >"$tmp/sec" 2>&1; then
    level=$(sed -n 's/.*Overall exposure level for plazo.service: \([0-9.]*\).*/\1/p' "$tmp/sec")
    if [ -n "$level" ] && awk "BEGIN { exit !($level <= 2.0) }"; then
        echo "ok security exposure $level"
    else
        echo "FAIL security exposure '$level'"; tail -n 30 "$tmp/sec"; fails=$((fails + 1))
    fi
else
    echo "skip security: $(tail -n 1 "$tmp/sec")"
fi
echo "$fails failed"
[ "$fails" -eq 0 ]
