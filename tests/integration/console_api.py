"""The console's server and its own security (issue #5), over real HTTPS: the redirect, security
headers and cookie flags; the first login (one-time password, forced change, TOTP enrolment);
codes used once; lockout after 5 failures and the unlock; CSRF and Origin checks; every route
walked with every role against a table written here from the issue's role descriptions; the
OpenAPI file against the real routes; the audit trail seen by the audit administrator alone;
the live WebSocket; bad input answered with 4xx, never 500; the login rate limit."""
import base64
import csv
import datetime
import io
import json
import os
import random
import socket
import ssl
import struct
import subprocess
import time
import urllib.parse

from harness import NEW_PASSWORDS, Server, TempDir, args, cli, run, totp, wait_for, ws_first_message

ANON, COLLECTOR = "anonymous", "collector"
INTERACTIVE = {"sysadmin", "secadmin", "auditadmin", "readonly"}
READERS = {"secadmin", "readonly"}
SEC, SYS, AUD = {"secadmin"}, {"sysadmin"}, {"auditadmin"}
EVERYONE = INTERACTIVE | {ANON, COLLECTOR}

# Who may call what: the separation of the three administrators as the issue states it. The
# system administrator runs accounts and settings and sees no security data; the security
# administrator works events, alerts and assets; the audit administrator reads the audit trail
# and nothing else; read-only users read; a collector only writes events.
EXPECTED = {
    "GET /api/v1/health": EVERYONE,
    "POST /api/v1/auth/login": EVERYONE,
    "GET /api/v1/auth/me": INTERACTIVE,
    "POST /api/v1/auth/logout": INTERACTIVE,
    "POST /api/v1/auth/password": INTERACTIVE,
    "GET /api/v1/auth/mfa/enroll": INTERACTIVE,
    "POST /api/v1/auth/mfa/enroll": INTERACTIVE,
    "POST /api/v1/auth/mfa": INTERACTIVE,
    "GET /api/v1/auth/tokens": INTERACTIVE,
    "POST /api/v1/auth/tokens": INTERACTIVE,
    "DELETE /api/v1/auth/tokens/{id}": INTERACTIVE,
    "GET /api/v1/metrics": {"sysadmin", "secadmin", "readonly"},
    "GET /api/v1/status": {"sysadmin", "secadmin", "readonly"},
    "GET /api/v1/dashboard": READERS,
    "GET /api/v1/live": READERS,
    "GET /api/v1/search": READERS,
    "GET /api/v1/region/sites": READERS,
    "GET /api/v1/region/search": READERS,
    "GET /api/v1/region/histogram": READERS,
    "GET /api/v1/region/alerts": READERS,
    "GET /api/v1/region/scopes": SEC,
    "PUT /api/v1/region/scopes/{user}": SEC,
    "DELETE /api/v1/region/scopes/{user}": SEC,
    "GET /api/v1/search/stats": READERS,
    "GET /api/v1/sources": READERS,
    "GET /api/v1/saved-searches": READERS,
    "POST /api/v1/saved-searches": READERS,
    "DELETE /api/v1/saved-searches/{id}": READERS,
    "GET /api/v1/web/attacks": READERS,
    "GET /api/v1/db/activity": READERS,
    "GET /api/v1/db/statements": READERS,
    "GET /api/v1/db/report": READERS,
    "GET /api/v1/search/export": READERS,
    "GET /api/v1/alerts": READERS,
    "GET /api/v1/alerts/{id}": READERS,
    "POST /api/v1/alerts/{id}/state": SEC,
    "POST /api/v1/alerts/{id}/assign": SEC,
    "POST /api/v1/alerts/bulk": SEC,
    "GET /api/v1/rules": READERS,
    "GET /api/v1/suppressions": READERS,
    "POST /api/v1/suppressions": SEC,
    "DELETE /api/v1/suppressions/{id}": SEC,
    "GET /api/v1/zones": READERS,
    "GET /api/v1/systems": READERS,
    "GET /api/v1/assets": READERS,
    "POST /api/v1/inventory/{kind}": SEC,
    "GET /api/v1/inventory/{kind}/export": READERS,
    "GET /api/v1/users": SYS,
    "GET /api/v1/users/requests": SYS,
    "GET /api/v1/tokens": SYS,
    "DELETE /api/v1/tokens/{id}": SYS,
    "GET /api/v1/approvals": {"secadmin", "auditadmin"},
    "POST /api/v1/approvals/{id}/approve": {"secadmin", "auditadmin"},
    "POST /api/v1/approvals/{id}/reject": {"secadmin", "auditadmin"},
    "POST /api/v1/users": SYS,
    "PATCH /api/v1/users/{name}": SYS,
    "DELETE /api/v1/users/{name}": SYS,
    "POST /api/v1/users/{name}/unlock": SYS,
    "POST /api/v1/users/{name}/reset-password": SYS,
    "POST /api/v1/users/{name}/reset-mfa": SYS,
    "GET /api/v1/settings": SYS,
    "PUT /api/v1/settings": SYS,
    "GET /api/v1/ops/probes": {"sysadmin", "secadmin", "readonly"},
    "POST /api/v1/ops/probes": SYS,
    "PUT /api/v1/ops/probes/{id}": SYS,
    "DELETE /api/v1/ops/probes/{id}": SYS,
    "GET /api/v1/ops/availability": {"sysadmin", "secadmin", "readonly"},
    "GET /api/v1/ops/report": READERS,
    "GET /api/v1/ops/configs": {"sysadmin", "secadmin", "readonly"},
    "POST /api/v1/ops/configs": SYS,
    "PUT /api/v1/ops/configs/{id}": SYS,
    "DELETE /api/v1/ops/configs/{id}": SYS,
    "POST /api/v1/ops/configs/{id}/fetch": SYS,
    "POST /api/v1/ops/configs/{id}/upload": SYS,
    "GET /api/v1/ops/configs/{id}/versions": {"sysadmin", "secadmin", "readonly"},
    "GET /api/v1/ops/config-versions/{id}": {"sysadmin", "secadmin", "readonly"},
    "GET /api/v1/ops/config-versions/{id}/diff": {"sysadmin", "secadmin", "readonly"},
    "GET /api/v1/ops/config-changes": {"sysadmin", "secadmin", "readonly"},
    "POST /api/v1/ops/change-tickets": SYS,
    "DELETE /api/v1/ops/change-tickets/{id}": SYS,
    "POST /api/v1/ops/change-tickets/{id}/approve": SEC,
    "PUT /api/v1/ops/change-policy": SEC,
    "GET /api/v1/ops/schedules": READERS,
    "POST /api/v1/ops/schedules": SEC,
    "PUT /api/v1/ops/schedules/{id}": SEC,
    "DELETE /api/v1/ops/schedules/{id}": SEC,
    "POST /api/v1/ops/schedules/{id}/run": SEC,
    "GET /api/v1/ops/datacheck": SYS,
    "PUT /api/v1/ops/datacheck": SYS,
    "POST /api/v1/ops/datacheck/run": SYS,
    "GET /api/v1/ops/datacheck/{day}": SYS,
    "GET /api/v1/ops/netdevices": READERS,
    "GET /api/v1/ops/export-target": SYS,
    "PUT /api/v1/ops/export-target": SYS,
    "GET /api/v1/messages": {"sysadmin", "secadmin", "readonly"},
    "POST /api/v1/messages/read": {"sysadmin", "secadmin", "readonly"},
    "GET /api/v1/audit": AUD,
    "GET /api/v1/audit/export": AUD,
    "POST /api/v1/ingest": {COLLECTOR},
    # Compliance: the security administrator assesses; read-only users read.
    "GET /api/v1/compliance/catalog": READERS,
    "GET /api/v1/compliance/systems/{id}": READERS,
    "POST /api/v1/compliance/systems/{id}/results": SEC,
    "GET /api/v1/compliance/systems/{id}/items/{item}": READERS,
    "POST /api/v1/compliance/systems/{id}/items/{item}/notes": SEC,
    "POST /api/v1/compliance/systems/{id}/items/{item}/documents": SEC,
    "GET /api/v1/compliance/documents/{sha256}": READERS,
    "POST /api/v1/compliance/grade": READERS,
    "POST /api/v1/compliance/systems/{id}/grading": SEC,
    "GET /api/v1/compliance/systems/{id}/gradings": READERS,
    "GET /api/v1/compliance/systems/{id}/report": READERS,
    "GET /api/v1/compliance/annual-report": READERS,
    "GET /api/v1/compliance/rectifications": READERS,
    "POST /api/v1/compliance/rectifications": SEC,
    "POST /api/v1/compliance/rectifications/{id}/status": SEC,
    "GET /api/v1/compliance/evaluations": READERS,
    "POST /api/v1/compliance/evaluations": SEC,
    "POST /api/v1/compliance/evaluations/{id}/result": SEC,
    "POST /api/v1/compliance/evaluations/{id}/problems": SEC,
    # Management records (安全管理记录): the security administrator keeps them; read-only users read.
    "GET /api/v1/records": READERS,
    "GET /api/v1/records/summary": READERS,
    "GET /api/v1/vulns": READERS,
    "GET /api/v1/vulns/summary": READERS,
    "GET /api/v1/vulns/scans": READERS,
    "GET /api/v1/vulns/report": READERS,
    "POST /api/v1/vulns/import": SEC,
    "POST /api/v1/vulns/kev": SEC,
    "POST /api/v1/vulns/packages": SEC,
    "POST /api/v1/vulns/feed": SEC,
    "GET /api/v1/vulns/{id}": READERS,
    "POST /api/v1/vulns/{id}/status": SEC,
    "POST /api/v1/vulns/{id}/rectification": SEC,
    "GET /api/v1/agents": READERS | SYS,
    "GET /api/v1/agents/tokens": SYS,
    "POST /api/v1/agents/tokens": SYS,
    "POST /api/v1/agents/tokens/{id}/revoke": SYS,
    "GET /api/v1/agents/groups": READERS | SYS,
    "POST /api/v1/agents/groups": SYS,
    "GET /api/v1/agents/policy": READERS | SYS,
    "POST /api/v1/agents/policy": SEC,
    "GET /api/v1/agents/responses": READERS,
    "POST /api/v1/agents/responses/{id}/revert": SEC,
    "GET /api/v1/agents/{id}": READERS,
    "POST /api/v1/agents/{id}/revoke": SYS,
    "POST /api/v1/agents/{id}/group": SYS,
    "POST /api/v1/agents/{id}/trusted": SEC,
    "POST /api/v1/agents/{id}/respond": SEC,
    "GET /api/v1/assets/discovery": READERS,
    "POST /api/v1/assets/discovery/scan": SEC,
    "GET /api/v1/assets/{name}/dossier": READERS,
    "GET /api/v1/records/policy/templates": READERS,
    "GET /api/v1/records/inspection/checklists": READERS,
    "POST /api/v1/records/policy/from-template": SEC,
    "POST /api/v1/records/training/{id}/sign-in": SEC,
    "POST /api/v1/records/inspection/{id}/findings": SEC,
    "GET /api/v1/records/{kind}": READERS,
    "POST /api/v1/records/{kind}": SEC,
    "GET /api/v1/records/{kind}/export": READERS,
    "POST /api/v1/records/{kind}/import": SEC,
    "GET /api/v1/records/{kind}/{id}": READERS,
    "PUT /api/v1/records/{kind}/{id}": SEC,
    "POST /api/v1/records/{kind}/{id}/withdraw": SEC,
    "POST /api/v1/records/{kind}/{id}/attachments": SEC,
    # The bastion: host accounts are the system administrator's (credentials in, never out);
    # grants, rules, approvals and ending sessions the security administrator's; the record
    # is read by security and audit administrators; operators (none here) use it.
    "GET /api/v1/bastion/accounts": {"sysadmin", "secadmin", "auditadmin"},
    "POST /api/v1/bastion/accounts": SYS,
    "PATCH /api/v1/bastion/accounts/{id}": SYS,
    "DELETE /api/v1/bastion/accounts/{id}": SYS,
    "GET /api/v1/bastion/grants": {"secadmin", "auditadmin"},
    "POST /api/v1/bastion/grants": SEC,
    "PATCH /api/v1/bastion/grants/{id}": SEC,
    "DELETE /api/v1/bastion/grants/{id}": SEC,
    "PUT /api/v1/bastion/groups/{name}": SEC,
    "DELETE /api/v1/bastion/groups/{name}": SEC,
    "GET /api/v1/bastion/rules": {"secadmin", "auditadmin"},
    "POST /api/v1/bastion/rules": SEC,
    "PATCH /api/v1/bastion/rules/{id}": SEC,
    "DELETE /api/v1/bastion/rules/{id}": SEC,
    "POST /api/v1/bastion/rules/test": {"secadmin", "auditadmin"},
    "GET /api/v1/bastion/sessions": {"secadmin", "auditadmin"},
    "GET /api/v1/bastion/sessions/{id}": {"secadmin", "auditadmin"},
    "GET /api/v1/bastion/sessions/{id}/recording": {"secadmin", "auditadmin"},
    "GET /api/v1/bastion/live": {"secadmin", "auditadmin"},
    "POST /api/v1/bastion/live/{id}/end": SEC,
    "POST /api/v1/bastion/operators/{name}/block": SEC,
    "GET /api/v1/bastion/approvals": {"secadmin", "auditadmin"},
    "POST /api/v1/bastion/approvals/{id}": SEC,
    "GET /api/v1/bastion/keys": INTERACTIVE,
    "POST /api/v1/bastion/keys": INTERACTIVE,
    "DELETE /api/v1/bastion/keys/{id}": INTERACTIVE,
    "GET /api/v1/bastion/mine": set(),
    "GET /api/v1/bastion/report": {"secadmin", "auditadmin"},
    # Incident response: the security administrator handles incidents; read-only users read;
    # the audit administrator sees them only through the audit trail.
    "GET /api/v1/incidents": READERS,
    "POST /api/v1/incidents": SEC,
    "GET /api/v1/incidents/taxonomy": READERS,
    "GET /api/v1/incidents/roster": READERS,
    "POST /api/v1/incidents/roster": SEC,
    "DELETE /api/v1/incidents/roster/{id}": SEC,
    "GET /api/v1/incidents/policy": READERS,
    "GET /api/v1/incidents/summary": READERS,
    "GET /api/v1/incidents/{id}": READERS,
    "PATCH /api/v1/incidents/{id}": SEC,
    "POST /api/v1/incidents/{id}/grade": SEC,
    "POST /api/v1/incidents/{id}/stage": SEC,
    "POST /api/v1/incidents/{id}/notes": SEC,
    "POST /api/v1/incidents/{id}/links": SEC,
    "POST /api/v1/incidents/{id}/reports/{obligation}": SEC,
    "GET /api/v1/incidents/{id}/form": READERS,
    "POST /api/v1/incidents/{id}/evidence": SEC,
    "GET /api/v1/incidents/{id}/evidence": READERS,
    "GET /api/v1/incidents/{id}/evidence/{name}": READERS,
    "POST /api/v1/incidents/{id}/checklist/{index}": SEC,
    # Emergency plans and drills: the same hands as incidents.
    "GET /api/v1/emergency/templates": READERS,
    "GET /api/v1/emergency/due": READERS,
    "GET /api/v1/emergency/plans": READERS,
    "POST /api/v1/emergency/plans": SEC,
    "GET /api/v1/emergency/plans/{id}": READERS,
    "PUT /api/v1/emergency/plans/{id}": SEC,
    "POST /api/v1/emergency/plans/{id}/status": SEC,
    "POST /api/v1/emergency/plans/{id}/review": SEC,
    "POST /api/v1/emergency/plans/{id}/incident": SEC,
    "GET /api/v1/emergency/drills": READERS,
    "POST /api/v1/emergency/drills": SEC,
    "GET /api/v1/emergency/drills/{id}": READERS,
    "POST /api/v1/emergency/drills/{id}/start": SEC,
    "POST /api/v1/emergency/drills/{id}/steps/{index}": SEC,
    "PUT /api/v1/emergency/drills/{id}/participants": SEC,
    "POST /api/v1/emergency/drills/{id}/restored": SEC,
    "POST /api/v1/emergency/drills/{id}/finish": SEC,
    "POST /api/v1/emergency/drills/{id}/evaluate": SEC,
    "POST /api/v1/emergency/drills/{id}/cancel": SEC,
    "GET /api/v1/emergency/drills/{id}/report": READERS,
}
# Placeholders that name nothing, so an allowed call changes nothing (404/400/409).
FILL = {"{id}": "987654", "{kind}": "nothing", "{name}": "nobody-here", "{item}": "XX.YY.z", "{sha256}": "0" * 64, "{obligation}": "987654", "{index}": "987654"}


