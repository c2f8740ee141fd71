"""API latency over a large store (issue #5): the dashboard and searches over N stored events
(default 10 million demo-hospital events), p50/p99 over repeated calls through real HTTPS with
an API token, after detection has examined everything. Not part of `make test` (it takes
minutes and gigabytes); results go into docs/benchmarks.md by hand, with this command:

    python3 bench/api_latency.py --wardsec build/release/wardsec --events 10000000
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from harness import Server, wait_for  # noqa: E402


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wardsec", required=True)
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--tmp", default=tempfile.gettempdir())
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="wardsec-apibench-", dir=a.tmp)
    try:
        data = os.path.join(work, "data")
        log = os.path.join(work, "events.log")
        t0 = time.time()
        with open(log, "wb") as f:
            subprocess.run([a.wardsec, "generate", "--count", str(a.events), "--rate", "2000"], stdout=f, check=True)
        t1 = time.time()
        demo = os.path.join(os.path.dirname(__file__), "..", "demo", "hospital")
        for kind in ("zones", "systems", "assets"):
            subprocess.run([a.wardsec, "inventory", "import", "--data", data, kind, os.path.join(demo, kind + ".csv")], check=True,
                           capture_output=True)
        # One start first, so detection has a cursor and examines the imported events at the next start.
        with Server(a.wardsec, data):
            pass
        subprocess.run([a.wardsec, "import", "--data", data, log], check=True, capture_output=True)
        t2 = time.time()
        os.unlink(log)
        size = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(data) for f in fs)
        print(f"generated {a.events} events in {t1 - t0:.0f} s, imported in {t2 - t1:.0f} s; store {size / 2**20:.0f} MiB")
        with Server(a.wardsec, data) as srv:
            c = srv.admin("secadmin")
            # Detection catches up on the imported events first (alerts for the dashboard).
            last = [-1, time.time()]

            def settled():
                n = c.get("/api/v1/metrics")[1].get("detect_events", 0)
                if n != last[0]:
                    last[0], last[1] = n, time.time()
                return time.time() - last[1] > 10
            wait_for(settled, 3600, "detection to examine the imported events", interval=1)
            code, alerts = c.get("/api/v1/alerts?limit=1")
            print(f"detection examined {last[0]} events; {alerts.get('total')} alerts")
            cases = [
                ("dashboard", "/api/v1/dashboard"),
                ("search selective (user.name, all time, 100 newest)", "/api/v1/search?" + urllib.parse.urlencode({"q": "user.name:d1241", "limit": 100})),
                ("search address (source.ip, all time)", "/api/v1/search?" + urllib.parse.urlencode({"q": "source.ip:45.95.147.200", "limit": 100})),
                ("search broad (event.outcome:failure, 100 newest)", "/api/v1/search?" + urllib.parse.urlencode({"q": "event.outcome:failure", "limit": 100})),
                ("search everything (100 newest)", "/api/v1/search?limit=100"),
                ("search stats (histogram+facets, selective, 24 h)", "/api/v1/search/stats?" + urllib.parse.urlencode({"q": "user.name:d1241", "from": "now-24h"})),
                ("search stats (a value in most blocks, 24 h)", "/api/v1/search/stats?" + urllib.parse.urlencode({"q": "event.outcome:failure", "from": "now-24h"})),
                ("search stats (everything, 24 h)", "/api/v1/search/stats?" + urllib.parse.urlencode({"from": "now-24h"})),
                ("search stats (everything, 2 h: 2-minute buckets)", "/api/v1/search/stats?" + urllib.parse.urlencode({"from": "now-2h"})),
                ("search stats (free text: decoded, 24 h)", "/api/v1/search/stats?" + urllib.parse.urlencode({"q": "failed", "from": "now-24h"})),
                ("alerts list (open, 25)", "/api/v1/alerts?state=open&limit=25"),
            ]
            print(f"| request | p50 ms | p99 ms | calls |\n|---|---|---|---|")
            for name, path in cases:
                times = []
                for _ in range(a.repeat):
                    s = time.perf_counter()
                    code, body = c.get(path)
                    times.append((time.perf_counter() - s) * 1000)
                    if code != 200:
                        raise SystemExit(f"{path}: {code} {str(body)[:200]}")
                    if "/search/stats" in path and _ == 0:
                        print(f"  {name}: scanned={body.get('scanned')} exact={body.get('exact')} truncated={body.get('truncated')} "
                              f"summarised={body.get('blocks_summarised')} decoded={body.get('blocks_decoded')}")
                print(f"| {name} | {statistics.median(times):.1f} | {pct(times, 99):.1f} | {a.repeat} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
