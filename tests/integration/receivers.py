"""Receivers the notification tests share: a self-signed TLS certificate for 127.0.0.1 (the
test CA wardsec is told to trust), an SMTP sink for aiosmtpd that records whether each mail
came inside TLS, and an HTTPS robot that answers as WeCom's and DingTalk's group robots do."""
import json
import os
import ssl
import subprocess
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

from harness import free_port


class Sink:

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        self.tls.append(session.ssl is not None)
        return "250 OK"

    def __init__(self):
        self.messages, self.tls = [], []


def make_cert(folder):
    """A CA-less self-signed server certificate for 127.0.0.1 (the receivers' TLS); wardsec
    trusts it through its ca_file and verifies the host name."""
    crt, key = os.path.join(folder, "recv.crt"), os.path.join(folder, "recv.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt, "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(crt, key)
    return crt, ctx


class Receivers:
    """An HTTPS receiver (`handler`) and an SMTP server that offers STARTTLS and refuses mail
    without it, both on loopback behind the self-signed certificate `crt` (the test CA)."""

    def __init__(self, folder, handler):
        self.crt, tls_ctx = make_cert(folder)
        self.https = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
        self.https.socket = tls_ctx.wrap_socket(self.https.socket, server_side=True)
        threading.Thread(target=self.https.serve_forever, daemon=True).start()
        self.https_port = self.https.server_address[1]
        self.sink = Sink()
        self.smtp_port = free_port()
        self.smtp = Controller(self.sink, hostname="127.0.0.1", port=self.smtp_port, tls_context=tls_ctx, require_starttls=True)
        self.smtp.start()

    def stop(self):
        self.smtp.stop()
        self.https.shutdown()


class Robot(BaseHTTPRequestHandler):
    """POST /cgi-bin/webhook/send?key=... (WeCom) and /robot/send?access_token=... (DingTalk):
    records (path, query, JSON body) and answers {"errcode": 0, "errmsg": "ok"}."""
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        u = urllib.parse.urlsplit(self.path)
        try:
            doc = json.loads(body)
        except ValueError:
            doc = None
        Robot.received.append((u.path, urllib.parse.parse_qs(u.query), doc))
        out = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *a):
        pass
