#!/bin/sh
# report.sh - `plazo report` and `plazo log` end to end on the seed plan: delivery marks and
# audit rows go into a real state database (created by plazo, schema 3) through Python's
# sqlite3, then the report's figures are checked in text, CSV (Python's csv module) and
# HTML (Python's html.parser), and the audit trail's filters and JSON. Expected figures are
# worked out from tests/data/seed-golden.txt (written by hand from the table), not from
# plazo's output. Needs /usr/bin/python3; exits 77 (skip) without it.
set -u
: "${PLAZO:?}" "${PLAZO_TESTDATA:?}" "${PLAZO_CONFIG:?}"
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "SKIP: $PY is not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }
plazo() { timeout 60 "$PLAZO" -c "$cfg" "$@"; }
# expect_usage NAME ARGS...: exit status 2 and a message on stderr
expect_usage() {
    name=$1; shift
    plazo "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
    if [ "$rc" -eq 2 ] && [ -s "$tmp/err" ]; then ok "$name"; else bad "$name: exit $rc"; fi
}

sed -e "s|^state_dir = .*|state_dir = $tmp/state|" \
    -e "s|^file = .*|file = $PLAZO_TESTDATA/estrategia-rendicion-cuentas-2023.tsv|" \
    "$PLAZO_CONFIG" >"$tmp/plazo.ini"
cfg=$tmp/plazo.ini

# An empty trail; this also creates the database.
plazo log --format json >"$tmp/out" 2>"$tmp/err" && ok "log on a new state" || bad "log exit $?"
[ "$(tr -d ' \n' <"$tmp/out")" = "[]" ] && ok "empty trail is []" || bad "empty trail: $(cat "$tmp/out")"

# Marks (instants computed here with zoneinfo) and audit rows, straight into the tables.
$PY - "$tmp/state/plazo.db" <<'EOF' || bad "fill the database"
import sqlite3, sys
from datetime import datetime
from zoneinfo import ZoneInfo
bog = ZoneInfo("America/Bogota")
def t(s):
    return int(datetime.fromisoformat(s).replace(tzinfo=bog).timestamp())
db = sqlite3.connect(sys.argv[1])
assert db.execute("PRAGMA user_version").fetchone()[0] >= 3, "schema older than 3"
marks = [
    ("secretaria-general", "9", 1, "2023-02-28", t("2023-02-27T10:00")),  # on time
    ("secretaria-general", "59", 1, "2023-02-28", t("2023-03-02T09:00")),  # late
    ("control-interno", "54", 1, "2023-03-01", t("2023-03-01T23:59")),  # on time, last minute
    ("control-interno", "56", 1, "2023-03-01", t("2023-03-02T00:00")),  # late, first minute
    ("secretaria-general", "1", 1, "2023-03-29", t("2023-03-10T10:00")),  # stale: due changed
    ("transparencia", "5", 1, "2023-01-30", t("2023-03-20T10:00")),  # after the cut-off
]
db.executemany("INSERT INTO delivery (office, activity, milestone, due, at, by_name, evidence)"
               " VALUES (?, ?, ?, ?, ?, 'Ana Pérez', 'https://example.gov.co/e')", marks)
audit = [
    (t("2023-02-27T10:00"), "secretaria-general", "marked", "9/1 2023-02-28 by Ana Pérez"),
    (t("2023-03-01T08:00"), "control-interno", "sent", "items=2 <a@b>"),
    (t("2023-03-02T09:00"), "secretaria-general", "marked", "59/1 2023-02-28\nsecond line"),
]
db.executemany("INSERT INTO audit (at, office, kind, detail) VALUES (?, ?, ?, ?)", audit)
db.commit()
EOF

# Expected figures from the golden reading: per office, milestones due before 2023-03-15
# (the cut-off is 2023-03-15T12:00) and in all, less the marks above.
$PY - "$PLAZO_TESTDATA/seed-golden.txt" >"$tmp/expected" <<'EOF'
import sys
pairs, due = {}, {}
for line in open(sys.argv[1], encoding="utf-8"):
    if line.startswith("#") or not line.strip():
        continue
    number, _, sub, offices, dates = line.rstrip("\n").split("|")
    for o in offices.split():
        for d in dates.split():
            d = d.split("..")[-1]
            for key in (o, "sub" + sub, "total"):
                pairs[key] = pairs.get(key, 0) + 1
                due[key] = due.get(key, 0) + (d < "2023-03-15")
for k in sorted(pairs):
    print(k, pairs[k], due[k])
