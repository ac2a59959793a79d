#!/bin/sh
# welcome.sh - the welcome digest ([reminders] welcome) on a fresh state: the first pass
# sends every office of the shipped config one welcome (before its reminder digest, when it
# has one), listing what `plazo upcoming` lists for it (overdue, due within 30 days), with
# its page and subscribe links, as format=flowed text; a second pass sends none; an office
# added to the config later gets its own at the next pass, and nobody else a second one;
# welcome = no sends none; a held queue keeps the welcomes until it is released; switched on
# after passes with it off, only offices that never got a digest are welcomed.
set -u
: "${PLAZO:?}" "${PLAZO_TESTDATA:?}" "${PLAZO_CONFIG:?}"
PY=/usr/bin/python3
HERE=$(dirname "$0")
export PYTHONPATH="$HERE${PYTHONPATH:+:$PYTHONPATH}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }
SEED=$PLAZO_TESTDATA/estrategia-rendicion-cuentas-2023.tsv

make_config() { # NAME WELCOME
    sed -e "s|^state_dir = .*|state_dir = $tmp/$1|" -e "s|^file = .*|file = $SEED|" \
        -e "s|^welcome = yes$|welcome = $2|" "$PLAZO_CONFIG" >"$tmp/$1.ini"
    grep -q "^welcome = $2$" "$tmp/$1.ini" || bad "$1: no 'welcome = $2' line"
    echo "$tmp/$1.ini"
}
send() { timeout 60 "$PLAZO" -c "$1" send --at "$2" >"$tmp/out" 2>"$tmp/err" || bad "send $2: $(cat "$tmp/err")"; }

# check.py MAILDIR UPCOMING.json EXPECT: EXPECT is "all" (one welcome per office of the json)
# or a space-separated list of office ids that must have exactly one welcome, or "none".
cat >"$tmp/check.py" <<'PY'
import email, email.policy, json, os, re, sys
import mailtext
maildir, upcoming, expect = sys.argv[1], sys.argv[2], sys.argv[3]
agenda = {o["id"]: o for o in json.load(open(upcoming))["offices"]}
problems = []
welcomed = {}
for office in sorted(os.listdir(maildir)) if os.path.isdir(maildir) else []:
    for root, _, files in os.walk(os.path.join(maildir, office)):
        for name in sorted(files):
            msg = email.message_from_binary_file(open(os.path.join(root, name), "rb"),
                                                 policy=email.policy.default)
            if str(msg["Subject"]).startswith("Plazos: bienvenida"):
                welcomed.setdefault(office, []).append(msg)
want = sorted(agenda) if expect == "all" else [] if expect == "none" else expect.split()
if sorted(welcomed) != want or any(len(m) != 1 for m in welcomed.values()):
    problems.append("welcomes %s, wanted one each for %s" %
                    ({o: len(m) for o, m in welcomed.items()}, want))
for office, msgs in welcomed.items():
    msg = msgs[0]
    problems += ["%s: %s" % (office, p) for p in mailtext.flowed_problems(msg.get_body(("plain",)))]
    text = mailtext.plain_text(msg)
    if "\nBienvenida a plazo\n\nplazo es el servicio que avisa" not in text:
        problems.append(office + ": no welcome text")
    page = re.findall(r"\nPágina de la oficina: (https?://\S+/o/[0-9a-f]{32})\n", text)
    sub = re.findall(r"\nSuscribirse al calendario de plazos: (\S+)\n", text)
    if len(page) != 1 or sub != [page[0] + "#suscribir"]:
        problems.append("%s: page %s, subscribe %s" % (office, page, sub))
    got = sorted(int(n) for n in re.findall(r"\nActividad (\d+):", text))
    a = agenda.get(office, {"overdue": [], "upcoming": []})
    items = a.get("overdue", []) + a.get("upcoming", [])
    listed = sorted(i["number"] for i in items)
    if got != listed:
        problems.append("%s: activities %s, plazo upcoming lists %s" % (office, got, listed))
    if office == "control-interno" and got != [54, 56]:
        problems.append("control-interno: %s, wanted 54 and 56 (due 2023-03-01)" % got)
print("\n".join(problems))
sys.exit(1 if problems else 0)
PY
check() { # NAME MAILDIR AT EXPECT
    "$PLAZO" -c "$cfg" upcoming --at "$3" --days 30 --format json >"$tmp/upcoming.json" 2>/dev/null
    if $PY "$tmp/check.py" "$2" "$tmp/upcoming.json" "$4" >"$tmp/problems"; then ok "$1"
    else bad "$1"; cat "$tmp/problems"; fi
}
count() { find "$1" -type f 2>/dev/null | wc -l; }

# 1. a fresh state: one welcome per office, and control-interno's reminders (54, 56 due
# today) in a digest of their own after it.
cfg=$(make_config fresh yes)
send "$cfg" 2023-03-01T08:00
offices=$(grep -c '^\[office ' "$cfg")
check "first pass: one welcome per office ($offices), listing what plazo upcoming lists" \
    "$tmp/fresh/maildir" 2023-03-01T08:00 all
n=$(count "$tmp/fresh/maildir")
[ "$n" -eq $((offices + 1)) ] && ok "first pass: $offices welcomes and one reminder digest" \
    || bad "first pass: $n messages, wanted $((offices + 1))"
# the ledger: a welcome row per office and the two reminders, in offices + 1 digests
grep -q "^plazo send: $((offices + 2)) new reminders; $((offices + 1)) digests sent" "$tmp/out" \
    && ok "the welcomes are ledger rows sent like reminders" || bad "send said: $(cat "$tmp/out")"

