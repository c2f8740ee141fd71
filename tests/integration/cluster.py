#!/usr/bin/env python3
"""Scale-out for a region (docs/cluster.md), with the real servers: nats-server -js and
clickhouse-server on loopback. Two collectors (sites a and b) take acknowledged RELP traffic;
one sink moves it to ClickHouse. Meanwhile the sink is killed with -9 and restarted, ClickHouse
is stopped and started again, and the collectors lose NATS; each outage lasts
WARDSEC_CLUSTER_OUTAGE seconds (default 60). At the end every event a collector acknowledged is
in ClickHouse exactly once, `verify --clickhouse` passes for both sites, a forged batch is
refused, and after one row is changed in ClickHouse verify names that row's batch. The regional
console shows each site's incidents by grade and silent log sources, scopes accounts to sites
(set by the security administrator alone), and deleting a site's newest batch or forging its
signed head is found by verify."""
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
import urllib.parse

from clusterservers import ClickHouse, Nats, make_ca, make_client_cert
from harness import Server, TempDir, args, run, wait_for
from relp_client import RelpClient

OUTAGE = int(os.environ.get("WARDSEC_CLUSTER_OUTAGE", "60"))


class Sender:
    """Sends numbered RELP messages to one collector in the background and keeps the acknowledged."""

    def __init__(self, srv, site):
        self.srv, self.site, self.n, self.stop = srv, site, 0, threading.Event()
        self.acked = set()
        self.client = RelpClient(srv.relp, window=256)
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def loop(self):
        while not self.stop.is_set():
            for _ in range(50):
                self.n += 1
                self.client.send(f"<86>1 2026-12-07T10:00:00Z his-app-01 sshd 42 - - Accepted password for dr_{self.site} from 10.20.1.{self.n % 250} "
                                 f"port 22 ssh2 clusterseq={self.site}-{self.n}")
            time.sleep(0.1)  # about 500 a second per site

    def finish(self):
        self.stop.set()
        self.thread.join(60)
        wait_for(lambda: len(self.client.acked) >= len(self.client.sent), 60, f"site {self.site}'s acknowledgements")
        for t, st in self.client.acked.items():
            if st.startswith("200") and t in self.client.sent:
                self.acked.add(self.client.sent[t].rsplit("clusterseq=", 1)[1])
        self.client.close()


def sink_proc(wardsec, tlscfg, nats, ch, keys, log):
    return subprocess.Popen([wardsec, "sink", "--config", tlscfg, "--nats", nats.url, "--clickhouse", ch.https_url, "--keys", keys],
                            stdout=log, stderr=log)


def stored(ch, site):
    try:
        out = ch.query(f"SELECT extract(message, 'clusterseq=([a-z0-9-]+)') FROM wardsec.events FINAL WHERE site = '{site}' AND message LIKE '<86>%' FORMAT TabSeparated")
    except OSError:  # the tables are made by the sink's first insert
        return []
    return [line for line in out.split("\n") if line]


