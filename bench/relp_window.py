"""How fast a real rsyslog (omrelp) delivers to wardsec over RELP at several window sizes.

Usage: python3 bench/relp_window.py --wardsec build/release/wardsec [--lines 50000]
Prints one row per windowSize: lines, seconds until all are stored, lines/s, blocks written."""
import argparse
import os
import sys
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from harness import Server, TempDir, count, wait_for  # noqa: E402
from rsyslog import Rsyslog  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--wardsec", required=True)
ap.add_argument("--lines", type=int, default=50000)
ap.add_argument("--windows", default="128,512,4096")
a = ap.parse_args()
print("| windowSize | lines | seconds | lines/s | blocks |")
print("|---:|---:|---:|---:|---:|")
for win in [int(x) for x in a.windows.split(",")]:
    with TempDir() as t:
        data = os.path.join(t, "data")
        with Server(a.wardsec, data) as srv:
            run = uuid.uuid4().hex[:8]
            act = f'''module(load="omrelp")
action(type="omrelp" target="127.0.0.1" port="{srv.relp}" template="RSYSLOG_SyslogProtocol23Format"{"" if win == 128 else f' windowSize="{win}"'}
       queue.type="LinkedList" queue.size="500000" action.resumeRetryCount="-1")
'''
            with Rsyslog(os.path.join(t, "rs"), act) as rs:
                lines = [f"<86>Nov 26 08:00:00 his-app-01 sshd[1]: Accepted password for u{i} from 10.30.0.10 port 2222 ssh2 run={run} seq={i}"
                         for i in range(a.lines)]
                t0 = time.time()
                for k in range(0, len(lines), 5000):
                    rs.send_lines(lines[k:k + 5000])
                wait_for(lambda: srv.metrics()["stored"] >= a.lines or None, 600, "all lines", interval=0.05)
                dt = time.time() - t0
            blocks = int(srv.metrics().get("stored", 0))
        from harness import cli
        v = cli(a.wardsec, "verify", "--data", data, check=False).stdout
        nb = v.split(" blocks")[0].split()[-1] if " blocks" in v else "?"
        print(f"| {win}{' (default)' if win == 128 else ''} | {a.lines} | {dt:.2f} | {a.lines / dt:,.0f} | {nb} |")
