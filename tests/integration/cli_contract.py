"""The command-line contract scripts and later issues rely on (issue #2)."""
import json
import os
import re
import shutil
import socket
import subprocess
import time

from harness import TempDir, args, cli, count, free_port, run, search_json, wait_for


def body(r):
    a = args()
    w = a.wardsec
    logs = os.path.join(a.shared, "reference", "logs")
    for sub in ["serve", "demo", "import", "search", "verify", "version", "retention", "generate"]:
        res = cli(w, sub, "--help", check=False)
        r.check(res.returncode == 0 and "--data" in res.stdout, f"{sub} --help names --data")
    r.check(cli(w, "version").stdout.startswith("wardsec "), "version prints the version")
    with TempDir() as t:
        data = os.path.join(t, "data")
        res = cli(w, "import", "--data", data, os.path.join(logs, "OpenSSH_2k.log"), os.path.join(logs, "Apache_error_2k.log"))
        r.check(res.returncode == 0, "import exits 0")
        r.check(count(w, data, "") == 4000, "import stored every line (4000)")
        evs = search_json(w, data, "user.name:root AND event.outcome:failure", "--limit", "5")
        r.check(len(evs) == 5, "search --limit 5 --format json prints 5 objects")
        r.check(all(e.get("user.name") == "root" and "@timestamp" in e and "event.original" in e for e in evs)
                and any("source.ip" in e for e in evs), "json objects carry dotted ECS keys (user.name, source.ip, @timestamp)")
        r.check(count(w, data, "source.ip:173.234.31.186") > 0, "--count prints a number")
        res = cli(w, "search", "--data", data, "user.name:root AND (x", check=False)
        r.check(res.returncode == 2 and "column 20" in res.stderr, "a malformed query names its column and exits 2")
        r.check(count(w, data, '@timestamp:[2005-12-04 TO 2005-12-05]') > 0, "time range query finds the 2005 Apache lines")
        res = cli(w, "verify", "--data", data, check=False)
        r.check(res.returncode == 0 and "intact" in res.stdout, "verify exits 0 on an intact store")
        # Tamper: flip one byte in the middle of the segment.
        seg = os.path.join(data, "segments", "seg-000001.wsg")
        b = bytearray(open(seg, "rb").read())
        b[len(b) // 2] ^= 0xFF
        open(seg, "wb").write(bytes(b))
        res = cli(w, "verify", "--data", data, check=False)
        r.check(res.returncode != 0 and "segment 1" in res.stderr and "block #1" in res.stderr, "verify exits non-zero and names segment and block")
        # gzip import
        gz = os.path.join(t, "ssh.log.gz")
        subprocess.run(f"gzip -c {os.path.join(logs, 'OpenSSH_2k.log')} > {gz}", shell=True, check=True)
        data2 = os.path.join(t, "data2")
        cli(w, "import", "--data", data2, gz)
        r.check(count(w, data2, "event.dataset:sshd") == 2000, "gzip import parses every sshd line")
        res = cli(w, "import", "--data", data2, os.path.join(t, "nope.log"), check=False)
        r.check(res.returncode != 0 and "nope.log" in res.stderr, "a missing file is an error that names it")
        # Config errors name the key and line.
        cfg = os.path.join(t, "bad.yaml")
        open(cfg, "w").write("store:\n  retention_dayz: 10\n")
        res = cli(w, "search", "--config", cfg, "--data", data2, "x", check=False)
        r.check(res.returncode == 2 and "retention_dayz" in res.stderr and ":2" in res.stderr, "unknown config key is named with its line")
        # The shipped config (every key) loads; sections may be partial; bad values are named.
        shipped = os.path.join(os.path.dirname(__file__), "..", "..", "config", "wardsec.yaml")
        res = cli(w, "search", "--config", shipped, "--data", data2, "--count", "", check=False)
        r.check(res.returncode == 0, f"the shipped config/wardsec.yaml loads ({res.stderr.strip()[:200]})")
        for text, want in [("detection:\n  enabled: false\n", None), ("detection:\n  placeholders: {Admins: [ADM-01, ADM-02]}\n", None),
                           ("detection:\n  placeholders: [x]\n", "placeholders"), ("alerts:\n  min_level: severe\n", "min_level"),
                           ("zones:\n  - {name: core, cidr: 10.20.0.0/99}\n", "CIDR"), ("alerts:\n  smtp:\n    serverr: x\n", "serverr"),
                           ("store:\n  segment_mib: 0\n", "segment_mib"), ("store:\n  block_kib: 0\n", "block_kib"),
                           ("pipeline:\n  future_hours: -1\n", "future_hours"), ("pipeline:\n  past_days: 12\n", None),
                           ("multiline:\n  - {programs: [a], start: '('}\n", "multiline.start"),
                           ("multiline:\n  - {start: x}\n", "'programs' or 'sources'"),
                           ("multiline:\n  - {sources: [10.0.0.0/8], start: x, timeout_ms: 5}\n", "timeout_ms"),
                           ("multiline:\n  - {sources: [10.0.0.0/8], programs: [app], continue: '^\\s'}\n", None)]:
            open(cfg, "w").write(text)
            res = cli(w, "search", "--config", cfg, "--data", data2, "--count", "", check=False)
            ok = res.returncode == 0 if want is None else (res.returncode == 2 and want in res.stderr)
            r.check(ok, f"config {text.splitlines()[0]}... {'loads' if want is None else 'is refused naming ' + want} ({res.stderr.strip()[:120]})")
        # serve runs with no config at all: only --data and its address.
        port = free_port()
        p = subprocess.Popen([w, "serve", "--data", os.path.join(t, "data3"), "--listen", f"127.0.0.1:{port}", "--redirect", "",
                              "--udp", "", "--tcp", "", "--tls", "", "--relp", ""], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            import urllib.request
            def up():
                try:
                    import ssl
                    ctx = ssl.create_default_context(cafile=os.path.join(t, "data3.keys", "tls.crt"))
                    return urllib.request.urlopen(f"https://127.0.0.1:{port}/api/v1/health", timeout=1, context=ctx).status == 200
                except OSError:
                    return False
            wait_for(up, 15, "serve to come up")
            r.check(True, "serve starts with no config file")
        finally:
            p.terminate()
            p.wait(20)
        r.check(p.returncode == 0, "serve exits 0 on SIGTERM")
        # Retention counts from when the center stored the data, not from the events' own times:
        # these are from 2005/2025 but were stored today, so --days 30 keeps them. (Expiry with
        # receipts is performed on the store in tests/unit/store_test.cc.)
        res = cli(w, "retention", "--data", data2, "--days", "30")
        r.check("removed 0 segment" in res.stdout, f"retention keeps data stored today whatever its event times ({res.stdout.strip()})")
        res = cli(w, "verify", "--data", data2, check=False)
        r.check(res.returncode == 0, "the store verifies after retention")
        rules_contract(r, w, t)
        catalog_contract(r, w)
        check_host_contract(r, w, t)
        grade_score_contract(r, w, t)
        assess_contract(r, w, t)


def assess_contract(r, w, t):
    data = os.path.join(t, "cdata")
    demo = os.path.join(os.path.dirname(__file__), "..", "..", "demo", "hospital")
    cli(w, "inventory", "import", "--data", data, "systems", os.path.join(demo, "systems.csv"))
    cli(w, "assess", "set", "--data", data, "--system", "his", "--item", "CE.IA.b", "--result", "不符合", "--risk", "高", "--by", "secadmin",
        "--note", "no lockout")
    root = os.path.join(t, "host2")
    os.makedirs(os.path.join(root, "etc", "pam.d"))
    open(os.path.join(root, "etc", "pam.d", "common-auth"), "w").write("auth required pam_faillock.so deny=5\n")
    cli(w, "check", "host", "--root", root, "--data", data, "--record", "his", "--format", "json")
    cli(w, "assess", "set", "--data", data, "--system", "his", "--item", "CE.IA.b", "--result", "符合", "--by", "auditadmin")
    shown = [json.loads(l) for l in cli(w, "assess", "show", "--data", data, "--system", "his", "--format", "json").stdout.splitlines()]
    ia = [x for x in shown if x["id"] == "CE.IA.b"]
    kinds = sorted({e["kind"] for e in ia[0]["evidence"]}) if ia else []
    r.check(ia and ia[0]["result"] == "符合" and ia[0]["by"] == "auditadmin" and ia[0]["changes"] == 2 and kinds == ["check", "note"],
            f"assess keeps the latest result, its history and check/note evidence ({ia})")
    s = json.loads(cli(w, "score", "--data", data, "--system", "his").stdout)
    r.check(s["level"] == 3 and s["applicable"] == 1 and s["conclusion"] == "未完成" and s["provisional"] == "优" and s["complete"] is False,
            f"score --system scores the stored assessment; one item of 211 is no conclusion ({s['conclusion']}, {s.get('provisional')})")
    res = cli(w, "assess", "set", "--data", data, "--system", "nope", "--item", "CE.IA.b", "--result", "符合", "--by", "x", check=False)
    r.check(res.returncode == 2 and "no graded system" in res.stderr, "assess refuses an unknown system")
    # Rectification: opened on a problem, overdue when late, closed only through a re-check.
    cli(w, "assess", "set", "--data", data, "--system", "his", "--item", "CE.AUD.a", "--result", "不符合", "--risk", "中", "--by", "secadmin")
    tid = cli(w, "rectify", "add", "--data", data, "--system", "his", "--item", "CE.AUD.a", "--owner", "信息科 张伟", "--plan", "enable auditd",
              "--due", "2020-01-01", "--by", "secadmin").stdout.strip()
    tasks = [json.loads(l) for l in cli(w, "rectify", "list", "--data", data, "--format", "json").stdout.splitlines()]
    r.check(len(tasks) == 1 and tasks[0]["overdue"] and tasks[0]["status"] == "open", f"rectify list marks an overdue task ({tasks})")
    res = cli(w, "rectify", "status", "--data", data, tid, "done", "--by", "secadmin", check=False)
    r.check(res.returncode == 2 and "re-check" in res.stderr, "a task does not close without a re-check")
    cli(w, "assess", "set", "--data", data, "--system", "his", "--item", "CE.AUD.a", "--result", "符合", "--by", "auditadmin")
    cli(w, "rectify", "status", "--data", data, tid, "done", "--by", "auditadmin")
    tasks = [json.loads(l) for l in cli(w, "rectify", "list", "--data", data, "--format", "json").stdout.splitlines()]
    r.check(tasks[0]["status"] == "done" and not tasks[0]["overdue"] and tasks[0]["closed_by"] == "auditadmin", "closed after the re-check")


def grade_score_contract(r, w, t):
    res = cli(w, "grade", "--business", "citizens:serious", "--service", "社会秩序、公共利益:严重损害", "--kind", "his")
    g = json.loads(res.stdout)
    r.check(g["business"]["level"] == 2 and g["service"]["level"] == 3 and g["level"] == 3 and g["suggested"]["level"] == 3,
            f"grade: the higher of the two dimensions, with a hospital suggestion ({g['level']})")
    res = cli(w, "grade", "--business", "citizens:bad", "--service", "society:serious", check=False)
    r.check(res.returncode == 2 and "OBJECT:DEGREE" in res.stderr, "grade refuses an unknown degree")
    csv = os.path.join(t, "results.csv")
    open(csv, "w", encoding="utf-8").write("id,result,risk\nCE.IA.a,部分符合,低\nCE.AUD.a,不符合,高\nPE.LOC.a,符合,\n")
    s = json.loads(cli(w, "score", "--results", csv, "--level", "3").stdout)
    r.check(s["applicable"] == 3 and s["conclusion"] == "差" and s["high_risk_items"] == ["CE.AUD.a"] and "参照2021版" in s["label"],
            f"score: a high risk makes 差, labelled as the template's method ({s['score']}, {s['conclusion']})")
    open(csv, "w", encoding="utf-8").write("CE.IA.a,maybe,\n")
    res = cli(w, "score", "--results", csv, check=False)
    r.check(res.returncode == 2 and "results.csv:1" in res.stderr, "score names the bad line")
    # What an assessor tried (issue #22): each is refused with the reason, none scores 100 优.
    bad = {"": "no results", "CE.IA.a,部分符合,低,1.5\n": "x must", "CE.IA.a,部分符合,低,-2\n": "x must",
           "CE.IA.a,部分符合,低,abc\n": "not a number", "CE.IA.a,符合,,0.5\n": "partial",
           "CE.IA.a,符合\nPE.LOC.a,符合\nCE.IA.a,不符合,高\n": "line 1", "CE.XX.q,符合\n": "not a catalog item"}
    for text, why in bad.items():
        open(csv, "w", encoding="utf-8").write(text)
        res = cli(w, "score", "--results", csv, check=False)
        r.check(res.returncode == 2 and why in res.stderr and not res.stdout, f"score refuses {text!r} ({why}): {res.stderr.strip()[:120]}")
    open(csv, "w", encoding="utf-8").write("CE.IA.a,符合\n")
    for level in ("1", "4"):
        res = cli(w, "score", "--results", csv, "--level", level, check=False)
        r.check(res.returncode == 2 and f"level {level}" in res.stderr and not res.stdout, f"score --level {level} is refused, not scored")
    open(csv, "w", encoding="utf-8").write("CE.IA.d,符合\n")  # two-factor login: level 3 only
    res = cli(w, "score", "--results", csv, "--level", "2", check=False)
    r.check(res.returncode == 2 and "level 2" in res.stderr, "a level-3-only item in a level-2 assessment is refused")
    # Grading input that is not understood is refused, and a level below the sector's suggestion warns.
    for args, why in [(["--kind", "bogus"], "unknown system kind"), (["--tier", "5"], "tier")]:
        res = cli(w, "grade", "--business", "citizens:serious", "--service", "society:serious", *args, check=False)
        r.check(res.returncode == 2 and why in res.stderr, f"grade {args} is refused ({res.stderr.strip()[:80]})")
    res = cli(w, "grade", "--business", "citizens:general", "--service", "citizens:serious", "--kind", "emr")
    r.check("warning" in json.loads(res.stdout) and "below the health sector" in res.stderr,
            "grade warns when the computed level is below the sector's suggestion")
    # Recording a grading from the CLI (as the console does): reasons required, a downgrade needs its own.
    data = os.path.join(t, "gdata")
    demo = os.path.join(os.path.dirname(__file__), "..", "..", "demo", "hospital")
    cli(w, "inventory", "import", "--data", data, "systems", os.path.join(demo, "systems.csv"))
    base = ["grade", "--data", data, "--system", "emr", "--record"]
    res = cli(w, *base, "--business", "society:serious", "--service", "society:serious", check=False)
    r.check(res.returncode == 2 and "--reason" in res.stderr, "grade --record without a reason is refused")
    res = cli(w, *base, "--business", "citizens:general", "--service", "citizens:serious", "--reason", "门诊数据", check=False)
    r.check(res.returncode == 3 and "downgrade" in res.stderr, "a downgrade from the CLI without --downgrade-reason is refused")
    res = cli(w, *base, "--business", "society:serious", "--service", "society:serious", "--reason", "病历泄露影响社会秩序", "--by", "secadmin")
    g = json.loads(res.stdout)
    r.check(g.get("recorded") and g["level"] == 3 and g["by"] == "secadmin", f"grade --system --record records the grading ({g.get('level')})")
    s = json.loads(cli(w, "score", "--data", data, "--system", "emr", check=False).stdout or "{}")
    r.check(s.get("level") == 3, "the recorded level is the one score --system uses")
    # The assessment cycle (等级测评/密评): recorded, due by level, a report's problems become tasks.
    eid = cli(w, "evaluation", "add", "--data", data, "--system", "emr", "--kind", "mlps", "--body", "示范市网络安全测评中心",
              "--planned", "2025-10-01", "--done", "2025-10-20", "--score", "86.5", "--conclusion", "良").stdout.strip()
    res = cli(w, "evaluation", "add", "--data", data, "--system", "emr", "--kind", "crypto", "--body", "x", "--planned", "2026-02-30",
              "--by", "secadmin", check=False)
    r.check(res.returncode == 2 and "2026-02-30" in res.stderr, "an assessment with a date that does not exist is refused")
    res = cli(w, "evaluation", "add", "--data", data, "--system", "emr", "--kind", "crypto", "--body", "x", "--planned", "2026-01-01",
              "--done", "2026-01-20", "--conclusion", "良", check=False)
    r.check(res.returncode == 2 and "基本符合" in res.stderr, "a 密评 takes its own conclusions (符合/基本符合/不符合)")
    due = [json.loads(l) for l in cli(w, "evaluation", "due", "--data", data, "--format", "json").stdout.splitlines()]
    emr = {d["kind"]: d for d in due if d["system"] == "emr"}
    r.check(emr.get("mlps", {}).get("due") == "2026-10-20" and emr.get("crypto", {}).get("overdue") and emr["crypto"]["due"] == "",
            f"the next 等级测评 is a year after the last, a 密评 never done is due now ({emr})")
    problems = os.path.join(t, "problems.csv")
    open(problems, "w", encoding="utf-8").write("item,problem,risk,owner,plan,due\nCE.IA.d,未采用双因素认证,高,信息科 张伟,堡垒机启用 OTP,2027-03-01\n"
                                                 "PE.XX.z,x,高,y,z,2027-01-01\n")
    res = cli(w, "evaluation", "problems", "--data", data, eid, problems, check=False)
    tasks = cli(w, "rectify", "list", "--data", data, "--system", "emr", "--format", "json").stdout
    r.check(res.returncode == 2 and "problems.csv:3" in res.stderr and not tasks.strip(), "a report with a bad line opens no task at all")
    open(problems, "w", encoding="utf-8").write("CE.IA.d,未采用双因素认证,高,信息科 张伟,堡垒机启用 OTP,2027-03-01\n")
    cli(w, "evaluation", "problems", "--data", data, eid, problems)
    tasks = [json.loads(l) for l in cli(w, "rectify", "list", "--data", data, "--system", "emr", "--format", "json").stdout.splitlines()]
    r.check(len(tasks) == 1 and tasks[0]["item"] == "CE.IA.d", f"a report's problems become rectification tasks ({tasks})")


def check_host_contract(r, w, t):
    """`wardsec check host [--root DIR] --format json` (issue #4's contract)."""
    root = os.path.join(t, "host")
    os.makedirs(os.path.join(root, "etc", "ssh"))
    open(os.path.join(root, "etc", "login.defs"), "w").write("PASS_MAX_DAYS 99999\n")
    open(os.path.join(root, "etc", "ssh", "sshd_config"), "w").write("PermitRootLogin no\n")
    res = cli(w, "check", "host", "--root", root, "--format", "json")
    items = [json.loads(l) for l in res.stdout.splitlines() if l.strip()]
    by = {i["check.id"]: i for i in items}
    r.check(len(items) >= 15 and all(i["result"] in ("pass", "fail", "na") and i["requirements"] and "evidence" in i for i in items),
            f"check host --format json prints check.id, result, requirements, evidence ({len(items)} checks)")
    mx = by.get("linux.password.max_age", {})
    r.check(mx.get("result") == "fail" and mx["evidence"][0] == {"file": "/etc/login.defs", "line": 1, "text": "PASS_MAX_DAYS 99999"},
            f"a failing check cites file, line and text ({mx.get('evidence')})")
    r.check(by.get("linux.ssh.root_login", {}).get("result") == "pass", "a passing check passes")
    res = cli(w, "check", "host", "--root", os.path.join(t, "nope"), check=False)
    r.check(res.returncode == 2 and "--root" in res.stderr, "a missing --root folder is refused")


def catalog_contract(r, w):
    """`wardsec catalog --level N --format json` (issue #4's contract)."""
    for level, n in [(3, 211), (2, 135)]:
        res = cli(w, "catalog", "--level", str(level), "--format", "json")
        items = [json.loads(l) for l in res.stdout.splitlines() if l.strip()]
        r.check(len(items) == n and all(i["id"] and i["category"] and i["control_point"] for i in items),
                f"catalog --level {level} --format json prints {n} items with id, category, control_point ({len(items)})")
    res = cli(w, "catalog", "--level", "4", check=False)
    r.check(res.returncode == 2 and "level 4" in res.stderr and "levels 2 and 3" in res.stderr, "catalog --level 4 is refused with a reason")
    # Level 2 shows level-2 wording and L2- codes (CE.BAK.b: scheduled off-site backup, not real-time).
    res = cli(w, "catalog", "--level", "2", "--format", "json")
    bak = [json.loads(l) for l in res.stdout.splitlines() if '"CE.BAK.b"' in l]
    r.check(bak and bak[0]["code_28448"].startswith("L2-CES1-") and "实时" not in bak[0]["summary_zh"] and "real-time" not in bak[0]["summary"],
            f"the level-2 catalog carries the level-2 wording and code ({bak and bak[0]['code_28448']})")
    res = cli(w, "catalog", "--level", "3")
    r.check(res.returncode == 0 and "Off-site" not in res.stdout and "异地实时备份" in res.stdout, "the catalog table prints Chinese by default")


def rules_contract(r, w, t):
    """`wardsec rules lint` and `rules test` (issue #3's contract)."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    res = cli(w, "rules", "lint", os.path.join(root, "rules", "hospital"), check=False)
    r.check(res.returncode == 0 and "0 errors" in res.stdout, "rules lint: the hospital rules load cleanly")
    # The README says how many rules ship (a new user compares it with the start-up output).
    m = re.search(r"(\d+) rules, (\d+) correlations", res.stdout)
    readme = re.sub(r"\s+", " ", open(os.path.join(root, "README.md"), encoding="utf-8").read())
    said = re.search(r"(\d+) hospital rules and (\d+) correlations ship", readme)
    said_zh = re.search(r"内置 (\d+) 条医院规则和 (\d+) 条关联规则", readme)
    r.check(m and said and said_zh and m.groups() == said.groups() == said_zh.groups(),
            f"the README's rule counts (English and Chinese) are the shipped ones ({said and said.groups()}, {said_zh and said_zh.groups()} vs {m and m.groups()})")
    bad = os.path.join(t, "bad.yml")
    open(bad, "w").write("title: x\nlogsource:\n  product: linux\ndetection:\n  sel:\n    A|nosuchmod: 1\n  condition: sel\n")
    res = cli(w, "rules", "lint", bad, check=False)
    r.check(res.returncode == 1 and "bad.yml:6" in res.stderr and "nosuchmod" in res.stderr, "rules lint names file, line and reason")
    # Concatenated pretty-printed objects, as in the Sigma regression data.
    events = os.path.join(t, "events.json")
    open(events, "w").write(json.dumps({"EventID": 4720, "Channel": "Security", "Computer": "EMR-APP-01"}, indent=2) + "\n" +
                            json.dumps({"EventID": 4624, "Channel": "Security"}, indent=2) + "\n" +
                            json.dumps({"EventID": 4720, "Channel": "Security"}, indent=2) + "\n")
    res = cli(w, "rules", "test", os.path.join(root, "rules", "hospital"), "--events", events, "--format", "json")
    hits = [json.loads(l) for l in res.stdout.splitlines() if l.strip()]
    r.check([h["event.index"] for h in hits] == [0, 2] and all(h["rule.id"] and h["rule.title"] for h in hits),
            f"rules test --format json prints rule.id, rule.title and the 0-based event.index ({hits})")
    # Correlations run over the file as a stream.
    seq = os.path.join(root, "tests", "rules", "hospital", "ssh_brute_force.match.log")
    res = cli(w, "rules", "test", os.path.join(root, "rules", "hospital"), "--events", seq, "--format", "json")
    hits = [json.loads(l) for l in res.stdout.splitlines() if l.strip()]
    corr = [h for h in hits if h.get("rule.title") == "SSH brute force against a server"]
    r.check(len(corr) == 1 and corr[0]["event.index"] == 9 and corr[0]["correlation.type"] == "event_count"
            and corr[0]["correlation.events"] == list(range(10)) and corr[0]["correlation.group"]["src_ip"] == "45.95.147.201",
            f"rules test reports a correlation with its events and group ({corr})")
    res = cli(w, "rules", "lint", os.path.join(root, "rules", "hospital"))
    hdir = os.path.join(root, "rules", "hospital")
    docs = [d for f in sorted(os.listdir(hdir)) if f.endswith(".yml") for d in open(os.path.join(hdir, f), encoding="utf-8").read().split("\n---")]
    n_corr = sum(1 for d in docs if any(l.startswith("correlation:") for l in d.splitlines()))
    r.check(n_corr >= 7 and f" {n_corr} correlations" in res.stdout, f"rules lint counts correlations ({n_corr} in the files: {res.stdout.strip()})")


if __name__ == "__main__":
    run("cli_contract", body)
