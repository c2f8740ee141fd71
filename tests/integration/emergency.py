"""Emergency plans and drills end to end (issue #17) against the real center on the demo
hospital's inventory: a plan from a shipped template picks the hospital's own systems; bad
plans are refused with the field named; activation, revision and re-evaluation are versions
and land as OM.EMG evidence in the compliance workbench; a drill is scheduled, started, its
steps recorded with times (never ahead of now, never skipped at the end), its participants
and restore time recorded, finished and evaluated: the RTO verdict, findings that open
rectification tasks on the covered systems, the drill report as HTML and PDF; an incident
started from a plan carries its steps as a checklist; roles are enforced; every change is in
the audit trail; the CLI reads the same."""
import json
import os

from harness import demo_inventory, NEW_PASSWORDS, _SECRETS, Server, TempDir, args, cli, render_png, run, search_json, wait_for


def body(r):
    a = args()
    w = a.wardsec
    with TempDir() as t:
        data = os.path.join(t, "data")
        demo_inventory(w, data)
        with Server(w, data) as srv:
            sec = srv.admin("secadmin")
            code, res = sec.get("/api/v1/emergency/templates")
            keys = {x["key"] for x in res.get("templates", [])}
            r.check(code == 200 and {"his-downtime", "network-core", "ransomware", "patient-data-leak", "tongfang-leak", "db-restore",
                                     "power-machine-room", "web-defacement"} <= keys, f"eight hospital templates ({sorted(keys)})")
            r.check(all(x["zh"]["title"] and x["en"]["title"] for x in res["templates"]), "each template in Chinese and English")

            # A plan from a template: the hospital's own systems of its kinds.
            code, plan = sec.post("/api/v1/emergency/plans", {"template": "his-downtime", "lang": "zh"})
            r.check(code == 201 and plan["status"] == "draft" and plan["version"] == 1, f"a plan from the HIS/EMR template, a draft ({code})")
            r.check(sorted(plan["systems"]) == ["emr", "his"], f"it covers the hospital's HIS and EMR ({plan['systems']})")
            pid = plan["id"]
            code, res = sec.post("/api/v1/emergency/plans", {"template": "nonsense"})
            r.check(code == 400 and "nonsense" in res["error"], "an unknown template is refused, named")
            body_ = {k: plan[k] for k in ("title", "scenario", "scope", "systems", "roles", "triggers", "steps", "rto_minutes", "items",
                                          "subcategory", "drill_days", "review_days")}
            for patch, field in ((({"steps": [{"title": "x", "owner": "门卫"}]}), "owner"), ({"items": ["OM.ZZZ.q"]}, "OM.ZZZ.q"),
                                 ({"systems": ["nope"]}, "nope"), ({"subcategory": "XXBAD"}, "XXBAD"), ({"rto_minutes": -5}, "rto_minutes"),
                                 ({"drill_days": 500}, "drill_days"), ({"title": "<script>" * 200}, "title")):
                code, res = sec.post("/api/v1/emergency/plans", dict(body_, **patch))
                r.check(code == 400 and field in res.get("error", ""), f"a bad plan is refused, naming {field}: {res.get('error', '')[:90]}")
            code, res = sec.call("POST", "/api/v1/emergency/plans", raw=b"{not json", headers={"Content-Type": "application/json"})
            r.check(code == 400, f"a body that is not JSON is refused ({code})")

            # Activate, revise (a note is required), review: versions, and evidence in the workbench.
            code, res = sec.post(f"/api/v1/emergency/plans/{pid}/status", {"status": "active", "note": "院长办公会审议通过"})
            r.check(code == 200 and res["status"] == "active", f"the plan is activated ({code})")
            revised = dict(body_, rto_minutes=180)
            code, res = sec.call("PUT", f"/api/v1/emergency/plans/{pid}", revised)
            r.check(code == 400 and "note" in res["error"], "a revision without a note is refused")
            code, res = sec.call("PUT", f"/api/v1/emergency/plans/{pid}", dict(revised, note="RTO 缩短为 180 分钟"))
            r.check(code == 200 and res["version"] == 2 and res["rto_minutes"] == 180, f"a revision is version 2 ({code})")
            code, res = sec.post(f"/api/v1/emergency/plans/{pid}/review", {"note": "年度评审：联系人已更新"})
            kinds = [h["kind"] for h in res.get("history", [])]
            r.check(code == 200 and kinds == ["created", "activated", "revised", "reviewed"], f"the history keeps each step ({kinds})")
            r.check(res["history"][0]["body"]["rto_minutes"] == 240, "version 1's text is kept as it was")
            code, ev = sec.get("/api/v1/compliance/systems/his/items/OM.EMG.b")
            texts = [e["text"] for e in ev.get("evidence", [])] if code == 200 else []
            r.check(any("启用" in x for x in texts) and any("修订" in x for x in texts), f"activation and revision are OM.EMG.b evidence on HIS ({code})")
            code, ev = sec.get("/api/v1/compliance/systems/his/items/OM.EMG.d")
            r.check(code == 200 and any("评审" in e["text"] for e in ev["evidence"]), "the review is OM.EMG.d evidence")
            code, ev = sec.get("/api/v1/compliance/systems/lis/items/OM.EMG.b")
            r.check(code == 200 and not ev["evidence"], "a system the plan does not cover gets no evidence from it")

            # A drill: schedule, start, steps with times, participants, restored, finish, evaluate.
            code, res = sec.post("/api/v1/emergency/drills", {"plan": pid, "date": "2026-02-30", "kind": "tabletop"})
            r.check(code == 400 and "2026-02-30" in res["error"], "a date that does not exist is refused")
            code, d = sec.post("/api/v1/emergency/drills", {"plan": pid, "date": "2026-12-10", "kind": "functional", "title": "HIS 停机演练"})
            r.check(code == 201 and d["status"] == "scheduled" and d["rto_minutes"] == 180 and d["plan_version"] == 2,
                    f"a drill is scheduled against version 2 with its RTO ({code})")
            did = d["id"]
            code, res = sec.post(f"/api/v1/emergency/drills/{did}/steps/1", {"result": "ok"})
            r.check(code == 400, "a step before the start is refused")
            code, res = sec.post(f"/api/v1/emergency/drills/{did}/start", {"at": "now-100m"})
            r.check(code == 200 and res["status"] == "running", f"started (recorded 100 minutes back) ({code})")
            code, res = sec.post(f"/api/v1/emergency/drills/{did}/steps/1", {"result": "ok", "at": "now+1d"})
            r.check(code == 400 and "future" in res["error"], "a step time ahead of now is refused")
            code, res = sec.post(f"/api/v1/emergency/drills/{did}/steps/2", {"result": "failed"})
            r.check(code == 400 and "note" in res["error"], "a failed step needs a note")
            n = len(d["steps"])
            for i in range(1, n):
                code, res = sec.post(f"/api/v1/emergency/drills/{did}/steps/{i}",
                                     {"result": "failed" if i == 4 else "ok", "note": "备机切换脚本报错，人工切换" if i == 4 else "",
                                      "at": f"now-{100 - 10 * i}m"})
                r.check(code == 200, f"step {i} recorded ({code} {res.get('error', '')})") if code != 200 else None
            code, res = sec.post(f"/api/v1/emergency/drills/{did}/finish", {})
            r.check(code == 400 and "participants" not in res["error"] and ("took part" in res["error"] or "step" in res["error"]),
                    f"a drill does not finish with steps or participants missing: {res.get('error')}")
            code, res = sec.post(f"/api/v1/emergency/drills/{did}/steps/{n}", {"result": "skipped", "note": "总结会另行召开"})
            code, res = sec.call("PUT", f"/api/v1/emergency/drills/{did}/participants",
                                 {"participants": [{"name": "张伟", "role": "信息科科长"}, {"name": "王芳", "role": "数据库管理员"},
                                                   {"name": "刘洋", "role": "医务处、护理部值班负责人"}]})
            r.check(code == 200 and len(res["participants"]) == 3, f"participants recorded ({code})")
            code, res = sec.post(f"/api/v1/emergency/drills/{did}/restored", {"at": "now-10m"})
            r.check(code == 200 and res["recovery_minutes"] == 90 and res["rto_met"] is True, f"restored after 90 minutes: RTO 180 met ({res.get('recovery_minutes')})")
            code, res = sec.post(f"/api/v1/emergency/drills/{did}/finish", {})
            r.check(code == 200 and res["status"] == "done", f"the drill is finished ({code})")
            code, res = sec.post(f"/api/v1/emergency/drills/{did}/evaluate", {"summary": "纸质流程切换顺利"})
            r.check(code == 400 and "finding" in res["error"], "an evaluation that ignores a failed step is refused")
            code, res = sec.post(f"/api/v1/emergency/drills/{did}/evaluate", {"summary": "纸质流程切换顺利；备机切换脚本需修复", "findings": [
                {"text": "备机切换脚本报错", "item": "OM.EMG.b", "owner": "王芳", "due": "2027-01-31"}, {"text": "x", "item": "ZZ.bad"}]})
            r.check(code == 400 and "ZZ.bad" in res["error"], "a finding on an item not in the catalog is refused")
            code, res = sec.post(f"/api/v1/emergency/drills/{did}/evaluate", {"summary": "纸质流程切换顺利；备机切换脚本需修复", "findings": [
                {"text": "备机切换脚本报错", "item": "OM.EMG.b", "owner": "王芳", "due": "2027-01-31"}]})
            tasks = res.get("findings", [{}])[0].get("tasks", []) if code == 200 else []
            r.check(code == 200 and len(tasks) == 2, f"the finding opens a rectification task on each covered system ({tasks})")
            code, rect = sec.get("/api/v1/compliance/rectifications?system=his")
            mine = [x for x in rect.get("tasks", []) if x["source"] == f"drill:{did}"]
            r.check(code == 200 and len(mine) == 1 and mine[0]["owner"] == "王芳" and mine[0]["due"] == "2027-01-31" and mine[0]["item"] == "OM.EMG.b",
                    "the task is in the compliance workbench with owner, due date, item and its source")
            code, ev = sec.get("/api/v1/compliance/systems/emr/items/OM.EMG.c")
            r.check(code == 200 and any("达标" in e["text"] and "3 人" in e["text"] for e in ev["evidence"]),
                    "the evaluated drill is OM.EMG.c evidence (RTO verdict, participants)")
            code, html = sec.get(f"/api/v1/emergency/drills/{did}/report?format=html")
            html = html.decode() if isinstance(html, bytes) else str(html)
            r.check(code == 200 and "应急演练报告" in html and "HIS 停机演练" in html and "备机切换脚本报错" in html and "达标" in html and "王芳" in html,
                    "the drill report (HTML) has the plan, steps, RTO verdict, findings and people")
            if os.environ.get("WARDSEC_REPORT_SHOTS"):
                render_png(html, os.path.join(os.environ["WARDSEC_REPORT_SHOTS"], "drill-report-zh-1.png"), t)
            code, en = sec.get(f"/api/v1/emergency/drills/{did}/report?format=html&lang=en")
            r.check(code == 200 and b"Emergency drill report" in (en if isinstance(en, bytes) else en.encode()), "the drill report in English")
            code, pdf = sec.get(f"/api/v1/emergency/drills/{did}/report?format=pdf")
            r.check(code == 200 and isinstance(pdf, bytes) and pdf.startswith(b"%PDF"), f"the drill report as PDF ({code})")
            code, res = sec.call("PUT", f"/api/v1/emergency/drills/{did}/participants", {"participants": [{"name": "冒名", "role": "x"}]})
            r.check(code == 400, "an evaluated drill's participants stay as recorded")

            # What is due: the next drill a year after this one.
            code, due = sec.get("/api/v1/emergency/due")
            nxt = [x for x in due.get("due", []) if x["plan"] == pid and x["what"] == "drill"]
            r.check(code == 200 and nxt and not nxt[0]["overdue"] and nxt[0]["due"] >= "2027-", f"the next drill is due within a year ({nxt})")

            # An incident from a plan: its steps are the checklist.
            code, inc = sec.post(f"/api/v1/emergency/plans/{pid}/incident", {"title": "HIS 数据库宕机", "discovered": "now-5m"})
            r.check(code == 201 and inc["plan"] == pid and inc["source"] == f"plan:{pid}" and len(inc["checklist"]) == n,
                    f"an incident from the plan carries its {n} steps ({code})")
            iid = inc["id"]
            code, res = sec.post(f"/api/v1/incidents/{iid}/checklist/1", {"done": True, "note": "已通知应急领导小组"})
            r.check(code == 200 and res["checklist"][0]["done_by"] == "secadmin" and any(e["kind"] == "checklist" for e in res["timeline"]),
                    "a checklist step ticked is on the timeline")
            code, res = sec.post(f"/api/v1/incidents/{iid}/checklist/1", {"done": False})
            r.check(code == 400, "reopening a step needs a note")
            code, res = sec.post(f"/api/v1/emergency/plans/{pid}/status", {"status": "retired"})
            r.check(code == 400 and "note" in res["error"], "retiring a plan needs a note")

            # Roles: a read-only account reads; the audit administrator does not; nobody else writes.
            ro = srv.client()
            ro.login("duty2", srv.create_account("duty2", "readonly"), "Duty-Two-2026!")
            code, _ = ro.get("/api/v1/emergency/plans")
            r.check(code == 200, "a read-only account reads the plans")
            code, _ = ro.post(f"/api/v1/emergency/drills", {"plan": pid, "date": "2026-12-20"})
            r.check(code == 403, "a read-only account cannot schedule a drill")
            web = srv.client()  # a console session (cookie + CSRF token), not an API token
            web.login("secadmin", NEW_PASSWORDS["secadmin"], secret=_SECRETS[(srv.data, "secadmin")], step_offset=1)
            code, res = web.call("PUT", f"/api/v1/emergency/plans/{pid}", dict(revised, note="伪造修订", rto_minutes=1), csrf=False)
            r.check(code == 403 and "CSRF" in res.get("error", ""), f"a revision without the session's CSRF token is refused ({code})")
            code, res = sec.call("POST", f"/api/v1/emergency/drills/{did}/cancel", {"reason": "x"}, headers={"Origin": "https://evil.example"})
            r.check(code == 403, f"a change from another site is refused ({code})")
            code, _ = srv.admin("sysadmin").post(f"/api/v1/emergency/plans/{pid}/review", {"note": "x"})
            r.check(code == 403, "the system administrator cannot change plans (三员)")
            wait_for(lambda: search_json(w, data, "event.dataset:wardsec.audit AND event.action:incident_checklist"), 20, "the audit records")
            acts = {e.get("event.action") for e in search_json(w, data, "event.dataset:wardsec.audit AND (event.action:plan_* OR event.action:drill_* OR event.action:incident_checklist)")}
            want = {"plan_create", "plan_status", "plan_revise", "plan_review", "drill_schedule", "drill_start", "drill_step", "drill_participants",
                    "drill_restored", "drill_finish", "drill_evaluate", "incident_checklist"}
            r.check(want <= acts, f"every change is audited (missing {sorted(want - acts)})")
        # The CLI reads the same data (the center is stopped: the files are its).
        plans = json.loads(cli(w, "emergency", "plans", "--data", data).stdout)
        r.check(any(p["id"] == pid and p["version"] == 2 for p in plans), "wardsec emergency plans lists it")
        drill = json.loads(cli(w, "emergency", "drill", str(did), "--data", data).stdout)
        r.check(drill["status"] == "done" and drill["findings"][0]["tasks"] == tasks, "wardsec emergency drill shows the record")
        res = cli(w, "emergency", "schedule", "--plan", str(pid), "--date", "2026-13-01", "--data", data, check=False)
        r.check(res.returncode != 0 and "2026-13-01" in res.stderr, "the CLI refuses a bad date, naming it")


run("emergency", body)
