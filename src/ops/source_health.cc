#include "ops/source_health.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/fields.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "parse/source_zones.h"

namespace wardsec::ops {

namespace {

constexpr int64_t kHour = 3600 * kSec;
constexpr int64_t kMinute = 60 * kSec;
constexpr uint64_t kSettledLines = 10;

void remember(std::vector<std::string>& list, std::string_view v) {
  if (v.empty() || (!list.empty() && list.back() == v)) return;
  auto it = std::find(list.begin(), list.end(), v);
  if (it != list.end()) list.erase(it);
  list.emplace_back(v);
  if (list.size() > 4) list.erase(list.begin());
}

// "32 分钟" / "32 min"; from two hours on, in hours.
std::string minutes_text(int64_t ns, bool zh) {
  int64_t m = ns / kMinute;
  if (m >= 120) return std::to_string(m / 60) + (zh ? " 小时" : " h");
  return std::to_string(m) + (zh ? " 分钟" : " min");
}

}  // namespace

// On the decode thread, for every batch: one lock, and the source looked up again only when it
// changes (a batch comes from one sender, its lines mostly from one host).
void SourceHealth::observe(std::span<const Event> batch) {
  static const FieldId kLogSource = FieldRegistry::intern("log.source.address"), kProgram = FieldRegistry::intern("process.name");
  std::lock_guard lk(mu_);
  Track* cur = nullptr;
  std::string_view cur_src;
  for (const Event& ev : batch) {
    std::string_view ds, input, sender, host, program;  // one pass over the fields, not five
    for (const auto& f : ev.fields) {
      if (f.id == kEventDataset)
        ds = ev.value(f);
      else if (f.id == kInputType)
        input = ev.value(f);
      else if (f.id == kLogSource)
        sender = ev.value(f);
      else if (f.id == kHostName)
        host = ev.value(f);
      else if (f.id == kProgram)
        program = ev.value(f);
    }
    if (ds.substr(0, 8) == "wardsec." || input == "file") continue;  // the center's own; history
    std::string_view addr = address_of(sender);
    std::string_view src = host.empty() ? addr : host;
    if (src.empty()) continue;
    if (!cur || src != cur_src) {
      auto& slot = recent_[hash64(src) % recent_.size()];  // the sources of the last batches, as they spell themselves
      if (slot.second && slot.first == src) {
        cur = slot.second;
      } else if ((cur = track(src, ev.received))) {
        slot = {std::string(src), cur};
      }
      cur_src = src;
    }
    if (cur) add(*cur, addr, program, ds, ev.received);
  }
}

void SourceHealth::observe_one(std::string_view source, std::string_view address, std::string_view program, std::string_view dataset,
                               int64_t received) {
  std::lock_guard lk(mu_);
  if (Track* t = track(source, received)) add(*t, address, program, dataset, received);
}

SourceHealth::Track* SourceHealth::track(std::string_view source, int64_t received) {
  if (since_ == 0) since_ = received;
  std::string key = to_lower(source);
  auto it = tracks_.find(key);
  if (it == tracks_.end()) {
    if (tracks_.size() >= opt_.max_sources) {
      dropped_++;
      return nullptr;
    }
    it = tracks_.emplace(std::move(key), Track{}).first;
    it->second.name = std::string(source);
  }
  return &it->second;
}

void SourceHealth::add(Track& t, std::string_view address, std::string_view program, std::string_view dataset, int64_t received) {
  if (t.first == 0 || received < t.first) t.first = received;
  if (t.last && received - t.last >= kSec) {
    t.gaps[t.next_gap] = received - t.last;
    t.next_gap = (t.next_gap + 1) % t.gaps.size();
  }
  t.last = std::max(t.last, received);
  t.total++;
  int64_t h = received / kHour;
  size_t i = static_cast<size_t>(h % kHours);
  if (t.stamp[i] != h) {
    t.stamp[i] = h;
    t.hours[i] = 0;
  }
  t.hours[i]++;
  if (!address.empty() && t.address != address) t.address = std::string(address);
  remember(t.programs, program);
  remember(t.datasets, dataset);
}

uint32_t SourceHealth::hour_count(const Track& t, int64_t hour) const {
  size_t i = static_cast<size_t>(hour % kHours);
  return t.stamp[i] == hour ? t.hours[i] : 0;
}

int64_t SourceHealth::silent_after(const Track& t) const {
  int64_t longest = *std::max_element(t.gaps.begin(), t.gaps.end());
  return std::max<int64_t>(opt_.silent_minutes * kMinute, 2 * longest);
}

std::pair<std::string, std::string> SourceHealth::judge(const Track& t, int64_t now) const {
  int64_t quiet = now - t.last, limit = silent_after(t);
  // A source is judged once its rhythm shows: ten lines, or two pauses. A line sent once (a
  // test, a device passing through) is kept and shown, never called silent.
  size_t pauses = static_cast<size_t>(std::count_if(t.gaps.begin(), t.gaps.end(), [](int64_t g) { return g > 0; }));
  if (t.total < kSettledLines && pauses < 2) return {"ok", ""};
  if (quiet > limit)
    return {"silent", "已 " + minutes_text(quiet, true) + "未收到日志（该来源的静默阈值 " + minutes_text(limit, true) +
                          "） / no line for " + minutes_text(quiet, false) + " (its limit " + minutes_text(limit, false) + ")"};
  // The last full hour against the median of the 24 before it, once a day of history is there.
  int64_t hour = now / kHour - 1;
  if (t.first > (hour - 24) * kHour) return {"ok", ""};
  std::vector<uint32_t> before;
  for (int64_t h = hour - 24; h < hour; h++) before.push_back(hour_count(t, h));
  std::nth_element(before.begin(), before.begin() + 12, before.end());
  uint64_t median = before[12], c = hour_count(t, hour);
  if (c >= 1000 && c >= 10 * median)
    return {"abnormal", "上一小时 " + std::to_string(c) + " 条，为前 24 小时中位数 " + std::to_string(median) + " 的 10 倍以上（突增） / " +
                            std::to_string(c) + " lines in the last hour, over 10x the median " + std::to_string(median) + " (flood)"};
  if (median >= 60 && c > 0 && c * 10 <= median)
    return {"abnormal", "上一小时仅 " + std::to_string(c) + " 条，不足前 24 小时中位数 " + std::to_string(median) +
                            " 的十分之一（骤降） / " + std::to_string(c) + " lines in the last hour, under a tenth of the median " +
                            std::to_string(median) + " (drop)"};
  return {"ok", ""};
}

std::vector<Transition> SourceHealth::evaluate(int64_t now) {
  std::vector<Transition> out;
  std::lock_guard lk(mu_);
  for (auto& [key, t] : tracks_) {
    auto [state, reason] = judge(t, now);
    if (state == t.state) {
      t.reason = reason;
      continue;
    }
    out.push_back({t.name, t.state, state, reason, t.alert_id});
    t.state = state;
    t.reason = reason;
    if (state == "ok") t.alert_id = 0;
  }
  return out;
}

void SourceHealth::set_alert(const std::string& source, int64_t id) {
  std::lock_guard lk(mu_);
  if (auto it = tracks_.find(to_lower(source)); it != tracks_.end()) it->second.alert_id = id;
}

std::vector<SourceView> SourceHealth::view(int64_t now) const {
  std::lock_guard lk(mu_);
  std::vector<SourceView> out;
  for (const auto& [key, t] : tracks_) {
    SourceView v{t.name, t.address, t.state, t.reason, t.programs, t.datasets, t.first, t.last, t.total, silent_after(t), {}};
    for (int64_t h = now / kHour - 23; h <= now / kHour; h++) v.per_hour.push_back(hour_count(t, h));
    out.push_back(std::move(v));
  }
  return out;
}

SourceHealth::Summary SourceHealth::summary(size_t max_names) const {
  std::lock_guard lk(mu_);
  Summary s;
  s.tracked = tracks_.size();
  for (const auto& [key, t] : tracks_) {
    if (t.state == "abnormal") s.abnormal++;
    if (t.state != "silent") continue;
    s.silent++;
    if (s.silent_names.size() < max_names) s.silent_names.push_back(t.name);
  }
  return s;
}

bool SourceHealth::known(std::string_view host_or_address) const {
  std::lock_guard lk(mu_);
  std::string k = to_lower(host_or_address);
  if (tracks_.count(k)) return true;
  return std::any_of(tracks_.begin(), tracks_.end(), [&](const auto& kv) { return kv.second.address == host_or_address; });
}

int64_t SourceHealth::since() const {
  std::lock_guard lk(mu_);
  return since_;
}

uint64_t SourceHealth::dropped() const {
  std::lock_guard lk(mu_);
  return dropped_;
}

nlohmann::json SourceHealth::to_json(int64_t now) const {
  using json = nlohmann::json;
  json list = json::array();
  for (const auto& v : view(now))
    list.push_back({{"source", v.source},
                    {"address", v.address},
                    {"state", v.state},
                    {"reason", v.reason},
                    {"programs", v.programs},
                    {"datasets", v.datasets},
                    {"first", format_rfc3339(v.first)},
                    {"last", format_rfc3339(v.last)},
                    {"total", v.total},
                    {"silent_after_seconds", v.silent_after / kSec},
                    {"per_hour", v.per_hour}});
  std::lock_guard lk(mu_);
  json keep = json::object();  // what a restart needs beyond the view: the hour ring and the pauses
  for (const auto& [key, t] : tracks_) {
    json hours = json::array();
    for (int i = 0; i < kHours; i++)
      if (t.stamp[i] && t.hours[i]) hours.push_back({t.stamp[i], t.hours[i]});
    keep[key] = {{"first", t.first}, {"last", t.last}, {"hours", hours}, {"gaps", t.gaps}, {"alert_id", t.alert_id}};
  }
  return {{"updated", format_rfc3339(now)},
          {"since", format_rfc3339(since_)},
          {"since_ns", since_},
          {"dropped", dropped_},
          {"sources", list},
          {"keep", keep}};
}

void SourceHealth::load_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("sources") || !j["sources"].is_array()) return;
  std::lock_guard lk(mu_);
  recent_ = {};
  since_ = j.value("since_ns", int64_t{0});
  const auto& keep = j.contains("keep") && j["keep"].is_object() ? j["keep"] : nlohmann::json::object();
  for (const auto& s : j["sources"]) {
    if (!s.is_object() || !s.contains("source") || !s["source"].is_string() || tracks_.size() >= opt_.max_sources) continue;
    std::string key = to_lower(s["source"].get<std::string>());
    Track t;
    t.name = s["source"];
    t.address = s.value("address", "");
    t.state = s.value("state", "ok");
    t.reason = s.value("reason", "");
    t.total = s.value("total", uint64_t{0});
    for (const char* f : {"programs", "datasets"})
      if (s.contains(f) && s[f].is_array())
        for (const auto& x : s[f])
          if (x.is_string()) (std::string_view(f) == "programs" ? t.programs : t.datasets).push_back(x);
    if (auto k = keep.find(key); k != keep.end() && k->is_object()) {
      t.first = k->value("first", int64_t{0});
      t.last = k->value("last", int64_t{0});
      t.alert_id = k->value("alert_id", int64_t{0});
      if (k->contains("hours") && (*k)["hours"].is_array())
        for (const auto& hc : (*k)["hours"])
          if (hc.is_array() && hc.size() == 2 && hc[0].is_number_integer() && hc[1].is_number_unsigned()) {
            int64_t h = hc[0];
            size_t i = static_cast<size_t>(((h % kHours) + kHours) % kHours);
            t.stamp[i] = h;
            t.hours[i] = hc[1];
          }
      if (k->contains("gaps") && (*k)["gaps"].is_array())
        for (size_t i = 0; i < t.gaps.size() && i < (*k)["gaps"].size(); i++)
          if ((*k)["gaps"][i].is_number_integer()) t.gaps[i] = (*k)["gaps"][i];
    }
    if (t.last == 0) continue;  // nothing to judge it by
    tracks_[key] = std::move(t);
  }
}

}  // namespace wardsec::ops
