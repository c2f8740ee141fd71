"""Real database servers for the database-audit tests: MariaDB and PostgreSQL from Debian,
started on loopback in a temporary folder and stopped after; and tcpdump on the loopback."""
import contextlib
import glob
import os
import shutil
import subprocess
import time

from harness import free_port, wait_for

TCPDUMP = shutil.which("tcpdump") or "/usr/bin/tcpdump"


def start_capture(t, name, port):
    pcap = os.path.join(t, name)
    td = subprocess.Popen([TCPDUMP, "-i", "lo", "-s", "0", "-U", "-w", pcap, f"tcp port {port}"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: os.path.exists(pcap) and os.path.getsize(pcap) > 0, 10, "tcpdump to start")
    time.sleep(0.5)
    return td, pcap


def stop_capture(td):
    time.sleep(1)
    td.terminate()
    td.wait(10)


@contextlib.contextmanager
def mariadb(t):
    """Yields (port, sql) where sql(*args) runs the mariadb client as root over the socket."""
    port = free_port()
    data, sock = os.path.join(t, "mdb"), os.path.join(t, "mdb.sock")
    # Two tests bootstrapping MariaDB at once on a busy machine have failed the bootstrap (CI,
    # once): InnoDB's native AIO is off (two instances can exhaust the kernel's AIO contexts),
    # a failed bootstrap is tried once more, and its output is in the error.
    for attempt in (1, 2):
        shutil.rmtree(data, ignore_errors=True)
        boot = subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={data}", "--user=root", "--auth-root-authentication-method=normal",
                               "--innodb-use-native-aio=0"], capture_output=True, text=True)
        if boot.returncode == 0:
            break
        if attempt == 2:
            raise AssertionError(f"mariadb-install-db exited {boot.returncode}: {(boot.stdout + boot.stderr)[-1500:]}")
        time.sleep(2)
    srv = subprocess.Popen(["mariadbd", "--no-defaults", f"--datadir={data}", f"--socket={sock}", f"--port={port}", "--bind-address=127.0.0.1",
                            "--user=root", "--innodb-use-native-aio=0", f"--pid-file={t}/mdb.pid", f"--log-error={t}/mdb.err"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        sql = lambda *a, **kw: subprocess.run(["mariadb", "--no-defaults", "-S", sock, "-uroot", *a], capture_output=True, text=True, **kw)
        wait_for(lambda: sql("-e", "select 1").returncode == 0, 30, "MariaDB")
        yield port, sql
    finally:
        srv.terminate()
        srv.wait(30)


@contextlib.contextmanager
def postgres(t):
    """Yields the port of a PostgreSQL server (trust authentication, no TLS), or None when
    PostgreSQL is not installed."""
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not bins:
        yield None
        return
    pg = bins[-1]
    port = free_port()
    data = os.path.join(t, "pg")
    os.makedirs(data)
    shutil.chown(data, "postgres")
    os.chmod(t, 0o755)
    as_pg = ["runuser", "-u", "postgres", "--"]
    subprocess.run(as_pg + [f"{pg}/initdb", "-D", data, "-A", "trust", "-U", "postgres"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(as_pg + [f"{pg}/pg_ctl", "-D", data, "-o", f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c ssl=off", "-l",
                            f"{data}/log", "-w", "start"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield port
    finally:
        subprocess.run(as_pg + [f"{pg}/pg_ctl", "-D", data, "-m", "fast", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
