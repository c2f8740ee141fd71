"""Shared helpers for integration tests: a wardsec server on free loopback ports, a temp
folder, the CLI, and bounded waits. Every test stops what it starts."""
import argparse
import base64
import datetime
import hashlib
import hmac
import http.cookiejar
import json
import ssl
import struct
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


def args():
    p = argparse.ArgumentParser()
    p.add_argument("--wardsec", required=True)
    p.add_argument("--shared", required=True)
    return p.parse_args()


def _ephemeral_range():
    try:
        lo, hi = open("/proc/sys/net/ipv4/ip_local_port_range").read().split()
        return int(lo), int(hi)
    except (OSError, ValueError):
        return 32768, 60999


def free_port(kind=socket.SOCK_STREAM):
    """A loopback port nothing holds, chosen below the ephemeral range: a port the kernel hands
    out for port 0 can be taken by any outgoing connection (this test's own HTTPS calls) before
    the server binds it, and the server then fails with "Address already in use"."""
    import random
    lo = _ephemeral_range()[0]
    for _ in range(200):
        port = random.randint(15000, max(15001, lo - 1))
        s = socket.socket(socket.AF_INET, kind)
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def exchange(port, data, timeout=10):
    """Sends raw bytes to a loopback port and reads until the server closes (or goes quiet)."""
    out = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        for d in data if isinstance(data, (list, tuple)) else [data]:
            s.sendall(d)
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                out += b
        except OSError:
            pass
    return out


class TempDir:
    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="wardsec-it-")

    def __enter__(self):
        return self.path

    def __exit__(self, *exc):
        if os.environ.get("WARDSEC_KEEP_TMP"):  # for looking at a failed run's logs
            print(f"kept {self.path}")
            return
        shutil.rmtree(self.path, ignore_errors=True)


# The center's days, weeks and months are the hospital's (+08:00 unless configured), not this
# machine's: a test that names "today" must take it from here, or it fails between 16:00 and
# 24:00 UTC.
CENTER_TZ = datetime.timezone(datetime.timedelta(hours=8))


def center_now():
    return datetime.datetime.now(CENTER_TZ)


def wait_for(pred, timeout=30, what="condition", interval=0.1):
    end = time.time() + timeout
    last = None
    while time.time() < end:
        last = pred()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def render_png(html, png, folder, size="1000,1500"):
    """A document as Chromium shows it (the PNG renders in docs/reports)."""
    page = os.path.join(folder, "render.html")
    with open(page, "w") as f:
        f.write(html)
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", f"--window-size={size}",
                    f"--screenshot={png}", "file://" + page], capture_output=True, timeout=120)


