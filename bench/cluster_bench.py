#!/usr/bin/env python3
"""Scale-out benchmark (issue #25, docs/cluster.md), with the real servers on loopback.

A. Throughput: the same N demo-hospital lines over TCP into `wardsec serve` (the embedded
   store alone) and into `wardsec collect` -> NATS JetStream -> `wardsec sink` -> ClickHouse, in
   the same run; the ratio of the two rates, and bytes per event in each store.
B. End-to-end lag at a steady rate (default 20,000 events/s for 60 s): each half second, the
   age of the newest event ClickHouse holds.
C. Search latency through the regional console's API over R synthetic events made inside
   ClickHouse (default 100 million), p50/p99 of the console's common queries.
D. The same R events in the embedded store (`wardsec import` of the same generator's lines),
   the same queries through `wardsec serve`'s console API.

Usage: python3 bench/cluster_bench.py --wardsec build/release/wardsec [-n 500000] [--rate 20000]
       [--seconds 60] [--rows 100000000] [--skip a,b,c,d]"""
import argparse
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from clusterservers import ClickHouse, Nats  # noqa: E402
from harness import Server, wait_for  # noqa: E402
from e2e import dir_size, send, send_paced  # noqa: E402


def metrics(client):
    try:
        code, m = client.get("/api/v1/metrics")
        return m if code == 200 else {}
    except OSError:
        return {}


def ingest(wardsec, tmp, payload, n, command, extra=()):
    srv = Server(wardsec, os.path.join(tmp, command), list(extra), command=command).start()
    c = srv.admin("secadmin")
    base = metrics(c).get("stored", 0)
    t0 = time.time()
    send(srv.tcp, payload, 2)
    wait_for(lambda: metrics(c).get("stored", 0) >= base + n, 900, f"{command} to store everything", interval=0.05)
    return srv, time.time() - t0, t0


def ch_count(ch, site):
    try:
        return int(ch.query(f"SELECT count() FROM wardsec.events WHERE site = '{site}'").strip() or 0)
    except OSError:
        return 0


def part_a(a, tmp, nats, ch, out):
    payload = subprocess.run([a.wardsec, "generate", "--count", str(a.n), "--seed", "7"], capture_output=True, check=True).stdout
    srv, t_embedded, _ = ingest(a.wardsec, tmp, payload, a.n, "serve")
    seg = dir_size(os.path.join(srv.data, "segments"))
    srv.stop()
    keys = os.path.join(tmp, "keys")
    os.makedirs(keys, exist_ok=True)
    sink = subprocess.Popen([a.wardsec, "sink", "--nats", nats.url, "--clickhouse", ch.url], stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(tmp, "sink.log"), "w"))
    col, t_local, t0 = ingest(a.wardsec, tmp, payload, a.n, "collect", ["--site", "bench", "--nats", nats.url])
    wait_for(lambda: ch_count(ch, "bench") >= a.n, 1800, "ClickHouse to hold everything", interval=0.2)
    t_region = time.time() - t0
    ch.query("OPTIMIZE TABLE wardsec.events FINAL")
    rows = ch_count(ch, "bench")
    ch_bytes = int(ch.query("SELECT sum(bytes_on_disk) FROM system.parts WHERE database = 'wardsec' AND table = 'events' AND active").strip())
    e_rate, l_rate, r_rate = a.n / t_embedded, a.n / t_local, a.n / t_region
    out.append(f"input: {a.n:,} demo-hospital syslog lines ({len(payload) / 1e6:.1f} MB) over 2 TCP connections\n")
    out.append("| | events/s | ratio to the embedded store | bytes per event on disk |")
    out.append("|---|---|---|---|")
    out.append(f"| `serve`: the embedded store alone | {e_rate:,.0f} | 1.00 | {seg / a.n:.1f} |")
    out.append(f"| `collect`: stored locally (while publishing) | {l_rate:,.0f} | {l_rate / e_rate:.2f} | — |")
    out.append(f"| `collect` → JetStream → `sink` → ClickHouse, until all are in ClickHouse | {r_rate:,.0f} | {r_rate / e_rate:.2f} | "
               f"{ch_bytes / rows:.1f} (ClickHouse, after OPTIMIZE FINAL) |")
    return sink, col


