"""Log sources and their health (运行监控, issue #20), with the real binary: a device whose logs
stop is marked 静默 and raises an alert, which the center closes itself when the logs come back;
a registered asset that never sent a line is named on the 日志源 page and alerted once; the
state is kept across a restart in a file only the service reads."""
import os
import socket
import time
import urllib.parse

from harness import Server, TempDir, args, run, wait_for


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
