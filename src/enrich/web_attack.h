// The web-attack stage of the live pipeline: access-log events (combined format, or wardsec's
// JSON format with headers and bodies) are inspected as they are decoded, and what the
// inspector found is written into the event itself (web.attack.*), so that the search, the
// console's web-attack page and the Sigma rule rules/hospital/web_attack_detected.yml all read
// the same fields.
#pragma once

#include "core/event.h"
#include "enrich/stage.h"
#include "web/inspect.h"

namespace wardsec::enrich {

// Fields written (only on requests with findings or that are malformed):
//   web.attack.verdict      attack | malformed
//   web.attack.classes      comma-separated, kClasses names
//   web.attack.confidence   0..100 of the strongest finding
//   web.attack.kind / .where / .param / .fragment   the strongest finding
//   web.attack.findings     all findings as a JSON array
bool inspect_web(const web::Inspector& insp, Event& ev);

// The stage: owns its inspector (the web-attack policy, docs/web.md).
class WebAttackStage final : public Stage {
 public:
  explicit WebAttackStage(const web::Policy& policy) : insp_(policy) {}
  std::string_view name() const override { return "web-attack"; }
  void run(std::span<Event> batch) override {
    for (Event& ev : batch) inspect_web(insp_, ev);
  }

 private:
  web::Inspector insp_;
};

}  // namespace wardsec::enrich
