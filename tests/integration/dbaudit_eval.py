"""Labeled evaluation of the database audit's detections (issue #6): a workload of normal
clinical use and of 统方/theft sessions against real MariaDB (pinyin HIS schema with a
Chinese-named prescription view: patients, doctors, departments, drugs, outpatient
prescriptions, inpatient orders, charges) and PostgreSQL (JIMS schema: PAT_MASTER_INDEX,
DRUG_PRESC_MASTER/DETAIL, ORDERS, INP_BILL_DETAIL, DEPT_DICT) servers on loopback, captured
with tcpdump and read back with `wardsec dbaudit --read`; every statement sent must be decoded
in its session. Every session is labeled normal or theft by the workload; a session
counts as flagged when an alert names it (client address and port). Precision and recall
must both be at least 0.95; the figures are printed for docs/benchmarks.md.

Run alone: python3 tests/integration/dbaudit_eval.py --wardsec build/release/wardsec --shared ../shared"""
import json
import os
import random

import psycopg2
import pymysql

from dbservers import mariadb as mariadb_server, postgres as postgres_server, start_capture, stop_capture
from harness import TempDir, args, cli, run

DOCTORS = [f"D{i:02d}" for i in range(1, 21)]
DRUGS = [f"Y{i:03d}" for i in range(1, 51)]
N_PATIENTS, N_LINES = 2000, 6000


def policy_file(t, root):
    """The shipped policy with duty time around the clock (the test runs at any hour) and the
    approved accounts and client addresses of this workload."""
    src = open(os.path.join(root, "config/dbaudit/policy.yaml"), encoding="utf-8").read()
    src = src.replace('hours: "07:30-18:30"', 'hours: "00:00-24:00"').replace("days: [1, 2, 3, 4, 5]", "days: [1, 2, 3, 4, 5, 6, 7]")
    src = src.replace("  approved: []", "  approved: [his_app, report_svc, yf_user, dba_li, tongji, yb_user, postgres, emr_app]")
    src = src.replace("approved_clients: []", "approved_clients: [127.0.0.1]")
    p = os.path.join(t, "policy.yaml")
    open(p, "w", encoding="utf-8").write(src)
    return p


class Workload:
    """Sessions with their labels, keyed by the client port the server saw."""

    def __init__(self):
        self.labels = {}  # (system, client port) -> (label, name)
        self.sent = {}  # (system, client port) -> statements sent, in order

    def record(self, system, port, label, name):
        self.labels[(system, port)] = (label, name)


# --- MariaDB, pinyin schema ---------------------------------------------------------------

MDB_SCHEMA = """
CREATE DATABASE his CHARACTER SET utf8mb4;
CREATE TABLE his.BR_JBXX (BRID INT PRIMARY KEY, XM VARCHAR(20), SFZH VARCHAR(18), DH VARCHAR(20));
CREATE TABLE his.YS_DM (YSDM VARCHAR(10) PRIMARY KEY, YSXM VARCHAR(20), KSDM VARCHAR(10));
CREATE TABLE his.YP_ZD (YPDM VARCHAR(10) PRIMARY KEY, YPMC VARCHAR(40), DJ DECIMAL(10,2));
CREATE TABLE his.MZ_CFMX (ID INT PRIMARY KEY AUTO_INCREMENT, CFH INT, BRID INT, YSDM VARCHAR(10), YPDM VARCHAR(10), SL INT, JE DECIMAL(10,2), KFRQ DATE);
CREATE TABLE his.KS_DM (KSDM VARCHAR(10) PRIMARY KEY, KSMC VARCHAR(40));
CREATE TABLE his.ZY_YZ (YZID INT PRIMARY KEY AUTO_INCREMENT, ZYH INT, KDYS VARCHAR(10), XMDM VARCHAR(10), SL INT, KSRQ DATE);
CREATE TABLE his.MZ_SFMX (SFID INT PRIMARY KEY AUTO_INCREMENT, BRID INT, XMDM VARCHAR(10), JE DECIMAL(10,2), SFRQ DATE);
CREATE TABLE his.`处方明细` (`序号` INT PRIMARY KEY AUTO_INCREMENT, `医生编码` VARCHAR(10), `药品编码` VARCHAR(10), `数量` INT, `开方日期` DATE);
"""
MDB_USERS = ["his_app", "report_svc", "yf_user", "dba_li", "tongji", "yb_user", "zhangsan"]


