// The one event type that flows through every stage.
//
// An event keeps the original bytes (`raw`) and a small table of fields. A field value is a
// slice of `raw` when the parser found it there (no copy, and the store keeps only the
// offset), or a slice of `extra` when the value had to be built (decoded, normalized).
// Field names follow the Elastic Common Schema and are interned to small ids (fields.h).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/fields.h"

namespace wardsec {

enum EventFlags : uint32_t {
  kParseError = 1u << 0,   // no parser understood the message; raw kept as is
  kTruncated = 1u << 1,    // the message was longer than the limit and was cut
  kInvalidUtf8 = 1u << 2,  // raw is not valid UTF-8 (e.g. GBK); kept byte for byte
  kNoTimestamp = 1u << 3,  // the message had no time; ts is the receive time
  kAnalysed = 1u << 4,     // built by the center from a statement it analysed itself (capture)
};

struct FieldRef {
  FieldId id;
  uint8_t in_extra;  // 0: slice of raw, 1: slice of extra
  uint32_t off;
  uint32_t len;
};

class Event {
 public:
  int64_t ts = 0;        // event time, ns since the Unix epoch (UTC)
  int64_t received = 0;  // receive time, ns since the Unix epoch (UTC)
  uint32_t flags = 0;
  std::string raw;
  std::string extra;
  std::vector<FieldRef> fields;
  uint64_t seen = 0;      // bit (id % 64) set for every id in `fields` (a superset: erasing a field leaves its bit): a fast "not set"
  uint32_t body_off = 0;  // where the message after the envelope (syslog header) starts in raw; not stored

  // Sets a field. A view that points into `raw` is stored as a reference, anything else is
  // copied into `extra`. Setting a field again replaces the earlier value.
  void set(FieldId id, std::string_view value);
  void set(std::string_view name, std::string_view value) { set(FieldRegistry::intern(name), value); }
  void set_int(FieldId id, int64_t v);
  std::string_view get(FieldId id) const;
  std::string_view get(std::string_view name) const;
  bool has(FieldId id) const;
  std::string_view value(const FieldRef& r) const { return std::string_view(r.in_extra ? extra : raw).substr(r.off, r.len); }
  void clear();
};

}  // namespace wardsec
