"""The HTTP API: JSON-lines batch ingest (acknowledged when durable), search, metrics, and
clear 4xx errors for bad requests (issue #2)."""
import json
import os
import urllib.error
import urllib.parse
import urllib.request

from harness import Server, TempDir, args, cli, count, run, wait_for


CLIENTS = {}


def req(url, data=None, method=None):
    """Ingest goes through a collector's token, everything else through the security administrator's."""
    c = CLIENTS["collector" if "/ingest" in url else "secadmin"]
    return c.call(method or ("POST" if data is not None else "GET"), url, raw=data, headers={"Content-Type": "application/x-ndjson"})


def body(r):
    a = args()
    w = a.wardsec
    with TempDir() as t:
        data = os.path.join(t, "data")
        with Server(w, data) as srv:
            base = ""
            CLIENTS["secadmin"] = srv.admin("secadmin")
            CLIENTS["collector"] = srv.client(srv.collector_token())
            lines = [json.dumps({"@timestamp": "2026-11-26T22:30:00+08:00", "user": {"name": f"d{i}"}, "source": {"ip": "10.50.7.88"},
                                 "message": "统方查询 by doctor and drug", "db": {"statement": "SELECT doctor, drug, SUM(qty) ..."}},
                                ensure_ascii=False) for i in range(500)]
            code, body_ = req(base + "/api/v1/ingest", "\n".join(lines).encode(), "POST")
            r.check(code == 200 and body_.get("accepted") == 500, f"POST /api/v1/ingest accepts 500 JSON lines ({code} {body_})")
            # Acknowledged means durable (a synced block or the synced commit log); the CLI (a
            # separate reader) sees them once their block is sealed, within a second.
            r.check(wait_for(lambda: count(w, data, "source.ip:10.50.7.88") == 500 or None, 10, "the batch on disk"),
                    "acknowledged batch is searchable from disk within seconds")
            code, res = req(base + "/api/v1/search?" + urllib.parse.urlencode({"q": "user.name:d42", "limit": "10"}))
            r.check(code == 200 and len(res["events"]) == 1 and res["events"][0]["db.statement"].startswith("SELECT"),
                    "GET /api/v1/search returns events with ECS keys")
            code, res = req(base + "/api/v1/search?" + urllib.parse.urlencode({"q": "user.name:d42 AND (x"}))
            r.check(code == 400 and res.get("column") == 19 and "unbalanced" in res.get("error", ""), f"a bad query is a 400 naming the column ({res})")
            code, res = req(base + "/api/v1/search?limit=abc")
            r.check(code == 400, "a bad limit is a 400")
            code, res = req(base + "/api/v1/ingest", b"not json\n", "POST")
            r.check(code == 400 and "line 1" in res.get("error", ""), "a non-JSON line is a 400 naming the line")
            code, res = req(base + "/api/v1/ingest", b"", "POST")
            r.check(code == 400, "an empty batch is a 400")
            # An oversized body is refused from its Content-Length, before it is read.
            import socket
            import ssl
            ctx = ssl.create_default_context(cafile=srv.cafile)
            s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", srv.http)), server_hostname="127.0.0.1")
            s.sendall(b"POST /api/v1/ingest HTTP/1.1\r\nHost: x\r\nContent-Length: 33554432\r\n\r\n")
            s.settimeout(10)
            head = s.recv(4096).decode(errors="replace")
            s.close()
            r.check(head.startswith("HTTP/1.1 413"), f"a body over the limit is a 413 ({head.splitlines()[0] if head else 'no answer'})")
            code, res = req(base + "/api/v1/nope")
            r.check(code == 404, "unknown path is a 404")
            code, res = req(base + "/api/v1/search", b"x", "POST")
            r.check(code == 405, "wrong method is a 405")
            m = srv.metrics()
            r.check(m["stored"] >= 500 and m["dropped"] == 0, f"metrics report stored and dropped ({m})")
            r.check(srv.healthy(), "server still healthy")
        r.check(cli(w, "verify", "--data", data, check=False).returncode == 0, "store verifies clean")


if __name__ == "__main__":
    run("http_api", body)