def body(r):
    a = args()
    with TempDir() as t:
        # TLS everywhere: NATS takes TLS only, the wardsec parts reach ClickHouse over HTTPS, both
        # checked against the region's CA (the test itself looks inside over ClickHouse's plain port)
        # and NATS takes only clients with a certificate from the region's CA
        ca, crt, key = make_ca(t)
        ccrt, ckey = make_client_cert(t, "wardsec-region-client")
        nats, ch = Nats(t, tls=(crt, key), client_ca=ca).start(), ClickHouse(t, tls=(crt, key)).start()
        tlscfg = os.path.join(t, "region-tls.yaml")
        with open(tlscfg, "w") as f:
            # (a source is silent after a minute without lines, looked at every 5 s: the 监管 view names it)
            f.write(f"cluster:\n  nats_ca: {ca}\n  nats_cert: {ccrt}\n  nats_key: {ckey}\n  clickhouse_ca: {ca}\nops:\n  silent_minutes: 1\n  evaluate_seconds: 5\n")
        keys = os.path.join(t, "keys")
        os.makedirs(keys)
        collectors, senders, correlators, sink, sink_log = [], [], [], None, open(os.path.join(t, "sink.log"), "ab")
        try:
            # site a has graded systems (the demo hospital's), site b none yet
            subprocess.run([a.wardsec, "inventory", "import", "systems", os.path.join(os.path.dirname(__file__), "..", "..", "demo", "hospital", "systems.csv"),
                            "--data", os.path.join(t, "site-a")], check=True, capture_output=True)
            # and two open incidents, graded 较大 and 一般 (the 监管 view counts them by grade)
            for title, grade in (("勒索软件感染 HIS 应用服务器", "larger"), ("门户网站页面被篡改", "general")):
                subprocess.run([a.wardsec, "incident", "open", "--data", os.path.join(t, "site-a"), "--title", title, "--grade", grade],
                               check=True, capture_output=True)
            for site in ("a", "b"):
                srv = Server(a.wardsec, os.path.join(t, f"site-{site}"), ["--config", tlscfg, "--site", site, "--nats", nats.url],
                             command="collect").start()
                collectors.append(srv)
                shutil.copy(srv.data.rstrip("/") + "/instance.pub", os.path.join(keys, f"{site}.pub"))
            sink = sink_proc(a.wardsec, tlscfg, nats, ch, keys, sink_log)
            # the region's correlations, in two partitions (each sees every batch, keeps half the groups)
            correlators = [subprocess.Popen([a.wardsec, "correlate", "--config", tlscfg, "--nats", nats.url, "--clickhouse", ch.https_url,
                                             "--partition", f"{i}/2"],
                                            stdout=sink_log, stderr=sink_log) for i in range(2)]
            senders = [Sender(srv, site) for srv, site in zip(collectors, ("a", "b"))]
            for s in senders:
                s.thread.start()
            wait_for(lambda: len(stored(ch, "a")) > 500, 60, "site a's first events in ClickHouse")
            r.check(True, "events flow collector -> JetStream -> sink -> ClickHouse")

            sink.send_signal(signal.SIGKILL)  # mid-stream
            sink.wait()
            time.sleep(2)
            sink = sink_proc(a.wardsec, tlscfg, nats, ch, keys, sink_log)
            r.check(True, "the sink was killed with -9 mid-stream and restarted")

            ch.stop()
            time.sleep(OUTAGE)
            ch.start()
            r.check(True, f"ClickHouse was stopped for {OUTAGE} s and started again")

            nats.stop()
            time.sleep(OUTAGE)
            nats.start()
            r.check(True, f"the collectors lost NATS for {OUTAGE} s")
            time.sleep(3)
            for s in senders:
                s.finish()
            # password spraying from one address, three accounts at each hospital: below each
            # site's threshold (five), over it for the region
            for n, (srv, site) in enumerate(zip(collectors, ("a", "b"))):
                c = RelpClient(srv.relp)
                for k in range(3):
                    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                    c.send(f"<86>1 {now} his-app-0{n + 1} sshd 77 - - Failed password for spray_{site}{k} from 10.99.0.7 port 40000 ssh2")
                wait_for(lambda: len(c.acked) >= 3, 30, "the spray lines' acknowledgements")
                c.close()
            total = sum(len(s.acked) for s in senders)
            r.check(total > 2000, f"{total} events acknowledged by the collectors over RELP")

            for s in senders:
                want = s.acked
                wait_for(lambda: want <= set(stored(ch, s.site)), 180, f"site {s.site}'s acknowledged events in ClickHouse")
                got = stored(ch, s.site)
                r.check(want <= set(got), f"site {s.site}: every one of the {len(want)} acknowledged events is in ClickHouse")
                dups = ch.query(f"SELECT x, groupArray(ref), groupArray(received) FROM (SELECT extract(message, 'clusterseq=([a-z0-9-]+)') AS x, ref, received "
                                f"FROM wardsec.events FINAL WHERE site = '{s.site}' AND message LIKE '<86>%') GROUP BY x HAVING count() > 1 FORMAT TabSeparated")
                r.check(len(got) == len(set(got)), f"site {s.site}: each exactly once ({len(got)} rows, {len(set(got))} distinct) {dups.strip()[:500]}")
            # settled: every event row has its batch row (a sink killed between the two gets the batch again)
            settled = lambda: ch.query("SELECT count() FROM wardsec.events FINAL").strip() == ch.query("SELECT sum(count) FROM wardsec.batches FINAL").strip()
            wait_for(settled, 120, "every event row's batch row")
            for site in ("a", "b"):  # (one sink: a head never arrives before its batch, so no settling time)
                v = subprocess.run([a.wardsec, "verify", "--config", tlscfg, "--clickhouse", ch.https_url, "--site", site, "--settle", "0",
                                    "--pubkey", os.path.join(keys, f"{site}.pub")], capture_output=True, text=True)
                r.check(v.returncode == 0 and "intact" in v.stdout and "chain reaches the site's signed head" in v.stdout,
                        f"verify --clickhouse passes for site {site}, up to its signed head: {(v.stdout + v.stderr).strip()[:300]}")
            # the wrong site's key: refused
            v = subprocess.run([a.wardsec, "verify", "--config", tlscfg, "--clickhouse", ch.https_url, "--site", "a", "--pubkey", os.path.join(keys, "b.pub")],
                               capture_output=True, text=True)
            r.check(v.returncode == 1 and "not the site's key" in v.stderr, "verify under another site's key fails")

            # a forged batch published straight to the stream: refused, never stored
            forged = ("wardsec-batch v1 site=a first=1 last=1 count=1 alg=sm3 prev=" + "0" * 64 + " digest=" + "0" * 64 +
                      " key=0011223344556677 sig=00\n1\t1\t1\t0\tforged-by-test\t[]\t[]\n").encode()
            def publish_raw(cert):
                with socket.create_connection(("127.0.0.1", nats.port), timeout=5) as raw:
                    raw.recv(4096)  # INFO, then TLS
                    ctx = ssl.create_default_context(cafile=ca)
                    if cert:
                        ctx.load_cert_chain(*cert)
                    try:
                        s = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
                        s.sendall(b'CONNECT {"verbose":false}\r\nPUB wardsec.a.events ' + str(len(forged)).encode() + b"\r\n" + forged + b"\r\nPING\r\n")
                        return s.recv(4096)
                    except (ssl.SSLError, OSError) as e:
                        return repr(e).encode()
            got = publish_raw(None)
            r.check(b"PONG" not in got, f"NATS refuses a client without the region's client certificate ({got[:80]!r})")
            # a forged batch from a holder of a client certificate (a compromised collector)
            publish_raw((ccrt, ckey))
            wait_for(lambda: "wardsec.a.events" in ch.query("SELECT subject FROM wardsec.rejected"), 60, "the forged batch in `rejected`")
            r.check("forged-by-test" not in ch.query("SELECT message FROM wardsec.events WHERE site = 'a' AND message LIKE '%forged%'"),
                    "a forged batch is refused (in `rejected`), not stored")

            # tampering in ClickHouse: one row changed
            ref, batch = ch.query("SELECT ref, batch FROM wardsec.events FINAL WHERE site = 'b' ORDER BY ref LIMIT 1 OFFSET 777 FORMAT TabSeparated").split()
            ch.query(f"ALTER TABLE wardsec.events UPDATE message = 'changed' WHERE site = 'b' AND ref = {ref}")
            wait_for(lambda: ch.query("SELECT count() FROM system.mutations WHERE NOT is_done").strip() == "0", 60, "the UPDATE to finish")
            v = subprocess.run([a.wardsec, "verify", "--config", tlscfg, "--clickhouse", ch.https_url, "--site", "b", "--pubkey", os.path.join(keys, "b.pub")],
                               capture_output=True, text=True)
            r.check(v.returncode == 1 and f"first batch that differs is {batch}" in v.stderr,
                    f"after an UPDATE of ref {ref}, verify names its batch {batch}: {v.stderr.strip()[:300]}")
            st = ch.query("SELECT site, published FROM wardsec.sites FINAL ORDER BY site FORMAT TabSeparated")
            r.check(st.count("\n") == 2, f"both sites' status is in ClickHouse: {st.strip()!r}")
            wait_for(lambda: "10.99.0.7" in ch.query("SELECT group_v FROM wardsec.alerts") if "alerts" in ch.query("SHOW TABLES FROM wardsec") else False,
                     120, "the region's correlation alert")
            al = ch.query("SELECT title, sites, hosts, partition, event_count FROM wardsec.alerts FINAL WHERE has(group_v, '10.99.0.7') FORMAT TabSeparated")
            r.check(al.count("\n") == 1 and "['a','b']" in al, f"password spraying across two hospitals is one region alert, by one of two correlators: {al.strip()!r}")
            # a ClickHouse whose certificate the configured CA did not sign is refused
            v = subprocess.run([a.wardsec, "verify", "--clickhouse", ch.https_url, "--site", "a", "--pubkey", os.path.join(keys, "a.pub")],
                               capture_output=True, text=True)
            r.check(v.returncode == 1 and "certificate" in v.stderr.lower(), f"without the region's CA, HTTPS to ClickHouse is refused: {v.stderr.strip()[:160]}")
            regional_console(r, a.wardsec, t, ch, ca, senders)
            truncation(r, a.wardsec, tlscfg, ch, keys, collectors[0])
            sink_log.flush()
            with open(os.path.join(t, "sink.log"), errors="replace") as f:
                died = [line for line in f if "the worker died" in line]
            if died:  # the supervisor restarted a sink or correlator (docs/cluster.md): shown, not hidden
                print(f"note: {len(died)} worker restart(s): {died[0].strip()[:200]}")
        except BaseException:
            for name in ("sink.log", "site-a.server.log"):
                with open(os.path.join(t, name), errors="replace") as f:
                    print(f"--- {name} (end) ---\n" + f.read()[-3000:])
            raise
        finally:
            for s in senders:
                s.stop.set()
            for p in correlators:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
                    p.wait(30)
            if sink and sink.poll() is None:
                sink.send_signal(signal.SIGTERM)
                sink.wait(30)
            for srv in collectors:
                srv.stop()
            nats.stop()
            ch.stop()


