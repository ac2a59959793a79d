#!/bin/sh
# escalation.sh - the supervising office's weekly digest ([escalation] in config/plazo.ini:
# Control Interno, 5 working days, Mondays): on Monday 2023-03-06 08:00 it lists, worked out
# by hand from the plan, activities 3 and 4 (due 2023-01-31; 4 for two offices) and 5
# (2023-01-30) under their offices' headings, and 23's three 2022 dates apart, as dates to
# review in the plan - not the 2023-02-28 ones, only 4 working days late. A milestone marked
# delivered leaves the next week's digest.
set -u
: "${PLAZO:?}" "${PLAZO_TESTDATA:?}" "${PLAZO_CONFIG:?}"
PY=/usr/bin/python3
HERE=$(dirname "$0")
# the inline Python below reads the text part through mailtext.py (format=flowed)
export PYTHONPATH="$HERE${PYTHONPATH:+:$PYTHONPATH}"
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
# The digest's structure, against this reading of the plan by hand (config order of the
# offices; 5 working days late on Monday 2023-03-06):
#   transparencia (Oficina para la Transparencia de la Gestión Pública): #5, due 30/01/2023
#   comunicaciones-transparencia (Equipo comunicaciones Oficina para la Transparencia ...):
#     #3 and #4, due 31/01/2023
#   redes (Oficina de Comunicaciones - Equipo de Redes): #4 (shared), due 31/01/2023
#   protocolo: #23's three dates, 31/05/22 30/09/22 31/12/22, outside the plan's years
#     2023-2024 (plazo check: outside-plan-year): not late, under "Fechas para revisar"
# Not there: the 28/02/2023 dates (4 working days late), #54 and #56 (1/03/2023, ambiguous,
# 3 working days), #10 and #11 (31/11/2023, corrected to 30/11: not yet due).
$PY - "$first" "$PLAZO_TESTDATA/estrategia-rendicion-cuentas-2023.tsv" <<'PY' && ok "structure: offices with headings, each activity once, doubted dates apart" || bad "escalation digest structure"
import mailtext, email, email.policy, re, sys
msg = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
text = mailtext.plain_text(msg).replace("\r\n", "\n")
markup = msg.get_body(("html",)).get_content()
plan = {}
for line in open(sys.argv[2], encoding="utf-8"):
    cells = line.rstrip("\n").split("\t")
    if len(cells) > 2 and cells[1].isdigit():
        plan[int(cells[1])] = cells[2].strip()
T = "Oficina para la Transparencia de la Gestión Pública"
E = "Equipo comunicaciones Oficina para la Transparencia de la Gestión Pública"
R = "Oficina de Comunicaciones - Equipo de Redes"
REVIEW = "Fechas para revisar en el plan"
want = [(T, 1, {5: ["lunes 30 de enero de 2023"]}),
        (E, 2, {3: ["martes 31 de enero de 2023"], 4: ["martes 31 de enero de 2023"]}),
        (R, 1, {4: ["martes 31 de enero de 2023"]})]
# sections: a heading line "Title (n)" underlined with as many dashes
lines = text.split("\n")
sections = []
for i, line in enumerate(lines[:-1]):
    if re.fullmatch(r"-+", lines[i + 1]) and len(lines[i + 1]) == len(line):
        m = re.fullmatch(r"(.*) \((\d+)\)", line)
        assert m, line
        sections.append([m.group(1), int(m.group(2)), i + 2])
assert [s[0] for s in sections] == [T, E, R, REVIEW], [s[0] for s in sections]
count = dict((s[0], s[1]) for s in sections)
bodies = {}
for k, s in enumerate(sections):
    end = sections[k + 1][2] - 2 if k + 1 < len(sections) else lines.index("-- ")
    bodies[s[0]] = "\n".join(lines[s[2]:end])
for title, n, acts in want:
    body = bodies[title]
    assert count[title] == n, (title, count[title], n)
    got = {}
    for block in re.split(r"\n(?=Actividad \d+:)", body.strip()):
        num = int(re.match(r"Actividad (\d+):", block).group(1))
        got[num] = re.findall(r"Venció: ([^—\n]+?) —", block)
    assert got == acts, (title, got)
    assert "2022" not in body, title
# each activity's text once in the whole message: #4 in full under E, pointed to under R
for num in (3, 4, 5):
    assert text.count(plan[num][:60]) == 1, (num, text.count(plan[num][:60]))
assert "Actividad 4: ver arriba, con " + E in bodies[R], bodies[R]
assert "Oficinas con retraso: %s, %s" % (E, R) in bodies[E], bodies[E]
# the doubted dates: #23 once, its three dates with the doubt, not counted late
rev = bodies[REVIEW]
assert count[REVIEW] == 3, count
assert re.findall(r"Actividad (\d+):", rev) == ["23"], rev
assert "Responsable: Protocolo Secretaría General" in rev, rev
for day in ("31 de mayo de 2022", "30 de septiembre de 2022", "31 de diciembre de 2022"):
    assert ("La fecha del plan, %s, está fuera de los años del plan (2023–2024)" % day) in rev, day
assert plan[23] not in text and text.count(plan[23][:60]) == 1, "#23 in full"
assert "días de retraso" not in rev, rev
assert "279 días" not in text
assert "Plazos: 4 vencidas" in str(msg["Subject"]), msg["Subject"]
# the HTML part has the same headings
h2 = [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<h2[^>]*>(.*?)</h2>", markup)]
assert h2 == ["%s (%d)" % (s[0], s[1]) for s in sections], h2
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
import mailtext, email, email.policy, re, sys
msg = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
text = mailtext.plain_text(msg).replace("\r\n", "\n")
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
