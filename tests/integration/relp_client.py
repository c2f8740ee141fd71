"""A small RELP client (the protocol rsyslog's omrelp speaks) that records which messages
the server acknowledged."""
import socket
import threading


class RelpClient:
    def __init__(self, port, window=256):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.window = threading.Semaphore(window)
        self.acked = {}  # txnr -> status text
        self.lock = threading.Lock()
        self.closed = threading.Event()
        self.buf = b""
        self.txnr = 1
        self._send(b"open", b"relp_version=0\nrelp_software=wardsec-test,1\ncommands=syslog")
        rsp = self._read_frame()
        if not rsp or b"200 OK" not in rsp[2]:
            raise AssertionError(f"RELP open refused: {rsp}")
        self.reader = threading.Thread(target=self._read_loop, daemon=True)
        self.reader.start()
        self.sent = {}  # txnr -> message

    def _send(self, cmd, data):
        t = self.txnr
        self.txnr += 1
        frame = str(t).encode() + b" " + cmd + b" " + str(len(data)).encode() + (b" " + data if data else b"") + b"\n"
        self.sock.sendall(frame)
        return t

    def _read_frame(self):
        while True:
            nl = self.buf.find(b"\n")
            parts = self.buf.split(b" ", 3)
            if len(parts) >= 3 and parts[2].split(b"\n")[0].isdigit():
                n = int(parts[2].split(b"\n")[0])
                head = len(parts[0]) + len(parts[1]) + len(parts[2].split(b"\n")[0]) + 2
                start = head + (1 if n > 0 else 0)
                if len(self.buf) >= start + n + 1:
                    data = self.buf[start:start + n]
                    self.buf = self.buf[start + n + 1:]
                    return int(parts[0]), parts[1], data
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buf += chunk

    def _read_loop(self):
        try:
            while True:
                f = self._read_frame()
                if f is None:
                    break
                t, cmd, data = f
                if cmd == b"rsp":
                    with self.lock:
                        self.acked[t] = data.decode(errors="replace")
                    self.window.release()
        except OSError:
            pass
        finally:
            self.closed.set()

    def send(self, msg):
        if not self.window.acquire(timeout=30):
            raise TimeoutError("no RELP acknowledgement within 30s")
        if self.closed.is_set():
            raise ConnectionError("server closed the connection")
        t = self._send(b"syslog", msg.encode())
        self.sent[t] = msg
        return t

    def close(self):
        t = self._send(b"close", b"")
        self.closed.wait(30)
        return t
