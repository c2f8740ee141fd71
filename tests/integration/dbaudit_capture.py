"""Database audit from captured traffic with real servers (issue #6, first part): MariaDB and
PostgreSQL from Debian started on loopback in temporary folders with a small HIS schema,
statements sent by their own command-line clients while tcpdump captures the loopback, then
`wardsec dbaudit --read` must account for every statement: user, database, client program,
tables, aggregates and GROUP BY keys, rows returned or affected, errors; and an SSL request the
server refuses continues to be read in the clear (sessions that do switch to TLS are unit-tested:
tests/unit/dbaudit_protocol_test.cc)."""
import json
import os
import subprocess

from dbservers import mariadb as mariadb_server, postgres as postgres_server, start_capture, stop_capture
from harness import Server, TempDir, args, cli, run, wait_for


def mariadb(r, w, t):
    with mariadb_server(t) as (port, sql):
        setup = ("CREATE DATABASE his; CREATE USER 'his_app'@'127.0.0.1' IDENTIFIED BY 'App-2026'; GRANT ALL ON his.* TO 'his_app'@'127.0.0.1';"
                 "CREATE TABLE his.MZ_CFMX (id INT PRIMARY KEY AUTO_INCREMENT, YSDM VARCHAR(10), YPDM VARCHAR(10), SL INT, JE DECIMAL(10,2));"
                 "INSERT INTO his.MZ_CFMX (YSDM, YPDM, SL, JE) VALUES ('D01','Y01',3,12.5),('D01','Y02',5,30),('D02','Y01',1,4.2),('D03','Y03',2,8);")
        r.check(sql("-e", setup).returncode == 0, "MariaDB: the HIS schema is created")
        td, pcap = start_capture(t, "mariadb.pcap", port)
        stmts = ["SELECT YSDM, YPDM, SUM(SL), SUM(JE) FROM MZ_CFMX GROUP BY YSDM, YPDM",
                 "SELECT * FROM MZ_CFMX WHERE id = 2",
                 "UPDATE MZ_CFMX SET SL = SL + 1 WHERE id = 1",
                 "SELECT * FROM nosuch"]
        res = subprocess.run(["mariadb", "--no-defaults", "-h", "127.0.0.1", "-P", str(port), "-u", "his_app", "-pApp-2026", "--ssl=0", "his", "-e",
                              ";".join(stmts)], capture_output=True, text=True)
        stop_capture(td)
        out = cli(w, "dbaudit", "--read", pcap, "--format", "json")
        got = [json.loads(l) for l in out.stdout.splitlines()]
        alerts = [g for g in got if "alert.kind" in g]
        got = [g for g in got if "db.statement" in g]
        seen = {g["db.statement"]: g for g in got}
        r.check(all(s in seen for s in stmts), f"MariaDB: every statement is accounted for ({len(got)}: {list(seen)[:6]})")
        tf = [a for a in alerts if a["alert.kind"] == "tongfang"]
        r.check(len(tf) == 1 and tf[0]["alert.level"] == "critical" and tf[0]["statements"] == [stmts[0]] and tf[0]["db.user.name"] == "his_app",
                f"MariaDB: the per-doctor, per-drug aggregate over MZ_CFMX is a 统方 alert with its statement ({tf})")
        r.check(any(a["alert.kind"] == "tool_access" for a in alerts), "MariaDB: clinical tables used from the mysql client is an alert")
        g = seen.get(stmts[0], {})
        r.check(g.get("db.user.name") == "his_app" and g.get("db.name") == "his" and g.get("client.program") in ("mysql", "mariadb"),
                f"MariaDB: who and from what program ({g.get('db.user.name')}, {g.get('db.name')}, {g.get('client.program')})")
        r.check(g.get("db.sql.tables") == ["mz_cfmx"] and g.get("db.sql.aggregates") == ["sum"] and g.get("db.sql.group_by") == ["ysdm", "ypdm"]
                and g.get("db.response.returned_rows") == 4, f"MariaDB: the aggregate over prescriptions with its keys and 4 rows ({g})")
        r.check(seen.get(stmts[2], {}).get("db.response.affected_rows") == 1, "MariaDB: the update's affected rows")
        r.check(seen.get(stmts[3], {}).get("error.code") == "1146", "MariaDB: the error code of a failing statement")
        r.check(res.returncode != 0, "MariaDB: the client saw the same error")
        center_input(r, w, t, pcap, stmts)


