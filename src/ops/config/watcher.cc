#include "ops/config/watcher.h"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "bastion/model.h"
#include "core/datadir.h"
#include "core/strutil.h"
#include "store/crypto.h"
#include "core/timeutil.h"
#include "mgmt/checks.h"
#include "ops/config/fetch.h"
#include "ops/config/text.h"
#include "ops/ops_alert.h"

namespace wardsec::ops::config {

namespace {

using nlohmann::json;

// 等保 OM.CFG.b / OM.CHG.b: configuration changes go through change management and their
// execution is recorded; MC.CEN.c: central monitoring of network and security devices.
const std::vector<std::string> kMlps = {"l3-smc1-09"};
const char* const kBasis =
    "（等保 OM.CFG.b、OM.CHG.b：配置变更须经变更管理并记录执行过程 / configuration changes go through change management and are "
    "recorded）";
constexpr AlertText kUnplanned{"wardsec.ops.config_unplanned", "网络设备配置变更未在变更单或变更窗口内",
                               "Device configuration changed outside a ticket or window", "medium"};
constexpr AlertText kUnlogged{"wardsec.ops.config_unplanned", "网络设备配置变更未在变更单或变更窗口内",
                              "Device configuration changed outside a ticket or window", "high"};
constexpr AlertText kFetchFailed{"wardsec.ops.config_fetch_failed", "网络设备配置获取失败", "Device configuration cannot be fetched",
                                 "low"};
constexpr size_t kMaxQueued = 10000;

void add_unique(std::vector<std::string>& v, const std::string& s, size_t max) {
  if (!s.empty() && v.size() < max && std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

// The first changed lines of a diff, for an alert's summary.
std::string diff_excerpt(const std::string& diff, size_t max_lines) {
  std::string out;
  size_t n = 0, pos = 0;
  while (pos < diff.size() && n < max_lines) {
    size_t nl = diff.find('\n', pos);
    if (nl == std::string::npos) nl = diff.size();
    std::string_view l(diff.data() + pos, nl - pos);
    if ((l.starts_with("+") || l.starts_with("-")) && !l.starts_with("+++") && !l.starts_with("---")) {
      out += (out.empty() ? "" : "；") + std::string(l.substr(0, 120));
      n++;
    }
    pos = nl + 1;
  }
  return out;
}

}  // namespace

Result<std::shared_ptr<Watcher>> Watcher::open(WatcherOptions o) {
  std::shared_ptr<Watcher> w(new Watcher());
  std::error_code ec;
  std::filesystem::create_directories(DataDir(o.data_dir).ops(), ec);
  auto st = Store::open(DataDir(o.data_dir).ops() + "/configs.db");
  if (!st) return Error{st.error()};
  w->store_ = std::move(*st);
  // The salt of the secrets' digests: made once, kept with the record (readable by the service only).
  w->salt_ = w->store_->meta("salt");
  if (w->salt_.empty()) {
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1) return Error{"RAND_bytes failed"};
    w->salt_ = sha256_hex(std::string_view(reinterpret_cast<char*>(b), sizeof b)).substr(0, 32);
    if (Status s = w->store_->set_meta("salt", w->salt_); !s) return Error{s.error()};
  }
  if (o.known_hosts.empty()) o.known_hosts = o.key_dir + "/bastion_known_hosts";
  w->opt_ = std::move(o);
  return w;
}

Watcher::~Watcher() { stop(); }

void Watcher::start() {
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { run(); });
}

void Watcher::stop() {
  {
    std::lock_guard l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Watcher::run() {
  while (!stop_) {
    tick(now_ns());
    std::unique_lock l(mu_);
    cv_.wait_for(l, std::chrono::seconds(1), [this] { return stop_.load() || !asked_.empty(); });
  }
}

Watcher::Stats Watcher::stats() const {
  std::lock_guard l(mu_);
  return stats_;
}

int Watcher::debounce_seconds() {
  std::string v = store_->meta("debounce");
  int s = v.empty() ? 60 : std::atoi(v.c_str());
  return std::clamp(s, 0, 3600);
}

void Watcher::reindex() {
  auto devs = store_->devices();
  if (!devs) return;
  auto m = std::make_shared<std::map<std::string, std::string>>();
  for (const auto& d : *devs) {
    if (!d.enabled) continue;
    m->emplace(to_lower(d.asset), d.id);
    if (!d.host.empty()) m->emplace(to_lower(d.host), d.id);
  }
  std::lock_guard l(mu_);
  index_ = std::move(m);
}

void Watcher::observe(std::span<const Event> batch) {
  std::shared_ptr<const std::map<std::string, std::string>> idx;
  {
    std::lock_guard l(mu_);
    idx = index_;
  }
  if (!idx || idx->empty()) return;
  for (const Event& ev : batch) {
    auto t = config_trigger(ev);
    if (!t) continue;
    auto it = idx->find(to_lower(t->host));
    if (it == idx->end()) it = idx->find(to_lower(t->address));
    if (it == idx->end()) continue;
    std::lock_guard l(mu_);
    stats_.lines++;
    if (queued_.size() >= kMaxQueued) {
      stats_.dropped++;  // counted; the device is still fetched on its schedule
      continue;
    }
    queued_.emplace_back(it->second, std::move(*t));
  }
}

void Watcher::request(const std::string& device, const std::string& by) {
  {
    std::lock_guard l(mu_);
    asked_[device] = by;
  }
  cv_.notify_all();
}

bastion::Db* Watcher::vault() {
  std::lock_guard l(vault_mu_);
  if (!vault_) {
    auto db = bastion::Db::open(DataDir(opt_.data_dir).bastion_db(), opt_.key_dir);
    if (!db) {
      spdlog::error("configs: cannot open the bastion's vault: {}", db.error());
      return nullptr;
    }
    vault_ = std::move(*db);
  }
  return vault_.get();
}

Status Watcher::check_account(int64_t id) {
  bastion::Db* db = vault();
  if (!db) return Error{"无法打开堡垒机凭据库 / cannot open the bastion's credential vault"};
  if (auto a = db->account(id); !a) return Error{"堡垒机中无此主机账号 / the bastion has no host account " + std::to_string(id)};
  return {};
}

void Watcher::tick(int64_t now) {
  if (reindex_.exchange(false)) reindex();
  std::vector<std::pair<std::string, Trigger>> lines;
  std::map<std::string, std::string> asked;
  {
    std::lock_guard l(mu_);
    lines.swap(queued_);
    asked.swap(asked_);
  }
  int64_t debounce = int64_t{debounce_seconds()} * kSec;
  for (auto& [dev, t] : lines) {
    if (Status s = store_->add_trigger(dev, t); !s) spdlog::error("configs: the change line of {}: {}", dev, s.error());
    std::lock_guard l(mu_);
    auto& d = due_[dev];
    if (!d.first) d.first = now;
    // A minute of quiet after the last line; at most ten minutes after the first.
    d.second = std::min(now + debounce, d.first + std::max<int64_t>(debounce, 600 * kSec));
  }
  auto devs = store_->devices();
  if (!devs) return;
  if (!restored_) {  // change lines kept from before a restart wait their quiet time again
    restored_ = true;
    for (const auto& d : *devs) {
      auto p = store_->pending(d.id);
      std::lock_guard l(mu_);
      if (p && !p->empty() && !due_.count(d.id)) due_[d.id] = {now, now + debounce};
    }
  }
  for (const auto& d : *devs) {
    if (stop_) return;
    std::string source, by = "wardsec";
    if (auto a = asked.find(d.id); a != asked.end()) {
      source = "manual";
      by = a->second;
    } else if (!d.enabled || d.account == 0) {
      continue;
    } else {
      std::lock_guard l(mu_);
      auto it = due_.find(d.id);
      if (it != due_.end() && now >= it->second.second) source = "log";
    }
    // The first fetch (the baseline) at once; then the schedule, when there is one.
    if (source.empty() && d.enabled && d.account && (d.interval_hours > 0 || d.last_try == 0)) {
      int64_t every = int64_t{std::max(d.interval_hours, 1)} * 3600 * kSec;
      int64_t since = d.last_ok ? d.last_ok : 0;
      // Failed fetches are retried within the hour, not a whole interval later.
      bool retry = d.last_try > d.last_ok && now - d.last_try >= std::min<int64_t>(every, 3600 * kSec);
      if (d.last_try == 0 || now - since >= every && now - d.last_try >= std::min<int64_t>(every, 3600 * kSec) || retry)
        source = "schedule";
    }
    if (source.empty()) continue;
    if (d.account == 0) {
      fetch_failed(d, "该设备未设置登录账号，只能上传配置 / the device has no login account: upload its configuration instead", now);
      continue;
    }
    Status st = fetch_device(d, source, by, now);
    std::lock_guard l(mu_);
    if (st) {
      due_.erase(d.id);
    } else if (auto it = due_.find(d.id); it != due_.end()) {
      it->second = {now, now + 300 * kSec};  // the lines wait; tried again in five minutes
    }
  }
}

Result<bastion::LoginTarget> Watcher::login_for(int64_t id, const std::string& fallback_host) {
  bastion::Db* db = vault();
  if (!db) return Error{"无法打开堡垒机凭据库 / cannot open the bastion's credential vault"};
  auto acc = db->account(id);
  if (!acc) return Error{"主机账号 " + std::to_string(id) + " 不存在 / no host account " + std::to_string(id)};
  auto secret = db->secret(id);
  if (!secret) return Error{secret.error()};
  bastion::LoginTarget t;
  t.host = !acc->host.empty() ? acc->host : !fallback_host.empty() ? fallback_host : acc->asset;
  t.port = acc->port;
  t.username = acc->username;
  t.auth = acc->auth;
  t.secret = std::move(*secret);
  t.known_hosts = opt_.known_hosts;
  return t;
}

Status Watcher::fetch_device(const Device& d, const std::string& source, const std::string& by, int64_t now) {
  auto login = login_for(d.account, !d.host.empty() ? d.host : d.asset);
  if (!login) {
    fetch_failed(d, login.error(), now);
    return Error{login.error()};
  }
  FetchRequest r;
  r.login = std::move(*login);
  r.command = d.command;
  r.mode = d.mode;
  r.vendor = d.vendor;
  r.stop = &stop_;
  {
    std::lock_guard l(mu_);
    stats_.fetches++;
  }
  auto text = fetch(r);
  if (!text) {
    fetch_failed(d, text.error(), now);
    return Error{text.error()};
  }
  auto v = keep(d, *text, d.mode == "shell" ? d.command : "", source, by, "", now);
  if (!v) {
    fetch_failed(d, v.error(), now);
    return Error{v.error()};
  }
  if (d.fetch_alert) close_alert(*opt_.alerts, d.fetch_alert, "配置获取已恢复 / the configuration was fetched again", now);
  (void)store_->set_fetch(d.id, now, true, "", 0);
  return {};
}

void Watcher::fetch_failed(const Device& d, const std::string& error, int64_t now) {
  {
    std::lock_guard l(mu_);
    stats_.failures++;
  }
  spdlog::warn("configs: {}: {}", d.id, error);
  int64_t id = d.fetch_alert;
  if (opt_.alerts) {
    alert::Alert a = ops_alert(kFetchFailed, d.asset, d.name + "（" + d.id + "）的运行配置无法获取：" + error, now, kMlps, kBasis);
    id = raise_alert(*opt_.alerts, opt_.outputs, a, now);
  }
  (void)store_->set_fetch(d.id, now, false, error, id);
}

Result<std::optional<Version>> Watcher::upload(const std::string& device, const std::string& text, const std::string& by,
                                               const std::string& note, int64_t now) {
  auto d = store_->device(device);
  if (!d) return Error{d.error()};
  if (text.size() > (16u << 20)) return Error{"配置超过 16 MiB / the configuration exceeds 16 MiB"};
  return keep(*d, text, "", "upload", by, note, now);
}

Result<std::optional<Version>> Watcher::keep(const Device& d, const std::string& raw, const std::string& command, const std::string& source,
                                             const std::string& by, const std::string& note, int64_t now) {
  std::lock_guard fl(fetch_mu_);
  std::string text = normalize(raw, command, salt_);
  if (text.empty()) return Error{"配置为空 / the configuration is empty"};
  auto prev = store_->latest(d.id, true);
  if (!prev) return Error{prev.error()};
  std::string sha = sha256_hex(text);
  if (*prev && (*prev)->sha256 == sha) {
    (void)store_->take_triggers(d.id);  // lines that changed nothing (a save of the same text)
    return std::optional<Version>{};
  }
  auto triggers = store_->take_triggers(d.id);
  Version v;
  v.device = d.id;
  v.ts = now;
  v.sha256 = sha;
  v.bytes = static_cast<int64_t>(text.size());
  v.source = *prev ? source : "baseline";
  v.by = by;
  v.note = note.substr(0, 1000);
  v.content = text;
  if (*prev) {
    Diff df = diff((*prev)->content, text);
    v.added = static_cast<int64_t>(df.added);
    v.removed = static_cast<int64_t>(df.removed);
    attribute(d, v, triggers ? *triggers : std::vector<Trigger>{}, (*prev)->ts, now);
    plan_check(d, v, now);
    v.note = v.note.empty() ? diff_excerpt(df.text, 5) : v.note;
  } else {
    v.planned = "baseline";
  }
  auto id = store_->add_version(v);
  if (!id) return Error{id.error()};
  v.id = *id;
  {
    std::lock_guard l(mu_);
    stats_.versions++;
  }
  if (v.planned.empty() && opt_.alerts) {
    std::string who = v.users.empty() ? "设备日志未记录变更人 / no log line named who" : "变更人 " + json(v.users).dump();
    std::string when = v.changed_at ? local_time(v.changed_at, opt_.tz_sec) : "发现于 " + local_time(now, opt_.tz_sec);
    alert::Alert a =
        ops_alert(v.users.empty() && v.source != "upload" ? kUnlogged : kUnplanned, d.asset,
                  d.name + "（" + d.id + "）配置于 " + when + " 变更（+" + std::to_string(v.added) + " −" + std::to_string(v.removed) +
                      " 行），" + who + "，无覆盖的变更单或变更窗口：" + diff_excerpt(diff((*prev)->content, text).text, 3),
                  now, kMlps, kBasis);
    a.dedup_key += "|" + std::to_string(v.id);  // each change is its own alert
    if (!v.ips.empty()) a.source_ip = v.ips.front();
    if (!v.users.empty()) a.user = v.users.front();
    v.alert_id = raise_alert(*opt_.alerts, opt_.outputs, a, now);
    if (v.alert_id) (void)store_->set_version_alert(v.id, v.alert_id);
  }
  record(d, v, now);
  v.content.clear();
  return std::optional<Version>{std::move(v)};
}

void Watcher::attribute(const Device& d, Version& v, const std::vector<Trigger>& triggers, int64_t prev_ts, int64_t now) {
  for (const auto& t : triggers) {
    if (!v.changed_at || (t.ts && t.ts < v.changed_at)) v.changed_at = t.ts;
    add_unique(v.users, t.user, 20);
    add_unique(v.ips, t.ip, 20);
    add_unique(v.commands, t.command, 100);
  }
  // The bastion sessions on the device's asset while it changed (or, not knowing when, since the
  // previous version).
  bastion::Db* db = std::filesystem::exists(DataDir(opt_.data_dir).bastion_db()) ? vault() : nullptr;
  if (!db) return;
  int64_t from = v.changed_at ? v.changed_at : prev_ts, to = v.changed_at ? v.changed_at : now;
  bastion::SessionFilter f;
  f.asset = d.asset;
  f.from = from - 24 * 3600 * kSec;
  f.to = to + kSec;
  f.limit = 50;
  auto ss = db->sessions(f);
  if (!ss) return;
  for (const auto& s : *ss) {
    if (s.started > to || (s.ended && s.ended < from)) continue;
    add_unique(v.sessions, s.id, 20);
    add_unique(v.users, s.user + "（堡垒机）", 20);
  }
}

void Watcher::plan_check(const Device& d, Version& v, int64_t now) {
  int64_t t = v.changed_at ? v.changed_at : now;
  if (auto ts = store_->tickets()) {
    for (const auto& k : *ts) {
      bool covers = std::find(k.devices.begin(), k.devices.end(), "*") != k.devices.end() ||
                    std::find(k.devices.begin(), k.devices.end(), d.id) != k.devices.end();
      if (covers && k.approved_at && k.approved_at <= t && t >= k.starts && t <= k.ends) {
        v.planned = "ticket";
        v.ticket = k.id;
        return;
      }
    }
  }
  // An approved change in the management register (变更管理) that names the device or its asset
  // and whose window holds the change covers it as a ticket does.
  if (auto rs = mgmt::Records::open(DataDir(opt_.data_dir).records_db())) {
    if (auto changes = (*rs)->list("change")) {
      mgmt::RecordSets sets{{"change", std::move(*changes)}};
      std::string local = format_rfc3339(t + opt_.tz_sec * kSec).substr(0, 16);
      local[10] = ' ';
      // Only a change approved in wardsec by a second account, before the change was made.
      auto approved_before = [&](const mgmt::Record& c) {
        auto h = (*rs)->history("change", c.id);
        int64_t at = h ? mgmt::approved_by_another(*h) : 0;
        return at != 0 && at <= t;
      };
      if (const mgmt::Record* c = mgmt::covering_change(sets, {d.id, d.asset}, local, approved_before)) {
        v.planned = "change";
        v.ticket = "变更 #" + std::to_string(c->id);
        return;
      }
    }
  }
  if (auto ws = store_->windows(); ws && in_window(*ws, t / kSec + opt_.tz_sec)) v.planned = "window";
}

void Watcher::record(const Device& d, const Version& v, int64_t now) {
  if (!opt_.record) return;
  json raw = {{"@timestamp", format_rfc3339(now)},
              {"event.dataset", "wardsec.config"},
              {"device", d.id},
              {"asset", d.asset},
              {"version", v.id},
              {"source", v.source},
              {"sha256", v.sha256},
              {"added", v.added},
              {"removed", v.removed},
              {"changed_at", v.changed_at ? format_rfc3339(v.changed_at) : ""},
              {"users", v.users},
              {"ips", v.ips},
              {"sessions", v.sessions},
              {"ticket", v.ticket},
              {"planned", v.planned},
              {"by", v.by}};
  Event ev;
  ev.raw = raw.dump(-1, ' ', false, json::error_handler_t::replace);
  ev.ts = ev.received = now;
  ev.set(kEventDataset, "wardsec.config");
  ev.set(kEventModule, "ops");
  ev.set(kEventAction, v.source == "baseline" ? "config_baseline" : "config_change");
  ev.set(kEventOutcome, v.planned.empty() ? "failure" : "success");
  ev.set(kHostName, d.asset);
  if (!v.users.empty()) ev.set(kUserName, v.users.front());
  if (!v.ips.empty()) ev.set(kSourceIp, v.ips.front());
  ev.set("file.hash.sha256", v.sha256);
  ev.set("wardsec.config.device", d.id);
  ev.set("wardsec.config.planned", v.planned.empty() ? "unplanned" : v.planned);
  opt_.record(std::move(ev));
}

}  // namespace wardsec::ops::config
