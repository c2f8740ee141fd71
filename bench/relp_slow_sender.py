"""A slow RELP sender (window 1: each message waits for its acknowledgement): how many blocks
and how many bytes the store writes for it. Usage: python3 bench/relp_slow_sender.py --wardsec build/release/wardsec"""
import os, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from harness import Server, TempDir, cli
from relp_client import RelpClient
import argparse
ap = argparse.ArgumentParser()
ap.add_argument("--wardsec", required=True)
w = ap.parse_args().wardsec
with TempDir() as t:
    data = os.path.join(t, "data")
    with Server(w, data) as srv:
        c = RelpClient(srv.relp, window=1)
        t0 = time.time()
        lines = [f"<86>Nov 26 08:00:00 his-app-01 sshd[1]: Accepted password for u{i} from 10.30.0.10 port 2222 ssh2 seq={i}" for i in range(3000)]
        for l in lines: c.send(l)
        c.close()
        dt = time.time() - t0
    v = cli(w, "verify", "--data", data, check=False).stdout
    size = sum(os.path.getsize(os.path.join(data, "segments", f)) for f in os.listdir(os.path.join(data, "segments")))
    raw = sum(len(l) + 1 for l in lines)
    print(f"{len(lines)} lines, window 1, {dt:.2f}s ({len(lines)/dt:.0f}/s); {v.splitlines()[0]}; stored {size} bytes = {size/raw:.2f}x raw")
