#include "emergency/plan.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/timeutil.h"

namespace wardsec::emergency {

using json = nlohmann::json;

namespace {

constexpr size_t kMaxText = 8000;  // bytes of one text field
constexpr size_t kMaxTitle = 600;  // bytes of a title (200 Chinese characters)
constexpr size_t kMaxList = 100;   // roles, triggers, steps, systems, items, participants, findings

// Reads the fields of one JSON object, remembering the first problem with the field's path.
struct Fields {
  const json& j;
  std::string where;
  std::string err;

  const json* at(const char* k) const { return j.contains(k) && !j[k].is_null() ? &j[k] : nullptr; }
  bool fail(const std::string& k, const std::string& what) {
    std::string path = where + k;
    if (!path.empty() && path.back() == '.') path.pop_back();
    if (err.empty()) err = path + ": " + what;
    return false;
  }
  bool text(const char* k, std::string& out, size_t max = kMaxText, bool required = false) {
    const json* v = at(k);
    if (!v) return required ? fail(k, "必填 / required") : true;
    if (!v->is_string()) return fail(k, "应为文本 / must be text");
    std::string s = v->get<std::string>();
    if (s.size() > max) return fail(k, "超过 " + std::to_string(max) + " 字节 / longer than " + std::to_string(max) + " bytes");
    if (s.find('\0') != std::string::npos) return fail(k, "contains NUL");
    if (required && s.find_first_not_of(" \t\r\n") == std::string::npos) return fail(k, "必填 / required");
    out = std::move(s);
    return true;
  }
  bool number(const char* k, int& out, int lo, int hi, bool required = false) {
    const json* v = at(k);
    if (!v) return required ? fail(k, "必填 / required") : true;
    if (!v->is_number_integer()) return fail(k, "应为整数 / must be a whole number");
    int64_t n = v->get<int64_t>();
    if (n < lo || n > hi)
      return fail(
          k, "应在 " + std::to_string(lo) + "-" + std::to_string(hi) + " 之间 / must be " + std::to_string(lo) + "-" + std::to_string(hi));
    out = static_cast<int>(n);
    return true;
  }
  // A list of objects, each read by `each` with its own Fields.
  template <class F>
  bool list(const char* k, F each, bool required = false) {
    const json* v = at(k);
    if (!v) return required ? fail(k, "必填 / required") : true;
    if (!v->is_array()) return fail(k, "应为列表 / must be a list");
    if (v->size() > kMaxList) return fail(k, "more than " + std::to_string(kMaxList) + " entries");
    if (required && v->empty()) return fail(k, "至少一项 / needs at least one entry");
    for (size_t i = 0; i < v->size(); i++) {
      const json& e = (*v)[i];
      if (!e.is_object() && !e.is_string()) return fail(k, "entry " + std::to_string(i + 1) + " is neither text nor an object");
      Fields f{e, where + k + "[" + std::to_string(i + 1) + "].", ""};
      if (!each(f)) {
        if (err.empty()) err = f.err.empty() ? where + k + ": bad entry " + std::to_string(i + 1) : f.err;
        return false;
      }
    }
    return true;
  }
  bool strings(const char* k, std::vector<std::string>& out, bool (*ok)(const std::string&), const char* what, bool required = false) {
    out.clear();
    return list(
        k,
        [&](Fields& f) {
          if (!f.j.is_string()) return f.fail("", "应为文本 / must be text");
          std::string s = f.j.get<std::string>();
          if (s.size() > kMaxText || s.empty() || (ok && !ok(s)))
            return f.fail("", std::string("'") + s.substr(0, 80) + "' is not " + what);
          out.push_back(std::move(s));
          return true;
        },
        required);
  }
};

bool catalog_id(const std::string& s) {
  // CATEGORY.POINT.letter (OM.EMG.a): upper-case parts and a lower-case item letter.
  size_t a = s.find('.'), b = s.rfind('.');
  if (a == std::string::npos || a == b || s.size() > 32) return false;
  auto upper = [](std::string_view p) {
    return !p.empty() && std::all_of(p.begin(), p.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
  };
  std::string_view last(s.data() + b + 1, s.size() - b - 1);
  return upper(std::string_view(s.data(), a)) && upper(std::string_view(s.data() + a + 1, b - a - 1)) && last.size() == 1 &&
         last[0] >= 'a' && last[0] <= 'z';
}

bool key_id(const std::string& s) {
  return s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || (c >= 'A' && c <= 'Z');
         });
}

bool any_text(const std::string& s) { return s.find_first_not_of(" \t\r\n") != std::string::npos; }

bool date_ok(const std::string& d) {
  unsigned y = 0, m = 0, day = 0;
  if (d.size() != 10 || std::sscanf(d.c_str(), "%4u-%2u-%2u", &y, &m, &day) != 3 || d[4] != '-' || d[7] != '-') return false;
  static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return y >= 2000 && y <= 2200 && m >= 1 && m <= 12 && day >= 1 && day <= static_cast<unsigned>(kDays[m - 1] - (m == 2 && !leap));
}

std::string t3339(int64_t ns) { return ns ? format_rfc3339(ns) : ""; }

}  // namespace

