"""Incident response end to end (issue #17): the demo's ransomware story (Sysmon events as the
HIS application server sends them) raises alerts; an auto-open rule opens one 重大 勒索软件
incident and links both alerts; the reporting clock starts with the 办法's body and the
hospital's own; the opening and a reminder before the deadline arrive by mail (a real SMTP
server that requires STARTTLS) and by the WeCom and DingTalk robots (a local HTTPS receiver
with a test CA; DingTalk's signature checked); the missed deadline is recorded and announced;
the report form is generated (HTML, PDF, XLSX); an evidence bundle is sealed and verifies
offline, and one flipped byte in it is caught; the stage flow refuses a silent skip; the
roles are enforced and every change is in the audit trail."""
import base64
import email
import email.header
import hashlib
import hmac
import io
import json
import os
import socket
import tarfile
import time

from harness import demo_inventory, Server, TempDir, args, cli, render_png, run, search_json, wait_for
from receivers import Receivers, Robot

SHADOW = "6cd1e4c6-7682-5a9e-a2a6-e325f35c6398"


def sysmon(event_id, data, ts):
    return json.dumps({"@timestamp": ts, "Event": {"System": {"EventID": event_id, "Channel": "Microsoft-Windows-Sysmon/Operational",
                                                               "Computer": "his-app-01"}, "EventData": data}}, ensure_ascii=False)


def ransomware(port):
    ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    lines = [sysmon(1, {"Image": "C:\\Windows\\System32\\vssadmin.exe", "CommandLine": "vssadmin.exe Delete Shadows /All /Quiet"}, ts),
             sysmon(11, {"Image": "C:\\Users\\Public\\svchost.exe", "TargetFilename": "D:\\HIS\\data\\HOW_TO_DECRYPT.txt"}, ts),
             sysmon(11, {"Image": "C:\\Users\\Public\\svchost.exe", "TargetFilename": "D:\\HIS\\data\\his_main.mdf.locked"}, ts)]
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(("\n".join(lines) + "\n").encode())


def mail_text(raw):
    msg = email.message_from_bytes(raw)
    subject = str(email.header.make_header(email.header.decode_header(msg["Subject"])))
    return subject, msg.get_payload(decode=True).decode()


