#!/usr/bin/python3
"""tree.py - the source tree keeps its shape (docs/design.md, "The tree"): each folder of src/
includes only the folders above it in the pipeline (common, plan, mail, remind, serve, the
daemon in src/ itself, cli), every header starts with one line saying its one concern
("/* name.h - ..."), and a header over 80 lines says why ("Longer than 80 lines: ...")."""
import os
import re
import sys

ORDER = ["common", "plan", "mail", "remind", "serve", ".", "cli"]


def sources(src):
    where = {}
    for root, _, files in os.walk(src):
        for f in files:
            if f.endswith((".c", ".h")):
                where[f] = os.path.relpath(root, src)
    return where


def main():
    src = os.path.join(os.environ.get("PLAZO_SRC", "."), "src")
    where = sources(src)
    fails = []
    for f, d in sorted(where.items()):
        if d not in ORDER:
            fails.append("src/%s/%s: folder %s is not in the pipeline" % (d, f, d))
            continue
        text = open(os.path.join(src, d, f), encoding="utf-8").read()
        for inc in re.findall(r'^#include "([^"]+)"', text, re.M):
            t = where.get(os.path.basename(inc))
            if t is not None and ORDER.index(t) > ORDER.index(d):
                fails.append("src/%s/%s includes %s from %s, below it" % (d, f, inc, t))
        if f.endswith(".h"):
            if not text.startswith("/* %s - " % f):
                fails.append("src/%s/%s does not start with '/* %s - its concern'" % (d, f, f))
            if text.count("\n") > 80 and "Longer than 80 lines" not in re.sub(r"[\s*]+", " ", text):
                fails.append("src/%s/%s has %d lines and no reason for them"
                             % (d, f, text.count("\n")))
    for line in fails:
        print("FAIL " + line)
    print("%d files, %d problems" % (len(where), len(fails)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
