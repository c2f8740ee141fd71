"""The fault-injection tier (issue #14): each fault is performed against the running center.

- kill -9 during a real rsyslog's RELP stream, and during HTTP ingest: nothing acknowledged is lost
- one flipped bit in sealed data, then a restart: the segment is kept whole, the damage is named
  (server log, alert, verify, search exit 3), only that block is missing from searches
- a torn tail (an unfinished write at the end): cut, saved in quarantine/, verify says "recovered"
- a full disk (a small tmpfs: the test mounts one, which needs root as on CI) with rsyslog sending
  over RELP: no line lost, the store recovers by itself once space is freed, errors logged once
- octet-counted TCP with an absurd count, RELP protocol errors, and the timestamp table over HTTP

Retention with a future-dated event needs half a year of clock: it is performed on the store
itself in tests/unit/store_test.cc (FutureDatedEventDoesNotPinRetention)."""
import json
import os
import re
import socket
import subprocess
import threading
import time
import uuid

from harness import Server, TempDir, args, cli, count, exchange, run, search_json, wait_for
from rsyslog import Rsyslog

# The configuration README.md recommends (its "Sending logs"), with the test's port.
RELP_ACTION = '''module(load="omrelp")
action(type="omrelp" target="127.0.0.1" port="{port}" windowSize="1024"
       queue.type="LinkedList" queue.size="200000" queue.filename="wardsec" action.resumeRetryCount="-1"
       action.resumeInterval="5")
'''


def seqs_of(w, data, run_id):
    seen = {}
    for e in search_json(w, data, f'"run={run_id}"'):
        m = re.search(r"seq=(\d+)", e["message"])
        if m:
            seen[int(m.group(1))] = seen.get(int(m.group(1)), 0) + 1
    return seen


def lines_for(run_id, n, start=0):
    return [f"<86>Nov 26 08:00:00 his-app-01 sshd[1]: Accepted password for u{i} from 10.30.0.10 port 2222 ssh2 run={run_id} seq={i}"
            for i in range(start, start + n)]


def kill_during_relp(r, w, t):
    data, run_id, n = os.path.join(t, "k9"), uuid.uuid4().hex[:8], 150000
    srv = Server(w, data).start()
    try:
        with Rsyslog(os.path.join(t, "rs-k9"), RELP_ACTION.format(port=srv.relp)) as rs:
            feeder = threading.Thread(target=lambda: [rs.send_lines(lines_for(run_id, 2000, k)) for k in range(0, n, 2000)])
            feeder.start()
            wait_for(lambda: srv.metrics()["stored"] >= 2000 or None, 60, "2000 events stored")
            # The kill comes first, while the stream is surely still flowing (eight verify runs
            # before it once let a busy machine store everything first).
            stored = srv.metrics()["stored"]
            srv.kill9()
            r.check(stored < n, f"the kill came in the middle of the stream ({stored} of {n} stored)")
            time.sleep(1)
            srv.start()  # the same ports: rsyslog reconnects and resends what was not acknowledged
            # verify while the server writes (the resends and the rest of the stream): a
            # monitoring job may run it any time.
            alarms = []
            for _ in range(8):
                v = cli(w, "verify", "--data", data, check=False)
                if v.returncode != 0:
                    alarms.append((v.stdout + v.stderr).strip().splitlines()[:2])
            r.check(not alarms, f"verify during heavy ingest raises no false alarm (8 runs: {alarms[:1]})")
            feeder.join()
            # The count includes lines resent twice, so it can reach n while resends are still
            # on their way (seen once under load): wait for every distinct line, then judge.
            wait_for(lambda: count(w, data, f'"run={run_id}"') >= n or None, 240, f"{n} lines after the restart", interval=1)
            try:
                wait_for(lambda: len(seqs_of(w, data, run_id)) >= n or None, 120, f"{n} distinct lines", interval=5)
            except AssertionError:
                pass  # the check below names how many are missing
        seen = seqs_of(w, data, run_id)
        missing = [s for s in range(n) if s not in seen]
        dups = sum(1 for v in seen.values() if v > 1)
        r.check(not missing, f"kill -9 during rsyslog RELP: all {n} lines stored (missing {len(missing)}; {dups} resent twice, "
                             "allowed: stored but not yet acknowledged at the kill)")
    finally:
        srv.stop()


