#!/usr/bin/env python3
"""The prober inside the running center (issue #20, docs/benchmarks.md): the whole wardsec
process's CPU with no probe, then with N probes at 10 s intervals (40% TCP connects and 20% HTTP
GETs to nginx on the loopback, 40% ICMP to 127.0.x.y) whose results go through the state
machine, the availability counts and the store as signed events.

    python3 bench/probe_center.py build/release/wardsec [N] [SECONDS]
"""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
from harness import free_port  # noqa: E402

wardsec, n, secs = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 2000, int(sys.argv[3]) if len(sys.argv) > 3 else 120
tick = os.sysconf("SC_CLK_TCK")


def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / tick


def rss(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


with tempfile.TemporaryDirectory() as t:
    os.chmod(t, 0o755)
    port = free_port()
    os.makedirs(f"{t}/www")
    open(f"{t}/www/index.html", "w").write("ok")
    open(f"{t}/nginx.conf", "w").write(f"""daemon off; pid {t}/nginx.pid; error_log {t}/error.log; worker_processes 1;
events {{ worker_connections 4096; }}
http {{ access_log off; client_body_temp_path {t}/b; proxy_temp_path {t}/p; fastcgi_temp_path {t}/f; uwsgi_temp_path {t}/u; scgi_temp_path {t}/s;
  server {{ listen 127.0.0.1:{port}; root {t}/www; }} }}""")
    ng = subprocess.Popen(["/usr/sbin/nginx", "-c", f"{t}/nginx.conf", "-p", t])
    data = f"{t}/data"
    srv = subprocess.Popen([wardsec, "serve", "--data", data, "--listen", f"127.0.0.1:{free_port()}", "--udp", "", "--tcp", "", "--bastion", ""],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(15)
        c0, t0 = cpu(srv.pid), time.time()
        time.sleep(secs / 2)
        idle = (cpu(srv.pid) - c0) / (time.time() - t0)
        probes = []
        for i in range(n):
            p = {"id": f"p{i}", "interval_s": 10, "timeout_ms": 2000, "system": f"SYS{i % 20}"}
            if i % 5 < 2:
                p.update(kind="tcp", host="127.0.0.1", port=port)
            elif i % 5 < 4:
                p.update(kind="icmp", host=f"127.0.{i // 250}.{i % 250 + 1}")
            else:
                p.update(kind="http", url=f"http://127.0.0.1:{port}/")
            probes.append(p)
        os.makedirs(f"{data}/ops", exist_ok=True)
        open(f"{data}/ops/probes.json", "w").write(json.dumps({"probes": probes}))
        time.sleep(25)
        c0, t0 = cpu(srv.pid), time.time()
        time.sleep(secs)
        busy = (cpu(srv.pid) - c0) / (time.time() - t0)
        state = json.load(open(f"{data}/ops/probe_state.json"))
        up = sum(1 for p in state["probes"] if p["state"] == "up")
        print(f"center without probes: {100 * idle:.2f}% of one core; with {n} probes at 10 s: {100 * busy:.2f}% "
              f"(the probes' share {100 * (busy - idle):.2f}%); RSS {rss(srv.pid)} KiB; {up}/{n} up")
        print(f"prober: {json.dumps(state['prober'])}")
    finally:
        srv.terminate()
        srv.wait(30)
        ng.terminate()
        ng.wait(10)
