"""The bastion's costs beside direct SSH, in the same run on the same machine (issue #16):
- keystroke echo round trip: one byte sent, the same byte back (`stty raw -echo; cat` on the
  target), through the bastion vs straight to the target's sshd; median, p90, p99;
- `scp` of one file (default 1 GiB) through the bastion (SFTP filter: packets read, grants
  checked, SHA-256 of the data) vs direct, wall time including the login;
- N concurrent interactive sessions (default 200), each recorded, each printing a line a second:
  the center's RSS before and with them open, per session.
Real parts: Debian's OpenSSH sshd as the target, OpenSSH's ssh/scp as the clients (pexpect for
the authenticator code), `wardsec serve` with bastion.listen.

  python3 bench/bastion_bench.py --wardsec build/release/wardsec [--scp-mib 1024] [--scp-runs 3] [--sessions 200]
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import pexpect  # noqa: E402

from bastion import SSH_OPTS, Codes, start_sshd  # noqa: E402
from harness import Server, TempDir, free_port, rss_kib  # noqa: E402

PW = "Op-Hospital-2026!x"


def echo_latency(p, n):
    """p: a spawned ssh at a shell prompt. Returns the round trips in ms."""
    p.delaybeforesend = None  # pexpect waits 50 ms before each send by default
    p.sendline("stty raw -echo; cat")
    time.sleep(1.0)
    try:
        while True:
            p.read_nonblocking(65536, timeout=0.3)
    except pexpect.TIMEOUT:
        pass
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        p.send("x")
        got = p.read_nonblocking(1, timeout=5)
        out.append((time.perf_counter() - t0) * 1000)
        if got != "x":
            raise RuntimeError(f"echo returned {got!r}")
    p.sendcontrol("c")
    return out


def cpu_s(pid):
    """User + system CPU seconds of a process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def paste(a, direct, bport, codes, pid):
    """--paste-lines lines sent in one write, direct and through the bastion: into `cat > /dev/null`
    (what the bastion itself costs per line: every line read, judged, logged and signed) and into
    bash (what an operator sees: the target's readline is then the slow part)."""
    n = a.paste_lines
    print(f"\n## a paste of {n:,} lines in one write (seconds until the shell answers after it; the center's CPU seconds)\n")
    print("| into | direct | through the bastion | center CPU |\n|---|---|---|---|")
    for into in ("cat", "bash"):
        row = []
        for via in ("direct", "bastion"):
            if via == "direct":
                p = pexpect.spawn("ssh", ["-tt", *direct, "root@127.0.0.1"], timeout=60, encoding="utf-8", codec_errors="replace")
            else:
                p = bastion_login(bport, "op000@root@his-db-01", codes, "-tt")
            p.expect(r"[#$] ")
            p.delaybeforesend = None
            if into == "cat":
                # head ends after the n lines (no Ctrl-D, which a full canonical-mode buffer may drop)
                p.sendline(f"head -n {n} > /dev/null; echo paste-done-$((1+1))")
                time.sleep(0.5)
                text = "".join(f"line-{i}\r" for i in range(n))
            else:
                text = "".join(f": line-{i}\r" for i in range(n)) + "echo paste-done-$((1+1))\r"
            c0, t0 = cpu_s(pid), time.time()
            p.send(text)
            p.expect("paste-done-2", timeout=1800)
            row.append((time.time() - t0, cpu_s(pid) - c0))
            p.terminate(force=True)
        print(f"| {into} | {row[0][0]:.1f} | {row[1][0]:.1f} | {row[1][1]:.1f} ({row[1][1] / n * 1000:.2f} ms a line) |")


def drain(procs):
    """Reads what the clients have so far (their buffers would fill and stall the sessions)."""
    for p in procs:
        try:
            while p.read_nonblocking(65536, timeout=0):
                pass
        except (pexpect.TIMEOUT, pexpect.EOF):
            pass


def stats(v):
    s = sorted(v)
    return statistics.median(s), s[int(len(s) * 0.9)], s[int(len(s) * 0.99)]


