"""Multi-line events framed per source (issue #18): a real rsyslog reads a Tomcat catalina.out and
a Spring Boot log with imfile (no startmsg.regex, so every line is its own message) and forwards
them over TCP and RELP; wardsec joins each stack trace back into one event, per sender and
program, without losing or repeating a line. A collector sending pretty-printed Windows XML
(a rule in the config) and `wardsec import` of a catalina.out (a rule for the file) are joined
too."""
import os
import socket
import time
import uuid

from harness import Server, TempDir, args, cli, run, search_json, wait_for, count
from rsyslog import Rsyslog

EVENTS = 60


def tomcat_lines(run_id):
    """catalina.out: every third event has a stack trace of 2..9 lines. Returns (lines, events, traces)."""
    lines, events = [], []
    for i in range(EVENTS):
        first = f"05-Dec-2026 10:{i // 60:02d}:{i % 60:02d}.{i:03d} SEVERE [http-nio-8080-exec-{i % 7}] com.his.Rx.audit run={run_id} ev={i}"
        ev = [first]
        if i % 3 == 0:
            ev.append(f"java.lang.IllegalStateException: prescription {i} has no doctor run={run_id}")
            for k in range(2 + i % 8):
                ev.append(f"\tat com.his.outpatient.Step{k}.run(Step{k}.java:{100 + k}) run={run_id} ev={i} frame={k}")
            ev.append("\t... 12 more")
        else:
            ev[0] = ev[0].replace("SEVERE", "INFO")
        events.append(ev)
        lines += ev
    return lines, events


