#!/bin/sh
# page_browser.sh - the office page as a phone's browser shows it: headless Chromium renders
# Secretaría General's page on the seed plan at 2023-03-01 08:00, and the rendered DOM must
# hold its deliverables (#9 and #59 overdue, #1 upcoming, with their dates in words) and the
# subscribe links; at 360 px wide nothing may scroll sideways. A screenshot at 390 px is kept
# in $PLAZO_ARTIFACTS (or the temporary folder) for a person to look at.
# Needs Debian's chromium; exits 77 (skip) without it.
set -u
: "${PLAZO_PAGE_DUMP:?path of the page-dump test helper}" "${PLAZO_TESTDATA:?}" "${PLAZO_CONFIG:?}"
CHROMIUM=/usr/bin/chromium
PY=/usr/bin/python3
[ -x "$CHROMIUM" ] || { echo "SKIP: $CHROMIUM is not installed"; exit 77; }
[ -x "$PY" ] || { echo "SKIP: $PY is not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=${PLAZO_ARTIFACTS:-$tmp}
mkdir -p "$out" || exit 1
fails=0
ok() { echo "ok $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }

# chromium ARGS...: one bounded headless run with its own profile, nothing from the network
chromium() {
    profile=$(mktemp -d "$tmp/profile.XXXXXX")
    timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
        --no-first-run --disable-background-networking --disable-component-update \
        --disable-sync --user-data-dir="$profile" "$@" 2>>"$tmp/chromium.log"
}

seed=$PLAZO_TESTDATA/estrategia-rendicion-cuentas-2023.tsv
if "$PLAZO_PAGE_DUMP" "$PLAZO_CONFIG" "$seed" secretaria-general 2023-03-01T08:00 \
    >"$out/page.html" 2>"$tmp/dump.err"; then ok "page-dump"; else
    bad "page-dump"; cat "$tmp/dump.err"; exit 1; fi

chromium --window-size=390,1200 --screenshot="$out/page.png" "file://$out/page.html" >/dev/null
if [ -s "$out/page.png" ]; then ok "screenshot $out/page.png"; else
    bad "screenshot"; tail -20 "$tmp/chromium.log"; fi

chromium --window-size=390,1200 --dump-dom "file://$out/page.html" >"$out/page-dom.html"
if [ -s "$out/page-dom.html" ]; then ok "dump-dom"; else
    bad "dump-dom"; tail -20 "$tmp/chromium.log"; exit 1; fi

# The rendered DOM: sections, items in them, dates in words, links.
$PY - "$out/page-dom.html" <<'EOF' && ok "rendered content" || bad "rendered content"
import sys
from html.parser import HTMLParser

class Page(HTMLParser):
    """Collects text per section id, item ids per section, and link targets."""
    def __init__(self):
        super().__init__()
        self.section, self.text, self.items, self.links = None, {}, {}, {}
        self.href, self.code, self.codes, self.lang, self.title = None, False, [], None, ""
        self.in_title, self.scripts = False, 0
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "section":
            self.section = a.get("id")
        if tag == "article" and self.section:
            self.items.setdefault(self.section, []).append(a.get("id"))
        if tag == "a":
            self.href = a.get("href")
            self.links[self.href] = ""
        if tag == "code":
            self.code = True
        if tag == "title":
            self.in_title = True
        if tag in ("script", "img", "iframe", "link", "object"):
            self.scripts += 1
    def handle_endtag(self, tag):
        if tag == "section":
            self.section = None
        if tag == "a":
            self.href = None
        if tag == "code":
            self.code = False
        if tag == "title":
            self.in_title = False
    def handle_data(self, data):
        key = self.section or "-"
        self.text[key] = self.text.get(key, "") + data
        if self.href is not None:
            self.links[self.href] += data
        if self.code:
            self.codes.append(data.strip())
        if self.in_title:
            self.title += data

p = Page()
p.feed(open(sys.argv[1], encoding="utf-8").read())
late, nxt, sub = p.text.get("vencidas", ""), p.text.get("este-mes", ""), p.text.get("suscribir", "")
webcal = "webcal://127.0.0.1:8080/feeds/0123456789abcdef0123456789abcdef.ics"
https = "http://127.0.0.1:8080/feeds/0123456789abcdef0123456789abcdef.ics"
google = ("https://calendar.google.com/calendar/r?cid=webcal%3A%2F%2F127.0.0.1%3A8080%2Ffeeds"
          "%2F0123456789abcdef0123456789abcdef.ics")
checks = [
    ("lang", p.lang == "es"),
    ("title", p.title == "Plazos — Secretaría General"),
    ("today", "Hoy: miércoles 1 de marzo de 2023" in p.text.get("-", "")),
    ("overdue items", p.items.get("vencidas") == ["a9-1", "a59-1"]),
    ("upcoming items", p.items.get("este-mes") == ["a1-1"]),
    ("overdue heading", "Vencidas (2)" in late),
    ("upcoming heading", "Este mes (1)" in nxt),
    ("#9 and #59", "#9" in late and "#59" in late),
    ("#9 quote", 'denominados "Valle Invencible"' in late),
    ("overdue date", late.count("Venció el martes 28 de febrero de 2023") == 2),
    ("late count", late.count("1 día de retraso (1 día hábil)") == 2),
    ("#1", "#1" in nxt and "Publicar en la sede electrónica Institucional" in nxt),
    ("upcoming date", "Vence el jueves 30 de marzo de 2023" in nxt),
    ("days left", "faltan 29 días (20 días hábiles)" in nxt),
    ("webcal link", p.links.get(webcal) == "Abrir en la aplicación de calendario"),
    ("google link", p.links.get(google) == "Agregar a Google Calendar"),
    ("https to copy", https in p.codes),
    ("outlook", "Agregar calendario → Suscribirse desde la web" in sub),
    ("google refresh", "cada varias horas" in sub),
    ("nothing external", p.scripts == 0),
]
failed = [name for name, good in checks if not good]
for name in failed:
    print("  failed:", name, file=sys.stderr)
sys.exit(1 if failed else 0)
EOF

# Layout at 360 px: a test-only copy of the page (the page itself has no script) is laid out
# 360 px wide and reports the right edge of its widest box and its smallest text.
probe='<style>html{width:360px}</style><script>addEventListener("load", () => {
  const all = Array.from(document.querySelectorAll("body *"));
  const right = Math.max(...all.map(e => e.getBoundingClientRect().right));
  const text = all.filter(e => e.childNodes.length && Array.from(e.childNodes).some(
    n => n.nodeType === 3 && n.textContent.trim()));
  const font = Math.min(...text.map(e => parseFloat(getComputedStyle(e).fontSize)));
  document.title = "probe " + Math.ceil(right) + " " + font;
});</script></head>'
$PY -c 'import sys; s = open(sys.argv[1], encoding="utf-8").read()
open(sys.argv[2], "w", encoding="utf-8").write(s.replace("</head>", sys.argv[3], 1))' \
    "$out/page.html" "$tmp/probe.html" "$probe"
chromium --window-size=800,800 --virtual-time-budget=2000 --dump-dom "file://$tmp/probe.html" \
    >"$tmp/probe-dom.html"
set -- $(sed -n 's|.*<title>probe \([0-9. ]*\)</title>.*|\1|p' "$tmp/probe-dom.html")
if [ $# -eq 2 ] && [ "$1" -le 360 ]; then ok "fits 360 px (widest box ends at $1)"; else
    bad "layout at 360 px: '$*'"; fi
if [ $# -eq 2 ] && $PY -c "import sys; sys.exit(0 if float('$2') >= 14 else 1)"; then
    ok "smallest text ${2}px"; else bad "smallest text at 360 px: '$*'"; fi

[ "$fails" -eq 0 ] || { echo "$fails failed"; exit 1; }
echo "all passed"
