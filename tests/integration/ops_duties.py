"""The scheduled duties (issue #20) with real parts: an SMTP server that requires STARTTLS and an
HTTPS robot standing in for WeCom's and DingTalk's (receivers.py). The data self-check over a
week of database statements and backup logs finds the bulk UPDATE/DELETE, the key table whose
changed rows swing far from its usual day, and the failed and the missing backup; the result
goes to the system administrator as a console message, a mail inside TLS and both robots
(DingTalk's signature checked); a failed backup is also an alert. Report schedules: the security
administrator's, not the system administrator's; sent now with the weekly report attached (its
configuration and data self-check sections), as PDF for the monthly one, and on their own at
their time; every change in the audit trail."""
import base64
import datetime
import email
import email.header
import hashlib
import hmac
import json
import os
import time
import urllib.parse

from harness import CENTER_TZ, Server, TempDir, args, center_now, run, wait_for
from receivers import Receivers, Robot

TZ = CENTER_TZ


def stamp(day, h, m=0):
    return (day + datetime.timedelta(hours=h, minutes=m)).isoformat()


def mails(sink, word):
    out = []
    for frm, to, raw in sink.messages:
        msg = email.message_from_bytes(raw)
        subject = str(email.header.make_header(email.header.decode_header(msg["Subject"])))
        if word in subject:
            out.append((to, subject, msg))
    return out


def text_of(msg):
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    return ""


def body(r):
    a = args()
    with TempDir() as t:
        rec = Receivers(t, Robot)
        robot = f"https://127.0.0.1:{rec.https_port}"
        cfg = os.path.join(t, "wardsec.yaml")
        with open(cfg, "w") as f:
            f.write(f"""alerts:
  ca_file: {rec.crt}
  smtp:
    server: smtp://127.0.0.1:{rec.smtp_port}
    from: wardsec@hospital.example
    to: [soc@hospital.example]
""")
        try:
            with Server(a.wardsec, os.path.join(t, "data"), ["--config", cfg]) as srv:
                run_all(r, srv, rec, robot)
        finally:
            rec.stop()


