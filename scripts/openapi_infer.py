#!/usr/bin/env python3
"""Drafts a JSON schema from recorded API answers (one JSON document a line), for a person to
review before it goes into docs/openapi.json. The console's e2e test records them:

    node web/e2e/console.e2e.mjs --wardsec build/release/wardsec --dump /tmp/api
    python3 scripts/openapi_infer.py /tmp/api/GET_api_v1_alerts.jsonl

Objects with keys that look like event fields (a.b.c) or with many keys become maps
(additionalProperties); a key present in every sample is required.
"""
import json
import sys


def kind(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def infer(samples):
    kinds = {kind(s) for s in samples}
    nullable = "null" in kinds
    kinds.discard("null")
    if kinds == {"integer", "number"}:
        kinds = {"number"}
    if not kinds:
        return {"nullable": True}
    if len(kinds) > 1:
        out = {"oneOf": [infer([s for s in samples if kind(s) == k or (k == "number" and kind(s) == "integer")]) for k in sorted(kinds)]}
    else:
        k = kinds.pop()
        vals = [s for s in samples if s is not None]
        if k == "array":
            items = [x for v in vals for x in v]
            out = {"type": "array", "items": infer(items) if items else {}}
        elif k == "object":
            keys = {}
            for v in vals:
                for key, x in v.items():
                    keys.setdefault(key, []).append(x)
            if any("." in key or key.startswith("@") for key in keys) or len(keys) > 40:
                allv = [x for xs in keys.values() for x in xs]
                out = {"type": "object", "additionalProperties": infer(allv) if allv else {}}
            else:
                out = {"type": "object", "properties": {key: infer(xs) for key, xs in keys.items()}}
                req = sorted(key for key, xs in keys.items() if len(xs) == len(vals))
                if req:
                    out["required"] = req
        else:
            out = {"type": k}
    if nullable:
        out["nullable"] = True
    return out


if __name__ == "__main__":
    docs = [json.loads(l) for f in sys.argv[1:] for l in open(f, encoding="utf-8") if l.strip()]
    print(json.dumps(infer(docs), ensure_ascii=False, indent=1))
