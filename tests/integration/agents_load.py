#!/usr/bin/env python3
"""The host agent under load against a real center on loopback. A watched file rewritten 1,000
times a second for ten seconds is checked about once a second, the writes counted. A watched
folder filled with a million files while the agent runs (WARDSEC_FIM_FLOOD sets how many):
inotify's queue and the pending paths are bounded and their overflow counted, a scan follows,
the first differences are itemised and the rest counted in one event, the alerts are one per
folder, and the agent and the center keep running with the agent's memory bounded. An agent
whose state folder is a full disk (a 2 MiB tmpfs) while the center is away: the lines its
spool refused are appended again once there is room, and every line arrives exactly once."""
import json
import os
import subprocess
import threading
import time
import urllib.parse

from harness import Server, TempDir, args, cli, free_port, run, wait_for

# At least enough to overflow the bounds the test checks (10,000 pending paths, 10,000 itemised
# differences a scan).
FLOOD = max(50000, int(os.environ.get("WARDSEC_FIM_FLOOD", "1000000")))


def status(w, state):
    p = cli(w, "agent", "status", "--state", state, check=False)
    try:
        return json.loads(p.stdout)
    except ValueError:
        return {}


def enrol(r, srv, w, t, port, config):
    sys_ = srv.admin("sysadmin")
    code, res = sys_.post("/api/v1/agents/groups", {"name": "load", "config": config})
    r.check(code == 200, f"the group's configuration is stored ({code} {res})")
    code, tok = sys_.post("/api/v1/agents/tokens", {"group": "load", "uses": 1, "days": 1})
    state = os.path.join(t, "agent")
    cli(w, "agent", "enroll", "--center", f"127.0.0.1:{port}", "--token", tok["token"], "--ca-fingerprint", tok["ca_fingerprint"],
        "--state", state, "--name", "his-file-01")
    return state, json.load(open(os.path.join(state, "identity.json")))["id"]


def stop(agent):
    agent.terminate()
    try:
        agent.wait(30)
    except subprocess.TimeoutExpired:
        agent.kill()


def hot_writes(path, per_second, seconds):
    """Rewrites `path` per_second times a second for `seconds`: the number of writes made."""
    n = 0
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        with open(path, "w") as f:
            f.write(f"counter={n}\n")
        n += 1
        ahead = n / per_second - (time.monotonic() - start)
        if ahead > 0:
            time.sleep(ahead)
    return n


