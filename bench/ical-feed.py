"""The peer of `plazo feed`: python3-icalendar building the same feed.

  ical-feed.py extract FEED.ics EVENTS.json   (untimed) the events plazo wrote, as plain data
  ical-feed.py build EVENTS.json > OUT.ics    (timed) builds the calendar with icalendar
  ical-feed.py compare A.ics B.ics            (untimed) same events, same content?

`build` is what a script would do given the normalized events: one Event per milestone with
the same UID, dates, summary, description, category and alarm as plazo's.
"""
import datetime as dt
import json
import sys

import icalendar

FIELDS = ["uid", "summary", "description", "transp", "status"]


def extract(src, dst):
    cal = icalendar.Calendar.from_ical(open(src, "rb").read())
    head = {k: str(cal.get(k)) for k in ("prodid", "name", "x-wr-calname", "x-wr-caldesc",
                                         "x-wr-timezone") if cal.get(k) is not None}
    events = []
    for ev in cal.walk("VEVENT"):
        e = {k: str(ev.get(k)) for k in FIELDS}
        e["dtstart"] = ev.decoded("dtstart").isoformat()
        e["dtend"] = ev.decoded("dtend").isoformat()
        e["dtstamp"] = ev.decoded("dtstamp").isoformat()
        e["last_modified"] = ev.decoded("last-modified").isoformat()
        e["sequence"] = int(ev.get("sequence"))
        e["categories"] = [str(c) for c in ev.get("categories").cats] if ev.get(
            "categories") else []
        alarms = [a for a in ev.walk("VALARM")]
        if alarms:
            e["alarm_trigger_s"] = alarms[0].decoded("trigger").total_seconds()
            e["alarm_description"] = str(alarms[0].get("description"))
        events.append(e)
    json.dump({"head": head, "events": events}, open(dst, "w"), ensure_ascii=False)


def build(src):
    data = json.load(open(src))
    cal = icalendar.Calendar()
    cal.add("prodid", data["head"].get("prodid", "-//bench//icalendar//ES"))
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    for k in ("name", "x-wr-calname", "x-wr-caldesc", "x-wr-timezone"):
        if k in data["head"]:
            cal.add(k, data["head"][k])
    cal.add("refresh-interval", dt.timedelta(minutes=360), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT360M")
    for e in data["events"]:
        ev = icalendar.Event()
        ev.add("uid", e["uid"])
        ev.add("dtstamp", dt.datetime.fromisoformat(e["dtstamp"]))
        ev.add("last-modified", dt.datetime.fromisoformat(e["last_modified"]))
        ev.add("sequence", e["sequence"])
        ev.add("dtstart", dt.date.fromisoformat(e["dtstart"]))
        ev.add("dtend", dt.date.fromisoformat(e["dtend"]))
        ev.add("transp", e["transp"])
        ev.add("status", e["status"])
        ev.add("summary", e["summary"])
        ev.add("description", e["description"])
        if e["categories"]:
            ev.add("categories", e["categories"])
        if "alarm_trigger_s" in e:
            al = icalendar.Alarm()
            al.add("action", "DISPLAY")
            al.add("trigger", dt.timedelta(seconds=e["alarm_trigger_s"]))
            al.add("description", e["alarm_description"])
            ev.add_component(al)
        cal.add_component(ev)
    sys.stdout.buffer.write(cal.to_ical())


def content(path):
    cal = icalendar.Calendar.from_ical(open(path, "rb").read())
    out = []
    for ev in cal.walk("VEVENT"):
        alarms = [(str(a.get("action")), a.decoded("trigger"), str(a.get("description")))
                  for a in ev.walk("VALARM")]
        cats = [str(c) for c in ev.get("categories").cats] if ev.get("categories") else []
        out.append((str(ev.get("uid")), ev.decoded("dtstart"), ev.decoded("dtend"),
                    str(ev.get("summary")), str(ev.get("description")), tuple(cats),
                    int(ev.get("sequence")), str(ev.get("transp")), tuple(alarms)))
    return out


def compare(a, b):
    ea, eb = content(a), content(b)
    same = sorted(ea) == sorted(eb)
    print(json.dumps({"events_a": len(ea), "events_b": len(eb), "same_content": same}))
    return 0 if same else 1


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "extract":
        extract(sys.argv[2], sys.argv[3])
    elif cmd == "build":
        build(sys.argv[2])
    elif cmd == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3]))
