"""Log sources and their health (运行监控, issue #20), with the real binary: a device whose logs
stop is marked 静默 and raises an alert, which the center closes itself when the logs come back;
a registered asset that never sent a line is named on the 日志源 page and alerted once; the
state is kept across a restart in a file only the service reads."""
import os
import socket
import time
import urllib.parse

from harness import Server, TempDir, args, run, wait_for
from probes_servers import snmpd


def send(port, host, n):
    stamp = time.strftime("%b %e %H:%M:%S")
    with socket.create_connection(("127.0.0.1", port)) as s:
        for i in range(n):
            s.sendall(f"<38>{stamp} {host} sshd[7]: Accepted publickey for ops from 10.30.0.9 port {50000 + i} ssh2\n".encode())


def source(sec, name):
    code, res = sec.get("/api/v1/sources?from=now-1h")
    rows = [x for x in res.get("sources", []) if x["source"] == name] if code == 200 else []
    return (rows[0] if rows else None), res


def alerts(sec, rule):
    code, res = sec.get("/api/v1/alerts?" + urllib.parse.urlencode({"rule": rule, "limit": 50}))
    return res["alerts"] if code == 200 else []


REM, MAN, LOC, CDP = ".1.0.8802.1.1.2.1.4.1.1", ".1.0.8802.1.1.2.1.4.2.1", ".1.0.8802.1.1.2.1.3.7.1", ".1.3.6.1.4.1.9.9.23.1.2.1.1"
# A core switch's LLDP and CDP tables: an access switch (chassis id a MAC) on GE1/0/5, the
# registered PACS server (chassis id a local name) on GE1/0/6, and a Cisco IP phone in the CDP cache.
SWITCH_TABLES = {
    ".1.0.8802.1.1.2": [
        (REM + ".4.0.5.1", "integer", "4"), (REM + ".5.0.5.1", "octet", "00 1b 21 5c 00 07"), (REM + ".6.0.5.1", "integer", "5"),
        (REM + ".7.0.5.1", "string", "GigabitEthernet0/0/24"), (REM + ".9.0.5.1", "string", "ops-access-sw-07"),
        (REM + ".10.0.5.1", "string", "Huawei Versatile Routing Platform Software V200R019"),
        (MAN + ".3.0.5.1.1.4.10.20.0.7", "integer", "2"),
        (REM + ".4.0.6.2", "integer", "7"), (REM + ".5.0.6.2", "string", "ops-pacs-01"), (REM + ".9.0.6.2", "string", "ops-pacs-01"),
        (LOC + ".3.5", "string", "GE1/0/5"), (LOC + ".3.6", "string", "GE1/0/6"),
    ],
    ".1.3.6.1.4.1.9.9.23": [
        (CDP + ".3.10101.1", "integer", "1"), (CDP + ".4.10101.1", "octet", "0a 14 00 09"), (CDP + ".6.10101.1", "string", "SEP001122334455"),
        (CDP + ".7.10101.1", "string", "Port 1"), (CDP + ".8.10101.1", "string", "Cisco IP Phone 8841"),
    ],
}


