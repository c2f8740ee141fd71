#include "ops/daily_export.h"

#include <spdlog/spdlog.h>
#include <zlib.h>

#include <filesystem>
#include <map>
#include <set>
#include <nlohmann/json.hpp>

#include "alert/alert_store.h"
#include "core/datadir.h"
#include "core/fields.h"
#include "core/files.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "incident/evidence.h"
#include "ops/ops_alert.h"
#include "search/query.h"
#include "search/search.h"
#include "store/crypto.h"

namespace wardsec::ops {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr int64_t kDay = 86400 * kSec;

// A device's name as a file name: letters, digits, . _ - kept, anything else '_'.
std::string file_name(const std::string& device) {
  std::string f;
  for (char c : device.substr(0, 120)) f += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ? c : '_';
  if (f.empty() || f[0] == '.') f = "_" + f;
  return f;
}

// The device a line came from: the host it names, else the address it came from.
std::string device_of(const Event& ev) {
  auto h = ev.get(kHostName);
  if (!h.empty()) return std::string(h);
  auto a = ev.get(kLogSourceAddress);
  if (a.empty()) return "_unknown";
  std::string s(a);
  if (s.front() == '[') return s.substr(1, s.find(']') - 1);
  if (std::count(s.begin(), s.end(), ':') == 1) s = s.substr(0, s.find(':'));
  return s;
}

struct Out {
  gzFile gz = nullptr;
  std::string file;
  uint64_t lines = 0;
  int64_t first = 0, last = 0;
};

}  // namespace

std::string previous_day(int64_t now, int tz_sec) { return format_rfc3339(now - kDay + static_cast<int64_t>(tz_sec) * kSec).substr(0, 10); }

