#!/usr/bin/env python3
"""Screenshots of the 区域监管 page for docs/screenshots: the demo hospital's two campuses as two
sites (wardsec collect) with real NATS JetStream and ClickHouse on loopback, a sink, a correlator
and the regional console; web/e2e/region.shot.mjs drives Chromium. Needs web/dist (make build).
Usage: python3 scripts/region_screenshots.py --wardsec build/release/wardsec"""
import argparse
import os
import subprocess
import sys
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from clusterservers import ClickHouse, Nats  # noqa: E402
from harness import NEW_PASSWORDS, Server, TempDir, _SECRETS, wait_for  # noqa: E402
from relp_client import RelpClient  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--wardsec", required=True)
a = ap.parse_args()
w = os.path.abspath(a.wardsec)
with TempDir() as t:
    nats, ch = Nats(t).start(), ClickHouse(t).start()
    procs, servers = [], []
    try:
        log = open(os.path.join(t, "region.log"), "ab")
        procs.append(subprocess.Popen([w, "sink", "--nats", nats.url, "--clickhouse", ch.url], stdout=log, stderr=log))
        procs.append(subprocess.Popen([w, "correlate", "--nats", nats.url, "--clickhouse", ch.url], stdout=log, stderr=log))
        for site, campus in (("main-campus", "本院"), ("east-campus", "东院区")):
            d = os.path.join(t, site)
            cfg = d + ".yaml"
            with open(cfg, "w") as f:
                f.write(f"organization: 示范市第一人民医院\ncluster:\n  hospital: 示范市第一人民医院（{campus}）\n")
            if site == "main-campus":
                subprocess.run([w, "inventory", "import", "systems", os.path.join(ROOT, "demo", "hospital", "systems.csv"), "--data", d],
                               check=True, capture_output=True)
                for title, grade in (("HIS 应用服务器感染勒索软件", "larger"), ("门户网站页面被篡改", "general")):
                    subprocess.run([w, "incident", "open", "--data", d, "--title", title, "--grade", grade], check=True, capture_output=True)
            srv = Server(w, d, ["--config", cfg, "--site", site, "--nats", nats.url], command="collect").start()
            servers.append(srv)
            lines = subprocess.run([w, "generate", "--count", "20000", "--seed", "5" if site == "main-campus" else "6"], capture_output=True,
                                   check=True).stdout.decode().splitlines()
            c = RelpClient(srv.relp)
            for line in lines:
                c.send(line)
            for k in range(4):  # password spraying at both campuses from one address
                now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                c.send(f"<86>1 {now} his-app-0{k + 1} sshd 77 - - Failed password for staff_{site[:4]}{k} from 10.99.0.7 port 40000 ssh2")
            wait_for(lambda: len(c.acked) >= len(lines) + 4, 120, "acknowledgements")
            c.close()
        wait_for(lambda: int(ch.query("SELECT count() FROM wardsec.events").strip() or 0) >= 40008, 180, "the events in ClickHouse")
        wait_for(lambda: "10.99.0.7" in ch.query("SELECT group_v FROM wardsec.alerts") if "alerts" in ch.query("SHOW TABLES FROM wardsec") else False,
                 120, "the region alert")
        rcfg = os.path.join(t, "regional.yaml")
        with open(rcfg, "w") as f:
            f.write(f"organization: 示范市卫生健康委员会\ncluster:\n  clickhouse: {ch.url}\n  scopes:\n    his_main: [main-campus]\n")
        reg = Server(w, os.path.join(t, "regional"), ["--config", rcfg], command="regional").start()
        servers.append(reg)
        sysc, sec = reg.first_login("sysadmin"), reg.first_login("secadmin")
        # a campus's IT staff account, scoped from the page by the security administrator
        code, res = sysc.post("/api/v1/users", {"name": "hosp_east", "display": "东院区信息科", "role": "readonly"})
        sec.post(f"/api/v1/approvals/{res['request']['id']}/approve")
        subprocess.run(["node", os.path.join(ROOT, "web", "e2e", "region.shot.mjs"), "--base", reg.base, "--user", "secadmin",
                        "--password", NEW_PASSWORDS["secadmin"], "--secret", _SECRETS[(reg.data, "secadmin")],
                        "--shots", os.path.join(ROOT, "docs", "screenshots")], check=True, cwd=os.path.join(ROOT, "web"))
    finally:
        for s in servers:
            s.stop()
        for p in procs:
            p.terminate()
            p.wait(30)
        nats.stop()
        ch.stop()
