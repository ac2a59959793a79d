#!/usr/bin/python3
"""check_feed.py - check a plazo feed with another parser (python3-icalendar).

usage: check_feed.py FEED.ics --events N [--uid-file F]

Reads the feed as bytes (every line CRLF-terminated and at most 75 octets), then with
icalendar.Calendar.from_ical: the VCALENDAR properties plazo promises (PRODID, VERSION 2.0,
CALSCALE GREGORIAN, METHOD PUBLISH, NAME = X-WR-CALNAME "Plazos — ...", X-WR-CALDESC,
X-WR-TIMEZONE, REFRESH-INTERVAL;VALUE=DURATION and X-PUBLISHED-TTL), and in every VEVENT
UID, DTSTAMP, SEQUENCE, an all-day DTSTART (a date, not a date-time), DTEND the day after,
TRANSP:TRANSPARENT and a SUMMARY "Plazo: #N ..." (or "Plazo: (fila N) ..."); no UID twice,
exactly N events. With --uid-file, the UID set must equal the one saved in F (one UID a
line); when F does not exist it is written. Exit 0 when all holds, 1 with one message per
problem, 2 on bad usage or an internal error, 77 (skip) when icalendar is missing.
"""
import argparse
import datetime
import os
import re
import sys

try:
    import icalendar
except ImportError:
    print("check_feed: python3-icalendar is not installed", file=sys.stderr)
    sys.exit(77)

PRODID = "-//plazo//plazo 0.1//ES"
SUMMARY_RE = re.compile(r"^Plazo: (#\d+|\(fila \d+\)) \S")
DURATION_RE = re.compile(r"^PT(\d+)M$")


def check_lines(raw, problems):
    if not raw.endswith(b"\r\n"):
        problems.append("the feed does not end with CRLF")
    lines = raw.split(b"\r\n")
    for number, line in enumerate(lines[:-1], 1):
        if b"\n" in line or b"\r" in line:
            problems.append(f"line {number}: bare LF or CR")
        if len(line) > 75:
            problems.append(f"line {number}: {len(line)} octets (more than 75)")


def text(component, name):
    value = component.get(name)
    return None if value is None else str(value)


def check_calendar(cal, problems):
    expect = {"PRODID": PRODID, "VERSION": "2.0", "CALSCALE": "GREGORIAN", "METHOD": "PUBLISH"}
    for name, want in expect.items():
        if text(cal, name) != want:
            problems.append(f"VCALENDAR {name} is {text(cal, name)!r}, not {want!r}")
    name, wr_name = text(cal, "NAME"), text(cal, "X-WR-CALNAME")
    if not wr_name or not wr_name.startswith("Plazos — "):
        problems.append(f"X-WR-CALNAME {wr_name!r} does not start with 'Plazos — '")
    if name != wr_name:
        problems.append(f"NAME {name!r} differs from X-WR-CALNAME {wr_name!r}")
    for required in ("X-WR-CALDESC", "X-WR-TIMEZONE"):
        if not text(cal, required):
            problems.append(f"no {required}")
    check_refresh(cal, problems)


def check_refresh(cal, problems):
    refresh = cal.get("REFRESH-INTERVAL")
    if refresh is None:
        problems.append("no REFRESH-INTERVAL")
    else:
        if refresh.params.get("VALUE") != "DURATION":
            problems.append("REFRESH-INTERVAL lacks VALUE=DURATION (RFC 7986)")
        # icalendar 4 does not know RFC 7986 and keeps the value as text
        value = refresh if isinstance(refresh, str) else refresh.to_ical().decode()
        try:
            seconds = icalendar.vDuration.from_ical(str(value)).total_seconds()
        except ValueError:
            problems.append(f"REFRESH-INTERVAL {value!r} is not a duration")
            refresh = None
    ttl = text(cal, "X-PUBLISHED-TTL")
    match = DURATION_RE.match(ttl or "")
    if not match:
        problems.append(f"X-PUBLISHED-TTL {ttl!r} is not PT<minutes>M")
    elif refresh is not None and int(match.group(1)) * 60 != seconds:
        problems.append(f"X-PUBLISHED-TTL {ttl} differs from REFRESH-INTERVAL")


def check_event(ev, problems):
    uid = text(ev, "UID")
    where = f"VEVENT {uid}"
    for required in ("UID", "DTSTAMP", "SEQUENCE", "DTSTART", "DTEND", "SUMMARY"):
        if ev.get(required) is None:
            problems.append(f"{where}: no {required}")
    if ev.get("DTSTART") is not None and ev.get("DTEND") is not None:
        start, end = ev.decoded("DTSTART"), ev.decoded("DTEND")
        if isinstance(start, datetime.datetime) or isinstance(end, datetime.datetime):
            problems.append(f"{where}: DTSTART/DTEND are date-times, not all-day dates")
        elif end - start != datetime.timedelta(days=1):
            problems.append(f"{where}: DTEND {end} is not the day after DTSTART {start}")
    if text(ev, "TRANSP") != "TRANSPARENT":
        problems.append(f"{where}: TRANSP is {text(ev, 'TRANSP')!r}")
    summary = text(ev, "SUMMARY") or ""
    if not SUMMARY_RE.match(summary):
        problems.append(f"{where}: SUMMARY {summary!r} does not start with 'Plazo: #N '")
    return uid


def check_events(cal, want, problems):
    uids = []
    for ev in cal.walk("VEVENT"):
        uids.append(check_event(ev, problems))
    seen = set()
    for uid in uids:
        if uid in seen:
            problems.append(f"UID {uid} appears more than once")
        seen.add(uid)
    if len(uids) != want:
        problems.append(f"{len(uids)} events, expected {want}")
    return seen


def check_uid_file(path, uids, problems):
    if not os.path.exists(path):
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(uid + "\n" for uid in sorted(u for u in uids if u))
        print(f"check_feed: wrote {len(uids)} UIDs to {path}")
        return
    with open(path, encoding="utf-8") as f:
        saved = {line.strip() for line in f if line.strip()}
    missing, new = sorted(saved - uids), sorted(uids - saved)
    if missing:
        problems.append(f"{len(missing)} UIDs of {path} are missing: {shorten(missing)}")
    if new:
        problems.append(f"{len(new)} UIDs are not in {path}: {shorten(new)}")


def shorten(items, most=5):
    more = f" and {len(items) - most} more" if len(items) > most else ""
    return ", ".join(items[:most]) + more


def main():
    parser = argparse.ArgumentParser(description="check a plazo iCalendar feed")
    parser.add_argument("feed")
    parser.add_argument("--events", type=int, required=True)
    parser.add_argument("--uid-file")
    args = parser.parse_args()
    try:
        with open(args.feed, "rb") as f:
            raw = f.read()
    except OSError as e:
        print(f"check_feed: {e}", file=sys.stderr)
        return 1
    problems = []
    check_lines(raw, problems)
    try:
        cal = icalendar.Calendar.from_ical(raw)
    except ValueError as e:
        print(f"check_feed: {args.feed}: not iCalendar: {e}", file=sys.stderr)
        return 1
    check_calendar(cal, problems)
    uids = check_events(cal, args.events, problems)
    if args.uid_file:
        check_uid_file(args.uid_file, uids, problems)
    for p in problems:
        print(f"check_feed: {args.feed}: {p}", file=sys.stderr)
    if not problems:
        print(f"check_feed: {args.feed}: ok, {len(uids)} events")
    return 1 if problems else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # a crash is not a verdict on the feed: exit 2, not 1
        print(f"check_feed: internal error: {e!r}", file=sys.stderr)
        sys.exit(2)
