// `wardsec ops export`: the daily log export of one day, by hand (docs/operations.md) — what the
// center does itself every day after ops.export.at; for a day it missed, or another folder.
#include <cstdio>

#include "cli/cli.h"
#include "core/timeutil.h"
#include "ops/daily_export.h"
#include "store/crypto.h"

namespace wardsec::cli {

void add_ops_commands(Cli& cli) {
  struct Args {
    std::string day, dir;
  };
  auto a = std::make_shared<Args>();
  auto* grp = cli.group("ops", "operations duties (运行监控): the daily log export");
  auto* ex = cli.command(grp, "export", "export one day's logs of the key devices, sealed with a signed manifest (default: yesterday)",
                         [a](Config& cfg) {
                           auto key = KeyPair::load_or_create(cfg.store.key_dir, cfg.store.sign);
                           if (!key) {
                             std::fprintf(stderr, "wardsec ops export: %s\n", key.error().c_str());
                             return 1;
                           }
                           ops::ExportOptions o = cfg.ops_export;
                           if (!a->dir.empty()) o.dir = a->dir;
                           int64_t now = now_ns();
                           std::string day = a->day.empty() ? ops::previous_day(now, cfg.tz_sec) : a->day;
                           auto r = ops::export_day(cfg.data_dir, o, day, cfg.tz_sec, *key, now);
                           if (!r) {
                             std::fprintf(stderr, "wardsec ops export: %s\n", r.error().c_str());
                             return 1;
                           }
                           if (r->already)
                             std::printf("%s was exported already: %s\n", day.c_str(), r->dir.c_str());
                           else
                             std::printf("exported %s: %zu devices, %llu lines, %llu bytes in %s (manifest SHA-256 %s)\n", day.c_str(),
                                         r->devices, static_cast<unsigned long long>(r->lines), static_cast<unsigned long long>(r->bytes),
                                         r->dir.c_str(), r->manifest_sha256.c_str());
                           return 0;
                         });
  ex->add_option("--day", a->day, "the local day YYYY-MM-DD (default: yesterday)");
  ex->add_option("--dir", a->dir, "the export folder (default: ops.export.dir, else <data>/exports)");
}

}  // namespace wardsec::cli