EOF

# --- CSV -----------------------------------------------------------------------------------
plazo report --at 2023-03-15T12:00 --format csv >"$tmp/r.csv" 2>"$tmp/err" \
    && ok "report csv" || { bad "report csv exit $?"; cat "$tmp/err"; }
$PY - "$tmp/r.csv" "$tmp/expected" <<'EOF' && ok "csv figures" || bad "csv figures"
import csv, io, sys
raw = open(sys.argv[1], "rb").read()
assert raw.startswith(b"\xef\xbb\xbf"), "no byte order mark"
assert raw.count(b"\n") == raw.count(b"\r\n"), "bare LF"
rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
exp = {l.split()[0]: tuple(map(int, l.split()[1:])) for l in open(sys.argv[2])}
by = {(r["scope"], r["id"]): r for r in rows}
def check(scope, id, on_time, late, overdue, pending, total, compliance):
    r = by[(scope, id)]
    got = tuple(int(r[k]) for k in ("on_time", "late", "overdue", "pending", "total"))
    assert got == (on_time, late, overdue, pending, total), (scope, id, got)
    assert r["compliance"] == compliance, (scope, id, r["compliance"], compliance)
n, d = exp["secretaria-general"]
assert (n, d) == (16, 2), (n, d)
check("office", "secretaria-general", 1, 1, 0, 14, 16, "0.500")
n, d = exp["control-interno"]
check("office", "control-interno", 1, 1, d - 2, n - d, n, "0.500")
n, d = exp["transparencia"]  # its mark of 5 came after the cut-off
check("office", "transparencia", 0, 0, d, n - d, n, "0.000" if d else "")
n, d = exp["desarrollo-social"]
check("office", "desarrollo-social", 0, 0, d, n - d, n, "" if d == 0 else "0.000")
n, d = exp["total"]
check("total", "", 2, 2, d - 4, n - d, n, "%.3f" % (2 / d))
for s in ("1", "2", "3"):
    n, d = exp["sub" + s]
    r = by[("subcomponent", s)]
    assert int(r["total"]) == n and int(r["pending"]) == n - d, (s, r)
assert by[("subcomponent", "3")]["name"] == "Responsabilidad"
offices = [r for r in rows if r["scope"] == "office"]
assert len(offices) == 13 and offices[0]["id"] == "secretaria-general", offices[0]
assert offices[0]["name"] == "Secretaría General"
EOF

# --- text ----------------------------------------------------------------------------------
plazo report --at 2023-03-15T12:00 >"$tmp/r.txt" 2>"$tmp/err" && ok "report text" || bad "report text exit $?"
grep -q "^Informe de seguimiento — corte miércoles 15 de marzo de 2023$" "$tmp/r.txt" \
    && ok "text heading" || bad "text heading"
grep -q "^Oficina  *A tiempo  *Con retraso  *Vencidas  *Pendientes  *Total  *Cumplimiento$" \
    "$tmp/r.txt" && ok "text header" || bad "text header"
# 1 of 16 is 6,25 % -> 6,3 %; 14 of 16 is 87,5 %; compliance 1 of 2
grep -q "^Secretaría General  *1 (6,3 %)  *1 (6,3 %)  *0 (0,0 %)  *14 (87,5 %)  *16  *50,0 %$" \
    "$tmp/r.txt" && ok "text row of Secretaría General" || { bad "text row"; cat "$tmp/r.txt"; }
grep -q "^3\. Responsabilidad " "$tmp/r.txt" && ok "text subcomponent" || bad "text subcomponent"
grep -q "^1 marca de entrega no corresponde a ningún hito" "$tmp/r.txt" \
    && ok "stale mark footnote" || bad "stale mark footnote"
grep -q "^1 marca posterior al corte" "$tmp/r.txt" && ok "later mark footnote" || bad "later footnote"
# the header's columns line up with the rows' (display columns, not bytes)
$PY - "$tmp/r.txt" <<'EOF' && ok "text aligned" || bad "text columns not aligned"
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
head = next(i for i, l in enumerate(lines) if l.startswith("Oficina "))
table = lines[head:lines.index("", head)]
assert len(table) == 15, len(table)
assert len({len(l) for l in table}) == 1, {len(l) for l in table}
EOF

# --- HTML ----------------------------------------------------------------------------------
sed -i 's|^name = Secretaría General$|name = Secretaría <General> \& "SG"\nalias = Secretaría General|' "$cfg"
plazo report --at 2023-03-15T12:00 --format html >"$tmp/r.html" 2>"$tmp/err" \
    && ok "report html" || { bad "report html exit $?"; cat "$tmp/err"; }
