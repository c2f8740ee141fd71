// `wardsec dbaudit`: database statements from a pcap file, a live interface, or the
// databases' own audit logs (issue #6).
#pragma once
#include <string>

namespace wardsec {

struct DbauditOptions {
  std::string pcap_file, interface, filter;
  std::string log_file, log_format = "auto";  // an audit log export instead of traffic
  std::string format = "json";                // json or text
  std::string policy_file;                    // the 防统方 policy (config/dbaudit/policy.yaml)
};

// Statements that break the policy are followed by alert objects (alert.kind tongfang,
// bulk_patient_read, tool_access, ...; docs/dbaudit.md).
int run_dbaudit(const DbauditOptions& o);

}  // namespace wardsec

#include <atomic>
#include <functional>
#include <thread>

#include "core/event.h"
#include "core/result.h"

namespace wardsec {
struct Config;
namespace ingest {
class Pipeline;
}

// The pipeline's enrich hook from the configuration: the web-attack stage and the
// database-audit stage (either may be off). Error: the 防统方 policy does not load.
Result<std::function<void(Event&)>> make_enrichers(const Config& cfg);

// The center's database capture input (dbaudit.interface or dbaudit.pcap): statements and
// encrypted sessions as JSON events (input "dbaudit") into the pipeline, until `stop`.
// Returns a thread that is not joinable when the configuration names no capture.
std::thread start_dbaudit_capture(const Config& cfg, ingest::Pipeline& pipeline, const std::atomic<bool>& stop);

}  // namespace wardsec
