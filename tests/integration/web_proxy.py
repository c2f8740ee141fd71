"""Web-attack detection with real servers (issue #7): nginx from Debian on loopback behind
`wardsec proxy` (block mode with a detect-only route), the proxy's findings sent over syslog to
a running wardsec that stores them and raises alerts; nginx's own log in wardsec's JSON format
(config/web/nginx-wardsec-json.conf) read back by `wardsec webcheck`."""
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request

from harness import Server, TempDir, args, cli, exchange, free_port, run, wait_for

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
TCPDUMP = shutil.which("tcpdump") or "/usr/bin/tcpdump"


def http(port, path, method="GET", body=None, headers=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError) as e:
        return 0, str(e)


def raw(port, data):
    return exchange(port, data).decode("utf-8", "replace")


def body(r):
    a = args()
    w = a.wardsec
    with TempDir() as t:
        ng_port, px_port = free_port(), free_port()
        root = os.path.join(t, "www")
        os.makedirs(root)
        # nginx's workers run as www-data: they need to reach the pages.
        os.chmod(t, 0o755)
        os.chmod(root, 0o755)
        with open(os.path.join(root, "index.html"), "w") as f:
            f.write("<h1>demo hospital portal</h1>")
        ng_log = os.path.join(t, "nginx-wardsec.json")
        conf = os.path.join(t, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""
daemon off;
pid {t}/nginx.pid;
error_log {t}/nginx-error.log;
events {{ worker_connections 64; }}
http {{
  client_body_temp_path {t}/body; proxy_temp_path {t}/proxy; fastcgi_temp_path {t}/fcgi;
  uwsgi_temp_path {t}/uwsgi; scgi_temp_path {t}/scgi;
  client_body_buffer_size 64k;
  include {os.path.abspath(os.path.join(ROOT, 'config', 'web', 'nginx-wardsec-json.conf'))};
  access_log {ng_log} wardsec_json;
  server {{
    listen 127.0.0.1:{ng_port};
    root {root};
    location /echo {{ return 200 "echo $request_method $request_uri"; }}
    location /api/ {{ proxy_pass http://127.0.0.1:{ng_port}/echo; }}
  }}
}}
""")
        ng_err = open(os.path.join(t, "nginx-stderr.log"), "w")
        ng = subprocess.Popen([NGINX, "-c", conf, "-p", t], stdout=subprocess.DEVNULL, stderr=ng_err)
        px = None
        try:
            try:
                wait_for(lambda: http(ng_port, "/")[0] == 200, 20, "nginx")
            except AssertionError:
                raise AssertionError("nginx did not start: " + open(os.path.join(t, "nginx-stderr.log")).read()[-500:] + open(os.path.join(t, "nginx-error.log")).read()[-500:] if os.path.exists(os.path.join(t, "nginx-error.log")) else "")
            data = os.path.join(t, "data")
            with Server(w, data) as srv:
                cfg = os.path.join(t, "wardsec.yaml")
                with open(cfg, "w") as f:
                    f.write(f"""proxy:
  mode: block
  routes:
    - {{path_prefix: /research/, mode: detect}}
web:
  exceptions:
    - {{path_prefix: /editor/, classes: [xss]}}
""")
                px_log = os.path.join(t, "proxy.json")
                px = subprocess.Popen([w, "proxy", "-c", cfg, "--listen", f"127.0.0.1:{px_port}", "--upstream", f"127.0.0.1:{ng_port}",
                                       "--log", px_log, "--syslog", f"127.0.0.1:{srv.udp}"], stderr=subprocess.PIPE)
                wait_for(lambda: http(px_port, "/")[0] == 200, 20, "the proxy")
                code, text = http(px_port, "/")
                r.check(code == 200 and "demo hospital portal" in text, "a benign request passes through the proxy to nginx")
                code, text = http(px_port, "/echo?name=%E5%BC%A0%E4%BC%9F&dept=%E5%BF%83%E5%86%85%E7%A7%91")
                r.check(code == 200 and "echo GET" in text, "a request with Chinese parameters passes")
                code, text = http(px_port, "/echo?id=1%27%20or%20%271%27=%271")
                r.check(code == 403 and "WP-" in text, f"an SQL injection is blocked with 403 and an incident number ({code})")
                code, text = http(px_port, "/api/appointment", "POST", json.dumps({"patientName": "王芳", "symptom": "头痛、发热（38.5℃）3天"}).encode(),
                                  {"Content-Type": "application/json"})
                r.check(code == 200 and "echo POST" in text, f"a benign JSON body is forwarded to nginx's proxied location ({code})")
                code, _ = http(px_port, "/api/appointment", "POST", json.dumps({"remark": "<img src=x onerror=alert(1)>"}).encode(),
                               {"Content-Type": "application/json"})
                r.check(code == 403, f"XSS in a JSON body is blocked ({code})")
                code, text = http(px_port, "/research/echo?q=1%20union%20select%20password%20from%20users")
                r.check(code == 404 or code == 200, f"on the detect-only route the attack is forwarded, not blocked ({code})")
                code, _ = http(px_port, "/editor/echo?html=%3Cscript%3Ealert(1)%3C/script%3E")
                r.check(code != 403, f"a route exception for xss lets the editor's markup through ({code})")
                # An upstream that does not answer: 502 with the incident number.
                dead_port, px2_port = free_port(), free_port()
                px2 = subprocess.Popen([w, "proxy", "--listen", f"127.0.0.1:{px2_port}", "--upstream", f"127.0.0.1:{dead_port}"],
                                       stderr=subprocess.DEVNULL)
                try:
                    code = wait_for(lambda: http(px2_port, "/")[0] or None, 20, "the second proxy")
                    r.check(code == 502, f"an upstream that is down gets 502 ({code})")
                finally:
                    px2.terminate()
                    px2.wait(10)
                resp = raw(px_port, b"GET /\x01bad HTTP/1.1\r\nHost x\r\n\r\n")
                r.check(resp.startswith("HTTP/1.1 400"), f"a malformed request gets 400 ({resp[:20]!r})")
                # The proxy's log: one JSON line per finding, blocked or forwarded, and the malformed one.
                lines = [json.loads(l) for l in open(px_log, encoding="utf-8")]
                actions = sorted({(l["wardsec_action"], l["wardsec_verdict"]) for l in lines})
                r.check(("blocked", "attack") in actions and ("forwarded", "attack") in actions and ("refused", "malformed") in actions,
                        f"the proxy logs blocked, forwarded and malformed requests ({actions})")
                # The same findings reached the management center over syslog, were stored and raised an alert.
                admin = srv.admin("secadmin")
                got = wait_for(lambda: (lambda c_j: c_j[1] if c_j[0] == 200 and c_j[1]["total"] >= 3 else None)(admin.get("/api/v1/web/attacks?from=now-1h")),
                               30, "the proxy's findings in the store")
                classes = set(got["by_class"])
                r.check({"sqli", "xss"} <= classes, f"the center stored the proxy's findings with their classes ({sorted(classes)})")
                alerts = wait_for(lambda: (lambda c_j: c_j[1]["alerts"] if c_j[0] == 200 and c_j[1]["alerts"] else None)(
                    admin.get("/api/v1/alerts?q=" + urllib.request.quote("Web attack"))), 30, "a web-attack alert")
                r.check(any(x["rule_title"].startswith("Web attack") for x in alerts) if alerts and "rule_title" in alerts[0] else bool(alerts),
                        f"a web-attack alert was raised ({len(alerts)})")
            # Mirrored traffic: tcpdump captures the loopback while requests go to nginx directly;
            # `webcheck --pcap` reassembles and inspects every one of them.
            pcap = os.path.join(t, "mirror.pcap")
            td = subprocess.Popen([TCPDUMP, "-i", "lo", "-s", "0", "-U", "-w", pcap, f"tcp port {ng_port}"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            wait_for(lambda: os.path.exists(pcap) and os.path.getsize(pcap) > 0, 10, "tcpdump to start")
            time.sleep(0.5)
            sent = [("/echo?dept=%E5%BF%83%E5%86%85%E7%A7%91", None, "benign"),
                    ("/echo?id=1%27%20union%20select%20name,pwd%20from%20sys_user--", None, "sqli"),
                    ("/api/save", "remark=%3Csvg%20onload%3Dalert(1)%3E&name=%E7%8E%8B%E8%8A%B3", "xss"),
                    ("/echo?file=../../../../etc/passwd", None, "traversal")]
            for path, form, _ in sent:
                http(ng_port, path, "POST" if form else "GET", form.encode() if form else None,
                     {"Content-Type": "application/x-www-form-urlencoded"} if form else {})
            # Two pipelined requests on one connection.
            raw(ng_port, f"GET /echo?a=1 HTTP/1.1\r\nHost: x\r\n\r\nGET /echo?b=%3Cscript%3E HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            time.sleep(1)
            td.terminate()
            td.wait(10)
            res = cli(w, "webcheck", "--pcap", pcap, "--format", "json")
            got = [json.loads(l) for l in res.stdout.splitlines()]
            targets = [g["target"] for g in got]
            # (nginx's own proxy_pass from /api/ to /echo crosses the loopback too: one more request.)
            r.check(set(p for p, _, _ in sent) | {"/echo?a=1", "/echo?b=%3Cscript%3E"} <= set(targets) and len(got) == len(sent) + 3
                    and all(g["flow"]["server"].endswith(f":{ng_port}") for g in got),
                    f"every request on the mirrored traffic is reassembled, pipelined ones too ({len(got)}: {targets})")
            by_target = {g["target"]: g for g in got}
            ok = True
            for path, _, want in sent:
                g = by_target.get(path)
                ok &= g is not None and ((want == "benign" and g["verdict"] == "benign") or (want in g["attack"]["classes"]))
            r.check(ok, "each captured request has the right verdict and class (the POST body included)")
            r.check(by_target.get("/echo?b=%3Cscript%3E", {}).get("verdict") == "attack", "the second pipelined request is inspected too")
            # nginx's own log in wardsec's JSON format: webcheck reads it; the detect-only attack is there.
            out = cli(w, "webcheck", "--format", "json", ng_log).stdout.splitlines()
            verdicts = [json.loads(l) for l in out]
            att = [v for v in verdicts if v["verdict"] == "attack"]
            ben = [v for v in verdicts if v["verdict"] == "benign"]
            r.check(any("sqli" in v["attack"]["classes"] for v in att), f"nginx's JSON log: the forwarded injection is an attack ({len(att)} attacks)")
            r.check(len(ben) >= 3 and all(v["line"] >= 1 for v in verdicts), f"nginx's JSON log: benign requests are benign ({len(ben)})")
            posts = {v["target"]: v for v in verdicts if v["method"] == "POST"}
            r.check(posts.get("/api/appointment", {}).get("verdict") == "benign" and "xss" in posts.get("/api/save", {}).get("attack", {}).get("classes", []),
                    f"nginx's JSON log carries POST bodies: the benign form is benign, the XSS in a body is found ({sorted(posts)})")
        finally:
            for p in (px, ng):
                if p and p.poll() is None:
                    p.terminate()
                    try:
                        p.wait(10)
                    except subprocess.TimeoutExpired:
                        p.kill()


run("web_proxy", body)
