// The center's database capture input: a mirror port or a pcap file, decoded into statements
// that are analysed once, here, and handed to the pipeline as events (src/enrich/db_statement.h).
#include <spdlog/spdlog.h>

#include "capture/pcap.h"
#include "center/center.h"
#include "core/timeutil.h"
#include "dbaudit/protocol.h"
#include "enrich/db_statement.h"
#include "ingest/pipeline.h"

namespace wardsec::center {

std::thread start_dbaudit_capture(const Config& cfg, const dbaudit::Policy& policy, ingest::Pipeline& pipeline,
                                  const std::atomic<bool>& stop) {
  if (cfg.dbaudit_interface.empty() && cfg.dbaudit_pcap.empty()) return {};
  capture::CaptureOptions co;
  co.interface = cfg.dbaudit_interface;
  co.file = cfg.dbaudit_pcap;
  co.filter = cfg.dbaudit_filter;
  return std::thread([co, policy, &pipeline, &stop] {
    pthread_setname_np(pthread_self(), "ws-dbcapture");
    std::string where = co.interface.empty() ? co.file : co.interface;
    dbaudit::Auditor auditor(policy);
    ingest::RawBatch batch;
    int64_t last = now_ns();
    auto flush = [&] {
      if (batch.empty()) return;
      batch.input = "dbaudit";
      batch.source = "capture " + where;
      pipeline.submit(
          std::move(batch));  // waits for room: a mirror port's kernel buffer absorbs the wait, its drops are counted by libpcap
      batch = ingest::RawBatch{};
      last = now_ns();
    };
    auto add = [&](Event&& ev) {
      batch.decoded.push_back(std::move(ev));
      if (batch.decoded.size() >= 512) flush();
    };
    dbaudit::DecoderStats ds;
    capture::Reassembler reasm(dbaudit::db_factory([&](dbaudit::Statement&& s) { add(enrich::statement_event(s, auditor, now_ns())); },
                                                   [&](const dbaudit::Session& se) {
                                                     if (se.tls) add(enrich::session_event(se, now_ns()));
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
    spdlog::info("dbaudit: {} packets, {} database sessions ({} TLS), {} statements, {} malformed", ps.packets, ds.sessions,
                 ds.tls_sessions, ds.statements, ds.malformed);
  });
}

}  // namespace wardsec::center