Result<ExportResult> export_day(const std::string& data_dir, const ExportOptions& o, const std::string& day, int tz_sec, const KeyPair& key,
                                int64_t now) {
  int64_t from = 0;
  if (day.size() != 10 || !parse_user_time(day, tz_sec, from)) return Error{"导出日期须为 YYYY-MM-DD / the day must be YYYY-MM-DD: " + day};
  if (from + kDay > now) return Error{"日期 " + day + " 尚未结束 / the day " + day + " has not ended"};
  ExportResult r;
  r.day = day;
  std::string root = o.dir.empty() ? data_dir + "/exports" : o.dir;
  r.dir = root + "/" + day;
  std::error_code ec;
  if (fs::exists(r.dir + "/manifest.json", ec)) {
    r.already = true;
    return r;
  }
  auto folder = incident::SealedFolder::begin(r.dir);
  if (!folder) return Error{"导出 " + day + " 失败 / the export of " + day + " failed: " + folder.error()};
  fs::create_directories(folder->partial() + "/devices", ec);
  std::vector<std::string> globs;
  for (const auto& d : o.devices) globs.push_back(to_lower(d));
  std::map<std::string, Out> outs;
  std::set<std::string> names;  // file names in use: two devices whose names clean up alike get -2, -3 ...
  uint64_t other_lines = 0;
  std::string err;
  auto q = search::Query::parse("");
  search::SearchOptions so;
  so.from = from;
  so.to = from + kDay;
  search::SearchStats stats;
  Status st = search::run_search(
      data_dir, *q, so,
      [&](const Event& ev) {
        if (starts_with(ev.get(kEventDataset), "wardsec")) return true;  // the center's own records are not a device's logs
        std::string dev = device_of(ev);
        if (!globs.empty() && std::none_of(globs.begin(), globs.end(), [&](const std::string& g) { return glob_match(dev, g); }))
          return true;
        auto it = outs.find(dev);
        if (it == outs.end()) {
          if (outs.size() >= o.max_devices) {
            dev = "_other";
            other_lines++;
          }
          it = outs.emplace(dev, Out{}).first;
          if (!it->second.gz) {
            std::string base = file_name(dev), name = base;
            for (int n = 2; !names.insert(name).second; n++) name = base + "-" + std::to_string(n);
            it->second.file = "devices/" + name + ".log.gz";
            std::string path = folder->partial() + "/" + it->second.file;
            it->second.gz = gzopen(path.c_str(), "wb6");
            if (!it->second.gz) {
              err = "cannot write " + path;
              return false;
            }
          }
        }
        Out& out = it->second;
        if (gzwrite(out.gz, ev.raw.data(), static_cast<unsigned>(ev.raw.size())) != static_cast<int>(ev.raw.size()) ||
            gzputc(out.gz, '\n') < 0) {
          err = "cannot write " + out.file;
          return false;
        }
        if (!out.first) out.first = ev.ts;
        out.last = ev.ts;
        out.lines++;
        r.lines++;
        return true;
      },
      stats);
  json devices = json::array();
  for (auto& [dev, out] : outs) {
    if (out.gz && gzclose(out.gz) != Z_OK && err.empty()) err = "cannot finish " + out.file;
    out.gz = nullptr;
    devices.push_back({{"device", dev},
                       {"file", out.file},
                       {"lines", out.lines},
                       {"first", format_rfc3339(out.first)},
                       {"last", format_rfc3339(out.last)}});
  }
  if (!st) err = st.error();
  if (!err.empty()) {
    fs::remove_all(folder->partial(), ec);
    return Error{"导出 " + day + " 失败 / the export of " + day + " failed: " + err};
  }
  for (const auto& [dev, out] : outs) {
    if (Status a = folder->add_written(out.file); !a) return Error{a.error()};
    r.bytes += fs::file_size(folder->partial() + "/" + out.file, ec);
  }
  json manifest{{"format", "wardsec-log-export-1"},
                {"day", day},
                {"time_zone_seconds", tz_sec},
                {"window", {{"from", format_rfc3339(from)}, {"to", format_rfc3339(from + kDay)}}},
                {"exported_at", format_rfc3339(now)},
                {"devices_selected", o.devices.empty() ? json("all") : json(o.devices)},
                {"lines", r.lines},
                {"devices", devices},
                {"devices_beyond_limit_lines", other_lines},
                {"unreadable", stats.damaged}};
  auto sha = folder->finish(std::move(manifest), key);
  if (!sha) return Error{sha.error()};
  r.devices = outs.size();
  r.manifest_sha256 = *sha;
  // The index of exports (<data>/ops/exports.json), which the weekly report reads wherever the
  // folders are: the last 400 days.
  std::string index = DataDir(data_dir).ops() + "/exports.json";
  json idx = json::parse(read_file(index).value_or("[]"), nullptr, false);
  if (!idx.is_array()) idx = json::array();
  json kept = json::array();
  for (const auto& e : idx)
    if (e.is_object() && e.value("day", "") != day) kept.push_back(e);
  kept.push_back({{"day", day},
                  {"dir", r.dir},
                  {"devices", r.devices},
                  {"lines", r.lines},
                  {"bytes", r.bytes},
                  {"manifest_sha256", r.manifest_sha256}});
  while (kept.size() > 400) kept.erase(kept.begin());
  fs::create_directories(DataDir(data_dir).ops(), ec);
  if (Status w = write_file_atomic(index, kept.dump(1)); !w) spdlog::warn("{}", w.error());
  return r;
}

ExportJob::ExportJob(std::string data_dir, ExportOptions o, int tz_sec, const KeyPair* key, alert::AlertStore* alerts,
                     alert::Outputs* outputs, Record record)
    : data_dir_(std::move(data_dir)),
      opt_(std::move(o)),
      tz_(tz_sec),
      key_(key),
      alerts_(alerts),
      outputs_(outputs),
      record_(std::move(record)) {}