def regional_console(r, wardsec, t, ch, ca, senders):
    """The regional console over ClickHouse: both sites for the commission, one for a hospital."""
    cfg = os.path.join(t, "regional.yaml")
    with open(cfg, "w") as f:
        f.write(f"cluster:\n  clickhouse: {ch.https_url}\n  clickhouse_ca: {ca}\n  scopes:\n    hosp_a: [a]\n")
    srv = Server(wardsec, os.path.join(t, "regional"), ["--config", cfg], command="regional").start()
    try:
        sysc, sec = srv.first_login("sysadmin"), srv.first_login("secadmin")
        code, res = sysc.post("/api/v1/users", {"name": "hosp_a", "display": "A 院信息科", "role": "readonly"})
        code2, dec = sec.post(f"/api/v1/approvals/{res['request']['id']}/approve")
        r.check(code == 202 and code2 == 200, f"a hospital's read-only account is made with dual control ({code} {code2})")
        hosp = srv.client()
        hosp.login("hosp_a", res["password_first_half"] + dec["password_second_half"], "Hosp-A-Pass-01")

        code, sites = sec.get("/api/v1/region/sites")
        names = sorted(s["site"] for s in sites.get("sites", []))
        r.check(code == 200 and names == ["a", "b"] and all(s["events_24h"] > 1000 and not s["silent"] for s in sites["sites"]),
                f"the commission sees both sites, each with its events and status ({code} {[(s['site'], s['events_24h'], s['silent']) for s in sites.get('sites', [])]})")
        by_site = {s["site"]: s for s in sites.get("sites", [])}
        inc = by_site.get("a", {}).get("incidents", {})
        r.check(inc.get("open") == {"larger": 1, "general": 1} and by_site["b"]["incidents"].get("open") == {},
                f"each site's open incidents by grade ({inc}, {by_site.get('b', {}).get('incidents')})")

        def silent_a():
            code, s = sec.get("/api/v1/region/sites")
            src = {x["site"]: x for x in s.get("sites", [])}.get("a", {}).get("sources") or {}
            return src if src.get("silent", 0) >= 1 else None
        src = wait_for(silent_a, 240, "site a's silent log source in its status", interval=2)
        r.check(src["tracked"] >= 1 and "his-app-01" in src["silent_names"],
                f"a site's log source that stopped sending is named silent in the 监管 view ({src})")
        his = [x for x in by_site.get("a", {}).get("systems", []) if x["id"] == "his"]
        r.check(his and his[0]["level"] == 3 and his[0]["assessment_overdue"] and his[0]["assessed"] == "" and by_site["b"]["systems"] == [],
                f"each site's 等保 status: its graded systems, levels, the 测评 overdue ({his})")
        if not his:
            print(ch.query("SELECT site, substring(summary, 1, 300) FROM wardsec.compliance"), ch.query("SELECT reason FROM wardsec.rejected"))
        one = senders[0].acked and sorted(senders[0].acked)[0]
        code, res = sec.get("/api/v1/region/search?q=" + urllib.parse.quote(f'"clusterseq={one}"') + "&from=2026-12-01&limit=5")
        r.check(code == 200 and len(res["events"]) == 1 and res["events"][0]["site"] == "a" and f"clusterseq={one}" in res["events"][0]["event.original"],
                f"free text finds one event in ClickHouse ({code} {res.get('stats')})")
        code, res = sec.get("/api/v1/region/search?q=" + urllib.parse.quote("user.name:dr_b AND source.ip:10.20.1.0/30") + "&from=2026-12-01&limit=1000")
        r.check(code == 200 and res["events"] and all(e["site"] == "b" and e["user.name"] == "dr_b" and e["source.ip"] in ("10.20.1.0", "10.20.1.1", "10.20.1.2", "10.20.1.3")
                                                      for e in res["events"]),
                f"field terms and an address range compile to ClickHouse and match as the store does ({len(res.get('events', []))} events)")
        code, res = sec.get("/api/v1/region/search?q=" + urllib.parse.quote("NOT user.name:dr_a AND clusterseq") + "&from=2026-12-01&limit=50")
        r.check(code == 200 and res["events"] and all(e["site"] == "b" for e in res["events"]), "NOT over a term reads and matches")
        code, h = sec.get("/api/v1/region/histogram?q=" + urllib.parse.quote("user.name:dr_a") + "&from=2026-12-07&interval=3600")
        total = sum(n for _, n in h.get("buckets", []))
        r.check(code == 200 and total >= len(senders[0].acked), f"a histogram counts site a's events per hour ({total})")

        code, res = hosp.get("/api/v1/region/sites")
        r.check(code == 200 and [s["site"] for s in res["sites"]] == ["a"] and res["scoped"], "a hospital's account sees its own site only")
        code, res = hosp.get("/api/v1/region/search?q=dr_b&from=2026-12-01&limit=10")
        r.check(code == 200 and res["events"] == [], "and finds none of the other hospital's events")
        code, res = hosp.get("/api/v1/region/search?q=&site=b&from=2026-12-01")
        r.check(code == 403, f"asking for the other hospital's site is refused ({code})")
        for bad in ["a') OR 1=1 --", "a,b"]:
            code, res = hosp.get("/api/v1/region/search?site=" + urllib.parse.quote(bad))
            r.check(code == 403, f"site={bad!r} is refused, not spliced into SQL ({code})")
        code, res = hosp.get("/api/v1/region/search?q=" + urllib.parse.quote("host.name:\"x' OR site = 'b\" OR \\'") + "&from=2026-12-01")
        r.check(code == 200 and res["events"] == [], f"quotes in a query stay inside their literal ({code} {str(res)[:200]})")
        code, res = sec.get("/api/v1/region/alerts?from=2026-12-01")
        r.check(code == 200 and any(x["sites"] == ["a", "b"] and x["group"].get("src_ip", x["group"].get("source.ip")) == "10.99.0.7" for x in res["alerts"]),
                f"the commission sees the region's correlation alert ({code} {str(res)[:300]})")
        code, res = hosp.get("/api/v1/region/alerts?from=2026-12-01")
        r.check(code == 200 and not any("b" in x["sites"] for x in res["alerts"]), "a hospital does not see an alert that names another hospital's events")
        code, res = srv.client().get("/api/v1/region/sites")
        r.check(code == 401, "the regional API needs a login")
        scopes_from_console(r, srv, sysc, sec, hosp)
    finally:
        srv.stop()


