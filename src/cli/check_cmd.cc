// `wardsec check host` and `wardsec check center`: compliance evidence about a host and about the center itself.
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <unistd.h>

#include "core/datadir.h"
#include "cli/cli.h"
#include "cli/center_check.h"
#include "compliance/assessment.h"
#include "compliance/hostcheck.h"
#include "core/timeutil.h"

namespace wardsec::cli {

namespace {

int run_check_host(const std::string& root, const std::string& format, const std::string& record_system, const std::string& data_dir) {
  std::unique_ptr<compliance::Assessments> store;
  if (!record_system.empty()) {
    std::filesystem::create_directories(data_dir);
    auto as = compliance::Assessments::open(DataDir(data_dir).compliance_db());
    if (!as) {
      std::fprintf(stderr, "wardsec check host: %s\n", as.error().c_str());
      return 1;
    }
    store = std::move(as.value());
  }
  char hostname[256] = {0};
  gethostname(hostname, sizeof hostname - 1);
  int64_t now = now_ns();
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec)) {
    std::fprintf(stderr, "wardsec check host: --root %s is not a folder\n", root.c_str());
    return 2;
  }
  compliance::HostView host(root);
  int counts[3] = {0, 0, 0};
  for (const auto& c : compliance::host_checks()) {
    compliance::CheckResult r = c.run(host);
    counts[r.result]++;
    if (store)
      for (const auto& item : c.requirements) {
        Status st = store->add_evidence({record_system, item, "check", std::string(c.id) + "@" + (root == "/" ? hostname : root),
                                         compliance::check_to_json(c, r), now});
        if (!st) std::fprintf(stderr, "wardsec check host: evidence not recorded: %s\n", st.error().c_str());
      }
    if (format == "json") {
      std::printf("%s\n", compliance::check_to_json(c, r).c_str());
    } else {
      std::string reqs;
      for (const auto& q : c.requirements) reqs += (reqs.empty() ? "" : ",") + q;
      std::printf("%-4s %-30s %-18s %s\n", compliance::result_name(r.result), c.id, reqs.c_str(), r.reason.c_str());
      for (const auto& e : r.evidence)
        std::printf("       %s%s: %s\n", e.file.c_str(), e.line ? (":" + std::to_string(e.line)).c_str() : "", e.text.c_str());
    }
  }
  std::fprintf(stderr, "%d pass, %d fail, %d not applicable\n", counts[0], counts[1], counts[2]);
  return 0;
}

}  // namespace

void add_check_commands(Cli& cli) {
  struct Args {
    std::string root = "/", format = "table", record;
  };
  auto a = std::make_shared<Args>();
  auto* chk = cli.group("check", "collect compliance evidence");
  auto* host = cli.command(chk, "host", "check this Linux host (or the file tree at --root) against GB/T 22239-2019",
                           [a](Config& cfg) { return run_check_host(a->root, a->format, a->record, cfg.data_dir); });
  host->add_option("--root", a->root, "the host's root folder (default /)");
  host->add_option("--format", a->format, "table or json (one object per check)")->check(CLI::IsMember({"table", "json"}));
  host->add_option("--record", a->record, "record the results as evidence for this graded system (in --data)");
  auto* center =
      cli.command(chk, "center", "the management center's evidence about itself (roles, log sources, retention, clocks, alerts)",
                  [a](Config& cfg) { return run_check_center(cfg.data_dir, cfg.retention_days, a->format, a->record, cfg.store.key_dir); });
  center->add_option("--format", a->format, "table or json (one object per check)")->check(CLI::IsMember({"table", "json"}));
  center->add_option("--record", a->record, "record the results as evidence for this graded system (in --data)");
}

}  // namespace wardsec::cli