def mdb_setup(sql):
    rnd = random.Random(7)
    stmts = [MDB_SCHEMA]
    for u in MDB_USERS:
        for host in ("127.0.0.1", "127.0.0.5"):
            stmts.append(f"CREATE USER '{u}'@'{host}' IDENTIFIED BY 'Pw-{u}-2026'; GRANT ALL ON his.* TO '{u}'@'{host}';")
    stmts.append("INSERT INTO his.BR_JBXX VALUES " + ",".join(f"({i},'患者{i}','11010119800101{i:04d}','1380000{i:04d}')" for i in range(1, N_PATIENTS + 1)) + ";")
    stmts.append("INSERT INTO his.YS_DM VALUES " + ",".join(f"('{d}','医生{d}','K{int(d[1:]) % 5}')" for d in DOCTORS) + ";")
    stmts.append("INSERT INTO his.YP_ZD VALUES " + ",".join(f"('{y}','药品{y}',{rnd.randint(1, 300)}.50)" for y in DRUGS) + ";")
    rows = [f"({i // 3},{rnd.randint(1, N_PATIENTS)},'{rnd.choice(DOCTORS)}','{rnd.choice(DRUGS)}',{rnd.randint(1, 5)},{rnd.randint(5, 500)}.00,'2026-11-{rnd.randint(1, 28):02d}')"
            for i in range(N_LINES)]
    stmts.append("INSERT INTO his.MZ_CFMX (CFH, BRID, YSDM, YPDM, SL, JE, KFRQ) VALUES " + ",".join(rows) + ";")
    stmts.append("INSERT INTO his.KS_DM VALUES ('K0','内科'),('K1','外科'),('K2','儿科'),('K3','妇产科'),('K4','急诊科');")
    stmts.append("INSERT INTO his.ZY_YZ (ZYH, KDYS, XMDM, SL, KSRQ) VALUES " + ",".join(
        f"({rnd.randint(1, 300)},'{rnd.choice(DOCTORS)}','{rnd.choice(DRUGS)}',{rnd.randint(1, 3)},'2026-11-{rnd.randint(1, 28):02d}')" for _ in range(2000)) + ";")
    stmts.append("INSERT INTO his.MZ_SFMX (BRID, XMDM, JE, SFRQ) VALUES " + ",".join(
        f"({rnd.randint(1, N_PATIENTS)},'{rnd.choice(DRUGS)}',{rnd.randint(5, 500)}.00,'2026-11-{rnd.randint(1, 28):02d}')" for _ in range(2000)) + ";")
    stmts.append("INSERT INTO his.`处方明细` (`医生编码`, `药品编码`, `数量`, `开方日期`) VALUES " + ",".join(
        f"('{rnd.choice(DOCTORS)}','{rnd.choice(DRUGS)}',{rnd.randint(1, 5)},'2026-11-{rnd.randint(1, 28):02d}')" for _ in range(1000)) + ";")
    return sql(input="\n".join(stmts))


def mdb_session(port, wl, label, name, user, program, statements, bind=None):
    kw = dict(host="127.0.0.1", port=port, user=user, password=f"Pw-{user}-2026", database="his", program_name=program, autocommit=True)
    if bind:
        kw["bind_address"] = bind
    conn = pymysql.connect(**kw)
    try:
        port_ = conn._sock.getsockname()[1]
        wl.record("mysql", port_, label, name)
        wl.sent[("mysql", port_)] = list(statements)
        with conn.cursor() as c:
            for s in statements:
                try:
                    c.execute(s)
                    c.fetchall()
                except pymysql.MySQLError:
                    pass  # refused statements are still seen (and still count)
    finally:
        conn.close()


