#include "cli/dbaudit.h"

#include "center/center.h"
#include "cli/cli.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "capture/pcap.h"
#include "core/timeutil.h"
#include "dbaudit/auditlog.h"
#include "dbaudit/policy.h"
#include "dbaudit/protocol.h"
#include "dbaudit/record.h"

namespace wardsec {

namespace {
std::atomic<bool> g_stop{false};

void print(const nlohmann::json& j) { std::puts(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str()); }
}  // namespace

int run_dbaudit(const DbauditOptions& o, const dbaudit::Policy& policy) {
  if (o.format != "json" && o.format != "text") {
    std::fprintf(stderr, "wardsec dbaudit: --format is json or text, not %s\n", o.format.c_str());
    return 2;
  }
  int sources = !o.pcap_file.empty() + !o.interface.empty() + !o.log_file.empty();
  if (sources != 1) {
    std::fprintf(
        stderr,
        "wardsec dbaudit: name one source: a capture file (--read FILE), an interface (--interface IF) or an audit log (--log FILE)\n");
    return 2;
  }
  dbaudit::Auditor auditor(policy);
  bool json = o.format == "json";
  size_t alerts = 0;
  auto on_statement = [&](dbaudit::Statement&& s) {
    const auto& se = *s.session;
    auto found = auditor.check(s);
    alerts += found.size();
    if (json) {
      print(dbaudit::statement_json(s));
      for (const auto& a : found) print(dbaudit::alert_json(s, a));
      return;
    }
    std::printf("%s %s@%s %s:%u %s rows=%lld%s%s\n", format_rfc3339(s.ts).c_str(), se.user.c_str(), se.database.c_str(),
                se.client.ip.c_str(), se.client.port, s.text.substr(0, 200).c_str(), static_cast<long long>(s.rows),
                s.error_code.empty() ? "" : " error=", s.error_code.c_str());
    for (const auto& a : found)
      std::printf("ALERT %s [%s] %s (%zu statements)\n", a.kind.c_str(), a.level.c_str(), a.reason.c_str(), a.statements.size());
  };

  if (!o.log_file.empty()) {
    std::ifstream in(o.log_file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "wardsec dbaudit: %s: cannot read\n", o.log_file.c_str());
      return 1;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    auto st = dbaudit::read_audit_log(text, o.log_file, o.log_format, on_statement,
                                      [](const std::string& w) { std::fprintf(stderr, "wardsec dbaudit: %s\n", w.c_str()); });
    std::fflush(stdout);
    if (!st) {
      std::fprintf(stderr, "wardsec dbaudit: %s\n", st.error().c_str());
      return 1;
    }
    std::fprintf(stderr, "%llu records: %llu statements, %llu other records, %llu malformed; %zu alerts\n", (unsigned long long)st->records,
                 (unsigned long long)st->statements, (unsigned long long)st->skipped, (unsigned long long)st->malformed, alerts);
    return 0;
  }

  dbaudit::DecoderStats ds;
  auto on_session = [&](const dbaudit::Session& se) {
    if (!se.tls) return;
    // Encrypted sessions are reported as such: what was said in them cannot be seen here
    // (use the database's own audit log for them: --log).
    if (json)
      print(dbaudit::tls_session_json(se));
    else
      std::printf("TLS session %s:%u -> %s:%u (%s): statements not visible\n", se.client.ip.c_str(), se.client.port, se.server.ip.c_str(),
                  se.server.port, se.system.c_str());
  };
  capture::Reassembler reasm(dbaudit::db_factory(on_statement, on_session, ds));
  capture::CaptureOptions co;
  co.file = o.pcap_file;
  co.interface = o.interface;
  co.filter = o.filter;
  capture::PacketStats ps;
  std::signal(SIGINT, [](int) { g_stop = true; });
  std::signal(SIGTERM, [](int) { g_stop = true; });
  auto st = capture::capture(co, reasm, ps, [] { return g_stop.load(); });
  std::fflush(stdout);
  const auto& rs = reasm.stats();
  std::fprintf(stderr,
               "%llu packets (%llu tcp), %llu flows (%llu joined mid-stream), %llu retransmitted bytes, %llu gaps; "
               "%llu database sessions (%llu TLS), %llu statements, %llu malformed; %zu alerts\n",
               (unsigned long long)ps.packets, (unsigned long long)ps.tcp, (unsigned long long)rs.flows, (unsigned long long)rs.midstream,
               (unsigned long long)rs.retransmitted_bytes, (unsigned long long)rs.gaps, (unsigned long long)ds.sessions,
               (unsigned long long)ds.tls_sessions, (unsigned long long)ds.statements, (unsigned long long)ds.malformed, alerts);
  if (!st.ok()) {
    std::fprintf(stderr, "wardsec dbaudit: %s\n", st.error().c_str());
    return 1;
  }
  return 0;
}

namespace cli {

void add_dbaudit_command(Cli& cli) {
  auto o = std::make_shared<DbauditOptions>();
  auto* dba = cli.command(
      nullptr, "dbaudit",
      "database statements (MySQL/MariaDB, PostgreSQL, SQL Server) from a pcap file, a mirror interface or the databases' audit logs",
      [o](Config& cfg) {
        // The center's policy (dbaudit.policy in the config), or the one named here.
        auto policy = center::load_dbaudit_policy(cfg, o->policy_file);
        if (!policy) {
          std::fprintf(stderr, "wardsec dbaudit: %s\n", policy.error().c_str());
          return 2;
        }
        return run_dbaudit(*o, *policy);
      });
  dba->add_option("--read", o->pcap_file, "a pcap/pcapng file");
  dba->add_option("--interface", o->interface, "capture live on this interface (until Ctrl-C)");
  dba->add_option("--filter", o->filter, "BPF filter, e.g. 'tcp port 3306 or tcp port 5432 or tcp port 1433'");
  dba->add_option("--log", o->log_file,
                  "a database audit log: MariaDB server_audit, pgaudit, PostgreSQL csvlog, SQL Server / Oracle audit CSV or JSON");
  dba->add_option("--log-format", o->log_format, "mariadb, pgaudit, pgcsv, table (CSV with a header or JSON lines) or auto (default)");
  dba->add_option("--format", o->format, "json (one object per statement; default) or text");
  dba->add_option("--policy", o->policy_file,
                  "the 防统方 policy of sensitive tables and columns (default: dbaudit.policy in the config, config/dbaudit/policy.yaml)");
}

}  // namespace cli

}  // namespace wardsec
