"""The bastion host (issue #16) with real parts: OpenSSH's sshd from Debian on loopback as the
target, OpenSSH's ssh client driven by pexpect (an expect) as the operator, wardsec serve with
bastion.listen set. Covers: password + TOTP and public key + TOTP logins; an unauthorized
target refused; a denied command that never reaches the target (a marker file that must not
appear); a command held for review that runs after a security administrator approves it; a
session ended from the console; the recording equal to what the target printed and its digest;
SFTP and scp uploads logged with their SHA-256; the web terminal and live watching in
Chromium; `wardsec verify` over the recordings, a download refused without its grant;
-J refused; bad clients (garbage, a key exchange never finished, a paste of 10,000 lines);
the events in the store."""
import base64
import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.parse

import pexpect

from sshd import start_sshd
from harness import NEW_PASSWORDS, _SECRETS, Server, TempDir, args, free_port, render_png, run, totp, wait_for, ws_first_message

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
SSH_OPTS = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
            "-o", "ConnectTimeout=10"]
OP_PASSWORD = "Op-Hospital-2026!x"


class Codes:
    """TOTP codes for one account: each login needs a step not used before (replay protection)."""

    def __init__(self, secret):
        self.secret, self.used = secret, set()

    def next(self):
        while True:
            now = int(time.time()) // 30
            for step in (now, now + 1):
                if step not in self.used and (not self.used or step > max(self.used)):
                    self.used.add(step)
                    return totp(self.secret, step)
            time.sleep(1)


def ssh(bport, login, *extra, command=None, timeout=30):
    cmd = ["ssh", "-p", str(bport), *SSH_OPTS, *extra, f"{login}@127.0.0.1"] + ([command] if command else [])
    return pexpect.spawn(cmd[0], cmd[1:], timeout=timeout, encoding="utf-8", codec_errors="replace")


def login_password(p, password, code):
    p.expect("Password")
    p.sendline(password)
    p.expect("Authenticator code")
    p.sendline(code)


def body(r):
    a = args()
    w = a.wardsec
    with TempDir() as t:
        tport, bport = free_port(), free_port()
        sshd, target_key = start_sshd(t, tport)
        cfg = os.path.join(t, "wardsec.yaml")
        with open(cfg, "w") as f:
            f.write(f"bastion:\n  listen: 127.0.0.1:{bport}\n  review_timeout_seconds: 60\n  login_timeout_seconds: 10\n")
        data = os.path.join(t, "data")
        try:
            with Server(w, data, extra=["--config", cfg]) as srv:
                run_all(r, srv, t, tport, bport, target_key)
            verify_recordings(r, w, data)
        finally:
            sshd.terminate()
            sshd.wait()
            shutil.copy(data + ".server.log", "/tmp/bastion-it.server.log")


def verify_recordings(r, w, data):
    """`wardsec verify` re-checks every recording against the digest in its signed session_end
    event; an altered or deleted recording is named and fails the check."""
    v = subprocess.run([w, "verify", "--data", data], capture_output=True, text=True)
    r.check(v.returncode == 0 and "DAMAGED" not in v.stdout and " intact" in v.stdout.split("bastion recordings:")[-1],
            f"wardsec verify: the recordings match their sealed digests: {v.stdout[-300:]} {v.stderr[-300:]}")
    casts = sorted(f for f in os.listdir(os.path.join(data, "recordings")) if f.endswith(".cast"))
    with open(os.path.join(data, "recordings", casts[0]), "r+b") as f:
        content = f.read()
        f.seek(0)
        f.write(content.replace(b"hello-42", b"hello-43") if b"hello-42" in content else content[:-1] + b"X")
    os.remove(os.path.join(data, "recordings", casts[-1]))
    v = subprocess.run([w, "verify", "--data", data], capture_output=True, text=True)
    r.check(v.returncode == 1 and casts[0][:-5] in v.stderr and "altered" in v.stderr and "missing" in v.stderr,
            f"an edited recording and a deleted one are named by wardsec verify: {v.stderr[-600:]}")


def local_day(ts):
    """The center's local day (UTC+8, its default zone) of a Unix time."""
    return time.gmtime(ts + 8 * 3600)[:3]


