#!/usr/bin/env python3
"""Adds the routes `wardsec api routes` lists and docs/openapi.json lacks (with their summary,
permission and path parameters), and drops documented routes that no longer exist. Hand-written
details of existing operations are kept. tests/integration/console_api.py checks the result.

    python3 scripts/openapi_sync.py build/release/wardsec
"""
import json
import os
import subprocess
import sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
path = os.path.join(root, "docs", "openapi.json")
routes = [json.loads(l) for l in subprocess.run([sys.argv[1], "api", "routes"], capture_output=True, text=True, check=True).stdout.splitlines()]
spec = json.load(open(path, encoding="utf-8"))
real = {(r["path"], r["method"].lower()): r for r in routes}
for p in list(spec["paths"]):
    for m in list(spec["paths"][p]):
        if (p, m) not in real:
            del spec["paths"][p][m]
    if not spec["paths"][p]:
        del spec["paths"][p]
for (p, m), r in real.items():
    op = spec["paths"].setdefault(p, {}).get(m)
    if op is None:
        op = {"summary": r["summary"], "responses": {"200": {"description": "OK (JSON)"},
                                                     "400": {"description": "bad input, with {error} saying what and where"},
                                                     "401": {"description": "not logged in"},
                                                     "403": {"description": "role lacks the permission, login not finished, CSRF token or Origin wrong"}}}
        params = [{"name": s[1:-1], "in": "path", "required": True, "schema": {"type": "string"}} for s in p.split("/") if s.startswith("{")]
        if params:
            op["parameters"] = params
        spec["paths"][p][m] = op
    op["x-permission"] = r["permission"]
    op["summary"] = r["summary"]
json.dump(spec, open(path, "w", encoding="utf-8"), ensure_ascii=False, indent=1)
print(f"{sum(len(v) for v in spec['paths'].values())} operations in {path}")