def kill_during_http(r, w, t):
    data, run_id = os.path.join(t, "kh"), uuid.uuid4().hex[:8]
    srv = Server(w, data).start()
    c = srv.client(srv.collector_token())
    acked, stop = [], threading.Event()

    def post():
        b = 0
        while not stop.is_set():
            body = "\n".join(json.dumps({"message": f"http run={run_id} seq={b * 100 + i}"}) for i in range(100)).encode()
            try:
                code, _ = c.call("POST", "/api/v1/ingest", raw=body, headers={"Content-Type": "application/x-ndjson"})
            except OSError:
                return
            if code == 200:
                acked.extend(range(b * 100, b * 100 + 100))
            b += 1
    th = threading.Thread(target=post)
    th.start()
    wait_for(lambda: len(acked) >= 5000 or None, 60, "5000 HTTP events acknowledged")
    srv.kill9()
    stop.set()
    th.join()
    srv.start()
    srv.stop()
    seen = seqs_of(w, data, run_id)
    missing = [s for s in acked if s not in seen]
    r.check(len(acked) >= 5000 and not missing, f"kill -9 during HTTP ingest: every acknowledged event stored ({len(acked)} acked, missing {len(missing)})")


def flipped_bit_and_torn_tail(r, w, t):
    data, run_id = os.path.join(t, "bits"), uuid.uuid4().hex[:8]
    with Server(w, data) as srv:
        with socket.create_connection(("127.0.0.1", srv.tcp)) as s:
            s.sendall("".join(l + "\n" for l in lines_for(run_id, 60000)).encode())
        wait_for(lambda: srv.metrics()["stored"] >= 60000 or None, 60, "60000 events stored")
    seg = os.path.join(data, "segments", "seg-000001.wsg")
    size = os.path.getsize(seg)
    blob = bytearray(open(seg, "rb").read())
    # The first block starts after the 64-byte segment header; its payload after the 128-byte
    # block header and the index. Flip one bit well inside the first block.
    first_events = int.from_bytes(blob[64 + 16:64 + 20], "little")
    first_comp = int.from_bytes(blob[64 + 52:64 + 56], "little")
    first_index = int.from_bytes(blob[64 + 56:64 + 60], "little")
    at = 64 + 128 + first_index + first_comp // 2
    blob[at] ^= 0x04
    open(seg, "wb").write(bytes(blob))
    srv = Server(w, data).start()
    try:
        r.check(os.path.getsize(seg) >= size, f"a flipped bit in sealed data: the restart kept the whole segment ({os.path.getsize(seg)} >= {size} bytes)")
        log = open(srv.log.name, "rb").read().decode(errors="replace")
        r.check("STORE DAMAGE" in log, "the start names the damage in the server log")
        code, res = srv.admin("secadmin").get("/api/v1/alerts?limit=200")
        alerts = res.get("alerts", []) if code == 200 else []
        r.check(any(a.get("rule.id") == "wardsec.center.store_damaged" and a.get("event.severity_name") == "critical" for a in alerts),
                f"a critical center alert is raised ({code}, {len(alerts)} alert(s))")
    finally:
        srv.stop()
    qdir = os.path.join(data, "quarantine")
    r.check(os.path.isdir(qdir) and os.listdir(qdir), "a copy of the damaged block is in quarantine/")
    res = cli(w, "verify", "--data", data, check=False)
    out = res.stdout + res.stderr
    r.check(res.returncode != 0 and "digest mismatch" in out and "history rewritten" not in out, "verify names the damaged block, not a rewrite")
    res = cli(w, "search", "--data", data, "--count", f'"run={run_id}"', check=False)
    n = int(res.stdout.strip() or 0)
    r.check(res.returncode == 3 and "WARNING" in res.stderr and "offset 64" in res.stderr,
            f"search says which block it could not read and exits 3 ({res.returncode}: {res.stderr.strip()[:160]})")
    # (the block also holds the center's own start record)
    r.check(60000 - first_events <= n < 60000, f"search finds every event but the damaged block's ({n} of 60000; the block held {first_events})")
    # A torn tail: an unfinished write at the end of the last segment.
    with open(seg, "ab") as f:
        f.write(b"WBLK\x80\x00\x00\x00" + os.urandom(500))
    srv = Server(w, data).start()
    srv.stop()
    res = cli(w, "verify", "--data", data, check=False)
    out = res.stdout + res.stderr
    r.check("recovered after a crash" in out and "truncated" not in out, "a torn tail is cut, saved and reported as a crash recovery by verify")


