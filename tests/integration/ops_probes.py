"""Probes of the clinical systems (运行监控 · 可用性, issue #20), with the real binary and real
servers on loopback: nginx (HTTP, and HTTPS with a certificate that expires in 10 days), MariaDB
and PostgreSQL (handshakes, no login), net-snmp's snmpd (v2c and v3, interface status and
traffic), ICMP, a DNS responder, and a closed port. The web system is taken down and up again: its
outage opens an alert the recovery closes, and shows in the day's availability."""
import json
import os
import socket
import time
import urllib.parse

from dbservers import mariadb, postgres
from harness import Server, TempDir, args, center_now, free_port, render_png, run, wait_for

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
from probes_servers import Nginx, dns_responder, snmpd


def ipv6_loopback():
    """Whether this machine has ::1 (ICMPv6 echo to it is then checked)."""
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def probes(c):
    code, res = c.get("/api/v1/ops/probes")
    return {p["id"]: p for p in res["probes"]} if code == 200 else {}


def alerts(c, rule):
    code, res = c.get("/api/v1/alerts?" + urllib.parse.urlencode({"rule": rule, "limit": 50}))
    return res["alerts"] if code == 200 else []


def state_is(c, pid, want):
    p = probes(c).get(pid)
    return p if p and p["state"] == want else None


