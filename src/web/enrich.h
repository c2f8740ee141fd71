// The web-attack stage of the live pipeline: access-log events (combined format, or wardsec's
// JSON format with headers and bodies) are inspected as they are decoded, and what the
// inspector found is written into the event itself (web.attack.*), so that the search, the
// console's web-attack page and the Sigma rule rules/hospital/web_attack_detected.yml all read
// the same fields.
#pragma once
#include <functional>
#include <memory>

#include "core/event.h"
#include "web/inspect.h"

namespace wardsec::web {

// Fields written (only on requests with findings or that are malformed):
//   web.attack.verdict      attack | malformed
//   web.attack.classes      comma-separated, kClasses names
//   web.attack.confidence   0..100 of the strongest finding
//   web.attack.kind / .where / .param / .fragment   the strongest finding
//   web.attack.findings     all findings as a JSON array
bool enrich(const Inspector& insp, Event& ev);

// A pipeline hook (PipelineOptions::enrich) that owns its inspector.
std::function<void(Event&)> make_enricher(const Policy& policy);

}  // namespace wardsec::web
