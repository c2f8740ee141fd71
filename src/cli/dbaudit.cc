#include "cli/dbaudit.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "capture/pcap.h"
#include "core/timeutil.h"
#include "dbaudit/policy.h"
#include "dbaudit/protocol.h"

namespace wardsec {

namespace {
std::atomic<bool> g_stop{false};
}

int run_dbaudit(const std::string& pcap_file, const std::string& interface, const std::string& filter, const std::string& format,
                const std::string& policy_file) {
  if (format != "json" && format != "text") {
    std::fprintf(stderr, "wardsec dbaudit: --format is json or text, not %s\n", format.c_str());
    return 2;
  }
  if (pcap_file.empty() == interface.empty()) {
    std::fprintf(stderr, "wardsec dbaudit: name a capture file (--read FILE) or an interface (--interface IF)\n");
    return 2;
  }
  dbaudit::Policy policy;
  if (std::string e = dbaudit::load_policy(policy_file, policy); !e.empty()) {
    std::fprintf(stderr, "wardsec dbaudit: %s\n", e.c_str());
    return 2;
  }
  dbaudit::DecoderStats ds;
  size_t alerts = 0;
  auto on_statement = [&](dbaudit::Statement&& s) {
    const auto& se = *s.session;
    auto found = dbaudit::check_statement(s, policy);
    alerts += found.size();
    auto print_alerts = [&] {
      for (const auto& a : found) {
        if (format == "text") {
          std::printf("ALERT %s [%s] %s: %s\n", a.kind.c_str(), a.level.c_str(), a.reason.c_str(), s.text.substr(0, 200).c_str());
          continue;
        }
        nlohmann::json j = {{"@timestamp", format_rfc3339(s.ts)}, {"alert.kind", a.kind}, {"alert.level", a.level}, {"alert.reason", a.reason},
                            {"db.system", se.system}, {"db.user.name", se.user}, {"db.name", se.database}, {"client.program", se.program},
                            {"source.ip", se.client.ip}, {"statements", nlohmann::json::array({s.text})}};
        std::puts(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
      }
    };
    if (format == "text") {
      std::printf("%s %s@%s %s:%u %s rows=%lld%s%s\n", format_rfc3339(s.ts).c_str(), se.user.c_str(), se.database.c_str(), se.client.ip.c_str(),
                  se.client.port, s.text.substr(0, 200).c_str(), static_cast<long long>(s.rows),
                  s.error_code.empty() ? "" : " error=", s.error_code.c_str());
      print_alerts();
      return;
    }
    nlohmann::json j;
    j["@timestamp"] = format_rfc3339(s.ts);
    j["db.system"] = se.system;
    j["db.user.name"] = se.user;
    j["db.name"] = se.database;
    j["client.program"] = se.program;
    j["source.ip"] = se.client.ip;
    j["source.port"] = se.client.port;
    j["destination.ip"] = se.server.ip;
    j["destination.port"] = se.server.port;
    j["db.statement"] = s.text;
    j["db.statement.kind"] = s.kind;
    j["db.operation"] = s.sql.operation;
    j["db.sql.tables"] = s.sql.tables;
    j["db.sql.columns"] = s.sql.columns;
    j["db.sql.aggregates"] = s.sql.aggregates;
    j["db.sql.group_by"] = s.sql.group_by;
    j["db.sql.has_where"] = s.sql.has_where;
    j["db.sql.fingerprint"] = s.sql.fingerprint;
    if (s.rows >= 0) j["db.response.returned_rows"] = s.rows;
    if (s.affected >= 0) j["db.response.affected_rows"] = s.affected;
    if (!s.error_code.empty()) {
      j["error.code"] = s.error_code;
      j["error.message"] = s.error_message;
    }
    if (s.latency_ns >= 0) j["event.duration"] = s.latency_ns;
    if (se.midstream) j["db.session.midstream"] = true;
    std::puts(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    print_alerts();
  };
  auto on_session = [&](const dbaudit::Session& se) {
    if (!se.tls) return;
    // Encrypted sessions are reported as such: what was said in them cannot be seen here
    // (use the database's own audit log for them).
    if (format == "json") {
      nlohmann::json j = {{"db.system", se.system}, {"db.user.name", se.user}, {"source.ip", se.client.ip},
                          {"source.port", se.client.port}, {"destination.ip", se.server.ip}, {"destination.port", se.server.port},
                          {"db.session.tls", true}};
      std::puts(j.dump().c_str());
    } else {
      std::printf("TLS session %s:%u -> %s:%u (%s): statements not visible\n", se.client.ip.c_str(), se.client.port, se.server.ip.c_str(),
                  se.server.port, se.system.c_str());
    }
  };
  capture::Reassembler reasm(dbaudit::db_factory(on_statement, on_session, ds));
  capture::CaptureOptions co;
  co.file = pcap_file;
  co.interface = interface;
  co.filter = filter;
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

}  // namespace wardsec