def neighbours(r, t, srv, sec):
    """A switch's LLDP/CDP neighbours, read by its SNMP probe, are devices on the network."""
    sysadm = srv.admin("sysadmin")
    with snmpd(t, "wk-ro-2026", "probeuser", "authpass-2026", "privpass-2026", SWITCH_TABLES) as port:
        code, res = sysadm.post("/api/v1/ops/probes", {"id": "core-sw", "kind": "snmp", "host": "127.0.0.1", "port": port, "community": "wk-ro-2026",
                                                       "interval_s": 10, "timeout_ms": 3000})
        r.check(code in (200, 201) and res.get("neighbours", True), f"an SNMP probe reads its neighbours unless told not to ({code} {res})")
        new = wait_for(lambda: (lambda x: x if len(x) >= 2 else None)(
            [a for a in alerts(sec, "wardsec.ops.new_device") if "LLDP/CDP" in a["summary"] and "@core-sw" in a["summary"]]), 40,
            "the neighbours' new-device alerts", interval=0.5)
        by = {a["host.name"]: a for a in new}
        sw = by.get("ops-access-sw-07", {}).get("summary", "")
        r.check("00:1b:21:5c:00:07" in sw and "10.20.0.7" in sw and "lldp@core-sw GE1/0/5" in sw and "GigabitEthernet0/0/24" in sw,
                f"an LLDP neighbour not in the inventory is a new device, with its MAC, address and both ports ({sw[:160]})")
        phone = by.get("SEP001122334455", {}).get("summary", "")
        r.check("cdp:SEP001122334455" in phone and "10.20.0.9" in phone, f"so is a CDP neighbour, by its device id ({phone[:120]})")
        time.sleep(2.5)
        r.check(not any("ops-pacs-01" in a["summary"] for a in alerts(sec, "wardsec.ops.new_device")),
                "the registered PACS server seen as a neighbour is not a new device")
        code, nd = sec.get("/api/v1/ops/netdevices")
        rows = {d["id"]: d for d in nd.get("devices", [])}
        pacs, sw = rows.get("lldp:ops-pacs-01", {}), rows.get("00:1b:21:5c:00:07", {})
        r.check(pacs.get("registered") is True and sw.get("registered") is False and sw.get("platform", "").startswith("Huawei")
                and sw.get("port") == "GigabitEthernet0/0/24", f"the neighbours are listed among the network's devices ({pacs}, {sw})")
        def detail():
            code, st = sysadm.get("/api/v1/ops/probes")
            return "".join(x.get("detail") or "" for x in st.get("probes", []) if x["id"] == "core-sw") or None
        d = wait_for(detail, 20, "the probe's state")  # saved every 10 s
        r.check("3 neighbours" in d, f"the probe's result says how many neighbours it read ({d})")
        sysadm.call("DELETE", "/api/v1/ops/probes/core-sw")


