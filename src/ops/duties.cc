#include "ops/duties.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

#include "alert/alert_store.h"
#include "core/datadir.h"
#include "core/files.h"
#include "core/timeutil.h"
#include "ops/ops_alert.h"

namespace wardsec::ops {

using nlohmann::json;

namespace {

constexpr int64_t kDay = 86400 * kSec;
// 等保 OM.BAK: backups done as set, and checked.
const std::vector<std::string> kMlps = {"l3-smc1-09"};
const char* const kBasis = "（等保 OM.BAK.b、OM.BAK.c：按规定的方式与频度备份并检查 / backups done as set, and checked）";
constexpr AlertText kBackupFailed{"wardsec.ops.backup_failed", "数据备份失败或未按时完成", "A backup failed or did not run", "high"};

std::string str(const json& j, const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string(); }

int minutes_of(const std::string& hhmm) {
  int h = 0, m = 0;
  std::sscanf(hhmm.c_str(), "%d:%d", &h, &m);
  return h * 60 + m;
}

std::string schedules_path(const std::string& d) { return DataDir(d).ops() + "/schedules.json"; }
std::string state_path(const std::string& d) { return DataDir(d).ops() + "/schedule_state.json"; }
std::string datacheck_path(const std::string& d) { return DataDir(d).ops() + "/datacheck.json"; }

// When a period ended (ns): the day after a day, the Monday after a week, the 1st after a month.
int64_t period_end(const std::string& every, const std::string& key, int tz_sec) {
  int64_t start = 0;
  if (every == "month") {
    if (!parse_user_time(key + "-01", tz_sec, start)) return 0;
    int64_t mid = start + 40 * kDay;  // somewhere in the next month
    std::string next = format_rfc3339(mid + static_cast<int64_t>(tz_sec) * kSec).substr(0, 7);
    int64_t end = 0;
    return parse_user_time(next + "-01", tz_sec, end) ? end : 0;
  }
  if (!parse_user_time(key, tz_sec, start)) return 0;
  return start + (every == "week" ? 7 : 1) * kDay;
}

}  // namespace

std::string period_key(const std::string& every, int64_t now, int tz_sec) {
  int64_t local = now + static_cast<int64_t>(tz_sec) * kSec;
  int64_t day = local / kDay;
  if (every == "week") {
    int64_t monday = day - weekday_of(day) - 7;
    return format_rfc3339(monday * kDay).substr(0, 10);
  }
  if (every == "month") {
    std::string this_month = format_rfc3339(local).substr(0, 7);
    int64_t first = 0;
    parse_user_time(this_month + "-01", 0, first);
    return format_rfc3339(first - kDay).substr(0, 7);
  }
  return format_rfc3339((day - 1) * kDay).substr(0, 10);
}

Result<Schedule> schedule_from_json(const json& j, const std::vector<ReportKind>& kinds) {
  if (!j.is_object()) return Error{"计划须为 JSON 对象 / a schedule must be a JSON object"};
  Schedule s;
  s.id = str(j, "id");
  if (s.id.empty() || s.id.size() > 64 ||
      !std::all_of(s.id.begin(), s.id.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; }))
    return Error{"id 须为 1–64 个字母、数字、-_ / id must be 1-64 letters, digits, -_"};
  s.report = str(j, "report");
  auto kind = std::find_if(kinds.begin(), kinds.end(), [&](const ReportKind& k) { return k.id == s.report; });
  if (kind == kinds.end()) {
    std::string names;
    for (const auto& k : kinds) names += (names.empty() ? "" : ", ") + k.id;
    return Error{"report 须为 " + names + " 之一 / report must be one of " + names + ": " + s.report};
  }
  s.system = str(j, "system");
  if (kind->per_system && (s.system.empty() || s.system.size() > 64 || s.system.find_first_of("/\\\r\n") != std::string::npos))
    return Error{"system 必填：该报告针对一个定级系统 / system is required: the report is of one graded system"};
  if (!kind->per_system) s.system.clear();
  if (j.contains("at")) {
    s.at = str(j, "at");
    int h = -1, m = -1;
    if (s.at.size() != 5 || std::sscanf(s.at.c_str(), "%d:%d", &h, &m) != 2 || h < 0 || h > 23 || m < 0 || m > 59)
      return Error{"at 须为 HH:MM / at must be HH:MM: " + s.at};
  }
  if (j.contains("format")) s.format = str(j, "format");
  if (s.format != "pdf" && s.format != "html") return Error{"format 须为 pdf 或 html / format must be pdf or html"};
  if (j.contains("lang")) s.lang = str(j, "lang");
  if (s.lang != "zh-CN" && s.lang != "en") return Error{"lang 须为 zh-CN 或 en / lang must be zh-CN or en"};
  if (j.contains("enabled")) {
    if (!j["enabled"].is_boolean()) return Error{"enabled 须为 true/false / enabled must be true or false"};
    s.enabled = j["enabled"].get<bool>();
  }
  auto to = recipients_from_json(j.contains("to") ? j["to"] : json::object(), "to");
  if (!to) return Error{to.error()};
  s.to = *to;
  if (s.to.empty()) return Error{"to 须至少有一个收件人（邮件或机器人）/ to needs a recipient (mail or a robot)"};
  return s;
}

