#include "ops/datacheck.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <set>

#include "core/datadir.h"
#include "core/files.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "search/search.h"

namespace wardsec::ops {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr int64_t kDay = 86400 * kSec;
constexpr size_t kMaxBulk = 200;
constexpr int kUsualDays = 7;

std::string upper(std::string_view s) {
  std::string o(s);
  for (char& ch : o)
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 32);
  return o;
}

std::string joined(const std::vector<std::string>& v) {
  std::string o;
  for (const auto& s : v) o += (o.empty() ? "" : ",") + s;
  return o;
}

std::string str(const json& j, const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string(); }

// db.sql.tables as the events carry it: a JSON array, or names separated by commas.
std::vector<std::string> tables_of(std::string_view v) {
  std::vector<std::string> out;
  if (!v.empty() && v.front() == '[') {
    auto j = json::parse(v, nullptr, false);
    if (j.is_array())
      for (const auto& t : j)
        if (t.is_string()) out.push_back(to_lower(t.get<std::string>()));
    return out;
  }
  size_t pos = 0;
  while (pos < v.size()) {
    size_t c = v.find(',', pos);
    if (c == std::string_view::npos) c = v.size();
    std::string t = to_lower(std::string(trim(v.substr(pos, c - pos))));
    if (!t.empty()) out.push_back(t);
    pos = c + 1;
  }
  return out;
}

bool key_table(const DataCheckOptions& o, const std::string& t) {
  if (o.tables.empty()) return true;
  // "his.prescription" matches "prescription" too: the schema is often left out in statements.
  std::string bare = t.substr(t.rfind('.') == std::string::npos ? 0 : t.rfind('.') + 1);
  return std::any_of(o.tables.begin(), o.tables.end(), [&](const std::string& g) { return glob_match(t, g) || glob_match(bare, g); });
}

std::string dir_of(const std::string& data_dir) { return DataDir(data_dir).ops() + "/datacheck"; }

struct Counted {
  std::map<std::string, int64_t> tables;
  uint64_t statements = 0;
  std::vector<BulkChange> bulk;
  size_t bulk_total = 0;
};

Status count_day(const std::string& data_dir, const DataCheckOptions& o, int64_t from, Counted& c) {
  static const FieldId kOp = FieldRegistry::intern("db.operation"), kAffected = FieldRegistry::intern("db.response.affected_rows"),
                       kTables = FieldRegistry::intern("db.sql.tables"), kStmt = FieldRegistry::intern("db.statement"),
                       kUser = FieldRegistry::intern("db.user.name"), kDb = FieldRegistry::intern("db.name");
  auto q = search::Query::parse("db.operation:*");
  if (!q) return Error{"query"};
  search::SearchOptions so;
  so.from = from;
  so.to = from + kDay;
  search::SearchStats st;
  return search::run_search(
      data_dir, *q, so,
      [&](const Event& ev) {
        std::string op = upper(ev.get(kOp));
        if (op != "UPDATE" && op != "DELETE" && op != "INSERT" && op != "TRUNCATE" && op != "MERGE" && op != "REPLACE") return true;
        int64_t rows = 0;
        auto a = ev.get(kAffected);
        if (!a.empty()) rows = std::max<int64_t>(0, std::atoll(std::string(a).c_str()));
        auto tabs = tables_of(ev.get(kTables));
        c.statements++;
        bool key = false;
        for (const auto& t : tabs) {
          if (!key_table(o, t)) continue;
          key = true;
          if (c.tables.size() < 10000 || c.tables.count(t)) c.tables[t] += rows;
        }
        // TRUNCATE reports no rows: a bulk change whatever the count.
        if (key && ((op == "UPDATE" || op == "DELETE" || op == "MERGE") && rows >= o.bulk_rows || op == "TRUNCATE")) {
          c.bulk_total++;
          if (c.bulk.size() < kMaxBulk) {
            BulkChange b;
            b.ts = ev.ts;
            b.user = std::string(ev.get(kUser));
            b.client = std::string(ev.get(kSourceIp));
            b.database = std::string(ev.get(kDb));
            b.operation = op;
            b.statement = std::string(ev.get(kStmt).substr(0, 500));
            b.tables = tabs;
            b.rows = rows;
            c.bulk.push_back(std::move(b));
          }
        }
        return true;
      },
      st);
}