def mdb_workload(port, wl):
    rnd = random.Random(11)
    pat = lambda: rnd.randint(1, N_PATIENTS)
    # Normal: the HIS application (outpatient doctor stations, nurse stations, billing).
    for i in range(50):
        b = pat()
        mdb_session(port, wl, 0, "his_app outpatient", "his_app", "HIS.exe", [
            f"SELECT XM, SFZH, DH FROM BR_JBXX WHERE BRID = {b}",
            f"SELECT CFH, YPDM, SL, JE FROM MZ_CFMX WHERE BRID = {b} ORDER BY KFRQ DESC",
            f"SELECT YPMC, DJ FROM YP_ZD WHERE YPDM = '{rnd.choice(DRUGS)}'",
            f"INSERT INTO MZ_CFMX (CFH, BRID, YSDM, YPDM, SL, JE, KFRQ) VALUES ({9000 + i}, {b}, '{rnd.choice(DOCTORS)}', '{rnd.choice(DRUGS)}', 1, 20.00, '2026-11-29')",
            f"SELECT COUNT(*) FROM MZ_CFMX WHERE BRID = {b}"])
    # Normal: the pharmacy's stock figures (drug totals, no doctor), several times a day.
    for i in range(6):
        mdb_session(port, wl, 0, "pharmacy stock", "yf_user", "YFGL.exe", [
            "SELECT YPDM, SUM(SL) FROM MZ_CFMX WHERE KFRQ >= '2026-11-01' GROUP BY YPDM",
            f"SELECT YPMC, DJ FROM YP_ZD WHERE YPDM = '{rnd.choice(DRUGS)}'"])
    # Normal: performance-pay report (doctor totals) from the report account.
    for i in range(4):
        mdb_session(port, wl, 0, "performance report", "report_svc", "ReportServer", [
            "SELECT YSDM, SUM(JE) FROM MZ_CFMX WHERE KFRQ BETWEEN '2026-11-01' AND '2026-11-30' GROUP BY YSDM",
            "SELECT YSDM, YSXM, KSDM FROM YS_DM"])
    # Normal: ward nurses (inpatient orders), cashiers (charges), the department list.
    for i in range(12):
        z = rnd.randint(1, 300)
        mdb_session(port, wl, 0, "ward orders", "his_app", "HIS.exe", [
            f"SELECT YZID, KDYS, XMDM, SL FROM ZY_YZ WHERE ZYH = {z}",
            f"INSERT INTO ZY_YZ (ZYH, KDYS, XMDM, SL, KSRQ) VALUES ({z}, '{rnd.choice(DOCTORS)}', '{rnd.choice(DRUGS)}', 1, '2026-11-29')",
            f"SELECT SUM(JE) FROM MZ_SFMX WHERE BRID = {pat()}", "SELECT KSDM, KSMC FROM KS_DM"])
    # Normal: the Chinese-named prescription view read for one doctor's own prescriptions of today.
    for i in range(4):
        mdb_session(port, wl, 0, "chinese view, own prescriptions", "his_app", "HIS.exe", [
            f"SELECT `序号`, `药品编码`, `数量` FROM `处方明细` WHERE `医生编码` = '{rnd.choice(DOCTORS)}' AND `开方日期` = '2026-11-29'"])
    # Normal: DBA housekeeping from a tool, not touching clinical tables.
    for i in range(6):
        mdb_session(port, wl, 0, "dba housekeeping", "dba_li", "Navicat Premium", [
            "SHOW PROCESSLIST", "SELECT table_name, table_rows FROM information_schema.tables WHERE table_schema = 'his'",
            "SHOW GLOBAL STATUS LIKE 'Threads_connected'", "ANALYZE TABLE YP_ZD"])
    # Theft: 统方 in one query from a tool.
    for i in range(4):
        mdb_session(port, wl, 1, "tongfang one query", "tongji", rnd.choice(["Navicat Premium", "HeidiSQL", "DBeaver"]), [
            "SELECT a.YSDM, b.YPMC, SUM(a.SL) AS ZL FROM MZ_CFMX a JOIN YP_ZD b ON a.YPDM = b.YPDM WHERE a.KFRQ >= '2026-11-01' GROUP BY a.YSDM, b.YPMC ORDER BY ZL DESC"])
    # Theft: 统方 over inpatient orders by department, and over the Chinese-named view.
    mdb_session(port, wl, 1, "tongfang inpatient orders", "tongji", "SQLyog", [
        "SELECT k.KSMC, y.KDYS, y.XMDM, SUM(y.SL) FROM ZY_YZ y JOIN YS_DM d ON y.KDYS = d.YSDM JOIN KS_DM k ON d.KSDM = k.KSDM GROUP BY k.KSMC, y.KDYS, y.XMDM"])
    mdb_session(port, wl, 1, "tongfang chinese names", "yb_user", "HIS.exe", [
        "SELECT `医生编码`, `药品编码`, SUM(`数量`) AS 总量 FROM `处方明细` GROUP BY `医生编码`, `药品编码`"])
    # Theft: a doctor's drug ranking through the HIS account and program (stolen credentials).
    for d in rnd.sample(DOCTORS, 4):
        mdb_session(port, wl, 1, "doctor's drug ranking (app account)", "his_app", "HIS.exe", [
            f"SELECT YPDM, SUM(SL) FROM MZ_CFMX WHERE YSDM = '{d}' GROUP BY YPDM ORDER BY 2 DESC LIMIT 20"])
    # Theft: one doctor-drug cell at a time (never a GROUP BY).
    for i in range(3):
        mdb_session(port, wl, 1, "cell by cell", "yb_user", "HIS.exe", [
            f"SELECT SUM(SL) FROM MZ_CFMX WHERE YSDM = '{rnd.choice(DOCTORS)}' AND YPDM = '{rnd.choice(DRUGS)}'" for _ in range(6)])
    # Theft: split: doctor totals and drug totals from a person's account.
    for i in range(2):
        mdb_session(port, wl, 1, "split by doctor", "yb_user", "HIS.exe", ["SELECT YSDM, COUNT(*) FROM MZ_CFMX GROUP BY YSDM"])
    # Theft: prescription detail read out page by page.
    mdb_session(port, wl, 1, "detail in pages", "tongji", "HIS.exe", [
        f"SELECT YSDM, YPDM, SL FROM MZ_CFMX ORDER BY ID LIMIT 1000 OFFSET {k * 1000}" for k in range(6)])
    # Theft: patients in bulk, export to a file.
    for i in range(3):
        mdb_session(port, wl, 1, "patients in bulk", "dba_li", "HIS.exe", ["SELECT * FROM BR_JBXX"])
    mdb_session(port, wl, 1, "export", "dba_li", "HIS.exe", ["SELECT * FROM MZ_CFMX INTO OUTFILE '/tmp/wardsec-eval-cf.csv'"])
    # Theft/sabotage: audit switched off, unapproved account, unapproved client, mass delete.
    mdb_session(port, wl, 1, "audit off", "dba_li", "HIS.exe", ["SET GLOBAL server_audit_logging = OFF"])
    mdb_session(port, wl, 1, "unapproved account", "zhangsan", "HIS.exe", ["SELECT YPMC FROM YP_ZD LIMIT 5"])
    mdb_session(port, wl, 1, "unapproved client", "dba_li", "HIS.exe", ["SELECT COUNT(*) FROM YP_ZD"], bind="127.0.0.5")
    mdb_session(port, wl, 1, "delete without where", "dba_li", "HIS.exe", ["DELETE FROM YP_ZD"])