def part_b(a, tmp, ch, col, out):
    payload = subprocess.run([a.wardsec, "generate", "--count", str(a.rate * a.seconds), "--seed", "11"], capture_output=True,
                             check=True).stdout
    import threading
    th = threading.Thread(target=send_paced, args=(col.tcp, payload, a.rate))
    lags = []
    th.start()
    t0 = time.time()
    while th.is_alive():
        time.sleep(0.5)
        newest = int(ch.query("SELECT max(received) FROM wardsec.events WHERE site = 'bench'").strip() or 0)
        if time.time() - t0 > 5:  # after the first seconds
            lags.append(time.time() - newest / 1e9)
    th.join()
    lags.sort()
    q = lambda p: lags[min(len(lags) - 1, int(p * len(lags)))]
    out.append(f"\nsteady {a.rate:,} events/s for {a.seconds} s into `collect`; the age of the newest event in ClickHouse, "
               f"sampled every 0.5 s ({len(lags)} samples):\n")
    out.append("| p50 | p95 | max |")
    out.append("|---|---|---|")
    out.append(f"| {q(0.5):.2f} s | {q(0.95):.2f} s | {lags[-1]:.2f} s |")


SYNTH = """INSERT INTO wardsec.events (site, batch, day, host, source_ip, destination_ip, user, dataset, action, outcome, ref, ts,
  received, flags, message, attrs.k, attrs.v)
SELECT 'synth', 'synth:0-0', toDate(intDiv(t, 1000000000)), h, ip, '', u, 'sshd', 'login', o, number, t, t, 0, m,
  ['host.name', 'source.ip', 'user.name', 'event.dataset', 'event.outcome', 'message'], [h, ip, u, 'sshd', o, m]
FROM (SELECT number, {base} + number * {step} AS t, concat('his-app-', toString(number % 50)) AS h,
  concat('10.20.', toString(intDiv(number, 7) % 256), '.', toString(number % 251)) AS ip,
  concat('dr_', toString(cityHash64(number) % 5000)) AS u, if(number % 10 = 0, 'failure', 'success') AS o,
  concat(if(number % 10 = 0, 'Failed', 'Accepted'), ' password for ', u, ' from ', ip, ' port ', toString(number % 65535), ' ssh2',
         if(number % 1000 = 7, ' rarewordx', '')) AS m
  FROM (SELECT number + {offset} AS number FROM numbers({rows})))"""


