#include "dbaudit/policy.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/strutil.h"
#include "core/timeutil.h"

namespace wardsec::dbaudit {

namespace {

std::string bare(const std::string& name) {
  size_t d = name.rfind('.');
  return d == std::string::npos ? name : name.substr(d + 1);
}

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }
bool has(const NameSet& v, const std::string& x) { return v.count(x) != 0; }

std::string join(const std::vector<std::string>& v) {
  std::string o;
  for (const auto& x : v) o += (o.empty() ? "" : ", ") + x;
  return o;
}

}  // namespace

// "07:30-18:30" into minutes of the day.
static bool parse_hours(const std::string& v, int& from, int& to) {
  int h1, m1, h2, m2;
  if (std::sscanf(v.c_str(), "%d:%d-%d:%d", &h1, &m1, &h2, &m2) != 4 || h1 < 0 || h1 > 24 || h2 < 0 || h2 > 24 || m1 < 0 || m1 > 59 ||
      m2 < 0 || m2 > 59)
    return false;
  from = h1 * 60 + m1;
  to = h2 * 60 + m2;
  return from < to;
}

namespace {

std::string policy_problem(const std::string& path, Policy& out) {
  const char* key = "";
  try {
    YAML::Node y = YAML::LoadFile(path);
    auto list = [&](const YAML::Node& n, auto& into) {
      if (!n) return;
      for (const auto& x : n) {
        std::string v = to_lower(x.as<std::string>());
        if (!has(into, v)) into.insert(into.end(), v);
      }
    };
    key = "profiles";
    for (const auto& prof : y["profiles"]) {
      const YAML::Node& p = prof.second;
      list(p["prescription_tables"], out.prescription_tables);
      list(p["patient_tables"], out.patient_tables);
      list(p["doctor_columns"], out.doctor_columns);
      list(p["drug_columns"], out.drug_columns);
    }
    key = "tools";
    list(y["tools"], out.tools);
    key = "bulk_patient_rows";
    if (y["bulk_patient_rows"]) out.bulk_patient_rows = y["bulk_patient_rows"].as<int64_t>();
    key = "accounts";
    if (const auto& a = y["accounts"]) {
      list(a["application"], out.application_accounts);
      list(a["report"], out.report_accounts);
      list(a["approved"], out.approved_accounts);
    }
    key = "approved_clients";
    for (const auto& c : y["approved_clients"]) {
      std::string v = c.as<std::string>();
      auto cidr = parse_cidr(v.find('/') == std::string::npos ? v + (v.find(':') == std::string::npos ? "/32" : "/128") : v);
      if (!cidr) return path + ": approved_clients: " + v + " is not an address or CIDR block";
      out.approved_clients.push_back(*cidr);
      out.approved_clients_text.push_back(v);
    }
    key = "duty";
    if (const auto& d = y["duty"]) {
      if (d["hours"] && !parse_hours(d["hours"].as<std::string>(), out.duty_start_min, out.duty_end_min))
        return path + ": duty.hours: " + d["hours"].as<std::string>() + " is not HH:MM-HH:MM";
      if (d["days"]) {
        out.duty_days.clear();
        for (const auto& x : d["days"]) {
          int v = x.as<int>();
          if (v < 1 || v > 7) return path + ": duty.days: " + std::to_string(v) + " is not 1 (Monday) to 7 (Sunday)";
          out.duty_days.push_back(v);
        }
      }
      if (d["utc_offset_hours"]) out.tz_offset_min = static_cast<int>(d["utc_offset_hours"].as<double>() * 60);
      if (d["check"]) out.off_duty_check = d["check"].as<bool>();
    }
    key = "windows";
    if (const auto& w = y["windows"]) {
      if (w["minutes"]) out.window_ns = w["minutes"].as<int64_t>() * 60 * 1000000000LL;
      if (w["ranking_repeats"]) out.ranking_repeats = w["ranking_repeats"].as<int>();
      if (w["prescription_detail_rows"]) out.prescription_detail_rows = w["prescription_detail_rows"].as<int64_t>();
    }
    key = "baseline";
    if (const auto& b = y["baseline"]) {
      if (b["learn_hours"]) out.baseline_learn_hours = b["learn_hours"].as<int>();
      if (b["factor"]) out.baseline_factor = b["factor"].as<double>();
      if (b["min_rows"]) out.baseline_min_rows = b["min_rows"].as<int64_t>();
    }
  } catch (const YAML::Exception& e) {
    return path + ": " + key + ": " + e.what();
  }
  if (out.prescription_tables.empty()) return path + ": no profile names prescription tables";
  return {};
}

}  // namespace

