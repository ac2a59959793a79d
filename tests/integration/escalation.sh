#!/bin/sh
# escalation.sh - the supervising office's weekly digest ([escalation] in config/plazo.ini:
# Control Interno, 5 working days, Mondays): on Monday 2023-03-06 08:00 it lists, worked out
# by hand from the plan, activities 3 and 4 (due 2023-01-31; 4 for two offices), 5
# (2023-01-30) and 23 (its three 2022 dates) - not the 2023-02-28 ones, only 4 working days
# late. A milestone marked delivered leaves the next week's digest.
set -u
: "${PLAZO:?}" "${PLAZO_TESTDATA:?}" "${PLAZO_CONFIG:?}"
PY=/usr/bin/python3
HERE=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }
sed -e "s|^state_dir = .*|state_dir = $tmp/state|" \
    -e "s|^file = .*|file = $PLAZO_TESTDATA/estrategia-rendicion-cuentas-2023.tsv|" \
    "$PLAZO_CONFIG" >"$tmp/plazo.ini"
P="$PLAZO -c $tmp/plazo.ini"
$P send --at 2023-03-06T08:00 >"$tmp/out" 2>&1 || { bad "send exit"; cat "$tmp/out"; }
digest() { # the escalation digest of a week: the control-interno message with that subject
    grep -l "Seguimiento" $(find "$tmp/state/maildir/control-interno/new" -type f -newer "$1" 2>/dev/null) 2>/dev/null | head -n 1
}
touch -d '2000-01-01' "$tmp/epoch"
first=$(digest "$tmp/epoch")
[ -n "$first" ] && ok "escalation digest on Monday 2023-03-06" || bad "no escalation digest"
$PY "$HERE/check_digest.py" "$first" --office "Seguimiento de vencidas" --numbers 3,4,5,23 \
    && ok "it lists activities 3, 4, 5 and 23" || bad "escalation digest content"
$PY - "$first" <<'PY' && ok "one entry per late office and milestone, each with its office" || bad "grouping"
import email, email.policy, re, sys
msg = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
text = msg.get_body(("plain",)).get_content()
offices = re.findall(r"Responsable: ([^\r\n]+)", text)
assert len(offices) == 7, offices
assert offices.count("Protocolo Secretaría General") == 3, offices
assert "Oficina de Comunicaciones - Equipo de Redes" in offices, offices
PY
# activity 5 delivered (Oficina para la Transparencia): gone from the next week's digest
$PY - "$tmp/state/plazo.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO delivery (office, activity, milestone, due, at, by_name) "
           "VALUES ('transparencia', '5', 1, '2023-01-30', 1678100000, 'Luis')")
db.commit()
PY
touch "$tmp/mark"
sleep 1
$P send --at 2023-03-13T08:00 >"$tmp/out" 2>&1 || bad "second send exit"
second=$(digest "$tmp/mark")
[ -n "$second" ] && ok "escalation digest on Monday 2023-03-13" || bad "no second escalation digest"
$PY - "$second" <<'PY' && ok "the delivered milestone left the digest" || bad "delivered milestone still escalated"
import email, email.policy, re, sys
msg = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
text = msg.get_body(("plain",)).get_content()
nums = re.findall(r"Actividad (\d+)", text)
assert "5" not in nums and "3" in nums and "9" in nums, nums
PY
# day = fri: Good Friday 2023-04-07 is a holiday and the weekend is closed, so that week's
# digest goes out on Monday 2023-04-10, not on Sunday
sed -e "s|^state_dir = .*|state_dir = $tmp/fri|" -e "s|^day = mon|day = fri|" "$tmp/plazo.ini" >"$tmp/fri.ini"
$PLAZO -c "$tmp/fri.ini" send --at 2023-04-06T09:00 >/dev/null 2>&1
$PLAZO -c "$tmp/fri.ini" send --at 2023-04-09T23:00 >/dev/null 2>&1
n=$(grep -l "Seguimiento" $(find "$tmp/fri/maildir" -type f 2>/dev/null) /dev/null 2>/dev/null | wc -l)
[ "$n" -eq 0 ] && ok "no escalation on the holiday or the weekend" || bad "escalation sent on a closed day ($n)"
$PLAZO -c "$tmp/fri.ini" send --at 2023-04-10T08:00 >/dev/null 2>&1
n=$(grep -l "Seguimiento" $(find "$tmp/fri/maildir" -type f 2>/dev/null) /dev/null 2>/dev/null | wc -l)
[ "$n" -eq 1 ] && ok "escalation on Monday 2023-04-10" || bad "escalation digests after Monday: $n"

echo "$fails failed"
[ "$fails" -eq 0 ]