# 2. a second pass, later the same day and the next day: no welcome again
send "$cfg" 2023-03-01T09:00
send "$cfg" 2023-03-02T08:00
check "later passes: still one welcome per office" "$tmp/fresh/maildir" 2023-03-01T08:00 all

# 3. an office added to the config: welcomed at the next pass, nobody else again
cat >>"$cfg" <<'INI'

[office archivo]
name = Oficina de Archivo
email = archivo@example.gov.co
INI
send "$cfg" 2023-03-03T08:00
grep -q "^plazo send: 1 new reminders; 1 digests sent\|^plazo send: 1 new reminder; 1 digest" "$tmp/out" \
    && ok "new office: one new ledger row, one digest" || bad "new office: $(cat "$tmp/out")"
ls "$tmp/fresh/maildir/archivo/new" >/dev/null 2>&1 && [ "$(count "$tmp/fresh/maildir/archivo")" -eq 1 ] \
    && ok "new office: its welcome arrived" || bad "new office: no welcome in its Maildir"
check "new office: every office one welcome, the new one too" "$tmp/fresh/maildir" \
    2023-03-03T08:00 all

# 4. welcome = no: only control-interno's reminder digest
cfg=$(make_config off no)
send "$cfg" 2023-03-01T08:00
check "welcome = no: no welcome" "$tmp/off/maildir" 2023-03-01T08:00 none
[ "$(count "$tmp/off/maildir")" -eq 1 ] && ok "welcome = no: only the reminder digest" \
    || bad "welcome = no: $(count "$tmp/off/maildir") messages"

# 5. never lost: the Maildir cannot be made (a file is in its way), the queue holds, the
# welcomes wait as pending rows and go out, once each, when the cause is gone
cfg=$(make_config held yes)
sed -i "s|^;maildir = .*|maildir = $tmp/held-md|" "$cfg"
touch "$tmp/held-md"
timeout 60 "$PLAZO" -c "$cfg" send --at 2023-03-01T08:00 >"$tmp/out" 2>"$tmp/err"
grep -q "digests sent (0 reminders)" "$tmp/out" && grep -q "queue held" "$tmp/err" \
    && ok "held: no welcome sent, the queue held" || bad "held: $(cat "$tmp/out" "$tmp/err")"
"$PLAZO" -c "$cfg" status >"$tmp/status" 2>&1
grep -q "^reminders: $((offices + 2)) pending, 0 sent" "$tmp/status" \
    && ok "held: the welcomes wait in the ledger" || bad "held: $(head -n 1 "$tmp/status")"
rm "$tmp/held-md"
send "$cfg" 2023-03-01T08:10
send "$cfg" 2023-03-01T08:30
check "held, then released: one welcome per office" "$tmp/held-md" 2023-03-01T08:00 all

# 6. welcome = no for a while, then switched on: the offices that got digests meanwhile are
# not welcomed (their welcome rows are recorded settled), those that never got one are, and
# so is an office added at the switch
cfg=$(make_config late no)
send "$cfg" 2023-03-01T08:00
send "$cfg" 2023-03-15T08:00
heard=$(ls "$tmp/late/maildir" 2>/dev/null | sort)
[ -n "$heard" ] && ok "welcome = no: some offices got digests ($(echo $heard))" \
    || bad "welcome = no: no digest at all, nothing to test"
sed -i 's/^welcome = no$/welcome = yes/' "$cfg"
cat >>"$cfg" <<'INI'

[office archivo]
name = Oficina de Archivo
email = archivo@example.gov.co
INI
send "$cfg" 2023-03-16T08:00
printf '%s\n' $heard >"$tmp/heard"
never=$(sed -n 's/^\[office \(.*\)\]$/\1/p' "$cfg" | sort | comm -23 - "$tmp/heard")
check "welcome switched on: only the offices that never got a digest welcomed ($(echo $never))" \
    "$tmp/late/maildir" 2023-03-16T08:00 "$(echo $never)"
"$PLAZO" -c "$cfg" status >"$tmp/status" 2>&1
grep -q "^reminders: 0 pending" "$tmp/status" \
    && ok "welcome switched on: no welcome left pending for the offices that had digests" \
    || bad "welcome switched on: $(head -n 1 "$tmp/status")"

# 7. the daemon: an office added by a reload (SIGHUP) is welcomed at once, not at its first
# reminder stage (nothing else is due at 09:00 on 2023-03-01)
cfg=$(make_config daemon yes)
sed -i "s|^listen = .*|listen = 127.0.0.1:0|" "$cfg"
send "$cfg" 2023-03-01T08:00
timeout 60 "$PLAZO" -c "$cfg" run --at 2023-03-01T09:00 --speed 1 >"$tmp/run.log" 2>&1 &
run=$!
i=0
until grep -q "serving feeds" "$tmp/run.log" || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
cat >>"$cfg" <<'INI'

[office archivo]
name = Oficina de Archivo
email = archivo@example.gov.co
INI
kill -HUP "$run"
i=0
until [ -d "$tmp/daemon/maildir/archivo/new" ] && [ "$(count "$tmp/daemon/maildir/archivo")" -ge 1 ] \
    || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -TERM "$run"
wait "$run"
[ "$(count "$tmp/daemon/maildir/archivo" 2>/dev/null)" = 1 ] \
    && ok "reload: the new office's welcome went out at once" \
    || bad "reload: no welcome for the new office: $(tail -n 5 "$tmp/run.log")"
check "reload: every office one welcome" "$tmp/daemon/maildir" 2023-03-01T09:00 all

[ "$fails" -eq 0 ] && echo "all ok" || echo "$fails failed"
exit "$fails"