# --- PostgreSQL, JIMS schema ----------------------------------------------------------------

def pg_workload(port, wl):
    rnd = random.Random(13)
    admin = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres", sslmode="disable")
    admin.autocommit = True
    admin.cursor().execute("CREATE DATABASE emr")
    admin.close()
    setup = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="emr", sslmode="disable")
    setup.autocommit = True
    c = setup.cursor()
    c.execute("CREATE TABLE pat_master_index (patient_id text primary key, name text, id_no text)")
    c.execute("CREATE TABLE drug_presc_master (presc_no int primary key, patient_id text, prescribed_by text, presc_date date)")
    c.execute("CREATE TABLE drug_presc_detail (presc_no int, item_no int, drug_code text, quantity int, costs numeric)")
    c.execute("CREATE TABLE dept_dict (dept_code text primary key, dept_name text)")
    c.execute("CREATE TABLE orders (patient_id text, visit_id int, order_no int, order_code text, order_text text, doctor text, dept_code text, start_date_time date)")
    c.execute("CREATE TABLE inp_bill_detail (patient_id text, visit_id int, item_no int, item_code text, item_name text, costs numeric, ordered_by text)")
    c.execute("CREATE ROLE emr_app LOGIN; GRANT ALL ON ALL TABLES IN SCHEMA public TO emr_app")
    c.execute("INSERT INTO dept_dict VALUES ('0101','心内科'),('0102','呼吸内科'),('0201','普外科'),('0301','儿科')")
    c.execute("INSERT INTO orders SELECT 'P' || (1 + g % 2000), 1, g, 'Y' || lpad((1 + g % 50)::text, 3, '0'), '药品' || g % 50, 'D' || lpad((1 + g % 20)::text, 2, '0'), '0101', date '2026-11-01' + (g % 28) FROM generate_series(1, 3000) g")
    c.execute("INSERT INTO inp_bill_detail SELECT 'P' || (1 + g % 2000), 1, g, 'Y' || lpad((1 + g % 50)::text, 3, '0'), '药品', 12.5, 'D' || lpad((1 + g % 20)::text, 2, '0') FROM generate_series(1, 3000) g")
    c.execute("INSERT INTO pat_master_index SELECT 'P' || g, '患者' || g, 'ID' || g FROM generate_series(1, 2000) g")
    c.execute("INSERT INTO drug_presc_master SELECT g, 'P' || (1 + g % 2000), 'D' || lpad((1 + g % 20)::text, 2, '0'), date '2026-11-01' + (g % 28) FROM generate_series(1, 3000) g")
    c.execute("INSERT INTO drug_presc_detail SELECT 1 + g % 3000, g, 'Y' || lpad((1 + g % 50)::text, 3, '0'), 1 + g % 5, 10 + g % 90 FROM generate_series(1, 6000) g")
    setup.close()

    def session(label, name, user, app, statements):
        conn = psycopg2.connect(host="127.0.0.1", port=port, user=user, dbname="emr", sslmode="disable", application_name=app)
        conn.autocommit = True
        try:
            port_ = _local_port(conn)
            wl.record("postgresql", port_, label, name)
            wl.sent[("postgresql", port_)] = list(statements)
            cur = conn.cursor()
            for s in statements:
                try:
                    cur.execute(s)
                    if cur.description:
                        cur.fetchall()
                except psycopg2.Error:
                    pass
        finally:
            conn.close()

    for i in range(30):
        p = f"P{rnd.randint(1, 2000)}"
        session(0, "emr_app ward", "emr_app", "EMR-Server", [
            f"SELECT name, id_no FROM pat_master_index WHERE patient_id = '{p}'",
            f"SELECT m.presc_no, d.drug_code, d.quantity FROM drug_presc_master m JOIN drug_presc_detail d ON m.presc_no = d.presc_no WHERE m.patient_id = '{p}'"])
    for i in range(10):
        p = f"P{rnd.randint(1, 2000)}"
        session(0, "emr_app orders and bills", "emr_app", "EMR-Server", [
            f"SELECT order_no, order_text, doctor FROM orders WHERE patient_id = '{p}' AND visit_id = 1",
            f"SELECT sum(costs) FROM inp_bill_detail WHERE patient_id = '{p}'", "SELECT dept_code, dept_name FROM dept_dict"])
    session(1, "tongfang inpatient orders", "postgres", "Navicat Premium", [
        "SELECT o.doctor, o.order_code, count(*) FROM orders o JOIN dept_dict d ON o.dept_code = d.dept_code GROUP BY o.doctor, o.order_code"])
    session(1, "tongfang from bills", "postgres", "pgAdmin 4", [
        "SELECT ordered_by, item_code, sum(costs) FROM inp_bill_detail GROUP BY ordered_by, item_code"])
    for i in range(3):
        session(1, "tongfang jims", "postgres", "DBeaver 23.2", [
            "SELECT m.prescribed_by, d.drug_code, sum(d.quantity) FROM drug_presc_master m JOIN drug_presc_detail d ON m.presc_no = d.presc_no GROUP BY m.prescribed_by, d.drug_code"])
    for i in range(2):
        session(1, "drug's doctor ranking", "emr_app", "EMR-Server", [
            f"SELECT m.prescribed_by, sum(d.costs) FROM drug_presc_master m JOIN drug_presc_detail d ON m.presc_no = d.presc_no WHERE d.drug_code = '{rnd.choice(DRUGS)}' GROUP BY m.prescribed_by ORDER BY 2 DESC"])
    session(1, "pgaudit off", "postgres", "psql", ["ALTER SYSTEM SET pgaudit.log = 'none'"])


