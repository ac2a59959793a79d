#!/bin/sh
# cli.sh - the command line as an administrator uses it: exit codes, the compiler-style
# diagnostics of `plazo check`, JSON shapes, `plazo init` round trip, usage errors.
set -u
: "${PLAZO:?path of the plazo binary}" "${PLAZO_TESTDATA:?}" "${PLAZO_CONFIG:?}"
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }
expect_status() { # NAME WANT COMMAND...
    name=$1 want=$2
    shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    if [ "$got" -eq "$want" ]; then ok "$name"; else
        bad "$name: exit $got, wanted $want"; cat "$tmp/out" "$tmp/err"; fi
}
expect_grep() { # NAME PATTERN FILE
    if grep -q -- "$2" "$3"; then ok "$1"; else bad "$1: no '$2' in $3"; cat "$3"; fi
}
seed=$PLAZO_TESTDATA/estrategia-rendicion-cuentas-2023.tsv
# the shipped config with a state of its own: never the machine's /var/lib/plazo
sed -e "s|^state_dir = .*|state_dir = $tmp/state|" -e "s|^file = .*|file = $seed|" "$PLAZO_CONFIG" >"$tmp/plazo.ini"
P="$PLAZO -c $tmp/plazo.ini"

expect_status "check seed" 0 $P check
expect_grep "check names invalid date" \
    "estrategia-rendicion-cuentas-2023.tsv:19: warning\[invalid-date\]: " "$tmp/out"
expect_grep "check names ambiguous date" \
    "estrategia-rendicion-cuentas-2023.tsv:89: warning\[ambiguous-date\]: " "$tmp/out"
expect_grep "check summary" "65 activities, .* 0 errors, 5 warnings" "$tmp/out"
expect_grep "check notes the columns taken" \
    "estrategia-rendicion-cuentas-2023.tsv:5: note\[columns\]: one-row header read as subcomponent = column 1 'Subcomponente', ref = column 2 '#', .* due = column 6 'Fecha Programada'" "$tmp/out"
expect_status "check --strict fails on warnings" 1 $P check --strict
expect_status "check json" 0 $P check --format json
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["activities"]==65 and d["warnings"]==5 and len([x for x in d["diagnostics"] if x["severity"]=="warning"])==5 and d["notes"]==10, d' "$tmp/out" \
    && ok "check json content" || bad "check json content"

expect_status "check bad plan" 1 $P check "$PLAZO_TESTDATA/plan-bad.tsv"
# 6 has no deadline (kept, no reminders); 7 and 8 continue the cells above (merged cells?)
for want in "plan-bad.tsv:5: error\[unknown-office\]" "plan-bad.tsv:6: note\[no-deadline\]" \
    "plan-bad.tsv:7: warning\[filled-down\]: empty responsible cell read as the one at line 6" \
    "plan-bad.tsv:8: warning\[filled-down\]: empty due cell read as the one at line 7" \
    "plan-bad.tsv:9: error\[unknown-office\]: 'Secretaria Generl' .*did you mean 'Secretaría General'"; do
    expect_grep "bad plan: $want" "$want" "$tmp/out"
done
expect_grep "bad plan summary" "6 activities, .* 2 errors, 2 warnings, 1 note" "$tmp/out"

expect_status "schedule json" 0 $P schedule --format json
$PY - "$tmp/out" <<'PY' && ok "schedule json shape" || bad "schedule json shape"
import json, sys
d = json.load(open(sys.argv[1]))
acts = d["activities"]
assert len(acts) == 65
a = acts[12]
assert a["number"] == 13 and a["line"] == 24 and a["subcomponent"] == 1, a
assert [m["due"] for m in a["milestones"]] == ["2023-04-30", "2023-08-31", "2023-12-31"]
assert a["milestones"][0]["start"] is None
six = acts[5]
assert six["milestones"] == [{"start": "2023-02-01", "due": "2023-11-30"}], six
ten = acts[9]
assert [x["code"] for x in ten["diagnostics"]] == ["invalid-date"], ten
assert d["diagnostics"] == [], d["diagnostics"]
for k in ("subcomponent_title", "activity", "goal", "responsible_text", "offices"):
    assert k in a
