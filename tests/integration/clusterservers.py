"""The region's real servers for the scale-out tests (docs/cluster.md): nats-server with
JetStream and clickhouse-server from Debian, each on loopback with its own folder, stopped after.
Both can be stopped and started again on the same ports and data (an outage in the test). With
`tls` (certificate, key) NATS takes TLS only and ClickHouse answers HTTPS beside its plain HTTP
(which the test itself uses to look inside)."""
import os
import subprocess
import urllib.request

from harness import free_port, wait_for


def make_ca(folder):
    """A CA and a server certificate for 127.0.0.1 (openssl); returns (ca, cert, key) paths."""
    ca, cakey, crt, key = (os.path.join(folder, n) for n in ("ca.crt", "ca.key", "server.crt", "server.key"))
    ext = os.path.join(folder, "san.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run = lambda *a: subprocess.run(["openssl", *a], check=True, capture_output=True)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", cakey, "-out", ca, "-days", "2", "-subj", "/CN=wardsec test region CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt + ".csr", "-subj", "/CN=127.0.0.1")
    run("x509", "-req", "-in", crt + ".csr", "-CA", ca, "-CAkey", cakey, "-CAcreateserial", "-out", crt, "-days", "2", "-extfile", ext)
    return ca, crt, key


def make_client_cert(folder, name):
    """A client certificate signed by make_ca's CA in the same folder; returns (cert, key) paths."""
    ca, cakey = os.path.join(folder, "ca.crt"), os.path.join(folder, "ca.key")
    crt, key = os.path.join(folder, f"{name}.crt"), os.path.join(folder, f"{name}.key")
    run = lambda *a: subprocess.run(["openssl", *a], check=True, capture_output=True)
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt + ".csr", "-subj", f"/CN={name}")
    run("x509", "-req", "-in", crt + ".csr", "-CA", ca, "-CAkey", cakey, "-CAcreateserial", "-out", crt, "-days", "2")
    return crt, key


class Nats:
    def __init__(self, folder, tls=None, client_ca=None):
        """tls: (cert, key) for TLS only; client_ca: clients must present a certificate it signed."""
        self.folder = os.path.join(folder, "nats")
        os.makedirs(self.folder, exist_ok=True)
        self.tls, self.client_ca = tls, client_ca
        self.port = free_port()
        self.proc = None
        self.log = open(os.path.join(folder, "nats.log"), "ab")

    @property
    def url(self):
        return f"nats://127.0.0.1:{self.port}"

    def start(self):
        tls = ["--tls", "--tlscert", self.tls[0], "--tlskey", self.tls[1]] if self.tls else []
        if self.client_ca:
            tls += ["--tlsverify", "--tlscacert", self.client_ca]
        self.proc = subprocess.Popen(["nats-server", "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", self.folder, *tls],
                                     stdout=self.log, stderr=self.log)
        wait_for(self.ready, 20, "nats-server to accept connections")
        return self

    def ready(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"nats-server exited with {self.proc.returncode}; see {self.log.name}")
        import socket
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                return s.recv(4).startswith(b"INFO")  # TLS starts after INFO
        except OSError:
            return False

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)


CH_CONFIG = """<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>{d}/server.log</log><errorlog>{d}/error.log</errorlog><size>10M</size><count>1</count></logger>
  <http_port>{http}</http_port>
  <tcp_port>{tcp}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>{d}/data/</path>
  <tmp_path>{d}/tmp/</tmp_path>
  <user_files_path>{d}/user_files/</user_files_path>
  <users_config>{d}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>{https}
  <mark_cache_size>268435456</mark_cache_size>
  <max_concurrent_queries>50</max_concurrent_queries>
</yandex>
"""
CH_USERS = """<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
"""


class ClickHouse:
    def __init__(self, folder, tls=None):
        self.folder = os.path.join(folder, "clickhouse")
        os.makedirs(self.folder, exist_ok=True)
        self.http, self.tcp, self.https = free_port(), free_port(), free_port()
        https = ""
        if tls:
            https = (f"\n  <https_port>{self.https}</https_port>\n  <openSSL><server><certificateFile>{tls[0]}</certificateFile>"
                     f"<privateKeyFile>{tls[1]}</privateKeyFile><verificationMode>none</verificationMode>"
                     "<cacheSessions>true</cacheSessions><preferServerCiphers>true</preferServerCiphers></server></openSSL>")
        self.proc = None
        self.log = open(os.path.join(folder, "clickhouse.log"), "ab")
        with open(os.path.join(self.folder, "config.xml"), "w") as f:
            f.write(CH_CONFIG.format(d=self.folder, http=self.http, tcp=self.tcp, https=https))
        with open(os.path.join(self.folder, "users.xml"), "w") as f:
            f.write(CH_USERS)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.http}"

    @property
    def https_url(self):
        return f"https://127.0.0.1:{self.https}"

    def start(self):
        self.proc = subprocess.Popen(["clickhouse-server", f"--config-file={self.folder}/config.xml"], cwd=self.folder,
                                     stdout=self.log, stderr=self.log)
        wait_for(self.ready, 60, "clickhouse-server to answer")
        return self

    def ready(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"clickhouse-server exited with {self.proc.returncode}; see {self.folder}/error.log")
        try:
            with urllib.request.urlopen(self.url + "/ping", timeout=1) as r:
                return r.status == 200
        except OSError:
            return False

    def query(self, sql, timeout=60):
        req = urllib.request.Request(self.url + "/", data=sql.encode())
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.read().decode()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(60)
