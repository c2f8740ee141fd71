// Confirming a grading (定级) of an inventoried system: the one path the console and the CLI
// both take, so that the same rules hold whichever an administrator uses. A level below the
// system's current level or below the health sector's suggestion for its kind is a downgrade:
// it needs a written reason, which is kept in the grading record.
#pragma once
#include <string>

#include "compliance/assessment.h"
#include "compliance/grading.h"
#include "compliance/inventory.h"
#include "core/result.h"

namespace wardsec::compliance {

struct GradingRequest {
  std::string system;
  std::string business_object, business_degree, service_object, service_degree;  // as parse_object / parse_degree read them
  std::string business_reason, service_reason;                                   // 定级理由, both required
  std::string downgrade_reason;                                                  // needed for a downgrade
  std::string tier;                                                              // the hospital's tier (configuration)
  std::string by;                                                                // who confirms it
};

struct GradingOutcome {
  Grading grading;
  Suggestion suggestion;
  int previous_level = 0;
  bool downgrade = false;
  std::string refused;  // non-empty: nothing was recorded, and why (zh / en)
  std::string note;     // the downgrade line kept with the record
};

// Refused (outcome.refused) for a downgrade without a reason of 6 characters or more; an error
// for input that does not parse, a system not in the inventory, or a store failure.
Result<GradingOutcome> confirm_grading(Assessments& as, Inventory& inv, const GradingRequest& req, int64_t now);

}  // namespace wardsec::compliance