PY
expect_status "schedule text" 0 $P schedule
expect_grep "schedule text range" "due 2023-11-30 (from 2023-02-01)" "$tmp/out"
# several PLANs: one plan of their tables, each at its own place; refs repeated across the
# PAAC workbook's components carry the component's label, the seed's numbers keep theirs
paac=$PLAZO_TESTDATA/workbooks/paac-componentes.xlsx
expect_status "check of two plans" 0 $P check "$seed" "$paac"
expect_grep "two plans: one summary" "70 activities, 85 milestones" "$tmp/out"
expect_grep "two plans: each sheet's columns" \
    "paac-componentes.xlsx:Rendición de cuentas!3: note\[columns\]" "$tmp/out"
expect_status "schedule of two plans" 0 $P schedule "$seed" "$paac"
expect_grep "two plans: a seed key kept" "estrategia-rendicion-cuentas-2023.tsv:6  subcomponent 1  key 1$" "$tmp/out"
expect_grep "two plans: a component's key" \
    "paac-componentes.xlsx:Rendición de cuentas!4  subcomponent 1  key comp3:1.1" "$tmp/out"

# plazo init: a starter config that plazo check then accepts (no unknown offices)
expect_status "init" 0 "$PLAZO" init "$seed"
cp "$tmp/out" "$tmp/starter.ini"
expect_grep "init has an office" "^\[office secretaria-general\]" "$tmp/starter.ini"
expect_grep "init has a group" "^\[group .*cada-dependencia" "$tmp/starter.ini"
expect_status "check with starter config" 0 "$PLAZO" -c "$tmp/starter.ini" check
if grep -q "unknown-office" "$tmp/out"; then bad "starter config leaves unknown offices"; cat "$tmp/out"; else ok "starter config covers every office"; fi

# plazo init on a plan nobody configured: "A / B" is two offices, doubtful cuts are marked,
# an unreadable plan exits 1 with the reason
expect_status "init entity plan" 0 "$PLAZO" init "$PLAZO_TESTDATA/paac-riesgos-2024.tsv"
expect_grep "init splits A / B" "^\[office oficina-tic\]" "$tmp/out"
expect_grep "init splits A / B (2)" "^\[office planeacion\]" "$tmp/out"
expect_grep "init marks unsure cuts" "^# unsure: cut from a cell naming 2 offices at line 9" "$tmp/out"
expect_grep "init maps everyone to a group" "^\[group todos-lideres-proceso\]" "$tmp/out"
printf 'Tema\tQuién\nx\ty\n' >"$tmp/nohead.tsv"
expect_status "init unreadable plan" 1 "$PLAZO" init "$tmp/nohead.tsv"
expect_grep "init says why" "no plan table" "$tmp/err"

# holidays: 2025 as published (17 days: San Pedro and Sagrado Corazón share 2025-06-30)
cat >"$tmp/2025" <<'LIST'
2025-01-01
2025-01-06
2025-03-24
2025-04-17
2025-04-18
2025-05-01
2025-06-02
2025-06-23
2025-06-30
2025-07-20
2025-08-07
2025-08-18
2025-10-13
2025-11-03
2025-11-17
2025-12-08
2025-12-25
LIST
expect_status "holidays 2025" 0 "$PLAZO" holidays 2025
cut -c1-10 "$tmp/out" | diff - "$tmp/2025" >/dev/null && ok "holidays 2025 dates" || bad "holidays 2025 dates"
expect_grep "holidays shared day" "^2025-06-30  Sagrado Corazón de Jesús; San Pedro y San Pablo$" "$tmp/out"
expect_status "holidays json" 0 "$PLAZO" holidays --format json 2023
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d)==18 and d[2]=={"date":"2023-03-20","name":"Día de San José"}, d' "$tmp/out" \
    && ok "holidays json content" || bad "holidays json content"
