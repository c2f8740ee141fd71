#include "cluster/site_summary.h"

#include <filesystem>
#include <map>

#include "compliance/assessment.h"
#include "compliance/evaluation.h"
#include "compliance/inventory.h"
#include "core/datadir.h"
#include "core/timeutil.h"
#include "incident/model.h"
#include "mgmt/store.h"

namespace wardsec::cluster {

namespace {

constexpr int kIncidentDays = 30;
constexpr size_t kIncidentPages = 50;  // of 1000: a bound, far above what a hospital opens

// The site's incidents (incident.db) by grade: those open now, and those discovered in the last
// kIncidentDays days. Ungraded ones count as "ungraded".
Result<nlohmann::json> site_incidents(const DataDir& dd, int64_t now) {
  nlohmann::json out = {{"open", nlohmann::json::object()}, {"recent", nlohmann::json::object()}, {"recent_days", kIncidentDays}};
  std::error_code ec;
  if (!std::filesystem::exists(dd.incident_db(), ec)) return out;
  auto st = incident::Store::open(dd.incident_db(), incident::ReportingConfig{});
  if (!st) return Error{st.error()};
  int64_t since = now - kIncidentDays * 86400LL * kSec;
  incident::IncidentFilter f;
  f.limit = 1000;
  for (size_t page = 0; page < kIncidentPages; page++, f.offset += f.limit) {
    auto list = (*st)->list(f);
    if (!list) return Error{list.error()};
    for (const auto& i : *list) {
      std::string g = incident::grade_name(i.grade);
      if (i.stage != incident::Stage::kClosed) out["open"][g] = out["open"].value(g, 0) + 1;
      if (i.discovered >= since) out["recent"][g] = out["recent"].value(g, 0) + 1;
    }
    if (list->size() < f.limit) break;
  }
  return out;
}

}  // namespace

Result<nlohmann::json> site_compliance(const std::string& data_dir, const std::string& today) {
  DataDir dd(data_dir);
  nlohmann::json systems = nlohmann::json::array();
  auto inc = site_incidents(dd, now_ns());
  if (!inc) return Error{"incidents: " + inc.error()};
  std::error_code ec;
  if (!std::filesystem::exists(dd.compliance_db(), ec)) return nlohmann::json{{"systems", systems}, {"incidents", std::move(*inc)}};
  auto inv = compliance::Inventory::open(dd.compliance_db());
  if (!inv) return Error{inv.error()};
  auto sys = (*inv)->systems();
  if (!sys) return Error{sys.error()};
  auto as = compliance::Assessments::open(dd.compliance_db());
  if (!as) return Error{as.error()};
  auto ev = compliance::Evaluations::open(dd.compliance_db());
  if (!ev) return Error{ev.error()};
  auto done = (*ev)->list("");
  if (!done) return Error{done.error()};
  std::map<std::string, compliance::EvaluationDue> due;
  for (const auto& d : compliance::evaluations_due(*sys, *done, today))
    if (d.kind == "mlps") due[d.system] = d;
  // 定级备案 records (records.db), the newest per system
  std::map<std::string, nlohmann::json> filing;
  if (std::filesystem::exists(dd.records_db(), ec)) {
    auto rec = mgmt::Records::open(dd.records_db());
    if (!rec) return Error{rec.error()};
    auto list = (*rec)->list("filing");
    if (!list) return Error{list.error()};
    for (const auto& r : *list) {
      std::string s = r.data.value("system", "");
      if (!s.empty() && (!filing.count(s) || r.at > filing[s].value("at", int64_t{0})))
        filing[s] = {{"filed", r.data.value("filed", "")}, {"certificate_no", r.data.value("certificate_no", "")}, {"at", r.at}};
    }
  }
  for (const auto& s : *sys) {
    if (s.level <= 0) continue;  // not graded yet: nothing to supervise
    nlohmann::json j = {{"id", s.id}, {"name", s.name}, {"level", s.level}};
    auto gr = (*as)->gradings(s.id);
    j["graded_at"] = gr && !gr->empty() ? gr->back().at : 0;
    const compliance::Evaluation* last = nullptr;
    for (const auto& e : *done)
      if (e.system == s.id && e.kind == "mlps" && !e.done.empty() && (!last || e.done > last->done)) last = &e;
    j["assessed"] = last ? last->done : "";
    j["score"] = last && last->score ? nlohmann::json(*last->score) : nlohmann::json();
    j["conclusion"] = last ? last->conclusion : "";
    auto d = due.find(s.id);
    j["assessment_due"] = d != due.end() ? d->second.due : "";
    j["assessment_overdue"] = d != due.end() && d->second.overdue;
    int open = 0, overdue = 0;
    if (auto rs = (*as)->rectifications(s.id))
      for (const auto& r : *rs)
        if (r.status != "done") {
          open++;
          if (!r.due.empty() && r.due < today) overdue++;
        }
    j["rectifications_open"] = open;
    j["rectifications_overdue"] = overdue;
    auto f = filing.find(s.id);
    j["filed"] = f != filing.end() ? f->second.value("filed", "") : "";
    j["filing_certificate"] = f != filing.end() ? f->second.value("certificate_no", "") : "";
    systems.push_back(std::move(j));
  }
  return nlohmann::json{{"systems", std::move(systems)}, {"incidents", std::move(*inc)}};
}

}  // namespace wardsec::cluster
