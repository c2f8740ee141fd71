// `wardsec import`: the lines of log files (plain or gzip) stored as events, through the same
// decoder and enrichment stages as the live center (center::Center).
#include <cstdio>

#include "center/center.h"
#include "cli/cli.h"
#include "ingest/import.h"
#include "ingest/pipeline.h"

namespace wardsec::cli {

namespace {

int run_import(const Config& cfg, const std::vector<std::string>& files) {
  auto c = center::Center::open(cfg, {});
  if (!c) {
    std::fprintf(stderr, "wardsec import: %s\n", c.error().c_str());
    return c.error().rfind("dbaudit.policy", 0) == 0 ? 2 : 1;
  }
  ingest::Pipeline& pipeline = (*c)->pipeline();
  if (Status s = (*c)->start(); !s) {
    std::fprintf(stderr, "wardsec import: %s\n", s.error().c_str());
    return 1;
  }
  int rc = 0;
  for (const auto& f : files) {
    auto r = ingest::import_file(pipeline, f);
    if (!r) {
      std::fprintf(stderr, "wardsec import: %s\n", r.error().c_str());
      rc = 1;
      continue;
    }
    std::fprintf(stderr, "imported %llu lines (%llu bytes) from %s\n", static_cast<unsigned long long>(r->lines),
                 static_cast<unsigned long long>(r->bytes), f.c_str());
  }
  (*c)->stop();
  const auto& m = pipeline.metrics();
  if (m.store_errors) {
    std::fprintf(stderr, "wardsec import: %llu events could not be stored\n", static_cast<unsigned long long>(m.store_errors.load()));
    rc = 1;
  }
  std::fprintf(stderr, "stored %llu events (%llu without a known format, kept raw)\n", static_cast<unsigned long long>(m.stored.load()),
               static_cast<unsigned long long>(m.parse_errors.load()));
  return rc;
}

}  // namespace

void add_import_command(Cli& cli) {
  auto files = std::make_shared<std::vector<std::string>>();
  auto* imp = cli.command(nullptr, "import", "store the lines of log files (plain or gzip) as events",
                          [files](Config& cfg) { return run_import(cfg, *files); });
  imp->add_option("files", *files, "log files")->required();
}

}  // namespace wardsec::cli