def center_input(r, w, t, pcap, stmts):
    """The center's own capture input (dbaudit.pcap in the config): the statements become events
    with their analysis and alerts, and the database page finds them."""
    cfg = os.path.join(t, "center.yaml")
    with open(cfg, "w") as f:
        f.write(f"dbaudit:\n  pcap: {pcap}\n")
    data = os.path.join(t, "center-data")
    with Server(w, data, extra=["--config", cfg]) as srv:
        c = srv.admin("secadmin")
        got = {}
        def seen():
            nonlocal got
            code, got = c.get("/api/v1/db/statements?from=now-7d&limit=50")
            return code == 200 and len(got.get("items", [])) >= len(stmts)
        wait_for(seen, 30, "the captured statements in the center")
        texts = [x["statement"] for x in got.get("items", [])]
        r.check(all(s_ in texts for s_ in stmts), f"center: the capture input stored every statement ({len(texts)})")
        tf = [x for x in got.get("items", []) if x.get("alert") and "tongfang" in x["alert"]["kind"]]
        r.check(len(tf) == 1 and tf[0]["user"] == "his_app" and tf[0]["tables"] == "mz_cfmx",
                f"center: the 统方 statement carries its alert and analysis ({tf})")


def postgres(r, w, t):
    with postgres_server(t) as port:
        if port is None:
            r.check(False, "PostgreSQL is installed (install-deps)")
            return
        env = dict(os.environ, PGSSLMODE="disable", PGAPPNAME="HIS-Report")
        psql = lambda db, *c: subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-X", db, *sum([["-c", x] for x in c], [])],
                                             capture_output=True, text=True, env=env)
        psql("postgres", "CREATE DATABASE emr")
        psql("emr", "CREATE TABLE drug_presc_detail (id int primary key, prescribed_by text, drug_code text, quantity int)",
             "INSERT INTO drug_presc_detail VALUES (1,'D01','Y01',3),(2,'D02','Y01',4),(3,'D01','Y02',1)")
        td, pcap = start_capture(t, "pg.pcap", port)
        stmts = ["SELECT prescribed_by, drug_code, sum(quantity) FROM drug_presc_detail GROUP BY prescribed_by, drug_code",
                 "UPDATE drug_presc_detail SET quantity = 0 WHERE id = 2",
                 "SELECT * FROM nosuch"]
        psql("emr", *stmts)
        stop_capture(td)
        out = cli(w, "dbaudit", "--read", pcap, "--format", "json")
        got = [json.loads(l) for l in out.stdout.splitlines()]
        pg_alerts = [g for g in got if "alert.kind" in g]
        got = [g for g in got if "db.statement" in g]
        seen = {g["db.statement"]: g for g in got}
        r.check(all(s in seen for s in stmts), f"PostgreSQL: every statement is accounted for ({len(got)})")
        r.check([a["alert.level"] for a in pg_alerts if a["alert.kind"] == "tongfang"] == ["critical"],
                f"PostgreSQL: the aggregate of DRUG_PRESC_DETAIL by doctor and drug is a 统方 alert ({[a['alert.kind'] for a in pg_alerts]})")
        g = seen.get(stmts[0], {})
        r.check(g.get("db.system") == "postgresql" and g.get("db.user.name") == "postgres" and g.get("db.name") == "emr"
                and g.get("client.program") == "HIS-Report", f"PostgreSQL: who and from what program ({g.get('client.program')})")
        r.check(g.get("db.response.returned_rows") == 3 and g.get("db.sql.group_by") == ["prescribed_by", "drug_code"],
                f"PostgreSQL: rows and GROUP BY keys ({g.get('db.response.returned_rows')}, {g.get('db.sql.group_by')})")
        r.check(seen.get(stmts[1], {}).get("db.response.affected_rows") == 1, "PostgreSQL: the update's affected rows")
        r.check(seen.get(stmts[2], {}).get("error.code") == "42P01", "PostgreSQL: the SQLSTATE of a failing statement")
        # A session that asks for TLS is reported as TLS.
        td, pcap = start_capture(t, "pg-ssl.pcap", port)
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-X", "emr", "-c", "select 1"], capture_output=True,
                       env=dict(os.environ, PGSSLMODE="prefer"))
        stop_capture(td)
        out = cli(w, "dbaudit", "--read", pcap, "--format", "json")
        got = [json.loads(l) for l in out.stdout.splitlines()]
        # ssl=off: the server answers 'N' and the session continues in the clear.
        r.check(any(g.get("db.statement") == "select 1" for g in got), "PostgreSQL: an SSL request refused by the server continues in the clear")


def body(r):
    a = args()
    with TempDir() as t:
        mariadb(r, a.wardsec, t)
        postgres(r, a.wardsec, t)


run("dbaudit_capture", body)