$PY - "$tmp/r.html" <<'EOF' && ok "html page" || bad "html page"
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.text, self.rows, self.row, self.cell = [], {}, [], None, None
        self.lang = None
    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        if tag == "tr":
            self.row = []
        if tag in ("td", "th") and self.row is not None:
            self.cell = ""
    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(self.cell.strip())
            self.cell = None
        if tag == "tr":
            self.rows.append(self.row)
            self.row = None
    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data
        tag = self.tags[-1] if self.tags else ""
        self.text[tag] = self.text.get(tag, "") + data
src = open(sys.argv[1], encoding="utf-8").read()
p = P()
p.feed(src)
assert p.lang == "es"
assert p.text["title"].strip() == "Informe de seguimiento — miércoles 15 de marzo de 2023"
assert "script" not in p.tags and "<script" not in src.lower()
assert p.tags.count("table") == 2 and p.tags.count("caption") == 2
assert "@media print" in src
sg = [r for r in p.rows if r and r[0] == 'Secretaría <General> & "SG"']
assert sg == [['Secretaría <General> & "SG"', "1 (6,3 %)", "1 (6,3 %)", "0 (0,0 %)",
               "14 (87,5 %)", "16", "50,0 %"]], sg
assert "&lt;General&gt; &amp; &quot;SG&quot;" in src
EOF

# --- log -----------------------------------------------------------------------------------
plazo log >"$tmp/log" 2>"$tmp/err" && ok "log" || bad "log exit $?"
[ "$(wc -l <"$tmp/log")" -eq 3 ] && ok "log has 3 lines" || { bad "log lines"; cat "$tmp/log"; }
grep -q "^2023-02-27T10:00:00-05:00  secretaria-general  marked  9/1 2023-02-28 by Ana Pérez$" \
    "$tmp/log" && ok "log line" || { bad "log line"; cat "$tmp/log"; }
grep -q "59/1 2023-02-28 second line$" "$tmp/log" && ok "log detail on one line" || bad "log newline"
plazo log --office secretaria-general --since 2023-03-01 >"$tmp/log" 2>&1 || bad "log --office exit"
[ "$(wc -l <"$tmp/log")" -eq 1 ] && grep -q "^2023-03-02T09:00:00-05:00  secretaria-general  marked" \
    "$tmp/log" && ok "log --office --since" || { bad "log --office --since"; cat "$tmp/log"; }
plazo log --since 2023-03-01T08:00 >"$tmp/log" 2>&1
[ "$(wc -l <"$tmp/log")" -eq 2 ] && ok "--since includes its instant" || bad "--since 08:00"
plazo log --since 2023-03-01T13:00:01Z >"$tmp/log" 2>&1
[ "$(wc -l <"$tmp/log")" -eq 1 ] && ok "--since with an offset" || bad "--since Z"
plazo log --format json >"$tmp/log.json" 2>"$tmp/err" || bad "log json exit"
$PY - "$tmp/log.json" <<'EOF' && ok "log json" || bad "log json"
import json, sys
rows = json.load(open(sys.argv[1], encoding="utf-8"))
assert [r["office"] for r in rows] == ["secretaria-general", "control-interno",
                                      "secretaria-general"], rows
assert rows[0]["at"] == "2023-02-27T10:00:00-05:00" and rows[0]["kind"] == "marked"
assert rows[0]["unix"] == 1677510000
assert rows[2]["detail"] == "59/1 2023-02-28\nsecond line"
EOF

# --- usage ---------------------------------------------------------------------------------
expect_usage "report --format pdf" report --format pdf
expect_usage "report --at nonsense" report --at yesterday
expect_usage "report two plans" report a.tsv b.tsv
expect_usage "report unknown option" report --bogus
expect_usage "log unknown office" log --office nobody
expect_usage "log --since nonsense" log --since yesterday
expect_usage "log --format xml" log --format xml
expect_usage "log argument" log extra
plazo report --help >"$tmp/out" 2>&1 && grep -q "^Usage: plazo" "$tmp/out" && ok "report --help" \
    || bad "report --help"
plazo log --help >"$tmp/out" 2>&1 && grep -q "^Usage: plazo" "$tmp/out" && ok "log --help" || bad "log --help"
plazo report >/dev/null 2>&1 && ok "report as of now" || bad "report as of now"

echo "$fails failed"
[ "$fails" -eq 0 ]
