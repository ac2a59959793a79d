#!/usr/bin/python3
"""diag_codes_used.py SRC - every diagnostic code the sources pass is a row of
src/common/diag_codes.h, and every row is passed somewhere.

A code is passed where a string literal is the argument of a `const char *code` parameter
(diag_add, diag_vadd and any helper declared with one, such as date.c's or config.c's) or the
`code` member of a struct initializer, in any file under src/. Prints what is wrong; exit 1
when anything is.
"""
import glob
import os
import re
import sys

LITERAL = re.compile(r'"([a-z][a-z0-9]*(?:-[a-z0-9]+)*)"')


def strip_comments(text):
    return re.sub(r"/\*.*?\*/|//[^\n]*", " ", text, flags=re.S)


def split_args(text, start):
    """The arguments of the call whose '(' is at text[start]: a list of strings."""
    depth, args, cur, i = 0, [], [], start
    while i < len(text):
        c = text[i]
        if c == '"':
            j = i + 1
            while j < len(text) and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            cur.append(text[i:j + 1])
            i = j + 1
            continue
        if c in "({[":
            depth += 1
            if depth == 1:
                i += 1
                continue
        elif c in ")}]":
            depth -= 1
            if depth == 0:
                args.append("".join(cur))
                return args
        elif c == "," and depth == 1:
            args.append("".join(cur))
            cur = []
            i += 1
            continue
        cur.append(c)
        i += 1
    return args


def code_positions(texts):
    """{function name: index of its `const char *code` parameter}, and the same for the
    `const char *code;` members of structs."""
    funcs, structs = {}, {}
    for text in texts:
        for m in re.finditer(r"\b(\w+)\s*\(([^;{}()]*)\)\s*(?:__attribute__\S*\s*)?[{;]", text):
            params = [p.strip() for p in m.group(2).split(",")]
            for i, p in enumerate(params):
                if re.fullmatch(r"const\s+char\s*\*\s*code", p):
                    funcs[m.group(1)] = i
        for m in re.finditer(r"\bstruct\s+(\w+)\s*\{([^{}]*)\}", text):
            members = [x.strip() for x in m.group(2).split(";") if x.strip()]
            for i, x in enumerate(members):
                if re.fullmatch(r"const\s+char\s*\*\s*code", x):
                    structs[m.group(1)] = i
    return funcs, structs


def used_codes(texts, funcs, structs):
    used = {}
    for name, text in texts.items():
        for fn, k in funcs.items():
            for m in re.finditer(r"\b%s\s*\(" % fn, text):
                args = split_args(text, m.end() - 1)
                if k < len(args):
                    for lit in LITERAL.findall(args[k]):
                        used.setdefault(lit, name)
        for st, k in structs.items():
            for m in re.finditer(r"\bstruct\s+%s\s+\w+\s*=\s*\{" % st, text):
                args = split_args(text, m.end() - 1)
                if k < len(args):
                    for lit in LITERAL.findall(args[k]):
                        used.setdefault(lit, name)
        for m in re.finditer(r"\.code\s*=\s*(\"[^\"]*\")", text):
            for lit in LITERAL.findall(m.group(1)):
                used.setdefault(lit, name)
    return used


def main():
    src = os.path.join(sys.argv[1], "src")
    table_text = open(os.path.join(src, "common", "diag_codes.h"), encoding="utf-8").read()
    table = set(re.findall(r'\bX\("([a-z0-9-]+)"', table_text))
    texts = {os.path.basename(p): strip_comments(open(p, encoding="utf-8").read())
             for p in sorted(glob.glob(os.path.join(src, "**", "*.[ch]"), recursive=True))
             if not p.endswith("diag_codes.h")}
    funcs, structs = code_positions(texts.values())
    used = used_codes(texts, funcs, structs)
    fails = 0
    for code in sorted(set(used) - table):
        print("FAIL %s (passed in src/%s) is not in src/common/diag_codes.h" % (code, used[code]))
        fails += 1
    for code in sorted(table - set(used)):
        print("FAIL %s is in src/common/diag_codes.h but no source passes it" % code)
        fails += 1
    print("%d codes passed by the sources, %d in the table (code parameters of: %s)"
          % (len(used), len(table), ", ".join(sorted(funcs))))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
