#!/usr/bin/env python3
"""Repeated code in src/: every run of WINDOW significant lines (blank lines, comments and
lone braces left out, whitespace ignored) that appears in more than one place. Exits 1 when
there are more such places than the recorded allowance (scripts/duplicates.allow), so new
copies fail `make lint` while the known ones are paid down; --update records the current count.
"""
import hashlib, os, re, sys

WINDOW = 6
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
ALLOW = os.path.join(ROOT, "scripts", "duplicates.allow")


def significant(path):
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for no, line in enumerate(f, 1):
            s = re.sub(r"\s+", "", line)
            if not s or s.startswith("//") or s.startswith("#include") or s in ("{", "}", "};", "});", "}else{", "});}", "namespace{", "}//namespace"):
                continue
            out.append((no, s))
    return out


def main():
    seen = {}
    for d, _, files in os.walk(os.path.join(ROOT, "src")):
        for n in sorted(files):
            if not n.endswith((".cc", ".h")):
                continue
            p = os.path.join(d, n)
            lines = significant(p)
            for i in range(len(lines) - WINDOW + 1):
                h = hashlib.sha1("\n".join(s for _, s in lines[i:i + WINDOW]).encode()).hexdigest()
                seen.setdefault(h, []).append((os.path.relpath(p, ROOT), lines[i][0]))
    groups = []
    for places in seen.values():
        files = {f for f, _ in places}
        if len(places) > 1:
            groups.append(sorted(places))
    # Overlapping windows of one repeated block count once: keep a group only when its first
    # place does not continue the previous group's.
    groups.sort()
    blocks, last = [], None
    for g in groups:
        f, l = g[0]
        if last and last[0] == f and 0 < l - last[1] <= WINDOW:
            last = (f, l)
            continue
        blocks.append(g)
        last = (f, l)
    allow = int(open(ALLOW).read().split()[0]) if os.path.exists(ALLOW) else 0
    if "--update" in sys.argv:
        with open(ALLOW, "w") as f:
            f.write(f"{len(blocks)}  repeated blocks of {WINDOW} significant lines in src/ (scripts/duplicates.py)\n")
        print(f"recorded {len(blocks)}")
        return 0
    for g in blocks:
        print("repeated: " + ", ".join(f"{f}:{l}" for f, l in g[:4]))
    print(f"{len(blocks)} repeated blocks (allowed: {allow})")
    if len(blocks) > allow:
        print("new repeated code: factor it out (or, when a copy is deliberate, run scripts/duplicates.py --update)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
