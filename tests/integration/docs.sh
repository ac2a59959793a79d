#!/bin/sh
# docs.sh - every diagnostic code in the sources is explained in docs/diagnostics.md and in
# plazo-plan(5), and the man pages build with scdoc when it is installed.
set -u
: "${PLAZO_SRC:?source root}"
cd "$PLAZO_SRC" || exit 1
fails=0
codes=$( (grep -ohE 'DIAG_(ERROR|WARNING|NOTE),[[:space:]]*"[a-z0-9-]+"' src/*.c
    grep -ohE 'struct warner [a-z]+ = \{path, diags, "[a-z0-9-]+"' src/*.c) |
    grep -oE '"[a-z0-9-]+"' | tr -d '"' | sort -u)
[ -n "$codes" ] || { echo "FAIL no codes found"; exit 1; }
for code in $codes; do
    for doc in docs/diagnostics.md docs/plazo-plan.5.scd; do
        if grep -q -- "$code" "$doc"; then :; else echo "FAIL $code not in $doc"; fails=$((fails + 1)); fi
    done
done
echo "$(echo "$codes" | wc -l) codes checked"
if command -v scdoc >/dev/null 2>&1; then
    for page in docs/*.scd; do
        scdoc <"$page" >/dev/null 2>"${TMPDIR:-/tmp}/scdoc.err" || { echo "FAIL scdoc $page"; cat "${TMPDIR:-/tmp}/scdoc.err"; fails=$((fails + 1)); }
    done
fi
echo "$fails failed"
[ "$fails" -eq 0 ]
