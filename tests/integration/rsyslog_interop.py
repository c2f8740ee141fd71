"""A real rsyslog forwards to wardsec over TCP (LF framing and octet counting), UDP and RELP
(omrelp); every line arrives exactly once (issue #2)."""
import collections
import os
import re
import uuid

from harness import Server, TempDir, args, run, search_json, wait_for, count
from rsyslog import Rsyslog

N = 3000


def body(r):
    a = args()
    w = a.wardsec
    run_id = uuid.uuid4().hex[:8]
    with TempDir() as t:
        data = os.path.join(t, "data")
        with Server(w, data) as srv:
            actions = f'''
module(load="omrelp")
action(type="omfwd" target="127.0.0.1" port="{srv.tcp}" protocol="tcp" template="RSYSLOG_TraditionalForwardFormat"
       queue.type="LinkedList" queue.size="100000" action.resumeRetryCount="-1")
action(type="omfwd" target="127.0.0.1" port="{srv.tcp}" protocol="tcp" TCP_Framing="octet-counted"
       template="RSYSLOG_SyslogProtocol23Format" queue.type="LinkedList" queue.size="100000" action.resumeRetryCount="-1")
action(type="omfwd" target="127.0.0.1" port="{srv.udp}" protocol="udp" template="RSYSLOG_TraditionalForwardFormat"
       queue.type="LinkedList" queue.size="100000")
action(type="omrelp" target="127.0.0.1" port="{srv.relp}" template="RSYSLOG_SyslogProtocol23Format"
       queue.type="LinkedList" queue.size="100000" action.resumeRetryCount="-1")
'''
            with Rsyslog(os.path.join(t, "rsyslog"), actions) as rs:
                lines = [f"<86>Nov 26 08:00:00 his-app-01 sshd[{i}]: Accepted password for zhangwei from 10.30.0.10 port {10000 + i} ssh2 run={run_id} seq={i}"
                         for i in range(N)]
                # A few lines with multi-byte Chinese text too.
                lines += [f"<134>Nov 26 08:00:00 his-app-01 his: 门诊挂号 成功 run={run_id} seq={N + i}" for i in range(10)]
                for k in range(0, len(lines), 500):
                    rs.send_lines(lines[k:k + 500])
                total = len(lines)
                q = f'"run={run_id}"'
                # Three TCP-ish paths (LF, octet-counted, RELP) are reliable: 3*total. UDP adds up to total more.
                wait_for(lambda: count(w, data, q) >= 4 * total or None, 90, f"{4 * total} events from rsyslog", interval=1)
            evs = search_json(w, data, q)
            by_path = collections.defaultdict(collections.Counter)
            for e in evs:
                seq = int(re.search(r"seq=(\d+)", e["message"]).group(1))
                path = e["input.type"] + ("/5424" if e.get("log.syslog.version") == "1" else "/3164")
                by_path[path][seq] += 1
            for path in ["tcp/3164", "tcp/5424", "relp/5424", "udp/3164"]:
                c = by_path[path]
                missing = [s for s in range(total) if c[s] == 0]
                dup = [s for s, n in c.items() if n > 1]
                r.check(not missing and not dup, f"{path}: all {total} lines exactly once (missing {len(missing)}, duplicated {len(dup)})")
            sample = [e for e in evs if e["input.type"] == "relp" and "Accepted" in e["message"]][0]
            r.check(sample.get("user.name") == "zhangwei" and sample.get("source.ip") == "10.30.0.10", "forwarded sshd lines are parsed (user, source ip)")
            zh = [e for e in evs if "门诊挂号" in e["message"]]
            r.check(len(zh) == 40, "Chinese text arrives intact on every path")
            m = srv.metrics()
            r.check(m["dropped"] == 0 and m["store_errors"] == 0, f"no drops or store errors ({m})")
        res = __import__("harness").cli(w, "verify", "--data", data, check=False)
        r.check(res.returncode == 0, "store verifies clean after the run")


if __name__ == "__main__":
    run("rsyslog_interop", body)