def part_c(a, tmp, nats, ch, out):
    sink = subprocess.Popen([a.wardsec, "sink", "--nats", nats.url, "--clickhouse", ch.url], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # makes the tables when part A did not run
    wait_for(lambda: "events" in ch.query("SHOW TABLES FROM wardsec") if "wardsec" in ch.query("SHOW DATABASES") else False, 60,
             "the tables")
    sink.terminate()
    sink.wait(30)
    day = 86400 * 10**9
    base = (int(time.time() * 1e9) // day - 10) * day
    t0 = time.time()
    chunk = min(a.rows, 10000000)
    for off in range(0, a.rows, chunk):  # in pieces of ten million (each well inside a request's time)
        ch.query(SYNTH.format(base=base, step=10 * day // a.rows, rows=min(chunk, a.rows - off), offset=off), timeout=1800)
    load = time.time() - t0
    n = int(ch.query("SELECT count() FROM wardsec.events WHERE site = 'synth'").strip())
    size = int(ch.query("SELECT sum(bytes_on_disk) FROM system.parts WHERE database = 'wardsec' AND table = 'events' AND active").strip())
    cfg = os.path.join(tmp, "regional.yaml")
    with open(cfg, "w") as f:
        f.write(f"cluster:\n  clickhouse: {ch.url}\n")
    srv = Server(a.wardsec, os.path.join(tmp, "regional"), ["--config", cfg], command="regional").start()
    c = srv.admin("secadmin")
    day5 = time.strftime("%Y-%m-%d", time.gmtime((base + 5 * day) / 1e9))
    day6 = time.strftime("%Y-%m-%d", time.gmtime((base + 6 * day) / 1e9))
    rng = f"&from={time.strftime('%Y-%m-%d', time.gmtime(base / 1e9))}&to=now"
    queries = [("by address: source.ip:10.20.3.77", "/api/v1/region/search?limit=100&q=" + urllib.parse.quote("source.ip:10.20.3.77") + rng),
               ("by user: user.name:dr_4242", "/api/v1/region/search?limit=100&q=" + urllib.parse.quote("user.name:dr_4242") + rng),
               ("free text: rarewordx", "/api/v1/region/search?limit=100&q=rarewordx" + rng),
               ("histogram of a day (hourly)", f"/api/v1/region/histogram?interval=3600&from={day5}&to={day6}")]
    out.append(f"\n{n:,} synthetic sshd events in ClickHouse over 10 days (made in {load:.0f} s by INSERT ... SELECT; "
               f"{size / n:.1f} bytes per event on disk), searched through `wardsec regional`'s API, "
               f"{a.repeat} runs each after one warm-up:\n")
    out.append("| query | p50 | p99 | events returned | rows ClickHouse read for the answer |")
    out.append("|---|---|---|---|---|")
    for name, url in queries:
        p50, p99, last = timed(c, name, url, a.repeat)
        got = len(last.get("events", last.get("buckets", [])))
        out.append(f"| {name} | {p50} | {p99} | {got} | {last.get('stats', {}).get('scanned', '—')} |")
    srv.stop()


# The same synthetic events as RFC 5424 lines, written by ClickHouse from the same generator
# (numbers() and the same expressions), so the embedded store gets exactly what part C searched.
LINES = """SELECT concat('<86>1 ', replaceOne(toString(toDateTime(intDiv(t, 1000000000), 'UTC')), ' ', 'T'), '.',
  substring(toString(1000000000 + t % 1000000000), 2), 'Z ', h, ' sshd 42 - - ', m)
FROM (SELECT number, {base} + number * {step} AS t, concat('his-app-', toString(number % 50)) AS h,
  concat('10.20.', toString(intDiv(number, 7) % 256), '.', toString(number % 251)) AS ip,
  concat('dr_', toString(cityHash64(number) % 5000)) AS u,
  concat(if(number % 10 = 0, 'Failed', 'Accepted'), ' password for ', u, ' from ', ip, ' port ', toString(number % 65535), ' ssh2',
         if(number % 1000 = 7, ' rarewordx', '')) AS m
  FROM (SELECT number + {offset} AS number FROM numbers({rows}))) FORMAT TabSeparated"""


def timed(c, name, url, repeat):
    """One warm-up, then `repeat` timed runs: (p50, p99) as text, and the last answer."""
    c.get(url)
    times, last = [], None
    for _ in range(repeat):
        t = time.time()
        code, last = c.get(url)
        times.append(time.time() - t)
        assert code == 200, (name, code, last)
    times.sort()
    return f"{statistics.median(times) * 1000:.0f} ms", f"{times[min(len(times) - 1, int(0.99 * len(times)))] * 1000:.0f} ms", last


def part_d(a, tmp, ch, out):
    """The embedded store on part C's events: imported from the same generator, searched through
    `wardsec serve`'s console API with the same queries."""
    day = 86400 * 10**9
    base = (int(time.time() * 1e9) // day - 10) * day
    lines = os.path.join(tmp, "synth.log")
    t0 = time.time()
    chunk = min(a.rows, 10000000)
    with open(lines, "wb") as f:
        for off in range(0, a.rows, chunk):
            req = urllib.request.Request(ch.url + "/", data=LINES.format(base=base, step=10 * day // a.rows, rows=min(chunk, a.rows - off),
                                                                          offset=off).encode())
            with urllib.request.urlopen(req, timeout=3600) as r:
                shutil.copyfileobj(r, f, 1 << 20)
    made = time.time() - t0
    data = os.path.join(tmp, "embedded")
    t0 = time.time()
    subprocess.run([a.wardsec, "import", "--data", data, lines], check=True, stdout=subprocess.DEVNULL)
    imported = time.time() - t0
    size = dir_size(data)
    os.remove(lines)
    srv = Server(a.wardsec, data, []).start()
    c = srv.admin("secadmin")
    day5 = time.strftime("%Y-%m-%d", time.gmtime((base + 5 * day) / 1e9))
    day6 = time.strftime("%Y-%m-%d", time.gmtime((base + 6 * day) / 1e9))
    rng = f"&from={time.strftime('%Y-%m-%d', time.gmtime(base / 1e9))}&to=now"
    out.append(f"\nThe same {a.rows:,} events as RFC 5424 lines (written by ClickHouse from part C's generator in {made:.0f} s), "
               f"`wardsec import`ed into the embedded store in {imported:.0f} s ({a.rows / imported:,.0f} events/s; "
               f"{size / a.rows:.1f} bytes per event in the data folder), searched through `wardsec serve`'s console API, {a.repeat} runs each "
               f"after one warm-up:\n")
    out.append("| query | p50 | p99 | events returned |")
    out.append("|---|---|---|---|")
    for name, url, key in [("by address: source.ip:10.20.3.77", "/api/v1/search?limit=100&q=" + urllib.parse.quote("source.ip:10.20.3.77") + rng, "events"),
                           ("by user: user.name:dr_4242", "/api/v1/search?limit=100&q=" + urllib.parse.quote("user.name:dr_4242") + rng, "events"),
                           ("free text: rarewordx", "/api/v1/search?limit=100&q=rarewordx" + rng, "events"),
                           ("histogram of a day (with the facets)", f"/api/v1/search/stats?q=&from={day5}&to={day6}", "histogram")]:
        p50, p99, last = timed(c, name, url, a.repeat)
        out.append(f"| {name} | {p50} | {p99} | {len(last.get(key, []))} |")
    srv.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wardsec", required=True)
    ap.add_argument("-n", type=int, default=500000)
    ap.add_argument("--rate", type=int, default=20000)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--rows", type=int, default=100000000)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--skip", default="")
    a = ap.parse_args()
    a.wardsec = os.path.abspath(a.wardsec)
    skip = set(a.skip.split(","))
    out = [f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, {platform.platform()}",
           f"servers: nats-server {subprocess.run(['nats-server', '--version'], capture_output=True, text=True).stdout.strip()}, "
           f"clickhouse-server {subprocess.run(['dpkg-query', '-W', '-f', '${Version}', 'clickhouse-server'], capture_output=True, text=True).stdout}"]
    tmp = tempfile.mkdtemp(prefix="wardsec-cluster-bench-")
    nats, ch = Nats(tmp).start(), ClickHouse(tmp).start()
    sink = col = None
    try:
        if "a" not in skip:
            sink, col = part_a(a, tmp, nats, ch, out)
            print("\n".join(out), flush=True)
            if "b" not in skip:
                at = len(out)
                part_b(a, tmp, ch, col, out)
                print("\n".join(out[at:]), flush=True)
        if "c" not in skip:
            part_c(a, tmp, nats, ch, out)
        if "d" not in skip:
            part_d(a, tmp, ch, out)
    finally:
        if col:
            col.stop()
        if sink:
            sink.terminate()
            sink.wait(30)
        nats.stop()
        ch.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print("\n--- all ---\n" + "\n".join(out), flush=True)


if __name__ == "__main__":
    main()
