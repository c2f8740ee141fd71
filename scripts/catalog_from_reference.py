#!/usr/bin/env python3
"""Builds catalog/gbt22239-2019.tsv from the project's reference notes
(../shared/reference/mlps/controls-level3.md, written for wardsec in our own words; see its
README for sources and confidence). Run once when the reference changes, then review the diff;
corrections after that are one-line edits of the TSV itself.

Usage: python3 scripts/catalog_from_reference.py ../shared/reference/mlps/controls-level3.md > catalog/gbt22239-2019.tsv
"""
import re
import sys

CATS = {  # code: (zh, en, 28448 code letters or None)
    "PE": ("安全物理环境", "Physical environment"),
    "CN": ("安全通信网络", "Communication network"),
    "AB": ("安全区域边界", "Area boundary"),
    "CE": ("安全计算环境", "Computing environment"),
    "MC": ("安全管理中心", "Security management center"),
    "PO": ("安全管理制度", "Management policies"),
    "OR": ("安全管理机构", "Management organisation"),
    "HR": ("安全管理人员", "Management personnel"),
    "CM": ("安全建设管理", "Construction management"),
    "OM": ("安全运维管理", "Operation and maintenance management"),
}

# What in wardsec produces evidence for an item (README section 6 of the reference, our mapping).
EVIDENCE = {}
for ids, what in [
    ("AB.AUD.a AB.AUD.b AB.AUD.c CE.AUD.a CE.AUD.b CE.AUD.c MC.CEN.d OM.NSM.f", "log audit, tamper-evident store"),
    ("AB.IPS.a AB.IPS.b AB.IPS.c AB.IPS.d CE.IPS.f MC.CEN.f", "detection and correlation"),
    ("CE.IPS.d", "web attack detection"),
    ("CE.PII.b", "database audit, 防统方"),
    ("CE.IA.c CE.IPS.c OM.NSM.e OM.NSM.g OM.NSM.i", "bastion host"),
    ("CE.IA.a CE.IA.b CE.AC.b CE.AC.c CE.IPS.a CE.IPS.b CE.IPS.e OM.CFG.a", "wardsec check host"),
    ("OM.AST.a", "asset inventory"),
    ("OM.INC.a OM.INC.c OM.EMG.c", "incidents and drills"),
    ("CM.GRD.a CM.GRD.b CM.GRD.c CM.GRD.d CM.ASM.a OR.CHK.a", "compliance module"),
]:
    for i in ids.split():
        EVIDENCE.setdefault(i, []).append(what)


def clean(s):
    return s.replace("\t", " ").strip()


def main(path):
    rows = []
    cat = None
    point_zh = point_en = ""
    l2_only = False
    for line in open(path, encoding="utf-8"):
        m = re.match(r"^## ([A-Z]{2}) ", line)
        if m:
            cat = m.group(1)
            point_zh = point_en = ""
            continue
        if line.startswith("| id | control point | summary (level 2 only)"):
            l2_only = True
            continue
        if not line.startswith("| ") or line.startswith("| id ") or line.startswith("| ---"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not re.match(r"^[A-Z]{2}\.[A-Z0-9]+\.", cells[0]):
            continue
        if l2_only and cat is None:
            # Level-2-only items: id | control point | summary
            iid, point, summary = cells
            zh, en = point.split(" ", 1) if " " in point else (point, "")
            rows.append((iid, "", "OM", zh, en or "Malware protection management", summary, "no", "only", "",
                         "M" if summary.startswith("Written") else "P", "level 2 only"))
            continue
        l2_only = False
        if len(cells) == 6:
            iid, code, point, summary, l2, chk = cells
        else:
            iid, point, summary, l2, chk = cells
            code = ""
        if point != "〃":
            parts = point.split(" ", 1)
            point_zh, point_en = parts[0], parts[1] if len(parts) > 1 else ""
        if l2.startswith("weaker"):
            l2v, note = "weaker", l2.split(":", 1)[1].strip() if ":" in l2 else ""
        else:
            l2v, note = l2, ""
        rows.append((iid, code, cat, point_zh, point_en, summary, "yes", l2v, note, chk, ""))
    # Level-2-only items sit after the level-3 items of their control point, as in the standard.
    l2only = [r for r in rows if r[7] == "only"]
    rows = [r for r in rows if r[7] != "only"]
    last = max(i for i, r in enumerate(rows) if r[0].startswith("OM.MAL."))
    rows[last + 1:last + 1] = l2only
    # The Chinese summaries are written in the TSV itself (the reference is in English): carried
    # over by id from the catalog being replaced.
    # So are the full level-2 wordings of the weaker items (summary_l2, summary_l2_zh).
    zh, l2text = {}, {}
    try:
        for line in open("catalog/gbt22239-2019.tsv", encoding="utf-8"):
            cells = line.rstrip("\n").split("\t")
            if len(cells) >= 14 and not line.startswith("#"):
                zh[cells[0]] = cells[12]
                l2text[cells[0]] = cells[14:16] if len(cells) >= 16 else ["", ""]
    except FileNotFoundError:
        pass
    out = sys.stdout
    out.write("# GB/T 22239-2019 general requirements, levels 2 and 3: wardsec's own catalog (docs/catalog.md).\n")
    out.write("# Summaries are our own words, NOT the standard's text. Source: ../shared/reference/mlps/controls-level3.md\n")
    out.write("# (project reference notes; confidence and sources in its README). Correct a row by editing it here.\n")
    out.write("id\tcode_28448\tcategory\tcategory_zh\tcontrol_point_zh\tcontrol_point_en\tlevel3\tlevel2\tlevel2_note\tcheck\tevidence\tsummary\tsummary_zh\tnote\tsummary_l2\tsummary_l2_zh\n")
    for iid, code, cat, pzh, pen, summary, l3, l2, note, chk, extra in rows:
        out.write("\t".join(clean(x) for x in (iid, code, cat, CATS[cat][0], pzh, pen, l3, l2, note, chk,
                                               "; ".join(EVIDENCE.get(iid, [])), summary, zh.get(iid, ""), extra,
                                               *l2text.get(iid, ["", ""]))) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