def body(r):
    a = args()
    w = a.wardsec
    with TempDir() as t:
        rec = Receivers(t, Robot)
        crt, sink, smtp_port, rp = rec.crt, rec.sink, rec.smtp_port, rec.https_port
        cfg = os.path.join(t, "wardsec.yaml")
        with open(cfg, "w") as f:
            f.write(f"""
organization: 示范市第一人民医院
alerts:
  ca_file: {crt}
  smtp:
    server: smtp://127.0.0.1:{smtp_port}
    from: wardsec@hospital.example
    to: [soc@hospital.example]
incident:
  operator_type: other
  bodies:
    - {{id: nhc, name_zh: 示范市卫生健康委员会, name_en: Health commission, minutes: 1, min_grade: larger, basis: 本市卫健委要求, contact: "0000-12345678"}}
  remind_at: [0.05]
  final_minutes: 0
  tick_seconds: 1
  retries: 1
  retry_delay_ms: 100
  channels:
    - {{id: xinxike-mail, kind: mail, to: [xinxike@hospital.example]}}
    - {{id: wecom, kind: wecom, url: "https://127.0.0.1:{rp}/cgi-bin/webhook/send?key=test-key"}}
    - {{id: ding, kind: dingtalk, url: "https://127.0.0.1:{rp}/robot/send?access_token=t0k", secret: SECtest}}
  policy:
    - {{min_grade: general, channels: [xinxike-mail, wecom, ding], hours: any}}
""")
        data = os.path.join(t, "data")
        demo_inventory(w, data)
        try:
            with Server(w, data, ["--config", cfg]) as srv:
                sec = srv.admin("secadmin")
                # A duty on the roster: the robots @ the person on duty.
                code, _ = sec.post("/api/v1/incidents/roster", {"name": "王工", "role": "信息科值班", "phone": "13800000001",
                                                                "mail": "wang@hospital.example", "starts": "now-1h", "ends": "now+1d"})
                r.check(code == 201, f"a duty is added to the roster ({code})")
                ransomware(srv.tcp)

                def opened():
                    code, res = sec.get("/api/v1/incidents?stage=open")
                    return res["incidents"] if code == 200 and res["total"] and len(sec.get(f"/api/v1/incidents/{res['incidents'][0]['id']}")[1]["links"]) >= 3 else None
                incs = wait_for(opened, 40, "the auto-opened incident with both alerts")
                r.check(len(incs) == 1, f"one incident for the ransomware story, not one per alert ({len(incs)})")
                inc = incs[0]
                iid = inc["id"]
                r.check(inc["grade"] == "major" and inc["subcategory"] == "MPRANS" and inc["category"] == "MP",
                        f"opened as 重大 勒索软件事件 MPRANS ({inc['grade']} {inc['subcategory']})")
                r.check(inc["source"] == "rule:ransomware-shadow-copies" or inc["source"] == "rule:ransomware-note", f"opened by a rule ({inc['source']})")
                code, full = sec.get(f"/api/v1/incidents/{iid}")
                alerts = [l for l in full["links"] if l["kind"] == "alert"]
                r.check(len(alerts) >= 2, f"both ransomware alerts are linked ({len(alerts)})")
                r.check(any(l["kind"] == "asset" and l["ref"] == "his-app-01" for l in full["links"]), "the HIS application server is linked")
                obs = {o["body"]: o for o in full["obligations"]}
                r.check("cac-province" in obs and obs["cac-province"]["minutes"] == 240 and "第四条" in obs["cac-province"]["basis"],
                        "the 办法's body: the provincial cyberspace office within 4 hours")
                r.check("nhc" in obs and obs["nhc"]["state"] == "pending", "the hospital's own body (health commission) with its deadline")

                # The opening, by mail (inside STARTTLS) and by both robots, naming who is on duty.
                mails = wait_for(lambda: [m for m in sink.messages if b"X-Wardsec-Incident: %d-opened" % iid in m[2]], 20, "the opening mail")
                subject, text = mail_text(mails[0][2])
                r.check(sink.tls and all(sink.tls), "incident mail went inside STARTTLS")
                r.check("新事件" in subject and "重大" in subject, f"the opening mail's subject ({subject})")
                r.check("wang@hospital.example" in mails[0][1] and "xinxike@hospital.example" in mails[0][1],
                        "mailed to the channel's recipients and the person on duty")
                wecom = wait_for(lambda: [x for x in Robot.received if x[0] == "/cgi-bin/webhook/send"], 20, "the WeCom robot")
                wx = wecom[0][2]
                r.check(wx and wx["msgtype"] == "text" and f"#{iid}" in wx["text"]["content"] and wx["text"].get("mentioned_mobile_list") == ["13800000001"],
                        "WeCom robot: {msgtype: text, text: {content, mentioned_mobile_list}}")
                ding = wait_for(lambda: [x for x in Robot.received if x[0] == "/robot/send"], 20, "the DingTalk robot")
                path, q, doc = ding[0]
                ts = q.get("timestamp", [""])[0]
                want = base64.b64encode(hmac.new(b"SECtest", (ts + "\n" + "SECtest").encode(), hashlib.sha256).digest()).decode()
                r.check(q.get("access_token") == ["t0k"] and q.get("sign") == [want], "DingTalk robot: the timestamp and signature are right")
                r.check(doc and doc["msgtype"] == "text" and doc["at"]["atMobiles"] == ["13800000001"], "DingTalk robot: {msgtype: text, at: {atMobiles}}")

                # A reminder before the health commission's one-minute deadline.
                deadline = time.mktime(time.strptime(obs["nhc"]["deadline"][:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
                rem = wait_for(lambda: [m for m in sink.messages if b"reminder-nhc-initial" in m[2]], 40, "the reminder mail")
                subject, text = mail_text(rem[0][2])
                r.check("提醒" in subject and "示范市卫生健康委员会" in text and "剩余" in text, f"the reminder names the body and the time left ({subject})")
                r.check(time.time() < deadline, "the reminder arrived before the deadline")

                # The report form, from the record.
                code, _ = sec.call("PATCH", f"/api/v1/incidents/{iid}", {"owner": "张工", "report": {
                    "contact": "信息科 张工 0000-12345678", "measures": "已断开 his-app-01 网络，启用纸质流程", "cause": "疑似弱口令远程登录",
                    "ransom": "勒索信要求 2 BTC，未支付"}})
                r.check(code == 200, f"the report form's answers are saved ({code})")
                code, bad = sec.call("PATCH", f"/api/v1/incidents/{iid}", {"report": {"nonsense": "x"}})
                r.check(code == 400 and "nonsense" in bad["error"], "an unknown form field is refused, named")
                code, html = sec.get(f"/api/v1/incidents/{iid}/form?kind=initial&format=html")
                html = html.decode() if isinstance(html, bytes) else str(html)
                r.check(code == 200 and "网络安全事件报告表" in html and "勒索软件事件" in html and "MPRANS" in html and "重大" in html
                        and "示范市第一人民医院" in html and "2 BTC" in html, "the first report form (HTML) carries unit, category, grade and answers")
                if os.environ.get("WARDSEC_REPORT_SHOTS"):  # a render for docs/reports/
                    render_png(html, os.path.join(os.environ["WARDSEC_REPORT_SHOTS"], "incident-form-zh-1.png"), t)
                code, pdf = sec.get(f"/api/v1/incidents/{iid}/form?kind=initial&format=pdf")
                r.check(code == 200 and bytes(pdf)[:4] == b"%PDF", f"the form as PDF ({code})")
                code, xlsx = sec.get(f"/api/v1/incidents/{iid}/form?kind=initial&format=xlsx")
                r.check(code == 200 and bytes(xlsx)[:2] == b"PK", f"the form as XLSX ({code})")

                # Stages: no silent skip; 研判 is done (category and grade given).
                code, res = sec.post(f"/api/v1/incidents/{iid}/stage", {"stage": "containment"})
                r.check(code == 400 and "skips" in res["error"], "发现 → 处置 without a reason is refused")
                for st in ("triage", "containment"):
                    code, res = sec.post(f"/api/v1/incidents/{iid}/stage", {"stage": st})
                    r.check(code == 200 and res["stage"] == st, f"→ {st}")

                # Evidence: sealed, verifies offline, a flipped byte is caught.
                code, ev = sec.post(f"/api/v1/incidents/{iid}/evidence", {})
                r.check(code == 201 and ev["events"] >= 3 and ev["alerts"] >= 2, f"an evidence bundle is sealed ({code}: {ev})")
                bdir = os.path.join(data, "evidence", ev["name"])
                ok = cli(w, "verify", "--evidence", bdir, check=False)
                r.check(ok.returncode == 0 and "intact" in ok.stdout, "wardsec verify --evidence: the bundle is intact")
                pub = data + ".keys/instance.pub"
                ok = cli(w, "verify", "--evidence", bdir, "--pubkey", pub, check=False)
                r.check(ok.returncode == 0, "…and signed by this center's instance key")
                code, tar = sec.get(f"/api/v1/incidents/{iid}/evidence/{ev['name']}")
                out = os.path.join(t, "police")
                with tarfile.open(fileobj=io.BytesIO(bytes(tar))) as tf:
                    tf.extractall(out)
                copy = os.path.join(out, ev["name"])
                r.check(cli(w, "verify", "--evidence", copy, check=False).returncode == 0, "the downloaded tar unpacks to a bundle that verifies")
                with open(os.path.join(copy, "events.ndjson"), "r+b") as f:
                    f.seek(10)
                    b = f.read(1)
                    f.seek(10)
                    f.write(bytes([b[0] ^ 1]))
                bad = cli(w, "verify", "--evidence", copy, check=False)
                r.check(bad.returncode == 1 and "events.ndjson" in bad.stderr, "one flipped byte in the bundle is caught and named")

                # The missed deadline: recorded on the incident and announced.
                wait_for(lambda: [m for m in sink.messages if b"missed-nhc-initial" in m[2]], 90, "the overdue mail")
                code, full = sec.get(f"/api/v1/incidents/{iid}")
                o = {x["body"]: x for x in full["obligations"]}["nhc"]
                r.check(o["state"] == "overdue" and o["missed_at"], "the health commission's report is overdue, the miss recorded")
                r.check(any(e["kind"] == "missed" for e in full["timeline"]), "the timeline records the missed deadline")
                r.check(all(d["ok"] for d in full["deliveries"]) and len(full["deliveries"]) >= 6, f"every delivery is logged as made ({len(full['deliveries'])})")
                code, res = sec.post(f"/api/v1/incidents/{iid}/reports/{o['id']}", {"channel": "电话", "reference": "WJW-001"})
                o = {x["body"]: x for x in res["obligations"]}["nhc"]
                r.check(code == 200 and o["state"] == "reported_late", "the late report is recorded as late")

                # Roles and the audit trail.
                ro = srv.client()
                ro.login("duty1", srv.create_account("duty1", "readonly"), "Duty-One-2026!")
                code, _ = ro.get("/api/v1/incidents")
                r.check(code == 200, "a read-only account reads incidents")
                code, _ = ro.post(f"/api/v1/incidents/{iid}/notes", {"text": "x"})
                r.check(code == 403, "a read-only account cannot change one")
                code, _ = srv.admin("auditadmin").get("/api/v1/incidents")
                r.check(code == 403, "the audit administrator does not read the security data")
                wait_for(lambda: search_json(w, data, "event.dataset:wardsec.audit AND event.action:incident_reported"), 20, "the audit records")
                acts = {e.get("event.action") for e in search_json(w, data, "event.dataset:wardsec.audit AND event.action:incident_*")}
                r.check({"incident_edit", "incident_stage", "incident_evidence_seal", "incident_reported"} <= acts, f"changes are audited ({sorted(acts)})")
                auto = search_json(w, data, "event.dataset:wardsec.incident AND event.action:incident_opened")
                r.check(auto and auto[0].get("wardsec.incident.signature"), "the automatic opening is a signed record in the store")
                lst = json.loads(cli(w, "incident", "list", "--data", data).stdout)
                r.check(any(x["id"] == iid for x in lst), "wardsec incident list shows it")
        finally:
            rec.stop()


run("incident", body)
