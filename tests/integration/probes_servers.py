"""Real servers for the probe tests (运行监控): nginx (HTTP and HTTPS with a certificate that
expires soon), net-snmp's snmpd (v2c and v3) on loopback, and a small DNS responder."""
import contextlib
import os
import shutil
import socket
import struct
import subprocess
import threading

from harness import free_port, wait_for

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SNMPD = shutil.which("snmpd") or "/usr/sbin/snmpd"


def http_up(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            return s.recv(100).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


class Nginx:
    """nginx on loopback: `port` plain HTTP, `tls_port` HTTPS for localhost with a certificate
    valid `days` days (its CA file is `cert`). stop() and start() take the web system down and up."""

    def __init__(self, t, days=10):
        self.t, self.port, self.tls_port = t, free_port(), free_port()
        os.chmod(t, 0o755)
        root = os.path.join(t, "www")
        os.makedirs(root, exist_ok=True)
        os.chmod(root, 0o755)
        with open(os.path.join(root, "index.html"), "w") as f:
            f.write("<h1>瑞康医院 HIS 门户</h1>")
        self.cert, key = os.path.join(t, "web.crt"), os.path.join(t, "web.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", self.cert,
                        "-days", str(days), "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"], check=True, capture_output=True)
        os.chmod(key, 0o644)
        self.conf = os.path.join(t, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(f"""daemon off;
pid {t}/nginx.pid;
error_log {t}/nginx-error.log;
events {{ worker_connections 64; }}
http {{
  client_body_temp_path {t}/body; proxy_temp_path {t}/proxy; fastcgi_temp_path {t}/fcgi;
  uwsgi_temp_path {t}/uwsgi; scgi_temp_path {t}/scgi;
  access_log off;
  server {{ listen 127.0.0.1:{self.port}; root {root}; location /broken {{ return 503; }} }}
  server {{ listen 127.0.0.1:{self.tls_port} ssl; ssl_certificate {self.cert}; ssl_certificate_key {key}; root {root}; }}
}}
""")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([NGINX, "-c", self.conf, "-p", self.t], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: http_up(self.port), 20, "nginx")

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(20)
            self.proc = None


# A pass_persist program for snmpd (snmpd.conf(5)): answers get/getnext for the variables it was
# written with, in OID order, inside its own subtree.
PASS_PERSIST = r"""#!/usr/bin/python3
import sys
VARS = sorted(%r, key=lambda v: tuple(int(x) for x in v[0].strip(".").split(".")))
key = lambda o: tuple(int(x) for x in o.strip(".").split("."))
def answer(v):
    print(v[0]); print(v[1]); print(v[2])
for line in sys.stdin:
    cmd = line.strip()
    if cmd == "PING":
        print("PONG")
    elif cmd in ("get", "getnext"):
        o = key(sys.stdin.readline())
        hit = [v for v in VARS if (key(v[0]) == o if cmd == "get" else key(v[0]) > o)]
        answer(hit[0]) if hit else print("NONE")
    elif cmd == "set":
        sys.stdin.readline(); sys.stdin.readline(); print("not-writable")
    sys.stdout.flush()
"""


@contextlib.contextmanager
def snmpd(t, community, user, auth, priv, tables=None):
    """snmpd on 127.0.0.1:<port> answering v2c `community` and v3 `user` (SHA/AES). `tables`:
    {subtree: [(oid, type, value), ...]} served by a pass_persist program each (a device's LLDP
    and CDP tables: types as snmpd.conf's pass takes them, octets as spaced hex)."""
    port = free_port(socket.SOCK_DGRAM)
    state = os.path.join(t, "snmp")
    os.makedirs(state, exist_ok=True)
    conf = os.path.join(t, "snmpd.conf")
    with open(conf, "w") as f:
        f.write(f"rocommunity {community} 127.0.0.1\ncreateUser {user} SHA \"{auth}\" AES \"{priv}\"\nrouser {user} priv\n"
                "sysName wk-core-sw-01\n")
        for i, (root, rows) in enumerate((tables or {}).items()):
            prog = os.path.join(t, f"snmp-pass-{i}.py")
            with open(prog, "w") as p:
                p.write(PASS_PERSIST % ([list(x) for x in rows],))
            os.chmod(prog, 0o755)
            f.write(f"pass_persist {root} {prog}\n")
    env = dict(os.environ, SNMP_PERSISTENT_DIR=state, MIBS="")
    p = subprocess.Popen([SNMPD, "-f", "-Lf", os.path.join(t, "snmpd.log"), "-C", "-c", conf, "-p", os.path.join(t, "snmpd.pid"),
                          f"udp:127.0.0.1:{port}"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: subprocess.run(["snmpget", "-v2c", "-c", community, "-t", "1", "-r", "0", f"127.0.0.1:{port}", "1.3.6.1.2.1.1.3.0"],
                                        capture_output=True, env=env).returncode == 0, 20, "snmpd")
        yield port
    finally:
        p.terminate()
        p.wait(10)


@contextlib.contextmanager
def dns_responder(answers):
    """A DNS server on 127.0.0.1 (UDP) answering A queries from `answers` ({name: ip}),
    NXDOMAIN for any other name. Yields its port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                q, peer = sock.recvfrom(512)
            except OSError:
                continue
            qid, = struct.unpack(">H", q[:2])
            i, labels = 12, []
            while q[i]:
                labels.append(q[i + 1:i + 1 + q[i]].decode())
                i += 1 + q[i]
            question = q[12:i + 5]
            ip = answers.get(".".join(labels))
            if ip:
                rr = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton(ip)
                sock.sendto(struct.pack(">HHHHHH", qid, 0x8180, 1, 1, 0, 0) + question + rr, peer)
            else:
                sock.sendto(struct.pack(">HHHHHH", qid, 0x8183, 1, 0, 0, 0) + question, peer)

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    try:
        yield sock.getsockname()[1]
    finally:
        stop.set()
        th.join()
        sock.close()
