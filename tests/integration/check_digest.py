#!/usr/bin/python3
"""check_digest.py - checks a digest as a mail client would read it.

  check_digest.py MESSAGE [--office NAME] [--numbers 9,59] [--late]
      the message parses with Python's email package; the decoded Subject names the
      office; the text and HTML parts both name exactly those activities ("Actividad N")
      and agree with each other; with --late both carry the late-delivery notice
  check_digest.py --unique-message-ids DIR
      no two messages under DIR share a Message-ID
Exit 0 when every check holds; prints what failed otherwise.
"""
import argparse
import email
import email.policy
import html
import os
import re
import sys

import mailtext  # the text part unwrapped (format=flowed)


def parts(msg):
    text = htmlpart = None
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            text = mailtext.flowed_part(part)
        elif part.get_content_type() == "text/html":
            htmlpart = part.get_content()
    return text, htmlpart


def numbers(s):
    return sorted({int(n) for n in re.findall(r"Actividad (\d+)", s)})


def check_message(path, args):
    problems = []
    with open(path, "rb") as f:
        msg = email.message_from_bytes(f.read(), policy=email.policy.default)
    subject = str(msg["Subject"])
    for header in ("Message-ID", "Date", "From", "To", "Auto-Submitted", "List-Id"):
        if msg[header] is None:
            problems.append("missing header " + header)
    if args.office and args.office not in subject:
        problems.append("subject %r does not name %r" % (subject, args.office))
    if not subject.startswith("Plazos: "):
        problems.append("subject %r" % subject)
    text, htmlpart = parts(msg)
    if text is None or htmlpart is None:
        return problems + ["missing text/plain or text/html part"]
    problems += mailtext.flowed_problems(msg.get_body(("plain",)))
    plain_html = html.unescape(re.sub(r"<[^>]+>", " ", htmlpart))
    if numbers(text) != numbers(plain_html):
        problems.append("text names %s, HTML names %s" % (numbers(text), numbers(plain_html)))
    if args.numbers is not None:
        want = sorted(int(n) for n in args.numbers.split(","))
        if numbers(text) != want:
            problems.append("activities %s, wanted %s" % (numbers(text), want))
    for d in re.findall(r"\w+ \d+ de \w+ de \d{4}", text):
        if d not in plain_html:
            problems.append("date %r of the text part is not in the HTML part" % d)
    if args.late and ("retraso" not in text or "retraso" not in plain_html):
        problems.append("no late-delivery notice")
    return problems


def unique_ids(root):
    seen = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            if not name.endswith(".eml") and "/new" not in dirpath:
                continue
            with open(path, "rb") as f:
                msg = email.message_from_bytes(f.read(), policy=email.policy.default)
            mid = msg["Message-ID"]
            if mid in seen:
                return ["%s and %s share %s" % (seen[mid], path, mid)]
            seen[mid] = path
    return []


def main():
    p = argparse.ArgumentParser()
    p.add_argument("message", nargs="?")
    p.add_argument("--office")
    p.add_argument("--numbers")
    p.add_argument("--late", action="store_true")
    p.add_argument("--unique-message-ids", metavar="DIR")
    args = p.parse_args()
    if args.unique_message_ids:
        problems = unique_ids(args.unique_message_ids)
    else:
        problems = check_message(args.message, args)
    for problem in problems:
        print("check_digest: " + problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
