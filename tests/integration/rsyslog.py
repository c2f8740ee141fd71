"""Runs a real rsyslogd (Debian package) in the foreground with a private config."""
import os
import shutil
import socket
import subprocess
import time

from harness import free_port, wait_for

RSYSLOGD = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"


class Rsyslog:
    def __init__(self, workdir, actions, inputs=None):
        """actions: rsyslog action() statements; inputs: extra input() statements.
        An imtcp input on a free port is always added (self.port) for the test to write to."""
        self.dir = workdir
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        self.conf = os.path.join(self.dir, "rsyslog.conf")
        self.pid = os.path.join(self.dir, "rsyslog.pid")
        self.log = os.path.join(self.dir, "rsyslog.out")
        with open(self.conf, "w") as f:
            f.write(f'''global(workDirectory="{self.dir}" maxMessageSize="64k")
module(load="imtcp")
input(type="imtcp" port="{self.port}" address="127.0.0.1")
{inputs or ""}
{actions}
''')
        self.proc = None

    def start(self):
        r = subprocess.run([RSYSLOGD, "-N1", "-f", self.conf], capture_output=True, text=True)
        if r.returncode != 0:
            raise AssertionError(f"rsyslog config invalid: {r.stderr}")
        self.proc = subprocess.Popen([RSYSLOGD, "-n", "-f", self.conf, "-i", self.pid],
                                     stdout=open(self.log, "wb"), stderr=subprocess.STDOUT)

        def listening():
            if self.proc.poll() is not None:
                raise AssertionError(f"rsyslogd exited {self.proc.returncode}: {open(self.log).read()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return True
            except OSError:
                return False
        wait_for(listening, 20, "rsyslogd to listen")
        return self

    def send_lines(self, lines):
        s = socket.create_connection(("127.0.0.1", self.port))
        s.sendall("".join(l + "\n" for l in lines).encode())
        s.close()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
