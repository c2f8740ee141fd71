// The management records' routes (安全管理记录): the kinds' schemas, each kind's records with
// their versions, CSV import and export, attachments. The same routes serve every kind; the
// rules are in src/mgmt. What the records say (coverage, account revocation, reminders) and the
// kind-specific actions are in records_api2.cc. Every change is audited.
#include <nlohmann/json.hpp>

#include <algorithm>

#include "compliance/catalog.h"
#include "compliance/inventory.h"
#include "core/datadir.h"
#include "core/timeutil.h"
#include "mgmt/checks.h"
#include "mgmt/exchange.h"
#include "server/api.h"
#include "server/records_api.h"

namespace wardsec::server {

using json = nlohmann::json;

RecordsCtx open_records(Api& api, const std::string& kind) {
  RecordsCtx c;
  if (!kind.empty()) {
    c.kind = mgmt::find_kind(kind);
    if (!c.kind) {
      c.status = 404;
      c.error = "没有此类记录 / no such record kind: " + kind;
      return c;
    }
  }
  auto rs = mgmt::Records::open(DataDir(api.opt.data_dir).records_db());
  auto cat = compliance::Catalog::load(api.opt.catalog_file);
  if (!rs || !cat) {
    c.status = 500;
    c.error = !rs ? rs.error() : cat.error();
    return c;
  }
  c.rs = std::move(rs.value());
  c.cat = std::make_shared<compliance::Catalog>(std::move(cat.value()));
  auto inv = compliance::Inventory::open(DataDir(api.opt.data_dir).compliance_db());
  auto systems = inv ? (*inv)->systems() : Result<std::vector<compliance::System>>(Error{inv.error()});
  if (!systems) {
    c.status = 500;
    c.error = systems.error();
    return c;
  }
  for (const auto& s : *systems) c.systems.push_back(s.id);
  return c;
}

mgmt::Lookup RecordsCtx::lookup() const {
  auto cat = this->cat;
  auto systems = this->systems;
  return {[cat](const std::string& id) { return cat->find(id) != nullptr; },
          [systems](const std::string& id) { return std::find(systems.begin(), systems.end(), id) != systems.end(); }};
}

Result<std::map<std::string, std::vector<mgmt::RecordLink>>> record_evidence(Api& api) {
  auto rs = mgmt::Records::open(DataDir(api.opt.data_dir).records_db());
  if (!rs) return Error{rs.error()};
  auto sets = mgmt::read_all(**rs);
  if (!sets) return Error{sets.error()};
  return mgmt::evidence_index(*sets, local_today(api));
}

json links_json(const std::vector<mgmt::RecordLink>& links) {
  json out = json::array();
  for (const auto& l : links) {
    const mgmt::Kind* k = mgmt::find_kind(l.kind);
    out.push_back({{"kind", l.kind},
                   {"kind_zh", k ? k->zh : l.kind},
                   {"kind_en", k ? k->en : l.kind},
                   {"id", l.id},
                   {"title", l.title},
                   {"date", l.date},
                   {"expires", l.expires},
                   {"fresh", l.fresh},
                   {"why_stale_zh", l.why_stale_zh},
                   {"why_stale_en", l.why_stale_en},
                   {"link", "/records?tab=" + l.kind + "&id=" + std::to_string(l.id)}});
  }
  return out;
}

json data_assets_json(Api& api, const std::string& system) {
  auto rs = mgmt::Records::open(DataDir(api.opt.data_dir).records_db());
  if (!rs) return json{{"error", rs.error()}};
  auto l = (*rs)->list("data_asset");
  if (!l) return json{{"error", l.error()}};
  mgmt::RecordSets sets{{"data_asset", std::move(*l)}};
  auto d = mgmt::data_summary(sets, system);
  json items = json::array();
  for (const auto* r : d.items)
    items.push_back({{"id", r->id},
                     {"name", r->data.value("name", "")},
                     {"category", r->data.value("category", "")},
                     {"grade", r->data.value("grade", "")},
                     {"personal", r->data.value("personal", "")}});
  return {{"assets", d.assets},     {"core", d.core},       {"important", d.important}, {"sensitive_personal", d.sensitive_personal},
          {"personal", d.personal}, {"text_zh", d.text_zh}, {"text_en", d.text_en},     {"items", items}};
}

namespace {

json field_json(const mgmt::Field& f) {
  json j = {{"name", f.name}, {"zh", f.zh}, {"en", f.en}, {"type", mgmt::type_name(f.type)}, {"required", f.required}};
  if (!f.options.empty()) j["options"] = f.options;
  if (f.type == mgmt::FieldType::kNumber) j["min"] = f.min, j["max"] = f.max;
  return j;
}

json record_json(const mgmt::Kind& k, const mgmt::Record& r, const std::string& today) {
  json j = {{"id", r.id},
            {"kind", r.kind},
            {"version", r.version},
            {"data", r.data},
            {"created_by", r.created_by},
            {"created", format_rfc3339(r.created)},
            {"by", r.by},
            {"at", format_rfc3339(r.at)},
            {"withdrawn", r.withdrawn},
            {"active", !r.withdrawn && (!k.active || k.active(r.data, today))},
            {"evidences", k.items_of(r.data)},
            {"stale", mgmt::stale(k, r.data, today)}};
  std::string date = k.date_of(r.data);
  if (!date.empty()) j["date"] = date;
  if (std::string until = mgmt::fresh_until(k, r.data); !until.empty()) j["fresh_until"] = until;
  return j;
}

// GET /api/v1/records: the kinds with their fields and how many records each has.
Response kinds(Api& api, Request&) {
  RecordsCtx c = open_records(api, "");
  if (!c.error.empty()) return fail(c.status, c.error);
  json out = json::array();
  for (const auto& k : mgmt::kinds()) {
    json fields = json::array();
    for (const auto& f : k.fields) fields.push_back(field_json(f));
    auto l = c.rs->list(k.name);
    out.push_back({{"name", k.name},
                   {"zh", k.zh},
                   {"en", k.en},
                   {"title_field", k.title_field},
                   {"date_fields", k.date_fields},
                   {"fresh_days", k.fresh_days},
                   {"items", k.items},
                   {"fields", fields},
                   {"count", l ? l->size() : 0}});
  }
  return ok({{"kinds", out}, {"today", local_today(api)}});
}

// A change approved in wardsec is approved by another account than the one that filed it: the
// refusal when `user` would approve their own (an edit or an import row), else "".
std::string self_approval(const RecordsCtx& c, int64_t id, const json& next, const std::string& user) {
  if (c.kind->name != "change" || id == 0) return "";
  auto cur = c.rs->get("change", id);
  if (cur && !mgmt::change_approved(cur->data) && mgmt::change_approved(next) && cur->created_by == user)
    return "提交变更申请的账号不能批准该变更（#" + std::to_string(id) + "），须由另一账号批准 / the account that filed change #" +
           std::to_string(id) + " cannot approve it: another account does";
  return "";
}

// A kind with one record (the filing unit) that has it already takes no second: it is edited.
Status single_free(const RecordsCtx& c) {
  if (!c.kind->single) return {};
  auto cur = c.rs->list(c.kind->name);
  if (!cur) return Error{cur.error()};
  if (!cur->empty())
    return Error{"“" + c.kind->zh + "”已有一条记录（#" + std::to_string(cur->front().id) + "），请修改它 / there is a " + c.kind->en +
                 " record already (#" + std::to_string(cur->front().id) + "): edit it instead"};
  return {};
}

Response list(Api& api, Request& r) {
  RecordsCtx c = open_records(api, r.params[0]);
  if (!c.error.empty()) return fail(c.status, c.error);
  auto l = c.rs->list(c.kind->name, r.query["withdrawn"] == "1");
  if (!l) return fail(500, l.error());
  std::string today = local_today(api);
  json items = json::array();
  for (const auto& rec : *l) items.push_back(record_json(*c.kind, rec, today));
  return ok({{"kind", c.kind->name}, {"items", items}, {"total", items.size()}, {"today", today}});
}

Response add(Api& api, Request& r) {
  RecordsCtx c = open_records(api, r.params[0]);
  if (!c.error.empty()) return fail(c.status, c.error);
  auto j = json::parse(r.body, nullptr, false);
  auto d = mgmt::validate(*c.kind, j, c.lookup());
  if (!d) {
    api.audit(r, r.who.user, "record_add", false, c.kind->name, d.error());
    return fail(400, d.error());
  }
  if (Status one = single_free(c); !one) {
    api.audit(r, r.who.user, "record_add", false, c.kind->name, one.error());
    return fail(409, one.error());
  }
  auto id = c.rs->add(*c.kind, *d, r.who.user, now_ns());
  api.audit(r, r.who.user, "record_add", id.ok(), c.kind->name + (id ? " #" + std::to_string(*id) : ""),
            id ? str(*d, c.kind->title_field.c_str()) : id.error());
  if (!id) return fail(500, id.error());
  return ok({{"id", *id}}, 201);
}

Response get(Api& api, Request& r) {
  RecordsCtx c = open_records(api, r.params[0]);
  if (!c.error.empty()) return fail(c.status, c.error);
  int64_t id = std::atoll(r.params[1].c_str());
  auto h = c.rs->history(c.kind->name, id);
  if (!h) return fail(404, h.error());
  auto att = c.rs->attachments(c.kind->name, id);
  if (!att) return fail(500, att.error());
  std::string today = local_today(api);
  json out = record_json(*c.kind, h->back(), today);
  json versions = json::array(), files = json::array();
  for (const auto& v : *h)
    versions.push_back({{"version", v.version}, {"data", v.data}, {"by", v.by}, {"at", format_rfc3339(v.at)}, {"withdrawn", v.withdrawn}});
  for (const auto& a : *att)
    files.push_back({{"name", a.name},
                     {"sha256", a.sha256},
                     {"bytes", a.size},
                     {"by", a.by},
                     {"at", format_rfc3339(a.at)},
                     {"download", "/api/v1/compliance/documents/" + a.sha256}});
  out["versions"] = versions;
  out["attachments"] = files;
  return ok(out);
}

Response update(Api& api, Request& r) {
  RecordsCtx c = open_records(api, r.params[0]);
  if (!c.error.empty()) return fail(c.status, c.error);
  int64_t id = std::atoll(r.params[1].c_str());
  auto d = mgmt::validate(*c.kind, json::parse(r.body, nullptr, false), c.lookup());
  if (!d) {
    api.audit(r, r.who.user, "record_update", false, c.kind->name + " #" + r.params[1], d.error());
    return fail(400, d.error());
  }
  if (std::string why = self_approval(c, id, *d, r.who.user); !why.empty()) {
    api.audit(r, r.who.user, "record_update", false, "change #" + r.params[1], why);
    return fail(409, why);
  }
  Status s = c.rs->update(*c.kind, id, *d, r.who.user, now_ns());
  api.audit(r, r.who.user, "record_update", s.ok(), c.kind->name + " #" + r.params[1],
            s ? str(*d, c.kind->title_field.c_str()) : s.error());
  if (!s) return fail(s.error().find("no such record") != std::string::npos ? 404 : 409, s.error());
  return ok({{"id", id}});
}

Response withdraw(Api& api, Request& r) {
  RecordsCtx c = open_records(api, r.params[0]);
  if (!c.error.empty()) return fail(c.status, c.error);
  Status s = c.rs->withdraw(*c.kind, std::atoll(r.params[1].c_str()), r.who.user, now_ns());
  api.audit(r, r.who.user, "record_withdraw", s.ok(), c.kind->name + " #" + r.params[1], s.error());
  if (!s) return fail(s.error().find("no such record") != std::string::npos ? 404 : 409, s.error());
  return ok({{"withdrawn", true}});
}

Response import(Api& api, Request& r) {
  RecordsCtx c = open_records(api, r.params[0]);
  if (!c.error.empty()) return fail(c.status, c.error);
  std::string name = r.query["filename"].empty() ? c.kind->name + ".csv" : r.query["filename"];
  auto rows = mgmt::read_csv(*c.kind, r.body, name, c.lookup());
  if (!rows) {
    api.audit(r, r.who.user, "record_import", false, c.kind->name, rows.error());
    return fail(400, rows.error());
  }
  std::vector<std::pair<int64_t, json>> in;
  for (auto& row : *rows) {
    if (std::string why = self_approval(c, row.id, row.data, r.who.user); !why.empty()) {
      api.audit(r, r.who.user, "record_import", false, c.kind->name, why);
      return fail(409, why);
    }
    in.emplace_back(row.id, std::move(row.data));
  }
  auto n = c.rs->import(*c.kind, in, r.who.user, now_ns());
  api.audit(r, r.who.user, "record_import", n.ok(), c.kind->name,
            n ? std::to_string(n->first) + " added, " + std::to_string(n->second) + " updated from " + name : n.error());
  if (!n) return fail(409, n.error());
  return ok({{"added", n->first}, {"updated", n->second}}, 201);
}

Response export_csv(Api& api, Request& r) {
  RecordsCtx c = open_records(api, r.params[0]);
  if (!c.error.empty()) return fail(c.status, c.error);
  auto l = c.rs->list(c.kind->name, r.query["withdrawn"] == "1");
  if (!l) return fail(500, l.error());
  api.audit(r, r.who.user, "export", true, "records " + c.kind->name, std::to_string(l->size()) + " records");
  return {200,
          mgmt::write_csv(*c.kind, *l, r.query["lang"] == "en"),
          "text/csv; charset=utf-8",
          {{"Content-Disposition", "attachment; filename=\"" + c.kind->name + ".csv\""}}};
}

Response attach(Api& api, Request& r) {
  RecordsCtx c = open_records(api, r.params[0]);
  if (!c.error.empty()) return fail(c.status, c.error);
  std::string name = r.query["filename"];
  if (std::string why = document_name_problem(name, r.body); !why.empty()) return fail(400, why);
  int64_t id = std::atoll(r.params[1].c_str());
  if (auto cur = c.rs->get(c.kind->name, id); !cur) return fail(404, cur.error());
  auto digest = keep_document(api, r.body);
  if (!digest) return fail(500, digest.error());
  Status s = c.rs->attach(c.kind->name, {id, name, *digest, static_cast<int64_t>(r.body.size()), r.who.user, now_ns()});
  api.audit(r, r.who.user, "record_attach", s.ok(), c.kind->name + " #" + r.params[1], name + " sha256:" + *digest);
  if (!s) return fail(500, s.error());
  return ok({{"sha256", *digest}, {"name", name}, {"bytes", r.body.size()}}, 201);
}

}  // namespace

void add_records_routes(std::vector<Route>& t, Api* api) {
  using P = Perm;
  auto h = [api](Response (*f)(Api&, Request&)) { return [api, f](Request& r) { return f(*api, r); }; };
  add_records_routes2(t, api);  // the fixed paths (summary, templates, sign-in ...) match before the {kind} ones
  std::vector<Route> more = {
      {"GET", "/api/v1/records", P::kComplianceRead, false, h(kinds), "安全管理记录: the record kinds, their fields and counts"},
      {"GET", "/api/v1/records/{kind}", P::kComplianceRead, false, h(list), "a kind's current records (?withdrawn=1 with the withdrawn)"},
      {"POST", "/api/v1/records/{kind}", P::kComplianceWrite, false, h(add), "add a record (checked against its kind)"},
      {"GET", "/api/v1/records/{kind}/export", P::kComplianceRead, false, h(export_csv), "a kind's records as CSV (?lang=en)"},
      {"POST", "/api/v1/records/{kind}/import", P::kComplianceWrite, false, h(import), "records from CSV, all or none", true},
      {"GET", "/api/v1/records/{kind}/{id}", P::kComplianceRead, false, h(get), "a record with every version and its attachments"},
      {"PUT", "/api/v1/records/{kind}/{id}", P::kComplianceWrite, false, h(update), "a new version of a record"},
      {"POST", "/api/v1/records/{kind}/{id}/withdraw", P::kComplianceWrite, false, h(withdraw), "withdraw (作废) a record; it is kept"},
      {"POST", "/api/v1/records/{kind}/{id}/attachments", P::kComplianceWrite, false, h(attach), "attach a file (?filename=)", true},
  };
  t.insert(t.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

}  // namespace wardsec::server
