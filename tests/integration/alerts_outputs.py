"""Alerts end to end (issue #3): live events through the detection stage raise alerts that a
real rsyslogd (RFC 5424 over TCP), an HTTP receiver (webhook) and an SMTP server (aiosmtpd,
Debian's python3-aiosmtpd) receive; repeats are deduplicated; a suppression window holds
notifications back; triage via the API records who and when; alert records are searchable
in the event store; a dead receiver is retried, counted and logged without stopping
detection."""
import base64
import datetime
import email
import email.header
import json
import os
import hashlib
import hmac
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler

from harness import demo_inventory, Server, TempDir, args, cli, run, search_json, wait_for
from receivers import Receivers
from rsyslog import Rsyslog


class Hook(BaseHTTPRequestHandler):
    received = []
    signed = []
    status = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Hook.received.append((self.path, self.headers.get("Content-Type"), body))
        Hook.signed.append((self.headers.get("X-Wardsec-Timestamp", ""), self.headers.get("X-Wardsec-Signature", ""), body))
        self.send_response(Hook.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass


def api(srv, path, body=None, method=None):
    """The security administrator's call (an API token; who acts is that account)."""
    return srv.admin("secadmin").call(method or ("POST" if body is not None else "GET"), path, body)


def brute_force(port, src, n=12, host="portal-web-01", minute="10"):
    lines = [f"<38>Nov 26 03:{minute}:{i:02d} {host} sshd[4242]: Failed password for root from {src} port 50122 ssh2"
             for i in range(n)]
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(("\n".join(lines) + "\n").encode())
    s.close()


def web_attacks(port):
    """Injection attempts in three web servers' access logs: the internet hospital's (3), the
    portal's (2) and a host that is not in the inventory (1)."""
    t = datetime.datetime.now(datetime.timezone.utc)
    stamp, clf = t.strftime("%Y-%m-%dT%H:%M:%SZ"), t.strftime("%d/%b/%Y:%H:%M:%S +0000")
    lines = []
    for host, n in (("ihosp-web-01", 3), ("portal-web-01", 2), ("shop-web-07", 1)):
        for i in range(n):
            lines.append(f'<190>1 {stamp} {host} nginx - - - 203.0.113.{9 + i} - - [{clf}] '
                         f'"GET /item.php?id=1%27%20union%20select%20name,pwd%20from%20sys_user--{i} HTTP/1.1" 403 162 "-" "sqlmap/1.7.2"')
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(("\n".join(lines) + "\n").encode())
    s.close()


def body(r):
    a = args()
    w = a.wardsec
    with TempDir() as t:
        # The mail server offers STARTTLS and refuses mail without it.
        rec = Receivers(t, Hook)
        crt, hook, sink, smtp_port = rec.crt, rec.https, rec.sink, rec.smtp_port
        out = os.path.join(t, "soc.log")
        rs = Rsyslog(os.path.join(t, "rsyslog"),
                     f'template(name="raw" type="string" string="%rawmsg%\\n")\n'
                     f'action(type="omfile" file="{out}" template="raw")')
        try:
            rs.start()
            cfg = os.path.join(t, "wardsec.yaml")
            with open(cfg, "w") as f:
                f.write(f"""
zones:
  - {{name: internet, cidr: 10.40.0.0/24}}
  - {{name: core, cidr: 10.20.0.0/22}}
alerts:
  min_level: high
  dedup_minutes: 60
  syslog: tcp://127.0.0.1:{rs.port}
  webhook: https://127.0.0.1:{hook.server_address[1]}/wardsec/alerts
  webhook_secret: hook-secret-2026
  ca_file: {crt}
  smtp:
    server: smtp://127.0.0.1:{smtp_port}
    from: wardsec@hospital.example
    to: [soc@hospital.example, xinxike@hospital.example]
  retries: 1
  retry_delay_ms: 100
  timeout_ms: 2000
""")
            data = os.path.join(t, "data")
            # The inventory says which graded system each host belongs to.
            demo_inventory(w, data)
            with Server(w, data, ["--config", cfg]) as srv:
                base = srv
                brute_force(srv.tcp, "45.95.147.201")

                def brute_alert():
                    code, res = api(base, "/api/v1/alerts?state=open&rule=" + urllib.parse.quote("SSH brute force against a server"))
                    return res["alerts"] if code == 200 and res["total"] else None
                alerts = wait_for(brute_alert, 30, "the brute-force alert")

                # Web攻击 against one system: the access log's host is the inventory asset, its
                # graded system the filter ("attacks against the internet hospital").
                web_attacks(srv.tcp)
                got = wait_for(lambda: (lambda c_j: c_j[1] if c_j[0] == 200 and c_j[1]["total"] >= 6 else None)(
                    api(base, "/api/v1/web/attacks?from=now-1h")), 30, "the six web attacks")
                systems = {x["id"]: (x["name"], x["count"]) for x in got["systems"]}
                r.check(systems.get("ihosp") == ("互联网医院", 3) and systems.get("website") == ("门户网站", 2) and len(systems) == 2,
                        f"the web-attack page lists the attacked systems with counts ({systems})")
                r.check({x["value"]: x["count"] for x in got["top_targets"]} == {"ihosp-web-01": 3, "portal-web-01": 2, "shop-web-07": 1},
                        f"and the attacked hosts ({got['top_targets']})")
                code, his = api(base, "/api/v1/web/attacks?from=now-1h&system=ihosp")
                r.check(code == 200 and his["total"] == 3 and all(x["target"] == "ihosp-web-01" and x["system"] == "ihosp" and
                                                                  x["system_name"] == "互联网医院" for x in his["recent"]),
                        f"system=ihosp keeps only the internet hospital's attacks ({his.get('total')})")
                r.check(len(his["systems"]) == 2, "the system list stays whole under the filter (the page's choices)")
                code, one = api(base, "/api/v1/web/attacks?from=now-1h&host=PORTAL-WEB-01")
                r.check(code == 200 and one["total"] == 2 and {x["target"] for x in one["recent"]} == {"portal-web-01"},
                        f"host= filters by asset name, in any case ({one.get('total')})")
                # A host writing UTC in BSD syslog (no zone) lands 8 hours in the past: the log sources
                # page says its clock is off and which zone it most likely writes in.
                now = datetime.datetime.now(datetime.timezone.utc)
                bsd = [f"<38>{now.strftime('%b')} {now.day:2d} {now.strftime('%H:%M')}:{i:02d} lab-utc-01 sshd[77]: "
                       f"Accepted password for ops from 10.30.0.{i} port 50100 ssh2" for i in range(6)]
                sk = socket.create_connection(("127.0.0.1", srv.tcp))
                sk.sendall(("\n".join(bsd) + "\n").encode())
                sk.close()
                def utc_source():
                    code, res = api(base, "/api/v1/sources?from=now-2d")
                    hit = [x for x in res.get("sources", []) if x["source"] == "lab-utc-01"] if code == 200 else []
                    return (hit[0], res) if hit and hit[0]["lines"] >= 6 else None
                src, res = wait_for(utc_source, 20, "the UTC host on the log sources page")
                clock = src.get("clock") or {}
                r.check(abs(clock.get("offset_seconds", 0) - 8 * 3600) < 120 and clock.get("suggested_timezone") == "+00:00",
                        f"a source 8 hours behind is flagged with the zone it most likely writes in ({clock})")
                web = [x for x in res["sources"] if x["source"] == "ihosp-web-01"]
                r.check(web and web[0]["clock"] is None, f"a source whose lines carry their zone is not flagged ({web[:1]})")
                code, other = api(base, "/api/v1/web/attacks?from=now-1h&host=shop-web-07")
                r.check(code == 200 and other["total"] == 1 and other["recent"][0]["system"] == "",
                        "a host outside the inventory is named as logged, with no system")
                al = alerts[0]
                r.check(al["rule.kind"] == "event_count" and al["event.severity_name"] == "high", f"correlation alert raised ({al['rule.name']})")
                r.check("l3-ces1-02" in al["mlps.controls"] and "attack.t1110.001" in al["threat.technique"],
                        "alert carries the 等保 control and the ATT&CK technique")
                r.check(al["host.name"] == "portal-web-01" and al["source.ip"] == "45.95.147.201", "alert names the asset and the source")
                r.check(al["system"] == "website 门户网站 L2", f"alert names the graded system of its asset ({al['system']})")
                r.check(len(al["events"]) == 10, f"alert references its 10 events ({al['events']})")
                # Events are read back once their block is sealed (within pipeline.flush_interval_ms).
                def read_back():
                    code, full = api(base, f"/api/v1/alerts/{al['id']}")
                    evs = full.get("events", [])
                    ok = code == 200 and len(evs) == 10 and all("Failed password" in e["event"].get("message", "") for e in evs)
                    return evs if ok else None
                try:
                    wait_for(read_back, 10, "the referenced events")
                    r.check(True, "the referenced events read back from the store")
                except AssertionError as e:
                    r.check(False, f"the referenced events read back from the store: {e}")

                # 指派: the alert given to a security administrator with a due time; the list filters by
                # assignee; an account that cannot handle alerts is refused; the change is in its history.
                code, res = api(base, f"/api/v1/alerts/{al['id']}/assign", {"assignee": "auditadmin"})
                r.check(code == 400 and "assignee" in res.get("error", ""), f"an alert is not given to the audit administrator: {code} {res}")
                code, res = api(base, f"/api/v1/alerts/{al['id']}/assign", {"assignee": "nobody-here"})
                r.check(code == 400, f"nor to an account that does not exist: {code}")
                code, res = api(base, f"/api/v1/alerts/{al['id']}/assign", {"assignee": "secadmin", "due": "2001-01-01"})
                r.check(code == 400 and "due" in res.get("error", ""), f"a due time in the past is refused: {code} {res}")
                code, res = api(base, f"/api/v1/alerts/{al['id']}/assign", {"assignee": "secadmin", "due": "2099-01-01T08:00:00+08:00"})
                r.check(code == 200 and res["assignee"] == "secadmin" and res["due"].startswith("2099-01-01T00:00:00"),
                        f"the alert is assigned with its due time: {code} {res.get('assignee')} {res.get('due')}")
                code, mine = api(base, "/api/v1/alerts?assignee=secadmin")
                code2, nobody = api(base, "/api/v1/alerts?assignee=-")
                r.check(code == 200 and [a["id"] for a in mine["alerts"]] == [al["id"]] and code2 == 200 and
                        al["id"] not in [a["id"] for a in nobody["alerts"]], "the list filters by assignee (and by nobody)")
                code, full = api(base, f"/api/v1/alerts/{al['id']}")
                r.check(any("secadmin" in h["comment"] and h["by"] == "secadmin" for h in full["history"]),
                        "the assignment is in the alert's history with who made it")

                # The three receivers got it.
                wait_for(lambda: os.path.exists(out) and "SSH brute force against a server" in open(out, encoding="utf-8").read(), 20,
                         "the alert at rsyslog")
                line = [l for l in open(out, encoding="utf-8") if "SSH brute force against a server" in l][0]
                r.check(line.startswith("<163>1 ") and "[wardsec@53595 id=" in line and 'src="45.95.147.201"' in line,
                        f"rsyslog received an RFC 5424 alert ({line[:90]}...)")
                hooks = wait_for(lambda: [h for h in Hook.received if b"SSH brute force against a server" in h[2]], 20, "the webhook")
                j = json.loads(hooks[0][2])
                r.check(hooks[0][0] == "/wardsec/alerts" and hooks[0][1].startswith("application/json") and j["rule.name"] == al["rule.name"],
                        "the webhook received the alert as JSON over HTTPS (certificate verified against alerts.ca_file)")
                ts, sig, signed_body = [x for x in Hook.signed if b"SSH brute force against a server" in x[2]][0]
                want = "sha256=" + hmac.new(b"hook-secret-2026", ts.encode() + b"." + signed_body, hashlib.sha256).hexdigest()
                r.check(ts and hmac.compare_digest(sig, want), f"the webhook is signed: HMAC-SHA256 over timestamp and body ({sig[:20]}...)")
                mails = wait_for(lambda: [m for m in sink.messages if b"X-Wardsec-Alert: %d" % al["id"] in m[2]], 20, "the mail")
                frm, rcpt, raw = mails[0]
                msg = email.message_from_bytes(raw)
                subject = str(email.header.make_header(email.header.decode_header(msg["Subject"])))
                text = msg.get_payload(decode=True).decode("utf-8")
                r.check(frm == "wardsec@hospital.example" and sorted(rcpt) == ["soc@hospital.example", "xinxike@hospital.example"],
                        "mail sent from and to the configured addresses")
                r.check(sink.tls and all(sink.tls), "mail went inside STARTTLS")
                r.check("高危" in subject and "SSH brute force against a server" in subject, f"mail subject in Chinese and English ({subject})")
                r.check("等保控制点 MLPS 2.0 controls: l3-ces1-02" in text and "45.95.147.201" in text, "mail body names control and source")
                # Below min_level: stored, not sent (the single root-login failure rules are medium).
                # Repeats merge in memory and reach the alert store once a second: wait for them.
                def root_alerts():
                    code, res = api(base, "/api/v1/alerts?level=medium&rule=" + urllib.parse.quote("SSH login as root failed from the Internet"))
                    return (code, res) if code != 200 or res["total"] != 1 or res["alerts"][0]["count"] >= 12 else None
                try:
                    code, res = wait_for(root_alerts, 10, "the merged repeats")
                except AssertionError:
                    code, res = api(base, "/api/v1/alerts?level=medium&rule=" + urllib.parse.quote("SSH login as root failed from the Internet"))
                r.check(code == 200 and res["total"] == 1 and res["alerts"][0]["count"] == 12,
                        f"12 single-event matches merged into one alert ({res.get('alerts', [{}])[0].get('count')})")
                r.check(not any(b"SSH login as root failed" in h[2] for h in Hook.received), "alerts below min_level are not sent")

                # A repeat within the dedup window updates the alert, no new notification.
                n_hooks = len(Hook.received)
                brute_force(srv.tcp, "45.95.147.201", minute="20")
                wait_for(lambda: api(base, f"/api/v1/alerts/{al['id']}")[1]["alert"]["count"] == 2, 20, "the repeat merged")
                time.sleep(1)
                r.check(len(Hook.received) == n_hooks, "a deduplicated repeat sends nothing")

                # A suppression window: stored as suppressed, not sent.
                code, sup = api(base, "/api/v1/suppressions", {"field": "source_ip", "value": "103.21.8.7", "minutes": 60,
                                                               "by": "secadmin", "reason": "authorised penetration test 2026-117"})
                r.check(code == 201, f"suppression window created ({sup})")
                brute_force(srv.tcp, "103.21.8.7")
                wait_for(lambda: api(base, "/api/v1/alerts?state=suppressed")[1]["total"] >= 1, 20, "the suppressed alert")
                time.sleep(1)
                r.check(not any(b"103.21.8.7" in h[2] for h in Hook.received), "a suppressed alert sends nothing")
                code, sups = api(base, "/api/v1/suppressions")
                r.check(code == 200 and sups[0]["hits"] >= 1, "the suppression counts what it held back")
                code, bad = api(base, "/api/v1/suppressions", {"minutes": 60, "by": "x", "reason": "y"})
                r.check(code == 400, f"a suppression of everything is refused ({bad.get('error')})")

                # Triage: who and when, validated, recorded in the store.
                code, res = api(base, f"/api/v1/alerts/{al['id']}/state", {"state": "closed_fp", "by": "secadmin"})
                r.check(code == 409 and "comment" in res["error"], "closing without a comment is refused")
                code, res = api(base, f"/api/v1/alerts/{al['id']}/state", {"state": "acknowledged", "by": "secadmin"})
                r.check(code == 200 and res["state"] == "acknowledged" and res["state_by"] == "secadmin", "acknowledged by secadmin")
                code, res = api(base, f"/api/v1/alerts/{al['id']}/state",
                                {"state": "closed_tp", "by": "secadmin", "comment": "源地址已在防火墙封禁 blocked at the NGFW"})
                r.check(code == 200 and res["state"] == "closed_tp", "closed as a true positive")
                code, full = api(base, f"/api/v1/alerts/{al['id']}")
                changes = [h for h in full["history"] if h["from"] != h["to"]]  # the assignment above keeps the state
                r.check([h["to"] for h in changes] == ["acknowledged", "closed_tp"] and changes[1]["by"] == "secadmin",
                        "history keeps both changes with who")
                # What the rule means and what to do, in Chinese and English; its tags by name.
                g, tags = full.get("rule") or {}, full.get("tags", [])
                r.check(g.get("zh", {}).get("title") == "SSH 暴力破解" and g["zh"]["respond"] and g["en"]["check"] and g["kind"] == "event_count",
                        f"the alert detail carries the rule's texts and advice in both languages ({g.get('zh', {}).get('title')})")
                r.check(any(t["code"] == "T1110.001" and t["zh"] and t["en"] for t in tags) and
                        any(t["kind"] == "mlps" and "身份鉴别" in t["zh"] for t in tags), f"the tags are named ({[t['code'] + ' ' + t['zh'] for t in tags]})")
                code, zh = api(base, "/api/v1/alerts?q=" + urllib.parse.quote("暴力破解"))
                r.check(code == 200 and al["id"] in [a["id"] for a in zh["alerts"]] and all("暴力破解" in a["rule.name_zh"] for a in zh["alerts"]),
                        f"暴力破解 finds the SSH brute-force alert by its Chinese title ({zh.get('total')})")
                code, rules = api(base, "/api/v1/rules")
                r.check(code == 200 and any(x["title_zh"] == "SSH 暴力破解" and x["id"] == al["rule.id"] for x in rules),
                        f"the rule list names each rule in both languages ({len(rules)} rules)")
                # Bulk: each alert on its own; the answer says which changed and why the others did not.
                code, res = api(base, "/api/v1/alerts?level=medium&rule=" + urllib.parse.quote("SSH login as root failed from the Internet"))
                root_id = res["alerts"][0]["id"]
                code, res = api(base, "/api/v1/alerts/bulk", {"ids": [root_id, al["id"]], "action": "closed_fp", "by": "secadmin"})
                r.check(code == 409 and not res["done"] and "comment" in {f["id"]: f["error"] for f in res["failed"]}.get(root_id, ""),
                        f"a bulk close without a comment changes nothing ({code})")
                code, res = api(base, "/api/v1/alerts/bulk", {"ids": [root_id, al["id"], 424242, root_id], "action": "closed_fp",
                                                              "comment": "扫描器地址，已加白 scanner", "by": "secadmin"})
                failed = {f["id"]: f["error"] for f in res.get("failed", [])}
                r.check(code == 200 and res["done"] == [root_id] and "已关闭" in failed.get(al["id"], "") and "already closed" in failed.get(al["id"], "") and
                        "does not exist" in failed.get(424242, ""), f"a bulk close applies to each alert on its own ({res})")
                code, one = api(base, f"/api/v1/alerts/{root_id}")
                r.check(one["alert"]["state"] == "closed_fp" and one["history"][-1]["by"] == "secadmin" and
                        one["history"][-1]["comment"] == "扫描器地址，已加白 scanner", "the bulk change is in each alert's history with who and why")
                for body, why in (({"ids": [], "action": "closed_fp"}, "no ids"), ({"ids": list(range(501)), "action": "acknowledged"}, "501 ids"),
                                  ({"ids": [root_id], "action": "suppressed"}, "suppressed by hand"), ({"ids": ["1"], "action": "new"}, "a string id")):
                    code, res = api(base, "/api/v1/alerts/bulk", dict(body, by="secadmin"))
                    r.check(code == 400, f"a bulk request with {why} is refused ({code} {res.get('error')})")
                code, res = api(base, f"/api/v1/alerts/{root_id}/state", {"state": "assign", "assignee": "auditadmin", "by": "secadmin"})
                r.check(code == 400, f"an assignment cannot come in through the state route, past the account check ({code})")
                code, res = api(base, "/api/v1/alerts/bulk", {"ids": [root_id], "action": "assign", "assignee": "auditadmin", "by": "secadmin"})
                r.check(code == 400 and "assignee" in res.get("error", ""), f"a bulk assignment to the audit administrator is refused ({code})")
                code, res = api(base, "/api/v1/suppressions", {"rule_id": al["rule.id"], "minutes": 365 * 24 * 60 + 1, "by": "secadmin", "reason": "x"})
                r.check(code == 400, f"a window longer than a year is refused ({res.get('error')})")
                code, res = api(base, "/api/v1/suppressions", {"rule_id": al["rule.id"], "field": "asset", "value": "portal-web-01",
                                                               "minutes": 365 * 24 * 60, "by": "secadmin", "reason": "白名单：门户网站扫描器"})
                r.check(code == 201, f"a whitelist entry for a year is accepted ({res})")
                code, res = api(base, "/api/v1/alerts/99999")
                r.check(code == 404, "an unknown alert is a 404")
                code, res = api(base, "/api/v1/alerts?state=bogus")
                r.check(code == 400, "a bad state filter is a 400")
                m = srv.metrics()
                r.check(m["outputs_sent_syslog"] >= 1 and m["outputs_sent_webhook"] >= 1 and m["outputs_sent_mail"] >= 1
                        and m["outputs_failed"] == 0, f"metrics count deliveries ({m['outputs_sent_syslog']}/{m['outputs_sent_webhook']}/{m['outputs_sent_mail']})")
            # After the server stopped: the trail is in the tamper-evident store.
            recs = search_json(w, data, "event.kind:alert")
            actions = sorted({e.get("event.action") for e in recs})
            r.check("alert_raised" in actions and "alert_state_changed" in actions, f"alert records searchable in the store ({actions})")
            r.check(cli(w, "verify", "--data", data).returncode == 0, "store verifies")

            # Events stored while the server was down (import; the same path as a kill -9
            # between storing and detecting) are examined at the next start.
            imp = os.path.join(t, "offline.log")
            with open(imp, "w") as f:
                for i in range(12):
                    f.write(f"<38>Nov 26 04:30:{i:02d} his-app-01 sshd[77]: Failed password for root from 10.50.9.9 port 5{i} ssh2\n")
            cli(w, "import", "--data", data, imp)
            with Server(w, data, ["--config", cfg]) as srv:
                base = srv
                got = wait_for(lambda: api(base, "/api/v1/alerts?asset=his-app-01")[1]["alerts"], 20, "the caught-up alert")
                r.check(any(x["rule.name"] == "SSH brute force against a server" and x["source.ip"] == "10.50.9.9" for x in got),
                        "events imported while the server was down raise alerts at the next start")
                before = api(base, "/api/v1/alerts")[1]["total"]
            with Server(w, data, ["--config", cfg]) as srv:
                time.sleep(1)
                after = api(srv, "/api/v1/alerts")[1]["total"]
                r.check(after == before, f"a clean restart examines nothing twice ({before} -> {after})")

            # A dead receiver: retried, counted, logged; detection carries on.
            Hook.status = 500
            with Server(w, os.path.join(t, "data2"), ["--config", cfg]) as srv:
                base = srv
                brute_force(srv.tcp, "45.95.147.202")
                wait_for(lambda: srv.metrics()["outputs_failed"] >= 1, 30, "the failed webhook to be counted")
                r.check(srv.metrics()["outputs_sent_syslog"] >= 1, "the other outputs still deliver")
                brute_force(srv.tcp, "45.95.147.203")
                wait_for(lambda: api(base, "/api/v1/alerts?rule=" + urllib.parse.quote("SSH brute force against a server"))[1]["total"] == 2,
                         20, "detection to continue")
            log = open(os.path.join(t, "data2.server.log"), encoding="utf-8", errors="replace").read()
            r.check("webhook output failed after 2 attempts" in log and "500" in log, "the failure is logged with the receiver's answer")
        finally:
            rs.stop()
            rec.stop()


run("alerts_outputs", body)
