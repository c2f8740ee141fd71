// What no input may claim (parser.h: guard_input_event). The center's own records (the
// administrators' audit trail, its starts and configuration digests) are events with
// event.dataset wardsec.* and fields under wardsec.* (and the host agents' identity and
// datasets: agent.id, agent.name, agent.*); a log line that names them is renamed
// here, after every parser, so a sender can neither forge the audit trail nor hide its own
// lines from the security administrator's searches.
#include <algorithm>
#include <vector>

#include "core/strutil.h"
#include "core/timeutil.h"
#include "parse/parser.h"

namespace wardsec {

namespace {

bool starts_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); i++)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

// "wardsec", "wardsec.audit", " WardSec.x": a value in the center's own namespace; so are
// the datasets of what enrolled host agents report ("agent.fim", "agent.response", ...), which
// only the agent channel writes, for the agent its certificate names.
bool reserved_value(std::string_view v) {
  if (v.empty()) return false;
  switch (v[0]) {  // most values start with neither 'w', 'a' nor a blank: one comparison
    case 'a':
    case 'A':
    case 'w':
    case 'W':
    case ' ':
    case '\t':
    case '\r':
    case '\n':
    case '\v':
    case '\f': break;
    default: return false;
  }
  v = trim(v);
  return (starts_ci(v, "wardsec") && (v.size() == 7 || v[7] == '.' || v[7] == '_' || v[7] == '-')) || starts_ci(v, "agent.");
}

}  // namespace

// wardsec.*, and the enrolled agent's identity (agent.id, agent.name), which the agent channel
// sets from the client certificate: a syslog line cannot pass itself off as an agent's.
bool is_reserved_field(std::string_view name) { return starts_ci(name, "wardsec.") || name == "agent.id" || name == "agent.name"; }

namespace {

// Whether a field id names the reserved namespace. The well-known fields never do; a dynamic
// id's name never changes, so each thread remembers the answer (no registry lock per field on
// the ingest path).
bool reserved_id(FieldId id) {
  if (id < kFirstDynamicField) return false;
  thread_local std::vector<uint8_t> known;  // 0 unknown, 1 reserved, 2 not
  if (id >= known.size()) known.resize(static_cast<size_t>(id) + 64, 0);
  if (!known[id]) known[id] = is_reserved_field(FieldRegistry::name(id)) ? 1 : 2;
  return known[id] == 1;
}

}  // namespace

int guard_input_event(Event& ev, const ParseContext& ctx) {
  static const FieldId original_time = FieldRegistry::intern("event.original_time");
  static const FieldId adjusted = FieldRegistry::intern("event.time_adjusted");
  static const FieldId at = FieldRegistry::intern("@timestamp");
  int renamed = 0;
  // One pass over the fields: most events hold only well-known fields and none of the
  // center's values, and pay a comparison or two per field.
  bool claimed_values = false, stray_at = false;
  for (size_t i = 0; i < ev.fields.size();) {
    FieldId id = ev.fields[i].id;
    if (id == kEventDataset || id == kEventModule) {
      if (reserved_value(ev.value(ev.fields[i]))) claimed_values = true;
    } else if (id == at) {
      stray_at = true;
    } else if (reserved_id(id)) {
      // Field names under wardsec.*: moved to claimed.wardsec.* (kept, searchable, never trusted).
      renamed++;
      FieldId to = FieldRegistry::intern("claimed." + std::string(FieldRegistry::name(id)));
      if (to == kNoField || ev.has(to)) {
        ev.fields.erase(ev.fields.begin() + static_cast<long>(i));  // the raw line still holds it
        continue;
      }
      ev.fields[i].id = to;
      ev.seen |= 1ull << (to % 64);
      ev.seen |= 1ull << (to % 64);
    }
    i++;
  }
  if (claimed_values)
    for (FieldId id : {kEventDataset, kEventModule}) {
      std::string_view v = ev.get(id);
      if (v.empty() || !reserved_value(v)) continue;
      ev.set(id, "claimed." + std::string(trim(v)));
      renamed++;
    }
  // Event time: bounded to a window around reception (ParseContext). A sender's time outside
  // it is kept in event.original_time and the event is tagged; it is filed at its reception,
  // so no line can pin a segment against retention or hide among events of another year.
  if (ev.received && (ev.ts > ev.received + ctx.max_future_ns || ev.ts < ev.received - ctx.max_past_ns || ev.ts < 0)) {
    if (!ev.has(original_time)) ev.set(original_time, format_rfc3339(ev.ts));
    ev.set(adjusted, ev.ts > ev.received ? "future" : "past");
    ev.ts = ev.received;
  }
  // A sender's time no parser could read ("2999-01-01T...", "Feb 31"): kept as
  // event.original_time, so the event's one @timestamp is the time it is filed at.
  if (stray_at) {
    if (!ev.has(original_time)) ev.set(original_time, ev.get(at));
    for (size_t i = 0; i < ev.fields.size(); i++)
      if (ev.fields[i].id == at) ev.fields.erase(ev.fields.begin() + static_cast<long>(i--));
  }
  if ((stray_at || ev.has(original_time)) && !ev.has(adjusted)) ev.set(adjusted, "invalid");
  return renamed;
}

}  // namespace wardsec