// Counted again at each check, never taken from an earlier file: statements of a past day can
// arrive late (an audit log imported afterwards), and a total kept too early would stay wrong.
Result<std::map<std::string, int64_t>> day_tables(const std::string& data_dir, const DataCheckOptions& o, int64_t from) {
  Counted c;
  if (Status s = count_day(data_dir, o, from, c); !s) return Error{s.error()};
  return c.tables;
}

}  // namespace

bool DataCheckResult::findings() const {
  return bulk_total > 0 || !swings.empty() ||
         std::any_of(backups.begin(), backups.end(), [](const BackupResult& b) { return b.state != "ok"; });
}

Result<DataCheckOptions> datacheck_options(const json& j) {
  if (!j.is_object()) return Error{"datacheck 须为 JSON 对象 / datacheck must be a JSON object"};
  DataCheckOptions o;
  if (j.contains("enabled")) {
    if (!j["enabled"].is_boolean()) return Error{"datacheck.enabled 须为 true/false / must be true or false"};
    o.enabled = j["enabled"].get<bool>();
  }
  if (j.contains("at")) {
    int h = -1, m = -1;
    std::string at = str(j, "at");
    if (std::sscanf(at.c_str(), "%d:%d", &h, &m) != 2 || h < 0 || h > 23 || m < 0 || m > 59 || at.size() != 5)
      return Error{"datacheck.at 须为 HH:MM / must be HH:MM: " + at};
    o.at = at;
  }
  if (j.contains("bulk_rows")) {
    if (!j["bulk_rows"].is_number_integer() || j["bulk_rows"].get<int64_t>() < 1)
      return Error{"datacheck.bulk_rows 须为正整数 / must be a positive integer"};
    o.bulk_rows = j["bulk_rows"].get<int64_t>();
  }
  if (j.contains("tables")) {
    if (!j["tables"].is_array()) return Error{"datacheck.tables 须为表名列表 / must be a list of table names"};
    for (const auto& t : j["tables"]) {
      if (!t.is_string() || t.get<std::string>().empty() || t.get<std::string>().size() > 128)
        return Error{"datacheck.tables 含无效表名 / holds an invalid table name"};
      o.tables.push_back(to_lower(t.get<std::string>()));
    }
  }
  if (j.contains("swing_factor")) {
    if (!j["swing_factor"].is_number() || j["swing_factor"].get<double>() < 1.1)
      return Error{"datacheck.swing_factor 须不小于 1.1 / must be at least 1.1"};
    o.swing_factor = j["swing_factor"].get<double>();
  }
  if (j.contains("swing_min_rows")) {
    if (!j["swing_min_rows"].is_number_integer() || j["swing_min_rows"].get<int64_t>() < 0)
      return Error{"datacheck.swing_min_rows 须为非负整数 / must be a non-negative integer"};
    o.swing_min_rows = j["swing_min_rows"].get<int64_t>();
  }
  if (j.contains("backups")) {
    if (!j["backups"].is_array() || j["backups"].size() > 50)
      return Error{"datacheck.backups 须为至多 50 项的列表 / must be a list of at most 50"};
    for (size_t i = 0; i < j["backups"].size(); i++) {
      const json& b = j["backups"][i];
      std::string where = "datacheck.backups[" + std::to_string(i) + "]";
      if (!b.is_object()) return Error{where + " 须为对象 / must be an object"};
      BackupCheck c;
      c.name = str(b, "name");
      c.success = str(b, "success");
      c.failure = str(b, "failure");
      if (c.name.empty()) return Error{where + ".name 必填 / is required"};
      if (c.success.empty())
        return Error{where + ".success 必填（匹配备份成功日志的查询）/ is required (a query matching the success lines)"};
      for (const auto* q : {&c.success, &c.failure}) {
        if (q->empty()) continue;
        auto p = search::Query::parse(*q);
        if (!p) return Error{where + (q == &c.success ? ".success" : ".failure") + " 查询无效 / is not a valid query: " + p.error()};
      }
      if (b.contains("max_age_hours")) {
        if (!b["max_age_hours"].is_number_integer() || b["max_age_hours"].get<int>() < 1 || b["max_age_hours"].get<int>() > 24 * 31)
          return Error{where + ".max_age_hours 须为 1–744 / must be 1-744"};
        c.max_age_hours = b["max_age_hours"].get<int>();
      }
      o.backups.push_back(std::move(c));
    }
  }
  return o;
}