def _local_port(conn):
    """psycopg2 does not expose the client port; PostgreSQL does (inet_client_port())."""
    cur = conn.cursor()
    cur.execute("SELECT inet_client_port()")
    return cur.fetchone()[0]


def score(r, w, pcap, policy, wl, system):
    out = cli(w, "dbaudit", "--read", pcap, "--format", "json", "--policy", policy)
    got = [json.loads(l) for l in out.stdout.splitlines()]
    statements = [g for g in got if "db.statement" in g]
    flagged = {}
    for a in got:
        if "alert.kind" in a:
            flagged.setdefault((a["db.system"], a.get("source.port")), set()).add(a["alert.kind"])
    sessions = {k: v for k, v in wl.labels.items() if k[0] == system}
    seen_ports = {(s["db.system"], s.get("source.port")) for s in statements}
    r.check(all(k in seen_ports for k in sessions), f"{system}: every labeled session was decoded ({len(seen_ports & set(sessions))}/{len(sessions)})")
    decoded = {}
    for st_ in statements:
        decoded.setdefault((st_["db.system"], st_.get("source.port")), []).append(st_["db.statement"])
    missing = [(k, x) for k, sent in wl.sent.items() if k[0] == system for x in sent if x not in decoded.get(k, [])]
    r.check(not missing, f"{system}: every statement the workload sent was decoded in its session ({len(missing)} missing: {missing[:3]})")
    tp = sum(1 for k, (lab, _) in sessions.items() if lab == 1 and k in flagged)
    fp = [(name, sorted(flagged[k])) for k, (lab, name) in sessions.items() if lab == 0 and k in flagged]
    fn = [name for k, (lab, name) in sessions.items() if lab == 1 and k not in flagged]
    return tp, len(fp), len(fn), fp, fn, len(statements)


