"""The center's own security, attacked (issue #13): each finding performed against a running
center on loopback, as an outside tester would, and the answer that must hold now.

Attackers come from other loopback addresses (127.0.0.2 and up: all of 127.0.0.0/8 is this
machine) so that "per account and source" can be told from "per account"."""
import http.client
import json
import os
import socket
import ssl
import stat
import threading
import time
import urllib.parse

from harness import Client, NEW_PASSWORDS, Server, TempDir, _SECRETS, args, cli, rss_kib, run, totp, wait_for


def from_addr(srv, src, method, path, body=None, headers=None):
    """One HTTPS request from a chosen loopback source address."""
    ctx = ssl.create_default_context(cafile=srv.cafile)
    c = http.client.HTTPSConnection("127.0.0.1", srv.http, context=ctx, timeout=30, source_address=(src, 0))
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    c.request(method, path, body=json.dumps(body).encode() if body is not None else None, headers=h)
    r = c.getresponse()
    text = r.read()
    c.close()
    try:
        return r.status, json.loads(text or b"{}"), r
    except ValueError:
        return r.status, text, r


def body(r):
    a = args()
    w = a.wardsec
    with TempDir() as t:
        data = os.path.join(t, "data")
        cfg = os.path.join(t, "wardsec.yaml")
        with open(cfg, "w") as f:
            f.write("auth:\n  login_rate_per_minute: 1000\n")
        with Server(w, data, ["--config", cfg]) as srv:
            # Each administrator: the first login (and an API token, as scripts have), then a
            # console session.
            sessions = {}
            for who in ("secadmin", "sysadmin", "auditadmin"):
                srv.admin(who)
                sessions[who] = srv.client()
                sessions[who].login(who, NEW_PASSWORDS[who], secret=_SECRETS[(data, who)], step_offset=1)
            sec, sysc, aud = sessions["secadmin"], sessions["sysadmin"], sessions["auditadmin"]
            col_token = srv.collector_token()
            col = srv.client(col_token)

            # ---- 1. forging the administrators' audit trail ------------------------------------
            forged = {"event.dataset": "wardsec.audit", "event.action": "login", "user.name": "auditadmin",
                      "event.outcome": "success", "message": "FORGED-TCP", "wardsec.audit.signature": "00"}
            s = socket.create_connection(("127.0.0.1", srv.tcp))
            s.sendall((json.dumps(forged) + "\n").encode())
            s.close()
            forged["message"] = "FORGED-HTTP"
            forged["event.dataset"] = "WardSec.Audit"
            code, res = col.call("POST", "/api/v1/ingest", raw=json.dumps(forged).encode())
            r.check(code == 200, f"the forged lines are accepted as ordinary log lines ({code})")

            def seen_by_secadmin():
                code, res = sec.get("/api/v1/search?" + urllib.parse.urlencode({"q": "FORGED-TCP OR FORGED-HTTP", "from": "now-1h"}))
                return res["events"] if code == 200 and len(res["events"]) == 2 else None
            evs = wait_for(seen_by_secadmin, 20, "the forged lines in the security administrator's search")
            r.check(all(e["event.dataset"].startswith("claimed.") and "wardsec.audit.signature" not in e for e in evs),
                    f"they are renamed (claimed.*), not hidden from the security administrator ({[e['event.dataset'] for e in evs]})")
            code, res = aud.get("/api/v1/audit?" + urllib.parse.urlencode({"q": "FORGED-TCP OR FORGED-HTTP OR claimed*", "limit": 100}))
            r.check(code == 200 and res["events"] == [], "and they never reach the audit trail")
            code, res = aud.get("/api/v1/audit?" + urllib.parse.urlencode({"q": "event.action:login", "limit": 100}))
            r.check(code == 200 and res["events"] and all(len(e.get("wardsec.audit.signature", "")) > 64 and e["wardsec.audit.verified"] is True for e in res["events"]),
                    "the audit trail's records are signed by the instance key")
            r.check(srv.metrics()["reserved_renamed"] >= 2, "renamed lines are counted in the metrics")

            # ---- 5. reaching the audit trail through the query text -------------------------------
            for path in ("/api/v1/search/stats", "/api/v1/search", "/api/v1/search/export"):
                code, res = sec.get(path + "?" + urllib.parse.urlencode({"q": "event.dataset:wardsec.audit) OR (x", "from": "now-1h"}))
                r.check(code == 400, f"{path}: a query that closes the server's parentheses is a syntax error ({code})")
            code, st = sec.get("/api/v1/search/stats?" + urllib.parse.urlencode({"q": "event.dataset:wardsec.audit OR *", "from": "now-1h"}))
            r.check(code == 200 and not any(f["value"] == "wardsec.audit" for f in st["facets"]["event.dataset"]),
                    "an OR inside the user's query still cannot reach the audit trail's facets")

            # ---- 2. turning the lockout against an administrator ------------------------------
            aud_token = srv.admin("auditadmin").token
            statuses, unknown, msgs = [], [], set()
            for i in range(6):
                c1, res1, _ = from_addr(srv, "127.0.0.2", "POST", "/api/v1/auth/login", {"username": "auditadmin", "password": f"guess-{i}"})
                c2, res2, _ = from_addr(srv, "127.0.0.2", "POST", "/api/v1/auth/login", {"username": "no-such-admin", "password": f"guess-{i}"})
                statuses.append(c1)
                unknown.append(c2)
                msgs.add((c1, res1.get("error")))
                msgs.add((c2, res2.get("error")))
            r.check(statuses == [401, 401, 401, 401, 423, 423], f"the guesser from 127.0.0.2 locks out only itself ({statuses})")
            r.check(statuses == unknown and len(msgs) == 2, f"an unknown name answers exactly like a real one ({unknown})")
            code, _ = aud.get("/api/v1/audit?limit=1")
            r.check(code == 200, "the audit administrator's live session goes on")
            code, _ = srv.client(aud_token).get("/api/v1/audit?limit=1")
            r.check(code == 200, "and the audit administrator's API token works")
            code, me = srv.client().post("/api/v1/auth/login", {"username": "auditadmin", "password": NEW_PASSWORDS["auditadmin"]})
            r.check(code == 200 and me["stage"] == "mfa", "and a fresh login from the administrator's own address works")
            # Many addresses: the account is closed to new addresses, not to its own.
            for i in range(24):
                from_addr(srv, f"127.0.1.{i + 1}", "POST", "/api/v1/auth/login", {"username": "auditadmin", "password": "spray-2026"})
            c1, res1, _ = from_addr(srv, "127.0.2.1", "POST", "/api/v1/auth/login", {"username": "auditadmin", "password": NEW_PASSWORDS["auditadmin"]})
            code, me = srv.client().post("/api/v1/auth/login", {"username": "auditadmin", "password": NEW_PASSWORDS["auditadmin"]})
            r.check(c1 == 423 and code == 200, f"a spray from 24 addresses locks the account for new addresses ({c1}), not its own ({code})")

            # ---- 3. 三员分立: the role x action matrix, and chains -----------------------------
            ro_pw = srv.create_account("viewer1", "readonly")
            ro = srv.client()
            ro_secret = ro.login("viewer1", ro_pw, "Red-Lantern-5820")
            clients = {"sysadmin": sysc, "secadmin": sec, "auditadmin": aud, "readonly": ro}
            actions = [("POST", "/api/v1/users", {"name": "x-new", "role": "readonly"}),
                       ("POST", "/api/v1/users", {"name": "x-new2", "role": "auditadmin"}),
                       ("PATCH", "/api/v1/users/auditadmin", {"role": "readonly"}),
                       ("PATCH", "/api/v1/users/auditadmin", {"disabled": True}),
                       ("POST", "/api/v1/users/auditadmin/reset-password", {}),
                       ("POST", "/api/v1/users/auditadmin/reset-mfa", {}),
                       ("DELETE", "/api/v1/users/auditadmin", None)]
            wrong = []
            for role, c in clients.items():
                for m, p, b in actions:
                    code, res = c.call(m, p, b)
                    want = 202 if role == "sysadmin" else 403
                    if code != want:
                        wrong.append(f"{role} {m} {p}: {code}")
            r.check(not wrong, f"only the system administrator files account changes, and every one waits for approval {wrong[:4]}")
            code, users = sysc.get("/api/v1/users")
            audrow = [u for u in users["users"] if u["name"] == "auditadmin"][0]
            r.check(audrow["role"] == "auditadmin" and not audrow["disabled"] and audrow["mfa_enrolled"]
                    and not {"x-new", "x-new2"} & {u["name"] for u in users["users"]},
                    "nothing the system administrator filed took effect alone")
            code, reqs = sysc.get("/api/v1/users/requests")
            pend = {q["id"]: q for q in reqs["requests"] if q["state"] == "pending"}
            first = next(q for q in pend.values() if q["action"] == "create" and q["target"] == "x-new")
            code, res = sysc.post(f"/api/v1/approvals/{first['id']}/approve")
            r.check(code == 403, "the system administrator cannot approve (not even his own request)")
            code, res = aud.post(f"/api/v1/approvals/{first['id']}/approve")
            r.check(code == 403, "the audit administrator approves only changes to security administrators")
            code, res = ro.post(f"/api/v1/approvals/{first['id']}/approve")
            r.check(code == 403, "a read-only user cannot approve")
            for q in pend.values():
                if q["target"] == "auditadmin" or q["target"] == "x-new2":
                    sec.post(f"/api/v1/approvals/{q['id']}/reject")
            # Chain: a second system administrator, approved, tries to take over the first.
            code, filed = sysc.post("/api/v1/users", {"name": "sys2", "role": "sysadmin"})
            code, dec = sec.post(f"/api/v1/approvals/{filed['request']['id']}/approve")
            half = filed["password_first_half"]
            code, _ = srv.client().post("/api/v1/auth/login", {"username": "sys2", "password": half})
            r.check(code == 401, "the requester's half alone does not open the new account")
            sys2 = srv.client()
            sys2.login("sys2", half + dec["password_second_half"], "Kx7-Second-Admin!")
            code, res = sys2.call("PATCH", "/api/v1/users/sysadmin", {"role": "auditadmin"})
            r.check(code == 202, f"a second system administrator's role change of the first only files a request ({code})")
            code, res = sys2.post("/api/v1/users/sysadmin/reset-password", {})
            r.check(code == 202, "as does a reset of the first's password")
            code, me = sysc.get("/api/v1/auth/me")
            r.check(code == 200 and me["role"] == "sysadmin", "the first system administrator is untouched")
            # The security administrator cannot approve a change to her own account.
            code, filed = sysc.post("/api/v1/users/secadmin/reset-mfa", {})
            code, res = sec.post(f"/api/v1/approvals/{filed['request']['id']}/approve")
            r.check(code == 403, "a security administrator cannot approve a change to her own account")
            code, res = aud.post(f"/api/v1/approvals/{filed['request']['id']}/reject")
            r.check(code == 200, "the audit administrator decides changes to security administrators")
            # A read token cannot approve.
            code, res = sec.post("/api/v1/auth/tokens", {"label": "read only"})
            code, res = srv.client(res["token"]).post(f"/api/v1/approvals/{first['id']}/approve")
            r.check(code == 403, "a token without the users.approve scope cannot approve")

            def trail_has(q):
                code, res = aud.get("/api/v1/audit?" + urllib.parse.urlencode({"q": q, "limit": 100}))
                return res["events"] if code == 200 and res["events"] else None
            wait_for(lambda: trail_has("event.action:approval_grant AND user.name:secadmin") and
                     trail_has("event.action:approval_request AND user.name:sys2"), 20, "requests and approvals in the audit trail")
            r.check(True, "the audit administrator sees every request and every decision, with who")

            # ---- 10. tokens ----------------------------------------------------------------------
            code, res = sec.post("/api/v1/auth/tokens", {"label": "scoped", "days": 30})
            tok = srv.client(res["token"])
            code, _ = tok.post("/api/v1/auth/tokens", {"label": "minted"})
            r.check(code == 403, "a token cannot mint tokens")
            code, _ = tok.post("/api/v1/suppressions", {"field": "user", "value": "x", "minutes": 5, "reason": "t"})
            r.check(code == 403, "a token with the default (read) scopes cannot change anything")
            code, _ = tok.get("/api/v1/alerts")
            r.check(code == 200, "but reads")
            code, lst = sysc.get("/api/v1/tokens")
            mine = [x for x in lst["tokens"] if x["user"] == "secadmin" and x["label"] == "scoped"]
            r.check(code == 200 and mine and mine[0]["expires"] and "events.read" in mine[0]["scopes"], "the system administrator lists every token")
            code, _ = sysc.call("DELETE", f"/api/v1/tokens/{mine[0]['id']}")
            code2, _ = tok.get("/api/v1/alerts")
            r.check(code == 200 and code2 == 401, "and revokes one; it stops at once")
            code, res = ro.post("/api/v1/auth/tokens", {"label": "viewer script"})
            vtok = srv.client(res["token"])
            code, filed = sysc.post("/api/v1/users/viewer1/reset-password", {})
            sec.post(f"/api/v1/approvals/{filed['request']['id']}/approve")
            code, _ = vtok.get("/api/v1/alerts")
            r.check(code == 401, "an approved password reset revokes the account's tokens")

            # ---- 6. guessing codes between fresh logins ----------------------------------------
            v2_pw = srv.create_account("viewer2", "readonly")
            v2 = srv.client()
            v2_secret = v2.login("viewer2", v2_pw, "Blue-Harbor-7712")
            codes = []
            for i in range(6):
                c = srv.client()
                c.post("/api/v1/auth/login", {"username": "viewer2", "password": "Blue-Harbor-7712"})
                code, _ = c.post("/api/v1/auth/mfa", {"code": "000000" if totp(v2_secret) != "000000" else "111111"})
                codes.append(code)
            r.check(codes[:4] == [401] * 4 and codes[4] == 423, f"wrong codes count across fresh logins ({codes})")
            c = srv.client()
            code, me = c.post("/api/v1/auth/login", {"username": "viewer2", "password": "Blue-Harbor-7712"})
            code, _ = c.post("/api/v1/auth/mfa", {"code": totp(v2_secret, int(time.time()) // 30 + 1)})
            r.check(code == 423, "after the lock even the right code waits")

            # ---- 12. password policy, session rotation -----------------------------------------
            v3_pw = srv.create_account("viewer3", "readonly")
            c = srv.client()
            code, me = c.post("/api/v1/auth/login", {"username": "viewer3", "password": v3_pw})
            before = [x.value for x in c.jar if x.name == "wardsec_session"][0]
            bad = []
            for pw in ("Password1!", "aaaaaaaaA1", "Qwerty12345!", "P@ssw0rd2026", "Welcome@2026"):
                code, res = c.post("/api/v1/auth/password", {"old_password": v3_pw, "new_password": pw})
                if code != 400:
                    bad.append(pw)
            r.check(not bad, f"guessable passwords are refused ({bad})")
            code, me = c.post("/api/v1/auth/password", {"old_password": v3_pw, "new_password": "Green-Maple-4419"})
            after = [x.value for x in c.jar if x.name == "wardsec_session"][0]
            r.check(code == 200 and after != before, "the session id changes after the password step")
            old = Client(srv.base, srv.cafile)
            old.jar.set_cookie(http.cookiejar.Cookie(0, "wardsec_session", before, None, False, "127.0.0.1", False, False, "/", False,
                                                     True, None, False, None, None, {}))
            code, _ = old.get("/api/v1/auth/me")
            r.check(code == 401, "and the old id is dead")

            # ---- 7. stalling the API with expensive searches -----------------------------------
            heavy = " ".join(f"*x{i}*" for i in range(100))
            code, res = sec.get("/api/v1/search?" + urllib.parse.urlencode({"q": heavy}))
            r.check(code == 400 and "at most" in res["error"], f"100 wildcard terms are refused ({res.get('error', '')[:60]})")
            code, res = sec.get("/api/v1/search?" + urllib.parse.urlencode({"q": " OR ".join(f"t{i}" for i in range(200))}))
            r.check(code == 400, "200 terms are refused")
            lines = "\n".join(json.dumps({"message": f"filler line {i} alpha beta gamma {i * 7}", "host.name": f"h{i % 50}"}) for i in range(20000))
            for _ in range(5):
                col.call("POST", "/api/v1/ingest", raw=lines.encode())
            q8 = " OR ".join(f"*a{i}*" for i in range(8))
            done = []

            def slow():
                c = srv.client(srv.admin("secadmin").token)
                done.append(c.get("/api/v1/search?" + urllib.parse.urlencode({"q": q8, "limit": 10000, "from": "now-1d"}))[0])
            th = [threading.Thread(target=slow) for _ in range(4)]
            for x in th:
                x.start()
            code, _ = srv.client().get("/api/v1/health")
            lc, me = srv.client().post("/api/v1/auth/login", {"username": "viewer3", "password": "Green-Maple-4419"})
            r.check(code == 200 and lc == 200, f"health and login answer while four heavy searches run ({code}, {lc})")
            for x in th:
                x.join()
            r.check(all(c == 200 for c in done), f"the heavy searches end on their own ({done})")
            # A client that asks and hangs up: its search stops (counted in the metrics).
            before_c = srv.metrics()["searches_cancelled"]
            target = "/api/v1/search?" + urllib.parse.urlencode({"q": q8, "limit": 10000, "from": "now-1d"})
            for _ in range(5):
                ctx0 = ssl.create_default_context(cafile=srv.cafile)
                s0 = ctx0.wrap_socket(socket.create_connection(("127.0.0.1", srv.http)), server_hostname="127.0.0.1")
                s0.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {srv.admin('secadmin').token}\r\n\r\n".encode())
                time.sleep(0.05)
                s0.close()
            wait_for(lambda: srv.metrics()["searches_cancelled"] > before_c, 30, "a search stopped by its client's hang-up")
            r.check(True, "a search whose client hung up stops, and is counted")

            # ---- 8. holding memory before authentication ---------------------------------------
            ctx = ssl.create_default_context(cafile=srv.cafile)
            s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", srv.http)), server_hostname="127.0.0.1")
            s.sendall(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 16000000\r\n\r\n")
            head = s.recv(4096).decode(errors="replace")
            s.close()
            r.check(head.startswith("HTTP/1.1 413"), f"an anonymous 16 MB body is refused from its headers ({head.splitlines()[0] if head else 'none'})")
            before = rss_kib(srv.proc.pid)
            held = []
            for i in range(100):
                try:
                    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", srv.http), source_address=(f"127.0.3.{i % 4 + 1}", 0)),
                                        server_hostname="127.0.0.1")
                    s.sendall(b"POST /api/v1/ingest HTTP/1.1\r\nHost: x\r\nContent-Length: 16000000\r\n\r\n" + b"x" * 4000)
                    held.append(s)
                except OSError:
                    pass
            time.sleep(1)
            grown = rss_kib(srv.proc.pid) - before
            for s in held:
                s.close()
            r.check(grown < 64 * 1024, f"100 withheld 16 MB bodies without a token hold little memory (RSS +{grown} KiB)")
            conns = []
            for i in range(40):
                try:
                    conns.append(ctx.wrap_socket(socket.create_connection(("127.0.0.1", srv.http), source_address=("127.0.4.1", 0), timeout=5),
                                                 server_hostname="127.0.0.1"))
                except (OSError, ssl.SSLError):
                    pass
            r.check(len(conns) <= 32, f"one address holds at most 32 connections ({len(conns)} of 40 opened)")
            for c_ in conns:
                c_.close()
            code, _ = srv.client().get("/api/v1/health")
            r.check(code == 200, "and the console still answers")

            # ---- 9. session table exhaustion -----------------------------------------------------
            got = set()
            for i in range(60):
                code, _, _ = from_addr(srv, f"127.0.5.{i + 1}", "POST", "/api/v1/auth/login", {"username": "viewer3", "password": "Green-Maple-4419"})
                got.add(code)
            r.check(got == {200}, f"sixty logins of one account never exhaust the sessions ({got})")

            # ---- 13. times that pin segments ------------------------------------------------------
            code, _ = col.call("POST", "/api/v1/ingest", raw=(json.dumps({"@timestamp": "2999-01-01T00:00:00Z", "message": "FARFUTUREONE"}) + "\n" +
                                                            json.dumps({"@timestamp": "2150-06-01T00:00:00Z", "message": "FARFUTURETWO"})).encode())
            evs = wait_for(lambda: (lambda res: res["events"] if len(res.get("events", [])) == 2 else None)(
                sec.get("/api/v1/search?" + urllib.parse.urlencode({"q": "FARFUTUREONE OR FARFUTURETWO", "from": "now-1h"}))[1]),
                20, "the far-future lines filed now")
            years = {time.strftime("%Y", time.gmtime(time.time() - d)) for d in (0, 120)}  # New Year may fall between
            r.check(all(e["@timestamp"][:4] in years for e in evs),
                    f"far-future times are filed at reception ({[e['@timestamp'] for e in evs]})")
            r.check(sorted(e.get("event.original_time", "")[:4] for e in evs) == ["2150", "2999"], "and the sender's time is kept")

            # ---- 15. Host and Origin, TLS suites, CSV formulas -------------------------------------
            code, res, _ = from_addr(srv, "127.0.0.1", "POST", "/api/v1/suppressions", {"field": "user", "value": "x", "minutes": 5, "reason": "t"},
                                     headers={"Origin": "https://attacker.example", "Host": "attacker.example",
                                              "Authorization": "Bearer " + srv.admin("secadmin").token})
            r.check(code == 403, "an Origin that matches a forged Host header is still foreign")
            weak = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            weak.check_hostname = False
            weak.verify_mode = ssl.CERT_NONE
            weak.maximum_version = ssl.TLSVersion.TLSv1_2
            weak.set_ciphers("ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:AES128-SHA:AES256-SHA")
            try:
                weak.wrap_socket(socket.create_connection(("127.0.0.1", srv.http)), server_hostname="x").close()
                cbc = True
            except (ssl.SSLError, OSError):
                cbc = False
            r.check(not cbc, "TLS 1.2 with CBC-SHA1 suites is refused")
            code, res = sec.call("POST", "/api/v1/inventory/assets", raw=(
                "name,ip,type,zone,system,os,owner\n\"=HYPERLINK(\"\"http://x\"\")\",10.20.0.9,server,core,his,Linux,@SUM(A1)\n").encode("utf-8"),
                headers={"Content-Type": "text/csv"})
            imported = (code, res)
            code, csv_text = sec.get("/api/v1/inventory/assets/export")
            text = csv_text.decode("utf-8") if isinstance(csv_text, bytes) else str(csv_text)
            r.check(code == 200 and "'=HYPERLINK" in text and "'@SUM" in text, f"the inventory export defuses formulas ({imported} {text[:200]!r})")

        # ---- 4. files only the service can read (after a run, and after a hand loosened one) ---
        def loose(folder):
            out = []
            for root, dirs, files in os.walk(folder):
                for d in dirs:
                    if stat.S_IMODE(os.stat(os.path.join(root, d)).st_mode) & 0o077:
                        out.append(os.path.join(root, d))
                for f in files:
                    if stat.S_IMODE(os.lstat(os.path.join(root, f)).st_mode) & 0o077:
                        out.append(os.path.join(root, f))
            if stat.S_IMODE(os.stat(folder).st_mode) & 0o077:
                out.append(folder)
            return out
        r.check(not loose(data) and not loose(data + ".keys"), f"data and key folders hold nothing others can read ({(loose(data) + loose(data + '.keys'))[:4]})")
        os.chmod(os.path.join(data, "alerts.db"), 0o644)
        os.chmod(data, 0o755)
        raw = open(os.path.join(data, "accounts.db"), "rb").read()
        if os.path.exists(os.path.join(data, "accounts.db-wal")):
            raw += open(os.path.join(data, "accounts.db-wal"), "rb").read()
        r.check(srv_secret_absent(raw, ro_secret, v2_secret), "no TOTP secret is in the account store in clear")
        with Server(w, data, ["--config", cfg]) as srv2:
            pass
        log = open(data + ".server.log", encoding="utf-8", errors="replace").read()
        r.check(not loose(data) and "permissions: chmod" in log, "a loosened file and folder are tightened at start, and the fix is logged")

        # ---- 11. mail without STARTTLS is never sent in clear --------------------------------
        from aiosmtpd.controller import Controller

        class Sink:
            got = []

            async def handle_DATA(self, server, session, envelope):
                Sink.got.append(envelope.content)
                return "250 OK"
        from harness import free_port
        port = free_port()
        plain = Controller(Sink(), hostname="127.0.0.1", port=port)
        plain.start()
        cfg2 = os.path.join(t, "mail.yaml")
        with open(cfg2, "w") as f:
            f.write(f"alerts:\n  min_level: high\n  retries: 0\n  timeout_ms: 3000\n  smtp:\n    server: smtp://127.0.0.1:{port}\n"
                    f"    from: wardsec@hospital.example\n    to: [soc@hospital.example]\n    user: mailer\n    password: Mail-Secret-77\n"
                    f"  webhook: http://wardsec-test.invalid:9/hook\n")
        try:
            with Server(w, os.path.join(t, "data3"), ["--config", cfg2]) as srv3:
                lines = [f"<38>Nov 26 03:10:{i:02d} portal-web-01 sshd[4242]: Failed password for root from 45.95.147.201 port 50122 ssh2"
                         for i in range(12)]
                s = socket.create_connection(("127.0.0.1", srv3.tcp))
                s.sendall(("\n".join(lines) + "\n").encode())
                s.close()
                wait_for(lambda: srv3.metrics()["outputs_failed"] >= 2, 40, "the mail and webhook deliveries to fail")
            r.check(not Sink.got, "a mail server without STARTTLS gets no mail (and no password)")
            log = open(os.path.join(t, "data3.server.log"), encoding="utf-8", errors="replace").read()
            r.check("https://" in log and "clear" in log, "an http:// webhook to another host is refused, saying why")
        finally:
            plain.stop()
        r.check(cli(w, "verify", "--data", data, check=False).returncode == 0, "the store, audit trail included, verifies")


def srv_secret_absent(raw, *secrets):
    return all(s and s.encode() not in raw for s in secrets)


import http.cookiejar  # noqa: E402  (used above for the stale-cookie check)

if __name__ == "__main__":
    run("security", body)