def operator(srv, name):
    """An operator account made under dual control and enrolled; returns its TOTP codes (the
    enrolment's step spent)."""
    onetime = srv.create_account(name, "operator")
    c = srv.client()
    codes = Codes(c.login(name, onetime, PW))
    codes.used.add(int(time.time()) // 30)
    return codes


def bastion_login(bport, login, codes, *extra, command=None):
    cmd = ["ssh", "-p", str(bport), *SSH_OPTS, "-o", "PreferredAuthentications=keyboard-interactive", *extra, f"{login}@127.0.0.1"]
    if command:
        cmd.append(command)
    p = pexpect.spawn(cmd[0], cmd[1:], timeout=120, encoding="utf-8", codec_errors="replace")
    code = codes.next()
    p.expect("Password")
    p.sendline(PW)
    p.expect("Authenticator code")
    p.sendline(code)
    return p


def main():
    # Each client is a pty and a process: 200 of them need more descriptors than the default 1024.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    ap = argparse.ArgumentParser()
    ap.add_argument("--wardsec", required=True)
    ap.add_argument("--keystrokes", type=int, default=1000)
    ap.add_argument("--scp-mib", type=int, default=1024)
    ap.add_argument("--scp-runs", type=int, default=3)
    ap.add_argument("--sessions", type=int, default=200)
    ap.add_argument("--paste-lines", type=int, default=10000)
    ap.add_argument("--parts", default="echo,scp,paste,sessions", help="which measurements, comma-separated")
    a = ap.parse_args()
    parts = set(a.parts.split(","))
    import platform
    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, {platform.platform()}")
    with TempDir() as t:
        tport, bport = free_port(), free_port()
        sshd, target_key = start_sshd(t, tport)
        cfg = os.path.join(t, "wardsec.yaml")
        with open(cfg, "w") as f:
            f.write(f"bastion:\n  listen: 127.0.0.1:{bport}\n  max_sessions: {a.sessions + 20}\n  login_timeout_seconds: 120\n"
                    "auth:\n  login_rate_per_minute: 100000\n")
        kpath = os.path.join(t, "target_key")
        direct = ["-p", str(tport), *SSH_OPTS, "-i", kpath, "-o", "IdentitiesOnly=yes"]
        try:
            with Server(a.wardsec, os.path.join(t, "data"), extra=["--config", cfg]) as srv:
                sysadmin, secadmin = srv.admin("sysadmin"), srv.admin("secadmin")
                code, acc = sysadmin.post("/api/v1/bastion/accounts", {"asset": "his-db-01", "host": "127.0.0.1", "port": tport,
                                                                       "username": "root", "auth": "key", "secret": target_key})
                assert code == 201, acc
                n_ops = max(1, a.sessions)
                names = [f"op{i:03d}" for i in range(n_ops)]
                code, g = secadmin.call("PUT", "/api/v1/bastion/groups/bench", {"members": names})
                assert code == 200, g
                code, g = secadmin.post("/api/v1/bastion/grants", {"name": "bench", "subjects": ["group:bench"], "targets": ["asset:his-db-01"],
                                                                   "actions": ["shell", "exec", "sftp_upload", "sftp_download"]})
                assert code == 201, g
                t0 = time.time()
                ops = {n: operator(srv, n) for n in names}
                print(f"{n_ops} operator accounts made and enrolled in {time.time() - t0:.0f} s")
                codes = ops["op000"]

                # 1. Keystroke echo.
                if "echo" in parts:
                    p = pexpect.spawn("ssh", ["-tt", *direct, "root@127.0.0.1"], timeout=60, encoding="utf-8", codec_errors="replace")
                    p.expect(r"[#$] ")
                    d = echo_latency(p, a.keystrokes)
                    p.terminate(force=True)
                    p = bastion_login(bport, "op000@root@his-db-01", codes, "-tt")
                    p.expect(r"[#$] ")
                    b = echo_latency(p, a.keystrokes)
                    p.terminate(force=True)
                    dm, d90, d99 = stats(d)
                    bm, b90, b99 = stats(b)
                    print(f"\n## keystroke echo round trip, {a.keystrokes} keystrokes (ms)\n")
                    print("| | median | p90 | p99 |\n|---|---|---|---|")
                    print(f"| direct ssh | {dm:.3f} | {d90:.3f} | {d99:.3f} |")
                    print(f"| through the bastion | {bm:.3f} | {b90:.3f} | {b99:.3f} |")
                    print(f"| added by the bastion | {bm - dm:.3f} | {b90 - d90:.3f} | {b99 - d99:.3f} |")

                # 2. scp of one file: direct and through the bastion in turns, the median of --scp-runs each.
                if "scp" in parts:
                    src = os.path.join(t, "big.bin")
                    with open(src, "wb") as f:
                        chunk = os.urandom(1 << 20)
                        for _ in range(a.scp_mib):
                            f.write(chunk)
                    dst = os.path.join(t, "copy.bin")
                    direct_runs, bastion_runs, after_login, center_cpu, ok = [], [], [], [], True
                    for _ in range(a.scp_runs):
                        t0 = time.time()
                        subprocess.run(["scp", "-q", "-P", str(tport), *SSH_OPTS, "-i", kpath, "-o", "IdentitiesOnly=yes", src,
                                        f"root@127.0.0.1:{dst}"], check=True)
                        direct_runs.append(time.time() - t0)
                        os.remove(dst)
                        code = codes.next()
                        cmd = ["scp", "-q", "-P", str(bport), *SSH_OPTS, "-o", "PreferredAuthentications=keyboard-interactive", src,
                               f"op000@root@his-db-01@127.0.0.1:{dst}"]
                        t0, c0 = time.time(), cpu_s(srv.proc.pid)
                        p = pexpect.spawn(cmd[0], cmd[1:], timeout=1800, encoding="utf-8", codec_errors="replace")
                        p.expect("Password")
                        p.sendline(PW)
                        p.expect("Authenticator code")
                        p.sendline(code)
                        t1 = time.time()
                        p.expect(pexpect.EOF)
                        bastion_runs.append(time.time() - t0)
                        after_login.append(time.time() - t1)
                        center_cpu.append(cpu_s(srv.proc.pid) - c0)
                        ok = ok and os.path.getsize(dst) == os.path.getsize(src)
                        os.remove(dst)
                    os.remove(src)
                    direct_s, bastion_s = statistics.median(direct_runs), statistics.median(bastion_runs)
                    mib = a.scp_mib
                    print(f"\n## scp of {mib} MiB, median of {a.scp_runs} runs each, in turns (wall time including the login)\n")
                    print("| | seconds (runs) | MiB/s |\n|---|---|---|")
                    print(f"| direct scp | {direct_s:.1f} ({', '.join(f'{x:.1f}' for x in direct_runs)}) | {mib / direct_s:.0f} |")
                    print(f"| through the bastion (SFTP filter, SHA-256) | {bastion_s:.1f} ({', '.join(f'{x:.1f}' for x in bastion_runs)}) | "
                          f"{mib / bastion_s:.0f} |")
                    print(f"| bastion / direct | {direct_s / bastion_s * 100:.0f}% | |" + ("" if ok else "  (SIZE MISMATCH)"))
                    # The operator's login (password, authenticator code) is the bastion's own step; from the code on,
                    # the time still includes the bastion's login to the target.
                    after_s = statistics.median(after_login)
                    print(f"| through the bastion, from the authenticator code on | {after_s:.1f} "
                          f"({', '.join(f'{x:.1f}' for x in after_login)}) | {mib / after_s:.0f} |")
                    print(f"| bastion (from the code on) / direct | {direct_s / after_s * 100:.0f}% | |")
                    print(f"\ncenter CPU during the bastion's runs: {', '.join(f'{x:.1f} s' for x in center_cpu)}")

                # 3. A paste of many lines, into `cat` (the bastion's own cost per line) and into bash.
                if "paste" in parts:
                    paste(a, direct, bport, codes, srv.proc.pid)
                # 4. Concurrent recorded sessions.
                if "sessions" in parts:
                    pid = srv.proc.pid
                    base = rss_kib(pid)
                    procs = []
                    t0 = time.time()
                    for n in names:
                        p = bastion_login(bport, f"{n}@root@his-db-01", ops[n], "-tt")
                        p.expect(r"[#$] ")
                        p.sendline("while :; do printf '%(%T)T\\n' -1; read -t 1; done")  # no fork: 200 shells forking twice a second would measure the VM
                        procs.append(p)
                        if len(procs) % 20 == 0:
                            drain(procs)
                            print(f"  {len(procs)} open after {time.time() - t0:.0f} s, center RSS {rss_kib(pid) / 1024:.0f} MiB", file=sys.stderr)
                    opened = time.time() - t0
                    code, live = secadmin.get("/api/v1/bastion/live")
                    time.sleep(20)
                    peak = 0
                    for _ in range(10):
                        drain(procs)
                        peak = max(peak, rss_kib(pid))
                        time.sleep(1)
                    print(f"\n## {len(procs)} concurrent interactive sessions, each recorded and printing a line a second\n")
                    print(f"- sessions live (console): {live.get('total')}; opened one after another in {opened:.0f} s")
                    print(f"- center RSS before: {base / 1024:.1f} MiB; with the sessions open: {peak / 1024:.1f} MiB")
                    print(f"- per session: {(peak - base) / max(1, len(procs)):.0f} KiB")
                    for p in procs:
                        p.terminate(force=True)
        finally:
            sshd.terminate()
            sshd.wait()


if __name__ == "__main__":
    main()
