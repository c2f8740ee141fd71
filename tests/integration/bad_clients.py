"""Hostile and broken senders never crash wardsec, never stall other clients, and what they
send is kept as raw text with a flag rather than dropped (issue #2)."""
import os
import socket
import ssl
import time

from harness import Server, TempDir, args, cli, count, run, wait_for


def body(r):
    a = args()
    w = a.wardsec
    with TempDir() as t:
        data = os.path.join(t, "data")
        with Server(w, data) as srv:
            # A slow client holds a connection with half a line, and keeps it open.
            slow = socket.create_connection(("127.0.0.1", srv.tcp))
            slow.sendall(b"<13>Nov 26 08:00:00 h app: this line never ends")
            # Half an octet-counted frame, then disconnect.
            s = socket.create_connection(("127.0.0.1", srv.tcp))
            s.sendall(b"500 <13>Nov 26 08:00:00 h app: half a frame")
            s.close()
            # Binary junk, a 1 MiB line, GBK text, broken UTF-8.
            s = socket.create_connection(("127.0.0.1", srv.tcp))
            s.sendall(bytes(range(256)).replace(b"\n", b"") + b"\n")
            s.sendall(b"<13>Nov 26 08:00:00 h app: " + b"M" * (1 << 20) + b"\n")
            s.sendall("<13>Nov 26 08:00:00 his-app-01 his: 病人姓名 张三\n".encode("gbk"))
            s.sendall(b"<13>Nov 26 08:00:00 h app: broken \xe5\x8c utf8\n")
            s.close()
            # Garbage to RELP and plain text to the TLS port.
            s = socket.create_connection(("127.0.0.1", srv.relp))
            s.sendall(b"this is not relp\n")
            s.settimeout(5)
            try:
                s.recv(100)
            except OSError:
                pass
            s.close()
            s = socket.create_connection(("127.0.0.1", srv.tls))
            s.sendall(b"<13>plain text on the TLS port\n")
            s.close()
            # UDP junk.
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.sendto(b"\x00\xff\x00junk", ("127.0.0.1", srv.udp))
            # Meanwhile a normal client is served promptly.
            good = socket.create_connection(("127.0.0.1", srv.tcp))
            start = time.time()
            good.sendall(b"".join(b"<13>Nov 26 08:00:00 h app: good line %d\n" % i for i in range(1000)))
            good.close()
            wait_for(lambda: count(w, data, '"good line"') == 1000, 20, "1000 good lines", interval=0.3)
            r.check(True, f"a normal client's 1000 lines arrive while a slow client holds a half line ({time.time() - start:.1f}s)")
            r.check(srv.healthy(), "server is still up after hostile input")
            wait_for(lambda: count(w, data, '"half a frame"') == 1, 10, "the half frame")
            r.check(count(w, data, '"half a frame" AND tags:_truncated') == 1, "half a frame then disconnect: kept and flagged truncated")
            def eventually(query, n):
                try:
                    wait_for(lambda: count(w, data, query) == n, 15, query, interval=0.3)
                    return True
                except AssertionError:
                    return False
            r.check(eventually("tags:_parse_failure AND tags:_invalid_utf8", 2), "binary junk (TCP and UDP) kept with parse-failure flag")
            r.check(eventually("host.name:his-app-01 AND tags:_invalid_utf8", 1), "GBK line kept, its header parsed")
            big = [e for e in __import__("harness").search_json(w, data, "MMMM*") if len(e["event.original"]) > 1000000]
            r.check(len(big) == 1, "a 1 MiB line is stored whole")
            r.check(eventually('"broken"', 1), "broken UTF-8 kept")
            slow.close()
            time.sleep(0.5)
            wait_for(lambda: count(w, data, '"this line never ends"') == 1, 10, "the slow client's line after it closed")
            r.check(True, "the slow client's unterminated line is kept when it disconnects")
        res = cli(w, "verify", "--data", data, check=False)
        r.check(res.returncode == 0, "store verifies clean")


if __name__ == "__main__":
    run("bad_clients", body)
