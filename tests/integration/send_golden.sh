#!/bin/sh
# send_golden.sh - what `plazo send --dry-run` prints, byte for byte: the seed plan's digests
# (reminders after a week of downtime, with late and doubtful items; then the welcome
# digests) against tests/data/send-dry-run.eml, with the Date and Message-ID headers masked
# (they vary by design) and the feed and page tokens fixed in the state beforehand. A change
# that speeds up composing must leave these bytes alone; a change meant to alter the digest
# regenerates the file (PLAZO_GOLDEN_WRITE=1) and shows the difference in review.
set -u
: "${PLAZO:?}" "${PLAZO_TESTDATA:?}" "${PLAZO_CONFIG:?}"
. "$(dirname "$0")/harness.sh"
golden="$PLAZO_TESTDATA/send-dry-run.eml"

# config WELCOME: the shipped config on the seed plan, its own state dir
config() {
    sed -e "s|^state_dir = .*|state_dir = $tmp/state|" -e "s|^welcome = yes$|welcome = $1|" \
        -e "s|^file = .*|file = $PLAZO_TESTDATA/estrategia-rendicion-cuentas-2023.tsv|" \
        "$PLAZO_CONFIG" >"$tmp/$1.ini"
    echo "$tmp/$1.ini"
}
mask() { sed -e 's/^Date: .*/Date: (masked)/' -e 's/^Message-ID: .*/Message-ID: (masked)/'; }

cfg=$(config no)
"$PLAZO" -c "$cfg" token list >/dev/null 2>&1 || bad "token list exit $?"
# every token made a fixed 32-hex string: the links in the digests stay the same
sqlite3 "$tmp/state/plazo.db" \
    "UPDATE token SET token = printf('%032x', rowid);
     UPDATE page_token SET token = printf('f%031x', rowid);" || bad "fixing the tokens"
{
    timeout 60 "$PLAZO" -c "$cfg" send --dry-run --at 2023-03-07T09:00 || bad "dry run exit $?"
    timeout 60 "$PLAZO" -c "$(config yes)" send --dry-run --at 2023-03-07T09:00 \
        || bad "welcome dry run exit $?"
} 2>"$tmp/err" | mask >"$tmp/dry.eml"
if [ "${PLAZO_GOLDEN_WRITE:-}" = 1 ]; then
    cp "$tmp/dry.eml" "$golden"
fi
n=$(grep -c '^Message-ID: ' "$tmp/dry.eml")
[ "$n" -ge 10 ] && ok "$n digests printed" || bad "digests printed: $n"
grep -q "Bienvenida a plazo" "$tmp/dry.eml" && ok "welcome digests among them" || bad "no welcome"
if cmp -s "$golden" "$tmp/dry.eml"; then
    ok "dry run identical to $(basename "$golden") (Date, Message-ID masked)"
else
    bad "dry run differs from $(basename "$golden"):"
    diff "$golden" "$tmp/dry.eml" | head -n 20
fi

echo "$fails failed"
[ "$fails" -eq 0 ]