def body(r):
    a = args()
    w = a.wardsec
    run_id = uuid.uuid4().hex[:8]
    with TempDir() as t:
        data = os.path.join(t, "data")
        conf = os.path.join(t, "wardsec.yaml")
        with open(conf, "w") as f:
            f.write(f"""multiline:
  - name: wec-xml
    sources: [127.0.0.0/8]
    programs: ['']
    start: '^\\s*<Event[\\s>]'
    end: '</Event>\\s*$'
  - name: imported-catalina
    sources: ['*/catalina.out']
    programs: ['']
    start: '^\\d\\d-[A-Z][a-z]{{2}}-\\d{{4}} '
""")
        catalina = os.path.join(t, "catalina.out")
        emr = os.path.join(t, "emr.log")
        with Server(w, data, extra=["--config", conf]) as srv:
            actions = f'''
module(load="omrelp")
action(type="omfwd" target="127.0.0.1" port="{srv.tcp}" protocol="tcp" template="RSYSLOG_TraditionalForwardFormat"
       queue.type="LinkedList" action.resumeRetryCount="-1")
action(type="omrelp" target="127.0.0.1" port="{srv.relp}" template="RSYSLOG_SyslogProtocol23Format"
       queue.type="LinkedList" action.resumeRetryCount="-1")
'''
            inputs = f'''
module(load="imfile" mode="inotify")
input(type="imfile" File="{catalina}" Tag="tomcat:" Facility="local0" Severity="error")
input(type="imfile" File="{emr}" Tag="spring-emr:" Facility="local0" Severity="error")
'''
            open(catalina, "w").close()
            open(emr, "w").close()
            with Rsyslog(os.path.join(t, "rsyslog"), actions, inputs):
                time.sleep(1)
                lines, events = tomcat_lines(run_id)
                emr_lines = []
                for i in range(20):
                    emr_lines.append(f"2026-12-05 10:20:{i:02d}.918 ERROR 2291 --- [nio-8080-exec-{i}] c.h.emr.RecordService : load failed run={run_id} emr={i}")
                    emr_lines.append("org.springframework.dao.DataAccessResourceFailureException: Unable to acquire JDBC Connection")
                    emr_lines.append(f"\tat com.his.emr.RecordService.load(RecordService.java:61) run={run_id} emr={i}")
                # Both files grow at once, a line at a time (the two programs' lines interleave).
                with open(catalina, "a") as fc, open(emr, "a") as fe:
                    for k in range(max(len(lines), len(emr_lines))):
                        if k < len(lines):
                            fc.write(lines[k] + "\n")
                        if k < len(emr_lines):
                            fe.write(emr_lines[k] + "\n")
                        if k % 25 == 0:
                            fc.flush()
                            fe.flush()
                q = f'"run={run_id}" AND process.name:tomcat'
                # Each event once per path (TCP, RELP); the last one is let go by the timeout.
                wait_for(lambda: count(w, data, q) >= 2 * EVENTS or None, 90, f"{2 * EVENTS} Tomcat events", interval=1)
                time.sleep(3)
            evs = search_json(w, data, q)
            for path in ["tcp", "relp"]:
                mine = [e for e in evs if e.get("input.type") == path]
                r.check(len(mine) == EVENTS, f"{path}: {EVENTS} Tomcat events from {len(lines)} lines (got {len(mine)})")
                got = {}
                for e in mine:
                    msg = e.get("message", "")
                    i = int(msg.split("ev=")[1].split()[0]) if "ev=" in msg else -1
                    got.setdefault(i, []).append(e)
                whole, bad = 0, None
                for i, ev in enumerate(events):
                    es = got.get(i, [])
                    if len(es) != 1:
                        bad = bad or [(x.get("event.original"), x.get("log.source.address"), x.get("@timestamp")) for x in es]
                        continue
                    e = es[0]
                    frames = [l for l in ev if "frame=" in l]
                    if len(ev) > 1:
                        trace = e.get("error.stack_trace", "")
                        ok = all(f"ev={i} frame={k}" in trace for k in range(len(frames))) and "... 12 more" in trace
                        ok = ok and e.get("error.type") == "java.lang.IllegalStateException" and e.get("log.flags") == "multiline"
                        ok = ok and e.get("log.level") == "error"
                    else:
                        ok = "log.flags" not in e and e.get("log.level") == "informational"
                    whole += ok
                    if not ok and not bad:
                        bad = e
                r.check(whole == EVENTS, f"{path}: every event whole, once, with its stack trace and fields ({whole}/{EVENTS}; first wrong: {bad})")
            emr_evs = search_json(w, data, f'"run={run_id}" AND process.name:spring-emr')
            r.check(len(emr_evs) == 40 and all(e.get("error.type") == "org.springframework.dao.DataAccessResourceFailureException"
                                                for e in emr_evs),
                    f"Spring Boot: 20 events per path, each with its exception ({len(emr_evs)})")
            # A collector sends pretty-printed Windows XML over TCP, a line per frame.
            xml = f"""<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>
  <System>
    <Provider Name='Microsoft-Windows-Security-Auditing'/>
    <EventID>4625</EventID>
    <Keywords>0x8010000000000000</Keywords>
    <Computer>his-dc-01.his.local</Computer>
  </System>
  <EventData>
    <Data Name='TargetUserName'>wangfang</Data>
    <Data Name='IpAddress'>10.30.0.77</Data>
    <Data Name='WorkstationName'>run{run_id}</Data>
  </EventData>
</Event>
"""
            s = socket.create_connection(("127.0.0.1", srv.tcp))
            for _ in range(3):
                s.sendall(xml.encode())
            s.close()
            xq = f'"run{run_id}"'
            wait_for(lambda: count(w, data, xq) >= 3 or None, 30, "3 Windows XML events", interval=0.5)
            xe = search_json(w, data, xq)
            r.check(len(xe) == 3 and all(e.get("event.code") == "4625" and e.get("user.name") == "wangfang" and
                                         e.get("source.ip") == "10.30.0.77" and e.get("event.outcome") == "failure" for e in xe),
                    f"pretty-printed XML from a collector: 3 events of 13 lines, parsed ({[(e.get('event.code'), e.get('user.name')) for e in xe]})")
            m = srv.metrics()
            r.check(m.get("dropped") == 0 and m.get("store_errors") == 0, "no drops or store errors")
            r.check(m.get("multiline", {}).get("events", 0) >= 2 * EVENTS // 3 * 2, f"metrics count the joined events ({m.get('multiline')})")
        # `wardsec import` of a catalina.out: the config's rule for the file joins it too.
        imp = os.path.join(t, "imp")
        os.makedirs(imp)
        path = os.path.join(imp, "catalina.out")
        run2 = uuid.uuid4().hex[:8]
        lines, events = tomcat_lines(run2)
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        cli(w, "import", "--data", data, "--config", conf, path)
        ie = search_json(w, data, f'"run={run2}"')
        r.check(len(ie) == EVENTS and sum(1 for e in ie if e.get("log.flags") == "multiline") == EVENTS // 3,
                f"import: {EVENTS} events from {len(lines)} lines, {EVENTS // 3} of them joined ({len(ie)})")
        res = cli(w, "verify", "--data", data, check=False)
        r.check(res.returncode == 0, "store verifies clean after the run")


if __name__ == "__main__":
    run("multiline", body)
