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
P="$PLAZO -c $PLAZO_CONFIG"

expect_status "check seed" 0 $P check
expect_grep "check names invalid date" \
    "estrategia-rendicion-cuentas-2023.tsv:19: warning\[invalid-date\]: " "$tmp/out"
expect_grep "check names ambiguous date" \
    "estrategia-rendicion-cuentas-2023.tsv:89: warning\[ambiguous-date\]: " "$tmp/out"
expect_grep "check summary" "65 activities, .* 0 errors, 5 warnings" "$tmp/out"
expect_status "check --strict fails on warnings" 1 $P check --strict
expect_status "check json" 0 $P check --format json
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["activities"]==65 and d["warnings"]==5 and len(d["diagnostics"])==5, d' "$tmp/out" \
    && ok "check json content" || bad "check json content"

expect_status "check bad plan" 1 $P check "$PLAZO_TESTDATA/plan-bad.tsv"
for want in "plan-bad.tsv:5: error\[unknown-office\]" "plan-bad.tsv:6: error\[no-date\]" \
    "plan-bad.tsv:7: error\[no-office\]" "plan-bad.tsv:8: error\[no-date\]" \
    "plan-bad.tsv:9: error\[unknown-office\]: 'Secretaria Generl' .*did you mean 'Secretaría General'"; do
    expect_grep "bad plan: $want" "$want" "$tmp/out"
done
expect_grep "bad plan summary" "6 activities, .* 5 errors" "$tmp/out"

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

# plazo init: a starter config that plazo check then accepts (no unknown offices)
expect_status "init" 0 "$PLAZO" init "$seed"
cp "$tmp/out" "$tmp/starter.ini"
expect_grep "init has an office" "^\[office secretaria-general\]" "$tmp/starter.ini"
expect_grep "init has a group" "^\[group .*cada-dependencia" "$tmp/starter.ini"
expect_status "check with starter config" 0 "$PLAZO" -c "$tmp/starter.ini" check
if grep -q "unknown-office" "$tmp/out"; then bad "starter config leaves unknown offices"; cat "$tmp/out"; else ok "starter config covers every office"; fi

# usage errors and help
expect_status "no command" 2 "$PLAZO"
expect_status "unknown command" 2 "$PLAZO" frobnicate
expect_status "unknown option" 2 $P check --bogus
expect_status "bad format" 2 $P schedule --format xml
expect_status "init without plan" 2 "$PLAZO" init
for cmd in check schedule init; do expect_status "$cmd --help" 0 "$PLAZO" $cmd --help; done
expect_status "--help" 0 "$PLAZO" --help
expect_status "missing config" 1 "$PLAZO" -c "$tmp/none.ini" check "$seed"
expect_grep "missing config message" "none.ini" "$tmp/err"
expect_status "missing plan" 1 $P check "$tmp/none.tsv"
expect_grep "missing plan message" "none.tsv" "$tmp/err"

echo "$fails failed"
[ "$fails" -eq 0 ]
