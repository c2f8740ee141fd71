"""Assets and vulnerabilities end to end (issue #23) against the real center: Nmap (Debian's)
started by the center scans nginx, OpenSSH's sshd and MariaDB on loopback, compared with a
prepared inventory (an unregistered host raises an alert; a service that closes is an event);
targets outside the configured networks and anything but an address are refused. A Greenbone
XML and a .nessus report, written here in the documented formats, are imported twice and again
changed: de-duplicated within and across scanners, a finding a covering re-scan no longer
reports is fixed, and one that comes back is reopened. Truncated XML and an entity bomb are
refused, naming where, and import nothing. People's decisions are checked (no fixing by hand;
accepted risk needs a reason and an end date), a rectification task opened for a finding
closes only through the re-scan, the scan is evidence on the assessment items, roles (三员),
and the CLI reads the same store."""
import json
import os
import subprocess
import time

from dbservers import mariadb
from harness import center_now, demo_inventory, Server, TempDir, args, cli, free_port, search_json, wait_for
from probes_servers import Nginx
from sshd import start_sshd

SSH_OLD = "1.3.6.1.4.1.25623.1.0.104001"


def greenbone(results, when="2026-11-28T08:00:00Z", hosts=("10.20.0.13", "127.0.0.1")):
    """A Greenbone report in GMP's XML: the hosts scanned and the results (host, port, oid, name,
    score, cves)."""
    hs = "".join(f"<host><ip>{h}</ip><detail><name>best_os_txt</name><value>Linux</value></detail></host>" for h in hosts)
    rs = ""
    for i, (host, port, oid, name, score, cves) in enumerate(results):
        refs = "".join(f'<ref type="cve" id="{c}"/>' for c in cves)
        threat = "High" if score >= 7 else "Medium" if score >= 4 else "Low"
        rs += (f'<result id="r{i}"><name>{name}</name><host>{host}</host><port>{port}</port><nvt oid="{oid}"><type>nvt</type><name>{name}</name>'
               f'<cvss_base>{score}</cvss_base><severities score="{score}"><severity type="cvss_base_v3"><score>{score}</score>'
               f'<value>CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H</value></severity></severities>'
               f'<tags>summary={name}|solution=升级到厂商修复版本|solution_type=VendorFix</tags><refs>{refs}</refs></nvt>'
               f'<threat>{threat}</threat><severity>{score}</severity><description>detected</description></result>')
    rs += ('<result id="log"><name>OS Detection</name><host>10.20.0.13</host><port>general/tcp</port><nvt oid="1.3.6.1.4.1.25623.1.0.105937">'
           '<cvss_base>0.0</cvss_base></nvt><threat>Log</threat><severity>0.0</severity></result>')
    return (f'<report id="a" format_id="a994b278-1f62-11e1-96ac-406186ea4fc5" extension="xml" content_type="text/xml"><report id="a">'
            f'<scan_start>{when}</scan_start><task id="t"><name>核心区周扫</name></task>{hs}<results>{rs}</results>'
            f'<scan_end>{when}</scan_end></report></report>').encode()


def nessus(items, end=1796000500):
    """A .nessus (NessusClientData_v2) report: items (host, port, plugin, name, severity, cves, cvss3)."""
    hosts = {}
    for it in items:
        hosts.setdefault(it[0], []).append(it)
    out = '<?xml version="1.0" ?><NessusClientData_v2><Report name="周扫">'
    for h, its in hosts.items():
        out += (f'<ReportHost name="{h}"><HostProperties><tag name="host-ip">{h}</tag><tag name="HOST_END_TIMESTAMP">{end}</tag></HostProperties>'
                f'<ReportItem port="0" svc_name="general" protocol="tcp" severity="0" pluginID="19506" pluginName="Nessus Scan Information" pluginFamily="Settings"/>')
        for (_, port, plugin, name, sev, cves, cvss3) in its:
            out += (f'<ReportItem port="{port}" svc_name="ssh" protocol="tcp" severity="{sev}" pluginID="{plugin}" pluginName="{name}" pluginFamily="Misc.">'
                    + "".join(f"<cve>{c}</cve>" for c in cves) + f"<cvss3_base_score>{cvss3}</cvss3_base_score><solution>Upgrade.</solution></ReportItem>")
        out += "</ReportHost>"
    return (out + "</Report></NessusClientData_v2>").encode()


