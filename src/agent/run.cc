// The running agent: its threads and what each does (agent.h).
#include <fnmatch.h>
#include <sys/resource.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "agent/agent.h"
#include "agent/client.h"
#include "agent/fim.h"
#include "agent/inventory.h"
#include "agent/outbox.h"
#include "agent/respond.h"
#include "agent/spool.h"
#include "agent/journal.h"
#include "agent/tail.h"
#include "compliance/hostcheck.h"
#include "core/files.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "core/version.h"
#include "fleet/agent_config.h"
#include "fleet/json_get.h"
#include "store/crypto.h"

namespace wardsec::agent {
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

int tz_offset() {
  time_t t = time(nullptr);
  struct tm lt {};
  localtime_r(&t, &lt);
  return static_cast<int>(lt.tm_gmtoff);
}

std::vector<std::string> expand(const std::vector<std::string>& pats) {
  std::vector<std::string> out;
  for (const auto& p : pats) {
    if (p.find_first_of("*?[") == std::string::npos) {
      out.push_back(p);
      continue;
    }
    std::error_code ec;
    fs::path dir = fs::path(p).parent_path();
    std::string pat = fs::path(p).filename().string();
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (fnmatch(pat.c_str(), e.path().filename().c_str(), 0) == 0) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string hexd(const Digest32& d) { return hex(d.data(), d.size()); }

struct Shared {
  std::string dir;
  std::string id, center, cert, key, ca;
  std::unique_ptr<KeyPair> center_key;
  fleet::AgentConfig cfg;
  int64_t cfg_version = 0;
  std::string cfg_group;
  std::unique_ptr<Spool> spool;
  std::unique_ptr<Outbox> outbox;
  std::mutex spool_mu;
  std::atomic<int64_t> lines_read{0}, lines_sent{0}, send_failures{0}, lag{0}, files{0}, journal_entries{0}, oldest_unsent{0};
  std::atomic<bool> spool_full{false}, restart{false};
  std::mutex err_mu;
  std::string last_error;
  Fim* fim = nullptr;
  void error(const std::string& e) {
    std::lock_guard g(err_mu);
    last_error = e;
  }
};

// A configuration the center signed ({group, version, config, sig}): read, when the signature
// verifies with the center's key and the configuration itself reads.
struct SignedConfig {
  std::string group;
  int64_t version = 0;
  fleet::AgentConfig cfg;
};
std::optional<SignedConfig> verify_config(const json& c, const KeyPair& key) {
  std::string group = fleet::json_text(c, "group", 64), text = fleet::json_text(c, "config"), sig;
  if (text.empty() || !c.contains("version") || !c["version"].is_number_integer() || !unhex(fleet::json_text(c, "sig", 1024), sig))
    return std::nullopt;
  int64_t version = fleet::json_int(c, "version");
  if (!key.verify(fleet::config_message(group, version, text), sig)) return std::nullopt;
  auto cfg = fleet::parse_agent_config(text);
  if (!cfg) return std::nullopt;
  return SignedConfig{group, version, *cfg};
}

// The configuration this agent runs: the last one the center signed, else the defaults.
void load_config(Shared& s) {
  auto text = read_file(s.dir + "/config.json");
  if (!text) return;
  auto c = verify_config(json::parse(*text, nullptr, false), *s.center_key);
  if (!c) {
    spdlog::error("agent: {}/config.json: the center's signature does not verify; the defaults apply", s.dir);
    return;
  }
  s.cfg = c->cfg;
  s.cfg_version = c->version;
  s.cfg_group = c->group;
}

void reader(Shared& s, const std::atomic<bool>& stop) {
  Tailer t(s.cfg.logs, s.dir + "/positions.json");
  t.load();
  (void)t.poll(0);                                                    // the files there now (from their end at the very first start) ...
  if (Status c = t.commit(); !c) s.error("positions: " + c.error());  // ... and that start remembered
  std::unique_ptr<Journal> jr;
  int journal_tries = 0;
  if (s.cfg.journald) {
    jr = std::make_unique<Journal>(s.dir + "/journal.cursor");
    if (Status o = jr->open(); !o) s.error(o.error());
    if (Status c = jr->commit(); !c) s.error("journal.cursor: " + c.error());
  }
  // Lines read but not yet in the spool: kept and appended again after a failed append (a full
  // disk), since the readers have already moved past them.
  std::vector<std::string> pending;
  size_t done = 0;  // how many of them are in the spool
  while (!stop) {
    if (pending.empty()) {
      if (!s.spool->has_room(8 << 20)) {
        s.spool_full = true;  // the files wait; nothing is dropped
        sleep_unless(stop, 500);
        continue;
      }
      s.spool_full = false;
      auto lines = t.poll(4 << 20);
      if (jr && !jr->is_open() && ++journal_tries % 240 == 0) {  // about once a minute when idle
        if (Status o = jr->open(); !o) s.error(o.error());
      }
      if (jr) {
        for (auto& l : jr->poll(4 << 20)) lines.push_back(std::move(l));
        s.journal_entries = static_cast<int64_t>(jr->entries);
      }
      s.files = static_cast<int64_t>(t.files());
      s.lag = t.lag_bytes();
      if (lines.empty()) {
        sleep_unless(stop, 250);
        continue;
      }
      pending.reserve(lines.size());
      int64_t now = now_ns();
      for (const auto& l : lines)
        pending.push_back(json{{"f", l.file}, {"t", now}, {"m", l.text}}.dump(-1, ' ', false, json::error_handler_t::replace));
    }
    // Appended in pieces of at most 256 KiB, so a nearly full disk still takes what fits and a
    // batch larger than the room left never blocks for good.
    Status a;
    while (done < pending.size()) {
      size_t end = done, bytes = 0;
      while (end < pending.size() && (end == done || bytes + pending[end].size() < (256u << 10))) bytes += pending[end++].size() + 1;
      {
        std::lock_guard g(s.spool_mu);
        a = s.spool->append(std::span<const std::string>(pending).subspan(done, end - done));
      }
      if (!a) break;  // kept for the next try
      s.lines_read += static_cast<int64_t>(end - done);
      done = end;
    }
    if (!a) {
      s.error("spool: " + a.error());
      s.spool_full = true;  // the readers wait until it takes the rest
      sleep_unless(stop, 1000);
      continue;  // the positions stay where they were; the rest is appended on the next try
    }
    pending.clear();
    done = 0;
    if (Status c = t.commit(); !c) s.error("positions: " + c.error());
    if (jr)
      if (Status c = jr->commit(); !c) s.error("journal.cursor: " + c.error());
  }
}

void sender(Shared& s, const std::atomic<bool>& stop) {
  Client c(s.center, s.ca, s.cert, s.key);
  int backoff = 500;
  while (!stop) {
    std::pair<int64_t, std::vector<std::string>> batch;
    {
      std::lock_guard g(s.spool_mu);
      batch = s.spool->peek(5000, 2 << 20);
    }
    if (batch.second.empty()) {
      s.oldest_unsent = 0;
      sleep_unless(stop, 200);
      continue;
    }
    // The lag: how long the oldest line not yet acknowledged has waited.
    s.oldest_unsent = fleet::json_int(json::parse(batch.second[0], nullptr, false), "t");
    std::string body = "{\"seq\":" + std::to_string(batch.first) + ",\"tz\":" + std::to_string(tz_offset()) + ",\"lines\":[";
    for (size_t i = 0; i < batch.second.size(); i++) body += (i ? "," : "") + batch.second[i];
    body += "]}";
    auto r = c.post("/agent/v1/logs", body, 60000);
    json a = r && r->status == 200 ? json::parse(r->body, nullptr, false) : json();
    // Only what this batch held can be acknowledged: an answer claiming more (a confused
    // center) never drops records that were not sent.
    int64_t last = batch.first + static_cast<int64_t>(batch.second.size()) - 1;
    if (a.is_object() && a.contains("acked") && a["acked"].is_number_integer() && a["acked"].get<int64_t>() >= batch.first - 1 &&
        a["acked"].get<int64_t>() <= last) {
      std::lock_guard g(s.spool_mu);
      if (Status st = s.spool->ack(a["acked"].get<int64_t>()); !st) s.error("spool: " + st.error());
      s.lines_sent += static_cast<int64_t>(batch.second.size());
      backoff = 500;
      continue;
    }
    s.send_failures++;
    s.error("logs: " + (r ? std::to_string(r->status) + " " + r->body.substr(0, 200) : r.error()));
    sleep_unless(stop, backoff);
    backoff = std::min(backoff * 2, 30000);
  }
}

void reporter(Shared& s, const std::atomic<bool>& stop) {
  Client c(s.center, s.ca, s.cert, s.key);
  int backoff = 500;
  while (!stop) {
    auto next = s.outbox->oldest();
    if (!next) {
      sleep_unless(stop, 200);
      continue;
    }
    auto r = c.post("/agent/v1/report", next->second, 60000);
    if (r && r->status == 200) {
      s.outbox->done(next->first);
      backoff = 500;
      continue;
    }
    if (r && r->status == 400) {  // the center cannot read it: kept aside, not sent forever
      s.error("report refused: " + r->body.substr(0, 200));
      std::error_code ec;
      fs::rename(next->first, next->first + ".refused", ec);
      s.outbox->done(next->first);
      continue;
    }
    s.error("report: " + (r ? std::to_string(r->status) : r.error()));
    sleep_unless(stop, backoff);
    backoff = std::min(backoff * 2, 30000);
  }
}

void send_report(Shared& s, const char* kind, const char* member, json value) {
  json body = {{"kind", kind}, {member, std::move(value)}};
  if (Status st = s.outbox->put(body.dump(-1, ' ', false, json::error_handler_t::replace)); !st) s.error(st.error());
}

json trusted_digests(const fleet::AgentConfig& cfg) {
  json files = json::array();
  for (const auto& p : expand(cfg.trusted_paths)) {
    auto data = read_file(p);
    std::error_code ec;
    if (!data) {
      if (fs::exists(p, ec)) files.push_back({{"path", p}, {"missing", true}});
      continue;
    }
    files.push_back({{"path", p}, {"sm3", hexd(digest(DigestAlg::kSm3, *data))}, {"sha256", hexd(digest(DigestAlg::kSha256, *data))}});
  }
  return files;
}

json run_checks(const std::string& root) {
  json out = json::array();
  compliance::HostView host(root);
  for (const auto& c : compliance::host_checks()) out.push_back(json::parse(compliance::check_to_json(c, c.run(host))));
  return out;
}

void fim_loop(Shared& s, const std::atomic<bool>& stop) {
  Fim fim(s.cfg, s.dir);
  if (Status o = fim.open(); !o) {
    s.error("fim: " + o.error());
    return;
  }
  s.fim = &fim;
  auto flush = [&](std::vector<json>& evs) {
    for (size_t i = 0; i < evs.size(); i += 500) {
      json part = json::array();
      for (size_t k = i; k < evs.size() && k < i + 500; k++) part.push_back(std::move(evs[k]));
      send_report(s, "fim", "events", part);
    }
    evs.clear();
  };
  fim.watch();  // before the scan: a change during it is not missed
  auto evs = fim.scan(stop);
  flush(evs);
  int64_t next_scan = now_ns() + static_cast<int64_t>(s.cfg.fim_scan_minutes) * 60000000000LL;
  while (!stop) {
    auto e = fim.poll(200);
    if (!e.empty()) flush(e);
    if (fim.rescan_due() || now_ns() >= next_scan) {
      auto sc = fim.scan(stop);
      flush(sc);
      next_scan = now_ns() + static_cast<int64_t>(s.cfg.fim_scan_minutes) * 60000000000LL;
    }
  }
  s.fim = nullptr;
}

json status_json(Shared& s, int64_t started) {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  long rss_pages = 0;
  if (auto statm = read_file("/proc/self/statm")) std::sscanf(statm->c_str(), "%*s %ld", &rss_pages);
  json st = {{"version", kVersion},
             {"config_version", s.cfg_version},
             {"spool_bytes", s.spool->bytes()},
             {"spool_records", s.spool->records()},
             {"spool_full", s.spool_full ? 1 : 0},
             {"lag_seconds", s.oldest_unsent.load() > 0 ? std::max<int64_t>(0, (now_ns() - s.oldest_unsent.load()) / 1000000000) : 0},
             {"journal", s.cfg.journald},
             {"journal_entries", s.journal_entries.load()},
             {"files", s.files.load()},
             {"lines_read", s.lines_read.load()},
             {"lines_sent", s.lines_sent.load()},
             {"send_failures", s.send_failures.load()},
             {"rss_kib", rss_pages * (sysconf(_SC_PAGESIZE) / 1024)},
             {"cpu_ms", (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000},
             {"uptime_seconds", (now_ns() - started) / 1000000000}};
  st["lag_bytes"] = s.lag.load();
  if (Fim* f = s.fim) {
    const auto& fs_ = f->stats();
    st["fim_files"] = fs_.files.load();
    st["fim_watches"] = fs_.watches.load();
    st["fim_unwatched"] = fs_.unwatched.load();
    st["fim_skipped"] = fs_.skipped.load();
    st["fim_not_itemised"] = fs_.not_itemised.load();
    st["fim_scans"] = fs_.scans.load();
    st["fim_events"] = fs_.events.load();
    st["fim_coalesced"] = fs_.coalesced.load();
    st["fim_dropped"] = fs_.dropped.load() + static_cast<int64_t>(s.outbox->dropped.load());
    st["whodata"] = f->whodata_state();
  }
  std::lock_guard g(s.err_mu);
  st["last_error"] = s.last_error;
  return st;
}

}  // namespace

int run(const std::string& state_dir, const std::atomic<bool>& stop) {
  Shared s;
  s.dir = state_dir;
  {
    auto id = read_file(state_dir + "/identity.json");
    auto cert = read_file(state_dir + "/agent.crt"), key = read_file(state_dir + "/agent.key"), ca = read_file(state_dir + "/ca.crt");
    auto ck = read_file(state_dir + "/center.pub");
    json j = id ? json::parse(*id, nullptr, false) : json();
    if (!j.is_object() || !cert || !key || !ca || !ck || !j.contains("id") || !j["id"].is_string() || !j.contains("center") ||
        !j["center"].is_string()) {
      std::fprintf(stderr, "wardsec agent: %s: 未注册，请先运行 wardsec agent enroll / not enrolled: run wardsec agent enroll first\n",
                   state_dir.c_str());
      return 2;
    }
    s.id = j["id"];
    s.center = j["center"];
    s.cert = *cert;
    s.key = *key;
    s.ca = *ca;
    auto kp = KeyPair::from_public_pem(*ck);
    if (!kp) {
      std::fprintf(stderr, "wardsec agent: %s/center.pub: %s\n", state_dir.c_str(), kp.error().c_str());
      return 2;
    }
    s.center_key = std::make_unique<KeyPair>(std::move(*kp));
  }
  load_config(s);
  auto sp = Spool::open(state_dir + "/spool", s.cfg.spool_mib << 20);
  if (!sp) {
    std::fprintf(stderr, "wardsec agent: %s\n", sp.error().c_str());
    return 2;
  }
  s.spool = std::move(*sp);
  s.outbox = std::make_unique<Outbox>(state_dir + "/outbox", 256LL << 20, 20000);
  spdlog::info("agent {}: center {}, configuration version {}", s.id, s.center, s.cfg_version);
  std::atomic<bool> inner{false};
  auto stopping = [&] { return stop.load() || inner.load(); };
  std::vector<std::thread> ts;
  ts.emplace_back([&] { reader(s, inner); });
  ts.emplace_back([&] { sender(s, inner); });
  ts.emplace_back([&] { reporter(s, inner); });
  ts.emplace_back([&] { fim_loop(s, inner); });
  Client c(s.center, s.ca, s.cert, s.key);
  int64_t started = now_ns(), next_trusted = 0, next_inv = 0, next_checks = 0;
  json results = json::array();  // responses run, until the center has heard of them
  std::set<int64_t> ran;
  const std::string os_name = fleet::json_text(
      parse_os_release(read_file(s.cfg.host_root == "/" ? "/etc/os-release" : s.cfg.host_root + "/etc/os-release").value_or("")), "name");
  const std::string kernel = kernel_release();
  auto wait = [&](int ms) {
    for (int i = 0; i < ms / 50 && !stopping(); i++) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  };
  while (!stopping()) {
    int64_t now = now_ns();
    if (now >= next_trusted) {
      send_report(s, "trusted", "files", trusted_digests(s.cfg));
      next_trusted = now + static_cast<int64_t>(s.cfg.trusted_minutes) * 60000000000LL;
    }
    if (now >= next_inv) {
      send_report(s, "inventory", "snapshot", collect_inventory(s.cfg.host_root));
      next_inv = now + static_cast<int64_t>(s.cfg.inventory_minutes) * 60000000000LL;
    }
    if (now >= next_checks) {
      send_report(s, "checks", "results", run_checks(s.cfg.host_root));
      next_checks = now + static_cast<int64_t>(s.cfg.checks_minutes) * 60000000000LL;
    }
    json hb = status_json(s, started);
    hb["config_group"] = s.cfg_group;
    hb["os"] = os_name;
    hb["kernel"] = kernel;
    hb["responses"] = results;
    if (Status w = write_file_atomic(state_dir + "/status.json", hb.dump()); !w) spdlog::warn("agent: {}", w.error());
    auto r = c.post("/agent/v1/heartbeat", hb.dump(-1, ' ', false, json::error_handler_t::replace), 30000);
    json a = r && r->status == 200 ? json::parse(r->body, nullptr, false) : json();
    if (!a.is_object()) {
      if (r && r->status == 403)
        s.error("the center refused this agent (revoked?): " + r->body.substr(0, 200));
      else
        s.error("heartbeat: " + (r ? std::to_string(r->status) : r.error()));
      wait(s.cfg.heartbeat_seconds * 1000);
      continue;
    }
    results = json::array();
    // A newer configuration, signed by the center: kept, then the agent starts again with it.
    // An older version of the same group's configuration (a replay) is refused; another group's
    // (the agent was moved) is taken whatever its number.
    if (a.contains("config")) {
      auto c = verify_config(a["config"], *s.center_key);
      if (!c) {
        s.error("a configuration whose signature does not verify was refused");
      } else if (c->group == s.cfg_group && c->version < s.cfg_version) {
        s.error("an older configuration (version " + std::to_string(c->version) + ") was refused");
      } else if ((c->group != s.cfg_group || c->version != s.cfg_version) &&
                 write_file_atomic(state_dir + "/config.json", a["config"].dump()).ok()) {
        spdlog::info("agent: configuration {} version {} received; starting again with it", c->group, c->version);
        s.restart = true;
        break;
      }
    }
    // Responses: each runs once (its id remembered), its outcome told at the next heartbeat.
    if (a.contains("responses") && a["responses"].is_array())
      for (const auto& x : a["responses"]) {
        int64_t id = fleet::json_int(x, "id");
        std::string action = fleet::json_text(x, "action", 64);
        if (id <= 0 || ran.count(id) || action.empty()) continue;
        ran.insert(id);
        bool revert = fleet::json_int(x, "revert_of") != 0;
        auto o = run_response(action, x.contains("args") && x["args"].is_object() ? x["args"] : json::object(), revert);
        spdlog::warn("agent: response #{} {} {}: {}", id, action, o.ok ? "done" : "failed", o.result);
        results.push_back({{"id", id}, {"state", o.ok ? (revert ? "reverted" : "done") : "failed"}, {"result", o.result}});
      }
    if (!results.empty()) continue;  // tell the center at once
    wait(s.cfg.heartbeat_seconds * 1000);
  }
  inner = true;
  for (auto& t : ts) t.join();
  if (s.restart && !stop) {
    std::string self = fs::read_symlink("/proc/self/exe").string();
    execl(self.c_str(), self.c_str(), "agent", "run", "--state", state_dir.c_str(), static_cast<char*>(nullptr));
    std::fprintf(stderr, "wardsec agent: cannot start again: %s\n", std::strerror(errno));
    return 1;
  }
  return 0;
}

}  // namespace wardsec::agent
