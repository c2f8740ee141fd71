// Emergency plans and drills as the console, the API and the CLI use them: the store, the
// shipped templates, and what ties them to the compliance workbench (<data>/compliance.db):
// an active plan, a re-evaluation and an evaluated drill are evidence for their 等保 items
// (OM.EMG.a-d) on every graded system the plan covers; a drill's findings open rectification
// tasks (整改) there.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "emergency/store.h"

namespace wardsec::emergency {

struct Options {
  std::string data_dir;       // emergency.db, compliance.db
  std::string templates_dir;  // plans/templates (resolved by the caller); none there: no templates
  int tz_sec = 8 * 3600;
};

class Service {
 public:
  static Result<std::unique_ptr<Service>> open(const Options& o, Store::Clock now = nullptr);
  Store& store() { return *store_; }
  const std::vector<Template>& templates() const { return templates_; }
  const Template* find_template(const std::string& key) const;
  // A plan body from a template in one language ("zh" or "en").
  Result<Plan> from_template(const std::string& key, const std::string& lang) const;

  // Changes that also write evidence (each returns what it wrote, for the audit line).
  Status activate(int64_t plan, const std::string& note, const std::string& who);
  Status revise(int64_t plan, const Plan& p, const std::string& note, const std::string& who);
  Status review(int64_t plan, const std::string& note, const std::string& who);
  // Evaluates a finished drill, then opens one rectification task per finding and covered
  // system (item: the finding's, else OM.EMG.b) and records the drill as OM.EMG.c evidence.
  Result<std::vector<int64_t>> evaluate(int64_t drill, const std::string& summary, std::vector<Finding> findings, const std::string& who);

  // The graded systems a plan covers: its own list, or every graded system when it names none.
  Result<std::vector<std::string>> systems_of(const Plan& p);
  const Options& options() const { return opt_; }

 private:
  Status evidence(const Plan& p, const std::vector<std::string>& items, const std::string& source, const std::string& text);
  Options opt_;
  std::unique_ptr<Store> store_;
  std::vector<Template> templates_;
};

}  // namespace wardsec::emergency
