#include "core/event.h"

#include <charconv>

namespace wardsec {

void Event::set(FieldId id, std::string_view value) {
  FieldRef ref{id, 0, 0, static_cast<uint32_t>(value.size())};
  const char* b = raw.data();
  if (!value.empty() && value.data() >= b && value.data() + value.size() <= b + raw.size()) {
    ref.off = static_cast<uint32_t>(value.data() - b);
  } else {
    ref.in_extra = 1;
    ref.off = static_cast<uint32_t>(extra.size());
    extra.append(value);
  }
  uint64_t bit = 1ull << (id % 64);
  if (seen & bit) {
    for (auto& f : fields) {
      if (f.id == id) {
        f = ref;
        return;
      }
    }
  }
  seen |= bit;
  fields.push_back(ref);
}

void Event::set_int(FieldId id, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  set(id, std::string_view(buf, r.ptr - buf));
}

std::string_view Event::get(FieldId id) const {
  for (const auto& f : fields)
    if (f.id == id) return value(f);
  return {};
}

std::string_view Event::get(std::string_view name) const {
  FieldId id = FieldRegistry::find(name);
  if (id == kNoField) return {};
  return get(id);
}

bool Event::has(FieldId id) const {
  for (const auto& f : fields)
    if (f.id == id) return true;
  return false;
}

void Event::clear() {
  ts = received = 0;
  flags = 0;
  raw.clear();
  extra.clear();
  fields.clear();
  seen = 0;
  body_off = 0;
}

}  // namespace wardsec
