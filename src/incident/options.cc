// The `incident:` section of wardsec.yaml (config/wardsec.yaml lists every key).
#include <yaml-cpp/yaml.h>

#include <set>

#include "core/strutil.h"
#include "incident/service.h"
#include "incident/taxonomy.h"

namespace wardsec::incident {

namespace {

struct Reader {
  const std::string& file;
  Status err;
  void keys(const YAML::Node& n, const std::string& where, std::initializer_list<const char*> allowed) {
    if (!n || !err) return;
    if (!n.IsMap()) {
      err = Error{file + ":" + std::to_string(n.Mark().line + 1) + ": '" + where + "' must be a mapping"};
      return;
    }
    std::set<std::string> ok(allowed.begin(), allowed.end());
    for (const auto& kv : n) {
      auto k = kv.first.as<std::string>();
      if (!ok.count(k)) err = Error{file + ":" + std::to_string(kv.first.Mark().line + 1) + ": unknown key '" + where + "." + k + "'"};
    }
  }
  template <class T>
  void get(const YAML::Node& n, const char* key, T& out, const std::string& where) {
    if (!n || !n[key] || !err) return;
    try {
      out = n[key].as<T>();
    } catch (const YAML::Exception&) {
      err = Error{file + ":" + std::to_string(n[key].Mark().line + 1) + ": '" + where + "." + key + "' has the wrong type"};
    }
  }
  void grade(const YAML::Node& n, const char* key, Grade& g, const std::string& where) {
    std::string s;
    get(n, key, s, where);
    if (s.empty() || !err) return;
    auto p = parse_grade(s);
    if (!p)
      err = Error{file + ": '" + where + "." + key + "': a grade (general, larger, major, special), not \"" + s + "\""};
    else
      g = *p;
  }
  template <class F>
  void list(const YAML::Node& n, const char* key, const std::string& where, F each) {
    if (!n || !n[key] || !err) return;
    if (!n[key].IsSequence()) {
      err = Error{file + ":" + std::to_string(n[key].Mark().line + 1) + ": '" + where + "." + key + "' must be a list"};
      return;
    }
    for (const auto& item : n[key]) {
      if (!err) return;
      each(item, where + "." + key + "[" + std::to_string(item.Mark().line + 1) + "]");
    }
  }
};

}  // namespace

std::vector<AutoOpen> default_auto_open() {
  return {
      {"ransomware-shadow-copies", "high", 0, "6cd1e4c6-7682-5a9e-a2a6-e325f35c6398", "MPRANS", Grade::kMajor},
      {"ransomware-note", "high", 0, "8f24c275-9331-5d65-9c27-03430d7a54c9", "MPRANS", Grade::kMajor},
      {"tongfang-extracted", "high", 0, "992e2afc-07ce-5886-b2be-9d93427082cf", "DSDATAABUSE", Grade::kUngraded},
      {"critical-on-level3", "critical", 3, "", "", Grade::kUngraded},
  };
}

Status load_options(const YAML::Node& n, const std::string& file, Options& o) {
  Reader r{file, {}};
  const std::string w = "incident";
  r.keys(n, w,
         {"operator_type", "bodies", "summary_workdays", "remind_at", "final_minutes", "channels", "policy", "auto_open", "working_hours",
          "mail", "ca_file", "retries", "retry_delay_ms", "tick_seconds", "console_url", "timeout_ms"});
  auto& rc = o.reporting;
  r.get(n, "operator_type", rc.operator_type, w);
  r.get(n, "summary_workdays", rc.summary_workdays, w);
  r.get(n, "remind_at", rc.remind_at, w);
  r.get(n, "final_minutes", rc.final_minutes, w);
  r.get(n, "working_hours", o.working_hours, w);
  r.get(n, "ca_file", o.transport.ca_file, w);
  r.get(n, "timeout_ms", o.transport.timeout_ms, w);
  r.get(n, "retries", o.retries, w);
  r.get(n, "retry_delay_ms", o.retry_delay_ms, w);
  r.get(n, "tick_seconds", o.tick_seconds, w);
  r.get(n, "console_url", o.console_url, w);
  if (n && n["mail"]) {
    auto m = n["mail"];
    r.keys(m, w + ".mail", {"server", "from", "user", "password", "helo"});
    r.get(m, "server", o.mail.server, w + ".mail");
    r.get(m, "from", o.mail.from, w + ".mail");
    r.get(m, "user", o.mail.user, w + ".mail");
    r.get(m, "password", o.mail.password, w + ".mail");
    r.get(m, "helo", o.mail.helo, w + ".mail");
  }
  r.list(n, "bodies", w, [&](const YAML::Node& b, const std::string& where) {
    Body body;
    r.keys(b, where, {"id", "name_zh", "name_en", "minutes", "min_grade", "basis", "contact"});
    r.get(b, "id", body.id, where);
    r.get(b, "name_zh", body.name_zh, where);
    r.get(b, "name_en", body.name_en, where);
    r.get(b, "minutes", body.minutes, where);
    r.grade(b, "min_grade", body.min_grade, where);
    r.get(b, "basis", body.basis, where);
    r.get(b, "contact", body.contact, where);
    rc.bodies.push_back(std::move(body));
  });
  r.list(n, "channels", w, [&](const YAML::Node& c, const std::string& where) {
    Channel ch;
    r.keys(c, where, {"id", "kind", "url", "secret", "to"});
    r.get(c, "id", ch.id, where);
    r.get(c, "kind", ch.kind, where);
    r.get(c, "url", ch.url, where);
    r.get(c, "secret", ch.secret, where);
    r.get(c, "to", ch.to, where);
    o.channels.push_back(std::move(ch));
  });
  r.list(n, "policy", w, [&](const YAML::Node& p, const std::string& where) {
    PolicyRule pr;
    r.keys(p, where, {"min_grade", "channels", "hours"});
    r.grade(p, "min_grade", pr.min_grade, where);
    r.get(p, "channels", pr.channels, where);
    r.get(p, "hours", pr.hours, where);
    o.policy.push_back(std::move(pr));
  });
  if (n && n["auto_open"]) o.auto_open.clear();
  r.list(n, "auto_open", w, [&](const YAML::Node& a, const std::string& where) {
    AutoOpen ao;
    r.keys(a, where, {"name", "min_level", "system_level", "rule", "subcategory", "grade"});
    r.get(a, "name", ao.name, where);
    r.get(a, "min_level", ao.min_level, where);
    r.get(a, "system_level", ao.system_level, where);
    r.get(a, "rule", ao.rule, where);
    r.get(a, "subcategory", ao.subcategory, where);
    r.grade(a, "grade", ao.grade, where);
    o.auto_open.push_back(std::move(ao));
  });
  if (!r.err) return r.err;
  if (auto st = check(o); !st) return Error{file + ": " + st.error()};
  return {};
}

Status check(const Options& o) {
  if (auto st = incident::check(o.reporting); !st) return st;
  std::set<std::string> ids;
  for (const auto& c : o.channels) {
    if (c.id.empty() || !ids.insert(c.id).second) return Error{"incident.channels: each channel needs an id of its own (\"" + c.id + "\")"};
    if (c.kind == "mail") {
      if (c.to.empty()) return Error{"incident.channels." + c.id + ": a mail channel needs recipients (to)"};
      if (o.mail.server.empty()) return Error{"incident.channels." + c.id + ": mail needs incident.mail (or alerts.smtp) with a server"};
    } else if (c.kind == "wecom" || c.kind == "dingtalk" || c.kind == "webhook") {
      if (!starts_with(c.url, "https://") && !starts_with(c.url, "http://127.") && !starts_with(c.url, "http://localhost"))
        return Error{"incident.channels." + c.id + ": the url must be https:// (http:// only to a loopback relay)"};
    } else {
      return Error{"incident.channels." + c.id + ": kind must be mail, wecom, dingtalk or webhook, not \"" + c.kind + "\""};
    }
  }
  for (const auto& p : o.policy) {
    if (p.hours != "any" && p.hours != "work" && p.hours != "off") return Error{"incident.policy: hours is any, work or off"};
    for (const auto& c : p.channels)
      if (!ids.count(c)) return Error{"incident.policy: no channel \"" + c + "\""};
  }
  for (const auto& a : o.auto_open) {
    if (!a.subcategory.empty() && !find_subcategory(a.subcategory))
      return Error{"incident.auto_open." + a.name + ": \"" + a.subcategory + "\" is not a GB/T 20986-2023 subcategory code"};
    if (a.system_level < 0 || a.system_level > 5) return Error{"incident.auto_open." + a.name + ": system_level is 0-5"};
  }
  int h1, m1, h2, m2;
  char dash;
  if (std::sscanf(o.working_hours.c_str(), "%d:%d%c%d:%d", &h1, &m1, &dash, &h2, &m2) != 5 || dash != '-' || h1 < 0 || h1 > 23 || h2 < 0 ||
      h2 > 24 || m1 < 0 || m1 > 59 || m2 < 0 || m2 > 59 || h1 * 60 + m1 >= h2 * 60 + m2)
    return Error{"incident.working_hours: \"HH:MM-HH:MM\" (China time), not \"" + o.working_hours + "\""};
  if (o.retries < 0 || o.retries > 10 || o.retry_delay_ms < 0 || o.tick_seconds < 1)
    return Error{"incident: retries 0-10, retry_delay_ms 0 or more, tick_seconds 1 or more"};
  return {};
}

}  // namespace wardsec::incident
