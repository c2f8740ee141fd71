"""Vulnerability import and the findings page at hospital-region scale (issue #23): a .nessus
report of 5,000 hosts with 20 findings each (100,000 findings, 2,000 distinct checks with their
CVEs) imported with `wardsec vuln import` (time and peak memory), then a re-scan of the same
hosts where 5% of the findings are gone and 5% are new (de-duplication, fixing, new), then the
console's findings routes through real HTTPS with an API token, p50/p99 over repeated calls.
Not part of `make test`; results go into docs/benchmarks.md by hand, with this command:

    python3 bench/vuln_bench.py --wardsec build/release/wardsec
"""
import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from harness import Server  # noqa: E402


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def report(path, hosts, per_host, checks, drop, seed):
    rnd = random.Random(seed)
    with open(path, "w") as f:
        f.write('<?xml version="1.0" ?><NessusClientData_v2><Report name="bench">')
        for h in range(hosts):
            ip = f"10.{20 + h // 65000}.{(h // 250) % 256}.{h % 250 + 1}"
            f.write(f'<ReportHost name="{ip}"><HostProperties><tag name="host-ip">{ip}</tag>'
                    f'<tag name="HOST_END_TIMESTAMP">{int(time.time()) - 3600}</tag></HostProperties>')
            picks = random.Random(h).sample(range(len(checks)), per_host + 5)
            kept = [p for p in picks[:per_host] if rnd.random() >= drop] + (picks[per_host:per_host + int(per_host * drop)] if drop else [])
            for p in kept:
                pid, name, sev, cves, score = checks[p]
                port = 443 if p % 3 == 0 else 22 if p % 3 == 1 else 0
                f.write(f'<ReportItem port="{port}" svc_name="www" protocol="tcp" severity="{sev}" pluginID="{pid}" pluginName="{name}" pluginFamily="Misc.">'
                        + "".join(f"<cve>{c}</cve>" for c in cves)
                        + f"<cvss3_base_score>{score}</cvss3_base_score><solution>Upgrade.</solution><plugin_output>version 1.{p}</plugin_output></ReportItem>")
            f.write("</ReportHost>")
        f.write("</Report></NessusClientData_v2>")


def timed(cmd):
    r = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {r.stderr[-2000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", r.stderr).group(1)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1))
    parts = [float(x) for x in wall.split(":")]
    secs = parts[-1] + (parts[-2] * 60 if len(parts) > 1 else 0) + (parts[-3] * 3600 if len(parts) > 2 else 0)
    return secs, rss, r.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wardsec", required=True)
    ap.add_argument("--hosts", type=int, default=5000)
    ap.add_argument("--per-host", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--tmp", default=tempfile.gettempdir())
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="wardsec-vulnbench-", dir=a.tmp)
    try:
        rnd = random.Random(1)
        checks = []
        for i in range(2000):
            cves = [f"CVE-20{rnd.randint(15, 25)}-{rnd.randint(1000, 49999)}" for _ in range(rnd.randint(0, 4))]
            sev = rnd.choice([1, 2, 2, 3, 3, 4])
            checks.append((100000 + i, f"Check {i} &lt;vulnerable component&gt;", sev, cves, round(rnd.uniform(2.0, 10.0), 1)))
        first, second = os.path.join(work, "week1.nessus"), os.path.join(work, "week2.nessus")
        report(first, a.hosts, a.per_host, checks, 0.0, 1)
        report(second, a.hosts, a.per_host, checks, 0.05, 2)
        data = os.path.join(work, "data")
        demo = os.path.join(os.path.dirname(__file__), "..", "demo", "hospital")
        for kind in ("zones", "systems", "assets"):
            subprocess.run([a.wardsec, "inventory", "import", "--data", data, kind, os.path.join(demo, kind + ".csv")], check=True, capture_output=True)
        print(f"report: {os.path.getsize(first) / 1e6:.1f} MB, {a.hosts} hosts x {a.per_host} findings")
        for name, path in (("first import", first), ("re-scan import", second)):
            secs, rss, out = timed([a.wardsec, "vuln", "import", "--data", data, path])
            print(f"{name}: {secs:.1f} s, peak RSS {rss / 1024:.0f} MiB | {out.splitlines()[-1]}")
        db = os.path.join(data, "vulns.db")
        print(f"vulns.db: {os.path.getsize(db) / 1e6:.0f} MB")
        with Server(a.wardsec, data) as srv:
            c = srv.admin("secadmin")
            routes = ["/api/v1/vulns", "/api/v1/vulns?status=open&priority=1", "/api/v1/vulns?system=his&status=active",
                      "/api/v1/vulns?q=CVE-2021&status=open", "/api/v1/vulns?overdue=1", "/api/v1/vulns?sort=cvss&offset=5000&limit=50",
                      "/api/v1/vulns/summary"]
            for r in routes:
                times = []
                for _ in range(a.repeat):
                    t0 = time.perf_counter()
                    code, res = c.get(r)
                    times.append((time.perf_counter() - t0) * 1000)
                    if code != 200:
                        raise SystemExit(f"{r}: {code} {res}")
                total = res.get("total", "")
                print(f"{r}: p50 {pct(times, 50):.0f} ms, p99 {pct(times, 99):.0f} ms (total {total})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