json to_json(const Schedule& s, bool secrets) {
  json j = {{"id", s.id},           {"report", s.report},          {"at", s.at}, {"format", s.format}, {"lang", s.lang},
            {"enabled", s.enabled}, {"to", to_json(s.to, secrets)}};
  if (!s.system.empty()) j["system"] = s.system;
  return j;
}

Duties::Duties(DutyOptions o) : opt_(std::move(o)) {}

Result<std::vector<Schedule>> Duties::load(const std::string& data_dir, const std::vector<ReportKind>& kinds) {
  std::vector<Schedule> out;
  auto t = read_file(schedules_path(data_dir));
  if (!t) return out;
  auto j = json::parse(*t, nullptr, false);
  if (j.is_discarded() || !j.is_array())
    return Error{schedules_path(data_dir) + " 不是 JSON 数组，请修复或移走 / is not a JSON array: fix or move it"};
  for (const auto& x : j) {
    auto s = schedule_from_json(x, kinds);
    if (!s) return Error{schedules_path(data_dir) + ": " + s.error()};
    out.push_back(std::move(*s));
  }
  return out;
}

Status Duties::save(const std::string& data_dir, const std::vector<Schedule>& s) {
  json a = json::array();
  for (const auto& x : s) a.push_back(to_json(x, true));
  std::error_code ec;
  std::filesystem::create_directories(DataDir(data_dir).ops(), ec);
  return write_file_atomic(schedules_path(data_dir), a.dump(1));
}

Result<DataCheckOptions> Duties::datacheck_settings(const std::string& data_dir) {
  auto t = read_file(datacheck_path(data_dir));
  if (!t) return DataCheckOptions{};
  auto j = json::parse(*t, nullptr, false);
  if (j.is_discarded()) return Error{datacheck_path(data_dir) + " 不是 JSON / is not JSON"};
  return datacheck_options(j);
}

json Duties::state(const std::string& data_dir) {
  auto t = read_file(state_path(data_dir));
  auto j = t ? json::parse(*t, nullptr, false) : json::object();
  return j.is_object() ? j : json::object();
}

void Duties::remember(const std::string& id, const std::string& key, int64_t now, const std::string& status) {
  json st = state(opt_.data_dir);
  st[id] = {{"key", key}, {"ts", now / kSec}, {"status", status}};
  (void)write_file_atomic(state_path(opt_.data_dir), st.dump(1));
}

Result<std::vector<std::string>> Duties::send(const Schedule& s, const ReportKind& k, const std::string& key, int64_t now,
                                              const std::string& by) {
  auto html = k.html(key, s.lang, s.system);
  if (!html) return Error{k.id + " " + key + ": " + html.error()};
  std::string dir = DataDir(opt_.data_dir).root() + "/reports/scheduled/" + s.id;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string base = dir + "/" + key;
  alert::Attachment file;
  std::string title = (s.lang == "en" ? k.en : k.zh) + (s.system.empty() ? "" : " " + s.system) + " " + key;
  file.name = title + "." + s.format;
  if (Status w = write_file_atomic(base + ".html", *html); !w) return Error{w.error()};
  if (s.format == "pdf") {
    if (!opt_.pdf) return Error{"PDF: no converter"};
    if (Status p = opt_.pdf(*html, base + ".pdf"); !p) return Error{"PDF: " + p.error()};
    auto data = read_file(base + ".pdf");
    if (!data) return Error{"PDF: cannot read " + base + ".pdf"};
    file.type = "application/pdf";
    file.data = std::move(*data);
  } else {
    file.type = "text/html; charset=UTF-8";
    file.data = *html;
  }
  Message m;
  m.kind = "report";
  m.title = title;
  m.text = (s.lang == "en" ? "The scheduled report \"" + s.id + "\" for " + key + " is attached."
                           : "计划报表“" + s.id + "”（" + key + "）见附件。");
  m.link = "/ops";
  m.files.push_back(file);
  auto failed = opt_.notifier ? opt_.notifier->send(m, s.to, now) : std::vector<std::string>{"no notifier"};
  if (opt_.record) {
    json raw = {{"@timestamp", format_rfc3339(now)},
                {"event.dataset", "wardsec.report"},
                {"schedule", s.id},
                {"report", k.id},
                {"period", key},
                {"format", s.format},
                {"by", by},
                {"recipients", s.to.mail},
                {"failed", failed}};
    Event ev;
    ev.raw = raw.dump(-1, ' ', false, json::error_handler_t::replace);
    ev.ts = ev.received = now;
    ev.set(kEventDataset, "wardsec.report");
    ev.set(kEventModule, "ops");
    ev.set(kEventAction, "report_sent");
    ev.set(kEventOutcome, failed.empty() ? "success" : "failure");
    ev.set(kUserName, by);
    opt_.record(std::move(ev));
  }
  return failed;
}

