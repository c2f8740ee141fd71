// `wardsec check center`: the evidence the management center produces about itself (issue #4):
// the three administrators in force with their second factor and an audit trail, logs
// centralised from the inventory's assets, retention, clock drift of the sources, alerts
// handled within 24 hours, and backups (from the backup software's logs: runs, failures, restore tests).
// Read from the data folder, so it runs with or without the server. Same output contract as
// `check host`: one object per check with check.id, result, requirements, evidence.
#include "core/datadir.h"
#include "cli/center_check.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "alert/alert_store.h"
#include "compliance/assessment.h"
#include "compliance/inventory.h"
#include "core/fields.h"
#include "core/timeutil.h"
#include "search/query.h"
#include "search/search.h"
#include "server/auth.h"
#include "server/http.h"
#include "store/crypto.h"
#include "store/store.h"

namespace wardsec {

namespace {

using compliance::CheckResult;
using compliance::Evidence;

struct View {
  std::string data_dir;
  int retention_days;
  int64_t now;
  std::string key_dir;  // the instance public key (instance.pub) that signs the audit trail
};

CheckResult fail(std::string why, std::vector<Evidence> ev) { return {CheckResult::kFail, std::move(why), std::move(ev)}; }
CheckResult pass(std::string why, std::vector<Evidence> ev) { return {CheckResult::kPass, std::move(why), std::move(ev)}; }

// Events of a time window, newest first, at most `limit`: the checks' one look at the store.
Status recent(const View& v, const std::string& q, int64_t from, size_t limit, const std::function<void(const Event&)>& f) {
  auto query = search::Query::parse(q, 8 * 3600);
  if (!query.ok()) return Error{"internal query does not parse: " + q};
  std::error_code ec;
  if (!std::filesystem::exists(DataDir(v.data_dir).segments(), ec)) return {};  // no store yet: no events
  search::SearchOptions so;
  so.from = from;
  so.limit = limit;
  so.newest_first = true;
  search::SearchStats st;
  Status s = search::run_search(
      v.data_dir, query.value(), so,
      [&](const Event& ev) {
        f(ev);
        return true;
      },
      st);
  if (s && st.damaged_total) return Error{std::to_string(st.damaged_total) + " stored block(s) could not be read (run wardsec verify)"};
  return s;
}

CheckResult unreadable(const View& v, const Status& s) {
  return fail("the event store could not be read: " + s.error(), {{v.data_dir, 0, s.error()}});
}

CheckResult three_roles(const View& v) {
  std::string path = DataDir(v.data_dir).accounts_db();
  std::vector<Evidence> ev;
  std::map<std::string, std::pair<int, int>> roles;  // role -> (enabled accounts, with MFA)
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return fail("no account store: the console has never run on this data folder", {{path, 0, "missing"}});
  // The accounts as the console's own account store reads them (server::Auth).
  auto auth = server::Auth::open(path, {}, v.key_dir);
  if (!auth) return fail("the account store cannot be read", {{path, 0, auth.error()}});
  auto accounts = (*auth)->accounts();
  if (!accounts) return fail("the account store cannot be read", {{path, 0, accounts.error()}});
  for (const auto& a : *accounts) {
    if (a.disabled) continue;
    auto& [n, mfa] = roles[server::role_name(a.role)];
    n++;
    mfa += a.mfa_enrolled;
  }
  bool ok = true;
  for (const char* r : {"sysadmin", "secadmin", "auditadmin"}) {
    auto [n, mfa] = roles[r];
    ev.push_back({path, 0, std::string(r) + ": " + std::to_string(n) + " enabled account(s), " + std::to_string(mfa) + " with TOTP"});
    if (n == 0 || mfa < n) ok = false;
  }
  uint64_t actions = 0, signed_ok = 0, unsigned_ = 0, altered = 0;
  std::set<std::string> actors;
  // Each record's signature by the instance key (routes.cc Api::audit): a record whose
  // signature fails was altered; one without a signature predates signing.
  auto key = KeyPair::load_public(v.key_dir + "/instance.pub");
  if (Status rs = recent(v, "event.dataset:wardsec.audit", v.now - 30 * 86400 * kSec, 100000,
                         [&](const Event& e) {
                           actions++;
                           actors.insert(std::string(e.get(kUserName)));
                           switch (server::audit_signature(key ? &*key : nullptr, e)) {
                             case server::AuditSignature::kNone: unsigned_++; break;
                             case server::AuditSignature::kValid: signed_ok++; break;
                             case server::AuditSignature::kInvalid: altered++; break;
                           }
                         });
      !rs)
    return unreadable(v, rs);
  ev.push_back({"event store", 0,
                std::to_string(actions) + " administrative actions audited in the last 30 days, by " + std::to_string(actors.size()) +
                    " account(s); " + std::to_string(signed_ok) + " signed by the instance key" +
                    (key ? " " + key->fingerprint() : std::string(" (no instance.pub in " + v.key_dir + ")")) + ", " +
                    std::to_string(unsigned_) + " unsigned (from before signing), " + std::to_string(altered) + " whose signature fails"});
  if (!ok) return fail("each of the three administrators needs an enabled account with TOTP enrolled", ev);
  if (actions == 0) return fail("no administrative action is in the audit trail", ev);
  if (altered) return fail("audit records whose signature by the instance key fails: altered, or the key was replaced", ev);
  return pass("system, security and audit administrators are separate accounts with TOTP; their actions are audited", ev);
}

CheckResult log_sources(const View& v) {
  auto inv = compliance::Inventory::open(DataDir(v.data_dir).compliance_db());
  std::vector<compliance::Asset> assets;
  if (inv)
    if (auto a = (*inv)->assets()) assets = *a;
  std::set<std::string> hosts;  // host names (devices that log an address as their name match by address)
  uint64_t n = 0;
  if (Status rs = recent(v, "NOT event.dataset:wardsec.audit AND NOT event.dataset:wardsec.alert", v.now - 86400 * kSec, 200000,
                         [&](const Event& e) {
                           n++;
                           hosts.insert(std::string(e.get(kHostName)));
                         });
      !rs)
    return unreadable(v, rs);
  std::vector<Evidence> ev = {
      {"event store", 0, std::to_string(n) + " events from " + std::to_string(hosts.size()) + " sources in the last 24 hours"}};
  if (assets.empty()) return fail("the inventory lists no assets to compare with (wardsec inventory import assets)", ev);
  std::vector<std::string> silent;
  for (const auto& a : assets)
    if (!hosts.count(a.name) && !hosts.count(a.ip)) silent.push_back(a.name);
  ev.push_back(
      {"inventory", 0, std::to_string(assets.size() - silent.size()) + " of " + std::to_string(assets.size()) + " assets sent logs"});
  for (size_t i = 0; i < silent.size() && i < 20; i++) ev.push_back({"inventory", 0, "no logs in 24 hours: " + silent[i]});
  if (!silent.empty()) return fail(std::to_string(silent.size()) + " asset(s) in the inventory sent no logs in the last 24 hours", ev);
  return pass("every asset in the inventory sends its logs to the center", ev);
}

CheckResult retention(const View& v) {
  std::vector<Evidence> ev = {{"config", 0, "store.retention_days = " + std::to_string(v.retention_days)}};
  int64_t oldest = 0;
  auto segs = store::list_segments(v.data_dir);
  if (!segs.empty()) {
    auto r = store::SegmentReader::open(segs.front());
    if (r)
      if (auto b = r->next()) oldest = b->header.ts_min;
  }
  if (oldest) {
    int64_t days = (v.now - oldest) / (86400 * kSec);
    ev.push_back(
        {"event store", 0, "oldest stored event " + format_rfc3339(oldest).substr(0, 10) + " (" + std::to_string(days) + " days)"});
  }
  if (v.retention_days < 180) return fail("logs are kept fewer than the 180 days the Cybersecurity Law requires", ev);
  return pass("logs are kept at least 180 days, deleted only as whole segments with signed receipts", ev);
}

// The clocks of the sources: how far each one's event times are from when the center received
// them (median over the last hour). More than a minute means the source's time sync is off.
CheckResult time_sync(const View& v) {
  std::map<std::string, std::vector<int64_t>> drift;
  if (Status rs = recent(v, "NOT event.dataset:wardsec.audit AND NOT event.dataset:wardsec.alert", v.now - 3600 * kSec, 100000,
                         [&](const Event& e) {
                           if (e.flags & kNoTimestamp) return;
                           auto h = std::string(e.get(kHostName));
                           if (!h.empty() && drift[h].size() < 1000) drift[h].push_back((e.received - e.ts) / kSec);
                         });
      !rs)
    return unreadable(v, rs);
  std::vector<Evidence> ev;
  int off = 0;
  for (auto& [h, d] : drift) {
    std::nth_element(d.begin(), d.begin() + static_cast<long>(d.size() / 2), d.end());
    int64_t med = d[d.size() / 2];
    if (std::llabs(med) > 60) {
      off++;
      ev.push_back({"event store", 0, h + ": clock off by about " + std::to_string(med) + " s (" + std::to_string(d.size()) + " events)"});
    }
  }
  ev.insert(ev.begin(), {"event store", 0, std::to_string(drift.size()) + " sources with timestamps in the last hour"});
  if (drift.empty()) return {CheckResult::kNa, "no timestamped events in the last hour to judge the sources' clocks by", ev};
  if (off) return fail(std::to_string(off) + " source(s) differ from the center's clock by more than a minute", ev);
  return pass("every source's clock is within a minute of the center's", ev);
}

CheckResult alerts_handled(const View& v) {
  std::error_code ec;
  if (!std::filesystem::exists(DataDir(v.data_dir).alerts_db(), ec))
    return {CheckResult::kNa, "detection has not run on this data folder yet: no alerts to judge by", {}};
  auto store = alert::AlertStore::open(DataDir(v.data_dir).alerts_db());
  if (!store) return fail("no alert store", {{DataDir(v.data_dir).alerts_db(), 0, store.error()}});
  alert::AlertQuery all;
  all.from = v.now - 30 * 86400 * kSec;
  auto total = (*store)->count(all);
  alert::AlertQuery late;
  late.state = "new";
  late.min_level = "high";
  late.to = v.now - 24 * 3600 * kSec;
  auto unhandled = (*store)->count(late);
  alert::AlertQuery closed = all;
  closed.state = "closed_tp";
  auto tp = (*store)->count(closed);
  closed.state = "closed_fp";
  auto fp = (*store)->count(closed);
  std::vector<Evidence> ev = {
      {"alerts", 0,
       std::to_string(total ? *total : 0) + " alerts in 30 days; closed as true positive " + std::to_string(tp ? *tp : 0) +
           ", as false positive " + std::to_string(fp ? *fp : 0)},
      {"alerts", 0, std::to_string(unhandled ? *unhandled : 0) + " high or critical alerts untouched for more than 24 hours"}};
  if (unhandled && *unhandled > 0) return fail("serious alerts wait more than 24 hours without being acknowledged", ev);
  return pass("security events are detected, alerted and handled within 24 hours", ev);
}

// Backups from the backup software's own logs in the store (last 90 days): Bacula/Bareos job
// reports, rsnapshot, restic, Oracle RMAN. Each job's latest run must have succeeded, the newest
// success must be at most 26 hours old, and a restore or verify job must have succeeded within
// the 90 days: a backup nobody has restored is not verified.
CheckResult backups(const View& v) {
  struct Job {
    int64_t last = 0;
    bool ok = false;
    std::string line;
  };
  std::map<std::string, Job> jobs;
  int64_t last_success = 0, last_test = 0, last_test_failed = 0;
  std::string test_line;
  size_t seen = 0;
  const int64_t from = v.now - 90 * 86400 * kSec;
  if (Status rs = recent(
          v, "process.name:bacula-dir OR process.name:bareos-dir OR process.name:rsnapshot OR process.name:restic OR process.name:rman",
          from, 200000,
          [&](const Event& e) {
            std::string m(e.get(kMessage));
            auto has = [&](const char* x) { return m.find(x) != std::string::npos; };
            // The job's name: "-- NAME", "Job: NAME.2026-...", or the program.
            std::string name(e.get(kProcessName));
            if (size_t d = m.find("-- "); d != std::string::npos)
              name = m.substr(d + 3, m.find(' ', d + 3) - d - 3);
            else if (size_t j = m.find("Job:"); j != std::string::npos) {
              size_t b = m.find_first_not_of(' ', j + 4);
              if (b != std::string::npos) name = m.substr(b, m.find_first_of(" .", b) - b);
            }
            int kind = 0;  // 1 backup ok, 2 backup failed, 3 test ok, 4 test failed
            if (has("Restore OK") || has("Verify OK") || has("Finished restore") || has("restored "))
              kind = 3;
            else if (has("Restore Error") || has("Verify Error") || has("Verify Differences") || has("Restore Canceled"))
              kind = 4;
            else if (has("Backup OK") || has("completed successfully") || (has("snapshot ") && has(" saved")) || has("Finished backup"))
              kind = 1;
            else if (has("Backup Error") || has("Backup Fatal Error") || has("Backup Canceled") || has("ERROR") || has("RMAN-") ||
                     has("Fatal"))
              kind = 2;
            if (!kind) return;
            seen++;
            std::string line = local_time(e.ts, 8 * 3600) + " " + std::string(e.get(kHostName)) + " " + m.substr(0, 160);
            if (kind == 3 || kind == 4) {
              if (kind == 3 && e.ts > last_test) last_test = e.ts, test_line = line;
              if (kind == 4) last_test_failed = std::max(last_test_failed, e.ts);
              return;
            }
            Job& j = jobs[name];
            if (e.ts >= j.last) j = {e.ts, kind == 1, line};
            if (kind == 1) last_success = std::max(last_success, e.ts);
          });
      !rs)
    return unreadable(v, rs);
  std::vector<Evidence> ev;
  if (!seen)
    return {CheckResult::kNa,
            "no backup job logs reach the center: forward the backup server's logs (Bacula/Bareos, rsnapshot, restic, RMAN) and this check "
            "judges them",
            {}};
  std::vector<std::string> failed;
  for (const auto& [name, j] : jobs) {
    ev.push_back({"event store", 0, name + ": " + (j.ok ? "last run succeeded: " : "last run FAILED: ") + j.line});
    if (!j.ok) failed.push_back(name);
  }
  if (last_test) ev.push_back({"event store", 0, "latest restore/verify: " + test_line});
  if (!failed.empty()) {
    std::string names;
    for (const auto& n : failed) names += (names.empty() ? "" : ", ") + n;
    return fail("the latest run of " + names + " failed", ev);
  }
  if (!last_success || v.now - last_success > 26 * 3600 * kSec) return fail("no backup has succeeded in the last 26 hours", ev);
  if (!last_test)
    return fail("backups run, but no restore or verify job succeeded in 90 days: a backup nobody has restored is not verified", ev);
  if (last_test_failed > last_test) return fail("the latest restore or verify job failed", ev);
  return pass("backups succeed, the newest within 26 hours, and a restore or verify job succeeded within 90 days", ev);
}

struct CenterCheck {
  const char* id;
  const char* title_zh;
  const char* title_en;
  std::vector<std::string> requirements;
  CheckResult (*run)(const View&);
};

const std::vector<CenterCheck>& center_checks() {
  static const std::vector<CenterCheck> c = {
      {"center.three_roles",
       "三员分立与管理员操作审计",
       "Three separate administrators, their actions audited",
       {"MC.SYS.a", "MC.AUD.a", "MC.SEC.a"},
       three_roles},
      {"center.log_sources", "日志集中收集（资产覆盖）", "Logs centralised from every asset", {"MC.CEN.d", "CE.AUD.a"}, log_sources},
      {"center.retention", "日志留存不少于 180 天", "Logs kept at least 180 days", {"MC.CEN.d", "CE.AUD.c"}, retention},
      {"center.time_sync", "日志源时钟同步", "Clocks of the log sources", {"CE.AUD.b"}, time_sync},
      {"center.alerts_handled", "安全事件告警及时处置", "Security alerts handled in time", {"MC.CEN.f"}, alerts_handled},
      {"center.backups", "备份核验", "Backups verified", {"CE.BAK.a"}, backups},
  };
  return c;
}

}  // namespace

int run_check_center(const std::string& data_dir, int retention_days, const std::string& format, const std::string& record_system,
                     const std::string& key_dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(data_dir, ec)) {
    std::fprintf(stderr, "wardsec check center: --data %s is not a folder\n", data_dir.c_str());
    return 2;
  }
  std::unique_ptr<compliance::Assessments> store;
  if (!record_system.empty()) {
    auto as = compliance::Assessments::open(DataDir(data_dir).compliance_db());
    if (!as) {
      std::fprintf(stderr, "wardsec check center: %s\n", as.error().c_str());
      return 1;
    }
    store = std::move(as.value());
  }
  View v{data_dir, retention_days, now_ns(), key_dir.empty() ? data_dir + ".keys" : key_dir};
  int counts[3] = {0, 0, 0};
  for (const auto& c : center_checks()) {
    CheckResult r = c.run(v);
    counts[r.result]++;
    compliance::HostCheck as_host{c.id, c.title_zh, c.title_en, c.requirements, nullptr};
    std::string json = compliance::check_to_json(as_host, r);
    if (store)
      for (const auto& item : c.requirements) {
        Status st = store->add_evidence({record_system, item, "check", std::string(c.id) + "@wardsec", json, v.now});
        if (!st) std::fprintf(stderr, "wardsec check center: evidence not recorded: %s\n", st.error().c_str());
      }
    if (format == "json") {
      std::printf("%s\n", json.c_str());
    } else {
      std::string reqs;
      for (const auto& q : c.requirements) reqs += (reqs.empty() ? "" : ",") + q;
      std::printf("%-4s %-24s %-28s %s\n", compliance::result_name(r.result), c.id, reqs.c_str(), r.reason.c_str());
      for (const auto& e : r.evidence) std::printf("       %s: %s\n", e.file.c_str(), e.text.c_str());
    }
  }
  std::fprintf(stderr, "%d pass, %d fail, %d not applicable\n", counts[0], counts[1], counts[2]);
  return 0;
}

}  // namespace wardsec