json plan_body_json(const Plan& p) {
  json roles = json::array(), steps = json::array();
  for (const auto& r : p.roles) roles.push_back({{"role", r.role}, {"person", r.person}, {"contact", r.contact}});
  for (const auto& s : p.steps) steps.push_back({{"title", s.title}, {"owner", s.owner}, {"detail", s.detail}, {"minutes", s.minutes}});
  return {{"title", p.title},
          {"scenario", p.scenario},
          {"scope", p.scope},
          {"systems", p.systems},
          {"roles", roles},
          {"triggers", p.triggers},
          {"steps", steps},
          {"rto_minutes", p.rto_minutes},
          {"items", p.items},
          {"subcategory", p.subcategory},
          {"drill_days", p.drill_days},
          {"review_days", p.review_days}};
}

Result<Plan> parse_plan(const json& body) {
  if (!body.is_object()) return Error{"plan: not a JSON object"};
  Plan p;
  Fields f{body, "plan.", ""};
  f.text("title", p.title, kMaxTitle, true) && f.text("scenario", p.scenario, 64) && f.text("scope", p.scope) &&
      f.strings("systems", p.systems, key_id, "a system id (letters, digits, - and _)") &&
      f.list(
          "roles",
          [&](Fields& e) {
            Role r;
            if (!e.j.is_object()) return e.fail("", "must be {role, person, contact}");
            if (!e.text("role", r.role, kMaxTitle, true) || !e.text("person", r.person, kMaxTitle) ||
                !e.text("contact", r.contact, kMaxTitle))
              return false;
            p.roles.push_back(std::move(r));
            return true;
          },
          true) &&
      f.strings("triggers", p.triggers, any_text, "a trigger condition", true) &&
      f.list(
          "steps",
          [&](Fields& e) {
            Step s;
            if (!e.j.is_object()) return e.fail("", "must be {title, owner, detail, minutes}");
            if (!e.text("title", s.title, kMaxTitle, true) || !e.text("owner", s.owner, kMaxTitle, true) || !e.text("detail", s.detail) ||
                !e.number("minutes", s.minutes, 0, 100000))
              return false;
            p.steps.push_back(std::move(s));
            return true;
          },
          true) &&
      f.number("rto_minutes", p.rto_minutes, 1, 43200, true) && f.strings("items", p.items, catalog_id, "a catalog id like OM.EMG.b") &&
      f.text("subcategory", p.subcategory, 32) && f.number("drill_days", p.drill_days, 1, 365) &&
      f.number("review_days", p.review_days, 1, 365);
  if (!f.err.empty()) return Error{f.err};
  if (!key_id(p.scenario) || p.scenario.empty()) return Error{"plan.scenario: letters, digits, - and _"};
  if (!key_id(p.subcategory)) return Error{"plan.subcategory: a GB/T 20986-2023 code like MPRANS"};
  // Every step's owner is one of the roles: the plan says who does what.
  for (size_t i = 0; i < p.steps.size(); i++)
    if (std::none_of(p.roles.begin(), p.roles.end(), [&](const Role& r) { return r.role == p.steps[i].owner; }))
      return Error{"plan.steps[" + std::to_string(i + 1) + "].owner: '" + p.steps[i].owner +
                   "' 不是预案中的角色 / is not one of the plan's roles"};
  if (p.items.empty()) p.items = {"OM.EMG.a", "OM.EMG.b"};
  std::sort(p.systems.begin(), p.systems.end());
  p.systems.erase(std::unique(p.systems.begin(), p.systems.end()), p.systems.end());
  return p;
}

Result<Plan> parse_plan_text(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) return Error{"plan: not valid JSON"};
  return parse_plan(j);
}

json plan_json(const Plan& p) {
  json j = plan_body_json(p);
  j["id"] = p.id;
  j["status"] = p.status;
  j["version"] = p.version;
  j["created"] = t3339(p.created);
  j["created_by"] = p.created_by;
  j["updated"] = t3339(p.updated);
  j["updated_by"] = p.updated_by;
  j["reviewed"] = t3339(p.reviewed);
  j["reviewed_by"] = p.reviewed_by;
  return j;
}

Result<Template> parse_template(std::string_view text, const std::string& name) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (!j.is_object() || !j.contains("key") || !j["key"].is_string()) return Error{name + ": not a plan template (no key)"};
  Template t{j["key"].get<std::string>(), j.value("zh", json()), j.value("en", json()), {}};
  if (!key_id(t.key) || t.key.empty()) return Error{name + ": key: letters, digits, - and _"};
  Fields kinds{j, name + ": ", ""};
  if (!kinds.strings("system_kinds", t.system_kinds, key_id, "an inventory kind (letters, digits, - and _)")) return Error{kinds.err};
  for (auto* body : {&t.zh, &t.en}) {
    if (!body->is_object()) return Error{name + ": needs a zh and an en plan"};
    (*body)["scenario"] = t.key;
    for (const char* k : {"rto_minutes", "items", "subcategory", "drill_days", "review_days"})
      if (j.contains(k) && !body->contains(k)) (*body)[k] = j[k];
    auto p = parse_plan(*body);
    if (!p) return Error{name + " (" + (body == &t.zh ? "zh" : "en") + "): " + p.error()};
  }
  return t;
}