def body(r):
    a = args()
    with TempDir() as t:
        web = Nginx(t, days=10)
        web.start()
        with mariadb(t) as (my_port, _), postgres(t) as pg_port, snmpd(t, "wk-ro-2026", "probeuser", "authpass-2026", "privpass-2026") as snmp_port, \
                dns_responder({"his.rk.local": "10.20.1.10"}) as dns_port:
            data = os.path.join(t, "data")
            try:
                with Server(a.wardsec, data) as srv:
                    sysadm, sec = srv.admin("sysadmin"), srv.admin("secadmin")
                    common = {"interval_s": 10, "timeout_ms": 2000, "fail_after": 1}
                    want = [
                        {"id": "his-web", "name": "HIS 门户", "kind": "http", "url": f"http://127.0.0.1:{web.port}/", "expect_text": "HIS 门户",
                         "system": "HIS", "asset": "his-web-01", "zone": "核心业务区"},
                        {"id": "his-web-tls", "kind": "http", "url": f"https://localhost:{web.tls_port}/", "ca_file": web.cert, "system": "HIS",
                         "asset": "his-web-01", "cert_warn_days": 30},
                        {"id": "his-db", "kind": "mysql", "host": "127.0.0.1", "port": my_port, "system": "HIS", "asset": "his-db-01"},
                        {"id": "core-sw", "kind": "snmp", "host": "127.0.0.1", "port": snmp_port, "community": "wk-ro-2026", "interfaces": [1],
                         "asset": "wk-core-sw-01", "zone": "核心交换区"},
                        {"id": "core-sw-v3", "kind": "snmp", "host": "127.0.0.1", "port": snmp_port, "snmp_version": "3", "snmp_user": "probeuser",
                         "auth_proto": "SHA", "auth_pass": "authpass-2026", "priv_proto": "AES", "priv_pass": "privpass-2026", "interfaces": [1]},
                        {"id": "dns", "kind": "dns", "host": "127.0.0.1", "port": dns_port, "dns_name": "his.rk.local", "expect_address": "10.20.1.10"},
                        {"id": "gw-ping", "kind": "icmp", "host": "127.0.0.1"},
                        {"id": "gw-ping6", "kind": "icmp", "host": "::1"},
                        {"id": "lis-api", "kind": "tcp", "host": "127.0.0.1", "port": free_port(), "system": "LIS", "asset": "lis-app-01"},
                        {"id": "bad-community", "kind": "snmp", "host": "127.0.0.1", "port": snmp_port, "community": "guess", "timeout_ms": 1000},
                        {"id": "no-name", "kind": "dns", "host": "127.0.0.1", "port": dns_port, "dns_name": "pacs.rk.local"},
                    ]
                    if pg_port:
                        want.append({"id": "emr-db", "kind": "postgresql", "host": "127.0.0.1", "port": pg_port, "system": "EMR"})
                    code, res = sec.post("/api/v1/ops/probes", {"id": "x", "kind": "tcp", "host": "127.0.0.1", "port": 1})
                    r.check(code == 403, f"the security administrator cannot set probes: the system administrator does ({code})")
                    code, res = sysadm.post("/api/v1/ops/probes", {"id": "fast", "kind": "tcp", "host": "127.0.0.1", "port": 1, "interval_s": 5})
                    r.check(code == 400 and "interval_s" in res.get("error", ""), f"an interval under 10 s is refused, naming the field ({code} {res})")
                    code, res = sysadm.post("/api/v1/ops/probes", {"id": "inj", "kind": "http", "url": "http://user:pw@10.0.0.1/"})
                    r.check(code == 400, f"a URL holding credentials is refused ({code})")
                    for p in want:
                        code, res = sysadm.post("/api/v1/ops/probes", {**common, **p})
                        r.check(code == 201, f"probe {p['id']} added ({code} {res.get('error', '')})")
                    path = os.path.join(data, "ops", "probes.json")
                    r.check(oct(os.stat(path).st_mode & 0o777) == "0o600", "the probes (with SNMP secrets) are in a file only the service reads")
                    stored = open(path).read()
                    r.check(all(x not in stored for x in ("wk-ro-2026", "authpass-2026", "privpass-2026")) and stored.count("sm4$") == 4,
                            "and the SNMP community and v3 passwords are sealed in it (SM4, key in the key folder), never plain")
                    got = probes(sec)
                    r.check("community" not in got["core-sw"] and got["core-sw"]["community_set"] and "auth_pass" not in got["core-sw-v3"],
                            "secrets are never read back, only whether they are set")

                    up = ["his-web", "his-web-tls", "his-db", "core-sw", "core-sw-v3", "dns", "gw-ping"] + (["emr-db"] if pg_port else [])
                    up += ["gw-ping6"] if ipv6_loopback() else []  # ICMPv6 echo
                    for pid in up:
                        p = wait_for(lambda: state_is(sec, pid, "up"), 40, f"{pid} up", interval=1)
                        r.check(p["rtt_ms"] > 0, f"{pid} is up ({p['kind']} {p['target']}: {p['detail']}, {p['rtt_ms']:.1f} ms)")
                    got = probes(sec)
                    r.check("10.11" in got["his-db"]["detail"], f"the MySQL probe reads the server's version without logging in ({got['his-db']['detail']})")
                    r.check(got["core-sw"]["detail"].startswith("wk-core-sw-01") and got["core-sw"]["interfaces"][0]["name"] == "lo"
                            and got["core-sw"]["interfaces"][0]["oper"] == 1, f"SNMP reads the device's name and its interface ({got['core-sw']['interfaces']})")
                    r.check(8 <= got["his-web-tls"].get("cert_days", -1) <= 10, f"the HTTPS probe reads the certificate's expiry ({got['his-web-tls'].get('cert_days')} days)")
                    for pid, why in (("lis-api", "cannot connect"), ("bad-community", "no SNMP answer"), ("no-name", "NXDOMAIN")):
                        p = wait_for(lambda: state_is(sec, pid, "down"), 40, f"{pid} down", interval=1)
                        r.check(why in p["error"], f"{pid} is down: {p['error']}")
                    rates = wait_for(lambda: (lambda p: p if p["interfaces"][0]["in_bps"] is not None else None)(probes(sec)["core-sw"]), 30,
                                     "the interface's traffic", interval=1)
                    r.check(rates["interfaces"][0]["in_bps"] >= 0, f"the interface's traffic is computed from its counters ({rates['interfaces'][0]})")
                    cert = wait_for(lambda: alerts(sec, "wardsec.ops.cert_expiring"), 20, "the certificate alert")
                    r.check(cert[0]["host.name"] == "his-web-01" and "过期" in cert[0]["summary"], f"a certificate near expiry is alerted ({cert[0]['summary'][:80]})")
                    lis = wait_for(lambda: alerts(sec, "wardsec.ops.probe_down"), 20, "the outage alert")
                    r.check(any(x["host.name"] == "lis-app-01" and x["event.severity_name"] == "high" and "MC.CEN.c" in x["summary"] for x in lis),
                            f"an outage opens a high alert on its asset citing 等保 MC.CEN.c ({[x['host.name'] for x in lis]})")

                    # The web system taken down, then up: an outage, its alert closed by the recovery.
                    web.stop()
                    p = wait_for(lambda: state_is(sec, "his-web", "down"), 40, "the web system down", interval=1)
                    r.check("cannot connect" in p["error"], f"nginx stopped: the HTTP probe is down ({p['error']})")
                    al = wait_for(lambda: [x for x in alerts(sec, "wardsec.ops.probe_down") if x["host.name"] == "his-web-01" and x["state"] == "new"], 20, "its alert")
                    web.start()
                    wait_for(lambda: state_is(sec, "his-web", "up"), 40, "the web system up again", interval=1)
                    closed = wait_for(lambda: (lambda x: x if x["state"] == "closed_tp" else None)(sec.get(f"/api/v1/alerts/{al[0]['id']}")[1]["alert"]), 20, "alert closed")
                    r.check(closed["state_by"] == "wardsec", "nginx back: the probe is up and the center closed the outage alert itself")

                    time.sleep(11)  # the prober writes its counts every 10 s
                    code, av = sec.get("/api/v1/ops/availability?period=day&system=HIS")
                    his = [s for s in av.get("systems", []) if s["system"] == "HIS"]
                    outs = [o for o in av.get("outages", []) if o["probe"] == "his-web"]
                    r.check(code == 200 and his and his[0]["availability"] is not None and 0 < his[0]["availability"] < 1 and his[0]["down_s"] > 0,
                            f"the day's availability of HIS counts the outage ({his and his[0]})")
                    r.check(len(outs) == 1 and outs[0]["end"] and "cannot connect" in outs[0]["cause"], f"the outage is listed with its cause and end ({outs})")
                    r.check(av.get("daily") and len(av["daily"]) == 1, "and the system's daily history")
                    code, res = sec.get("/api/v1/search?" + urllib.parse.urlencode({"q": "event.dataset:wardsec.probe AND wardsec.probe.id:his-db", "from": "now-1h"}))
                    evs = res.get("events", []) if code == 200 else []
                    r.check(len(evs) >= 2 and all(float(e.get("wardsec.probe.rtt_ms", 0)) > 0 for e in evs),
                            f"each result is an event in the store with its response time ({len(evs)} events)")
                    code, res = sysadm.call("PUT", "/api/v1/ops/probes/core-sw", {"kind": "snmp", "host": "127.0.0.1", "port": snmp_port, "interfaces": [1], "interval_s": 10})
                    r.check(code == 200 and probes(sec)["core-sw"]["community_set"], f"a change that leaves a secret out keeps it ({code})")
                    code, _ = sysadm.call("DELETE", "/api/v1/ops/probes/bad-community")
                    r.check(code == 200 and "bad-community" not in probes(sec), "a probe is removed")
                    # The weekly report of this week (HTML, PDF), with the outage, the systems and the incidents in it.
                    code, _ = sec.post("/api/v1/incidents", {"title": "LIS 接口服务中断", "grade": "general", "subcategory": "DETECH",
                                                             "description": "LIS 接口服务端口无响应，门诊检验结果回传中断"})
                    today = center_now().strftime("%Y-%m-%d")
                    code, html = sec.call("GET", f"/api/v1/ops/report?week={today}&format=html")
                    text = html.decode("utf-8") if isinstance(html, bytes) else json.dumps(html, ensure_ascii=False)
                    r.check(code == 200 and "网络系统运行状况分析报告" in text and "HIS" in text and "cannot connect" in text and "<svg" in text,
                            f"the weekly operations report shows the systems' availability with a chart and the outage with its cause ({code})")
                    r.check("<td>一般</td><td class=\"num\">1</td>" in text, "and this week's incident by its grade")
                    render_png(text, os.path.join(ROOT, "docs", "reports", "ops-week-zh.png"), t)
                    code, res = sec.call("GET", f"/api/v1/ops/report?week={today}&format=html&lang=en")
                    r.check(code == 200 and isinstance(res, bytes) and "Weekly network operations report" in res.decode("utf-8"), "and in English")
                    code, pdf = sec.call("GET", f"/api/v1/ops/report?week={today}&format=pdf")
                    r.check(code == 200 and isinstance(pdf, bytes) and pdf[:4] == b"%PDF", f"and as PDF ({code})")
                    code, _ = sysadm.call("GET", "/api/v1/ops/report")
                    r.check(code == 403, "the system administrator, who sees no security data, does not get it")
                    # A probes.json broken by hand is an error, never read as "no probes" (a save would wipe them).
                    good = open(path).read()
                    open(path, "w").write(good[: len(good) // 2])
                    code, res = sysadm.post("/api/v1/ops/probes", {"id": "after-damage", "kind": "icmp", "host": "127.0.0.1"})
                    r.check(code == 500 and "not JSON" in res.get("error", "") and open(path).read() == good[: len(good) // 2],
                            f"a damaged probes.json is named and left as it is, not overwritten ({code} {res.get('error', '')[:80]})")
                    open(path, "w").write(good)
                    aud = srv.admin("auditadmin")
                    trail = lambda: [e for e in aud.get("/api/v1/audit?" + urllib.parse.urlencode({"q": "event.action:probe_*", "from": "now-1h", "limit": 100}))[1].get("events", [])]
                    got = wait_for(lambda: (lambda ev: ev if any("probe_delete" in str(e) and "bad-community" in str(e) for e in ev) else None)(trail()), 15, "the audit trail")
                    r.check(sum("probe_create" in str(e) for e in got) >= len(want) and any("probe_change" in str(e) for e in got),
                            f"every change is in the audit trail ({len(got)} records)")
            finally:
                web.stop()


if __name__ == "__main__":
    run("ops_probes", body)
