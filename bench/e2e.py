#!/usr/bin/env python3
"""End-to-end ingest benchmark: the same N demo-hospital syslog lines over TCP into wardsec
(parse + normalize + store with digest chain + index, shipped fsync policy) and into rsyslog
(imtcp -> omfile, Debian package), in the same run. Prints a Markdown table for
docs/benchmarks.md. Usage: python3 bench/e2e.py --wardsec build/release/wardsec [-n 1000000]"""
import argparse
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import json

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from harness import Server, free_port, wait_for  # noqa: E402


def send_paced(port, payload, eps):
    # One connection, about `eps` lines a second, in 10 ms slices.
    lines = payload.split(b"\n")
    s = socket.create_connection(("127.0.0.1", port))
    per = max(1, eps // 100)
    t0 = time.time()
    for k in range(0, len(lines), per):
        chunk = b"\n".join(lines[k:k + per])
        if chunk:
            s.sendall(chunk + b"\n")
        delay = t0 + (k // per + 1) / 100 - time.time()
        if delay > 0:
            time.sleep(delay)
    s.close()


def send(port, payload, conns, pace=0):
    if pace:
        return send_paced(port, payload, pace)
    # Split on line boundaries into `conns` connections sent in parallel threads.
    import threading
    parts, step = [], len(payload) // conns
    start = 0
    for i in range(conns):
        end = len(payload) if i == conns - 1 else payload.index(b"\n", start + step) + 1
        parts.append(payload[start:end])
        start = end
    def go(p):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(p)
        s.close()
    ts = [threading.Thread(target=go, args=(p,)) for p in parts]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def dir_size(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            total += os.path.getsize(os.path.join(root, f))
    return total


def vm_hwm(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def run_wardsec(wardsec, payload, n, conns, tmp, pace=0, detect=True):
    data = os.path.join(tmp, "wdata-detect" if detect else "wdata")
    cfg = os.path.join(tmp, "wardsec.yaml")
    with open(cfg, "w") as f:
        f.write(f"detection:\n  enabled: {'true' if detect else 'false'}\n")
    http, tcp = free_port(), free_port()
    p = subprocess.Popen([wardsec, "serve", "--config", cfg, "--data", data, "--listen", f"127.0.0.1:{http}", "--redirect", "",
                          "--tcp", f"127.0.0.1:{tcp}", "--udp", "", "--tls", "", "--relp", ""],
                         stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "w.log"), "w"))
    # The metrics need a logged-in account: the harness's view of the same server does the
    # first login (and keeps an API token).
    view = Server(wardsec, data)
    view.http = http
    view.proc = p
    wait_for(view.healthy, 20, "wardsec up")
    client = view.admin("secadmin")

    def metrics():
        try:
            code, m = client.get("/api/v1/metrics")
            return m if code == 200 else None
        except OSError:
            return None
    wait_for(lambda: metrics() is not None, 20, "wardsec up")
    t0 = time.time()
    send(tcp, payload, conns, pace)
    wait_for(lambda: (metrics() or {}).get("stored", 0) >= n, 600, "wardsec to store everything", interval=0.05)
    t_stored = time.time() - t0
    t_detected = None
    if detect:
        wait_for(lambda: (metrics() or {}).get("detect_events", 0) >= n, 600, "detection to examine everything", interval=0.05)
        t_detected = time.time() - t0
    final = metrics() or {}
    rss = vm_hwm(p.pid)
    p.send_signal(signal.SIGTERM)
    p.wait(120)
    t_durable = time.time() - t0  # includes the final block, fsync and signed checkpoint
    stored = dir_size(os.path.join(data, "segments"))
    v = subprocess.run([wardsec, "verify", "--data", data], capture_output=True, text=True)
    return {"t_stored": t_stored, "t_detected": t_detected, "t_durable": t_durable, "bytes": stored, "rss": rss,
            "verify": v.returncode == 0, "alerts": final.get("alerts_created", 0), "waits": final.get("observer_waits", 0)}


def run_rsyslog(payload, n, conns, tmp):
    rs = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"
    port = free_port()
    out = os.path.join(tmp, "rsyslog.out")
    conf = os.path.join(tmp, "rsyslog.conf")
    with open(conf, "w") as f:
        f.write(f'''global(workDirectory="{tmp}" maxMessageSize="64k")
module(load="imtcp")
input(type="imtcp" port="{port}" address="127.0.0.1")
action(type="omfile" file="{out}" template="RSYSLOG_FileFormat")
''')
    p = subprocess.Popen([rs, "-n", "-f", conf, "-i", os.path.join(tmp, "rs.pid")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    def up():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            return False
    wait_for(up, 20, "rsyslog up")
    t0 = time.time()
    send(port, payload, conns)
    def lines():
        try:
            with open(out, "rb") as f:
                return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
        except OSError:
            return 0
    wait_for(lambda: lines() >= n, 600, "rsyslog to write everything", interval=0.1)
    t = time.time() - t0
    rss = vm_hwm(p.pid)
    p.terminate()
    p.wait(60)
    t_stop = time.time() - t0
    return {"t_stored": t, "t_durable": t_stop, "bytes": os.path.getsize(out), "rss": rss}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wardsec", required=True)
    ap.add_argument("-n", type=int, default=1000000)
    ap.add_argument("--conns", type=int, default=2)
    ap.add_argument("--pace", type=int, default=0,
                    help="instead of the peer comparison: send to wardsec alone at this many events/s and report its storage")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="wardsec-bench-")
    try:
        payload = subprocess.run([a.wardsec, "generate", "--count", str(a.n), "--seed", "7"], capture_output=True, check=True).stdout
        n = payload.count(b"\n")
        if a.pace:
            w = run_wardsec(a.wardsec, payload, n, a.conns, tmp, a.pace)
            print(f"paced at {a.pace} events/s: {n} events, {len(payload) / 1e6:.1f} MB in, {w['bytes'] / 1e6:.2f} MB stored, "
                  f"{w['bytes'] / n:.1f} bytes/event, compression {len(payload) / w['bytes']:.2f}x, peak RSS {w['rss'] / 2**20:.0f} MiB, "
                  f"verify {w['verify']}")
            return
        w = run_wardsec(a.wardsec, payload, n, a.conns, tmp, detect=False)
        wd = run_wardsec(a.wardsec, payload, n, a.conns, tmp, detect=True)
        r = run_rsyslog(payload, n, a.conns, tmp)
        cpu = ""
        try:
            cpu = [l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")][0]
        except Exception:
            pass
        print(f"machine: {os.cpu_count()} cores, {cpu}, {platform.platform()}")
        print(f"input: {n} demo-hospital syslog lines, {len(payload) / 1e6:.1f} MB, over {a.conns} TCP connections (LF framing)\n")
        print("| | wardsec (parse, normalize, store: zstd + SM3 chain + bloom index) | rsyslog 8 (imtcp -> omfile, plain lines) |")
        print("|---|---|---|")
        print(f"| events/s until all stored | {n / w['t_stored']:,.0f} | {n / r['t_stored']:,.0f} |")
        print(f"| events/s incl. shutdown (final fsync + signed checkpoint) | {n / w['t_durable']:,.0f} | {n / r['t_durable']:,.0f} |")
        print(f"| bytes on disk per event | {w['bytes'] / n:.1f} | {r['bytes'] / n:.1f} |")
        print(f"| compression vs raw input | {len(payload) / w['bytes']:.1f}x | {len(payload) / r['bytes']:.2f}x |")
        print(f"| peak RSS | {w['rss'] / 2**20:.0f} MiB | {r['rss'] / 2**20:.0f} MiB |")
        print(f"\nratio wardsec/rsyslog (events/s until stored): {r['t_stored'] / w['t_stored']:.2f}")
        print(f"wardsec store verifies: {w['verify']}")
        print(f"\nwith detection on (rules/hospital, shipped config): {n / wd['t_stored']:,.0f} events/s until stored, "
              f"{n / wd['t_detected']:,.0f} events/s until examined by detection ({wd['alerts']} alerts, "
              f"store stage waited for detection {wd['waits']} times); ratio to rsyslog {r['t_stored'] / wd['t_detected']:.2f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
