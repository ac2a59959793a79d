#!/bin/sh
# feed_python.sh - feeds of the seed plan written by tests/ics-dump (src/ics.c), read by another
# parser: python3-icalendar through check_feed.py. Event counts are worked out by hand from
# tests/data/seed-golden.txt. Then broken copies of a good feed must be rejected, so that
# check_feed.py itself is known to catch what it claims to.
set -u
: "${PLAZO_ICS_DUMP:?}" "${PLAZO_TESTDATA:?}" "${PLAZO_CONFIG:?}"
PY=/usr/bin/python3
CHECK="$(dirname "$0")/check_feed.py"
PLAN="$PLAZO_TESTDATA/estrategia-rendicion-cuentas-2023.tsv"
if ! $PY -c 'import icalendar' 2>/dev/null; then
    echo "SKIP: python3-icalendar is not installed"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }

dump() { # OFFICE [WINDOW_START] > feed
    timeout 30 "$PLAZO_ICS_DUMP" "$PLAZO_CONFIG" "$PLAN" "$@"
}
accepts() { # NAME FEED ARGS...
    name=$1
    shift
    if timeout 30 $PY "$CHECK" "$@" >"$tmp/log" 2>&1; then ok "$name"; else bad "$name"; cat "$tmp/log"; fi
}
rejects() { # NAME FEED ARGS...: check_feed.py must exit 1
    name=$1
    shift
    timeout 30 $PY "$CHECK" "$@" >"$tmp/log" 2>&1
    rc=$?
    if [ "$rc" -eq 1 ]; then ok "$name"; else bad "$name: exit $rc, expected 1"; fi
    head -n 3 "$tmp/log" | sed "s/^/    /"
}

# --- good feeds ----------------------------------------------------------------------------
# Secretaría General: #1, 9, 13 (3 dates), 25, 30, 31, 32, 40, 48, 52, 59, 63 (2), 64 = 16.
dump secretaria-general >"$tmp/sg.ics" || bad "ics-dump secretaria-general"
accepts "secretaria-general 16 events, UIDs saved" "$tmp/sg.ics" --events 16 --uid-file "$tmp/sg.uids"
[ -s "$tmp/sg.uids" ] && ok "uid file written" || bad "uid file not written"
dump secretaria-general >"$tmp/sg2.ics"
cmp -s "$tmp/sg.ics" "$tmp/sg2.ics" && ok "same bytes twice" || bad "feed differs between runs"
accepts "secretaria-general UIDs stable" "$tmp/sg2.ics" --events 16 --uid-file "$tmp/sg.uids"
# Control Interno: #13 (3 dates), 54, 56, 61 (3 dates) = 8.
dump control-interno >"$tmp/ci.ics" || bad "ics-dump control-interno"
accepts "control-interno 8 events" "$tmp/ci.ics" --events 8
# Every milestone once: 80 dates in seed-golden.txt.
dump todas >"$tmp/all.ics" || bad "ics-dump todas"
accepts "all offices 80 events" "$tmp/all.ics" --events 80
# From 2023-11-01 on, Secretaría General keeps #13's last date, 25, 32, 40, 48 and 52.
dump secretaria-general 2023-11-01 >"$tmp/win.ics" || bad "ics-dump window"
accepts "window drops older milestones" "$tmp/win.ics" --events 6
# The seed plan read straight from its workbooks gives the same 80 events under the same
# UIDs: switching [plan] file from the TSV export to the workbook keeps every feed event.
accepts "all offices UIDs saved" "$tmp/all.ics" --events 80 --uid-file "$tmp/all.uids"
for book in seed-openpyxl.xlsx seed-libreoffice.xlsx seed-libreoffice.ods; do
    timeout 30 "$PLAZO_ICS_DUMP" "$PLAZO_CONFIG" "$PLAZO_TESTDATA/workbooks/$book" todas \
        >"$tmp/book.ics" || bad "ics-dump $book"
    accepts "$book: same 80 events, same UIDs" "$tmp/book.ics" --events 80 --uid-file "$tmp/all.uids"
done

# --- what check_feed.py must reject --------------------------------------------------------
rejects "wrong event count" "$tmp/sg.ics" --events 15
rejects "UID set changed" "$tmp/all.ics" --events 80 --uid-file "$tmp/sg.uids"
broken() { # NAME SED-SCRIPT: a copy of sg.ics edited by sed must be rejected
    sed -e "$2" "$tmp/sg.ics" >"$tmp/broken.ics"
    if cmp -s "$tmp/sg.ics" "$tmp/broken.ics"; then
        bad "$1: the edit changed nothing"
    else
        rejects "$1" "$tmp/broken.ics" --events 16
    fi
}
broken "LF line ends" 's/\r$//'
broken "DTEND on the due day" 's/^DTEND;VALUE=DATE:20230301/DTEND;VALUE=DATE:20230228/'
broken "timed DTSTART" 's/^DTSTART;VALUE=DATE:20230330/DTSTART:20230330T050000Z/'
broken "duplicate UID" 's/^UID:secretaria-general\.9\.1@/UID:secretaria-general.1.1@/'
broken "opaque event" '0,/^TRANSP:TRANSPARENT/s//TRANSP:OPAQUE/'
broken "line over 75 octets" 's/^X-WR-CALDESC:/X-WR-CALDESC:Descripción larga de más de setenta y cinco octetos en una sola línea /'
broken "REFRESH-INTERVAL without VALUE" 's/^REFRESH-INTERVAL;VALUE=DURATION:/REFRESH-INTERVAL:/'
broken "SUMMARY without Plazo" '0,/^SUMMARY:Plazo: #/s//SUMMARY:Tarea #/'
broken "no X-WR-CALNAME" '/^X-WR-CALNAME/d'
broken "no DTSTAMP" '0,/^DTSTAMP:/{/^DTSTAMP:/d}'

echo "$fails failed"
[ "$fails" -eq 0 ]