def full_disk(r, w, t):
    mnt = os.path.join(t, "disk")
    os.makedirs(mnt)
    m = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", mnt], capture_output=True, text=True)
    if m.returncode != 0:
        r.check(False, f"full disk: cannot mount a 40 MiB tmpfs (run as root, as CI does): {m.stderr.strip()}")
        return
    try:
        data, run_id, n = os.path.join(mnt, "data"), uuid.uuid4().hex[:8], 75000
        srv = Server(w, data).start()
        srv.metrics()  # log in before the disk is full (a first login writes the new password)
        filler = os.path.join(mnt, "filler")
        with open(filler, "wb") as f:  # fill the disk, then leave ~1.5 MiB
            try:
                while True:
                    f.write(b"\0" * (1 << 20))
                    f.flush()
            except OSError:
                pass
        os.truncate(filler, max(0, os.path.getsize(filler) - (256 << 10)))
        try:
            with Rsyslog(os.path.join(t, "rs-full"), RELP_ACTION.format(port=srv.relp)) as rs:
                for k in range(0, n, 5000):
                    rs.send_lines(lines_for(run_id, 5000, k))
                try:
                    wait_for(lambda: srv.metrics().get("store_failing") or None, 90, "the store to hit the full disk")
                except AssertionError:
                    print(srv.metrics(), subprocess.run(["df", "-k", mnt], capture_output=True, text=True).stdout)
                    print(open(srv.log.name, "rb").read().decode(errors="replace")[-3000:])
                    raise
                time.sleep(3)
                os.unlink(filler)  # space again: the center must carry on by itself
                try:
                    wait_for(lambda: count(w, data, f'"run={run_id}"') >= n or None, 180, f"{n} lines after space was freed", interval=1)
                except AssertionError:
                    print(count(w, data, f'"run={run_id}"'), srv.metrics())
                    print(subprocess.run(["df", "-k", mnt], capture_output=True, text=True).stdout, subprocess.run(["ls", "-la", mnt, data, data + "/segments"], capture_output=True, text=True).stdout)
                    print(open(srv.log.name, "rb").read().decode(errors="replace")[-3000:])
                    print(open(os.path.join(t, "rs-full", "rsyslog.out"), "rb").read().decode(errors="replace")[-2000:])
                    raise
                # The count includes lines resent twice (stored, not acknowledged before the disk
                # filled), so it can reach n before the last distinct lines are in: wait for those.
                try:
                    wait_for(lambda: len(seqs_of(w, data, run_id)) >= n or None, 120, f"{n} distinct lines", interval=5)
                except AssertionError:
                    pass  # the check below names how many are missing
                m = srv.metrics()
            seen = seqs_of(w, data, run_id)
            missing = [s for s in range(n) if s not in seen]
            r.check(not missing, f"full disk with rsyslog RELP: all {n} lines stored after space was freed (missing {len(missing)})")
            r.check(not m.get("store_failing"), "the store recovered by itself (no restart)")
            log = open(srv.log.name, "rb").read().decode(errors="replace")
            errs = [l for l in log.splitlines() if "store:" in l and "error" in l.lower()]
            r.check(0 < len(errs) <= 20, f"the store error is logged once with counts, not per message ({len(errs)} lines)")
            r.check("writing works again" in log, "the recovery is logged")
        finally:
            srv.stop()
        res = cli(w, "verify", "--data", data, check=False)
        r.check(res.returncode == 0, "the store verifies after the full disk: " + (res.stdout + res.stderr).strip().splitlines()[0])
    finally:
        subprocess.run(["umount", "-l", mnt])


