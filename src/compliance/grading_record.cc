#include "compliance/grading_record.h"

#include <algorithm>

#include "core/strutil.h"

namespace wardsec::compliance {

namespace {

size_t utf8_chars(std::string_view s) {
  return std::count_if(s.begin(), s.end(), [](char ch) { return (static_cast<unsigned char>(ch) & 0xC0) != 0x80; });
}

}  // namespace

Result<GradingOutcome> confirm_grading(Assessments& as, Inventory& inv, const GradingRequest& req, int64_t now) {
  auto bo = parse_object(req.business_object), so = parse_object(req.service_object);
  auto bd = parse_degree(req.business_degree), sd = parse_degree(req.service_degree);
  if (!bo || !so) return Error{"受侵害的客体须为 citizens、society 或 nation / the object harmed: citizens, society or nation"};
  if (!bd || !sd) return Error{"侵害程度须为 general、serious 或 very-serious / the degree of harm: general, serious or very-serious"};
  if (!known_tier(req.tier)) return Error{"医院等级须为 1、2 或 3 / the hospital tier must be 1, 2 or 3, not '" + req.tier + "'"};
  auto systems = inv.systems();
  if (!systems) return Error{systems.error()};
  auto sys = std::find_if(systems->begin(), systems->end(), [&](const System& x) { return x.id == req.system; });
  if (sys == systems->end()) return Error{"no such graded system: " + req.system};
  GradingOutcome out;
  GradingInput in{*bo, *bd, req.business_reason, *so, *sd, req.service_reason};
  out.grading = grade(in);
  out.previous_level = sys->level;
  const Grading& g = out.grading;
  // The suggestion for the system's kind as the inventory records it; an unknown kind has none
  // beyond the ordinary level 2.
  out.suggestion = hospital_default(sys->kind, req.tier);
  const Suggestion& sug = out.suggestion;
  int floor = std::max(sys->level, sug.level);
  std::string why(trim(req.downgrade_reason));
  if (g.level < floor) {
    out.downgrade = true;
    if (utf8_chars(why) < 6) {
      out.refused = "定级为第" + std::to_string(g.level) + "级，低于" +
                    (sys->level > g.level ? "当前的第" + std::to_string(sys->level) + "级" : std::string()) +
                    (sys->level > g.level && sug.level > g.level ? "和" : "") +
                    (sug.level > g.level ? "行业建议的第" + std::to_string(sug.level) + "级" : std::string()) +
                    "：降级须写明理由（至少 6 个字） / level " + std::to_string(g.level) + " is below the system's current level " +
                    std::to_string(sys->level) + " or the sector's suggested level " + std::to_string(sug.level) +
                    ": a downgrade needs its reason (6 characters at least)";
      return out;
    }
    out.note = "降级确认 / downgrade confirmed: 当前 current L" + std::to_string(sys->level) + "，行业建议 suggested L" +
               std::to_string(sug.level) + " → L" + std::to_string(g.level) + "；理由 reason: " + why;
  }
  std::string notes;
  for (const auto& n : g.notes) notes += (notes.empty() ? "" : "\n") + n;
  if (!out.note.empty()) notes += (notes.empty() ? "" : "\n") + out.note;
  GradingRecord rec{req.system,
                    req.business_object,
                    req.business_degree,
                    in.business_reason,
                    req.service_object,
                    req.service_degree,
                    in.service_reason,
                    g.business_level,
                    g.service_level,
                    g.level,
                    notes,
                    req.by,
                    now};
  if (Status s = as.record_grading(rec); !s) return Error{s.error()};
  if (Status s = inv.set_level(req.system, g.level); !s) return Error{s.error()};
  return out;
}

}  // namespace wardsec::compliance