json to_json(const DataCheckOptions& o) {
  json b = json::array();
  for (const auto& x : o.backups)
    b.push_back({{"name", x.name}, {"success", x.success}, {"failure", x.failure}, {"max_age_hours", x.max_age_hours}});
  return {{"enabled", o.enabled},
          {"at", o.at},
          {"bulk_rows", o.bulk_rows},
          {"tables", o.tables},
          {"swing_factor", o.swing_factor},
          {"swing_min_rows", o.swing_min_rows},
          {"backups", b}};
}

json to_json(const DataCheckResult& r) {
  json bulk = json::array(), swings = json::array(), backups = json::array();
  for (const auto& b : r.bulk)
    bulk.push_back({{"ts", b.ts / kSec},
                    {"user", b.user},
                    {"client", b.client},
                    {"database", b.database},
                    {"operation", b.operation},
                    {"tables", b.tables},
                    {"rows", b.rows},
                    {"statement", b.statement}});
  for (const auto& s : r.swings) swings.push_back({{"table", s.table}, {"rows", s.rows}, {"usual", s.usual}, {"days", s.days}});
  for (const auto& b : r.backups)
    backups.push_back({{"name", b.name},
                       {"state", b.state},
                       {"last_success", b.last_success / kSec},
                       {"last_failure", b.last_failure / kSec},
                       {"failures", b.failures},
                       {"detail", b.detail}});
  return {{"day", r.day},
          {"checked_at", r.checked_at / kSec},
          {"statements", r.statements},
          {"bulk", bulk},
          {"bulk_total", r.bulk_total},
          {"swings", swings},
          {"tables", r.tables},
          {"backups", backups},
          {"errors", r.errors},
          {"findings", r.findings()}};
}

std::string datacheck_text(const DataCheckResult& r, int tz_sec) {
  std::string t = "数据自我检测 " + r.day + "：";
  if (!r.findings()) t += "未发现大批量数据变更、关键表数据量异常或备份失败。";
  if (r.bulk_total) {
    t += "\n大批量数据变更 " + std::to_string(r.bulk_total) + " 条：";
    for (size_t i = 0; i < std::min<size_t>(r.bulk.size(), 10); i++) {
      const auto& b = r.bulk[i];
      t += "\n  " + local_time(b.ts, tz_sec) + " " + b.user + "@" + b.client + " " + b.operation + " " + joined(b.tables) + " " +
           std::to_string(b.rows) + " 行：" + b.statement.substr(0, 160);
    }
  }
  for (const auto& s : r.swings)
    t += "\n关键表 " + s.table + " 当日变更 " + std::to_string(s.rows) + " 行，通常 " + std::to_string(s.usual) + " 行（前 " +
         std::to_string(s.days) + " 日中位数）";
  for (const auto& b : r.backups) {
    if (b.state == "ok") continue;
    t += "\n备份 " + b.name +
         (b.state == "failed"
              ? " 失败 " + std::to_string(b.failures) + " 次：" + b.detail
              : " 未按时完成（最近成功：" + (b.last_success ? local_time(b.last_success, tz_sec) : std::string("无")) + "）");
  }
  for (const auto& e : r.errors) t += "\n检测出错：" + e;
  t += "\n\nData self-check " + r.day + ": " + std::to_string(r.bulk_total) + " bulk changes, " + std::to_string(r.swings.size()) +
       " table swings, " +
       std::to_string(std::count_if(r.backups.begin(), r.backups.end(), [](const BackupResult& b) { return b.state != "ok"; })) +
       " backups failed or missing.";
  return t;
}