def totp(secret_b32, step=None):
    """RFC 6238 (SHA-1, 30 s, 6 digits), as an authenticator app computes it."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    if step is None:
        step = int(time.time()) // 30
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    off = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7fffffff) % 1000000)


class Client:
    """An HTTPS client of the console API: a cookie session (with its CSRF token) or a bearer
    token. Certificates are checked against the server's own self-signed one."""

    def __init__(self, base, cafile, token=None):
        self.base, self.token, self.csrf = base, token, ""
        ctx = ssl.create_default_context(cafile=cafile)
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ctx),
                                                  urllib.request.HTTPCookieProcessor(self.jar))
        self.last_headers = {}

    def call(self, method, path, body=None, raw=None, headers=None, csrf=True):
        data = raw if raw is not None else (json.dumps(body, ensure_ascii=False).encode() if body is not None else None)
        h = {"Content-Type": "application/json"}
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        if csrf and self.csrf:
            h["X-CSRF-Token"] = self.csrf
        h.update(headers or {})
        rq = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with self.opener.open(rq, timeout=60) as r:
                self.last_headers = dict(r.headers)
                text = r.read()
                code = r.status
        except urllib.error.HTTPError as e:
            self.last_headers = dict(e.headers)
            text = e.read()
            code = e.code
        try:
            res = json.loads(text or b"{}")
        except ValueError:
            return code, text
        # Each login step rotates the session id (the cookie jar follows) and the CSRF token.
        if isinstance(res, dict) and "csrf" in res and "stage" in res:
            self.csrf = res["csrf"]
        return code, res

    def get(self, path):
        return self.call("GET", path)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body if body is not None else {}, **kw)

    def login(self, user, password, new_password=None, secret=None, step_offset=0):
        """The whole login sequence: password, a forced change, TOTP enrolment or a code.
        Returns the TOTP secret (new or given)."""
        code, me = self.post("/api/v1/auth/login", {"username": user, "password": password})
        if code != 200:
            raise AssertionError(f"login {user}: {code} {me}")
        self.csrf = me["csrf"]
        if me["stage"] == "password_change":
            code, me = self.post("/api/v1/auth/password", {"old_password": password, "new_password": new_password})
            if code != 200:
                raise AssertionError(f"password change {user}: {code} {me}")
        if me["stage"] == "mfa_enroll":
            code, en = self.get("/api/v1/auth/mfa/enroll")
            secret = en["secret"]
            code, me = self.post("/api/v1/auth/mfa/enroll", {"code": totp(secret)})
            if code != 200:
                raise AssertionError(f"mfa enrolment {user}: {code} {me}")
        elif me["stage"] == "mfa":
            code, me = self.post("/api/v1/auth/mfa", {"code": totp(secret, int(time.time()) // 30 + step_offset)})
            if code != 200:
                raise AssertionError(f"mfa {user}: {code} {me}")
        if me.get("stage") != "active":
            raise AssertionError(f"login {user} ended at {me}")
        self.me = me
        return secret


_TOKENS, _SECRETS = {}, {}
NEW_PASSWORDS = {"sysadmin": "Sys-Admin-2026!", "secadmin": "Sec-Admin-2026!", "auditadmin": "Audit-Admin-2026!"}


class Server:
    """wardsec serve on loopback with every input on a free port."""

    def __init__(self, wardsec, data, extra=(), command="serve"):
        self.wardsec = wardsec
        self.command = command
        self.data = data
        self.http = free_port()
        self.redirect = free_port()
        self.tcp = free_port()
        self.udp = free_port(socket.SOCK_DGRAM)
        self.tls = free_port()
        self.relp = free_port()
        self.extra = list(extra)
        self.proc = None
        self.log = open(os.path.join(os.path.dirname(data.rstrip("/")), os.path.basename(data.rstrip("/")) + ".server.log"), "ab")

    def start(self):
        for attempt in range(3):
            cmd = [self.wardsec, self.command, "--data", self.data, "--listen", f"127.0.0.1:{self.http}",
                   "--redirect", f"127.0.0.1:{self.redirect}",
                   "--tcp", f"127.0.0.1:{self.tcp}", "--udp", f"127.0.0.1:{self.udp}",
                   "--tls", f"127.0.0.1:{self.tls}", "--relp", f"127.0.0.1:{self.relp}"] + self.extra
            self.log.flush()
            at = os.path.getsize(self.log.name)
            self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log)
            try:
                wait_for(self.healthy, 20, "wardsec to answer /api/v1/health")
                return self
            except AssertionError:
                # Another process took one of the ports between free_port() and the bind: the
                # server says so and exits; try again on fresh ports. Anything else is a failure.
                with open(self.log.name, "rb") as f:
                    f.seek(at)
                    said = f.read().decode(errors="replace")
                if attempt == 2 or self.proc.poll() is None or "Address already in use" not in said:
                    raise
                self.http, self.redirect, self.tcp, self.tls, self.relp = (free_port() for _ in range(5))
                self.udp = free_port(socket.SOCK_DGRAM)
        return self

    def healthy(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"wardsec exited with {self.proc.returncode}; see {self.log.name}")
        try:
            ctx = ssl.create_default_context(cafile=self.cafile)
            with urllib.request.urlopen(f"{self.base}/api/v1/health", timeout=1, context=ctx) as r:
                return r.status == 200
        except (OSError, ssl.SSLError):
            return False

    @property
    def base(self):
        return f"https://127.0.0.1:{self.http}"

    @property
    def cafile(self):
        return self.data.rstrip("/") + ".keys/tls.crt"

    def initial_passwords(self):
        out = {}
        with open(self.data.rstrip("/") + ".keys/initial-passwords.txt") as f:
            for line in f:
                if line.strip() and not line.startswith("#"):
                    u, p = line.split()
                    out[u] = p
        return out

    def client(self, token=None):
        return Client(self.base, self.cafile, token)

    def first_login(self, user):
        """The first login of a built-in administrator: one-time password, forced change, TOTP
        enrolment. Returns the logged-in (cookie) client; its TOTP secret is in .secret."""
        c = self.client()
        c.secret = c.login(user, self.initial_passwords()[user], NEW_PASSWORDS[user])
        _SECRETS[(self.data, user)] = c.secret
        return c

    def admin(self, user="secadmin"):
        """An API-token client of a built-in administrator (the token is made once, at its first
        login, and outlives restarts of the server, as a script's token would)."""
        key = (self.data, user)
        if key not in _TOKENS:
            c = self.first_login(user)
            code, res = c.post("/api/v1/auth/tokens", {"label": "integration test", "scopes": ["all"]})
            if code != 201:
                raise AssertionError(f"cannot make a token for {user}: {code} {res}")
            _TOKENS[key] = res["token"]
        return self.client(_TOKENS[key])

    def collector_token(self):
        """A log sender's API token (a collector account made by the system administrator)."""
        key = (self.data, "collector1")
        if key not in _TOKENS:
            code, res = self.admin("sysadmin").post("/api/v1/users", {"name": "collector1", "role": "collector"})
            if code != 201:
                raise AssertionError(f"cannot make a collector: {code} {res}")
            _TOKENS[key] = res["token"]
        return _TOKENS[key]

    def create_account(self, name, role, display=""):
        """An interactive account the way 三员 allows it: the system administrator files it, a
        security administrator approves; the password is the two halves (to be changed at
        first login). Returns the one-time password."""
        code, res = self.admin("sysadmin").post("/api/v1/users", {"name": name, "display": display, "role": role})
        if code != 202:
            raise AssertionError(f"cannot file account {name}: {code} {res}")
        approver = self.admin("auditadmin" if role == "secadmin" else "secadmin")
        code, dec = approver.post(f"/api/v1/approvals/{res['request']['id']}/approve")
        if code != 200:
            raise AssertionError(f"cannot approve account {name}: {code} {dec}")
        return res["password_first_half"] + dec["password_second_half"]

    def metrics(self):
        code, m = self.admin("secadmin").get("/api/v1/metrics")
        if code != 200:
            raise AssertionError(f"metrics: {code} {m}")
        return m

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("wardsec did not stop within 30s of SIGTERM")
        return self.proc.returncode if self.proc else None

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        try:
            rc = self.stop()
        finally:
            if self.proc and self.proc.poll() is None:
                self.proc.kill()
        # A crash on the way out (SIGSEGV, SIGABRT) is a bug whatever the test checked; a kill -9
        # the test made itself is not.
        if exc[0] is None and rc is not None and rc < 0 and rc != -signal.SIGKILL:
            raise AssertionError(f"wardsec died of signal {-rc} when stopped with SIGTERM")


def cli(wardsec, *a, check=True, input=None):
    r = subprocess.run([wardsec, *a], capture_output=True, text=True, input=input, timeout=300)
    if check and r.returncode != 0:
        raise AssertionError(f"wardsec {' '.join(a)} exited {r.returncode}\nstdout: {r.stdout[-2000:]}\nstderr: {r.stderr[-2000:]}")
    return r


def demo_inventory(wardsec, data):
    """The demo hospital's zones, graded systems and assets imported into a data folder."""
    demo = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "demo", "hospital")
    for kind in ("zones", "systems", "assets"):
        cli(wardsec, "inventory", "import", "--data", data, kind, os.path.join(demo, kind + ".csv"))


def count(wardsec, data, query):
    return int(cli(wardsec, "search", "--data", data, "--count", query).stdout.strip())


def search_json(wardsec, data, query, *extra):
    out = cli(wardsec, "search", "--data", data, "--format", "json", query, *extra).stdout
    return [json.loads(l) for l in out.splitlines() if l.strip()]


class Result:
    """Counts checks and prints the plain closing line CI reads."""

    def __init__(self, name):
        self.name, self.passed, self.failed = name, 0, 0

    def check(self, cond, what):
        if cond:
            self.passed += 1
            print(f"ok   {what}")
        else:
            self.failed += 1
            print(f"FAIL {what}")

    def done(self):
        print(f"{self.name}: {self.passed} passed, {self.failed} failed")
        sys.exit(1 if self.failed else 0)


def run(name, body):
    res = Result(name)
    try:
        body(res)
    except AssertionError as e:
        res.check(False, f"{name}: {e}")
    except Exception as e:  # an unexpected error is a failure with its reason, not a crash of the runner
        import traceback
        traceback.print_exc()
        res.check(False, f"{name}: {type(e).__name__}: {e}")
    res.done()


def ws_first_message(srv, cookie, origin, path="/api/v1/live"):
    """Opens a WebSocket (by default /api/v1/live) over TLS by hand and returns the status line and
    the first text frame (parsed JSON; binary frames before it are skipped). Origin "" sends none."""
    ctx = ssl.create_default_context(cafile=srv.cafile)
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", srv.http), timeout=10), server_hostname="127.0.0.1")
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{srv.http}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n" + (f"Origin: {origin}\r\n" if origin else "") +
               f"Cookie: {cookie}\r\n\r\n").encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    status = head.split(b"\r\n")[0].decode()
    if " 101 " not in status:
        s.close()
        return status, None

    def need(n):
        nonlocal rest
        while len(rest) < n:
            rest += s.recv(65536)
        out, rest = rest[:n], rest[n:]
        return out
    # A message may come in fragments (a text frame without FIN, then continuation frames).
    payload, text = b"", False
    while True:
        b0, b1 = need(2)
        ln = b1 & 0x7f
        if ln == 126:
            ln = struct.unpack(">H", need(2))[0]
        elif ln == 127:
            ln = struct.unpack(">Q", need(8))[0]
        data = need(ln)
        op = b0 & 0x0f
        if op == 1:
            payload, text = data, True
        elif op == 0 and text:
            payload += data
        if text and b0 & 0x80:
            break
    s.close()
    return status, json.loads(payload)


def rss_kib(pid):
    """The resident memory of a process, KiB (/proc)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0
