// The compliance routes (等保合规): the requirement catalog, grading with recorded reasons,
// the assessment workbench (results per item, in bulk, with evidence and attached documents),
// and rectification tasks. The rules live in src/compliance; these routes check input, name
// who acts (the logged-in account), and audit every change.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/datadir.h"
#include "compliance/assessment.h"
#include "compliance/catalog.h"
#include "compliance/grading.h"
#include "compliance/grading_record.h"
#include "compliance/inventory.h"
#include "compliance/scoring.h"
#include "core/timeutil.h"
#include "report/report.h"
#include "server/api.h"
#include "server/records_api.h"

namespace wardsec::server {

// A PDF or XLSX that `make` writes to a temporary file, answered as a download.
Response file_answer(const std::function<Status(const std::string&)>& make, const std::string& filename) {
  bool pdf = filename.size() > 4 && filename.compare(filename.size() - 4, 4, ".pdf") == 0;
  std::string tmp = std::filesystem::temp_directory_path().string() + "/wardsec-" + std::to_string(now_ns()) + (pdf ? ".pdf" : ".xlsx");
  Status s = make(tmp);
  if (!s) {
    std::filesystem::remove(tmp);
    return fail(503, s.error());
  }
  std::ifstream f(tmp, std::ios::binary);
  std::string body((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::filesystem::remove(tmp);
  return {200,
          body,
          pdf ? "application/pdf" : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          {{"Content-Disposition", "attachment; filename=\"" + filename + "\""}}};
}

using json = nlohmann::json;

namespace {

// What every compliance route opens: the catalog, the scoring data, the stores.
struct Ctx {
  Result<compliance::Catalog> cat = Error{""};
  Result<compliance::ScoringConfig> scoring = Error{""};
  std::unique_ptr<compliance::Assessments> as;
  std::unique_ptr<compliance::Inventory> inv;
  std::string error;
};

Ctx open_ctx(Api& api) {
  Ctx c;
  c.cat = compliance::Catalog::load(api.opt.catalog_file);
  c.scoring = compliance::ScoringConfig::load(api.opt.scoring_file);
  auto as = compliance::Assessments::open(DataDir(api.opt.data_dir).compliance_db());
  auto inv = compliance::Inventory::open(DataDir(api.opt.data_dir).compliance_db());
  if (!c.cat)
    c.error = c.cat.error();
  else if (!c.scoring)
    c.error = c.scoring.error();
  else if (!as)
    c.error = as.error();
  else if (!inv)
    c.error = inv.error();
  else {
    c.as = std::move(as.value());
    c.inv = std::move(inv.value());
  }
  return c;
}

std::optional<compliance::System> find_system(compliance::Inventory& inv, const std::string& id) {
  auto s = inv.systems();
  if (s)
    for (const auto& x : *s)
      if (x.id == id) return x;
  return std::nullopt;
}

json requirement_json(const compliance::Requirement& r, int level) {
  return {{"id", r.id},
          {"category", r.category},
          {"category_zh", r.category_zh},
          {"control_point", r.control_point_zh},
          {"control_point_en", r.control_point_en},
          {"code_28448", r.code(level)},
          {"summary", r.text(level, true)},
          {"summary_zh", r.text(level, false)},
          {"check", std::string(1, r.check)},
          {"evidence_source", r.evidence}};
}

json score_json(const compliance::ScoreResult& sc, const compliance::Catalog& cat) {
  json cats = json::array();
  for (const auto& c : compliance::Catalog::categories()) {
    auto it = sc.per_category.find(c.code);
    if (it == sc.per_category.end()) continue;
    const auto& r = it->second;
    cats.push_back({{"code", c.code},
                    {"name_zh", c.zh},
                    {"name_en", c.en},
                    {"applicable", r.applicable},
                    {"conform", r.conform},
                    {"partial", r.partial},
                    {"non_conform", r.non_conform},
                    {"not_applicable", r.not_applicable},
                    {"not_assessed", r.not_assessed},
                    {"compliance", std::round(r.compliance * 1000) / 1000}});
  }
  return {{"score", std::round(sc.score * 100) / 100},
          {"conclusion", sc.conclusion},
          {"complete", sc.complete()},
          {"provisional", sc.provisional},
          {"assessed", sc.applicable},
          {"not_assessed", sc.not_assessed.size()},
          {"high", sc.high},
          {"medium", sc.medium},
          {"low", sc.low},
          {"high_risk_items", sc.high_risk_items},
          {"extensions_not_assessed", compliance::extensions_not_assessed(false)},
          {"extensions_not_assessed_en", compliance::extensions_not_assessed(true)},
          {"categories", cats}};
}

Response catalog(Api& api, Request& r) {
  auto cat = compliance::Catalog::load(api.opt.catalog_file);
  if (!cat) return fail(500, cat.error());
  int level = r.query["level"].empty() ? 3 : std::atoi(r.query["level"].c_str());
  if (!compliance::assessable_level(level)) return fail(400, compliance::level_not_carried(level));
  json items = json::array();
  for (const auto* q : cat->at_level(level)) items.push_back(requirement_json(*q, level));
  return ok({{"level", level}, {"items", items}, {"total", items.size()}});
}

// One system's workbench: each applicable item with its current result and evidence count,
// filterable by category, status (a result, "unassessed") and missing evidence; the score.
Response system_assessment(Api& api, Request& r) {
  Ctx c = open_ctx(api);
  if (!c.error.empty()) return fail(500, c.error);
  auto sys = find_system(*c.inv, r.params[0]);
  if (!sys) return fail(404, "no such graded system: " + r.params[0]);
  if (std::string why = compliance::cannot_assess(sys->level); !why.empty()) return fail(409, why);
  int level = sys->level;
  auto cur = c.as->current(sys->id);
  if (!cur) return fail(500, cur.error());
  std::map<std::string, const compliance::AssessmentRecord*> by_item;
  for (const auto& rec : *cur) by_item[rec.item] = &rec;
  std::string cat_f = r.query["category"], status_f = r.query["status"];
  bool need_evidence = r.query["evidence"] == "missing";
  json items = json::array();
  std::vector<compliance::ItemAssessment> scored;
  for (const auto& rec : *cur) scored.push_back({rec.item, rec.result, rec.x, rec.risk});
  // The management records (a policy reviewed this year, this year's training) are evidence of
  // every system's management items while they are fresh.
  auto rec_ev = record_evidence(api);
  if (!rec_ev) return fail(500, rec_ev.error());
  for (const auto* q : c.cat->at_level(level)) {
    auto it = by_item.find(q->id);
    const compliance::AssessmentRecord* rec = it == by_item.end() ? nullptr : it->second;
    auto ev = c.as->evidence(sys->id, q->id);
    auto links = mgmt::links_for(*rec_ev, q->id, sys->id);
    size_t n_fresh = std::count_if(links.begin(), links.end(), [](const auto& l) { return l.fresh; });
    size_t n_ev = (ev ? ev->size() : 0) + n_fresh;
    std::string status = rec ? compliance::conformity_zh(rec->result) : "unassessed";
    if (!cat_f.empty() && q->category != cat_f) continue;
    if (!status_f.empty() && status_f != status) continue;
    if (need_evidence && n_ev > 0) continue;
    json j = requirement_json(*q, level);
    j["result"] = rec ? json(compliance::conformity_zh(rec->result)) : json(nullptr);
    j["risk"] = rec ? compliance::risk_zh(rec->risk) : "";
    if (rec && rec->x) j["x"] = *rec->x;
    j["note"] = rec ? rec->note : "";
    j["by"] = rec ? rec->by : "";
    j["at"] = rec ? format_rfc3339(rec->at) : "";
    j["evidence"] = n_ev;
    j["records"] = n_fresh;
    j["records_stale"] = links.size() - n_fresh;
    items.push_back(j);
  }
  auto sc = compliance::compute_score(scored, *c.cat, level, *c.scoring);
  if (!sc) return fail(500, sc.error());
  json out = {{"system", {{"id", sys->id}, {"name", sys->name}, {"level", sys->level}, {"owner", sys->owner}}},
              {"score", score_json(*sc, *c.cat)},
              {"scoring_label", c.scoring->label},
              {"items", items},
              {"total", items.size()}};
  auto g = c.as->gradings(sys->id);
  if (g && !g->empty()) out["grading"] = {{"level", g->back().level}, {"by", g->back().by}, {"at", format_rfc3339(g->back().at)}};
  return ok(out);
}

// Results for one or more items at once (the workbench's bulk action). All are checked first.
Response set_results(Api& api, Request& r) {
  auto j = json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("items") || !j["items"].is_array() || j["items"].empty() || j["items"].size() > 300)
    return fail(400, "body: {items: [item ids, 1-300], result, risk?, x?, note?}");
  Ctx c = open_ctx(api);
  if (!c.error.empty()) return fail(500, c.error);
  auto sys = find_system(*c.inv, r.params[0]);
  if (!sys) return fail(404, "no such graded system: " + r.params[0]);
  if (std::string why = compliance::cannot_assess(sys->level); !why.empty()) return fail(409, why);
  auto result = compliance::parse_conformity(str(j, "result"));
  if (!result) return fail(400, "result must be 符合, 部分符合, 不符合 or 不适用");
  auto risk = compliance::parse_risk(str(j, "risk"));
  if (!risk) return fail(400, "risk must be 高, 中, 低 or empty");
  std::optional<double> x;
  if (j.contains("x") && !j["x"].is_null()) {
    if (!j["x"].is_number()) return fail(400, "x: 须为数字 / must be a number");
    x = j["x"].get<double>();
  }
  if (std::string why = compliance::check_partial(*result, x); !why.empty()) return fail(400, "x: " + why);
  std::vector<compliance::AssessmentRecord> recs;
  int64_t now = now_ns();
  for (const auto& id : j["items"]) {
    if (!id.is_string()) return fail(400, "items are item ids (strings)");
    const auto* q = c.cat->find(id.get<std::string>());
    if (!q || !q->applies(sys->level))
      return fail(400, "item " + id.get<std::string>() + " is not in the catalog at level " + std::to_string(sys->level));
    recs.push_back({sys->id, q->id, *result, *risk, x, str(j, "note"), r.who.user, now});
  }
  for (const auto& rec : recs) {
    Status s = c.as->record(rec);
    if (!s) {
      api.audit(r, r.who.user, "assessment_set", false, sys->id, s.error());
      return fail(400, rec.item + ": " + s.error());
    }
    if (!rec.note.empty())
      if (Status e = c.as->add_evidence({sys->id, rec.item, "note", r.who.user, rec.note, now}); !e) {
        api.audit(r, r.who.user, "assessment_set", false, sys->id, e.error());
        return fail(500, rec.item + ": the result is recorded, its note is not: " + e.error());
      }
  }
  api.audit(r, r.who.user, "assessment_set", true, sys->id,
            std::to_string(recs.size()) + " items -> " + str(j, "result") + (str(j, "risk").empty() ? "" : " risk " + str(j, "risk")));
  return ok({{"recorded", recs.size()}});
}

Response item_detail(Api& api, Request& r) {
  Ctx c = open_ctx(api);
  if (!c.error.empty()) return fail(500, c.error);
  const auto* q = c.cat->find(r.params[1]);
  if (!q) return fail(404, "no such catalog item: " + r.params[1]);
  auto hist = c.as->history(r.params[0], q->id);
  auto ev = c.as->evidence(r.params[0], q->id);
  if (!hist || !ev) return fail(500, !hist ? hist.error() : ev.error());
  json h = json::array(), e = json::array();
  for (const auto& x : *hist)
    h.push_back({{"result", compliance::conformity_zh(x.result)},
                 {"risk", compliance::risk_zh(x.risk)},
                 {"note", x.note},
                 {"by", x.by},
                 {"at", format_rfc3339(x.at)}});
  for (const auto& x : *ev) {
    json ej = {{"kind", x.kind}, {"source", x.source}, {"text", x.text}, {"at", format_rfc3339(x.at)}};
    if (x.kind == "document") ej["download"] = "/api/v1/compliance/documents/" + x.text.substr(0, x.text.find(' '));
    e.push_back(ej);
  }
  auto sys = find_system(*c.inv, r.params[0]);
  int level = sys && compliance::assessable_level(sys->level) ? sys->level : 3;
  json out = requirement_json(*q, level);
  out["history"] = h;
  out["evidence"] = e;
  auto rec_ev = record_evidence(api);
  if (!rec_ev) return fail(500, rec_ev.error());
  out["records"] = links_json(mgmt::links_for(*rec_ev, q->id, r.params[0]));
  return ok(out);
}

// An attached document (a policy, a scan report, a photo of a door lock): kept once by its
// SHA-256 under <data>/evidence/, recorded as evidence with its name.
Response add_document(Api& api, Request& r) {
  std::string name = r.query["filename"];
  if (std::string why = document_name_problem(name, r.body); !why.empty()) return fail(400, why);
  Ctx c = open_ctx(api);
  if (!c.error.empty()) return fail(500, c.error);
  if (!find_system(*c.inv, r.params[0])) return fail(404, "no such graded system: " + r.params[0]);
  if (!c.cat->find(r.params[1])) return fail(404, "no such catalog item: " + r.params[1]);
  auto digest = keep_document(api, r.body);
  if (!digest) return fail(500, digest.error());
  Status s =
      c.as->add_evidence({r.params[0], r.params[1], "document", name, *digest + " " + std::to_string(r.body.size()) + " bytes", now_ns()});
  api.audit(r, r.who.user, "evidence_add", s.ok(), r.params[0] + " " + r.params[1], name + " sha256:" + *digest);
  if (!s) return fail(400, s.error());
  return ok({{"sha256", *digest}, {"name", name}, {"bytes", r.body.size()}}, 201);
}

Response add_note(Api& api, Request& r) {
  auto j = json::parse(r.body, nullptr, false);
  if (!j.is_object() || str(j, "text").empty()) return fail(400, "body: {text}");
  Ctx c = open_ctx(api);
  if (!c.error.empty()) return fail(500, c.error);
  if (!find_system(*c.inv, r.params[0])) return fail(404, "no such graded system: " + r.params[0]);
  if (!c.cat->find(r.params[1])) return fail(404, "no such catalog item: " + r.params[1]);
  Status s = c.as->add_evidence({r.params[0], r.params[1], "note", r.who.user, str(j, "text"), now_ns()});
  api.audit(r, r.who.user, "evidence_add", s.ok(), r.params[0] + " " + r.params[1], "note");
  if (!s) return fail(400, s.error());
  return ok({{"added", "note"}}, 201);
}

Response get_document(Api& api, Request& r) {
  const std::string& d = r.params[0];
  if (d.size() != 64 || d.find_first_not_of("0123456789abcdef") != std::string::npos) return fail(404, "no such document");
  std::ifstream f(api.opt.data_dir + "/evidence/" + d, std::ios::binary);
  if (!f) return fail(404, "no such document");
  std::string body((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  api.audit(r, r.who.user, "export", true, "evidence document", d);
  return {200, body, "application/octet-stream", {{"Content-Disposition", "attachment; filename=\"evidence-" + d.substr(0, 12) + "\""}}};
}

// Grading: the calculation alone (the wizard's preview) or confirmed and recorded.
Response grade(Api& api, Request& r, bool confirm) {
  auto j = json::parse(r.body, nullptr, false);
  if (!j.is_object()) return fail(400, "body must be a JSON object");
  auto bo = compliance::parse_object(str(j, "business_object")), so = compliance::parse_object(str(j, "service_object"));
  auto bd = compliance::parse_degree(str(j, "business_degree")), sd = compliance::parse_degree(str(j, "service_degree"));
  if (!bo || !so) return fail(400, "business_object and service_object: citizens, society or nation");
  if (!bd || !sd) return fail(400, "business_degree and service_degree: general, serious or very-serious");
  std::string kind = str(j, "kind"), tier = str(j, "tier").empty() ? api.opt.hospital_tier : str(j, "tier");
  if (!kind.empty() && !compliance::known_kind(kind))
    return fail(400, "kind: 未知的系统类型 / unknown system kind '" + kind + "' (" + compliance::known_kinds() + ")");
  if (!compliance::known_tier(tier)) return fail(400, "tier: 医院等级须为 1、2 或 3 / the hospital tier must be 1, 2 or 3");
  compliance::GradingInput in{*bo, *bd, str(j, "business_reason"), *so, *sd, str(j, "service_reason")};
  auto g = compliance::grade(in);
  json out = {{"business_level", g.business_level}, {"service_level", g.service_level}, {"level", g.level}, {"notes", g.notes}};
  if (!kind.empty()) {
    auto sug = compliance::hospital_default(kind, tier);
    out["suggestion"] = {{"level", sug.level}, {"basis", sug.basis}};
    if (std::string w = compliance::below_suggestion(g.level, sug); !w.empty()) out["warning"] = w;
  }
  if (!confirm) return ok(out);
  Ctx c = open_ctx(api);
  if (!c.error.empty()) return fail(500, c.error);
  if (!find_system(*c.inv, r.params[0])) return fail(404, "no such graded system: " + r.params[0]);
  // The tier is this hospital's, from the configuration, never the request's.
  compliance::GradingRequest req{
      r.params[0],        str(j, "business_object"), str(j, "business_degree"),  str(j, "service_object"), str(j, "service_degree"),
      in.business_reason, in.service_reason,         str(j, "downgrade_reason"), api.opt.hospital_tier,    r.who.user};
  auto res = compliance::confirm_grading(*c.as, *c.inv, req, now_ns());
  if (res && res->downgrade)
    out["downgrade"] = {
        {"current_level", res->previous_level}, {"suggested_level", res->suggestion.level}, {"basis", res->suggestion.basis}};
  if (res && !res->refused.empty()) {
    out["error"] = res->refused + " (downgrade_reason)";
    return ok(out, 409);
  }
  api.audit(r, r.who.user, "grading_confirm", res.ok(), r.params[0],
            "level " + std::to_string(g.level) + (res && !res->note.empty() ? "; " + res->note : "") + (res ? "" : ": " + res.error()));
  if (!res) return fail(400, res.error());
  out["recorded"] = true;
  return ok(out);
}

json split_lines(const std::string& s) {
  json out = json::array();
  for (std::string_view l : split_view(s, '\n'))
    if (!l.empty()) out.push_back(std::string(l));
  return out;
}

Response gradings(Api& api, Request& r) {
  Ctx c = open_ctx(api);
  if (!c.error.empty()) return fail(500, c.error);
  auto g = c.as->gradings(r.params[0]);
  if (!g) return fail(500, g.error());
  json out = json::array();
  for (const auto& x : *g)
    out.push_back({{"business_object", x.business_object},
                   {"business_degree", x.business_degree},
                   {"business_reason", x.business_reason},
                   {"service_object", x.service_object},
                   {"service_degree", x.service_degree},
                   {"service_reason", x.service_reason},
                   {"business_level", x.business_level},
                   {"service_level", x.service_level},
                   {"level", x.level},
                   {"notes", split_lines(x.notes)},
                   {"by", x.by},
                   {"at", format_rfc3339(x.at)}});
  return ok({{"gradings", out}, {"data", data_assets_json(api, r.params[0])}});
}

Response rectifications(Api& api, Request& r) {
  Ctx c = open_ctx(api);
  if (!c.error.empty()) return fail(500, c.error);
  auto list = c.as->rectifications(r.query["system"]);
  if (!list) return fail(500, list.error());
  std::string today = local_today(api);
  json out = json::array();
  std::map<std::string, int> levels;  // each task's item is worded at its system's level
  if (auto systems = c.inv->systems())
    for (const auto& x : *systems) levels[x.id] = compliance::assessable_level(x.level) ? x.level : 3;
  for (const auto& t : *list) {
    const auto* q = c.cat->find(t.item);
    int level = levels.count(t.system) ? levels[t.system] : 3;
    out.push_back({{"id", t.id},
                   {"system", t.system},
                   {"item", t.item},
                   {"control_point", q ? q->control_point_zh : ""},
                   {"summary", q ? q->text(level, true) : ""},
                   {"summary_zh", q ? q->text(level, false) : ""},
                   {"owner", t.owner},
                   {"plan", t.plan},
                   {"due", t.due},
                   {"status", t.status},
                   {"overdue", t.status != "done" && t.due < today},
                   {"created_by", t.created_by},
                   {"created", format_rfc3339(t.created)},
                   {"closed", t.closed ? format_rfc3339(t.closed) : ""},
                   {"closed_by", t.closed_by},
                   {"source", t.source}});
  }
  return ok({{"tasks", out}, {"total", out.size()}});
}

Response add_rectification(Api& api, Request& r) {
  auto j = json::parse(r.body, nullptr, false);
  if (!j.is_object()) return fail(400, "body: {system, item, owner, plan, due}");
  Ctx c = open_ctx(api);
  if (!c.error.empty()) return fail(500, c.error);
  compliance::Rectification t;
  t.system = str(j, "system");
  t.item = str(j, "item");
  t.owner = str(j, "owner");
  t.plan = str(j, "plan");
  t.due = str(j, "due");
  t.status = "open";
  t.created_by = r.who.user;
  t.created = now_ns();
  auto id = c.as->add_rectification(t);
  api.audit(r, r.who.user, "rectification_add", id.ok(), t.system + " " + t.item, id ? "task " + std::to_string(*id) : id.error());
  if (!id) return fail(400, id.error());
  return ok({{"id", *id}}, 201);
}

Response rectification_status(Api& api, Request& r) {
  auto j = json::parse(r.body, nullptr, false);
  if (!j.is_object()) return fail(400, "body: {status: open|in_progress|done}");
  int64_t id = std::atoll(r.params[0].c_str());
  if (id <= 0) return fail(404, "no such task");
  Ctx c = open_ctx(api);
  if (!c.error.empty()) return fail(500, c.error);
  Status s = c.as->set_rectification_status(id, str(j, "status"), r.who.user, now_ns());
  api.audit(r, r.who.user, "rectification_status", s.ok(), "task " + r.params[0], str(j, "status") + (s ? "" : ": " + s.error()));
  if (!s) return fail(s.error().find("does not exist") != std::string::npos ? 404 : 409, s.error());
  return ok({{"id", id}, {"status", str(j, "status")}});
}

// The self-assessment report, the grading report (HTML or PDF) or the checklist (XLSX).
Response system_report(Api& api, Request& r) {
  auto kind = report::parse_kind(r.query["kind"].empty() ? "self-assessment" : r.query["kind"]);
  if (!kind) return fail(400, "kind must be self-assessment, grading or rectification");
  std::string fmt = r.query["format"].empty() ? "html" : r.query["format"];
  if (fmt != "html" && fmt != "pdf" && fmt != "xlsx") return fail(400, "format must be html, pdf or xlsx");
  std::string lang = r.query["lang"] == "en" ? "en" : "zh-CN";
  auto d = report::gather({api.opt.data_dir, api.opt.catalog_file, api.opt.scoring_file, api.opt.organization, api.opt.tz_sec}, r.params[0],
                          *kind);
  // A refusal (a level wardsec carries no items for, a system not graded) is bilingual, "中文 / English".
  if (!d) return fail(d.error().rfind("no such", 0) == 0 ? 404 : d.error().find(" / ") != std::string::npos ? 409 : 500, d.error());
  api.audit(r, r.who.user, "export", true, r.params[0], "report " + r.query["kind"] + " " + fmt);
  std::string name = r.params[0] + (*kind == report::Kind::kGrading         ? "-grading"
                                    : *kind == report::Kind::kRectification ? "-rectification"
                                                                            : "-self-assessment");
  if (fmt == "html") return {200, report::html(*kind, *d, lang), "text/html; charset=utf-8"};
  return file_answer(
      [&](const std::string& tmp) {
        return fmt == "pdf" ? report::html_to_pdf(report::html(*kind, *d, lang), tmp) : report::xlsx(*kind, *d, tmp);
      },
      name + "." + fmt);
}

// The year's 等保 work summary across all systems (HTML or PDF).
Response annual_report(Api& api, Request& r) {
  int year = r.query["year"].empty() ? std::atoi(format_rfc3339(now_ns()).substr(0, 4).c_str()) : std::atoi(r.query["year"].c_str());
  if (year < 2000 || year > 2100) return fail(400, "year must be between 2000 and 2100");
  std::string fmt = r.query["format"].empty() ? "html" : r.query["format"];
  if (fmt != "html" && fmt != "pdf") return fail(400, "format must be html or pdf");
  auto html = report::annual_html({api.opt.data_dir, api.opt.catalog_file, api.opt.scoring_file, api.opt.organization, api.opt.tz_sec},
                                  year, r.query["lang"] == "en" ? "en" : "zh-CN");
  if (!html) return fail(500, html.error());
  api.audit(r, r.who.user, "export", true, "annual report", std::to_string(year) + " " + fmt);
  if (fmt == "html") return {200, *html, "text/html; charset=utf-8"};
  return file_answer([&](const std::string& tmp) { return report::html_to_pdf(*html, tmp); }, "annual-" + std::to_string(year) + ".pdf");
}

}  // namespace

std::string document_name_problem(const std::string& name, const std::string& body) {
  if (name.empty() || name.size() > 200 || name.find('/') != std::string::npos || name.find('\\') != std::string::npos ||
      std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
    return "filename: 须为 1-200 个字符，不含路径 / 1-200 characters, no path, is required";
  if (body.empty()) return "文件为空 / the document is empty";
  return "";
}

Result<std::string> keep_document(Api& api, const std::string& body) {
  std::string digest = sha256_hex(body);
  std::string dir = DataDir(api.opt.data_dir).evidence();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string path = dir + "/" + digest;
  if (!std::filesystem::exists(path)) {
    std::ofstream f(path + ".tmp", std::ios::binary);
    f.write(body.data(), static_cast<std::streamsize>(body.size()));
    f.close();
    if (!f) return Error{"cannot write " + path};
    std::filesystem::rename(path + ".tmp", path, ec);
    if (ec) return Error{"cannot write " + path + ": " + ec.message()};
  }
  return digest;
}

void add_compliance_routes(std::vector<Route>& t, Api* api) {
  using P = Perm;
  auto h = [api](Response (*f)(Api&, Request&)) { return [api, f](Request& r) { return f(*api, r); }; };
  std::vector<Route> more = {
      {"GET", "/api/v1/compliance/catalog", P::kComplianceRead, false, h(catalog), "GB/T 22239-2019 items at level 2 or 3"},
      {"GET", "/api/v1/compliance/systems/{id}", P::kComplianceRead, false, h(system_assessment),
       "a system's workbench: items, results, evidence, score"},
      {"POST", "/api/v1/compliance/systems/{id}/results", P::kComplianceWrite, false, h(set_results), "record results of items (bulk)"},
      {"GET", "/api/v1/compliance/systems/{id}/items/{item}", P::kComplianceRead, false, h(item_detail), "an item's history and evidence"},
      {"POST", "/api/v1/compliance/systems/{id}/items/{item}/notes", P::kComplianceWrite, false, h(add_note), "add a note as evidence"},
      {"POST", "/api/v1/compliance/systems/{id}/items/{item}/documents", P::kComplianceWrite, false, h(add_document),
       "attach a document as evidence", true},
      {"GET", "/api/v1/compliance/documents/{sha256}", P::kComplianceRead, false, h(get_document), "download an attached document"},
      {"POST", "/api/v1/compliance/grade", P::kComplianceRead, false, [api](Request& r) { return grade(*api, r, false); },
       "grading calculation (preview; nothing stored)"},
      {"POST", "/api/v1/compliance/systems/{id}/grading", P::kComplianceWrite, false, [api](Request& r) { return grade(*api, r, true); },
       "confirm a grading with its reasons; sets the system's level"},
      {"GET", "/api/v1/compliance/systems/{id}/gradings", P::kComplianceRead, false, h(gradings), "a system's confirmed gradings"},
      {"GET", "/api/v1/compliance/systems/{id}/report", P::kComplianceRead, false, h(system_report),
       "self-assessment or grading report (HTML, PDF); XLSX: the checklist or the filing form"},
      {"GET", "/api/v1/compliance/annual-report", P::kComplianceRead, false, h(annual_report), "the year's 等保 work summary (HTML, PDF)"},
      {"GET", "/api/v1/compliance/rectifications", P::kComplianceRead, false, h(rectifications), "rectification tasks (整改)"},
      {"POST", "/api/v1/compliance/rectifications", P::kComplianceWrite, false, h(add_rectification), "open a rectification task"},
      {"POST", "/api/v1/compliance/rectifications/{id}/status", P::kComplianceWrite, false, h(rectification_status), "move a task"},
  };
  t.insert(t.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

}  // namespace wardsec::server