Result<DataCheckResult> run_datacheck(const std::string& data_dir, const DataCheckOptions& o, const std::string& day, int tz_sec,
                                      int64_t now) {
  int64_t from = 0;
  if (day.size() != 10 || !parse_user_time(day, tz_sec, from)) return Error{"检测日期须为 YYYY-MM-DD / the day must be YYYY-MM-DD: " + day};
  if (from + kDay > now) return Error{"日期 " + day + " 尚未结束 / the day " + day + " has not ended"};
  std::error_code ec;
  fs::create_directories(dir_of(data_dir), ec);
  DataCheckResult r;
  r.day = day;
  r.checked_at = now;
  Counted c;
  if (Status s = count_day(data_dir, o, from, c); !s) return Error{"无法读取存储 / cannot read the store: " + s.error()};
  r.statements = c.statements;
  r.bulk = std::move(c.bulk);
  r.bulk_total = c.bulk_total;
  r.tables = c.tables;
  // The usual day of each table: the median of the days before (days with no such statements count as 0).
  std::map<std::string, std::vector<int64_t>> before;
  int days = 0;
  for (int d = 1; d <= kUsualDays; d++) {
    auto t = day_tables(data_dir, o, from - d * kDay);
    if (!t) {
      r.errors.push_back(t.error());
      continue;
    }
    days++;
    for (const auto& [k, v] : *t) before[k].push_back(v);
  }
  if (days >= 3) {  // a usual day needs a few days of history
    std::set<std::string> names;
    for (const auto& [k, v] : r.tables) names.insert(k);
    for (const auto& [k, v] : before) names.insert(k);
    for (const auto& name : names) {
      auto v = before[name];
      v.resize(days, 0);  // days without the table: 0 rows
      std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
      int64_t usual = v[v.size() / 2], today = r.tables.count(name) ? r.tables[name] : 0;
      bool up = today > usual * o.swing_factor, down = usual > today * o.swing_factor;
      if ((up || down) && std::llabs(today - usual) >= o.swing_min_rows) r.swings.push_back({name, today, usual, days});
    }
  }
  // Backups: failures that day with no success after them, or no success for too long.
  for (const auto& b : o.backups) {
    BackupResult br;
    br.name = b.name;
    auto scan = [&](const std::string& text, int64_t f, int64_t t, const std::function<void(const Event&)>& each) -> Status {
      auto q = search::Query::parse(text, tz_sec);
      if (!q) return Error{q.error()};
      search::SearchOptions so;
      so.from = f;
      so.to = t;
      search::SearchStats st;
      return search::run_search(
          data_dir, *q, so,
          [&](const Event& ev) {
            each(ev);
            return true;
          },
          st);
    };
    // A success within max_age_hours before the day's end; and the night's backup may run after
    // the day it keeps (02:00 the next morning is usual): up to the check's time, at most 12
    // hours into the next day, counts too.
    int64_t end = from + kDay, ref = std::max(end, std::min(now, end + 12 * 3600 * kSec));
    Status s = scan(b.success, end - int64_t{b.max_age_hours} * 3600 * kSec, ref,
                    [&](const Event& ev) { br.last_success = std::max(br.last_success, ev.ts); });
    if (s && !b.failure.empty())
      s = scan(b.failure, from, end, [&](const Event& ev) {
        br.failures++;
        if (ev.ts >= br.last_failure) {
          br.last_failure = ev.ts;
          auto m = ev.get(kMessage);
          br.detail = std::string((m.empty() ? std::string_view(ev.raw) : m).substr(0, 300));
        }
      });
    if (!s) {
      r.errors.push_back(b.name + ": " + s.error());
      br.state = "error";
    } else if (br.last_failure && br.last_failure > br.last_success) {
      br.state = "failed";
    } else if (!br.last_success) {
      br.state = "missing";
    } else {
      br.state = "ok";
    }
    r.backups.push_back(std::move(br));
  }
  (void)write_file_atomic(dir_of(data_dir) + "/" + day + ".json", to_json(r).dump(1));
  return r;
}

}  // namespace wardsec::ops
