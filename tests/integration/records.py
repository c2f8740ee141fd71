"""The management records end to end (issue #22) against the real center on the demo hospital's
inventory: every kind's schema in both languages; records added, checked (the field named),
edited into versions and withdrawn (kept); CSV import taken whole or not at all, export read
back and formula cells defused; attachments; a policy from a template; a training's sign-in
sheet; an inspection finding as a rectification task; the workbench showing records as
evidence that goes stale; training coverage, reminders, and an account still live for a person
who left; roles (三员) and CSRF; every change audited; the CLI reads the same."""
import json
import os

from harness import demo_inventory, NEW_PASSWORDS, _SECRETS, Server, TempDir, args, cli, run, search_json, wait_for


def body(r):
    a = args()
    w = a.wardsec
    with TempDir() as t:
        data = os.path.join(t, "data")
        demo_inventory(w, data)
        with Server(w, data) as srv:
            sec = srv.admin("secadmin")
            code, res = sec.get("/api/v1/records")
            names = [k["name"] for k in res.get("kinds", [])]
            r.check(code == 200 and names == ["policy", "person", "training", "inspection", "supplier", "change", "unit", "filing", "data_asset"],
                    f"nine record kinds ({names})")
            r.check(all(f["zh"] and f["en"] for k in res["kinds"] for f in k["fields"]), "every field is named in Chinese and English")

            # Add, with the checks naming the field.
            person = {"name": "王芳", "department": "信息科", "post": "安全管理员", "role": "安全管理员", "key_post": True, "accounts": ["wangfang"]}
            code, res = sec.post("/api/v1/records/person", person)
            r.check(code == 201, f"a person is recorded ({code} {res})")
            pid = res.get("id")
            for bad, field in (({"department": ""}, "department"), ({"joined": "2026-02-30"}, "joined"), ({"role": "院长"}, "role"),
                               ({"shoe_size": 42}, "shoe_size"), ({"key_post": "yes"}, "key_post"), ({"name": "x" * 300}, "name")):
                code, res = sec.post("/api/v1/records/person", dict(person, **bad))
                r.check(code == 400 and field in res.get("error", ""), f"a bad record is refused, naming {field}: {res.get('error', '')[:80]}")
            code, res = sec.post("/api/v1/records/nonsense", {})
            r.check(code == 404, "an unknown kind is 404")
            code, res = sec.call("POST", "/api/v1/records/person", raw=b"{oops", headers={"Content-Type": "application/json"})
            r.check(code == 400, "a body that is not JSON is refused")
            change = {"title": "核心交换机 ACL 调整", "type": "配置变更", "targets": ["core-sw-01"], "requested_by": "张伟", "requested": "2026-11-02",
                      "plan": "新增 ACL 3001", "rollback": "恢复备份配置", "status": "已批准", "approved_by": "张伟", "approved": "2026-11-03",
                      "window_start": "2026-11-05 22:00", "window_end": "2026-11-05 23:30"}
            code, res = sec.post("/api/v1/records/change", change)
            r.check(code == 400 and "requester" in res.get("error", ""), "a requester cannot approve their own change")
            code, res = sec.post("/api/v1/records/change", dict(change, approved_by="李娜"))
            r.check(code == 201, f"an approved change with its window is recorded ({code})")

            # A change filed in wardsec is approved by another account than the one that filed it.
            req = {"title": "HIS 数据库补丁", "type": "补丁", "targets": ["his-db-01"], "requested_by": "杨敏", "requested": "2026-11-20",
                   "plan": "停应用后安装补丁", "rollback": "回滚补丁", "status": "申请"}
            code, ch = sec.post("/api/v1/records/change", req)
            approved = dict(req, status="已批准", approved_by="张伟", approved="2026-11-22", window_start="2026-12-12 01:00", window_end="2026-12-12 04:00")
            code, res = sec.call("PUT", f"/api/v1/records/change/{ch['id']}", approved)
            r.check(code == 409 and "another account" in res.get("error", ""), f"the account that filed a change cannot approve it ({code})")
            csv = ("id,title,type,targets,requested_by,requested,plan,rollback,approved_by,approved,window_start,window_end,status\n"
                   f"{ch['id']},HIS 数据库补丁,补丁,his-db-01,杨敏,2026-11-20,停应用后安装补丁,回滚补丁,张伟,2026-11-22,2026-12-12 01:00,2026-12-12 04:00,已批准\n")
            code, res = sec.call("POST", "/api/v1/records/change/import", raw=csv.encode(), headers={"Content-Type": "text/csv"})
            r.check(code == 409 and "another account" in res.get("error", ""), f"nor through an import of the edited export ({code})")
            second = srv.client()
            second.login("secadmin2", srv.create_account("secadmin2", "secadmin"), "Sec-Admin-Two-2026!")
            code, res = second.call("PUT", f"/api/v1/records/change/{ch['id']}", approved)
            r.check(code == 200, f"a second security administrator approves it ({code} {res})")

            # Versions and withdrawal.
            code, _ = sec.call("PUT", f"/api/v1/records/person/{pid}", dict(person, post="安全主管"))
            code, res = sec.get(f"/api/v1/records/person/{pid}")
            r.check(code == 200 and res["version"] == 2 and res["data"]["post"] == "安全主管" and res["versions"][0]["data"]["post"] == "安全管理员",
                    "an edit is a new version; the first is kept")
            code, tmp = sec.post("/api/v1/records/person", {"name": "临时", "department": "信息科", "post": "实习"})
            code, _ = sec.post(f"/api/v1/records/person/{tmp['id']}/withdraw")
            code, res = sec.get("/api/v1/records/person")
            r.check(all(x["id"] != tmp["id"] for x in res["items"]), "a withdrawn record leaves the list")
            code, res = sec.get("/api/v1/records/person?withdrawn=1")
            r.check(any(x["id"] == tmp["id"] and x["withdrawn"] for x in res["items"]), "and is kept, marked")
            code, res = sec.call("PUT", f"/api/v1/records/person/{tmp['id']}", {"name": "改", "department": "信息科", "post": "x"})
            r.check(code == 409, "a withdrawn record cannot be edited")

            # CSV: whole or nothing, then export and read back.
            csv = ("姓名,部门,岗位,离岗日期,系统账号（中心、堡垒机）\n赵强,信息科,网络管理员,2026-10-31,zhaoqiang\n"
                   "陈静,医务处,干事,,\n刘洋,护理部,护士长,,\n").encode()
            code, res = sec.call("POST", "/api/v1/records/person/import?filename=staff.csv", raw=csv + "李明,护理部,护士,2026-13-01,\n".encode(),
                                 headers={"Content-Type": "text/csv"})
            r.check(code == 400 and "staff.csv" in res["error"] and "row 5" in res["error"] and "left" in res["error"],
                    f"one bad row refuses the file, naming file, row and field: {res.get('error', '')[:100]}")
            code, res = sec.get("/api/v1/records/person")
            r.check(len(res["items"]) == 1, "and nothing of it was added")
            code, res = sec.call("POST", "/api/v1/records/person/import?filename=staff.csv", raw=csv, headers={"Content-Type": "text/csv"})
            r.check(code == 201 and res["added"] == 3, f"a good file adds every row ({code} {res})")
            code, _ = sec.post("/api/v1/records/person", {"name": "=cmd|' /C calc'!A0", "department": "信息科", "post": "x"})
            code, text = sec.call("GET", "/api/v1/records/person/export")
            text = text.decode() if isinstance(text, bytes) else text
            r.check(code == 200 and "姓名" in text and "赵强" in text and "'=cmd" in text, "the export is CSV with Chinese headers, formulas defused")
            code, res = sec.call("POST", "/api/v1/records/person/import?filename=again.csv", raw=text.encode(), headers={"Content-Type": "text/csv"})
            r.check(code == 201 and res["added"] == 0 and res["updated"] == 0, f"the export imports again, changing nothing ({code} {res})")
            edited = text.replace("赵强,信息科,网络管理员", "赵强,信息科,网络主管", 1) + ",孙磊,信息科,实习生" + "," * (text.splitlines()[0].count(",") - 3) + "\r\n"
            code, res = sec.call("POST", "/api/v1/records/person/import?filename=edited.csv", raw=edited.encode(), headers={"Content-Type": "text/csv"})
            r.check(code == 201 and res["added"] == 1 and res["updated"] == 1, f"an edited export updates the changed row and adds the new one ({code} {res})")

            # Policy templates; attachments.
            code, res = sec.get("/api/v1/records/policy/templates")
            keys = {x["key"] for x in res.get("templates", [])}
            want = {"overall", "network", "host", "backup", "incident-reporting", "emergency", "training", "supplier", "machine-room", "change", "password"}
            r.check(code == 200 and want <= keys, f"the policy templates the hospital needs ({sorted(keys)})")
            code, res = sec.post("/api/v1/records/policy/from-template", {"key": "password", "owner": "信息科"})
            r.check(code == 201, f"a draft policy from a template ({code})")
            pol = res["id"]
            code, res = sec.get(f"/api/v1/records/policy/{pol}")
            r.check(res["data"]["status"] == "草稿" and res["data"]["category"] == "口令管理" and res["attachments"][0]["name"] == "password.md",
                    "it is a draft of its category with the template attached")
            code, res = sec.call("POST", f"/api/v1/records/policy/{pol}/attachments?filename=../../etc/passwd", raw=b"x")
            r.check(code == 400, "an attachment name with a path is refused")
            code, res = sec.call("POST", f"/api/v1/records/policy/{pol}/attachments?filename=scan.pdf", raw=b"%PDF-1.4 signed")
            r.check(code == 201 and len(res["sha256"]) == 64, "a scan is attached by its digest")
            cur = sec.get(f"/api/v1/records/policy/{pol}")[1]["data"]
            live = dict(cur, status="生效", published="2026-01-10", reviewed="2026-03-01")
            code, _ = sec.call("PUT", f"/api/v1/records/policy/{pol}", live)
            r.check(code == 200, "the policy is published")

            # Training with a sign-in sheet; an old one; the workbench's evidence.
            code, tr = sec.post("/api/v1/records/training", {"date": "2026-05-12", "topic": "钓鱼邮件识别", "type": "安全意识", "trainer": "王芳", "attendees": ["王芳"]})
            code, res = sec.call("POST", f"/api/v1/records/training/{tr['id']}/sign-in?filename=sign.csv", raw="姓名,部门,成绩\n赵强,信息科,90\n陈静,医务处,50\n".encode())
            r.check(code == 200 and res["attendees"] == 3 and res["pass_rate"] == 50, f"the sign-in sheet joins attendees and scores ({res})")
            code, res = sec.call("POST", f"/api/v1/records/training/{tr['id']}/sign-in", raw="部门\n信息科\n".encode())
            r.check(code == 400 and "姓名" in res["error"], "a sheet without names is refused")
            code, _ = sec.post("/api/v1/records/training", {"date": "2024-05-01", "topic": "旧培训", "type": "岗位技能", "trainer": "x", "attendees": ["王芳"]})
            code, wb = sec.get("/api/v1/compliance/systems/his")
            items = {i["id"]: i for i in wb.get("items", [])}
            r.check(items.get("HR.TRN.a", {}).get("records") == 1 and items.get("PO.REV.a", {}).get("records") == 1,
                    "the workbench counts this year's training and the reviewed policy as evidence")
            r.check(items.get("HR.TRN.b", {}).get("records") == 0 and items.get("HR.TRN.b", {}).get("records_stale") == 1,
                    "a 2024 skills training is stale evidence, not counted")
            code, it = sec.get("/api/v1/compliance/systems/his/items/HR.TRN.b")
            r.check(code == 200 and it["records"][0]["fresh"] is False and "365" in it["records"][0]["why_stale_en"] and it["records"][0]["link"].startswith("/records"),
                    "the item says why its record is stale and links to it")

            # An inspection finding becomes a rectification task.
            code, ins = sec.post("/api/v1/records/inspection", {"date": "2026-11-20", "type": "全面检查", "scope": ["机房", "服务器"], "inspector": "王芳",
                                                               "result": "发现问题", "findings": "机房门禁记录缺失"})
            r.check(code == 201, f"an inspection is recorded ({code})")
            code, res = sec.post(f"/api/v1/records/inspection/{ins['id']}/findings", {"system": "his", "item": "PE.PAC.a", "problem": "门禁记录缺失，补装门禁",
                                                                                     "owner": "赵强", "due": "2026-12-31"})
            r.check(code == 201 and res["rectification"] > 0, f"a finding opens a rectification task ({code} {res})")
            code, rs = sec.get("/api/v1/compliance/rectifications?system=his")
            r.check(any(x.get("source") == f"inspection:{ins['id']}" for x in rs.get("tasks", [])), "sourced to the inspection")
            code, res = sec.post(f"/api/v1/records/inspection/{ins['id']}/findings", {"system": "his", "item": "ZZ.ZZ.z", "problem": "x", "owner": "y", "due": "2026-12-31"})
            r.check(code == 400, "a finding on an item not in the catalog is refused")

            # The summary: a person who left still has a live center account; coverage; reminders.
            srv.create_account("zhaoqiang", "readonly")
            code, s = sec.get("/api/v1/records/summary?year=2026")
            r.check(code == 200 and any(g["user"] == "zhaoqiang" and g["owner"] == "赵强" for g in s["revocation_gaps"]),
                    f"an account of a person who left is flagged ({s.get('revocation_gaps')})")
            cov = {c["department"]: c for c in s["training_coverage"]}
            r.check(cov.get("护理部", {}).get("untrained") == ["刘洋"], f"coverage names who was not trained ({cov.get('护理部')})")
            r.check(any(m["kind"] == "person" and "background" in m["en"] for m in s["reminders"]), "a key post without a background check is a reminder")

            # The assessment cycle: what is due, a planned assessment, its result, the report's problems.
            code, ev = sec.get("/api/v1/compliance/evaluations")
            due = {(d["system"], d["kind"]): d for d in ev.get("due", [])}
            r.check(code == 200 and due[("his", "mlps")]["overdue"] and not due[("his", "mlps")]["due"] and ("his", "crypto") in due
                    and ("oa", "mlps") in due and ("oa", "crypto") not in due,
                    "never-assessed level-3 systems are due now for 等级测评 and 密评; level 2 only for 等级测评")
            code, res = sec.post("/api/v1/compliance/evaluations", {"system": "his", "kind": "mlps", "body": "示范市网络安全测评中心", "planned": "2026-02-30"})
            r.check(code == 400 and "2026-02-30" in res["error"], "a planned date that does not exist is refused")
            code, res = sec.post("/api/v1/compliance/evaluations", {"system": "nope", "kind": "mlps", "body": "x", "planned": "2026-10-01"})
            r.check(code == 404, "an assessment of an unknown system is refused")
            code, res = sec.post("/api/v1/compliance/evaluations", {"system": "his", "kind": "mlps", "body": "示范市网络安全测评中心", "planned": "2026-10-01"})
            r.check(code == 201, f"a planned assessment is recorded ({code} {res})")
            eid = res["id"]
            code, res = sec.post(f"/api/v1/compliance/evaluations/{eid}/result", {"done": "2026-10-20", "score": 86.5, "conclusion": "基本符合"})
            r.check(code == 400, "a 密评 conclusion on an MLPS assessment is refused")
            code, res = sec.post(f"/api/v1/compliance/evaluations/{eid}/result", {"done": "2026-10-20", "score": 86.5, "conclusion": "良", "report_no": "DJCP-2026-001"})
            r.check(code == 200, f"its result is recorded ({code} {res})")
            code, ev = sec.get("/api/v1/compliance/evaluations?system=his")
            d = {x["kind"]: x for x in ev["due"]}["mlps"]
            r.check(d["last_done"] == "2026-10-20" and d["due"] == "2027-10-20" and not d["overdue"], f"the next one is due a year later ({d})")
            csv = ("item,problem,risk,owner,plan,due\nCE.IA.b,未配置登录失败处理,高,信息科 李阳,启用登录失败锁定,2027-01-31\n"
                   "AB.AUD.a,审计记录保存不足 180 天,中,信息科 王芳,扩容日志存储,2027-03-31\n").encode()
            code, res = sec.call("POST", f"/api/v1/compliance/evaluations/{eid}/problems", raw=csv + "ZZ.ZZ.z,x,高,a,b,2027-01-01\n".encode())
            r.check(code == 400 and "ZZ.ZZ.z" in res["error"], "a report with an unknown item is refused whole")
            code, res = sec.call("POST", f"/api/v1/compliance/evaluations/{eid}/problems", raw=csv)
            r.check(code == 201 and res["opened"] == 2, f"a report's problems open rectification tasks ({code} {res})")
            code, dash = sec.get("/api/v1/dashboard")
            r.check(code == 200 and dash.get("evaluations", {}).get("overdue", 0) > 0, "the dashboard counts overdue assessments")

            # The filing: the unit once, a system's filing with its deadline, data classification.
            unit = {"name": "示范市第一人民医院", "credit_code": "12000000MB0000010Y", "address": "健康路 1 号", "leader": "李建国", "security_dept": "信息科",
                    "security_contact": "张伟", "security_phone": "0000-8800201", "affiliation": "其他", "unit_type": "事业单位", "industry": "卫生健康"}
            code, res = sec.post("/api/v1/records/unit", dict(unit, credit_code="12000000MB0000010X"))
            r.check(code == 400 and "GB 32100" in res["error"], "a credit code with a wrong check character is refused")
            code, _ = sec.post("/api/v1/records/unit", unit)
            code2, res = sec.post("/api/v1/records/unit", unit)
            r.check(code == 201 and code2 == 409 and "edit it" in res.get("error", ""), f"there is one filing unit: a second is refused ({code2})")
            code, res = sec.post("/api/v1/records/filing", {"system": "ihosp", "object_type": "信息系统", "level": "第三级", "graded": "2026-09-10", "go_live": "2026-10-20"})
            r.check(code == 201, f"a filing in progress is recorded ({code} {res})")
            code, res = sec.post("/api/v1/records/filing", {"system": "nope", "object_type": "信息系统", "level": "第三级"})
            r.check(code == 400 and "nope" in res["error"], "a filing of a system not in the inventory is refused")
            code, res = sec.post("/api/v1/records/data_asset", {"system": "his", "name": "患者基本信息", "category": "个人属性数据", "grade": "重要数据",
                                                                "personal": "敏感个人信息", "db_objects": ["his.patient_info"], "owner": "信息科 张伟"})
            r.check(code == 201, f"a data asset is classified ({code} {res})")
            code, s = sec.get("/api/v1/records/summary")
            fil = [m for m in s["reminders"] if m["kind"] == "filing"]
            r.check(any(m["title"] == "互联网医院" and m["due"] == "2026-11-19" and m["overdue"] for m in fil),
                    f"the filing deadline is 30 days after going live, and overdue ({fil[:2]})")
            code, g = sec.get("/api/v1/compliance/systems/his/gradings")
            r.check(code == 200 and g["data"]["sensitive_personal"] == 1 and "敏感个人信息" in g["data"]["text_zh"], "the grading wizard shows the system's classified data")

            # Roles and CSRF.
            code, _ = srv.admin("sysadmin").post("/api/v1/records/person", person)
            r.check(code == 403, "the system administrator cannot write records (三员)")
            code, _ = srv.admin("auditadmin").post("/api/v1/records/person", person)
            r.check(code == 403, "nor can the audit administrator")
            web = srv.client()
            web.login("secadmin", NEW_PASSWORDS["secadmin"], secret=_SECRETS[(srv.data, "secadmin")], step_offset=1)
            code, res = web.call("POST", "/api/v1/records/person", person, csrf=False)
            r.check(code == 403 and "CSRF" in res.get("error", ""), "a record without the session's CSRF token is refused")
            want = ("record_add", "record_update", "record_withdraw", "record_import", "record_attach", "evaluation_add", "evaluation_result",
                    "evaluation_problems", "rectification_add")
            def missing():
                return [x for x in want if not search_json(w, data, f"event.dataset:wardsec.audit AND event.action:{x}", "--limit", "1")]
            wait_for(lambda: not missing(), 30, "the audit records")
            r.check(not missing(), f"every change is audited (missing {missing()})")
        out = cli(w, "records", "list", "person", "--data", data).stdout
        r.check("赵强" in out and "王芳" in out, "wardsec records list reads the same store")
        res = cli(w, "records", "import", "person", "/nonexistent.csv", "--data", data, check=False)
        r.check(res.returncode != 0 and "nonexistent" in res.stderr, "the CLI names a file it cannot read")
        s = json.loads(cli(w, "records", "summary", "--year", "2026", "--format", "json", "--data", data).stdout)
        r.check(any(c["department"] == "护理部" for c in s["training_coverage"]), "wardsec records summary shows the coverage")


run("records", body)