def scopes_from_console(r, srv, sysc, sec, hosp):
    """The security administrator sets which sites a read-only account reads; nobody else can."""
    code, res = sec.get("/api/v1/region/scopes")
    r.check(code == 200 and {"user": "hosp_a", "sites": ["a"], "source": "config"} in res["scopes"], f"the configuration's scope is listed ({res})")
    code, res = sysc.post("/api/v1/users", {"name": "hosp_b", "display": "B 院信息科", "role": "readonly"})
    code2, dec = sec.post(f"/api/v1/approvals/{res['request']['id']}/approve")
    hb = srv.client()
    hb.login("hosp_b", res["password_first_half"] + dec["password_second_half"], "Hosp-B-Pass-01")
    code, res = hb.get("/api/v1/region/sites")
    r.check(code == 200 and sorted(s["site"] for s in res["sites"]) == ["a", "b"], "an account without a scope reads every site")
    code, res = sec.call("PUT", "/api/v1/region/scopes/hosp_b", {"sites": ["b"]})
    r.check(code == 200 and {"user": "hosp_b", "sites": ["b"], "source": "console"} in res["scopes"], f"the security administrator scopes hosp_b to site b ({code})")
    code, res = hb.get("/api/v1/region/sites")
    r.check(code == 200 and [s["site"] for s in res["sites"]] == ["b"] and res["scoped"], "and from the next request hosp_b reads site b only")
    code, _ = hb.get("/api/v1/region/search?q=&site=a&from=2026-12-01")
    r.check(code == 403, f"hosp_b asking for site a is refused ({code})")
    aud = srv.first_login("auditadmin")
    for who, c in (("the system administrator", sysc), ("the audit administrator", aud), ("a read-only account", hosp)):
        code, _ = c.call("PUT", "/api/v1/region/scopes/hosp_a", {"sites": []})
        r.check(code == 403, f"{who} cannot change a scope ({code})")
    code, _ = hosp.get("/api/v1/region/scopes")
    r.check(code == 403, f"a read-only account cannot list the scopes ({code})")
    for user, body, want in (("nobody", {"sites": ["a"]}, 404), ("sysadmin", {"sites": ["a"]}, 400), ("hosp_b", {"sites": ["b') OR 1=1 --"]}, 400),
                             ("hosp_b", {"sites": "b"}, 400)):
        code, _ = sec.call("PUT", f"/api/v1/region/scopes/{user}", body)
        r.check(code == want, f"scope {user} {body} is refused with {want} ({code})")
    # widening hosp_a from the console, then removing the console's entry: the configuration's applies again
    code, _ = sec.call("PUT", "/api/v1/region/scopes/hosp_a", {"sites": []})
    code2, res = hosp.get("/api/v1/region/sites")
    r.check(code == 200 and sorted(s["site"] for s in res["sites"]) == ["a", "b"], "the console's [] widens hosp_a to every site")
    code, _ = sec.call("DELETE", "/api/v1/region/scopes/hosp_a")
    code2, res = hosp.get("/api/v1/region/sites")
    r.check(code == 200 and [s["site"] for s in res["sites"]] == ["a"], "removing it, the configuration's scope applies again")
    def trail():
        code, res = aud.get("/api/v1/audit?" + urllib.parse.urlencode({"q": "event.action:region_scope", "limit": 100, "from": "now-1d"}))
        evs = res.get("events", []) if code == 200 else []
        return evs if len(evs) >= 6 else None
    evs = wait_for(trail, 30, "the scope changes in the audit trail", interval=1) or []
    r.check(len(evs) >= 6 and any("hosp_b" in json.dumps(e, ensure_ascii=False) for e in evs),
            f"every scope change, refused ones too, is in the audit trail ({len(evs)})")
    with open(os.path.join(srv.data, "region-scopes.json")) as f:
        r.check(json.load(f) == {"hosp_b": ["b"]}, "the console's scopes are kept in the data folder")