Result<std::vector<std::string>> Duties::run(const std::string& id, int64_t now, const std::string& by) {
  std::lock_guard l(mu_);
  auto all = load(opt_.data_dir, opt_.kinds);
  if (!all) return Error{all.error()};
  auto s = std::find_if(all->begin(), all->end(), [&](const Schedule& x) { return x.id == id; });
  if (s == all->end()) return Error{"无此报表计划 / no schedule " + id};
  auto k = std::find_if(opt_.kinds.begin(), opt_.kinds.end(), [&](const ReportKind& x) { return x.id == s->report; });
  std::string key = period_key(k->every, now, opt_.tz_sec);
  auto r = send(*s, *k, key, now, by);
  remember(id, key, now, !r ? "error: " + r.error() : r->empty() ? "sent" : "partly: " + r->front());
  return r;
}

Result<DataCheckResult> Duties::check(const std::string& day, int64_t now) {
  auto o = datacheck_settings(opt_.data_dir);
  if (!o) return Error{o.error()};
  auto r = run_datacheck(opt_.data_dir, *o, day, opt_.tz_sec, now);
  if (!r) return r;
  Message m;
  m.kind = "datacheck";
  m.title = std::string(r->findings() ? "【需关注】" : "") + "数据自我检测 " + day + " / Data self-check";
  m.text = datacheck_text(*r, opt_.tz_sec);
  m.link = "/ops";
  auto to = Notifier::sysadmin(opt_.data_dir);
  if (opt_.notifier) opt_.notifier->send(m, to ? *to : Recipients{}, now);
  for (const auto& b : r->backups) {
    if (b.state == "ok" || !opt_.alerts) continue;
    alert::Alert a =
        ops_alert(kBackupFailed, "",
                  "备份“" + b.name + "”" + (b.state == "failed" ? "失败：" + b.detail : "在 " + day + " 未按时完成") + "（" + day + "）",
                  now, kMlps, kBasis);
    a.dedup_key += "|" + b.name + "|" + day;
    raise_alert(*opt_.alerts, opt_.outputs, a, now);
  }
  if (opt_.record) {
    json raw = to_json(*r);
    raw["@timestamp"] = format_rfc3339(now);
    raw["event.dataset"] = "wardsec.datacheck";
    raw.erase("tables");
    Event ev;
    ev.raw = raw.dump(-1, ' ', false, json::error_handler_t::replace);
    ev.ts = ev.received = now;
    ev.set(kEventDataset, "wardsec.datacheck");
    ev.set(kEventModule, "ops");
    ev.set(kEventAction, "datacheck");
    ev.set(kEventOutcome, r->findings() ? "failure" : "success");
    opt_.record(std::move(ev));
  }
  return r;
}

std::string Duties::tick(int64_t now) {
  std::lock_guard l(mu_);
  std::string did;
  int local_min = static_cast<int>((now / kSec + opt_.tz_sec) % 86400 / 60);
  json st = state(opt_.data_dir);
  auto due = [&](const std::string& id, const std::string& every, const std::string& key, const std::string& at) {
    if (st.contains(id) && st[id].value("key", "") == key && st[id].value("status", "").rfind("error", 0) != 0) return false;
    auto t = last_try_.find(id);
    if (t != last_try_.end() && now - t->second < 30 * 60 * kSec) return false;  // a failed one is tried again every half hour
    int64_t end = period_end(every, key, opt_.tz_sec);
    return now >= end + int64_t{minutes_of(at)} * 60 * kSec || (now >= end && local_min >= minutes_of(at));
  };
  // The data self-check, daily.
  auto dc = datacheck_settings(opt_.data_dir);
  if (dc && dc->enabled) {
    std::string day = period_key("day", now, opt_.tz_sec);
    if (due("_datacheck", "day", day, dc->at)) {
      last_try_["_datacheck"] = now;
      auto r = check(day, now);
      remember("_datacheck", day, now, r ? (r->findings() ? "findings" : "ok") : "error: " + r.error());
      did += "datacheck " + day + (r ? "" : " failed: " + r.error()) + "; ";
    }
  }
  auto all = load(opt_.data_dir, opt_.kinds);
  if (!all) {
    spdlog::error("schedules: {}", all.error());
    return did;
  }
  for (const auto& s : *all) {
    if (!s.enabled) continue;
    auto k = std::find_if(opt_.kinds.begin(), opt_.kinds.end(), [&](const ReportKind& x) { return x.id == s.report; });
    std::string key = period_key(k->every, now, opt_.tz_sec);
    if (!due(s.id, k->every, key, s.at)) continue;
    last_try_[s.id] = now;
    auto r = send(s, *k, key, now, "wardsec");
    remember(s.id, key, now, !r ? "error: " + r.error() : r->empty() ? "sent" : "partly: " + r->front());
    if (!r) spdlog::error("schedule {}: {}", s.id, r.error());
    did += s.id + " " + key + "; ";
  }
  return did;
}

}  // namespace wardsec::ops
