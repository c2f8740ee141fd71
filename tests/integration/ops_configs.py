"""The configuration record of network devices (及时记录网络设备的配置变更, issue #20) with real
parts: OpenSSH's sshd on loopback as a Huawei switch (a forced command that answers
`display current-configuration`, in a command channel and in an interactive shell), its change
log lines sent over syslog, and the bastion's vault holding the login. Checked: the baseline; a
change found from the device's own CMDRECORD line, fetched after a quiet second, with who, from
where and which commands, and an alert when no ticket or window covers it; a change under a
ticket and in a window raises none; a silent change (no log line) found by a fetch is a high
alert; read-only commands fetch nothing; secrets never kept in clear; uploads; a changed host key
refused (a man in the middle); the 三员 split of who may do what; everything in the audit trail."""
import json
import os
import socket
import subprocess
import time
import urllib.parse

from harness import Server, TempDir, args, free_port, run, wait_for
from sshd import start_sshd

BASE = """#
sysname HIS-CORE-SW01
#
vlan batch 10 20
#
snmp-agent community read cipher %^%#TopSecretCommunity%^%#
#
aaa
 local-user admin password irreversible-cipher $1a$VeryPrivateHash$
#
interface GigabitEthernet0/0/1
 port link-type access
 port default vlan 10
#
return
"""

FAKE = """#!/bin/sh
conf="{conf}"
if [ -n "$SSH_ORIGINAL_COMMAND" ]; then
  case "$SSH_ORIGINAL_COMMAND" in
    "display current-configuration") cat "$conf"; exit 0;;
    *) echo "Error: Unrecognized command found at '^' position." >&2; exit 1;;
  esac
fi
printf 'Info: The max number of VTY users is 5.\\r\\n<HIS-CORE-SW01>'
while IFS= read -r line; do
  line=$(printf '%s' "$line" | tr -d '\\r')
  case "$line" in
    "screen-length 0 temporary") printf 'Info: The configuration takes effect on the current user terminal interface only.\\r\\n<HIS-CORE-SW01>';;
    "display current-configuration") cat "$conf"; printf '<HIS-CORE-SW01>';;
    quit) exit 0;;
    *) printf '<HIS-CORE-SW01>';;
  esac
done
"""


def send(port, lines):
    with socket.create_connection(("127.0.0.1", port)) as s:
        for line in lines:
            s.sendall((line + "\n").encode())


def cmdrecord(cmd, user="netadmin", ip="10.30.0.15"):
    stamp = time.strftime("%b %d %H:%M:%S", time.localtime())
    return (f"<189>{stamp} HIS-CORE-SW01 %%01SHELL/5/CMDRECORD(s)[5]:Recorded command information. (Task=VT0, Ip={ip}, VpnName=, "
            f"User={user}, AuthenticationMethod=\"Local-user\", Command=\"{cmd}\")")


def body(r):
    a = args()
    with TempDir() as t:
        conf_path = os.path.join(t, "running.cfg")
        with open(conf_path, "w") as f:
            f.write(BASE)
        fake = os.path.join(t, "fake-device.sh")
        with open(fake, "w") as f:
            f.write(FAKE.format(conf=conf_path))
        os.chmod(fake, 0o755)
        tport, bport = free_port(), free_port()
        sshd, key = start_sshd(t, tport, fake)
        cfg = os.path.join(t, "wardsec.yaml")
        with open(cfg, "w") as f:
            f.write(f"bastion:\n  listen: 127.0.0.1:{bport}\n")
        data = os.path.join(t, "data")
        try:
            with Server(a.wardsec, data, extra=["--config", cfg]) as srv:
                sshd = run_all(r, srv, t, tport, fake, key, conf_path, sshd)
        finally:
            sshd.terminate()
            sshd.wait()