def body(r):
    a = args()
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    totals = [0, 0, 0]
    wl = Workload()
    with TempDir() as t:
        policy = policy_file(t, root)
        with mariadb_server(t) as (port, sql):
            res = mdb_setup(sql)
            r.check(res.returncode == 0, f"MariaDB: the HIS schema and data are loaded {res.stderr[:200]}")
            td, pcap = start_capture(t, "mdb.pcap", port)
            mdb_workload(port, wl)
            stop_capture(td)
            tp, fp, fn, fps, fns, n = score(r, a.wardsec, pcap, policy, wl, "mysql")
            print(f"MariaDB: {n} statements; sessions: {tp} theft flagged, {fp} normal flagged {fps}, {fn} theft missed {fns}")
            totals = [totals[0] + tp, totals[1] + fp, totals[2] + fn]
        with postgres_server(t) as port:
            if port is None:
                r.check(False, "PostgreSQL is installed (install-deps)")
            else:
                td, pcap = start_capture(t, "pg.pcap", port)
                pg_workload(port, wl)
                stop_capture(td)
                tp, fp, fn, fps, fns, n = score(r, a.wardsec, pcap, policy, wl, "postgresql")
                print(f"PostgreSQL: {n} statements; sessions: {tp} theft flagged, {fp} normal flagged {fps}, {fn} theft missed {fns}")
                totals = [totals[0] + tp, totals[1] + fp, totals[2] + fn]
    tp, fp, fn = totals
    normal = sum(1 for lab, _ in wl.labels.values() if lab == 0)
    theft = sum(1 for lab, _ in wl.labels.values() if lab == 1)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    print(f"dbaudit evaluation: {normal} normal and {theft} theft sessions; precision {precision:.3f}, recall {recall:.3f}")
    r.check(precision >= 0.95, f"precision {precision:.3f} >= 0.95")
    r.check(recall >= 0.95, f"recall {recall:.3f} >= 0.95")


run("dbaudit_eval", body)