Result<std::vector<Template>> load_templates(const std::string& dir) {
  std::vector<Template> out;
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ".json") files.push_back(e.path());
  if (ec) return Error{dir + ": " + ec.message()};
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f);
    std::stringstream ss;
    ss << in.rdbuf();
    auto t = parse_template(ss.str(), f.string());
    if (!t) return Error{t.error()};
    if (std::any_of(out.begin(), out.end(), [&](const Template& o) { return o.key == t->key; }))
      return Error{f.string() + ": key '" + t->key + "' is used twice"};
    out.push_back(std::move(*t));
  }
  return out;
}

// Drills.

std::optional<double> Drill::recovery_minutes() const {
  if (!started || !restored || restored < started) return std::nullopt;
  return static_cast<double>(restored - started) / 60e9;
}

std::optional<bool> Drill::rto_met() const {
  auto m = recovery_minutes();
  if (!m || rto_minutes <= 0) return std::nullopt;
  return *m <= rto_minutes;
}

bool valid_drill_kind(std::string_view k) { return k == "tabletop" || k == "functional" || k == "full"; }

const char* drill_kind_zh(std::string_view k) {
  return k == "tabletop" ? "桌面推演" : k == "functional" ? "功能演练" : k == "full" ? "实战演练" : "演练";
}

json drill_json(const Drill& d) {
  json people = json::array(), steps = json::array(), findings = json::array();
  for (const auto& p : d.participants) people.push_back({{"name", p.name}, {"role", p.role}});
  for (const auto& s : d.steps)
    steps.push_back({{"title", s.title},
                     {"owner", s.owner},
                     {"minutes", s.minutes},
                     {"done_at", t3339(s.done_at)},
                     {"result", s.result},
                     {"done_by", s.done_by},
                     {"note", s.note}});
  for (const auto& f : d.findings)
    findings.push_back({{"text", f.text}, {"item", f.item}, {"owner", f.owner}, {"due", f.due}, {"tasks", f.tasks}});
  auto rec = d.recovery_minutes();
  auto met = d.rto_met();
  return {{"id", d.id},
          {"plan", d.plan},
          {"plan_version", d.plan_version},
          {"title", d.title},
          {"kind", d.kind},
          {"scheduled", d.scheduled},
          {"status", d.status},
          {"started", t3339(d.started)},
          {"restored", t3339(d.restored)},
          {"ended", t3339(d.ended)},
          {"rto_minutes", d.rto_minutes},
          {"recovery_minutes", rec ? json(std::round(*rec * 10) / 10) : json()},
          {"rto_met", met ? json(*met) : json()},
          {"participants", people},
          {"steps", steps},
          {"findings", findings},
          {"summary", d.summary},
          {"evaluated", t3339(d.evaluated)},
          {"evaluated_by", d.evaluated_by},
          {"created", t3339(d.created)},
          {"created_by", d.created_by},
          {"cancel_reason", d.cancel_reason}};
}

Status parse_drill_body(const json& j, Drill& d) {
  if (!j.is_object()) return Error{"drill: not a JSON object"};
  Fields f{j, "drill.", ""};
  std::vector<Participant> people;
  std::vector<Finding> findings;
  bool ok = f.list("participants", [&](Fields& e) {
    Participant p;
    if (!e.j.is_object()) return e.fail("", "must be {name, role}");
    if (!e.text("name", p.name, kMaxTitle, true) || !e.text("role", p.role, kMaxTitle)) return false;
    people.push_back(std::move(p));
    return true;
  });
  ok = ok && f.list("findings", [&](Fields& e) {
    Finding x;
    if (!e.j.is_object()) return e.fail("", "must be {text, item, owner, due}");
    if (!e.text("text", x.text, kMaxText, true) || !e.text("item", x.item, 32) || !e.text("owner", x.owner, kMaxTitle) ||
        !e.text("due", x.due, 10))
      return false;
    if (!x.item.empty() && !catalog_id(x.item)) return e.fail("item", "'" + x.item + "' is not a catalog id like OM.EMG.b");
    if (!x.due.empty() && !date_ok(x.due)) return e.fail("due", "'" + x.due + "' 不是日期 / is not a date (YYYY-MM-DD)");
    if (e.j.contains("tasks") && e.j["tasks"].is_array())
      for (const auto& t : e.j["tasks"])
        if (t.is_number_integer()) x.tasks.push_back(t.get<int64_t>());
    findings.push_back(std::move(x));
    return true;
  });
  if (!ok) return Error{f.err};
  if (j.contains("participants")) d.participants = std::move(people);
  if (j.contains("findings")) d.findings = std::move(findings);
  return {};
}

bool valid_day(const std::string& d) { return date_ok(d); }

}  // namespace wardsec::emergency