def run_all(r, srv, t, tport, fake, key, conf_path, sshd):
    sysadmin, secadmin, auditadmin = srv.admin("sysadmin"), srv.admin("secadmin"), srv.admin("auditadmin")
    code, acc = sysadmin.post("/api/v1/bastion/accounts", {"asset": "his-core-sw01", "host": "127.0.0.1", "port": tport,
                                                           "username": os.environ.get("USER", "root"), "auth": "key", "secret": key})
    r.check(code == 201, f"the switch's login is put in the bastion's vault: {code} {acc}")
    acc_id = acc["account"]["id"] if "account" in acc else acc.get("id")
    dev = {"id": "core-sw-01", "name": "核心交换机 01", "asset": "his-core-sw01", "host": "127.0.0.1", "account": acc_id, "vendor": "huawei",
           "mode": "exec", "interval_hours": 24}
    code, _ = secadmin.post("/api/v1/ops/configs", dev)
    r.check(code == 403, f"the security administrator cannot register devices to log into (三员): {code}")
    code, bad = sysadmin.post("/api/v1/ops/configs", dict(dev, account=99999))
    r.check(code == 400 and "99999" in bad["error"], f"a device with a host account the vault lacks is refused, naming it: {code} {bad}")
    code, bad = sysadmin.post("/api/v1/ops/configs", dict(dev, command="reload"))
    r.check(code == 400 and "command" in bad["error"], f"the center runs only commands that read (no grant covers its login): {code} {bad}")
    code, bad = sysadmin.post("/api/v1/ops/configs", dict(dev, command="display current-configuration; reboot"))
    r.check(code == 400, f"nor a read command with another chained: {code}")
    code, bad = sysadmin.post("/api/v1/ops/configs", dict(dev, mode="telnet"))
    r.check(code == 400 and "mode" in bad["error"], f"a wrong field is named: {code} {bad}")
    code, _ = sysadmin.post("/api/v1/ops/configs", dev)
    r.check(code == 201, f"the system administrator registers the switch: {code}")
    code, _ = sysadmin.call("PUT", "/api/v1/ops/change-policy", {"windows": [{"from": "00:00", "to": "24:00"}]})
    r.check(code == 403, f"the system administrator cannot open a change window for his own changes (三员): {code}")
    code, pol = secadmin.call("PUT", "/api/v1/ops/change-policy", {"windows": [{"days": [8], "from": "01:00", "to": "02:00"}]})
    r.check(code == 400 and "windows[0].days" in pol["error"], f"a bad window is named: {code} {pol}")
    code, _ = secadmin.call("PUT", "/api/v1/ops/change-policy", {"debounce_seconds": 1, "windows": []})
    r.check(code == 200, f"the security administrator sets the policy: {code}")

    # The first fetch: the baseline (the job fetches a device it never fetched at once).
    def versions(dev_id="core-sw-01"):
        return sysadmin.get(f"/api/v1/ops/configs/{dev_id}/versions")[1]["versions"]
    vs = wait_for(lambda: versions() or None, 60, "the baseline", interval=0.5)
    r.check(vs[0]["source"] == "baseline" and vs[0]["planned"] == "baseline", f"the first version is the baseline: {vs[0]}")
    code, v0 = sysadmin.get(f"/api/v1/ops/config-versions/{vs[0]['id']}")
    content = v0["version"]["content"]
    r.check("sysname HIS-CORE-SW01" in content and "TopSecretCommunity" not in content and "VeryPrivateHash" not in content
            and content.count("<secret:") == 2, f"the text is kept with its secrets masked: {content!r}")

    # A change the device logs: fetched after a quiet second; who, where, what; unplanned → alert.
    with open(conf_path, "w") as f:
        f.write(BASE.replace("vlan batch 10 20", "vlan batch 10 20 30"))
    send(srv.tcp, [cmdrecord("display current-configuration"), cmdrecord("system-view"), cmdrecord("vlan batch 30")])
    vs = wait_for(lambda: len(versions()) >= 2 and versions(), 60, "the changed version", interval=0.5)
    v1 = vs[0]
    r.check(v1["source"] == "log" and v1["users"] == ["netadmin"] and v1["ips"] == ["10.30.0.15"] and v1["commands"] == ["vlan batch 30"],
            f"the change names who, from where and the command (read-only ones left out): {v1}")
    r.check(v1["planned"] == "" and v1["alert_id"] > 0 and v1["added"] == 1 and v1["removed"] == 1, f"an unplanned change: {v1}")
    code, d = sysadmin.get(f"/api/v1/ops/config-versions/{v1['id']}/diff")
    r.check("+vlan batch 10 20 30" in d["diff"] and "-vlan batch 10 20" in d["diff"], f"the diff shows the change: {d}")
    code, al = secadmin.get(f"/api/v1/alerts/{v1['alert_id']}")
    alert = al.get("alert", al)
    r.check(alert.get("rule.id", alert.get("rule_id")) == "wardsec.ops.config_unplanned" and "netadmin" in json.dumps(alert, ensure_ascii=False),
            f"the unplanned change is an alert naming who: {str(alert)[:300]}")
    def records():
        hits = secadmin.get("/api/v1/search?" + urllib.parse.urlencode({"q": "event.dataset:wardsec.config", "from": "now-1h", "limit": 100}))[1]["events"]
        return hits if len(hits) >= 2 else None
    hits = wait_for(records, 15, "the change records", interval=0.5)
    r.check(all("wardsec.config.signature" in json.dumps(h) for h in hits) and any("config_baseline" in json.dumps(h) for h in hits),
            f"the baseline and the change are signed records in the store: {json.dumps(hits[0], ensure_ascii=False)[:300]}")

    # Read-only commands: no fetch.
    send(srv.tcp, [cmdrecord("display vlan"), cmdrecord("dis cur"), cmdrecord("ping 10.20.0.1")])
    time.sleep(3)
    code, lst = sysadmin.get("/api/v1/ops/configs/core-sw-01/versions")
    r.check(len(lst["versions"]) == 2 and lst["pending"] == [], f"read-only commands change nothing and fetch nothing: {len(lst['versions'])} {lst['pending']}")

    # A silent change (no log line), found by a fetch: a high alert.
    with open(conf_path, "w") as f:
        f.write(BASE.replace("vlan batch 10 20", "vlan batch 10 20 30").replace("port default vlan 10", "port default vlan 20"))
    code, _ = sysadmin.post("/api/v1/ops/configs/core-sw-01/fetch", {})
    r.check(code == 202, f"a fetch is asked for: {code}")
    vs = wait_for(lambda: len(versions()) >= 3 and versions(), 60, "the silent change", interval=0.5)
    code, al = secadmin.get(f"/api/v1/alerts/{vs[0]['alert_id']}")
    alert = al.get("alert", al)
    r.check(vs[0]["source"] == "manual" and vs[0]["users"] == [] and vs[0]["planned"] == "" and alert.get("event.severity_name", alert.get("level")) == "high",
            f"a change no log line announced is a high alert: {vs[0]} {str(alert)[:200]}")

    # A ticket: filed before, it covers the next change; it cannot be back-dated or withdrawn once started.
    now = time.time()
    iso = lambda s: time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(s))
    code, bad = sysadmin.post("/api/v1/ops/change-tickets", {"id": "BG-2026-001", "title": "补登", "devices": ["core-sw-01"],
                                                             "starts": iso(now - 3600), "ends": iso(now + 3600)})
    r.check(code == 400, f"a ticket cannot be back-dated to cover a change already made: {code} {bad}")
    code, _ = sysadmin.post("/api/v1/ops/change-tickets", {"id": "BG-2026-002", "title": "新增 VLAN 40", "devices": ["core-sw-01"],
                                                           "starts": iso(now), "ends": iso(now + 40)})
    r.check(code == 201, f"a ticket is filed: {code}")
    code, _ = sysadmin.post("/api/v1/ops/change-tickets/BG-2026-002/approve", {})
    r.check(code == 403, f"whoever makes the change cannot approve its ticket (三员): {code}")
    time.sleep(1)
    with open(conf_path, "w") as f:
        f.write(BASE.replace("vlan batch 10 20", "vlan batch 10 20 30 40").replace("port default vlan 10", "port default vlan 20"))
    send(srv.tcp, [cmdrecord("vlan batch 40", user="zhangwei")])
    vs = wait_for(lambda: len(versions()) >= 4 and versions(), 60, "the change under an unapproved ticket", interval=0.5)
    r.check(vs[0]["planned"] == "" and vs[0]["alert_id"] > 0, f"a ticket not yet approved covers nothing: {vs[0]['planned']!r}")
    code, _ = secadmin.post("/api/v1/ops/change-tickets/BG-2026-002/approve", {})
    r.check(code == 200, f"the security administrator approves the ticket: {code}")
    tk = [x for x in sysadmin.get("/api/v1/ops/configs")[1]["tickets"] if x["id"] == "BG-2026-002"]
    r.check(tk and tk[0]["approved_by"] == "secadmin" and tk[0]["approved_at"] > 0, f"the ticket shows who approved it: {tk}")
    time.sleep(1)
    with open(conf_path, "w") as f:
        f.write(BASE.replace("vlan batch 10 20", "vlan batch 10 20 30 40 50").replace("port default vlan 10", "port default vlan 20"))
    send(srv.tcp, [cmdrecord("vlan batch 50", user="zhangwei")])
    vs = wait_for(lambda: len(versions()) >= 5 and versions(), 60, "the ticketed version", interval=0.5)
    r.check(vs[0]["planned"] == "ticket" and vs[0]["ticket"] == "BG-2026-002" and vs[0]["alert_id"] == 0, f"a change under an approved ticket is planned: {vs[0]}")
    code, _ = sysadmin.call("DELETE", "/api/v1/ops/change-tickets/BG-2026-002")
    r.check(code == 409, f"a started ticket stays as a record: {code}")

    # The same configuration through an interactive shell: the same text (prompts and echo gone).
    code, _ = sysadmin.post("/api/v1/ops/configs", dict(dev, id="core-sw-01-shell", mode="shell"))
    vsh = wait_for(lambda: versions("core-sw-01-shell") or None, 60, "the shell fetch", interval=0.5)
    code, v = sysadmin.get(f"/api/v1/ops/config-versions/{vsh[0]['id']}")
    code, v4 = sysadmin.get(f"/api/v1/ops/config-versions/{versions()[0]['id']}")
    r.check(v["version"]["content"] == v4["version"]["content"], f"a shell fetch keeps the same text as a command fetch: {v['version']['content'][:300]!r}")

    # A window: a change inside it is planned (once the ticket has ended).
    time.sleep(max(0, now + 41 - time.time()))
    code, _ = secadmin.call("PUT", "/api/v1/ops/change-policy", {"windows": [{"from": "00:00", "to": "24:00"}]})
    with open(conf_path, "w") as f:
        f.write(BASE.replace("port link-type access", "port link-type trunk"))
    send(srv.tcp, [cmdrecord("port link-type trunk")])
    vs = wait_for(lambda: len(versions()) >= 6 and versions(), 60, "the windowed version", interval=0.5)
    r.check(vs[0]["planned"] == "window" and vs[0]["alert_id"] == 0, f"a change in a change window is planned: {vs[0]}")

    # Uploads: a device with no login.
    code, _ = sysadmin.post("/api/v1/ops/configs", {"id": "fw-01", "asset": "his-fw-01", "vendor": "other"})
    code, up = sysadmin.post("/api/v1/ops/configs/fw-01/upload", {"content": "hostname fw\nset admin password Secret123\n", "note": "导出"})
    r.check(code == 201 and up["version"]["source"] == "baseline", f"an uploaded configuration is the baseline: {code} {up}")
    code, up = sysadmin.post("/api/v1/ops/configs/fw-01/upload", {"content": "hostname fw\r\nset admin password Secret123\r\n"})
    r.check(code == 200 and up.get("unchanged"), f"the same text again keeps no version: {code} {up}")
    code, up = sysadmin.post("/api/v1/ops/configs/fw-01/upload", {"content": 42})
    r.check(code == 400, f"a bad upload is refused: {code}")
    code, _ = sysadmin.post("/api/v1/ops/configs/fw-01/fetch", {})
    r.check(code == 400, f"a device with no login cannot be fetched: {code}")

    # A man in the middle: the switch's host key changes; the fetch is refused and alerts.
    sshd.terminate()
    sshd.wait()
    sshd, _ = start_sshd(t, tport, fake)
    sysadmin.post("/api/v1/ops/configs/core-sw-01/fetch", {})

    def failed():
        d = [x for x in sysadmin.get("/api/v1/ops/configs")[1]["devices"] if x["id"] == "core-sw-01"][0]
        return d if d["last_error"] else None
    d = wait_for(failed, 60, "the refused fetch", interval=0.5)
    r.check("host key changed" in d["last_error"], f"a changed host key is refused: {d['last_error']}")
    code, al = secadmin.get("/api/v1/alerts?" + urllib.parse.urlencode({"rule": "wardsec.ops.config_fetch_failed"}))
    r.check(code == 200 and al["alerts"], f"the refused fetch is an alert: {code}")

    want = ["config_device_create", "config_upload", "change_ticket_create", "change_ticket_approve", "change_policy_change", "config_fetch"]
    def missing():
        trail = ""
        for w in want:
            code, au = auditadmin.get("/api/v1/audit?" + urllib.parse.urlencode({"q": "event.action:" + w, "limit": 20}))
            trail += json.dumps(au.get("events", [])) if code == 200 else str(au)
        return [w for w in want if w not in trail]
    try:
        wait_for(lambda: not missing(), 20, "the audit trail", interval=1)
    except Exception:
        pass
    r.check(not missing(), f"every change of the record is in the audit trail: {missing()}")
    return sshd


if __name__ == "__main__":
    run("ops_configs", body)