def body(r):
    a = args()
    with TempDir() as t:
        data = os.path.join(t, "data")
        conf = os.path.join(t, "wardsec.yaml")
        with open(conf, "w") as f:  # judged every second; silent after a minute; assets checked at once
            f.write("ops: {silent_minutes: 1, asset_grace_hours: 0, evaluate_seconds: 1}\n")
        with Server(a.wardsec, data, ["--config", conf]) as srv:
            sec = srv.admin("secadmin")
            code, res = sec.call("POST", "/api/v1/inventory/assets", raw="name,ip,type\nops-fw-01,10.10.9.1,security\nops-pacs-01,10.20.9.40,database\n".encode(),
                                 headers={"Content-Type": "text/csv"})
            r.check(code == 200, f"two assets registered ({code} {res})")
            send(srv.tcp, "ops-fw-01", 12)  # ten lines at least before its rhythm is judged
            row = wait_for(lambda: (lambda x: x if x and x.get("health") else None)(source(sec, "ops-fw-01")[0]), 15, "the firewall's health")
            h = row["health"]
            r.check(h["state"] == "ok" and sum(h["per_hour"]) == 12 and len(h["per_hour"]) == 24 and h["first"],
                    f"a live source is watched: 正常, its lines per hour, when it was first seen ({h['state']}, {sum(h['per_hour'])})")
            _, res = source(sec, "ops-fw-01")
            never = [x["name"] for x in res.get("never_sent", [])]
            r.check(never == ["ops-pacs-01"], f"the registered asset that never sent a line is named, the firewall is not ({never})")
            r.check(row.get("asset") and row["asset"]["name"] == "ops-fw-01" and row["address"] == "127.0.0.1",
                    f"the source is matched to its asset ({row.get('asset')}, {row.get('address')})")
            got = wait_for(lambda: alerts(sec, "wardsec.ops.asset_no_logs"), 10, "the never-sent alert")
            r.check(len(got) == 1 and got[0]["host.name"] == "ops-pacs-01" and got[0]["event.severity_name"] == "low",
                    f"and alerted once, low ({[(x['host.name'], x['event.severity_name']) for x in got]})")
            state = os.path.join(data, "ops", "sources.json")
            mode = oct(os.stat(state).st_mode & 0o777)
            r.check(mode == "0o600", f"the state is kept in a file only the service reads ({mode})")

            # Devices the network reveals: a DHCP server's leases name a registered server's MAC and an unknown one.
            stamp = time.strftime("%b %e %H:%M:%S")
            with socket.create_connection(("127.0.0.1", srv.tcp)) as s:
                s.sendall((f"<30>{stamp} dhcp-01 dhcpd[987]: DHCPACK on 10.20.9.40 to 00:1b:21:aa:bb:01 (ops-pacs-01) via eth1\n"
                           f"<30>{stamp} dhcp-01 dhcpd[987]: DHCPACK on 10.50.1.23 to 00:1B:21:3A:4F:10 (WS-0123) via eth1\n"
                           f"<30>{stamp} dhcp-01 dhcpd[987]: DHCPACK on 10.50.1.24 to ff:ff:ff:ff:ff:ff via eth1\n").encode())
            new = wait_for(lambda: [x for x in alerts(sec, "wardsec.ops.new_device") if "00:1b:21:3a:4f:10" in x["summary"]], 20, "the new-device alert", interval=0.5)
            r.check("DHCP" in new[0]["summary"] and "10.50.1.23" in new[0]["summary"] and new[0]["host.name"] == "WS-0123",
                    f"a MAC first seen in a DHCP lease and not in the inventory is a new device ({new[0]['summary'][:120]})")
            time.sleep(2.5)
            r.check(not any("00:1b:21:aa:bb:01" in x["summary"] for x in alerts(sec, "wardsec.ops.new_device")),
                    "the registered server's lease is not a new device")
            code, nd = sec.get("/api/v1/ops/netdevices")
            seen = {d["mac"]: d["registered"] for d in nd.get("devices", [])}
            r.check(code == 200 and seen == {"00:1b:21:3a:4f:10": False, "00:1b:21:aa:bb:01": True},
                    f"the network's devices are listed, registered or not (broadcast MACs left out): {seen}")
            neighbours(r, t, srv, sec)

            # Silence: nothing from the firewall for over a minute (its floor in this configuration).
            silent = wait_for(lambda: alerts(sec, "wardsec.ops.source_silent"), 100, "the silent-source alert", interval=1)
            al = silent[0]
            row, _ = source(sec, "ops-fw-01")
            r.check(al["host.name"] == "ops-fw-01" and al["state"] == "new" and "AB.AUD.a" in al["summary"] and
                    row and row["health"]["state"] == "silent" and "未收到日志" in row["health"]["reason"],
                    f"a source that stops is 静默 and raises an alert citing the 等保 items ({al['host.name']}, {row and row['health']['state']})")
            send(srv.tcp, "ops-fw-01", 1)
            closed = wait_for(lambda: (lambda x: x if x["state"] == "closed_tp" else None)(sec.get(f"/api/v1/alerts/{al['id']}")[1]["alert"]), 15,
                              "the alert closed on recovery")
            r.check(closed["state_by"] == "wardsec" and source(sec, "ops-fw-01")[0]["health"]["state"] == "ok",
                    "when its logs come back the center closes the alert itself and the source is 正常 again")
            for _ in range(3):
                time.sleep(1.5)
            r.check(len(alerts(sec, "wardsec.ops.asset_no_logs")) == 1, "the never-sent asset is not alerted again")
        with Server(a.wardsec, data, ["--config", conf]) as srv:
            sec = srv.admin("secadmin")
            row, _ = source(sec, "ops-fw-01")
            r.check(row is not None and row["health"] and row["health"]["first"] == h["first"],
                    f"after a restart the source and its history are still known ({row and row['health']})")
            time.sleep(2.5)
            r.check(len(alerts(sec, "wardsec.ops.asset_no_logs")) == 1, "and the asset is not alerted again after the restart")


if __name__ == "__main__":
    run("ops_sources", body)