def run_all(r, srv, rec, robot):
    sysadmin, secadmin, auditadmin = srv.admin("sysadmin"), srv.admin("secadmin"), srv.admin("auditadmin")
    ing = srv.client(srv.collector_token())
    today = datetime.datetime.now(TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    y = today - datetime.timedelta(days=1)
    day = y.strftime("%Y-%m-%d")
    evs = []
    # A usual week: the HIS writes ~100 prescription rows a day.
    for d in range(2, 9):
        for i in range(4):
            evs.append({"@timestamp": stamp(today - datetime.timedelta(days=d), 9, i), "event.dataset": "dbaudit.statement", "db.system": "mysql",
                        "db.user.name": "his_app", "source.ip": "10.20.0.11", "db.response.affected_rows": 25,
                        "db.statement": f"INSERT INTO his.prescription (id, drug_code) VALUES ({d}{i}, 'A{i}')"})
    # Yesterday: two bulk changes by a person's account, and the usual small writes.
    evs += [{"@timestamp": stamp(y, 22, 10), "event.dataset": "dbaudit.statement", "db.system": "mysql", "db.user.name": "wangwei",
             "source.ip": "10.30.0.77", "db.response.affected_rows": 5000,
             "db.statement": "UPDATE his.prescription SET status = 'void' WHERE presc_date < '2026-11-01'"},
            {"@timestamp": stamp(y, 22, 15), "event.dataset": "dbaudit.statement", "db.system": "mysql", "db.user.name": "wangwei",
             "source.ip": "10.30.0.77", "db.response.affected_rows": 1200, "db.statement": "DELETE FROM his.patient_visit WHERE visit_date < '2020-01-01'"},
            {"@timestamp": stamp(y, 9, 30), "event.dataset": "dbaudit.statement", "db.system": "mysql", "db.user.name": "his_app",
             "source.ip": "10.20.0.11", "db.response.affected_rows": 3, "db.statement": "UPDATE his.prescription SET status = 'paid' WHERE id IN (1, 2, 3)"},
            {"@timestamp": stamp(y, 2, 0), "host.name": "his-db-01", "process.name": "his-backup", "message": "mysqldump: Got error: 2013: Lost connection to MySQL server during query when dumping table prescription"},
            {"@timestamp": stamp(y, 3, 0), "host.name": "pacs-nas-01", "process.name": "pacs-backup", "message": "PACS image backup completed: 18211 files"}]
    # The LIS's nightly backup of yesterday ran after midnight (the usual 02:00-style job): it counts for yesterday.
    after_midnight = datetime.datetime.now(TZ) >= today + datetime.timedelta(minutes=10)
    if after_midnight:
        evs.append({"@timestamp": stamp(today, 0, 5), "host.name": "lis-db-01", "process.name": "lis-backup", "message": "LIS backup completed"})
    code, res = ing.call("POST", "/api/v1/ingest", raw="\n".join(json.dumps(e, ensure_ascii=False) for e in evs).encode())
    r.check(code == 200, f"a week of statements and backup lines is ingested: {code} {res}")

    settings = {"tables": ["prescription", "patient_visit"], "bulk_rows": 1000, "swing_factor": 3, "swing_min_rows": 500,
                "backups": [{"name": "HIS 数据库全备", "success": "process.name:his-backup AND completed", "failure": "process.name:his-backup AND error"},
                            {"name": "PACS 影像备份", "success": "process.name:pacs-backup AND completed"},
                            {"name": "EMR 备份", "success": "process.name:emr-backup AND completed"},
                            {"name": "LIS 备份", "success": "process.name:lis-backup AND completed"}]}
    to = {"mail": ["xinxike@hospital.example"], "wecom": f"{robot}/cgi-bin/webhook/send?key=WECOM-KEY",
          "dingtalk": f"{robot}/robot/send?access_token=DT-TOKEN", "dingtalk_secret": "SECdemo-secret"}
    code, bad = sysadmin.call("PUT", "/api/v1/ops/datacheck", {"settings": dict(settings, backups=[{"name": "x", "success": "host.name:("}])})
    r.check(code == 400 and "backups[0].success" in bad["error"], f"a backup query that does not parse is named: {code} {bad}")
    code, bad = sysadmin.call("PUT", "/api/v1/ops/datacheck", {"to": {"wecom": "http://example.com/hook"}})
    r.check(code == 400 and "https" in bad["error"], f"a robot must be https: {code} {bad}")
    code, _ = secadmin.call("PUT", "/api/v1/ops/datacheck", {"settings": settings})
    r.check(code == 403, f"the data self-check is the system administrator's duty (三员): {code}")
    code, got = sysadmin.call("PUT", "/api/v1/ops/datacheck", {"settings": settings, "to": to})
    r.check(code == 200 and "WECOM-KEY" not in json.dumps(got) and "SECdemo" not in json.dumps(got),
            f"the settings are saved; the robots' keys are never read back: {code} {json.dumps(got)[:300]}")

    def checked():
        code, res = sysadmin.post("/api/v1/ops/datacheck/run", {"day": day})
        return res["result"] if code == 200 and res["result"]["bulk_total"] >= 2 else None
    res = wait_for(checked, 30, "the data self-check", interval=1)
    bulk = {(b["operation"], b["rows"]) for b in res["bulk"]}
    r.check(bulk == {("UPDATE", 5000), ("DELETE", 1200)} and all(b["user"] == "wangwei" for b in res["bulk"]),
            f"the bulk UPDATE and DELETE are found with their account; the small update is not: {res['bulk']}")
    swing = {s["table"]: s for s in res["swings"]}
    r.check("his.prescription" in swing and swing["his.prescription"]["usual"] == 100, f"the key table's swing against its usual day: {res['swings']}")
    states = {b["name"]: b["state"] for b in res["backups"]}
    r.check(states == {"HIS 数据库全备": "failed", "PACS 影像备份": "ok", "EMR 备份": "missing", "LIS 备份": "ok" if after_midnight else "missing"},
            f"the backups: failed, ok, missing, and ok when it ran after midnight: {states}")

    got = wait_for(lambda: mails(rec.sink, "数据自我检测"), 30, "the data self-check mail")
    to_, subject, msg = got[-1]
    body = text_of(msg)
    r.check(to_ == ["xinxike@hospital.example"] and "需关注" in subject and "5000" in body and "HIS 数据库全备" in body and all(rec.sink.tls),
            f"the system administrator gets the result by mail inside TLS: {subject} {body[:200]}")
    robots = wait_for(lambda: [x for x in Robot.received if x[2] and "数据自我检测" in x[2]["text"]["content"]] or None, 30, "the robots")
    wecom = [x for x in robots if x[0] == "/cgi-bin/webhook/send"]
    ding = [x for x in robots if x[0] == "/robot/send"]
    r.check(wecom and wecom[0][1]["key"] == ["WECOM-KEY"] and wecom[0][2]["msgtype"] == "text", f"the WeCom robot gets it: {wecom[:1]}")
    ok_sign = False
    if ding:
        q = ding[0][1]
        ts = q["timestamp"][0]
        want = base64.b64encode(hmac.new(b"SECdemo-secret", f"{ts}\nSECdemo-secret".encode(), hashlib.sha256).digest()).decode()
        ok_sign = q["sign"][0] == want and q["access_token"] == ["DT-TOKEN"]
    r.check(ok_sign, f"the DingTalk robot gets it with a valid 加签 signature: {ding[:1]}")
    code, box = sysadmin.get("/api/v1/messages")
    r.check(code == 200 and box["unread"] >= 1 and "数据自我检测" in box["messages"][0]["title"], f"and in the console's messages: {box.get('unread')}")
    code, box = sysadmin.post("/api/v1/messages/read", {})
    r.check(code == 200 and box["unread"] == 0, f"messages are marked read: {box.get('unread')}")
    code, al = secadmin.get("/api/v1/alerts?" + urllib.parse.urlencode({"rule": "wardsec.ops.backup_failed"}))
    r.check(code == 200 and len(al["alerts"]) >= 2, f"a failed and a missing backup are alerts: {len(al.get('alerts', []))}")

    # Report schedules: the security administrator's.
    sched = {"id": "weekly-ops", "report": "ops-week", "format": "html", "at": "23:59", "to": {"mail": ["xinxike@hospital.example", "yuanzhang@hospital.example"]}}
    code, _ = sysadmin.post("/api/v1/ops/schedules", sched)
    r.check(code == 403, f"the system administrator cannot schedule the security reports: {code}")
    code, bad = secadmin.post("/api/v1/ops/schedules", dict(sched, report="nope"))
    r.check(code == 400 and "ops-week" in bad["error"], f"an unknown report is named with the known ones: {bad}")
    code, bad = secadmin.post("/api/v1/ops/schedules", dict(sched, to={}))
    r.check(code == 400 and "to" in bad["error"], f"a schedule needs a recipient: {bad}")
    code, _ = secadmin.post("/api/v1/ops/schedules", sched)
    r.check(code == 201, f"a weekly schedule is added: {code}")
    code, sent = secadmin.post("/api/v1/ops/schedules/weekly-ops/run", {})
    r.check(code == 200 and sent["sent"], f"sent now: {code} {sent}")
    got = wait_for(lambda: mails(rec.sink, "周报"), 30, "the weekly report mail")
    to_, subject, msg = got[-1]
    files = [p for p in msg.walk() if p.get_content_disposition() == "attachment"]
    html = files[0].get_payload(decode=True).decode() if files else ""
    r.check(sorted(to_) == ["xinxike@hospital.example", "yuanzhang@hospital.example"] and files and "七、网络设备配置变更" in html and "八、数据自我检测与备份" in html,
            f"the weekly report goes out attached, with its configuration and data self-check sections: {subject} {len(html)}")
    r.check("安全事件（按分级）" in html, "the weekly report counts the security incidents by grade beside the alerts")
    # A graded system's self-assessment, scheduled like any report: it names its system.
    code, res = secadmin.call("POST", "/api/v1/inventory/systems", raw="id,name,name_en,kind,level\nhis,医院信息系统,HIS,his,3\n".encode(),
                              headers={"Content-Type": "text/csv"})
    self_check = {"id": "his-self", "report": "self-assessment", "format": "html", "at": "23:59", "to": {"mail": ["xinxike@hospital.example"]}}
    code, bad = secadmin.post("/api/v1/ops/schedules", self_check)
    r.check(code == 400 and "system" in bad["error"], f"a per-system report needs its system: {code} {bad}")
    code, _ = secadmin.post("/api/v1/ops/schedules", dict(self_check, system="his"))
    code, sent = secadmin.post("/api/v1/ops/schedules/his-self/run", {})
    got = wait_for(lambda: mails(rec.sink, "等保自查报告"), 30, "the self-assessment mail")
    files = [p for p in got[-1][2].walk() if p.get_content_disposition() == "attachment"]
    html = files[0].get_payload(decode=True).decode() if files else ""
    r.check(code == 200 and sent["sent"] and "his" in got[-1][1] and "医院信息系统" in html,
            f"the graded system's self-assessment is scheduled and sent like any report ({got[-1][1]}, {len(html)})")
    code, _ = secadmin.post("/api/v1/ops/schedules", {"id": "monthly-ops", "report": "ops-month", "format": "pdf", "at": "00:00",
                                                      "to": {"mail": ["xinxike@hospital.example"]}})
    # Due at once (00:00 has passed today): the center sends it on its own within its minute's look.
    got = wait_for(lambda: mails(rec.sink, "月报"), 150, "the monthly report sent on its schedule", interval=2)
    files = [p for p in got[-1][2].walk() if p.get_content_disposition() == "attachment"]
    pdf = files[0].get_payload(decode=True) if files else b""
    r.check(pdf.startswith(b"%PDF") and files[0].get_content_type() == "application/pdf", f"the monthly report is sent on its own, as PDF: {len(pdf)}")
    month = center_now().strftime("%Y-%m")
    code, html = secadmin.call("GET", f"/api/v1/ops/report?month={month}&format=html")
    text = html.decode("utf-8") if isinstance(html, bytes) else str(html)
    r.check(code == 200 and "（月报）" in text and "本月" in text and "本周" not in text, f"the monthly report on request, in the month's words: {code}")
    code, bad = secadmin.call("GET", "/api/v1/ops/report?month=2026-13")
    r.check(code == 400, f"a month that does not exist is refused: {code} {bad}")
    code, lst = secadmin.get("/api/v1/ops/schedules")
    last = {s["id"]: s["last"] for s in lst["schedules"]}
    r.check(last["monthly-ops"] and last["monthly-ops"]["status"] == "sent", f"the schedule's last run is shown: {last}")

    want = ["datacheck_change", "datacheck_run", "schedule_create", "schedule_run"]
    def missing():
        out = []
        for w in want:
            code, au = auditadmin.get("/api/v1/audit?" + urllib.parse.urlencode({"q": "event.action:" + w, "limit": 5}))
            if code != 200 or not au.get("events"):
                out.append(w)
        return out
    try:
        wait_for(lambda: not missing(), 20, "the audit trail", interval=1)
    except Exception:
        pass
    r.check(not missing(), f"every change is in the audit trail: {missing()}")


if __name__ == "__main__":
    run("ops_duties", body)
