"""The daily log export (每日导出关键设备日志, issue #20), with the real binary: yesterday's lines
of each device in one gzip file each, exactly as they came, sealed with a signed manifest that
`wardsec verify --export` checks offline (and that catches a changed, added or removed file and a
changed manifest); only the key devices when they are named; the center's own daily job, recorded
in the store; an export that cannot be written raises an alert."""
import datetime
import gzip
import json
import os
import socket
import time
import urllib.parse

from harness import CENTER_TZ, Server, TempDir, args, cli, count, free_port, run, wait_for
from sshd import start_sshd

TZ = CENTER_TZ


def send(port, lines):
    with socket.create_connection(("127.0.0.1", port)) as s:
        for line in lines:
            s.sendall((line + "\n").encode())


def body(r):
    a = args()
    today = datetime.datetime.now(TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    y = today - datetime.timedelta(days=1)
    day = y.strftime("%Y-%m-%d")
    stamp = lambda h, m: (y + datetime.timedelta(hours=h, minutes=m)).isoformat()
    lines = {
        "rk-fw-01": [f"<134>1 {stamp(9, i)} rk-fw-01 fw - - - deny tcp 10.40.0.{i} -> 10.20.1.10:1433 第{i}条" for i in range(20)],
        "rk-core-sw-01": [f"<189>1 {stamp(13, i)} rk-core-sw-01 ifmgr - - - interface GE1/0/{i} changed state to up" for i in range(7)],
        "his-app-01": [f"<38>1 {stamp(23, 50)} his-app-01 sshd 1 - - Accepted publickey for ops from 10.30.0.9 port 5022{i} ssh2" for i in range(3)],
    }
    late = f"<38>1 {today.isoformat()} his-app-01 sshd 1 - - today's line, not yesterday's"
    with TempDir() as t:
        data = os.path.join(t, "data")
        conf = os.path.join(t, "wardsec.yaml")
        with open(conf, "w") as f:
            # the center's own job: due at once; the bastion's vault holds the backup server's login
            f.write(f"ops: {{export: {{at: \"00:00\"}}}}\nbastion: {{listen: 127.0.0.1:{free_port()}}}\n")
        backup = os.path.join(t, "backup-server")
        os.makedirs(backup)
        sport = free_port()
        sshd, key = start_sshd(backup, sport)
        try:
            with Server(a.wardsec, data, ["--config", conf]) as srv:
                center_job(r, a, srv, data, conf, t, day, lines, late, today, backup, sport, key)
        finally:
            sshd.terminate()
            sshd.wait()
        key_devices_and_failure(r, a, data, conf, t, day)


def center_job(r, a, srv, data, conf, t, day, lines, late, today, backup, sport, key):
    # The backup target: SFTP to a backup server with a host account of the vault.
    sysadmin = srv.admin("sysadmin")
    code, acc = sysadmin.post("/api/v1/bastion/accounts", {"asset": "backup-01", "host": "127.0.0.1", "port": sport,
                                                           "username": os.environ.get("USER", "root"), "auth": "key", "secret": key})
    acc_id = acc["account"]["id"] if "account" in acc else acc.get("id")
    code, bad = sysadmin.call("PUT", "/api/v1/ops/export-target", {"account": acc_id, "dir": "relative/path"})
    r.check(code == 400 and "dir" in bad["error"], f"a backup folder must be absolute: {code} {bad}")
    code, _ = sysadmin.call("PUT", "/api/v1/ops/export-target", {"account": acc_id, "dir": backup + "/wardsec"})
    r.check(code == 200, f"the backup target is set: {code}")
    send(srv.tcp, [l for ls in lines.values() for l in ls] + [late])
    wait_for(lambda: count(a.wardsec, data, "host.name:rk-fw-01 OR host.name:rk-core-sw-01 OR host.name:his-app-01") == 31, 30, "the lines stored")
    # By hand, into another folder (the job writes <data>/exports).
    out = os.path.join(t, "by-hand")
    res = cli(a.wardsec, "ops", "export", "--data", data, "--config", conf, "--day", day, "--dir", out)
    r.check(res.returncode == 0 and "3 devices, 30 lines" in res.stdout, f"yesterday is exported: 3 devices, 30 lines ({res.stdout.strip()} {res.stderr.strip()})")
    d = os.path.join(out, day)
    for dev, ls in lines.items():
        got = gzip.open(os.path.join(d, "devices", dev + ".log.gz"), "rt", encoding="utf-8").read().splitlines()
        r.check(got == ls, f"{dev}: its file holds its lines exactly as they came, in order ({len(got)} of {len(ls)})")
    m = json.load(open(os.path.join(d, "manifest.json")))
    r.check(m["day"] == day and m["lines"] == 30 and len(m["files"]) == 3 and m["signature"]["key_fingerprint"],
            "the manifest names the day, the lines, each file's SHA-256 and the key")
    r.check(oct(os.stat(d).st_mode & 0o777) == "0o700" and all(oct(os.stat(os.path.join(d, "devices", f)).st_mode & 0o777) == "0o600"
                                                            for f in os.listdir(os.path.join(d, "devices"))), "the export is readable only by the service")
    res = cli(a.wardsec, "verify", "--export", d, check=False)
    r.check(res.returncode == 0 and "log export intact: 3 files" in res.stdout, f"the folder verifies offline ({res.stdout.strip()})")
    again = cli(a.wardsec, "ops", "export", "--data", data, "--config", conf, "--day", day, "--dir", out)
    r.check("exported already" in again.stdout, "a day exported is not written again")
    bad = cli(a.wardsec, "ops", "export", "--data", data, "--config", conf, "--day", today.strftime("%Y-%m-%d"), "--dir", out, check=False)
    r.check(bad.returncode != 0 and "has not ended" in bad.stderr, f"today cannot be exported before it ends ({bad.stderr.strip()})")

    # Tampering, each caught and named.
    fw = os.path.join(d, "devices", "rk-fw-01.log.gz")
    orig = open(fw, "rb").read()
    with gzip.open(fw, "wt", encoding="utf-8") as g:
        g.write("\n".join(lines["rk-fw-01"][1:]) + "\n")  # a line taken out
    res = cli(a.wardsec, "verify", "--export", d, check=False)
    r.check(res.returncode == 1 and "rk-fw-01.log.gz" in res.stderr and "changed" in res.stderr, f"a changed file is named ({res.stderr.strip()[:120]})")
    open(fw, "wb").write(orig)
    open(os.path.join(d, "devices", "extra.log.gz"), "wb").write(b"x")
    res = cli(a.wardsec, "verify", "--export", d, check=False)
    r.check(res.returncode == 1 and "extra.log.gz" in res.stderr, "an added file is named")
    os.remove(os.path.join(d, "devices", "extra.log.gz"))
    text = open(os.path.join(d, "manifest.json")).read()
    open(os.path.join(d, "manifest.json"), "w").write(text.replace('"lines": 30', '"lines": 29'))
    res = cli(a.wardsec, "verify", "--export", d, check=False)
    r.check(res.returncode == 1 and "signature does not verify" in res.stderr, "a changed manifest fails its signature")

    # The center's own job: yesterday into <data>/exports, recorded in the store.
    job = os.path.join(data, "exports", day, "manifest.json")
    wait_for(lambda: os.path.exists(job), 90, "the center's daily export", interval=1)
    r.check(json.load(open(job))["lines"] == 30, "the center exports yesterday by itself once the set time has passed")
    sec = srv.admin("secadmin")
    got = wait_for(lambda: sec.get("/api/v1/search?" + urllib.parse.urlencode({"q": "event.dataset:wardsec.export", "from": "now-1h"}))[1].get("events"),
                   20, "the export's record")
    r.check(day in json.dumps(got[0], ensure_ascii=False), "and the export itself is recorded in the store")
    # Sent on to the backup server, where it verifies as it did here.
    copy = os.path.join(backup, "wardsec", day)
    wait_for(lambda: os.path.exists(os.path.join(copy, "manifest.json")) and os.path.exists(os.path.join(data, "ops", "export_shipped.json")),
             150, "the export on the backup server", interval=1)
    res = cli(a.wardsec, "verify", "--export", copy, check=False)
    r.check(res.returncode == 0 and "intact" in res.stdout and not any(f.endswith(".part") for f in os.listdir(os.path.join(copy, "devices"))),
            f"the export is sent to the backup target over SFTP and verifies there ({res.stdout.strip()} {res.stderr.strip()[:200]})")


def key_devices_and_failure(r, a, data, conf, t, day):
    # Key devices only; and an export that cannot be written is alerted.
    with open(conf, "w") as f:
        f.write(f"ops: {{export: {{at: \"00:00\", devices: [\"rk-*\"], dir: \"{t}/not-a-folder/exports\"}}}}\n")
    open(os.path.join(t, "not-a-folder"), "w").write("a file where the folder should be")
    res = cli(a.wardsec, "ops", "export", "--data", data, "--config", conf, "--day", day, "--dir", os.path.join(t, "keys-only"))
    names = sorted(os.listdir(os.path.join(t, "keys-only", day, "devices")))
    r.check(names == ["rk-core-sw-01.log.gz", "rk-fw-01.log.gz"], f"with ops.export.devices only the key devices are exported ({names})")
    with Server(a.wardsec, data, ["--config", conf]) as srv:
        sec = srv.admin("secadmin")
        got = wait_for(lambda: sec.get("/api/v1/alerts?" + urllib.parse.urlencode({"rule": "wardsec.ops.export_failed"}))[1]["alerts"], 90,
                       "the export-failed alert", interval=1)
        r.check(got[0]["event.severity_name"] == "high" and day in got[0]["summary"], f"an export that cannot be written raises a high alert ({got[0]['summary'][:100]})")


if __name__ == "__main__":
    run("ops_export", body)
