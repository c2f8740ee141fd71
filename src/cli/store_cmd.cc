// `wardsec verify` (the digest chain and signed checkpoints) and `wardsec retention` (expired
// segments deleted, with signed receipts).
#include <cstdio>

#include "cli/cli.h"
#include "cli/recordings_verify.h"
#include "incident/evidence.h"
#include "core/timeutil.h"
#include "store/store.h"
#include "store/verify.h"

namespace wardsec::cli {

namespace {

int run_retention(const Config& cfg, int days, const std::string& now_s) {
  int64_t now = now_ns();
  if (!now_s.empty() && !parse_user_time(now_s, cfg.tz_sec, now)) {
    std::fprintf(stderr, "wardsec retention: --now '%s' is not a time\n", now_s.c_str());
    return 2;
  }
  auto w = store::StoreWriter::open(cfg.store);
  if (!w) {
    std::fprintf(stderr, "wardsec retention: %s\n", w.error().c_str());
    return 1;
  }
  // The open segment is closed first so that it, too, can expire.
  Status s = (*w)->rotate();
  auto r = (*w)->apply_retention(static_cast<int64_t>(days) * 86400LL * 1000000000LL, now);
  if (!s || !r) {
    std::fprintf(stderr, "wardsec retention: %s\n", !s ? s.error().c_str() : r.error().c_str());
    return 1;
  }
  std::printf("removed %d segment(s) stored more than %d days ago; receipts are in %s/checkpoints.log\n", *r, days, cfg.data_dir.c_str());
  return 0;
}

}  // namespace

void add_store_commands(Cli& cli) {
  struct VerifyArgs {
    std::string witness, pubkey, key_dir, evidence, exported, clickhouse, site;
    int settle = 120;
  };
  auto v = std::make_shared<VerifyArgs>();
  auto* ver =
      cli.command(nullptr, "verify", "check the store's digest chain, signed checkpoints and the bastion's recordings", [v](Config& cfg) {
        if (!v->evidence.empty() || !v->exported.empty()) {  // an evidence bundle or a daily export, offline: nothing else is read
          auto c = incident::verify_bundle(v->evidence.empty() ? v->exported : v->evidence, v->pubkey);
          if (v->evidence.empty()) c.what = "log export";
          std::string s = c.summary();
          std::fwrite(s.data(), 1, s.size(), c.ok ? stdout : stderr);
          return c.ok ? 0 : 1;
        }
        if (!v->clickhouse.empty())
          return verify_cluster(cfg, v->clickhouse, v->site, v->pubkey, v->settle);  // a site's copy in the region
        store::VerifyOptions vo;
        vo.data_dir = cfg.data_dir;
        vo.witness_path = v->witness;
        vo.pubkey_path = v->pubkey;
        vo.key_dir = v->key_dir.empty() ? cfg.store.key_dir : v->key_dir;
        auto rep = store::verify_store(vo);
        std::string s = rep.summary();
        std::fwrite(s.data(), 1, s.size(), rep.intact ? stdout : stderr);
        // The bastion's recordings, against the digests in the signed session_end events.
        auto rec = verify_recordings(cfg.data_dir, rep.pubkey_path, cfg.tz_sec);
        std::string r = rec.summary();
        std::fwrite(r.data(), 1, r.size(), rec.problems.empty() ? stdout : stderr);
        return rep.intact && rec.problems.empty() ? 0 : 1;
      });
  ver->add_option("--witness", v->witness, "a witness file (copied checkpoint lines) to compare against");
  ver->add_option("--pubkey", v->pubkey, "instance public key (PEM) kept outside the server");
  ver->add_option("--key-dir", v->key_dir, "key directory (default <data>.keys)");
  ver->add_option(
      "--evidence", v->evidence,
      "check an incident's evidence bundle folder instead (offline; with --pubkey, against that key rather than the bundle's own)");
  ver->add_option(
      "--clickhouse", v->clickhouse,
      "check a site's batches in the region's ClickHouse instead (its HTTP address; with --site and --pubkey, docs/cluster.md)");
  ver->add_option("--site", v->site, "the site whose batches --clickhouse checks");
  ver->add_option("--settle", v->settle,
                  "with --clickhouse: hold the chain against the site's newest signed head that has been in ClickHouse this many "
                  "seconds (default 120; newer heads' batches may still be on their way)");
  ver->add_option("--export", v->exported, "check a daily log export's folder instead (<exports>/YYYY-MM-DD; offline, as --evidence)");

  struct RetentionArgs {
    int days = 180;
    std::string now;
  };
  auto r = std::make_shared<RetentionArgs>();
  auto* ret = cli.command(nullptr, "retention", "delete segments older than the retention period, with signed receipts",
                          [r](Config& cfg) { return run_retention(cfg, r->days, r->now); });
  ret->add_option("--days", r->days, "keep this many days (default 180)");
  ret->add_option("--now", r->now, "pretend the time is this (for drills and tests)");
}

}  // namespace wardsec::cli
