// What the management records' two route files share (records_api.cc, records_api2.cc).
#pragma once
#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "compliance/catalog.h"
#include "mgmt/checks.h"
#include "mgmt/store.h"
#include "server/http.h"

namespace wardsec::server {

class Api;

// The store and the catalog for one request, and the kind named in the path ("" for none).
struct RecordsCtx {
  const mgmt::Kind* kind = nullptr;
  std::unique_ptr<mgmt::Records> rs;
  std::shared_ptr<compliance::Catalog> cat;
  int status = 200;
  std::string error;
  std::vector<std::string> systems;  // the inventory's
  mgmt::Lookup lookup() const;
};
RecordsCtx open_records(Api& api, const std::string& kind);
// What the records evidence, item by item, today (the workbench's record evidence), and one
// item's links as JSON (kind, id, title, date, fresh, why stale, the console's link).
Result<std::map<std::string, std::vector<mgmt::RecordLink>>> record_evidence(Api& api);
nlohmann::json links_json(const std::vector<mgmt::RecordLink>& links);
// A system's classified data for the grading wizard and report: counts, the sentence, the items.
nlohmann::json data_assets_json(Api& api, const std::string& system);
// Every inventoried system with its level and latest grading date; everything the records remind
// of, the filing deadlines first (records_api2.cc; the dashboard counts them).
Result<std::vector<mgmt::Graded>> graded_systems(Api& api);
Result<std::vector<mgmt::Reminder>> all_reminders(Api& api);
// records_api2.cc: the summary, the policy templates, a training's sign-in sheet, an inspection's
// findings.
void add_records_routes2(std::vector<Route>& t, Api* api);

}  // namespace wardsec::server
