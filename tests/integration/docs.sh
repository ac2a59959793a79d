#!/bin/sh
# docs.sh - every diagnostic code the sources pass is a row of the one code table
# (src/common/diag_codes.h) and every row is passed somewhere (diag_codes_used.py); the table itself
# is walked against docs/diagnostics.md and plazo-plan(5) by the unit test test-diag. The man
# pages build with scdoc when it is installed.
set -u
: "${PLAZO_SRC:?source root}"
cd "$PLAZO_SRC" || exit 1
fails=0
/usr/bin/python3 tests/integration/diag_codes_used.py . || fails=$((fails + 1))
if command -v scdoc >/dev/null 2>&1; then
    for page in docs/*.scd; do
        scdoc <"$page" >/dev/null 2>"${TMPDIR:-/tmp}/scdoc.err" || { echo "FAIL scdoc $page"; cat "${TMPDIR:-/tmp}/scdoc.err"; fails=$((fails + 1)); }
    done
fi
echo "$fails failed"
[ "$fails" -eq 0 ]