def body(r):
    a = args()
    w = a.wardsec
    with TempDir() as t:
        data = os.path.join(t, "data")
        demo_inventory(w, data)
        web = Nginx(t)
        ssh_port = free_port()
        os.makedirs(os.path.join(t, "sshd"))
        ports = f"{web.port},{ssh_port}"
        with mariadb(t) as (db_port, _sql):
            ports += f",{db_port}"
            cfg = os.path.join(t, "wardsec.yaml")
            with open(cfg, "w") as f:
                f.write(f"discovery:\n  networks: [127.0.0.0/30]\n  ports: \"{ports}\"\n  timeout_seconds: 600\n  unseen_days: 30\n")
            web.start()
            sshd, _key = start_sshd(os.path.join(t, "sshd"), ssh_port)
            try:
                with Server(w, data, ["--config", cfg]) as srv:
                    run_checks(r, srv, w, data, web, db_port, ssh_port)
            finally:
                sshd.terminate()
                web.stop()


def wait_scan(sec, before):
    def done():
        code, res = sec.get("/api/v1/assets/discovery")
        last = res["discovery"].get("last") or {}
        return not res["discovery"]["running"] and last.get("finished") and last.get("started") != before
    wait_for(done, 300, "the discovery scan", interval=0.5)
    return sec.get("/api/v1/assets/discovery")[1]


