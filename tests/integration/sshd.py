"""OpenSSH's sshd from Debian on loopback as a target the tests log in to (the bastion's targets,
the network devices whose configuration is fetched): a fresh host key, one authorised key for the
target account, and optionally a forced command that plays a device."""
import os
import shutil
import socket
import subprocess

from harness import wait_for

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def start_sshd(t, port, force_command=None):
    """Starts sshd on 127.0.0.1:port with its files in `t`; returns (process, the target account's
    private key). A second start in the same folder makes a new host key (a changed device) and
    keeps the account's key."""
    os.makedirs("/run/sshd", exist_ok=True)
    hk = os.path.join(t, "sshd_host_key")
    for f in (hk, hk + ".pub"):
        if os.path.exists(f):
            os.remove(f)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hk], check=True)
    tk = os.path.join(t, "target_key")
    if not os.path.exists(tk):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", tk], check=True)
        with open(tk + ".pub") as f, open(os.path.join(t, "authorized_keys"), "w") as a:
            a.write(f.read())
    cfg = os.path.join(t, "sshd_config")
    with open(cfg, "w") as f:
        f.write(f"""Port {port}
ListenAddress 127.0.0.1
HostKey {hk}
PidFile {t}/sshd.pid
AuthorizedKeysFile {t}/authorized_keys
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
""" + ("Subsystem sftp internal-sftp\n" if not force_command else f"ForceCommand {force_command}\n"))
    proc = subprocess.Popen([SSHD, "-D", "-e", "-f", cfg], stdout=open(os.path.join(t, "sshd.log"), "ab"), stderr=subprocess.STDOUT)

    def up():
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return True
        except OSError:
            return False
    wait_for(up, 20, "sshd to listen")
    with open(tk) as f:
        return proc, f.read()