def body(r):
    a = args()
    w = a.wardsec
    with TempDir() as t:
        data = os.path.join(t, "data")
        cfg = os.path.join(t, "wardsec.yaml")
        with open(cfg, "w") as f:
            f.write("auth:\n  login_rate_per_minute: 60\n")
        with Server(w, data, ["--config", cfg]) as srv:
            # -- transport and headers
            import http.client
            hc = http.client.HTTPConnection("127.0.0.1", srv.redirect, timeout=10)
            hc.request("GET", "/search?q=x", headers={"Host": "wardsec.hospital.example:80"})
            res = hc.getresponse()
            r.check(res.status == 308 and res.getheader("Location") == f"https://127.0.0.1:{srv.http}/search?q=x",
                    f"plain HTTP only redirects to HTTPS, to the console's own name, not the Host header's ({res.status} {res.getheader('Location')})")
            anon = srv.client()
            code, _ = anon.get("/api/v1/health")
            h = anon.last_headers
            r.check(code == 200 and "default-src 'self'" in h.get("Content-Security-Policy", "") and "frame-ancestors 'none'" in h.get(
                "Content-Security-Policy", "") and h.get("Strict-Transport-Security", "").startswith("max-age=")
                    and h.get("X-Frame-Options") == "DENY" and h.get("X-Content-Type-Options") == "nosniff",
                    "CSP, HSTS, frame denial and nosniff on every answer")
            code, res = anon.get("/api/v1/alerts")
            r.check(code == 401, "the API refuses a caller without a session (401)")

            # -- first login: one-time password, forced change, TOTP enrolment
            pw = srv.initial_passwords()
            r.check(set(pw) == {"sysadmin", "secadmin", "auditadmin"} and all(len(p) >= 12 for p in pw.values()),
                    "first start makes the three administrators with one-time passwords")
            mode = oct(os.stat(srv.data + ".keys/initial-passwords.txt").st_mode & 0o777)
            r.check(mode == "0o600", f"the one-time password file is private ({mode})")
            sec = srv.client()
            code, me = sec.post("/api/v1/auth/login", {"username": "secadmin", "password": pw["secadmin"]})
            cookie = sec.last_headers.get("Set-Cookie", "")
            r.check(code == 200 and me["stage"] == "password_change", f"the first login must change the password ({me.get('stage')})")
            r.check("Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie, f"session cookie flags ({cookie[:60]}...)")
            sec.csrf = me["csrf"]
            code, res = sec.get("/api/v1/alerts")
            r.check(code == 403 and res.get("stage") == "password_change", "nothing else works before the change")
            code, res = sec.post("/api/v1/auth/password", {"old_password": pw["secadmin"], "new_password": "short"})
            r.check(code == 400 and "至少" in res["error"], f"a weak password is refused in Chinese first ({res.get('error')})")
            code, res = sec.post("/api/v1/auth/password", {"old_password": pw["secadmin"], "new_password": "secadmin-Password-1"})
            r.check(code == 400 and "用户名" in res["error"], "a password containing the account name is refused")
            code, me = sec.post("/api/v1/auth/password", {"old_password": pw["secadmin"], "new_password": NEW_PASSWORDS["secadmin"]})
            r.check(code == 200 and me["stage"] == "mfa_enroll", "then the authenticator must be enrolled")
            code, en = sec.get("/api/v1/auth/mfa/enroll")
            r.check(code == 200 and en["uri"].startswith("otpauth://totp/wardsec:secadmin?secret=") and en["qr_svg"].startswith("<svg"),
                    "enrolment gives an otpauth URI and a QR code")
            code, res = sec.post("/api/v1/auth/mfa/enroll", {"code": "000000" if totp(en["secret"]) != "000000" else "111111"})
            r.check(code == 401, "a wrong enrolment code is refused")
            enrol_code = totp(en["secret"])
            code, me = sec.post("/api/v1/auth/mfa/enroll", {"code": enrol_code})
            r.check(code == 200 and me["stage"] == "active" and me["role"] == "secadmin", "a right code finishes the login")
            code, res = sec.get("/api/v1/alerts")
            r.check(code == 200, "the security administrator now reads alerts")
            # A later login asks for a code, and a code works once.
            again = srv.client()
            code, me = again.post("/api/v1/auth/login", {"username": "secadmin", "password": NEW_PASSWORDS["secadmin"]})
            again.csrf = me.get("csrf", "")
            r.check(code == 200 and me["stage"] == "mfa", "the next login asks for the authenticator code")
            code, res = again.post("/api/v1/auth/mfa", {"code": enrol_code})
            r.check(code == 401, "the code already used cannot be used again (replay)")
            code, me = again.post("/api/v1/auth/mfa", {"code": totp(en["secret"], int(time.time()) // 30 + 1)})
            r.check(code == 200 and me["stage"] == "active", "the next code logs in")

            # -- CSRF and Origin
            code, res = sec.call("POST", "/api/v1/suppressions", {"field": "user", "value": "x", "minutes": 5, "reason": "t"}, csrf=False)
            r.check(code == 403 and "CSRF" in res["error"], "a change without the CSRF token is refused")
            code, res = sec.call("POST", "/api/v1/suppressions", {"field": "user", "value": "x", "minutes": 5, "reason": "t"},
                                 headers={"Origin": "https://evil.example"})
            r.check(code == 403 and "cross-origin" in res["error"], "a change from a foreign Origin is refused")
            code, res = sec.call("POST", "/api/v1/suppressions", {"field": "user", "value": "x", "minutes": 5, "reason": "t"},
                                 headers={"Origin": f"https://127.0.0.1:{srv.http}"})
            r.check(code == 201, f"the same change with token and own Origin works ({code} {res})")

            # -- the other roles
            sysc = srv.first_login("sysadmin")
            # 系统设置: the system administrator changes settings in the console; each change is checked by
            # the configuration's own loader and more, kept, audited, and applies at the next start.
            code, cur = sysc.get("/api/v1/settings")
            r.check(code == 200 and cur["editable"]["auth"]["lockout_failures"] == 5 and cur["restart_required"] is False,
                    f"the settings page shows the values in force ({code})")
            for bad, want in [({"auth": {"lockout_failures": 11}}, "lockout_failures"),
                              ({"store": {"retention_days": 30}}, "180"),
                              ({"data": "/tmp/elsewhere"}, "data"),
                              ({"auth": {"require_mfa": False}}, "require_mfa"),
                              ({"store": {"key_dir": "/tmp/k"}}, "key_dir"),
                              ({"alerts": {"webhook": "http://203.0.113.5/hook"}}, "https"),
                              ({"alerts": {"min_level": "loud"}}, "min_level"),
                              ({"timezone": "Beijing"}, "timezone"),
                              ({"inputs": {"udp": "514"}}, "inputs.udp"),
                              ({"api": {"tls_cert": "/nonexistent.crt", "tls_key": "/nonexistent.key"}}, "tls_cert"),
                              ({"alerts": {"smtp": {"server": "smtp://mail.example:25", "from": "nobody"}}}, "smtp")]:
                code, res = sysc.call("PUT", "/api/v1/settings", bad)
                r.check(code == 400 and want in res.get("error", ""), f"a bad setting is refused, naming it: {bad} -> {code} {res.get('error', '')[:90]}")
            # The time zone per source: a bad rule is refused naming it; a good one needs no restart, and
            # the running service reads the next lines of that source in it (a UTC host, BSD syslog).
            for bad, want in [({"source_timezones": [{"source": "10.30.0.0/16", "timezone": "+8"}]}, "source_timezones[0]"),
                              ({"source_timezones": [{"source": "a b", "timezone": "+00:00"}]}, "source_timezones[0]"),
                              ({"source_timezones": "utc"}, "source_timezones")]:
                code, res = sysc.call("PUT", "/api/v1/settings", bad)
                r.check(code == 400 and want in res.get("error", ""), f"a bad source zone is refused, naming it: {bad} -> {code} {res.get('error', '')[:90]}")
            code, res = sysc.call("PUT", "/api/v1/settings", {"source_timezones": [{"source": "10.99.0.0/16", "timezone": "+09:00"},
                                                                                   {"source": "UTC-LIVE-*", "timezone": "UTC"}]})
            code2, cur = sysc.get("/api/v1/settings")
            r.check(code == 200 and res["changed"] == ["source_timezones"] and res["restart_required"] is False and cur["restart_required"] is False
                    and cur["editable"]["source_timezones"][1] == {"source": "UTC-LIVE-*", "timezone": "+00:00"},
                    f"a source's time zone is saved and needs no restart ({code} {res.get('changed')} {res.get('restart_required')})")
            time.sleep(3)  # the service looks at its settings every 2 seconds
            utc_now = time.gmtime()
            stamp = time.strftime("%b ", utc_now) + f"{utc_now.tm_mday:2d}" + time.strftime(" %H:%M:%S", utc_now)
            with socket.create_connection(("127.0.0.1", srv.tcp)) as tcp:
                tcp.sendall(f"<38>{stamp} utc-live-01 sshd[9]: Accepted password for ops from 10.30.0.9 port 50300 ssh2\n".encode())
            ev = wait_for(lambda: sec.get("/api/v1/search?" + urllib.parse.urlencode({"q": "host.name:utc-live-01", "from": "now-1d"}))[1]["events"],
                          15, "the UTC host's line")[0]
            lag = time.time() - datetime.datetime.fromisoformat(ev["@timestamp"].replace("Z", "+00:00")).timestamp()
            r.check(abs(lag) < 120 and ev.get("event.timezone") == "+00:00",
                    f"its zone-less time is read in the source's zone at once, and says so ({ev['@timestamp']}, {ev.get('event.timezone')})")
            src = [x for x in sec.get("/api/v1/sources?from=now-1h")[1]["sources"] if x["source"] == "utc-live-01"]
            r.check(src and src[0]["timezone"] == "+00:00" and src[0]["rule_source"] == "utc-live-01" and src[0]["clock"] is None,
                    f"the log sources page shows the source's zone and a clock in order ({src[:1]})")
            held = socket.socket()
            held.bind(("127.0.0.1", 0))
            held.listen(1)
            busy = f"127.0.0.1:{held.getsockname()[1]}"
            code, res = sysc.call("PUT", "/api/v1/settings", {"inputs": {"tcp": busy}})
            held.close()
            r.check(code == 400 and "inputs.tcp" in res.get("error", "") and "监听" in res["error"],
                    f"an input address another program holds is refused (the service would not start): {res.get('error', '')[:80]}")
            code, res = sysc.call("PUT", "/api/v1/settings", {"inputs": {"tcp": f"127.0.0.1:{srv.tcp}"}})
            r.check(code == 200, f"the address the running service listens on is its own, not refused ({code} {res.get('error', '')[:100]})")
            code, res = sec.call("PUT", "/api/v1/settings", {"organization": "x"})
            r.check(code == 403, f"the security administrator cannot change system settings ({code})")
            code, res = sysc.call("PUT", "/api/v1/settings", {"organization": "示范市第一人民医院", "auth": {"lockout_failures": 4},
                                                              "alerts": {"smtp": {"password": "Mail-Secret-2026"}}})
            r.check(code == 200 and sorted(res["changed"]) == ["alerts.smtp.password", "auth.lockout_failures", "organization"] and
                    res["restart_required"], f"valid settings are saved ({code} {res.get('changed')})")
            code, cur = sysc.get("/api/v1/settings")
            r.check(cur["editable"]["auth"]["lockout_failures"] == 4 and cur["auth"]["lockout_failures"] == 5 and cur["restart_required"]
                    and cur["editable"]["alerts"]["smtp"]["password"] == "******", "they wait for a restart; the secret is never shown back")
            code, res = sysc.call("PUT", "/api/v1/settings", {"alerts": {"smtp": {"password": "******"}}})
            r.check(code == 200 and res["changed"] == [], "a masked secret sent back is left as it is")
            mode = oct(os.stat(os.path.join(data, "settings.json")).st_mode & 0o777)
            r.check(mode == "0o600" and "Mail-Secret-2026" in open(os.path.join(data, "settings.json"), encoding="utf-8").read(),
                    f"they are kept in the data folder, readable by the service only ({mode})")

            # 系统状态: each part with its verdict and figures, not raw counters.
            code, st = sysc.get("/api/v1/status")
            r.check(code == 200 and all(st.get(k, {}).get("status") in ("ok", "warn", "bad") for k in
                                        ("cpu", "memory", "disk", "ingest", "integrity", "certificate", "clock", "alerts")),
                    f"the status page gives a verdict for every part ({code})")
            r.check(st["disk"]["total_bytes"] > 0 and st["memory"]["process_rss_bytes"] > 0 and st["version"] and
                    st["certificate"]["self_signed"] and 3000 < st["certificate"]["days_left"] < 3700 and st["certificate"]["not_after"],
                    f"with the disk, memory, version and the self-signed certificate's expiry ({st['certificate'].get('days_left')} days)")
            r.check(st["integrity"]["last_verify"] == "" and st["integrity"]["status"] == "warn",
                    "an integrity check not yet run is named, not shown as fine")
            aud = srv.first_login("auditadmin")
            code, res = sysc.post("/api/v1/users", {"name": "wangfang", "display": "值班员 王芳", "role": "readonly"})
            r.check(code == 202 and res["pending"] and len(res.get("password_first_half", "")) == 8,
                    f"the system administrator files a read-only account; it waits for a second administrator ({code} {res})")
            code, users_ = sysc.get("/api/v1/users")
            r.check("wangfang" not in [u["name"] for u in users_["users"]], "and it does not exist before the approval")
            code, dec = sec.post(f"/api/v1/approvals/{res['request']['id']}/approve")
            r.check(code == 200 and len(dec.get("password_second_half", "")) == 8, f"the security administrator approves ({code} {dec})")
            wang_pw = res["password_first_half"] + dec["password_second_half"]
            code, res = sysc.call("PATCH", "/api/v1/users/sysadmin", {"role": "auditadmin"})
            r.check(code == 403, "an administrator cannot give their own account another role")
            ro = srv.client()
            viewer_secret = ro.login("wangfang", wang_pw, "Zhiban-Pass-02")
            code, res = sysc.post("/api/v1/users", {"name": "collector1", "role": "collector"})
            r.check(code == 201 and res.get("token", "").startswith("wst_"), "a collector account comes with an API token")
            col = srv.client(res["token"])
            code, res = anon.post("/api/v1/auth/login", {"username": "collector1", "password": "anything-at-all"})
            r.check(code == 401, "a collector cannot log in interactively")

            # -- saved searches: own or shared, checked by the parser, deleted only by their owner, audited
            code, bad = sec.post("/api/v1/saved-searches", {"name": "坏查询", "query": "source.ip:(10.0.0.1"})
            r.check(code == 400 and "列" in bad.get("error", ""), f"a query that does not parse is refused with its column ({bad})")
            code, bad = sec.post("/api/v1/saved-searches", {"name": "x", "query": "*", "range": "90d"})
            r.check(code == 400 and "range" in bad.get("error", ""), f"an unknown range is refused ({bad})")
            code, bad = sec.post("/api/v1/saved-searches", {"name": "  ", "query": "*"})
            r.check(code == 400, "a search needs a name")
            code, bad = sec.post("/api/v1/saved-searches", {"name": "x", "query": "*", "columns": ["a b"]})
            r.check(code == 400, "columns are field names")
            code, mine = sec.post("/api/v1/saved-searches", {"name": "HIS 登录失败", "query": "host.name:his-app-01 AND event.outcome:failure",
                                                              "range": "7d", "columns": ["source.ip", "user.name"]})
            code2, shared = sec.post("/api/v1/saved-searches", {"name": "互联网暴力破解", "query": "source.zone:public AND event.outcome:failure",
                                                                 "shared": True})
            r.check(code == 201 and code2 == 201 and mine["columns"] == ["source.ip", "user.name"] and mine["range"] == "7d" and shared["shared"],
                    f"a search is saved with its range and columns, one shared ({code} {code2})")
            code, again_ = sec.post("/api/v1/saved-searches", {"name": "HIS 登录失败", "query": "host.name:his-app-01", "range": "24h"})
            code, lst = sec.get("/api/v1/saved-searches")
            r.check(code == 200 and sorted(x["name"] for x in lst["searches"]) == ["HIS 登录失败", "互联网暴力破解"] and
                    [x["query"] for x in lst["searches"] if x["name"] == "HIS 登录失败"] == ["host.name:his-app-01"],
                    "saving the same name replaces it")
            code, theirs = ro.get("/api/v1/saved-searches")
            r.check(code == 200 and [x["name"] for x in theirs["searches"]] == ["互联网暴力破解"],
                    "another account sees the shared search, not the private one")
            code, res = ro.call("DELETE", f"/api/v1/saved-searches/{shared['id']}")
            r.check(code == 403, f"and cannot delete it ({code})")
            code, res = sec.call("DELETE", f"/api/v1/saved-searches/{mine['id']}")
            code2, lst = sec.get("/api/v1/saved-searches")
            r.check(code == 200 and [x["name"] for x in lst["searches"]] == ["互联网暴力破解"], "its owner deletes it")

            # -- every route with every role, against the table above
            routes = [json.loads(l) for l in cli(w, "api", "routes").stdout.splitlines()]
            keys = {f"{x['method']} {x['path']}" for x in routes}
            r.check(keys == set(EXPECTED), f"the permission table covers every route (missing {sorted(keys - set(EXPECTED))}, "
                                           f"stale {sorted(set(EXPECTED) - keys)})")
            clients = {ANON: anon, "sysadmin": sysc, "secadmin": sec, "auditadmin": aud, "readonly": ro, COLLECTOR: col}
            wrong = []
            walked = 0
            ordered = sorted(routes, key=lambda x: x["path"] == "/api/v1/auth/logout")  # logout last
            for rt in ordered:
                path = rt["path"]
                for k, v in FILL.items():
                    path = path.replace(k, v)
                for role, c in clients.items():
                    body_ = None if rt["method"] in ("GET", "DELETE") else {}
                    code, res = c.call(rt["method"], path, body_)
                    allowed = code not in (401, 403)
                    want = role in EXPECTED.get(f"{rt['method']} {rt['path']}", set())
                    walked += 1
                    if allowed != want or code >= 500:
                        wrong.append(f"{role} {rt['method']} {path}: {code}")
            r.check(not wrong, f"{walked} calls (every route x every role) allowed and denied as the table says {wrong[:6]}")
            # The logout above ended those sessions.
            code, _ = sec.get("/api/v1/alerts")
            r.check(code == 401, "after logout the session is gone")

            # -- OpenAPI against the real routes
            spec = json.load(open(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "openapi.json"), encoding="utf-8"))
            documented = {}
            for p_, ops in spec["paths"].items():
                for m, op in ops.items():
                    documented[f"{m.upper()} {p_}"] = op.get("x-permission")
            real = {f"{x['method']} {x['path']}": x["permission"] for x in routes}
            r.check(set(documented) == set(real), f"docs/openapi.json describes exactly the real routes "
                                                  f"(undocumented {sorted(set(real) - set(documented))}, absent {sorted(set(documented) - set(real))})")
            r.check(all(documented.get(k) == v for k, v in real.items()), "and names the same permission for each")

            # -- lockout after 5 failures, unlock by the system administrator
            codes = []
            for i in range(5):
                code, res = anon.post("/api/v1/auth/login", {"username": "wangfang", "password": f"Wrong-Pass-{i}x"})
                codes.append(code)
            r.check(codes == [401, 401, 401, 401, 423], f"the 5th wrong password locks the account ({codes})")
            code, res = anon.post("/api/v1/auth/login", {"username": "wangfang", "password": "Zhiban-Pass-02"})
            r.check(code == 423 and "锁定" in res["error"], "a locked account refuses even the right password")
            sysc = srv.client()
            sysc.login("sysadmin", NEW_PASSWORDS["sysadmin"], secret=srv_secret(srv, "sysadmin"), step_offset=1)
            code, users = sysc.get("/api/v1/users")
            viewer = [u for u in users["users"] if u["name"] == "wangfang"][0]
            r.check(viewer["locked"] and viewer["locked_sources"] == 1, f"the user list shows the lock of one address ({viewer})")
            code, res = sysc.post("/api/v1/users/wangfang/unlock")
            code, me = anon.post("/api/v1/auth/login", {"username": "wangfang", "password": "Zhiban-Pass-02"})
            r.check(code == 200 and me["stage"] == "mfa", "after the unlock the password works again")

            # -- the audit trail: the audit administrator sees what the others did; nobody else sees it
            aud = srv.client()
            aud.login("auditadmin", NEW_PASSWORDS["auditadmin"], secret=srv_secret(srv, "auditadmin"), step_offset=1)

            def trail(q):
                code, res = aud.get("/api/v1/audit?" + urllib.parse.urlencode({"q": q, "limit": 1000}))
                return res["events"] if code == 200 else []
            evs = wait_for(lambda: trail("event.action:login_locked") and trail("event.action:user_unlock AND event.outcome:success") or None, 15,
                           "the lockout and the unlock in the audit trail")
            locked = trail("event.action:login_locked")
            r.check(locked and locked[0]["user.name"] == "wangfang" and locked[0]["event.outcome"] == "failure",
                    "the lockout is in the audit trail")
            unlock = trail("event.action:user_unlock AND event.outcome:success")
            r.check(any(e["user.name"] == "sysadmin" and e["user.target.name"] == "wangfang" for e in unlock),
                    f"the unlock names who did it and to whom ({unlock[:1]})")
            code, res = aud.post("/api/v1/auth/tokens", {"label": "restart check"})
            aud_token = res.get("token")
            code, res = sysc.post("/api/v1/auth/tokens", {"label": "restart check"})
            sys_token = res.get("token")
            acts = {e["event.action"] for e in trail("*")}
            r.check({"login", "login_mfa", "password_change", "mfa_enroll", "user_create", "logout", "suppression_add"} <= acts,
                    f"logins, password changes, enrolments, account changes and rule changes are audited ({sorted(acts)})")
            code, res = again.get("/api/v1/search?" + urllib.parse.urlencode({"q": "event.dataset:wardsec.audit"}))
            r.check(code == 200 and res["events"] == [], "the security administrator's search does not show the audit trail")
            code, res = aud.get("/api/v1/search?q=*")
            r.check(code == 403, "the audit administrator cannot search events")

            # -- the live socket
            ro = srv.client()
            ro.login("wangfang", "Zhiban-Pass-02", secret=viewer_secret, step_offset=1)
            cookie = "; ".join(f"{c.name}={c.value}" for c in ro.jar)
            status, msg = ws_first_message(srv, cookie, f"https://127.0.0.1:{srv.http}")
            r.check(msg is not None and msg["type"] == "tick" and "stored" in msg["metrics"] and "alerts_open" in msg,
                    f"the WebSocket sends live figures ({status})")
            status, msg = ws_first_message(srv, cookie, "https://evil.example")
            r.check(" 403 " in status, f"a WebSocket from a foreign origin is refused ({status})")
            status, msg = ws_first_message(srv, "wardsec_session=nope", f"https://127.0.0.1:{srv.http}")
            r.check(" 401 " in status, "a WebSocket without a session is refused")

            # -- bad input: 4xx, never 500
            codes = set()
            rnd = random.Random(7)
            for path in ["/api/v1/suppressions", "/api/v1/alerts/1/state", "/api/v1/auth/tokens", "/api/v1/inventory/assets",
                         "/api/v1/auth/password"]:
                for i in range(20):
                    junk = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 300)))
                    if i % 3 == 0:
                        junk = json.dumps({"state": rnd.choice([None, 1, [], "x" * 5000]), "minutes": rnd.choice(["a", -1, 1e300])}).encode()
                    code, _ = again.call("POST", path, raw=junk)
                    codes.add(code)
            r.check(all(400 <= c < 500 for c in codes), f"random bodies get 4xx answers ({sorted(codes)})")
            code, res = again.get("/api/v1/search?q=" + urllib.parse.quote("host.name:(a"))
            r.check(code == 400 and "column" in res, "a bad query names the column")
            code, res = again.get("/api/v1/search/stats?q=" + urllib.parse.quote("host.name:(a"))
            r.check(code == 400 and res.get("column") == 11, f"the histogram's bad query names the user's column ({res})")
            code, st = again.get("/api/v1/search/stats?" + urllib.parse.urlencode({"q": "event.dataset:wardsec.audit", "from": "now-1h"}))
            r.check(code == 200 and len(st["histogram"]) == 60 and st["scanned"] == 0,
                    "the histogram has 60 buckets and does not count the audit trail for the security administrator")
            # Export: audited, and log text a spreadsheet would run as a formula is defused.
            code, res = sysc.post("/api/v1/users", {"name": "collector2", "role": "collector"})
            ing = srv.client(res["token"])
            code, res = ing.call("POST", "/api/v1/ingest", raw=json.dumps({"message": "=HYPERLINK(\"http://x\")", "user": {"name": "csvtest"}}).encode())
            r.check(code == 200, f"a collector ingests ({code} {res})")
            def exported():  # acknowledged is durable; searchable once its block is sealed (within a second)
                code, csv_text = again.get("/api/v1/search/export?" + urllib.parse.urlencode({"q": "user.name:csvtest", "format": "csv"}))
                text = csv_text.decode("utf-8") if isinstance(csv_text, bytes) else str(csv_text)
                return (code, text) if "csvtest" in text else None
            code, text = wait_for(exported, 10, "the ingested line to be searchable")
            r.check(code == 200 and text.startswith("\ufeff@timestamp") and "'=HYPERLINK" in text,
                    f"CSV export (with a BOM for Excel) defuses formulas ({text[:160]!r})")
            code, res = again.get("/api/v1/search/export?format=xml")
            r.check(code == 400, "an unknown export format is a 400")
            # Database audit: statements ingested as the capture input writes them are analyzed and
            # checked on the way in; the database pages find them.
            stmts = [{"event.dataset": "dbaudit.statement", "db.system": "mysql", "db.user.name": "tongji", "source.ip": "10.50.7.88",
                      "client.program": "Navicat Premium", "db.response.returned_rows": 900,
                      "db.statement": "SELECT YSDM, YPDM, SUM(SL) FROM MZ_CFMX GROUP BY YSDM, YPDM"},
                     {"event.dataset": "dbaudit.statement", "db.system": "mysql", "db.user.name": "his_app", "source.ip": "10.20.0.11",
                      "client.program": "HIS.exe", "db.response.returned_rows": 3, "db.statement": "SELECT * FROM MZ_CFMX WHERE BRID = 1001"}]
            code, res = ing.call("POST", "/api/v1/ingest", raw="\n".join(json.dumps(x) for x in stmts).encode())
            r.check(code == 200, f"database statements are ingested ({code} {res})")
            act = {}
            def db_seen():
                nonlocal act
                code, act = again.get("/api/v1/db/activity?from=now-1h")
                return code == 200 and act.get("statements", 0) >= 2
            wait_for(db_seen, 20, "the database activity")
            tf = act.get("tongfang", [])
            r.check(len(tf) == 1 and tf[0]["user"] == "tongji" and tf[0]["alert"]["level"] == "critical" and "tool_access" in tf[0]["alert"]["kind"],
                    f"the database page lists the 统方 statement with its alert ({tf})")
            r.check(any(a["user"] == "his_app" and a["alerts"] == 0 for a in act.get("accounts", [])), "per-account activity counts the HIS account")
            code, st = again.get("/api/v1/db/statements?" + urllib.parse.urlencode({"from": "now-1h", "table": "mz_cfmx", "user": "his_app"}))
            r.check(code == 200 and [x["statement"] for x in st["items"]] == [stmts[1]["db.statement"]] and st["items"][0]["rows"] == 3,
                    f"statements filter by table and account ({st})")
            code, st = again.get("/api/v1/db/statements?" + urllib.parse.urlencode({"from": "now-1h", "alerts": "1", "kind": "tongfang"}))
            r.check(code == 200 and len(st["items"]) == 1, "statements filter by alert kind")
            for bad in ["limit=0", "client=not-an-ip", "order=sideways", "alerts=maybe", "from=yesterday-ish"]:
                code, res = again.get("/api/v1/db/statements?" + bad)
                r.check(code == 400 and res.get("error"), f"db/statements?{bad} is a 400 naming the problem ({res})")
            code, st = aud.get("/api/v1/audit?" + urllib.parse.urlencode({"q": "event.action:login", "limit": 5}))
            r.check(code == 200 and 0 < len(st["events"]) <= 5, "the audit trail pages with limit")
            # 审计日志导出: the audit trail alone (nothing else of the store), filtered, each row verified.
            code, csv_text = aud.get("/api/v1/audit/export?" + urllib.parse.urlencode({"q": "event.action:login", "from": "now-1d"}))
            rows = list(csv.reader(io.StringIO(csv_text.decode("utf-8-sig")))) if isinstance(csv_text, bytes) else []
            head = rows[0] if rows else []
            r.check(code == 200 and "event.action" in head and len(rows) > 1 and
                    all(x[head.index("event.action")] == "login" and x[head.index("wardsec.audit.verified")] == "true" for x in rows[1:]),
                    f"the audit trail exports as CSV, filtered by action, each record verified ({len(rows) - 1} rows)")
            code, res = aud.get("/api/v1/audit/export?" + urllib.parse.urlencode({"q": "event.dataset:linux.auth", "from": "now-1d"}))
            r.check(code == 200 and len(list(csv.reader(io.StringIO(res.decode("utf-8-sig"))))) == 1,
                    "the audit export holds nothing but the audit trail")
            ctx = ssl.create_default_context(cafile=srv.cafile)
            s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", srv.http)), server_hostname="127.0.0.1")
            s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
            head = s.recv(4096).decode(errors="replace")
            s.close()
            r.check(head.startswith("HTTP/1.1 431"), f"oversized headers are a 431 ({head.splitlines()[0] if head else 'none'})")

            # -- the dashboard: graded systems with their self-assessment score and conclusion
            demo = os.path.join(os.path.dirname(__file__), "..", "..", "demo", "hospital")
            code, res = again.call("POST", "/api/v1/inventory/systems", raw=open(os.path.join(demo, "systems.csv"), "rb").read(),
                                   headers={"Content-Type": "text/csv"})
            r.check(code == 200 and res["imported"] == 10, f"the security administrator imports the graded systems ({res})")
            cli(w, "assess", "set", "--data", data, "--system", "his", "--item", "CE.IA.a", "--result", "符合", "--by", "测评 李工")
            cli(w, "assess", "set", "--data", data, "--system", "his", "--item", "CE.IA.b", "--result", "不符合", "--risk", "高",
                "--by", "测评 李工", "--note", "登录失败未锁定")
            code, dash = again.get("/api/v1/dashboard")
            his = [x for x in dash.get("systems", []) if x["id"] == "his"]
            emr = [x for x in dash.get("systems", []) if x["id"] == "emr"]
            r.check(code == 200 and his and his[0]["conclusion"] == "差" and his[0]["high_risks"] == 1 and his[0]["assessed"] == 2,
                    f"the dashboard shows an assessed system's score and conclusion (a high risk makes it 差: {his})")
            r.check(emr and "score" not in emr[0], "and no score for a system not assessed")

            # -- the compliance workbench over the API
            code, g = again.post("/api/v1/compliance/grade", {"business_object": "society", "business_degree": "serious",
                                                               "service_object": "society", "service_degree": "serious", "kind": "emr"})
            r.check(code == 200 and g["level"] == 3 and g["suggestion"]["level"] == 3, f"the grading preview computes level 3 and the hospital default ({g})")
            code, res = again.post("/api/v1/compliance/systems/emr/grading", {"business_object": "society", "business_degree": "serious",
                                                                              "service_object": "society", "service_degree": "serious"})
            r.check(code == 400 and "理由" in res["error"], "a grading without reasons is refused")
            code, res = again.post("/api/v1/compliance/systems/emr/grading", {
                "business_object": "society", "business_degree": "serious", "business_reason": "病历泄露影响大量患者与社会秩序",
                "service_object": "society", "service_degree": "serious", "service_reason": "停机影响全院临床诊疗"})
            r.check(code == 200 and res["recorded"], "a grading with its reasons is recorded")
            code, res = again.get("/api/v1/compliance/systems/emr/gradings")
            r.check(code == 200 and res["gradings"][-1]["by"] == "secadmin" and res["gradings"][-1]["level"] == 3, "who graded is kept")
            # 定级降级: EMR (level 3; the sector suggests 3 for a 三级 hospital's core system) to level 2
            # in one click is refused; with a reason it is recorded, the reason in the record and the trail.
            lower = {"business_object": "citizens", "business_degree": "serious", "business_reason": "仅影响部分患者的合法权益",
                     "service_object": "citizens", "service_degree": "serious", "service_reason": "停机仅影响部分病区书写病历"}
            code, res = again.post("/api/v1/compliance/systems/emr/grading", lower)
            r.check(code == 409 and res.get("downgrade", {}).get("current_level") == 3 and res["downgrade"]["suggested_level"] == 3
                    and "降级" in res["error"], f"a downgrade without a reason is refused, naming the current and suggested level ({code} {res})")
            code, res = again.post("/api/v1/compliance/systems/emr/grading", {**lower, "downgrade_reason": "  降级  ", "kind": "oa", "tier": "1"})
            r.check(code == 409, f"a reason of a word is not a reason; the request cannot name a lighter kind or tier ({code})")
            code, res = again.get("/api/v1/compliance/systems/emr/gradings")
            r.check(code == 200 and res["gradings"][-1]["level"] == 3, "the refused downgrades changed nothing")
            why = "经卫健委专家评审，电子病历系统按第二级备案（评审意见 2026-31 号）"
            code, res = again.post("/api/v1/compliance/systems/emr/grading", {**lower, "downgrade_reason": why})
            r.check(code == 200 and res["recorded"] and res["level"] == 2 and res["downgrade"]["current_level"] == 3,
                    f"with its reason the downgrade is recorded ({code} {res.get('level')})")
            code, res = again.get("/api/v1/compliance/systems/emr/gradings")
            notes = "\n".join(res["gradings"][-1]["notes"]) if code == 200 else ""
            r.check(why in notes and "L3" in notes,
                    "the grading record keeps the reason and the level it came down from")
            evs = wait_for(lambda: [e for e in trail("event.action:grading_confirm") if why in json.dumps(e, ensure_ascii=False)] or None, 15,
                           "the downgrade in the audit trail")
            r.check(bool(evs), "the audit trail names the downgrade and its reason")
            code, res = again.post("/api/v1/compliance/systems/website/grading", lower)
            r.check(code == 200 and res["level"] == 2 and "downgrade" not in res,
                    f"grading an ordinary system at its suggested level needs no reason ({code} {res.get('error')})")
            code, res = again.post("/api/v1/compliance/systems/emr/grading", {
                "business_object": "society", "business_degree": "serious", "business_reason": "病历泄露影响大量患者与社会秩序",
                "service_object": "society", "service_degree": "serious", "service_reason": "停机影响全院临床诊疗"})
            r.check(code == 200 and res["level"] == 3, "raising it back needs no reason")
            code, wb = again.get("/api/v1/compliance/systems/emr?category=CE")
            ce = [x["id"] for x in wb.get("items", [])]
            r.check(code == 200 and ce and all(x.startswith("CE.") for x in ce) and wb["score"]["assessed"] == 0,
                    f"the workbench filters by category ({len(ce)} CE items)")
            code, res = again.post("/api/v1/compliance/systems/emr/results", {"items": ce[:3], "result": "符合", "note": "现场核查"})
            r.check(code == 200 and res["recorded"] == 3, "results are recorded in bulk")
            code, res = again.post("/api/v1/compliance/systems/emr/results", {"items": [ce[3], "NO.SUCH.item"], "result": "不符合", "risk": "中"})
            r.check(code == 400 and "NO.SUCH.item" in res["error"], "a bulk set with an unknown item changes nothing")
            code, res = again.post("/api/v1/compliance/systems/emr/results", {"items": [ce[3]], "result": "不符合", "risk": "中"})
            code, wb = again.get("/api/v1/compliance/systems/emr?status=" + urllib.parse.quote("不符合"))
            r.check(code == 200 and [x["id"] for x in wb["items"]] == [ce[3]] and wb["score"]["assessed"] == 4, "the workbench filters by result")
            code, wb = again.get("/api/v1/compliance/systems/emr?category=CE&evidence=missing")
            r.check(code == 200 and ce[0] not in [x["id"] for x in wb["items"]] and ce[3] in [x["id"] for x in wb["items"]],
                    "and by missing evidence (a note is evidence)")
            code, doc = again.call("POST", f"/api/v1/compliance/systems/emr/items/{ce[3]}/documents?filename=" + urllib.parse.quote("整改前截图.png"),
                                   raw=b"\x89PNG fake bytes", headers={"Content-Type": "application/octet-stream"})
            r.check(code == 201 and len(doc["sha256"]) == 64, "a document is attached as evidence")
            code, item = again.get(f"/api/v1/compliance/systems/emr/items/{ce[3]}")
            r.check(code == 200 and item["evidence"][-1]["kind"] == "document" and item["history"][-1]["result"] == "不符合",
                    "the item shows its history and evidence")
            code, body = again.call("GET", item["evidence"][-1]["download"])
            r.check(code == 200 and body == b"\x89PNG fake bytes", "the document downloads as attached")
            code, res = again.post("/api/v1/compliance/rectifications", {"system": "emr", "item": ce[0], "owner": "信息科 王芳",
                                                                         "plan": "x", "due": "2026-12-31"})
            r.check(code == 400 and "nothing to rectify" in res["error"], "a conforming item cannot get a rectification task")
            code, res = again.post("/api/v1/compliance/rectifications", {"system": "emr", "item": ce[3], "owner": "信息科 王芳",
                                                                         "plan": "启用登录失败锁定", "due": "2020-01-31"})
            r.check(code == 201, f"a rectification task opens on a 不符合 item ({res})")
            task = res.get("id")
            code, res = again.get("/api/v1/compliance/rectifications?system=emr")
            r.check(code == 200 and res["tasks"][0]["overdue"], "a task past its due date is overdue")
            code, res = again.post(f"/api/v1/compliance/rectifications/{task}/status", {"status": "done"})
            r.check(code == 409 and "re-check" in res["error"], "a task closes only through a conforming re-check")
            again.post("/api/v1/compliance/systems/emr/results", {"items": [ce[3]], "result": "符合", "note": "复测：已启用锁定"})
            code, res = again.post(f"/api/v1/compliance/rectifications/{task}/status", {"status": "done"})
            r.check(code == 200, "after the re-check it closes")

            # -- the login rate limit (60 a minute from one address here)
            got = []
            for i in range(70):
                code, _ = anon.post("/api/v1/auth/login", {"username": "no-such-user", "password": "Whatever-123"})
                got.append(code)
                if code == 429:
                    break
            r.check(429 in got, f"logins from one address are rate limited (429 after {len(got)} tries)")
            r.check(srv.healthy(), "the server is still healthy")
        r.check(cli(w, "verify", "--data", data, check=False).returncode == 0, "the store, audit trail included, verifies")
        # A configuration changed between two starts is in the audit trail, with its digests.
        with open(cfg, "a") as f:
            f.write("  lockout_minutes: 45\n")
        with Server(w, data, ["--config", cfg]) as srv:
            aud = srv.client(aud_token)
            evs = wait_for(lambda: aud.get("/api/v1/audit?" + urllib.parse.urlencode({"q": "event.action:config_changed"}))[1]["events"],
                           15, "config_changed in the audit trail")
            r.check(evs[0]["user.target.name"] == cfg and "sha256" in evs[0]["message"], f"a changed config is audited at start ({evs[0]['message']})")
            code, res = aud.get("/api/v1/audit?" + urllib.parse.urlencode({"q": "event.action:rules_changed"}))
            r.check(code == 200 and res["events"] == [], "unchanged rules are not reported as changed")
            code, res = aud.get("/api/v1/audit?" + urllib.parse.urlencode({"q": "event.action:start"}))
            r.check(code == 200 and len(res["events"]) == 2 and "rules=sha256:" in res["events"][0]["message"], "each start is audited with its digests")
            ch = aud.get("/api/v1/audit?" + urllib.parse.urlencode({"q": "event.action:settings_change AND event.outcome:success"}))[1]["events"]
            msgs = " ".join(e.get("message", "") for e in ch)
            r.check("auth.lockout_failures: 5 → 4" in msgs and "alerts.smtp.password" in msgs and "Mail-Secret-2026" not in msgs,
                    f"the change is in the audit trail, old and new values, the secret as set only ({msgs[:160]})")
            bad = aud.get("/api/v1/audit?" + urllib.parse.urlencode({"q": "event.action:settings_change AND event.outcome:failure"}))[1]["events"]
            r.check(len(bad) >= 10, f"refused changes are audited too ({len(bad)})")
            sysc2 = srv.client(sys_token) if sys_token else None
            if sysc2:
                code, cur = sysc2.get("/api/v1/settings")
                r.check(code == 200 and cur["auth"]["lockout_failures"] == 4 and cur["restart_required"] is False,
                        f"after the restart the console's settings are in force ({cur.get('auth', {}).get('lockout_failures')})")


def srv_secret(srv, user):
    from harness import _SECRETS
    return _SECRETS[(srv.data, user)]

if __name__ == "__main__":
    run("console_api", body)
