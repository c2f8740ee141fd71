#include "incident/json.h"

#include "core/timeutil.h"
#include "incident/taxonomy.h"

namespace wardsec::incident {

using json = nlohmann::json;

json obligation_json(const Obligation& o, int64_t now) {
  std::string state = o.withdrawn_at      ? "withdrawn"
                      : o.reported_at     ? (o.reported_at > o.deadline ? "reported_late" : "reported")
                      : now >= o.deadline ? "overdue"
                                          : "pending";
  return {{"id", o.id},
          {"kind", o.kind},
          {"body", o.body.id},
          {"name_zh", o.body.name_zh},
          {"name_en", o.body.name_en},
          {"basis", o.body.basis},
          {"contact", o.body.contact},
          {"minutes", o.body.minutes},
          {"deadline", format_rfc3339(o.deadline)},
          {"seconds_left", (o.deadline - now) / 1000000000},
          {"state", state},
          {"reported_at", o.reported_at ? format_rfc3339(o.reported_at) : ""},
          {"reported_by", o.reported_by},
          {"channel", o.channel},
          {"reference", o.reference},
          {"missed_at", o.missed_at ? format_rfc3339(o.missed_at) : ""},
          {"reminded", o.reminded}};
}

json incident_json(const Incident& i, int64_t now) {
  const Subcategory* sc = find_subcategory(i.subcategory);
  const Category* c = sc ? find_category(sc->category) : nullptr;
  json reasons = json::array();
  for (const auto& r : assess(i.impact).reasons) reasons.push_back({{"grade", grade_name(r.grade)}, {"zh", r.zh}, {"en", r.en}});
  return {{"id", i.id},
          {"title", i.title},
          {"description", i.description},
          {"category", c ? std::string(c->code) : ""},
          {"category_zh", c ? std::string(c->zh) : ""},
          {"category_en", c ? std::string(c->en) : ""},
          {"subcategory", i.subcategory},
          {"subcategory_zh", sc ? std::string(sc->zh) : ""},
          {"subcategory_en", sc ? std::string(sc->en) : ""},
          {"grade", grade_name(i.grade)},
          {"grade_zh", grade_zh(i.grade)},
          {"assessed", grade_name(i.assessed)},
          {"grade_reason", i.grade_reason},
          {"reasons", reasons},
          {"impact", json::parse(impact_json(i.impact))},
          {"stage", stage_name(i.stage)},
          {"stage_zh", stage_zh(i.stage)},
          {"owner", i.owner},
          {"source", i.source},
          {"plan", i.plan},
          {"summary", i.summary},
          {"discovered", format_rfc3339(i.discovered)},
          {"created", format_rfc3339(i.created)},
          {"updated", format_rfc3339(i.updated)},
          {"closed", i.closed ? format_rfc3339(i.closed) : ""},
          {"created_by", i.created_by},
          {"report", i.report},
          {"elapsed_seconds", ((i.closed ? i.closed : now) - i.discovered) / 1000000000}};
}

Result<json> record_json(Store& store, int64_t id) {
  auto inc = store.get(id);
  if (!inc) return Error{inc.error()};
  int64_t now = store.now();
  json j = incident_json(*inc, now);
  json tl = json::array(), links = json::array(), obs = json::array();
  auto t = store.timeline(id);
  if (!t) return Error{t.error()};
  for (const auto& e : *t) tl.push_back({{"at", format_rfc3339(e.at)}, {"who", e.who}, {"kind", e.kind}, {"text", e.text}});
  auto l = store.links(id);
  if (!l) return Error{l.error()};
  for (const auto& x : *l)
    links.push_back({{"kind", x.kind}, {"ref", x.ref}, {"note", x.note}, {"who", x.who}, {"at", format_rfc3339(x.at)}});
  auto o = store.obligations(id);
  if (!o) return Error{o.error()};
  for (const auto& x : *o) obs.push_back(obligation_json(x, now));
  auto c = store.checklist(id);
  if (!c) return Error{c.error()};
  json checks = json::array();
  for (const auto& x : *c)
    checks.push_back({{"index", x.index},
                      {"title", x.title},
                      {"owner", x.owner},
                      {"detail", x.detail},
                      {"minutes", x.minutes},
                      {"done_at", x.done_at ? format_rfc3339(x.done_at) : ""},
                      {"done_by", x.done_by},
                      {"note", x.note}});
  j["timeline"] = tl;
  j["links"] = links;
  j["obligations"] = obs;
  j["checklist"] = checks;
  return j;
}

json categories_json() {
  json cats = json::array();
  for (const auto& c : categories()) {
    json subs = json::array();
    for (const auto& s : subcategories())
      if (s.category == c.code) subs.push_back({{"code", s.code}, {"zh", s.zh}, {"en", s.en}});
    cats.push_back({{"code", c.code}, {"zh", c.zh}, {"en", c.en}, {"subcategories", subs}});
  }
  return cats;
}

}  // namespace wardsec::incident