def run_checks(r, srv, w, data, web, db_port, ssh_port):
    sec = srv.admin("secadmin")
    ro = srv.client()
    ro.login("zhaolei", srv.create_account("zhaolei", "readonly"), "Read-Only-Pass-2026!")
    aud = srv.admin("auditadmin")
    code, res = sec.call("POST", "/api/v1/inventory/assets", raw="name,ip,type,zone,system,os,owner\nlab-his-01,127.0.0.1,server,core,his,Debian 12,信息科 张伟\n".encode(),
                         headers={"Content-Type": "text/csv"})
    r.check(code == 200, f"the prepared inventory names 127.0.0.1 as lab-his-01 ({code} {res})")

    # Discovery: opt-in networks only; targets are addresses, nothing else reaches nmap.
    for bad in (["10.20.0.0/24"], ["127.0.0.1 -oN /tmp/x"], ["-iL/etc/passwd"], ["127.0.0.0/8"]):
        code, res = sec.post("/api/v1/assets/discovery/scan", {"targets": bad})
        r.check(code == 400, f"a scan of {bad[0]!r} is refused ({code} {res.get('error', '')[:70]})")
    code, _ = ro.post("/api/v1/assets/discovery/scan", {})
    r.check(code == 403, "a read-only account cannot start a scan")
    code, res = sec.get("/api/v1/assets/discovery")
    before = (res["discovery"].get("last") or {}).get("started")
    code, res = sec.post("/api/v1/assets/discovery/scan", {"targets": ["127.0.0.1"]})
    r.check(code == 202 and res.get("running"), f"a discovery scan starts ({code} {res})")
    code, res2 = sec.post("/api/v1/assets/discovery/scan", {})
    r.check(code == 409, f"never two at once ({code})")
    res = wait_scan(sec, before)
    last = res["discovery"]["last"]
    r.check(not last.get("error") and last.get("scan"), f"Nmap ran as a child process and its XML was taken in ({last})")
    rows = {a["key"]: a for a in res["assets"]}
    lab = rows.get("lab-his-01", {})
    found = {s["port"]: s for s in lab.get("services", [])}
    r.check(lab.get("state") == "ok" and set(found) == {web.port, ssh_port, db_port},
            f"the registered server is seen with exactly its three services ({sorted(found)} vs {[web.port, ssh_port, db_port]})")
    r.check("nginx" in found.get(web.port, {}).get("product", "").lower() and "openssh" in found.get(ssh_port, {}).get("product", "").lower()
            and found.get(db_port, {}).get("name") == "mysql", f"with Nmap's service and version names ({[(p, s['name'], s['product']) for p, s in found.items()]})")
    r.check(res["counts"]["never_seen"] >= 20 and rows.get("his-db-01", {}).get("state") == "never_seen",
            "registered assets nothing has seen are marked never seen")
    code, al = sec.get("/api/v1/alerts?rule=wardsec.asset.unregistered")
    r.check(code == 200 and not any(x["host.name"] == "127.0.0.1" for x in al["alerts"]), "a registered host raises no unregistered-asset alert")

    # An unregistered host: nginx answering on 127.0.0.2 too.
    web.stop()
    conf = open(web.conf).read().replace(f"listen 127.0.0.1:{web.port};", f"listen 127.0.0.1:{web.port}; listen 127.0.0.2:{web.port};")
    with open(web.conf, "w") as f:
        f.write(conf)
    web.start()
    before = last["started"]
    sec.post("/api/v1/assets/discovery/scan", {"targets": ["127.0.0.0/30"]})
    res = wait_scan(sec, before)
    rows = {a["key"]: a for a in res["assets"]}
    r.check(rows.get("ip:127.0.0.2", {}).get("state") == "unregistered", f"127.0.0.2 is an unregistered asset ({rows.get('ip:127.0.0.2')})")
    code, al = sec.get("/api/v1/alerts?rule=wardsec.asset.unregistered")
    r.check(any(x["host.name"] == "127.0.0.2" and "OM.AST.a" in json.dumps(x) for x in al["alerts"]), f"and raises an alert tagged OM.AST.a ({[x['host.name'] for x in al['alerts']]})")

    # A service that goes away is an event.
    web.stop()
    before = res["discovery"]["last"]["started"]
    sec.post("/api/v1/assets/discovery/scan", {"targets": ["127.0.0.1"]})
    res = wait_scan(sec, before)
    lab = {a["key"]: a for a in res["assets"]}["lab-his-01"]
    r.check({s["port"] for s in lab["services"]} == {ssh_port, db_port}, "the closed web service leaves the asset's services")
    code, al = sec.get("/api/v1/alerts?rule=wardsec.asset.service_change")
    r.check(any(x["host.name"] == "lab-his-01" and str(web.port) in x["summary"] for x in al["alerts"]), "and its closing raises a service-change alert")

    # Scanners' reports.
    code, scans0 = sec.get("/api/v1/vulns/scans")
    n0 = len(scans0["scans"])
    base = [("10.20.0.13", "22/tcp", SSH_OLD, "OpenSSH &lt; 9.3p2 RCE", 9.8, ["CVE-2023-38408"]),
            ("10.20.0.13", "443/tcp", "1.3.6.1.4.1.25623.1.0.103440", "SSL/TLS Weak Cipher Suites", 5.0, []),
            ("127.0.0.1", "3306/tcp", "1.3.6.1.4.1.25623.1.0.117000", "MariaDB DoS", 6.5, ["CVE-2023-22084"])]
    gb1 = greenbone(base)
    code, res = sec.call("POST", "/api/v1/vulns/import?file=gb-1.xml", raw=gb1, headers={"Content-Type": "application/xml"})
    r.check(code == 201 and res["format"] == "greenbone" and res["added"] == 3 and res["skipped_info"] == 1,
            f"a Greenbone report is read (its Log result is information) ({code} {res})")
    code, res = sec.call("POST", "/api/v1/vulns/import?file=gb-1-again.xml", raw=gb1, headers={"Content-Type": "application/xml"})
    r.check(code == 200 and res["duplicate"], "the same file again changes nothing")
    code, kept = sec.call("GET", res["report"])
    r.check(code == 200 and kept == gb1, "the imported report is kept as evidence, under the digest its scan names")
    code, res = sec.call("POST", "/api/v1/vulns/import?file=gb-2.xml", raw=greenbone(base, "2026-11-29T08:00:00Z"), headers={"Content-Type": "application/xml"})
    r.check(code == 201 and res["added"] == 0 and res["fixed"] == 0, f"a second scan finding the same adds nothing ({res.get('added')}, {res.get('fixed')})")
    ness = nessus([("10.20.0.13", 22, "179565", "OpenSSH &lt; 9.3p2", 4, ["CVE-2023-38408", "CVE-2023-28531"], 9.8),
                   ("10.20.0.13", 3389, "187315", "RDP Terrapin", 2, ["CVE-2023-48795"], 5.9)])
    code, res = sec.call("POST", "/api/v1/vulns/import?file=week.nessus", raw=ness, headers={"Content-Type": "application/xml"})
    r.check(code == 201 and res["format"] == "nessus" and res["added"] == 1, f"Nessus's OpenSSH finding joins Greenbone's by CVE ({res.get('added')} new)")
    code, lst = sec.get("/api/v1/vulns?asset=his-db-01&status=open")
    ssh = [f for f in lst["findings"] if f["port"] == 22]
    r.check(len(ssh) == 1 and set(ssh[0]["cves"]) == {"CVE-2023-38408", "CVE-2023-28531"} and len(ssh[0]["sources"]) == 2,
            f"one finding, both scanners, the CVEs merged ({ssh})")
    f22 = ssh[0]
    r.check(f22["priority"] == 1 and f22["system"] == "his", f"9.8 on the level-3 HIS with patients' data is priority 1 ({f22['priority']})")

    # Truncated and hostile XML import nothing.
    for raw, what in ((gb1[: len(gb1) // 2], "truncated"),
                      (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><NessusClientData_v2>&b;</NessusClientData_v2>', "entity"),
                      (b"<nmaprun><host><status state=\"up\"/><address addr=\"10.9.9.9\" addrtype=\"ipv4\"/></host>", "unclosed")):
        code, res = sec.call("POST", f"/api/v1/vulns/import?file={what}.xml", raw=raw, headers={"Content-Type": "application/xml"})
        r.check(code == 400 and f"{what}.xml" in res.get("error", ""), f"{what} XML is refused, naming the file and where: {res.get('error', '')[:90]}")
    code, res = sec.call("POST", "/api/v1/vulns/import?file=x.bin", raw=b"\x00\x01garbage", headers={"Content-Type": "application/octet-stream"})
    r.check(code == 400, "a file of no known format is refused")
    code, scans = sec.get("/api/v1/vulns/scans")
    r.check(len(scans["scans"]) == n0 + 3, f"no refused file left a scan behind ({len(scans['scans'])} vs {n0 + 3})")

    # People's decisions.
    weak = [f for f in lst["findings"] if f["port"] == 443][0]
    code, res = sec.post(f"/api/v1/vulns/{weak['id']}/status", {"status": "fixed"})
    r.check(code == 409, f"nobody marks a finding fixed by hand ({res.get('error', '')[:60]})")
    code, res = sec.post(f"/api/v1/vulns/{weak['id']}/status", {"status": "accepted", "reason": "业务窗口外不可改"})
    r.check(code == 409, "accepting a risk needs an end date")
    code, res = sec.post(f"/api/v1/vulns/{weak['id']}/status", {"status": "accepted", "reason": "业务窗口外不可改", "until": "2099-01-01"})
    r.check(code == 409, "within a year")
    until = time.strftime("%Y-%m-%d", time.localtime(time.time() + 60 * 86400))
    code, res = sec.post(f"/api/v1/vulns/{weak['id']}/status", {"status": "accepted", "reason": "业务窗口外不可改", "until": until})
    r.check(code == 200, f"an accepted risk with a reason and an end date ({code} {res})")
    code, _ = ro.post(f"/api/v1/vulns/{weak['id']}/status", {"status": "open"})
    r.check(code == 403, "a read-only account cannot decide")

    # A rectification task closes through the re-scan only.
    code, res = sec.post(f"/api/v1/vulns/{f22['id']}/rectification", {"owner": "信息科 张伟"})
    r.check(code == 201, f"a rectification task is opened for the OpenSSH finding ({code} {res})")
    task = res.get("task")
    code, res = sec.post(f"/api/v1/compliance/rectifications/{task}/status", {"status": "done"})
    r.check(code >= 400 and "re-scan" in res.get("error", ""), f"it cannot be closed by hand ({code} {res.get('error', '')[:70]})")
    code, res = sec.call("POST", "/api/v1/vulns/import?file=gb-3.xml", raw=greenbone(base[1:], "2026-11-30T08:00:00Z"),
                         headers={"Content-Type": "application/xml"})
    r.check(code == 201 and res["fixed"] == 1 and res["tasks_closed"] == 1, f"Greenbone no longer finding it marks it fixed and closes the task ({res})")
    code, tasks = sec.get("/api/v1/compliance/rectifications?system=his")
    t = [x for x in tasks["tasks"] if x["id"] == task]
    r.check(t and t[0]["status"] == "done" and t[0]["closed_by"].startswith("scan #"), f"the task is done, closed by the scan ({t})")
    code, res = sec.call("POST", "/api/v1/vulns/import?file=gb-4.xml", raw=greenbone(base, "2026-12-01T08:00:00Z"), headers={"Content-Type": "application/xml"})
    r.check(code == 201 and res["reopened"] == 1 and res["added"] == 0, f"it comes back: reopened, not new ({res.get('reopened')}, {res.get('added')})")
    code, one = sec.get(f"/api/v1/vulns/{f22['id']}")
    r.check(one["status"] == "open" and one["reopened"] == 1 and [e["what"] for e in one["log"]][-2:] == ["fixed", "reopened"],
            f"its history says so ({[e['what'] for e in one['log']]})")

    # Evidence, summary, roles, the audit trail, the CLI.
    code, item = sec.get("/api/v1/compliance/systems/his/items/CE.IPS.e")
    r.check(code == 200 and any("漏洞扫描" in e["text"] and "fix rate" in e["text"] for e in item["evidence"]),
            "each scan is evidence on CE.IPS.e with its fix rate")
    code, item = sec.get("/api/v1/compliance/systems/his/items/OM.VUL.a")
    r.check(code == 200 and any(e["source"].startswith("漏洞扫描") for e in item["evidence"]), "and on OM.VUL.a")
    code, s = sec.get("/api/v1/vulns/summary")
    his = [x for x in s["systems"] if x["system"] == "his"]
    r.check(code == 200 and his and his[0]["open"] >= 2, f"the summary counts by system ({his})")
    code, _ = aud.get("/api/v1/vulns")
    r.check(code == 403, "the audit administrator does not read findings (三员)")
    code, _ = ro.get("/api/v1/vulns")
    r.check(code == 200, "a read-only account does")
    code, _ = ro.call("POST", "/api/v1/vulns/import", raw=gb1, headers={"Content-Type": "application/xml"})
    r.check(code == 403, "but cannot import")
    code, dos = sec.get("/api/v1/assets/his-db-01/dossier")
    r.check(code == 200 and dos["vulnerabilities"]["open"] >= 2 and dos["system"] == "his", f"the asset's dossier lists its vulnerabilities ({dos.get('vulnerabilities', {}).get('open')})")
    code, _ = sec.get("/api/v1/assets/no-such-host/dossier")
    r.check(code == 404, "an unknown asset's dossier is 404")
    want = ["vuln_import", "vuln_status", "discovery_scan", "vuln_rectification"]
    missing = lambda: [x for x in want if not search_json(w, data, f"event.dataset:wardsec.audit AND event.action:{x}", "--limit", "1")]
    wait_for(lambda: not missing(), 20, "the audit records")
    r.check(not missing(), "imports, decisions, scans and tasks are in the audit trail")
    listed = json.loads(cli(w, "vuln", "list", "--data", data, "--format", "json").stdout)
    code, allf = sec.get("/api/v1/vulns?limit=1000")
    r.check(len(listed) == allf["total"], f"the CLI reads the same findings ({len(listed)} vs {allf['total']})")
    # Local knowledge: a host's packages against the offline OSV feed; an upgrade fixes it.
    status = ("Package: openssl\nStatus: install ok installed\nVersion: 3.0.11-1~deb12u1\n\n"
              "Package: libssl3\nStatus: install ok installed\nSource: openssl (3.0.11-1~deb12u1)\nVersion: 3.0.11-1~deb12u1\n\n"
              "Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b2\n")
    q = "/api/v1/vulns/packages?host=10.20.0.21&hostname=emr-app-01&ecosystem=Debian:12&file=status"
    code, res = sec.call("POST", q, raw=status.encode(), headers={"Content-Type": "text/plain"})
    r.check(code == 201 and res["findings"] == 0, f"an inventory before any feed matches nothing ({code} {res})")
    feed = [{"id": "DSA-5532-1", "aliases": ["CVE-2023-5678"], "summary": "openssl security update",
             "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
             "affected": [{"package": {"ecosystem": "Debian:12", "name": "openssl"},
                           "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u2"}]}]}]},
            {"id": "DSA-9999-1", "aliases": ["CVE-2024-9999"], "affected": [{"package": {"ecosystem": "Ubuntu:22.04", "name": "bash"},
             "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "9.9"}]}]}]}]
    code, res = sec.call("POST", "/api/v1/vulns/feed?file=osv.json", raw=json.dumps(feed).encode(), headers={"Content-Type": "application/json"})
    r.check(code == 200 and res["advisories"] == 2 and res["hosts"] == 1 and res["added"] == 1,
            f"the feed is stored and the kept inventory matched again: one finding for openssl and libssl3 (source openssl), not Ubuntu's bash ({res})")
    code, res = sec.call("POST", "/api/v1/vulns/feed?file=bad.jsonl", raw=b'{"id":"x"}\nnot json\n', headers={"Content-Type": "application/json"})
    r.check(code == 400 and "bad.jsonl:2" in res.get("error", ""), f"a feed line that is not JSON is refused, naming it ({res.get('error', '')[:60]})")
    code, lst = sec.get("/api/v1/vulns?asset=emr-app-01&scanner=packages&status=open")
    r.check(lst["total"] == 1 and all(f["cves"] == ["CVE-2023-5678"] and f["score"] == 9.8 for f in lst["findings"]),
            f"the findings carry the CVE and the score computed from the CVSS vector ({[(f['title'], f['score']) for f in lst['findings']]})")
    upgraded = status.replace("3.0.11-1~deb12u1", "3.0.11-1~deb12u2")
    code, res = sec.call("POST", q, raw=upgraded.encode(), headers={"Content-Type": "text/plain"})
    r.check(code == 201 and res["fixed"] == 1, f"the inventory after the upgrade fixes it ({res.get('fixed')})")
    code, res = sec.call("POST", q.replace("host=10.20.0.21", "host=emr-app-01"), raw=upgraded.encode(), headers={"Content-Type": "text/plain"})
    r.check(code == 400, "an inventory needs the host's address")

    # The month's report and the self-assessment report.
    ym = center_now()
    code, html = sec.call("GET", f"/api/v1/vulns/report?year={ym.year}&month={ym.month}")
    html = html.decode() if isinstance(html, bytes) else str(html)
    r.check(code == 200 and "漏洞管理月报" in html and "医院信息系统" in html and "OpenSSH" in html and "平均修复" in html,
            "the monthly report names the system, its open critical findings and the mean time to fix")
    code, html = sec.call("GET", f"/api/v1/vulns/report?year={ym.year}&month={ym.month}&lang=en")
    html = html.decode() if isinstance(html, bytes) else str(html)
    r.check(code == 200 and "vulnerability management report" in html and "Mean days to fix" in html, "and in English")
    code, pdf = sec.call("GET", f"/api/v1/vulns/report?year={ym.year}&month={ym.month}&format=pdf")
    if code == 200 and isinstance(pdf, bytes) and pdf.startswith(b"%PDF"):
        path = os.path.join(os.path.dirname(data), "vuln.pdf")
        with open(path, "wb") as f:
            f.write(pdf)
        out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "reports")
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "2", path, os.path.join(out, "vuln-month-zh")], check=True)
        text = subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, text=True).stdout
        r.check("漏洞管理月报" in text, "the PDF prints")
    else:
        r.check(False, f"the monthly report prints as PDF ({code})")
    code, html = sec.call("GET", "/api/v1/compliance/systems/his/report?kind=self-assessment")
    html = html.decode() if isinstance(html, bytes) else str(html)
    r.check(code == 200 and "未修复的紧急和高优先级漏洞" in html and "OpenSSH" in html, "the self-assessment report lists the open high-risk vulnerabilities")
    csvf = os.path.join(os.path.dirname(data), "rsas.csv")
    with open(csvf, "w", encoding="utf-8-sig") as f:
        f.write("IP地址,端口,漏洞名称,风险等级,CVE编号,解决办法\n10.20.0.21,22,OpenSSH 远程代码执行漏洞,高危,CVE-2023-38408,升级\n")
    out = cli(w, "vuln", "import", "--data", data, "--scanner", "rsas", csvf).stdout
    r.check("新增 1" in out, f"the CLI imports a Chinese scanner's CSV ({out.strip()[:80]})")


if __name__ == "__main__":
    from harness import run
    run("vulns", body)
