"""Shared helpers for integration tests: a wardsec server on free loopback ports, a temp
folder, the CLI, and bounded waits. Every test stops what it starts."""
import argparse
import json
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


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class TempDir:
    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="wardsec-it-")

    def __enter__(self):
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)


def wait_for(pred, timeout=30, what="condition", interval=0.1):
    end = time.time() + timeout
    last = None
    while time.time() < end:
        last = pred()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


class Server:
    """wardsec serve on loopback with every input on a free port."""

    def __init__(self, wardsec, data, extra=()):
        self.wardsec = wardsec
        self.data = data
        self.http = free_port()
        self.tcp = free_port()
        self.udp = free_port(socket.SOCK_DGRAM)
        self.tls = free_port()
        self.relp = free_port()
        self.extra = list(extra)
        self.proc = None
        self.log = open(os.path.join(os.path.dirname(data.rstrip("/")), os.path.basename(data.rstrip("/")) + ".server.log"), "ab")

    def start(self):
        cmd = [self.wardsec, "serve", "--data", self.data, "--listen", f"127.0.0.1:{self.http}",
               "--tcp", f"127.0.0.1:{self.tcp}", "--udp", f"127.0.0.1:{self.udp}",
               "--tls", f"127.0.0.1:{self.tls}", "--relp", f"127.0.0.1:{self.relp}"] + self.extra
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log)
        wait_for(self.healthy, 20, "wardsec to answer /api/v1/health")
        return self

    def healthy(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"wardsec exited with {self.proc.returncode}; see {self.log.name}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.http}/api/v1/health", timeout=1) as r:
                return r.status == 200
        except OSError:
            return False

    def metrics(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.http}/api/v1/metrics", timeout=5) as r:
            return json.loads(r.read())

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
            self.stop()
        finally:
            if self.proc and self.proc.poll() is None:
                self.proc.kill()


def cli(wardsec, *a, check=True, input=None):
    r = subprocess.run([wardsec, *a], capture_output=True, text=True, input=input, timeout=300)
    if check and r.returncode != 0:
        raise AssertionError(f"wardsec {' '.join(a)} exited {r.returncode}\nstdout: {r.stdout[-2000:]}\nstderr: {r.stderr[-2000:]}")
    return r


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