Status load_policy(const std::string& path, Policy& out) {
  std::string e = policy_problem(path, out);
  if (e.empty()) return {};
  return Error{e};
}

// What of the policy one statement touches: computed once per statement, read by the
// single-statement checks and by the cross-statement ones.
struct Dims {
  std::vector<std::string> presc, patients, by_doctor, by_drug;
  bool doctor = false, drug = false;  // the doctor / drug dimension appears anywhere (keys, filters, columns, *)
};

namespace {

Dims dims(const SqlInfo& q, const Policy& p) {
  Dims d;
  for (const auto& t : q.tables) {
    if (has(p.prescription_tables, bare(t))) d.presc.push_back(t);
    if (has(p.patient_tables, bare(t))) d.patients.push_back(t);
  }
  for (const auto& g : q.group_by) {
    if (has(p.doctor_columns, g)) d.by_doctor.push_back(g);
    if (has(p.drug_columns, g)) d.by_drug.push_back(g);
  }
  d.doctor = !d.by_doctor.empty() || q.star;
  d.drug = !d.by_drug.empty() || q.star;
  for (const auto& c : q.columns) {
    d.doctor = d.doctor || has(p.doctor_columns, c);
    d.drug = d.drug || has(p.drug_columns, c);
  }
  return d;
}

// Statements that switch the database's own audit off (MariaDB server_audit, pgaudit and
// log_statement, SQL Server Audit, Oracle): all of `words` in the lower-cased text.
bool switches_audit_off(const std::string& text) {
  std::string t = to_lower(std::string_view(text).substr(0, 1024));
  if (t.find("audit") == std::string::npos && t.find("log_statement") == std::string::npos) return false;
  auto all = [&](std::initializer_list<const char*> words) {
    for (const char* w : words)
      if (t.find(w) == std::string::npos) return false;
    return true;
  };
  auto off = [&] {
    return t.find("off") != std::string::npos || t.find("none") != std::string::npos || t.find("= 0") != std::string::npos ||
           t.find("=0") != std::string::npos || t.find(", 0") != std::string::npos || t.find("false") != std::string::npos;
  };
  return (all({"server_audit_logging"}) && off()) || all({"uninstall", "server_audit"}) || (all({"pgaudit.log"}) && off()) ||
         all({"drop", "extension", "pgaudit"}) || (all({"log_statement"}) && all({"none"})) ||
         (all({"server audit"}) && all({"state"}) && off()) || all({"drop", "server audit"}) ||
         (all({"audit specification"}) && all({"state"}) && off()) || all({"noaudit"}) || (all({"audit_trail"}) && all({"none"})) ||
         (all({"c2 audit mode"}) && off());
}

std::vector<DbAlert> single(const Statement& s, const Policy& p, const Dims& d) {
  std::vector<DbAlert> out;
  auto add = [&](const char* kind, const char* level, std::string reason) { out.push_back({kind, level, std::move(reason), {s.text}}); };
  const SqlInfo& q = s.sql;
  std::string user = s.session ? to_lower(s.session->user) : std::string();
  // 统方: prescriptions aggregated by doctor and drug, or ranked by one with the other as a filter.
  if (q.operation == "select" && !d.presc.empty() && !q.aggregates.empty()) {
    std::string what = "prescriptions (" + join(d.presc) + ") aggregated (" + join(q.aggregates) + ")";
    if (!d.by_doctor.empty() && !d.by_drug.empty())
      add("tongfang", "critical", what + " by doctor (" + join(d.by_doctor) + ") and drug (" + join(d.by_drug) + ")");
    else if (!d.by_drug.empty() && d.doctor)
      add("tongfang", "critical", what + " by drug (" + join(d.by_drug) + ") for chosen doctors: a doctor's drug ranking");
    else if (!d.by_doctor.empty() && d.drug)
      add("tongfang", "critical", what + " by doctor (" + join(d.by_doctor) + ") for chosen drugs: a drug's doctor ranking");
    else if (!d.by_doctor.empty() && !has(p.report_accounts, user))
      add("tongfang", "high", what + " by doctor (" + join(d.by_doctor) + ")");
    else if (d.by_doctor.empty() && d.by_drug.empty() && d.doctor && d.drug && !q.star)
      add("tongfang", "high", what + " for a chosen doctor and drug");
  }
  if (q.operation == "select" && !d.patients.empty() && s.rows > p.bulk_patient_rows)
    add("bulk_patient_read", "high", std::to_string(s.rows) + " rows of patient records (" + join(d.patients) + ")");
  if (s.session) {
    std::string prog = to_lower(s.session->program);
    for (const auto& t : p.tools)
      if (!prog.empty() && prog.find(t) != std::string::npos && (!d.presc.empty() || !d.patients.empty())) {
        add("tool_access", "medium", "clinical tables used from " + s.session->program + " instead of the HIS application");
        break;
      }
  }
  if ((q.operation == "update" || q.operation == "delete") && !q.has_where)
    add("no_where", "high", q.operation + " without WHERE on " + join(q.tables));
  if (q.into_outfile) add("export", "high", "data exported to a file (" + join(q.tables) + ")");
  bool dml = q.operation == "select" || q.operation == "insert" || q.operation == "update" || q.operation == "delete";
  if (!dml && switches_audit_off(s.text))
    add("audit_off", "critical", "the database's own audit switched off");
  else if (q.operation == "drop" || q.operation == "truncate" || q.operation == "alter")
    add("ddl", "medium", q.operation + " " + join(q.tables));
  if (q.operation == "grant" || q.operation == "revoke") add("privilege", "high", q.operation);
  return out;
}

}  // namespace

