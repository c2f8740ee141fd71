"""Syslog over TLS (RFC 5425): a real rsyslog with its OpenSSL driver, and a Python TLS
client using octet counting, both reach wardsec's TLS input (issue #2)."""
import os
import socket
import ssl
import uuid
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)

from harness import Server, TempDir, args, cli, count, run, wait_for
from rsyslog import Rsyslog

N = 1000


def body(r):
    a = args()
    w = a.wardsec
    rid = uuid.uuid4().hex[:8]
    with TempDir() as t:
        data = os.path.join(t, "data")
        with Server(w, data) as srv:
            # wardsec made a self-signed certificate at first start, in the key folder.
            cert = data + ".keys/tls.crt"
            r.check(os.path.exists(cert), "a self-signed certificate was created at first start")
            actions = f'''
action(type="omfwd" target="127.0.0.1" port="{srv.tls}" protocol="tcp" StreamDriver="ossl" StreamDriverMode="1"
       StreamDriverAuthMode="anon" TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format"
       queue.type="LinkedList" action.resumeRetryCount="-1")
'''
            with Rsyslog(os.path.join(t, "rsyslog"), actions) as rs:
                rs.send_lines([f"<86>Nov 26 08:00:00 emr-app-01 sshd[7]: Failed password for root from 45.95.147.201 port {i} ssh2 tlsrun={rid}" for i in range(N)])
                wait_for(lambda: count(w, data, f'"tlsrun={rid}" AND input.type:tls') >= N or None, 60, "rsyslog lines over TLS", interval=0.5)
            r.check(count(w, data, f'"tlsrun={rid}" AND input.type:tls AND user.name:root') == N, f"rsyslog (ossl driver) delivered {N} lines over TLS, parsed")
            # A Python client that verifies wardsec's certificate.
            ctx = ssl.create_default_context(cafile=cert)
            ctx.check_hostname = False
            with socket.create_connection(("127.0.0.1", srv.tls)) as raw, ctx.wrap_socket(raw) as s:
                r.check(s.version() in ("TLSv1.2", "TLSv1.3"), f"TLS version {s.version()}")
                for i in range(100):
                    m = f"<14>1 2026-11-26T08:00:00+08:00 pacs-app-01 pacs - - - 影像传输 pyrun={rid} n={i}".encode()
                    s.sendall(str(len(m)).encode() + b" " + m)
                # Closes at once, never reading: fire-and-forget senders must not lose lines.
            wait_for(lambda: count(w, data, f'"pyrun={rid}"') == 100, 20, "python TLS lines")
            r.check(True, "octet-counted frames over TLS with Chinese text arrive")
            # Old protocol versions are refused.
            ctx10 = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx10.check_hostname = False
            ctx10.verify_mode = ssl.CERT_NONE
            try:
                ctx10.maximum_version = ssl.TLSVersion.TLSv1_1
                ctx10.minimum_version = ssl.TLSVersion.TLSv1
                with socket.create_connection(("127.0.0.1", srv.tls)) as raw, ctx10.wrap_socket(raw):
                    refused = False
            except (ssl.SSLError, OSError, ValueError):
                refused = True
            r.check(refused, "TLS 1.0/1.1 are refused")
        r.check(cli(w, "verify", "--data", data, check=False).returncode == 0, "store verifies clean")


if __name__ == "__main__":
    run("tls_syslog", body)