def body(r):
    a = args()
    w = a.wardsec
    with TempDir() as t:
        port = free_port()
        cfg = os.path.join(t, "wardsec.yaml")
        with open(cfg, "w") as f:
            f.write(f"agents:\n  listen: 127.0.0.1:{port}\n")
        hot, flood = os.path.join(t, "hot"), os.path.join(t, "flood")
        os.makedirs(hot)
        os.makedirs(flood)
        config = {"heartbeat_seconds": 1, "logs": [], "fim_paths": [hot, flood], "diff_paths": [], "trusted_paths": [],
                  "whodata": False, "fim_scan_minutes": 1440, "inventory_minutes": 1440, "checks_minutes": 1440, "trusted_minutes": 1440}
        with Server(w, os.path.join(t, "data"), ["--config", cfg]) as srv:
            state, agent_id = enrol(r, srv, w, t, port, config)
            sec = srv.admin("secadmin")
            log = open(os.path.join(t, "agent.log"), "ab")
            agent = subprocess.Popen([w, "agent", "run", "--state", state], stdout=log, stderr=log)
            try:
                wait_for(lambda: status(w, state).get("config_version", 0) > 0 and status(w, state).get("fim_watches", 0) >= 2, 30,
                         "the agent to take its configuration and watch")
                hot_file = os.path.join(hot, "his.conf")
                with open(hot_file, "w") as f:
                    f.write("counter=start\n")
                time.sleep(2)
                # A file written 1,000 times a second.
                before = status(w, state)
                writes = hot_writes(hot_file, 1000, 10)
                time.sleep(3)
                after = status(w, state)
                code, d = sec.get(f"/api/v1/agents/{agent_id}")
                hot_events = [e for e in d.get("fim", []) if e["path"] == hot_file and e["action"] == "modified"]
                coalesced = after.get("fim_coalesced", 0) - before.get("fim_coalesced", 0)
                print(f"{writes} writes in 10 s: {len(hot_events)} integrity events at the center, {coalesced} notifications coalesced")
                r.check(writes >= 5000, f"the writer made thousands of writes ({writes})")
                r.check(1 <= len(hot_events) <= 30, f"the writes are coalesced into about one event a second ({len(hot_events)})")
                r.check(coalesced >= writes // 2, f"the coalesced notifications are counted ({coalesced} for {writes} writes)")
                # A million files under a watched folder while the agent runs.
                t0 = time.time()
                for i in range(FLOOD):
                    os.close(os.open(os.path.join(flood, f"f{i:07d}"), os.O_CREAT | os.O_WRONLY, 0o644))
                made = time.time() - t0
                wait_for(lambda: status(w, state).get("fim_files", 0) >= FLOOD, 900, f"a scan over the {FLOOD} files", interval=2)
                took = time.time() - t0
                st = status(w, state)
                print(f"{FLOOD} files made in {made:.0f} s; scanned by {took:.0f} s; status: "
                      + json.dumps({k: v for k, v in st.items() if k.startswith("fim_") or k in ("rss_kib", "cpu_ms")}))
                r.check(agent.poll() is None and srv.proc.poll() is None, "the agent and the center still run")
                r.check(st.get("fim_dropped", 0) > 0, f"the notifications that did not fit are counted ({st.get('fim_dropped')})")
                r.check(st.get("fim_not_itemised", 0) > 0, f"the differences past the limit are counted ({st.get('fim_not_itemised')})")
                r.check(st.get("rss_kib", 0) < 512 * 1024, f"the agent's memory stays bounded ({st.get('rss_kib', 0) // 1024} MiB)")

                def more_event():
                    q = f"agent.id:{agent_id} AND event.dataset:agent.fim AND event.action:more"
                    code, res = sec.get("/api/v1/search?" + urllib.parse.urlencode({"q": q, "limit": 10, "from": "now-1d"}))
                    return (res.get("events") or [None])[0] if code == 200 else None
                try:
                    more = wait_for(more_event, 300, "the event counting what was not itemised", interval=2)
                except AssertionError:
                    print("outbox:", len(os.listdir(os.path.join(state, "outbox"))), "status:", status(w, state))
                    raise
                print("not itemised:", more.get("message"), more.get("event.original", "")[:300])
                r.check(flood in more.get("message", ""), "one event counts the differences not itemised, naming their folder")
                code, al = sec.get("/api/v1/alerts?" + urllib.parse.urlencode({"rule": "wardsec.agent.fim_change", "limit": 1000}))
                flood_alerts = [x for x in al.get("alerts", []) if flood in (x.get("summary") or "")]
                r.check(code == 200 and 1 <= len(flood_alerts) <= 2, f"the flood is one alert for its folder, not thousands ({len(flood_alerts)})")
            finally:
                stop(agent)
            full_disk(r, srv, w, t, port)


def full_disk(r, srv, w, t, port):
    small = os.path.join(t, "small")
    os.makedirs(small)
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", small], capture_output=True).returncode != 0:
        print("SKIP the full-disk case: mounting a tmpfs needs root")
        return
    try:
        sys_ = srv.admin("sysadmin")
        app = os.path.join(t, "full.log")
        open(app, "w").close()
        config = {"heartbeat_seconds": 1, "logs": [app], "fim_paths": [], "trusted_paths": [], "whodata": False, "spool_mib": 64,
                  "inventory_minutes": 1440, "checks_minutes": 1440, "trusted_minutes": 1440}
        code, res = sys_.post("/api/v1/agents/groups", {"name": "small", "config": config})
        code, tok = sys_.post("/api/v1/agents/tokens", {"group": "small", "uses": 1, "days": 1})
        state = os.path.join(small, "agent")
        cli(w, "agent", "enroll", "--center", f"127.0.0.1:{port}", "--token", tok["token"], "--ca-fingerprint", tok["ca_fingerprint"],
            "--state", state, "--name", "his-full-01")
        log = open(os.path.join(t, "agent-full.log"), "ab")
        agent = subprocess.Popen([w, "agent", "run", "--state", state], stdout=log, stderr=log)
        try:
            wait_for(lambda: status(w, state).get("config_version", 0) > 0, 30, "the agent on the small disk to start")
            srv.kill9()
            n = 9000  # 3.8 MB of lines for a 2 MiB disk
            with open(app, "a") as f:
                for i in range(n):
                    f.write(f"Dec  7 10:00:00 his-full-01 his[42]: order full-{i:06d} " + "x" * 400 + "\n")
            wait_for(lambda: os.statvfs(small).f_bavail * os.statvfs(small).f_frsize < 512 * 1024, 60, "the small disk to fill")
            time.sleep(3)  # the agent meets the full disk and keeps what it read
            srv.start()
            sec = srv.admin("secadmin")

            def stored():
                q = 'log.file.path:*full.log*'
                code, res = sec.get("/api/v1/search?" + urllib.parse.urlencode({"q": q, "limit": 10000, "from": "now-7d"}))
                seen = {}
                for e in res.get("events", []) if code == 200 else []:
                    for word in (e.get("message") or "").split():
                        if word.startswith("full-"):
                            seen[word] = seen.get(word, 0) + 1
                return seen
            try:
                wait_for(lambda: len(stored()) >= n, 180, "every line from the full disk", interval=2)
            except AssertionError:
                print("status:", status(w, state))
            time.sleep(2)
            seen = stored()
            r.check(agent.poll() is None, "the agent kept running on a full disk")
            r.check(len(seen) == n and all(v == 1 for v in seen.values()),
                    f"every line read while the disk was full arrives exactly once ({len(seen)} of {n}, {sum(seen.values())} stored)")
        finally:
            stop(agent)
    finally:
        subprocess.run(["umount", "-l", small], capture_output=True)


if __name__ == "__main__":
    run("agents_load", body)
