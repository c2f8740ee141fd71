// The inventory's routes: security zones, graded systems and assets, with CSV import (an
// audited action) and export.
#include "compliance/inventory.h"
#include "core/datadir.h"
#include "server/api.h"

namespace wardsec::server {

namespace {

using json = nlohmann::json;

Response inventory_list(Api& api, Request& r, const std::string& kind) {
  auto inv = compliance::Inventory::open(DataDir(api.opt.data_dir).compliance_db());
  if (!inv) return fail(500, inv.error());
  json out = json::array();
  if (kind == "zones") {
    auto z = (*inv)->zones();
    if (!z) return fail(500, z.error());
    for (const auto& x : *z) out.push_back({{"name", x.name}, {"name_zh", x.name_zh}, {"cidr", x.cidr}, {"description", x.description}});
  } else if (kind == "systems") {
    auto s = (*inv)->systems();
    if (!s) return fail(500, s.error());
    for (const auto& x : *s)
      out.push_back({{"id", x.id},
                     {"name", x.name},
                     {"name_en", x.name_en},
                     {"kind", x.kind},
                     {"level", x.level},
                     {"owner", x.owner},
                     {"business", x.business},
                     {"users", x.users},
                     {"data", x.data}});
  } else {
    auto a = (*inv)->assets();
    if (!a) return fail(500, a.error());
    std::string q = r.query["q"];
    for (const auto& x : *a) {
      if (!q.empty() && (x.name + " " + x.ip + " " + x.system + " " + x.zone + " " + x.type).find(q) == std::string::npos) continue;
      out.push_back(
          {{"name", x.name}, {"ip", x.ip}, {"type", x.type}, {"zone", x.zone}, {"system", x.system}, {"os", x.os}, {"owner", x.owner}});
    }
  }
  return ok({{kind, out}, {"total", out.size()}});
}

Response inventory_import(Api& api, Request& r) {
  const std::string& kind = r.params[0];
  if (kind != "zones" && kind != "systems" && kind != "assets") return fail(404, "kind must be zones, systems or assets");
  auto inv = compliance::Inventory::open(DataDir(api.opt.data_dir).compliance_db());
  if (!inv) return fail(500, inv.error());
  auto n = (*inv)->import_csv(kind, r.body, kind + ".csv");
  api.audit(r, r.who.user, "inventory_import", n.ok(), kind, n ? std::to_string(*n) + " rows" : n.error());
  if (!n) return fail(400, n.error());
  return ok({{"imported", *n}, {"kind", kind}});
}

Response inventory_export(Api& api, Request& r) {
  const std::string& kind = r.params[0];
  if (kind != "zones" && kind != "systems" && kind != "assets") return fail(404, "kind must be zones, systems or assets");
  auto inv = compliance::Inventory::open(DataDir(api.opt.data_dir).compliance_db());
  if (!inv) return fail(500, inv.error());
  auto csv = (*inv)->export_csv(kind);
  api.audit(r, r.who.user, "export", csv.ok(), kind);
  if (!csv) return fail(500, csv.error());
  return {200, "\xEF\xBB\xBF" + *csv, "text/csv; charset=utf-8", {{"Content-Disposition", "attachment; filename=\"" + kind + ".csv\""}}};
}

}  // namespace

void add_inventory_routes(std::vector<Route>& t, Api* api) {
  using P = Perm;
  auto h = [api](Response (*f)(Api&, Request&)) { return [api, f](Request& r) { return f(*api, r); }; };
  auto inv = [api](const char* kind) { return [api, kind](Request& r) { return inventory_list(*api, r, kind); }; };
  t.insert(
      t.end(),
      {
          {"GET", "/api/v1/zones", P::kAssetsRead, false, inv("zones"), "security zones"},
          {"GET", "/api/v1/systems", P::kAssetsRead, false, inv("systems"), "graded systems"},
          {"GET", "/api/v1/assets", P::kAssetsRead, false, inv("assets"), "assets"},
          {"POST", "/api/v1/inventory/{kind}", P::kAssetsWrite, false, h(inventory_import), "import zones, systems or assets (CSV)", true},
          {"GET", "/api/v1/inventory/{kind}/export", P::kAssetsRead, false, h(inventory_export), "export zones, systems or assets (CSV)"},
      });
}

}  // namespace wardsec::server