def run_all(r, srv, t, tport, bport, target_key):
    began = time.time()  # the dashboard's "today" and the month's report are in local time
    sysadmin, secadmin, auditadmin = srv.admin("sysadmin"), srv.admin("secadmin"), srv.admin("auditadmin")
    # The operator: an account of the center (made under dual control), first login in the
    # console sets the password and enrols the authenticator.
    onetime = srv.create_account("zhang", "operator", "张工")
    op = srv.client()
    codes = Codes(op.login("zhang", onetime, OP_PASSWORD))
    codes.used.add(int(time.time()) // 30)  # the enrolment used this step
    code, _ = op.get("/api/v1/alerts")
    r.check(code == 403, f"an operator sees nothing of the console but the bastion (alerts: {code})")

    # The system administrator keeps the credential; nobody reads it back.
    code, acc = sysadmin.post("/api/v1/bastion/accounts", {"asset": "his-db-01", "host": "127.0.0.1", "port": tport,
                                                             "username": "root", "auth": "key", "secret": target_key})
    r.check(code == 201 and acc.get("has_secret") and "secret" not in acc, f"host account stored without echoing the key: {code} {acc}")
    code, emr = sysadmin.post("/api/v1/bastion/accounts", {"asset": "emr-app-01", "host": "127.0.0.1", "port": tport,
                                                            "username": "root", "auth": "key", "secret": target_key, "note": "电子病历应用服务器"})
    emr_id = emr["id"]
    code, emr2 = sysadmin.call("PATCH", f"/api/v1/bastion/accounts/{emr_id}", {"port": tport})
    r.check(code == 200 and emr2.get("note") == "电子病历应用服务器" and emr2.get("has_secret"),
            f"a PATCH changes only the fields it names (note and credential kept): {code} {emr2}")
    code, lst = secadmin.get("/api/v1/bastion/accounts")
    r.check(code == 200 and "PRIVATE KEY" not in json.dumps(lst), f"the accounts list never carries a credential: {code}")
    code, _ = secadmin.post("/api/v1/bastion/accounts", {"asset": "x", "username": "y", "secret": "z"})
    r.check(code == 403, f"the security administrator cannot add host accounts (三员): {code}")
    code, _ = sysadmin.post("/api/v1/bastion/grants", {"name": "self-grant", "subjects": ["sysadmin"], "targets": ["asset:his-db-01"]})
    r.check(code == 403, f"the system administrator cannot grant access (三员): {code}")
    code, _ = secadmin.post("/api/v1/bastion/grants", {"name": "self", "subjects": ["secadmin"], "targets": ["asset:his-db-01"]})
    r.check(code == 403, f"a security administrator cannot grant themselves access: {code}")
    code, _ = secadmin.call("PUT", "/api/v1/bastion/groups/ops", {"members": ["zhang", "secadmin"]})
    r.check(code == 403, f"nor join an operator group: {code}")
    code, g = secadmin.post("/api/v1/bastion/grants", {"name": "张工 HIS 数据库", "subjects": ["zhang"], "targets": ["asset:his-db-01"],
                                                        "actions": ["shell", "exec"]})
    r.check(code == 201, f"grant made: {code} {g}")
    marker_dir = os.path.join(t, "markers")
    os.makedirs(marker_dir)
    code, rule = secadmin.post("/api/v1/bastion/rules", {"name": "审批 touch reviewed", "kind": "prefix",
                                                          "pattern": f"touch {marker_dir}/reviewed", "action": "review", "priority": 5})
    r.check(code == 201, f"review rule made: {code} {rule}")
    code, bad = secadmin.post("/api/v1/bastion/rules", {"name": "broken", "kind": "regex", "pattern": "(", "action": "deny"})
    r.check(code == 400 and "broken" in json.dumps(bad, ensure_ascii=False), f"a rule that does not compile is refused by name: {code} {bad}")

    # 1. Password + TOTP, a shell, an allowed command, a denied one, a reviewed one.
    c1 = codes.next()  # a fresh code first: the bastion gives a login only login_timeout_seconds
    p = ssh(bport, "zhang@root@his-db-01", "-o", "PreferredAuthentications=keyboard-interactive", "-tt")
    screen = io.StringIO()  # what the operator saw, printed when a step fails
    p.logfile_read = screen
    login_password(p, OP_PASSWORD, c1)
    p.expect(r"[#$] ")
    p.sendline("echo hello-$((6*7))")
    p.expect("hello-42")
    r.check(True, "password + TOTP login reaches the target's shell through the bastion")
    p.sendline(f"touch {marker_dir}/denied; rm -rf {marker_dir}/nothing")
    p.expect("命令被拒绝")
    p.sendline(f"touch {marker_dir}/allowed")
    try:
        wait_for(lambda: os.path.exists(f"{marker_dir}/allowed"), 10, "the allowed command to run")
    except AssertionError:
        print("the operator's screen:\n" + screen.getvalue()[-3000:])
        raise
    r.check(not os.path.exists(f"{marker_dir}/denied"), "a denied line never runs, not even its harmless first command")
    p.sendline(f"touch {marker_dir}/reviewed")
    p.expect("审批")
    time.sleep(1)
    r.check(not os.path.exists(f"{marker_dir}/reviewed"), "a command held for review has not run before the decision")
    code, pending = secadmin.get("/api/v1/bastion/approvals?state=pending")
    r.check(code == 200 and pending["total"] == 1, f"the approval is pending: {pending}")
    code, dec = secadmin.post(f"/api/v1/bastion/approvals/{pending['approvals'][0]['id']}", {"approve": True})
    r.check(code == 200 and dec["state"] == "approved", f"approved: {code} {dec}")
    wait_for(lambda: os.path.exists(f"{marker_dir}/reviewed"), 10, "the reviewed command to run after approval")
    r.check(True, "the reviewed command ran after the approval")
    # 10,000 lines pasted at once: each is judged, the session keeps working.
    paste = "".join(f": line-{i}\r" for i in range(10000)) + "echo paste-done-$((1+1))\r"
    t0 = time.time()
    p.send(paste)
    p.expect("paste-done-2", timeout=900)
    r.check(True, f"a paste of 10,000 lines is read, judged and passed on ({time.time() - t0:.0f} s, not a limit)")
    # 2. Ended from the console.
    code, live = secadmin.get("/api/v1/bastion/live")
    r.check(code == 200 and live["total"] == 1, f"one live session: {live}")
    sid = live["sessions"][0]["id"]
    code, _ = secadmin.post(f"/api/v1/bastion/live/{sid}/end", {"reason": "集成测试 / test"})
    r.check(code == 200, f"end from the console: {code}")
    p.expect("终止")
    p.expect(pexpect.EOF)
    r.check(True, "the session ended from the console closes the operator's connection")

    # 3. The record: commands with decisions, the recording equal to what the target printed.
    def ended():
        code, s = auditadmin.get(f"/api/v1/bastion/sessions/{sid}")
        return code == 200 and s["ended"] != ""
    wait_for(ended, 15, "the session's end in the record")
    code, s = auditadmin.get(f"/api/v1/bastion/sessions/{sid}")
    actions = [c["action"] for c in s["command_list"]]
    r.check(s["state"] == "ended" and s["ended_by"] == "secadmin", f"ended by the security administrator: {s['state']} {s['ended_by']}")
    r.check("deny" in actions and "review" in actions, f"the command list has the denial and the review: {actions[:6]}")
    r.check(s["recording_intact"] is True, "the recording's digest matches the one sealed at the end")
    code, cast = auditadmin.call("GET", f"/api/v1/bastion/sessions/{sid}/recording")
    lines = cast.decode().splitlines() if isinstance(cast, bytes) else []
    out = "".join(json.loads(x)[2] for x in lines[1:] if json.loads(x)[1] == "o")
    r.check(json.loads(lines[0])["version"] == 2 and "hello-42" in out and "paste-done-2" in out,
            "the recording (asciicast v2) holds what the target printed")
    r.check(any(json.loads(x)[1] == "m" for x in lines[1:]), "the recording marks each command (the player jumps to them)")
    # The detection engine sees the bastion's events: the denial raised its alert (a shipped
    # Sigma rule over wardsec.bastion), and the dashboard's tile counts it.
    title = urllib.parse.quote("堡垒机拦截了一条命令")  # the rule's Chinese title finds it

    def alerted():
        code, res = secadmin.get(f"/api/v1/alerts?rule={title}")
        return code == 200 and res.get("total", 0) >= 1 and res
    res = wait_for(alerted, 30, "the alert for the denied command")
    r.check(res["alerts"][0]["user.name"] == "zhang", f"the denial alert names the operator: {res['alerts'][0].get('user.name')}")
    code, dash = secadmin.get("/api/v1/dashboard")
    b = dash.get("bastion", {})
    if local_day(began) == local_day(time.time()):
        r.check(code == 200 and b.get("denied_today", 0) >= 1 and b.get("commands_today", 0) >= 10000 and b.get("sessions_today", 0) >= 1,
                f"the dashboard's bastion tile counts today's sessions, commands and denials: {b}")
    else:  # local midnight fell during the test: the session above was yesterday's
        r.check(code == 200 and {"sessions_today", "commands_today", "denied_today"} <= b.keys(),
                f"the dashboard's bastion tile starts a new day at local midnight: {b}")
    code, srch = auditadmin.get(f"/api/v1/bastion/sessions?command=rm%20-rf")
    r.check(code == 200 and any(x["id"] == sid for x in srch["sessions"]), "sessions are found by command text")

    # 4. Public key + TOTP, exec.
    opkey = os.path.join(t, "op_key")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", opkey], check=True)
    with open(opkey + ".pub") as f:
        code, k = op.post("/api/v1/bastion/keys", {"key": f.read()})
    r.check(code == 201, f"the operator registers a public key: {code} {k}")
    code = codes.next()
    p = ssh(bport, "zhang@root@his-db-01", "-i", opkey, "-o", "IdentitiesOnly=yes",
            "-o", "PreferredAuthentications=publickey,keyboard-interactive", command="echo via-key-$((2*3))")
    i = p.expect(["Authenticator code", "Password"])
    r.check(i == 0, "after the key only the code is asked")
    p.sendline(code)
    p.expect("via-key-6")
    p.expect(pexpect.EOF)
    r.check(True, "public key + TOTP, a command by exec")
    code = codes.next()
    p = ssh(bport, "zhang@root@his-db-01", "-i", opkey, "-o", "IdentitiesOnly=yes",
            "-o", "PreferredAuthentications=publickey,keyboard-interactive", command=f"touch {marker_dir}/exec-denied; reboot")
    p.expect("Authenticator code")
    p.sendline(code)
    p.expect("命令被拒绝")
    p.expect(pexpect.EOF)
    time.sleep(0.5)
    r.check(not os.path.exists(f"{marker_dir}/exec-denied"), "a denied exec command never reaches the target")
    # Bytes both ways at once (8 MiB in, the same 8 MiB back while more goes in: the relay's
    # windows and backpressure), and the target's answer after the operator's end of input. (A
    # command's input is read like keystrokes: each line would be judged as a command, so the
    # data has no line ends.)
    blob, copy = os.path.join(t, "blob.bin"), os.path.join(t, "blob.copy")
    payload = base64.b64encode(os.urandom(6 << 20))
    with open(blob, "wb") as f:
        f.write(payload)
    code = codes.next()
    line = " ".join(["ssh", "-p", str(bport), *SSH_OPTS, "-i", opkey, "-o", "IdentitiesOnly=yes",
                     "-o", "PreferredAuthentications=publickey,keyboard-interactive", "zhang@root@his-db-01@127.0.0.1",
                     "'cat && echo after-eof'", "<", blob, ">", copy])
    p = pexpect.spawn("bash", ["-c", line], timeout=180, encoding="utf-8", codec_errors="replace")
    p.expect("Authenticator code")
    p.sendline(code)
    p.expect(pexpect.EOF)
    with open(copy, "rb") as f:
        back = f.read()
    r.check(back == payload + b"after-eof\n",
            f"ssh host 'cat && echo after-eof' < 8 MiB: every byte back in order, and the answer after EOF ({len(back)} bytes)")

    # 4b. SFTP (and scp, which speaks SFTP since OpenSSH 9.0): upload granted, download not.
    code, _ = secadmin.post("/api/v1/bastion/grants", {"name": "张工 上传", "subjects": ["zhang"], "targets": ["asset:his-db-01"],
                                                        "actions": ["sftp_upload"]})
    r.check(code == 201, f"an upload-only grant: {code}")
    payload = os.urandom(3 * 1024 * 1024 + 17)  # several SFTP packets, an odd tail
    local = os.path.join(t, "upload.bin")
    with open(local, "wb") as f:
        f.write(payload)
    digest = hashlib.sha256(payload).hexdigest()
    key_opts = ["-i", opkey, "-o", "IdentitiesOnly=yes", "-o", "PreferredAuthentications=publickey,keyboard-interactive"]
    code = codes.next()
    cmd = ["sftp", "-P", str(bport), *SSH_OPTS, *key_opts, "zhang@root@his-db-01@127.0.0.1"]
    p = pexpect.spawn(cmd[0], cmd[1:], timeout=60, encoding="utf-8", codec_errors="replace")
    p.expect("Authenticator code")
    p.sendline(code)
    p.expect("sftp> ")
    p.sendline(f"put {local} {marker_dir}/uploaded.bin")
    p.expect("sftp> ")
    p.sendline(f"get /etc/hostname {t}/downloaded")
    p.expect("(?i)denied|not granted|未授权")
    p.expect("sftp> ")
    p.sendline(f"rename {marker_dir}/uploaded.bin {marker_dir}/renamed.bin")
    p.expect("sftp> ")
    p.sendline("bye")
    p.expect(pexpect.EOF)
    with open(f"{marker_dir}/renamed.bin", "rb") as f:
        r.check(f.read() == payload, "an SFTP upload through the bastion arrives intact")
    r.check(not os.path.exists(f"{t}/downloaded"), "a download without sftp_download is refused before it reaches the target")
    code = codes.next()
    cmd = ["scp", "-P", str(bport), *SSH_OPTS, *key_opts, local, f"zhang@root@his-db-01@127.0.0.1:{marker_dir}/scp.bin"]
    p = pexpect.spawn(cmd[0], cmd[1:], timeout=60, encoding="utf-8", codec_errors="replace")
    p.expect("Authenticator code")
    p.sendline(code)
    p.expect(pexpect.EOF)
    r.check(os.path.exists(f"{marker_dir}/scp.bin") and open(f"{marker_dir}/scp.bin", "rb").read() == payload, "scp through the bastion")

    def sftp_sessions():
        code, res = auditadmin.get("/api/v1/bastion/sessions?command=sftp")
        return [x for x in res.get("sessions", []) if x["kind"] == "sftp" and x["ended"]] if code == 200 else []
    wait_for(lambda: len(sftp_sessions()) >= 2, 15, "the SFTP sessions in the record")
    logged = []
    for x in sftp_sessions():
        code, s = auditadmin.get(f"/api/v1/bastion/sessions/{x['id']}")
        logged += [(c["command"], c["action"]) for c in s["command_list"]]
    ups = [c for c, a in logged if c.startswith("sftp upload") and digest in c and f"{len(payload)} B" in c]
    r.check(len(ups) == 2, f"each upload is logged with its size and SHA-256 (sftp and scp): {logged}")
    r.check(any(c.startswith("sftp download /etc/hostname") and a == "deny" for c, a in logged), f"the refused download is logged: {logged}")
    r.check(any(c.startswith("sftp rename") and "renamed.bin" in c for c, a in logged), "a rename is logged with both names")

    # 4c. The web terminal in Chromium (web/e2e/terminal.e2e.mjs): the operator's console session
    # opens a shell from 我的主机; a security administrator watches it live and ends it.
    sec_web = srv.client()
    sec_web.login("secadmin", NEW_PASSWORDS["secadmin"], secret=_SECRETS[(srv.data, "secadmin")])
    cookie = lambda c: next(x.value for x in c.jar if x.name == "wardsec_session")
    origin = f"https://127.0.0.1:{srv.http}"
    op_c, sec_c = "wardsec_session=" + cookie(op), "wardsec_session=" + cookie(sec_web)
    status, _ = ws_first_message(srv, op_c, "https://evil.example", "/api/v1/bastion/terminal?account=1")
    r.check(" 403 " in status, f"a web terminal opened from another site is refused (cross-site WebSocket): {status}")
    status, _ = ws_first_message(srv, op_c, "", "/api/v1/bastion/terminal?account=1")
    r.check(" 403 " in status, f"a web terminal without an Origin header is refused: {status}")
    status, _ = ws_first_message(srv, sec_c, origin, "/api/v1/bastion/terminal?account=1")
    r.check(" 403 " in status, f"a security administrator has no web terminal (not an operator): {status}")
    status, msg = ws_first_message(srv, op_c, origin, f"/api/v1/bastion/terminal?account={emr_id}")
    r.check(" 101 " in status and msg.get("type") == "end" and "未授权" in msg.get("reason", ""),
            f"a web terminal to a host account not granted ends at once, saying why: {status} {msg}")
    status, _ = ws_first_message(srv, op_c, origin, "/api/v1/bastion/live/x/watch")
    r.check(" 403 " in status, f"an operator cannot watch sessions: {status}")
    web = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "web")
    shots = os.environ.get("WARDSEC_SHOTS", "")
    e2e = subprocess.run(["node", "e2e/terminal.e2e.mjs", "--base", srv.base, "--op-cookie", cookie(op), "--sec-cookie", cookie(sec_web),
                          "--marker", marker_dir] + (["--shots", shots] if shots else []),
                         cwd=web, capture_output=True, text=True, timeout=300)
    for line in e2e.stdout.splitlines():
        if line.startswith(("ok", "FAIL")):
            r.check(line.startswith("ok"), "web terminal: " + line[5:])
    r.check(e2e.returncode == 0, f"the web terminal test ran to its end: {e2e.returncode} {e2e.stderr[-800:]}")
    if e2e.returncode != 0:
        print(e2e.stdout[-4000:], flush=True)  # a failure's whole message (what each screen showed)
    r.check(not os.path.exists(f"{marker_dir}/web-denied"), "a command denied in the web terminal never reaches the target")

    def web_session():
        code, res = auditadmin.get("/api/v1/bastion/sessions?user=zhang")
        return next((x for x in res.get("sessions", []) if x["kind"] == "web" and x["ended"]), None) if code == 200 else None
    ws = wait_for(web_session, 15, "the web session in the record")
    code, s = auditadmin.get(f"/api/v1/bastion/sessions/{ws['id']}")
    code, cast = auditadmin.call("GET", f"/api/v1/bastion/sessions/{ws['id']}/recording")
    out = "".join(json.loads(x)[2] for x in cast.decode().splitlines()[1:] if json.loads(x)[1] == "o") if isinstance(cast, bytes) else ""
    r.check(s["recording_intact"] is True and "web-12" in out and s["ended_by"] == "secadmin",
            f"the web session is recorded like any other and ended by the security administrator: {s['state']} {s['ended_by']}")

    # 5. An unauthorized target; a wrong code; -J.
    code = codes.next()
    p = ssh(bport, "zhang@root@emr-app-01", "-i", opkey, "-o", "IdentitiesOnly=yes",
            "-o", "PreferredAuthentications=publickey,keyboard-interactive", "-tt")
    p.expect("Authenticator code")
    p.sendline(code)
    p.expect("未授权")
    p.expect(pexpect.EOF)
    r.check(True, "an asset without a grant is refused")
    p = ssh(bport, "zhang", "-i", opkey, "-o", "IdentitiesOnly=yes", "-o", "PreferredAuthentications=publickey,keyboard-interactive")
    p.expect("Authenticator code")
    p.sendline("000000")
    i = p.expect(["Authenticator code", "Permission denied", pexpect.EOF])
    r.check(i in (0, 1), "a wrong code is refused")
    p.terminate(force=True)
    code = codes.next()
    # What -J does, spelled out so the inner ssh gets the test's options: ssh -W (a direct-tcpip channel).
    inner = " ".join(["ssh", "-p", str(bport), *SSH_OPTS, "-o", "IdentitiesOnly=yes", "-i", opkey,
                      "-o", "PreferredAuthentications=publickey,keyboard-interactive", "-W", "%h:%p", "zhang@127.0.0.1"])
    cmd = ["ssh", *SSH_OPTS, "-o", "BatchMode=yes", "-o", f"ProxyCommand={inner}", "-p", str(tport), "root@127.0.0.1", "true"]
    p = pexpect.spawn(cmd[0], cmd[1:], timeout=30, encoding="utf-8", codec_errors="replace")
    p.expect("Authenticator code")
    p.sendline(code)
    i = p.expect(["prohibited|failed|refused|denied", pexpect.EOF])
    p.expect(pexpect.EOF)
    p.close()
    r.check(p.exitstatus != 0, f"ssh -J through the bastion is refused (no tunnel it cannot see into): {p.exitstatus}")

    # 6. Bad clients: garbage, a key exchange never finished; the bastion keeps serving.
    s = socket.create_connection(("127.0.0.1", bport))
    s.sendall(os.urandom(4096))
    s.settimeout(10)
    try:
        while s.recv(4096):
            pass
    except OSError:
        pass
    s.close()
    slow = socket.create_connection(("127.0.0.1", bport))
    slow.sendall(b"SSH-2.0-slowloris\r\n")
    slow.settimeout(30)
    t0 = time.time()
    try:
        while slow.recv(4096):
            pass
        closed = True
    except OSError:
        closed = False
    r.check(closed and time.time() - t0 < 25, f"a client that never finishes the key exchange is cut ({time.time() - t0:.1f}s)")
    code = codes.next()
    p = ssh(bport, "zhang@root@his-db-01", "-i", opkey, "-o", "IdentitiesOnly=yes",
            "-o", "PreferredAuthentications=publickey,keyboard-interactive", command="echo still-$((5*5))")
    p.expect("Authenticator code")
    p.sendline(code)
    p.expect("still-25")
    r.check(True, "after garbage and a stalled client the bastion still serves")

    # 7. The events in the tamper-evident store, and the operator blocked mid-session.
    def events(q):
        code, res = secadmin.get("/api/v1/search?" + urllib.parse.urlencode({"q": q, "limit": 1000}))
        return len(res["events"]) if code == 200 else -1
    wait_for(lambda: events("event.dataset:wardsec.bastion AND event.action:command_denied") >= 2, 20, "denials in the store")
    r.check(events("event.dataset:wardsec.bastion AND event.action:session_end") >= 2, "session ends are events")
    r.check(events("event.dataset:wardsec.bastion AND event.action:forward_refused") >= 1, "the refused -J is an event")
    r.check(events("event.dataset:wardsec.bastion AND event.action:file_upload") >= 2, "SFTP uploads are events")

    # 8. The month's 运维审计报告 (this month: the sessions above).
    year, month, _ = local_day(began)  # the month the first session ran in
    q = f"year={year}&month={month}"
    code, html = auditadmin.call("GET", f"/api/v1/bastion/report?{q}")
    html = html.decode() if isinstance(html, bytes) else str(html)
    r.check(code == 200 and "运维审计报告" in html and "zhang" in html and "his-db-01" in html and "reboot" in html,
            f"the monthly report lists sessions by operator and asset and the denied commands: {code}")
    r.check("root@emr-app-01" in html and "从未使用" in html, "a host account nobody used is in the report")
    r.check("拒绝" in html and "审批后执行" in html, "denied and reviewed commands are marked as such")
    code, _ = op.get(f"/api/v1/bastion/report?{q}")
    r.check(code == 403, f"an operator cannot read the report: {code}")
    code, pdf = auditadmin.call("GET", f"/api/v1/bastion/report?{q}&format=pdf")
    r.check(code == 200 and isinstance(pdf, bytes) and pdf[:5] == b"%PDF-", f"the report as PDF: {code}")
    if os.environ.get("WARDSEC_REPORT_SHOTS"):  # a render for docs/reports/
        render_png(html, os.path.join(os.environ["WARDSEC_REPORT_SHOTS"], "bastion-zh-1.png"), t, "1000,1600")


if __name__ == "__main__":
    run("bastion", body)
