#!/usr/bin/env python3
"""Concrete SQL injection payloads from sqlmap's own test definitions (Debian's sqlmap package,
/usr/share/sqlmap/data/xml/payloads/*.xml): each test's payload with its placeholders filled
([INFERENCE] as a comparison, [RANDNUM] as a number, [SLEEPTIME] as 5...), behind seven
boundaries (a number; after ', '), ), "; with a closing condition or a comment), one a line.
An attack list the web detector was not built on:

  python3 bench/webeval/sqlmap_payloads.py > /tmp/sqlmap.txt
  build/release/tests/web_eval ../shared lines /tmp/sqlmap.txt sqli
"""
import glob
import random
import re
import sys
import xml.etree.ElementTree as ET

DIR = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/sqlmap/data/xml/payloads"
random.seed(21)


def num():
    return str(random.randint(1000, 9999))


FIXED = {"[RANDSTR]": lambda: "".join(random.choice("abcdefghijklmnop") for _ in range(4)), "[SLEEPTIME]": lambda: "5",
         "[DELIMITER_START]": lambda: "qkpvq", "[DELIMITER_STOP]": lambda: "qzjxq", "[ORIGVALUE]": lambda: "1",
         "[GENERIC_SQL_COMMENT]": lambda: "-- -", "[SPACE_REPLACE]": lambda: " "}


def fill(s):
    n = num()
    s = s.replace("[INFERENCE]", f"{n}={n}").replace("[QUERY]", "SELECT 1")
    for k, f in FIXED.items():
        while k in s:
            s = s.replace(k, f(), 1)
    s = re.sub(r"\[RANDNUM\d?\]", lambda m: num(), s)
    s = re.sub(r"\[RANDSTR\d?\]", "wxyz", s)
    return re.sub(r"\[[A-Z_0-9]+\]", "1", s)


BOUNDARIES = [("", ""), ("'", " AND 'x'='x"), ("')", " AND ('x'='x"), (")", " AND (1=1"), ('"', ' AND "x"="x'), ("'", "-- -"), ("", "#")]
out = set()
for f in sorted(glob.glob(DIR + "/*.xml")):
    for test in ET.parse(f).getroot().iter("test"):
        req = test.find("request")
        if req is None or req.find("payload") is None:
            continue
        payload = req.find("payload").text or ""
        comment = (req.find("comment").text or "") if req.find("comment") is not None else ""
        for pre, suf in BOUNDARIES:
            out.add(("1" + pre + " " + fill(payload) + (" " + comment if comment else suf)).replace("\n", " "))
if not out:
    sys.exit(f"no sqlmap payloads under {DIR} (apt install sqlmap)")
print("\n".join(sorted(out)))