def framing_relp_and_time(r, w, t):
    data, run_id = os.path.join(t, "frame"), uuid.uuid4().hex[:8]
    with Server(w, data) as srv:
        with socket.create_connection(("127.0.0.1", srv.tcp)) as s:
            s.sendall(b"999999999 <13>Nov 26 08:00:00 h app: bogus count\n" +
                      "".join(l + "\n" for l in lines_for(run_id, 2000)).encode())
        wait_for(lambda: count(w, data, f'"run={run_id}"') >= 2000 or None, 30, "2000 lines after the absurd count")
        m = srv.metrics()
        r.check(m.get("framing_errors", 0) >= 1 and m.get("framing_errors_by_source", {}).get("127.0.0.1", 0) >= 1,
                f"an absurd octet count costs one line, is counted per sender ({m.get('framing_errors_by_source')})")
        for what, frames in (("syslog before open", [b"1 syslog 5 <13>x\n"]),
                             ("a repeated transaction number", [b"1 open 0\n", b"2 syslog 5 <13>a\n", b"2 syslog 5 <13>b\n"])):
            got = exchange(srv.relp, frames)
            r.check(b"rsp" in got and b"500" in got, f"RELP {what} is refused with a 500 and the session closed ({got[-80:]!r})")
        c = srv.client(srv.collector_token())
        ms = int(time.time() * 1000) - 3600 * 1000  # an hour ago, in epoch milliseconds
        rows = [{"message": f"tt run={run_id} k=ms", "@timestamp": ms},
                {"message": f"tt run={run_id} k=y9999", "@timestamp": "9999-12-31T23:59:59Z"},
                {"message": f"tt run={run_id} k=future", "@timestamp": "2099-01-01T00:00:00Z"}]
        code, _ = c.call("POST", "/api/v1/ingest", raw="\n".join(json.dumps(x) for x in rows).encode(),
                         headers={"Content-Type": "application/x-ndjson"})
        r.check(code == 200, "the timestamp table is accepted over HTTP")
    evs = {re.search(r"k=(\w+)", e["message"]).group(1): e for e in search_json(w, data, f'"tt run={run_id}"')}
    want = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000))
    r.check(evs.get("ms", {}).get("@timestamp", "").startswith(want), f"epoch milliseconds are read as such ({evs.get('ms', {}).get('@timestamp')}, want {want})")
    for k in ("y9999", "future"):
        e = evs.get(k, {})
        r.check(e.get("event.time_adjusted") in ("invalid", "future") and e.get("event.original_time") and not e["@timestamp"].startswith(("9999", "2099", "1")),
                f"{k}: filed at reception, sender's time kept and tagged ({e.get('@timestamp')}, {e.get('event.original_time')})")
    res = cli(w, "search", "--data", data, "--from", "now-1h", "--to", "now+1d", "--count", f'"run={run_id}"', check=False)
    r.check(res.returncode == 0, f"--to now+1d is accepted ({res.stderr.strip()})")


def backlog_in_background(r, w, t):
    """An import while the center was down: the next start examines it in the background."""
    data, n = os.path.join(t, "backlog"), 200000
    Server(w, data).start().stop()  # a first start sets where detection is
    path = os.path.join(t, "backlog.log")
    with open(path, "w") as f:
        for i in range(n):
            f.write(f"<86>Nov 26 08:00:00 his-app-01 sshd[1]: Accepted password for u{i} from 10.30.0.10 port 2222 ssh2\n")
        f.write("<86>Nov 26 08:00:01 portal-web-01 sshd[1]: Failed password for root from 45.95.147.201 port 2222 ssh2\n")
    cli(w, "import", "--data", data, path)
    with Server(w, data) as srv:
        m = srv.metrics()  # answers at once: the backlog does not hold up the start
        r.check(m.get("detect_backlog_total", 0) >= n or m.get("detect_backlog_done", 0) >= n,
                f"the start reports a backlog of {n} imported events ({m.get('detect_backlog_done')}/{m.get('detect_backlog_total')})")
        wait_for(lambda: not srv.metrics().get("detect_backlog_running") or None, 120, "the backlog to be examined")
        m = srv.metrics()
        r.check(m["detect_backlog_done"] == m["detect_backlog_total"] >= n, f"every imported event was examined, none skipped ({m['detect_backlog_done']})")
        code, res = srv.admin("secadmin").get("/api/v1/alerts?limit=50")
        r.check(any("45.95.147.201" == a.get("source.ip") for a in res.get("alerts", [])), "the imported attack raised its alert")


def body(r):
    w = args().wardsec
    with TempDir() as t:
        only = os.environ.get("FAULTS_ONLY")  # one step by name, for the inner loop
        for step in (framing_relp_and_time, flipped_bit_and_torn_tail, backlog_in_background, kill_during_http, kill_during_relp, full_disk):
            if not only or only == step.__name__:
                step(r, w, t)


if __name__ == "__main__":
    run("faults", body)