void ExportJob::ship(int64_t now) {
  if (!ship_ || done_.empty() || now - last_ship_try_ < 600 * kSec) return;
  std::string path = DataDir(data_dir_).ops() + "/export_shipped.json";
  if (shipped_.empty()) {
    auto j = json::parse(read_file(path).value_or("{}"), nullptr, false);
    if (j.is_object()) shipped_ = j.value("day", "");
  }
  if (shipped_ == done_) return;
  last_ship_try_ = now;
  auto r = ship_(done_dir_, done_);
  if (r && r->empty()) return;  // no backup target set
  if (r) {
    shipped_ = done_;
    (void)write_file_atomic(path, json{{"day", done_}, {"what", *r}, {"at", format_rfc3339(now)}}.dump());
    spdlog::info("daily export {}: {}", done_, *r);
    if (record_) {
      Event ev;
      ev.raw = json{{"@timestamp", format_rfc3339(now)}, {"event.dataset", "wardsec.export"}, {"day", done_}, {"shipped", *r}}.dump();
      ev.ts = ev.received = now;
      ev.set(kEventDataset, "wardsec.export");
      ev.set(kEventModule, "ops");
      ev.set(kEventAction, "export_shipped");
      ev.set(kEventOutcome, "success");
      std::vector<Event> v;
      v.push_back(std::move(ev));
      record_(std::move(v));
    }
    return;
  }
  spdlog::error("daily export {}: not sent to the backup target: {}", done_, r.error());
  if (alerts_ && now - last_ship_alert_ >= 3600 * kSec) {
    last_ship_alert_ = now;
    static const std::vector<std::string> kMlps = {"l3-smc1-10", "l3-ces1-14"};
    auto a =
        ops_alert({"wardsec.ops.export_failed", "每日日志导出失败", "Daily log export failed", "high"}, "wardsec",
                  done_ + " 的导出未能送往备份目标：" + r.error() + " / the export of " + done_ + " could not be sent to the backup target",
                  now, kMlps, "");
    a.dedup_key = "wardsec.ops.export_failed|ship|" + done_;
    (void)raise_alert(*alerts_, outputs_, a, now);
  }
}

std::string ExportJob::tick(int64_t now) {
  if (!opt_.enabled || !key_) return "";
  ship(now);
  std::string day = previous_day(now, tz_);
  if (day == done_) return "";
  int hh = 0, mm = 0;
  std::sscanf(opt_.at.c_str(), "%d:%d", &hh, &mm);
  int64_t today = 0;
  (void)parse_user_time(format_rfc3339(now + static_cast<int64_t>(tz_) * kSec).substr(0, 10), tz_, today);
  if (now < today + (static_cast<int64_t>(hh) * 3600 + mm * 60) * kSec) return "";
  auto r = export_day(data_dir_, opt_, day, tz_, *key_, now);
  if (!r) {
    spdlog::error("{}", r.error());
    if (alerts_ && now - last_failure_ >= 3600 * kSec) {
      last_failure_ = now;
      static const std::vector<std::string> kMlps = {"l3-smc1-10", "l3-ces1-14"};
      auto a = ops_alert(
          {"wardsec.ops.export_failed", "每日日志导出失败", "Daily log export failed", "high"}, "wardsec",
          r.error() + "（每日导出关键设备日志是运维职责，导出缺失即留档缺失 / the daily export of the key devices' logs is a duty）", now,
          kMlps, "");
      a.dedup_key = "wardsec.ops.export_failed|" + day;
      (void)raise_alert(*alerts_, outputs_, a, now);
    }
    return "failed: " + r.error();
  }
  done_ = day;
  done_dir_ = r->dir;
  last_failure_ = 0;
  last_ship_try_ = 0;  // sent to the backup target at the next look
  if (r->already) return "";
  spdlog::info("daily export {}: {} devices, {} lines, {} bytes in {} (manifest SHA-256 {})", day, r->devices, r->lines, r->bytes, r->dir,
               r->manifest_sha256);
  if (record_) {
    json raw = {{"@timestamp", format_rfc3339(now)},
                {"event.dataset", "wardsec.export"},
                {"day", day},
                {"dir", r->dir},
                {"devices", r->devices},
                {"lines", r->lines},
                {"bytes", r->bytes},
                {"manifest_sha256", r->manifest_sha256}};
    Event ev;
    ev.raw = raw.dump();
    ev.ts = ev.received = now;
    ev.set(kEventDataset, "wardsec.export");
    ev.set(kEventModule, "ops");
    ev.set(kEventAction, "daily_export");
    ev.set(kEventOutcome, "success");
    ev.set("file.path", r->dir);
    ev.set("file.hash.sha256", r->manifest_sha256);
    std::vector<Event> v;
    v.push_back(std::move(ev));
    record_(std::move(v));
  }
  return "exported " + day;
}

}  // namespace wardsec::ops
