// JSON events: one object per line. Nested objects flatten to dotted names ({"source":{"ip":..}}
// becomes source.ip), so ECS-shaped JSON, Elastic agents' output and Windows event exports
// land on the same fields as our own parsers.
#include <simdjson.h>

#include "core/strutil.h"
#include "core/timeutil.h"
#include "parse/parser.h"

namespace wardsec {
namespace {

constexpr size_t kMaxDepth = 16;
constexpr size_t kMaxFields = 512;

void flatten(Event& ev, simdjson::dom::element el, std::string& prefix, size_t depth, size_t& count, const ParseContext& ctx,
             bool set_time) {
  using simdjson::dom::element_type;
  if (count >= kMaxFields) return;
  switch (el.type()) {
    case element_type::OBJECT: {
      if (depth >= kMaxDepth) break;
      // Windows events keep type-specific data under Event.UserData.<Element>: flatten it to
      // Event.UserData.<field> (and record the element), so rules find fields by name.
      bool user_data = prefix == "Event.UserData";
      for (auto [key, value] : el.get_object()) {
        size_t keep = prefix.size();
        if (user_data && value.is_object() && depth < kMaxDepth) {
          FieldId el_id = FieldRegistry::intern("Event.UserData.#element");
          if (el_id != kNoField) ev.set(el_id, std::string_view(key));
          flatten(ev, value, prefix, depth + 1, count, ctx, set_time);
          continue;
        }
        if (!prefix.empty()) prefix.push_back('.');
        prefix.append(key);
        flatten(ev, value, prefix, depth + 1, count, ctx, set_time);
        prefix.resize(keep);
      }
      return;
    }
    case element_type::ARRAY: {
      // Arrays of scalars become one comma-separated value; others keep their JSON text.
      std::string joined;
      bool scalars = true;
      for (auto v : el.get_array()) {
        if (v.is_object() || v.is_array()) {
          scalars = false;
          break;
        }
        if (!joined.empty()) joined.push_back(',');
        if (v.is_string())
          joined.append(std::string_view(v.get_string()));
        else
          joined.append(simdjson::minify(v));
      }
      if (!scalars) joined = simdjson::minify(el);
      FieldId id = FieldRegistry::intern(prefix);
      if (id != kNoField) ev.set(id, joined);
      count++;
      return;
    }
    case element_type::NULL_VALUE: return;
    default: break;
  }
  std::string_view name = prefix;
  std::string tmp;
  std::string_view val;
  if (el.is_string()) {
    val = el.get_string();
  } else {
    tmp = simdjson::minify(el);
    val = tmp;
  }
  if (set_time && ev.ts == 0 &&
      (name == "@timestamp" || name == "timestamp" || name == "time" || name == "EventTime" || name == "TimeCreated" || name == "UtcTime" ||
       name == "ts" || ends_with(name, "TimeCreated.#attributes.SystemTime") || ends_with(name, "TimeCreated.SystemTime"))) {
    int64_t t;
    if (parse_rfc3339(val, t, ctx.tz_sec) || parse_epoch(val, t)) {
      ev.ts = t;
      return;
    }
  }
  if (name == "msg" || name == "Message") name = "message";
  FieldId id = FieldRegistry::intern(name);
  if (id == kNoField) return;
  // Most values appear verbatim in the line (no escapes): point at them instead of copying.
  size_t at = val.empty() ? std::string_view::npos : std::string_view(ev.raw).find(val);
  if (at != std::string_view::npos)
    ev.set(id, std::string_view(ev.raw).substr(at, val.size()));
  else
    ev.set(id, val);
  count++;
}

}  // namespace

bool parse_json_object(Event& ev, std::string_view s, const ParseContext& ctx, bool set_time) {
  s = trim(s);
  if (s.size() < 2 || s.front() != '{') return false;
  thread_local simdjson::dom::parser parser;
  simdjson::padded_string padded(s);
  simdjson::dom::element doc;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS || !doc.is_object()) return false;
  std::string prefix;
  size_t count = 0;
  flatten(ev, doc, prefix, 0, count, ctx, set_time);
  if (!ev.has(kEventDataset)) ev.set(kEventDataset, "json");
  return true;
}

namespace {

class JsonEnvelope : public EnvelopeParser {
 public:
  bool sniff(std::string_view s) const override { return !s.empty() && (s[0] == '{' || (s[0] == ' ' && trim(s).substr(0, 1) == "{")); }
  bool parse(Event& ev, const ParseContext& ctx, std::string_view&, std::string_view&) const override {
    return parse_json_object(ev, ev.raw, ctx, true);
  }
};

class JsonMessage : public MessageParser {
 public:
  bool parse(Event& ev, std::string_view, std::string_view s, const ParseContext& ctx) const override {
    if (s.empty() || s[0] != '{') return false;
    // The envelope already set message to the JSON text; the object's own fields refine it.
    return parse_json_object(ev, s, ctx, false);
  }
};

}  // namespace

EnvelopeParserPtr make_json_parser() { return std::make_unique<JsonEnvelope>(); }
MessageParserPtr make_json_message_parser() { return std::make_unique<JsonMessage>(); }

}  // namespace wardsec
