#include "core/fields.h"

#include <deque>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

namespace wardsec {
namespace {

struct Table {
  std::shared_mutex mu;
  std::deque<std::string> names;  // deque: stable addresses for the views below
  std::deque<FieldType> types;
  std::unordered_map<std::string_view, FieldId> by_name;
  Table() {
#define WARDSEC_FIELD_ADD(c, n, t) add(n, FieldType::t);
    WARDSEC_FIELDS(WARDSEC_FIELD_ADD)
#undef WARDSEC_FIELD_ADD
  }
  FieldId add(std::string_view n, FieldType t) {
    names.emplace_back(n);
    types.push_back(t);
    FieldId id = static_cast<FieldId>(names.size() - 1);
    by_name.emplace(names.back(), id);
    return id;
  }
};

Table& table() {
  static Table t;
  return t;
}

}  // namespace

FieldId FieldRegistry::intern(std::string_view name) {
  Table& t = table();
  {
    std::shared_lock lk(t.mu);
    auto it = t.by_name.find(name);
    if (it != t.by_name.end()) return it->second;
  }
  std::unique_lock lk(t.mu);
  auto it = t.by_name.find(name);
  if (it != t.by_name.end()) return it->second;
  if (t.names.size() >= kFirstDynamicField + kMaxDynamic) return kNoField;
  FieldType type = FieldType::kKeyword;
  auto ends = [&](std::string_view s) { return name.size() >= s.size() && name.substr(name.size() - s.size()) == s; };
  if (ends(".ip"))
    type = FieldType::kIp;
  else if (ends(".port") || ends(".bytes") || ends(".code") || ends(".pid"))
    type = FieldType::kLong;
  return t.add(name, type);
}

FieldId FieldRegistry::find(std::string_view name) {
  Table& t = table();
  std::shared_lock lk(t.mu);
  auto it = t.by_name.find(name);
  return it == t.by_name.end() ? kNoField : it->second;
}

std::string_view FieldRegistry::name(FieldId id) {
  Table& t = table();
  std::shared_lock lk(t.mu);
  return id < t.names.size() ? std::string_view(t.names[id]) : std::string_view("?");
}

FieldType FieldRegistry::type(FieldId id) {
  Table& t = table();
  std::shared_lock lk(t.mu);
  return id < t.types.size() ? t.types[id] : FieldType::kKeyword;
}

}  // namespace wardsec