std::vector<DbAlert> check_statement(const Statement& s, const Policy& p) { return single(s, p, dims(s.sql, p)); }

std::vector<DbAlert> Auditor::check(const Statement& s) {
  const Dims d = dims(s.sql, p_);
  std::vector<DbAlert> out = single(s, p_, d);
  if (!s.session) return out;
  const Session& se = *s.session;
  std::string user = to_lower(se.user);
  std::lock_guard lk(mu_);
  forget(s.ts);
  Account& a = accounts_[user + "|" + se.client.ip];
  a.last = std::max(a.last, s.ts);
  constexpr int64_t kHour = 3600LL * 1000000000LL, kDay = 24 * kHour;
  auto once = [&](int64_t& raised, int64_t every) {
    if (raised && s.ts - raised < every) return false;
    raised = s.ts ? s.ts : 1;
    return true;
  };
  if (!p_.approved_clients.empty()) {
    auto ip = parse_ip(se.client.ip);
    bool ok = false;
    if (ip)
      for (const auto& c : p_.approved_clients) ok = ok || c.contains(*ip);
    if (!ok && once(a.raised_client, kDay))
      out.push_back({"unapproved_client", "high", "connection from " + se.client.ip + ", not an approved client address", {s.text}});
  }
  if (!p_.approved_accounts.empty() && !user.empty() && !has(p_.approved_accounts, user) && once(a.raised_account, kDay))
    out.push_back({"unapproved_account", "high", "account " + se.user + " is not an approved database account", {s.text}});
  bool app = has(p_.application_accounts, user);
  if (p_.off_duty_check && !app && !user.empty() && s.ts > 0) {
    int64_t local = s.ts / 1000000000LL + p_.tz_offset_min * 60LL;
    int minute = static_cast<int>((local % 86400 + 86400) % 86400 / 60);
    int wday = weekday_of(local / 86400) + 1;  // 1 Monday ... 7 Sunday
    bool on = minute >= p_.duty_start_min && minute < p_.duty_end_min &&
              std::find(p_.duty_days.begin(), p_.duty_days.end(), wday) != p_.duty_days.end();
    if (!on && once(a.raised_duty, 8 * kHour)) {
      char when[32];
      std::snprintf(when, sizeof when, "day %d %02d:%02d", wday, minute / 60, minute % 60);
      out.push_back({"off_duty", "medium", "account " + se.user + " used outside duty time (" + when + " local)", {s.text}});
    }
  }
  if (!app) cross(s, d, a, out);
  baseline(s, a, out);
  return out;
}

