#!/bin/sh
# send.sh - `plazo send` end to end on the seed plan: digests into the Maildir, then over
# SMTP to a real peer (aiosmtpd with STARTTLS and AUTH, tests/integration/smtp_peer.py):
# once per reminder, nothing twice, catching up after downtime, retrying 451, failing 550
# for one office only, waiting while the server is down.
set -u
: "${PLAZO:?}" "${PLAZO_TESTDATA:?}" "${PLAZO_CONFIG:?}"
PY=/usr/bin/python3
HERE=$(dirname "$0")
# the inline Python below reads the text part through mailtext.py (format=flowed)
export PYTHONPATH="$HERE${PYTHONPATH:+:$PYTHONPATH}"
. "$(dirname "$0")/harness.sh"

# make_config NAME [EXTRA INI TEXT]: the shipped config with its own state dir and plan path.
# welcome = no: this test counts reminder digests; the welcome digest has its own test
# (welcome.sh)
make_config() {
    sed -e "s|^state_dir = .*|state_dir = $tmp/$1|" -e "s|^welcome = yes$|welcome = no|" \
        -e "s|^file = .*|file = $PLAZO_TESTDATA/estrategia-rendicion-cuentas-2023.tsv|" \
        "$PLAZO_CONFIG" >"$tmp/$1.ini"
    [ $# -gt 1 ] && printf '%s\n' "$2" >>"$tmp/$1.ini"
    echo "$tmp/$1.ini"
}
run_send() { # CONFIG AT -> exit status; output in $tmp/out, $tmp/err
    timeout 60 "$PLAZO" -v -c "$1" send --at "$2" >"$tmp/out" 2>"$tmp/err"
}
count_files() { find "$1" -type f 2>/dev/null | wc -l; }

# --- Maildir (no [smtp]) ---------------------------------------------------------------
cfg=$(make_config md)
run_send "$cfg" 2023-03-01T08:00 || bad "send to maildir exit $?"
# At 08:00 on 2023-03-01 only Control Interno has reminders: activities 54 and 56 are due
# that day (1/03/2023). One digest, two items.
n=$(count_files "$tmp/md/maildir")
[ "$n" -eq 1 ] && ok "one digest on 2023-03-01" || bad "digests on 2023-03-01: $n, wanted 1"
msg=$(find "$tmp/md/maildir/control-interno/new" -type f | head -n 1)
[ -n "$msg" ] && ok "digest in control-interno/new" || bad "no digest for control-interno"
[ -z "$(find "$tmp/md/maildir" -path "$tmp/md/maildir/*/tmp/*" -type f)" ] && ok "nothing left in tmp/" || bad "files left in tmp/"
$PY "$HERE/check_digest.py" "$msg" --office "Oficina de Control Interno" --numbers 54,56 \
    && ok "digest parses and names activities 54 and 56" || bad "digest content"
# the calendar link goes to the page's subscribe section, never to the .ics (a click on that
# downloads a snapshot that never updates)
$PY - "$msg" <<'EOF' && ok "calendar link: the page's #suscribir, no .ics link" || bad "calendar link"
import mailtext, email, email.policy, re, sys
msg = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
text = mailtext.plain_text(msg)
html = msg.get_body(("html",)).get_content()
sub = re.findall(r"Suscribirse al calendario de plazos: (\S+)", text)
assert len(sub) == 1 and re.fullmatch(r"https?://[^#]+/o/[0-9a-f]{32}#suscribir", sub[0]), sub
assert ".ics" not in text and ".ics" not in html, "an .ics link"
assert 'href="%s"' % sub[0] in html, "no HTML link to " + sub[0]
EOF
# #54 and #56 are due 1/03/2023, which the plan check flags as ambiguous: the digest says so
$PY - "$msg" <<'EOF' && ok "doubtful date: the digest says 1/03/2023 could be 3 January" || bad "doubt in the digest"
import mailtext, email, email.policy, html, sys
msg = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
text = mailtext.plain_text(msg)
markup = html.unescape(msg.get_body(("html",)).get_content())
want = "La fecha del plan, 1/03/2023, también podría leerse 3 de enero de 2023"
assert text.count(want) == 2 and markup.count(want) == 2, (text.count(want), markup.count(want))
EOF

run_send "$cfg" 2023-03-01T08:00 || bad "second send exit $?"
expect_grep "second send at the same instant sends nothing" "0 new reminders; 0 digests sent" "$tmp/out"
[ "$(count_files "$tmp/md/maildir")" -eq 1 ] && ok "still one digest" || bad "a digest was sent twice"

# a week of downtime: the pass at 2023-03-07 catches up, each milestone once, marked late
run_send "$cfg" 2023-03-07T09:00 || bad "catch-up send exit $?"
sg=$(find "$tmp/md/maildir/secretaria-general/new" -type f | head -n 1)
[ -n "$sg" ] && ok "Secretaría General got its overdue digest" || bad "no digest for secretaria-general"
$PY "$HERE/check_digest.py" "$sg" --office "Secretaría General" --numbers 9,59 --late \
    && ok "overdue digest names 9 and 59, marked late" || bad "overdue digest content"
"$PLAZO" -c "$cfg" status >"$tmp/status" 2>&1
expect_grep "status counts" "reminders: 0 pending" "$tmp/status"
$PY "$HERE/check_digest.py" --unique-message-ids "$tmp/md/maildir" \
    && ok "no Message-ID twice" || bad "a Message-ID repeats"

# --dry-run prints and records nothing
cfg2=$(make_config dry)
"$PLAZO" -c "$cfg2" send --dry-run --at 2023-03-01T08:00 >"$tmp/dry.out" 2>&1 || bad "dry run exit"
expect_grep "dry run prints the digest" "^Subject: " "$tmp/dry.out"
[ "$(count_files "$tmp/dry/maildir")" -eq 0 ] && ok "dry run delivered nothing" || bad "dry run delivered"
"$PLAZO" -c "$cfg2" status >"$tmp/status" 2>&1
expect_grep "dry run recorded nothing" "reminders: 0 pending, 0 sent" "$tmp/status"

# two activities share number 1 (a warning): both are reminded, each by its own line
printf '#\tActividades\tMeta\tResponsable\tFecha Programada\n1\tUna\tMeta\tSecretaría General\t01/03/2023\n1\tOtra\tMeta\tOficina de Control Interno\t01/03/2023\n' >"$tmp/dup.tsv"
cfg3=$(make_config dup)
sed -i "s|^file = .*|file = $tmp/dup.tsv|" "$cfg3"
run_send "$cfg3" 2023-03-01T08:00 || bad "duplicate-number send exit $?"
[ "$(count_files "$tmp/dup/maildir")" -eq 2 ] && ok "both activities numbered 1 were reminded" \
    || bad "duplicate numbers: $(count_files "$tmp/dup/maildir") digests, wanted 2"

# one sender at a time: with the lock held (as plazo run holds it), plazo send refuses
cfg4=$(make_config locked)
mkdir -p "$tmp/locked"
$PY -c 'import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(10)' "$tmp/locked/send.lock" "$tmp/locked.held" &
holder=$!
i=0
while [ ! -f "$tmp/locked.held" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
run_send "$cfg4" 2023-03-01T08:00
status=$?
kill $holder 2>/dev/null
[ $status -eq 1 ] && ok "send refuses while another sender holds the lock" || bad "send exit $status with the lock held"
expect_grep "lock message" "another plazo is sending" "$tmp/err"
[ "$(count_files "$tmp/locked/maildir")" -eq 0 ] && ok "nothing sent without the lock" || bad "sent without the lock"

echo "$fails failed"
[ "$fails" -eq 0 ]
