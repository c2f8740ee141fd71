"""SIGKILL in the middle of a RELP stream: after a restart every acknowledged event is in the
store exactly once and the store verifies clean (issue #2, crash safety)."""
import os
import re
import time

from harness import Server, TempDir, args, cli, count, run, search_json, wait_for
from relp_client import RelpClient

N = 40000


def body(r):
    a = args()
    w = a.wardsec
    with TempDir() as t:
        data = os.path.join(t, "data")
        srv = Server(w, data).start()
        client = RelpClient(srv.relp, window=512)
        killed = False
        try:
            for i in range(N):
                client.send(f"<86>Nov 26 08:00:00 his-app-01 sshd[1]: Accepted password for u{i} from 10.30.0.10 port 2222 ssh2 crashseq={i}")
                if not killed and len(client.acked) >= 8000:
                    srv.kill9()
                    killed = True
                    break
        except (ConnectionError, OSError, TimeoutError):
            pass
        if not killed:
            srv.kill9()
        time.sleep(0.5)
        acked = {t_: client.sent[t_] for t_, st in client.acked.items() if t_ in client.sent and st.startswith("200")}
        r.check(len(acked) >= 8000, f"{len(acked)} events acknowledged before SIGKILL")
        # (how many were in flight depends on timing: acknowledgements follow within milliseconds)
        print(f"note: {len(client.sent) - len(acked)} events were in flight (sent, not acknowledged) at the kill")
        # Restart on the same data: the torn tail is repaired, then stop cleanly.
        srv2 = Server(w, data).start()
        srv2.stop()
        evs = search_json(w, data, '"crashseq"')
        seen = {}
        for e in evs:
            m = re.search(r"crashseq=(\d+)", e["message"])
            if m:
                seen[int(m.group(1))] = seen.get(int(m.group(1)), 0) + 1
        want = {int(re.search(r"crashseq=(\d+)", m).group(1)) for m in acked.values()}
        missing = [s for s in want if s not in seen]
        dups = [s for s in want if seen.get(s, 0) > 1]
        r.check(not missing, f"every acknowledged event is stored (missing {len(missing)} of {len(want)})")
        r.check(not dups, f"no acknowledged event is stored twice ({len(dups)} duplicated)")
        res = cli(w, "verify", "--data", data, check=False)
        r.check(res.returncode == 0, "the store verifies clean after the crash and restart: " + (res.stdout + res.stderr).strip().splitlines()[0])


if __name__ == "__main__":
    run("crash_relp", body)