def truncation(r, wardsec, tlscfg, ch, keys, collector):
    """Deleting a site's newest batches in ClickHouse (rows and batch rows, leaving a clean chain)
    shows against the site's signed head; a forged head row shows too."""
    collector.stop()  # its last status names its last batch
    newest = lambda: ch.query("SELECT digest FROM wardsec.batches FINAL WHERE site = 'a' ORDER BY first DESC LIMIT 1").strip()
    head = lambda: ch.query("SELECT digest FROM wardsec.heads WHERE site = 'a' ORDER BY at DESC LIMIT 1").strip()
    wait_for(lambda: newest() and head() == newest(), 60, "site a's signed head naming its last batch")
    verify = lambda: subprocess.run([wardsec, "verify", "--config", tlscfg, "--clickhouse", ch.https_url, "--site", "a", "--settle", "0",
                                     "--pubkey", os.path.join(keys, "a.pub")], capture_output=True, text=True)
    v = verify()
    r.check(v.returncode == 0 and "chain reaches the site's signed head" in v.stdout, f"before: site a intact up to its signed head ({v.stdout.strip()[-200:]})")
    last_two = ch.query("SELECT first, id FROM wardsec.batches FINAL WHERE site = 'a' ORDER BY first DESC LIMIT 2 FORMAT TabSeparated").splitlines()
    first, prev_id = last_two[0].split("\t")[0], last_two[1].split("\t")[1]
    for table in ("events", "batches"):
        ch.query(f"ALTER TABLE wardsec.{table} DELETE WHERE site = 'a' AND {'ref' if table == 'events' else 'first'} >= {first}")
    wait_for(lambda: ch.query("SELECT count() FROM system.mutations WHERE NOT is_done").strip() == "0", 60, "the DELETE to finish")
    v = verify()
    r.check(v.returncode == 1 and "were deleted" in v.stderr and f"after {prev_id}" in v.stderr,
            f"after the newest batch of site a is deleted, verify says batches after {prev_id} were deleted: {v.stderr.strip()[:400]}")
    ch.query("INSERT INTO wardsec.heads (site, at, day, digest, key, sig) VALUES ('a', 4102444800000000000, '2099-12-31', '" + "b" * 64 +
             "', 'feedfacefeedface', '00')")
    v = verify()
    r.check(v.returncode == 1 and "forged" in v.stderr, f"a head row not signed by the site is named forged: {v.stderr.strip()[:300]}")


if __name__ == "__main__":
    run("cluster", body)