void Auditor::cross(const Statement& s, const Dims& d, Account& a, std::vector<DbAlert>& out) {
  const SqlInfo& q = s.sql;
  while (!a.presc.empty() && s.ts - a.presc.front().ts > p_.window_ns) {
    if (!a.presc.front().aggregate) a.presc_rows -= std::max<int64_t>(a.presc.front().rows, 0);
    a.presc.pop_front();
  }
  if (q.operation != "select" || d.presc.empty() || (!d.doctor && !d.drug)) return;
  bool aggregate = !q.aggregates.empty();
  a.presc.push_back({s.ts, s.text, q.fingerprint_hash, d.doctor, d.drug, aggregate, s.rows});
  if (!aggregate) a.presc_rows += std::max<int64_t>(s.rows, 0);
  if (a.presc.size() > 256) {
    if (!a.presc.front().aggregate) a.presc_rows -= std::max<int64_t>(a.presc.front().rows, 0);
    a.presc.pop_front();
  }
  auto evidence = [&](auto pred) {
    std::vector<std::string> ev;
    for (const auto& x : a.presc)
      if (pred(x) && ev.size() < 20) ev.push_back(x.text);
    return ev;
  };
  auto fresh = [&](int64_t& raised) {
    if (raised && s.ts - raised < p_.window_ns) return false;
    raised = s.ts ? s.ts : 1;
    return true;
  };
  // Aggregates over prescriptions: the same one repeated with different values (a ranking
  // taken one doctor or drug at a time), or aggregates by doctor in one query and by drug in
  // another (统方 split over queries).
  if (aggregate) {
    int same = 0;
    bool doc = false, drug = false;
    for (const auto& x : a.presc) {
      if (!x.aggregate) continue;
      if (x.fingerprint == q.fingerprint_hash && x.doctor && x.drug) same++;  // each one doctor-and-drug cell or ranking
      doc = doc || x.doctor;
      drug = drug || x.drug;
    }
    if (same >= p_.ranking_repeats && fresh(a.raised_ranking)) {
      out.push_back({"tongfang", "critical",
                     "the same aggregate over prescriptions (" + join(d.presc) + ") run " + std::to_string(same) +
                         " times with different values within the window: a ranking taken piece by piece",
                     evidence([&](const Seen& x) { return x.fingerprint == q.fingerprint_hash; })});
    } else if (doc && drug && !(d.doctor && d.drug) && fresh(a.raised_split)) {
      out.push_back({"tongfang", "critical",
                     "aggregates over prescriptions by doctor and by drug in separate queries (统方 split over queries)",
                     evidence([](const Seen& x) { return x.aggregate; })});
    }
    return;
  }
  // Prescription detail read out in pieces: rows with the doctor and the drug dimension.
  bool doc = false, drug = false;
  for (const auto& x : a.presc)
    if (!x.aggregate) doc = doc || x.doctor, drug = drug || x.drug;
  if (doc && drug && a.presc_rows >= p_.prescription_detail_rows && fresh(a.raised_detail))
    out.push_back({"tongfang", "high",
                   std::to_string(a.presc_rows) + " rows of prescription detail with doctors and drugs read within the window (" +
                       join(d.presc) + ")",
                   evidence([](const Seen& x) { return !x.aggregate; })});
}

void Auditor::baseline(const Statement& s, Account& a, std::vector<DbAlert>& out) {
  constexpr int64_t kHour = 3600LL * 1000000000LL;
  int64_t hour = s.ts / kHour;
  if (a.hour < 0) a.hour = hour;
  if (hour > a.hour) {
    // Close the hour (and the quiet hours after it, up to a week) into the running mean.
    int64_t n = std::min<int64_t>(hour - a.hour, 24 * 7);
    for (int64_t i = 0; i < n; i++) {
      double x = i == 0 ? static_cast<double>(a.hour_rows) : 0.0;
      a.hours++;
      double delta = x - a.mean;
      a.mean += delta / static_cast<double>(a.hours);
      a.m2 += delta * (x - a.mean);
    }
    a.hour = hour;
    a.hour_rows = 0;
  }
  a.hour_rows += std::max<int64_t>(s.rows, 0) + std::max<int64_t>(s.affected, 0);
  if (a.hours < p_.baseline_learn_hours || a.hour_rows < p_.baseline_min_rows) return;
  double sd = a.hours > 1 ? std::sqrt(a.m2 / static_cast<double>(a.hours - 1)) : 0.0;
  double limit = std::max(a.mean * p_.baseline_factor, a.mean + 6 * sd);
  if (static_cast<double>(a.hour_rows) > limit && (a.raised_baseline / kHour) != hour) {
    a.raised_baseline = hour * kHour;
    char why[160];
    std::snprintf(why, sizeof why, "%lld rows in this hour; this account's normal is %.0f per hour (sd %.0f, %lld hours learned)",
                  static_cast<long long>(a.hour_rows), a.mean, sd, static_cast<long long>(a.hours));
    out.push_back({"baseline", "medium", "account " + s.session->user + ": " + why, {s.text}});
  }
}

void Auditor::forget(int64_t now) {
  constexpr int64_t kDay = 86400LL * 1000000000LL;
  if (now - last_sweep_ < kDay / 144 && accounts_.size() < 100000) return;
  last_sweep_ = now;
  for (auto it = accounts_.begin(); it != accounts_.end();)
    it = now - it->second.last > kDay || accounts_.size() > 100000 ? accounts_.erase(it) : std::next(it);
}

}  // namespace wardsec::dbaudit
