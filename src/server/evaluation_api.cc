// The assessment cycle's routes (等级测评 and 密评): assessments of a system planned and done,
// what is due by level, and a report's problems as rectification tasks. The rules are in
// src/compliance/evaluation; these routes check input, name who acts, and audit every change.
#include <nlohmann/json.hpp>

#include "compliance/evaluation.h"
#include "core/datadir.h"
#include "core/timeutil.h"
#include "server/api.h"

namespace wardsec::server {

namespace {

using json = nlohmann::json;

struct EvalCtx {
  std::unique_ptr<compliance::Evaluations> ev;
  std::unique_ptr<compliance::Inventory> inv;
  std::string error;
};

EvalCtx open_eval(Api& api) {
  EvalCtx c;
  std::string db = DataDir(api.opt.data_dir).compliance_db();
  auto ev = compliance::Evaluations::open(db);
  auto inv = compliance::Inventory::open(db);
  if (!ev || !inv) {
    c.error = !ev ? ev.error() : inv.error();
    return c;
  }
  c.ev = std::move(ev.value());
  c.inv = std::move(inv.value());
  return c;
}

json eval_json(const compliance::Evaluation& e) {
  return {{"id", e.id},
          {"system", e.system},
          {"kind", e.kind},
          {"body", e.body},
          {"planned", e.planned},
          {"done", e.done},
          {"score", e.score ? json(*e.score) : json(nullptr)},
          {"conclusion", e.conclusion},
          {"report_no", e.report_no},
          {"by", e.by},
          {"at", e.at ? format_rfc3339(e.at) : ""}};
}

std::optional<double> score_of(const json& j) {
  if (!j.contains("score") || j["score"].is_null() || !j["score"].is_number()) return std::nullopt;
  return j["score"].get<double>();
}

// A score that is given but is no number is refused, not dropped.
bool bad_score(const json& j) { return j.contains("score") && !j["score"].is_null() && !j["score"].is_number(); }

// GET: every assessment (?system= for one) and what is due.
Response list(Api& api, Request& r) {
  EvalCtx c = open_eval(api);
  if (!c.error.empty()) return fail(500, c.error);
  auto all = c.ev->list("");
  auto systems = c.inv->systems();
  if (!all || !systems) return fail(500, !all ? all.error() : systems.error());
  std::string sys = r.query["system"];
  json items = json::array(), due = json::array();
  for (const auto& e : *all)
    if (sys.empty() || e.system == sys) items.push_back(eval_json(e));
  for (const auto& d : compliance::evaluations_due(*systems, *all, local_today(api)))
    if (sys.empty() || d.system == sys)
      due.push_back({{"system", d.system},
                     {"kind", d.kind},
                     {"level", d.level},
                     {"last_done", d.last_done},
                     {"due", d.due},
                     {"overdue", d.overdue},
                     {"days_left", d.days_left},
                     {"basis", d.basis}});
  return ok({{"items", items}, {"due", due}, {"today", local_today(api)}});
}

Response add(Api& api, Request& r) {
  auto j = json::parse(r.body, nullptr, false);
  if (!j.is_object()) return fail(400, "body: {system, kind: mlps|crypto, body, planned, done?, score?, conclusion?, report_no?}");
  if (bad_score(j)) return fail(400, "score: 须为 0 到 100 的数字 / a number in 0-100");
  EvalCtx c = open_eval(api);
  if (!c.error.empty()) return fail(500, c.error);
  compliance::Evaluation e{0,           str(j, "system"),     str(j, "kind"),      str(j, "body"), str(j, "planned"), str(j, "done"),
                           score_of(j), str(j, "conclusion"), str(j, "report_no"), r.who.user,     now_ns()};
  auto systems = c.inv->systems();
  if (!systems) return fail(500, systems.error());
  if (std::none_of(systems->begin(), systems->end(), [&](const auto& s) { return s.id == e.system; }))
    return fail(404, "没有系统 / no such system: " + e.system);
  auto id = c.ev->add(e);
  api.audit(r, r.who.user, "evaluation_add", id.ok(), e.system + " " + e.kind, id ? "assessment " + std::to_string(*id) : id.error());
  if (!id) return fail(400, id.error());
  return ok({{"id", *id}}, 201);
}

Response result(Api& api, Request& r) {
  auto j = json::parse(r.body, nullptr, false);
  if (!j.is_object()) return fail(400, "body: {done, score?, conclusion, report_no?}");
  if (bad_score(j)) return fail(400, "score: 须为 0 到 100 的数字 / a number in 0-100");
  EvalCtx c = open_eval(api);
  if (!c.error.empty()) return fail(500, c.error);
  int64_t id = std::atoll(r.params[0].c_str());
  Status s = c.ev->complete(id, str(j, "done"), score_of(j), str(j, "conclusion"), str(j, "report_no"), r.who.user, now_ns());
  api.audit(r, r.who.user, "evaluation_result", s.ok(), "assessment " + r.params[0],
            s ? str(j, "done") + " " + str(j, "conclusion") : s.error());
  if (!s) return fail(s.error().rfind("没有测评记录", 0) == 0 ? 404 : 400, s.error());
  return ok({{"id", id}, {"done", str(j, "done")}});
}

// POST the report's problems as CSV (item,problem,risk,owner,plan,due).
Response problems(Api& api, Request& r) {
  EvalCtx c = open_eval(api);
  if (!c.error.empty()) return fail(500, c.error);
  auto e = c.ev->get(std::atoll(r.params[0].c_str()));
  if (!e) return fail(404, e.error());
  auto systems = c.inv->systems();
  if (!systems) return fail(500, systems.error());
  auto sys = std::find_if(systems->begin(), systems->end(), [&](const auto& s) { return s.id == e->system; });
  if (sys == systems->end()) return fail(404, "没有系统 / no such system: " + e->system);
  auto cat = compliance::Catalog::load(api.opt.catalog_file);
  auto as = compliance::Assessments::open(DataDir(api.opt.data_dir).compliance_db());
  if (!cat || !as) return fail(500, !cat ? cat.error() : as.error());
  auto n = compliance::import_problems(**as, *cat, *e, *sys, r.body, "problems.csv", r.who.user, now_ns());
  api.audit(r, r.who.user, "evaluation_problems", n.ok(), "assessment " + r.params[0],
            n ? std::to_string(*n) + " rectification tasks" : n.error());
  if (!n) return fail(400, n.error());
  return ok({{"opened", *n}}, 201);
}

}  // namespace

void add_evaluation_routes(std::vector<Route>& t, Api* api) {
  using P = Perm;
  auto h = [api](Response (*f)(Api&, Request&)) { return [api, f](Request& r) { return f(*api, r); }; };
  std::vector<Route> more = {
      {"GET", "/api/v1/compliance/evaluations", P::kComplianceRead, false, h(list), "等级测评 and 密评: assessments and what is due"},
      {"POST", "/api/v1/compliance/evaluations", P::kComplianceWrite, false, h(add), "record a planned or finished assessment"},
      {"POST", "/api/v1/compliance/evaluations/{id}/result", P::kComplianceWrite, false, h(result), "record an assessment's result"},
      {"POST", "/api/v1/compliance/evaluations/{id}/problems", P::kComplianceWrite, false, h(problems),
       "a report's problems (CSV) as rectification tasks", true},
  };
  t.insert(t.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

}  // namespace wardsec::server
