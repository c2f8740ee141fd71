"""The host agent's cost and speed (issue #24), against a real center on loopback:
- CPU and memory of `wardsec agent` idle and while it forwards 5,000 lines a second from a file,
  beside rsyslog (imfile -> omrelp into the same center's RELP input) following the same file in
  the same run; the ratio is the agent's over rsyslog's;
- the first (baseline) and an unchanged full integrity scan of 100,000 files of 1 KiB;
- latency from a file change to its integrity event at the center (the dossier's API).
Not part of `make test`; results go into docs/benchmarks.md by hand, with this command:

    python3 bench/agent_bench.py --wardsec build/release/wardsec
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from harness import Server, cli, free_port  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TICK


def rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def window(pids, seconds, during=None):
    """CPU % of each pid over `seconds` (running `during` meanwhile), and RSS at the end."""
    c0 = {p: cpu_s(p) for p in pids}
    t0 = time.monotonic()
    if during:
        during()
    left = seconds - (time.monotonic() - t0)
    if left > 0:
        time.sleep(left)
    dt = time.monotonic() - t0
    return {p: (100 * (cpu_s(p) - c0[p]) / dt, rss_mib(p)) for p in pids}


def status(w, state):
    try:
        return json.loads(cli(w, "agent", "status", "--state", state, check=False).stdout)
    except ValueError:
        return {}


def wait(pred, timeout, what):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.2)
    raise SystemExit(f"timed out: {what}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wardsec", required=True)
    ap.add_argument("--rate", type=int, default=5000)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--files", type=int, default=100000)
    a = ap.parse_args()
    w = os.path.abspath(a.wardsec)
    t = tempfile.mkdtemp(prefix="wardsec-agent-bench-")
    port = free_port()
    cfgp = os.path.join(t, "wardsec.yaml")
    with open(cfgp, "w") as f:
        f.write(f"agents:\n  listen: 127.0.0.1:{port}\n")
    app, watched, many = os.path.join(t, "app.log"), os.path.join(t, "watched"), os.path.join(t, "many")
    os.makedirs(watched)
    open(app, "w").close()
    with open(os.path.join(watched, "his.conf"), "w") as f:
        f.write("pool=20\n")
    base = {"heartbeat_seconds": 2, "logs": [app], "fim_paths": [watched], "diff_paths": [watched], "trusted_paths": [], "whodata": False,
            "inventory_minutes": 1440, "checks_minutes": 1440, "trusted_minutes": 1440, "fim_scan_minutes": 1440}
    with Server(w, os.path.join(t, "data"), ["--config", cfgp]) as srv:
        sys_ = srv.admin("sysadmin")
        sec = srv.admin("secadmin")
        sys_.post("/api/v1/agents/groups", {"name": "bench", "config": base})
        _, tok = sys_.post("/api/v1/agents/tokens", {"group": "bench"})
        state = os.path.join(t, "agent")
        cli(w, "agent", "enroll", "--center", f"127.0.0.1:{port}", "--token", tok["token"], "--ca-fingerprint", tok["ca_fingerprint"],
            "--state", state, "--name", "bench-01")
        agent_id = json.load(open(os.path.join(state, "identity.json")))["id"]
        agent = subprocess.Popen([w, "agent", "run", "--state", state], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        rs_dir = os.path.join(t, "rsyslog")
        os.makedirs(rs_dir)
        with open(os.path.join(rs_dir, "rsyslog.conf"), "w") as f:
            f.write(f'global(workDirectory="{rs_dir}")\nmodule(load="imfile")\nmodule(load="omrelp")\n'
                    f'input(type="imfile" File="{app}" Tag="app:" ruleset="fwd" freshStartTail="on")\n'
                    f'ruleset(name="fwd") {{ action(type="omrelp" target="127.0.0.1" port="{srv.relp}" queue.type="LinkedList" '
                    f'queue.filename="q" queue.saveOnShutdown="on" action.resumeRetryCount="-1") }}\n')
        rs = subprocess.Popen(["rsyslogd", "-n", "-f", os.path.join(rs_dir, "rsyslog.conf"), "-i", os.path.join(rs_dir, "pid")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait(lambda: status(w, state).get("fim_scans", 0) >= 1, 60, "the agent to start")
            time.sleep(5)
            idle = window([agent.pid, rs.pid], 30)
            print(f"idle 30 s: agent {idle[agent.pid][0]:.2f}% CPU {idle[agent.pid][1]:.1f} MiB; "
                  f"rsyslog {idle[rs.pid][0]:.2f}% CPU {idle[rs.pid][1]:.1f} MiB")

            n = a.rate * a.seconds

            def write():
                line = "Dec  7 10:00:00 his-app-01 his[42]: order {:08d} dept=0301 patient=P{:06d} ok\n"
                start = time.monotonic()
                with open(app, "a", buffering=1 << 16) as f:
                    for i in range(n):
                        f.write(line.format(i, i % 999999))
                        if i % 500 == 499:
                            f.flush()
                            ahead = (i + 1) / a.rate - (time.monotonic() - start)
                            if ahead > 0:
                                time.sleep(ahead)
            sent0 = status(w, state).get("lines_sent", 0)
            load = window([agent.pid, rs.pid], a.seconds, write)
            wait(lambda: status(w, state).get("lines_sent", 0) - sent0 >= n, 120, "the agent to send every line")
            ag, r = load[agent.pid], load[rs.pid]
            print(f"{a.rate} lines/s for {a.seconds} s ({n} lines): agent {ag[0]:.1f}% CPU {ag[1]:.1f} MiB; "
                  f"rsyslog imfile+omrelp {r[0]:.1f}% CPU {r[1]:.1f} MiB; CPU ratio agent/rsyslog {ag[0] / max(r[0], 0.01):.2f}")
            print(f"agent lines sent {status(w, state).get('lines_sent', 0) - sent0}, lag_seconds {status(w, state).get('lag_seconds')}")
            rs.terminate()
            rs.wait(30)

            # Latency: a watched file changed, until its event is in the center's dossier.
            lat = []
            for i in range(20):
                t0 = time.time()
                with open(os.path.join(watched, "his.conf"), "w") as f:
                    f.write(f"pool={100 + i}\n")

                def seen():
                    _, d = sec.get(f"/api/v1/agents/{agent_id}")
                    return any(e["action"] == "modified" and f"+pool={100 + i}" in (e["detail"].get("diff") or "") for e in d.get("fim", []))
                end = time.time() + 20
                while time.time() < end and not seen():
                    time.sleep(0.02)
                lat.append(time.time() - t0)
                time.sleep(1.5)
            lat.sort()
            print(f"file change -> integrity event at the center, 20 changes: p50 {lat[10]:.2f} s, p95 {lat[18]:.2f} s, max {lat[-1]:.2f} s "
                  "(the agent waits 200 ms for a path to be quiet, then checks, sends, and the center stores)")

            # A full scan of 100,000 files of 1 KiB: the baseline, then unchanged.
            os.makedirs(many)
            blob = os.urandom(1024)
            for i in range(a.files):
                d = os.path.join(many, f"d{i // 1000:03d}")
                if i % 1000 == 0:
                    os.makedirs(d)
                with open(os.path.join(d, f"f{i:06d}"), "wb") as f:
                    f.write(blob[i % 512:] + blob[:i % 512])
            subprocess.run(["sync"])
            scans0 = status(w, state).get("fim_scans", 0)
            c0, t0 = cpu_s(agent.pid), time.time()
            sys_.post("/api/v1/agents/groups", {"name": "bench", "config": dict(base, fim_paths=[many], logs=[])})
            wait(lambda: status(w, state).get("fim_files", 0) >= a.files and status(w, state).get("config_version", 0) >= 2, 900,
                 "the baseline scan")
            print(f"baseline scan of {a.files} files (1 KiB, SM3 + SHA-256 each): {time.time() - t0:.1f} s wall "
                  f"(includes up to a heartbeat for the new configuration), {cpu_s(agent.pid) - c0:.1f} s CPU, RSS {rss_mib(agent.pid):.1f} MiB")
            agent.terminate()
            agent.wait(30)
            agent = subprocess.Popen([w, "agent", "run", "--state", state], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            t0 = time.time()
            time.sleep(0.5)
            wait(lambda: status(w, state).get("fim_scans", 0) >= 1 and status(w, state).get("uptime_seconds", 99) < time.time() - t0 + 3, 600,
                 "the unchanged scan")
            print(f"unchanged scan of {a.files} files (metadata compared, nothing read): {time.time() - t0:.1f} s wall, "
                  f"{cpu_s(agent.pid):.1f} s CPU, RSS {rss_mib(agent.pid):.1f} MiB (scans {scans0})")
        finally:
            for p in (agent, rs):
                if p.poll() is None:
                    p.kill()


if __name__ == "__main__":
    main()