expect_status "holidays before the law" 2 "$PLAZO" holidays 1983
expect_status "holidays not a year" 2 "$PLAZO" holidays next

# upcoming: Secretaría General on 2023-03-01 08:00
expect_status "upcoming" 0 $P upcoming --at 2023-03-01T08:00 --office secretaria-general
expect_grep "upcoming overdue" "#9   martes 28 de febrero de 2023 — 1 día de retraso (1 día hábil)" "$tmp/out"
expect_grep "upcoming next" "#1   jueves 30 de marzo de 2023 — faltan 29 días (20 días hábiles)" "$tmp/out"
expect_grep "upcoming counts" "Vencidas (2)" "$tmp/out"
expect_status "upcoming json" 0 $P upcoming --at 2023-03-01T08:00 --format json
$PY - "$tmp/out" <<'PY' && ok "upcoming json content" || bad "upcoming json content"
import json, sys
d = json.load(open(sys.argv[1]))
sg = [o for o in d["offices"] if o["id"] == "secretaria-general"][0]
assert [(i["number"], i["due"], i["days"]) for i in sg["overdue"]] == [(9, "2023-02-28", -1), (59, "2023-02-28", -1)], sg
assert [(i["number"], i["due"]) for i in sg["upcoming"]] == [(1, "2023-03-30")], sg
assert len(d["offices"]) == 13
PY
expect_status "upcoming bad --at" 2 $P upcoming --at tomorrow
expect_status "upcoming unknown office" 2 $P upcoming --office nadie
expect_status "upcoming bad --days" 2 $P upcoming --days -3

# usage errors and help
expect_status "no command" 2 "$PLAZO"
expect_status "unknown command" 2 "$PLAZO" frobnicate
expect_status "unknown option" 2 $P check --bogus
expect_status "bad format" 2 $P schedule --format xml
expect_status "init without plan" 2 "$PLAZO" init
for cmd in check schedule init holidays upcoming; do expect_status "$cmd --help" 0 "$PLAZO" $cmd --help; done
expect_status "--help" 0 "$PLAZO" --help
expect_status "missing config" 1 "$PLAZO" -c "$tmp/none.ini" check "$seed"
expect_grep "missing config message" "none.ini" "$tmp/err"
expect_status "missing plan" 1 $P check "$tmp/none.tsv"
expect_grep "missing plan message" "none.tsv" "$tmp/err"

# UIDs keep the domain in use when the feed was first built: a new base_url (a move to
# https, a real host name) never re-creates the events calendars have subscribed to
mkdir -p "$tmp/uid-state"
sed -e "s|^state_dir = .*|state_dir = $tmp/uid-state|" -e "s|^file = .*|file = $seed|" \
    "$PLAZO_CONFIG" >"$tmp/uid.ini"
$PLAZO -c "$tmp/uid.ini" feed --at 2023-03-01T08:00 secretaria-general >"$tmp/uid1.ics" 2>"$tmp/err"
sed -i "s|^base_url = .*|base_url = https://plazos.example.gov.co|" "$tmp/uid.ini"
$PLAZO -c "$tmp/uid.ini" feed --at 2023-03-02T08:00 secretaria-general >"$tmp/uid2.ics" 2>>"$tmp/err"
if [ -s "$tmp/uid1.ics" ] && grep -q "^UID:secretaria-general\.9\.1@127\.0\.0\.1" "$tmp/uid2.ics" &&
    [ "$(grep '^UID:' "$tmp/uid1.ics")" = "$(grep '^UID:' "$tmp/uid2.ics")" ]; then
    ok "UIDs keep their domain after base_url changes"
else
    bad "UIDs changed with base_url"; grep '^UID:' "$tmp/uid2.ics" | head -3; cat "$tmp/err"
fi

echo "$fails failed"
[ "$fails" -eq 0 ]
