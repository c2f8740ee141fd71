"""`wardsec check center` (issue #4): the center's evidence about itself, from a running center
with the demo inventory: the three administrators enrolled and audited, which assets sent logs,
retention, a source whose clock is ten minutes off, alerts, backups (none, run but never restored, restored, failed); and the
results recorded as evidence on a graded system."""
import json
import os
import socket
from datetime import datetime, timedelta, timezone

from harness import demo_inventory, Server, TempDir, args, cli, count, run, wait_for

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


def send(port, lines):
    s = socket.create_connection(("127.0.0.1", port))
    for l in lines:
        s.sendall((l + "\n").encode())
    s.close()


def body(r):
    a = args()
    w = a.wardsec
    with TempDir() as t:
        data = os.path.join(t, "data")
        demo_inventory(w, data)
        with Server(w, data) as srv:
            admins = {u: srv.first_login(u) for u in ("sysadmin", "secadmin", "auditadmin")}
            now = datetime.now(timezone.utc)
            iso = lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            good = [f"<38>1 {iso(now)} {h} sshd 1 - - Accepted publickey for ops from 10.30.0.5 port 5{i} ssh2"
                    for i, h in enumerate(["his-app-01", "his-db-01", "emr-app-01", "fw-core-01"])]
            skewed = [f"<38>1 {iso(now - timedelta(minutes=10))} pacs-app-01 sshd 1 - - session opened for user pacs{i}" for i in range(5)]
            send(srv.tcp, good + skewed)
            wait_for(lambda: count(w, data, "host.name:pacs-app-01 OR host.name:fw-core-01") >= 6, 20, "the lines stored and sealed")
            res = cli(w, "check", "center", "--data", data, "--format", "json", "--record", "his")
            got = {j["check.id"]: j for j in map(json.loads, res.stdout.splitlines())}
            r.check(set(got) == {"center.three_roles", "center.log_sources", "center.retention", "center.time_sync",
                                 "center.alerts_handled", "center.backups"}, f"six checks ({sorted(got)})")
            tr = got["center.three_roles"]
            r.check(tr["result"] == "pass" and "MC.AUD.a" in tr["requirements"] and any("audited" in e["text"] for e in tr["evidence"]),
                    f"three administrators with TOTP and an audit trail: pass ({tr['reason']})")
            audited = [e["text"] for e in tr["evidence"] if "audited" in e["text"]][0]
            r.check(" 0 whose signature fails" in audited and " 0 signed" not in audited,
                    f"the audit records' signatures by the instance key are checked ({audited})")
            ls = got["center.log_sources"]
            texts = " ".join(e["text"] for e in ls["evidence"])
            r.check(ls["result"] == "fail" and "5 of 22 assets sent logs" in texts and "no logs in 24 hours: ris-app-01" in texts
                    and "his-app-01" not in texts.split("sent logs")[1], f"silent assets are named ({ls['reason']})")
            ts = got["center.time_sync"]
            r.check(ts["result"] == "fail" and any(e["text"].startswith("pacs-app-01: clock off by about 6") for e in ts["evidence"])
                    and not any(e["text"].startswith("his-app-01:") for e in ts["evidence"]),
                    f"the source ten minutes off is named, the others are not ({[e['text'] for e in ts['evidence']]})")
            r.check(got["center.retention"]["result"] == "pass", "retention of 180 days passes")
            r.check(got["center.backups"]["result"] == "na" and "forward the backup server" in got["center.backups"]["reason"],
                    "without backup logs the backup check says it cannot judge, and what to forward")
            # The backup server's logs: nightly runs, then a restore test, then a failing job.
            def backups():
                res = cli(w, "check", "center", "--data", data, "--format", "json")
                return [json.loads(l) for l in res.stdout.splitlines() if "center.backups" in l][0]
            ago = lambda h: iso(now - timedelta(hours=h))
            send(srv.tcp, [f"<78>1 {ago(h)} backup-01 bacula-dir 1 - - JobId {500 + h}: Backup OK -- HIS_DB_Full 312.4 GB in 01:12:00" for h in (27, 3)])
            wait_for(lambda: count(w, data, "process.name:bacula-dir") >= 2, 20, "the backup logs stored")
            b = backups()
            r.check(b["result"] == "fail" and "restore" in b["reason"] and any("HIS_DB_Full: last run succeeded" in e["text"] for e in b["evidence"]),
                    f"backups that run but were never restored are not verified ({b['reason']})")
            send(srv.tcp, [f"<78>1 {ago(2)} backup-01 bacula-dir 1 - - JobId 600: Restore OK -- HIS_DB_Restore_Test 312.4 GB restored to his-db-standby"])
            wait_for(lambda: count(w, data, "process.name:bacula-dir") >= 3, 20, "the restore test stored")
            b = backups()
            r.check(b["result"] == "pass" and any("latest restore/verify" in e["text"] for e in b["evidence"]),
                    f"recent successful backups and a restore test pass ({b['reason']})")
            send(srv.tcp, [f"<78>1 {ago(1)} backup-01 bacula-dir 1 - - JobId 601: Backup Error -- EMR_DB_Full: Fatal error: Network error with FD"])
            wait_for(lambda: count(w, data, "process.name:bacula-dir") >= 4, 20, "the failed backup stored")
            b = backups()
            r.check(b["result"] == "fail" and "EMR_DB_Full" in b["reason"], f"a job whose last run failed is named ({b['reason']})")
            code, item = admins["secadmin"].get("/api/v1/compliance/systems/his/items/MC.SYS.a")
            r.check(code == 200 and any(e["kind"] == "check" and e["source"] == "center.three_roles@wardsec" for e in item["evidence"]),
                    "the results are recorded as evidence on the graded system's items")
        cfg = os.path.join(t, "short.yaml")
        open(cfg, "w").write("store:\n  retention_days: 30\n")
        res = cli(w, "check", "center", "--data", data, "--config", cfg, "--format", "json")
        rt = [json.loads(l) for l in res.stdout.splitlines() if "center.retention" in l][0]
        r.check(rt["result"] == "fail" and "180" in rt["reason"], "a retention under 180 days fails")
        res = cli(w, "check", "center", "--data", os.path.join(t, "nowhere"), check=False)
        r.check(res.returncode == 2 and "nowhere" in res.stderr, "a missing data folder is named")


if __name__ == "__main__":
    run("center_check", body)
