#include "cli/dbaudit.h"

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

int run_dbaudit(const DbauditOptions& o) {
  if (o.format != "json" && o.format != "text") {
    std::fprintf(stderr, "wardsec dbaudit: --format is json or text, not %s\n", o.format.c_str());
    return 2;
  }
  int sources = !o.pcap_file.empty() + !o.interface.empty() + !o.log_file.empty();
  if (sources != 1) {
    std::fprintf(stderr, "wardsec dbaudit: name one source: a capture file (--read FILE), an interface (--interface IF) or an audit log (--log FILE)\n");
    return 2;
  }
  dbaudit::Policy policy;
  if (std::string e = dbaudit::load_policy(o.policy_file, policy); !e.empty()) {
    std::fprintf(stderr, "wardsec dbaudit: %s\n", e.c_str());
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
    std::printf("%s %s@%s %s:%u %s rows=%lld%s%s\n", format_rfc3339(s.ts).c_str(), se.user.c_str(), se.database.c_str(), se.client.ip.c_str(),
                se.client.port, s.text.substr(0, 200).c_str(), static_cast<long long>(s.rows), s.error_code.empty() ? "" : " error=",
                s.error_code.c_str());
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
    if (json) print(dbaudit::tls_session_json(se));
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

}  // namespace wardsec

#include <spdlog/spdlog.h>

#include "cli/config.h"
#include "dbaudit/enrich.h"
#include "ingest/pipeline.h"
#include "web/enrich.h"

namespace wardsec {

Result<std::function<void(Event&)>> make_enrichers(const Config& cfg) {
  std::function<void(Event&)> web_stage, db_stage;
  if (cfg.web_enabled) web_stage = web::make_enricher(cfg.web);
  if (cfg.dbaudit_enabled) {
    dbaudit::Policy p;
    if (std::string e = dbaudit::load_policy(resolve_shipped(cfg.dbaudit_policy), p); !e.empty()) return Error{"dbaudit.policy: " + e};
    db_stage = dbaudit::make_enricher(p);
  }
  if (!web_stage || !db_stage) return web_stage ? web_stage : db_stage;
  return std::function<void(Event&)>([web_stage, db_stage](Event& ev) {
    web_stage(ev);
    db_stage(ev);
  });
}

std::thread start_dbaudit_capture(const Config& cfg, ingest::Pipeline& pipeline, const std::atomic<bool>& stop) {
  if (cfg.dbaudit_interface.empty() && cfg.dbaudit_pcap.empty()) return {};
  capture::CaptureOptions co;
  co.interface = cfg.dbaudit_interface;
  co.file = cfg.dbaudit_pcap;
  co.filter = cfg.dbaudit_filter;
  return std::thread([co, &pipeline, &stop] {
    std::string where = co.interface.empty() ? co.file : co.interface;
    ingest::RawBatch batch;
    int64_t last = now_ns();
    auto flush = [&] {
      if (batch.empty()) return;
      batch.input = "dbaudit";
      batch.source = "capture " + where;
      pipeline.submit(std::move(batch));  // waits for room: a mirror port's kernel buffer absorbs the wait, its drops are counted by libpcap
      batch = ingest::RawBatch{};
      last = now_ns();
    };
    auto add = [&](const nlohmann::json& j) {
      batch.add(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), now_ns());
      if (batch.msgs.size() >= 512) flush();
    };
    dbaudit::DecoderStats ds;
    capture::Reassembler reasm(dbaudit::db_factory([&](dbaudit::Statement&& s) { add(dbaudit::statement_json(s)); },
                                                   [&](const dbaudit::Session& se) {
                                                     if (se.tls) add(dbaudit::tls_session_json(se));
                                                   },
                                                   ds));
    capture::PacketStats ps;
    spdlog::info("dbaudit: capturing database traffic from {}", where);
    auto st = capture::capture(co, reasm, ps, [&] {
      if (now_ns() - last > 200LL * 1000000) flush();
      return stop.load();
    });
    flush();
    if (!st.ok()) spdlog::error("dbaudit: {}", st.error());
    spdlog::info("dbaudit: {} packets, {} database sessions ({} TLS), {} statements, {} malformed", ps.packets, ds.sessions, ds.tls_sessions,
                 ds.statements, ds.malformed);
  });
}

}  // namespace wardsec
