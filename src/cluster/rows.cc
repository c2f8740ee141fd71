#include "cluster/rows.h"

#include <array>
#include <cstdio>
#include <cstring>

#include "core/strutil.h"

namespace wardsec::cluster {

namespace {

// The searched columns and the fields they come from, in the table's order.
constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kColumns{{
    {"host", "host.name"},
    {"source_ip", "source.ip"},
    {"destination_ip", "destination.ip"},
    {"user", "user.name"},
    {"dataset", "event.dataset"},
    {"action", "event.action"},
    {"outcome", "event.outcome"},
}};

}  // namespace

std::string utc_day(int64_t ts_ns) {
  int64_t days = ts_ns / 86400000000000LL;
  if (ts_ns < 0 && ts_ns % 86400000000000LL) days--;
  // civil_from_days (H. Hinnant)
  days += 719468;
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  auto doe = static_cast<unsigned>(days - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1;
  unsigned m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) y++;
  // ClickHouse's Date holds 1970-01-01 .. 2105: times outside it go to the first day.
  if (y < 1970) return "1970-01-01";
  if (y > 2105) y = 2105;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(y), m, d);
  return buf;
}

namespace {

void put_u64(uint64_t v, std::string& out) {
  char b[8];
  for (int i = 0; i < 8; i++) b[i] = static_cast<char>(v >> (8 * i));
  out.append(b, 8);
}

void put_bytes(std::string_view s, std::string& out) {
  put_u64(s.size(), out);
  out.append(s);
}

// The escapes ClickHouse writes and reads in its text formats.
char escape_for(char c) {
  switch (c) {
    case '\\': return '\\';
    case '\'': return '\'';
    case '\t': return 't';
    case '\n': return 'n';
    case '\r': return 'r';
    case '\0': return '0';
    case '\b': return 'b';
    case '\f': return 'f';
    default: return 0;
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower_ascii(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Reads one backslash escape at s[i] (s[i] == '\\'); appends its byte and returns the index after.
size_t unescape_at(std::string_view s, size_t i, std::string& out, bool& ok) {
  if (i + 1 >= s.size()) {
    ok = false;
    return s.size();
  }
  char c = s[i + 1];
  switch (c) {
    case 't': out += '\t'; break;
    case 'n': out += '\n'; break;
    case 'r': out += '\r'; break;
    case '0': out += '\0'; break;
    case 'b': out += '\b'; break;
    case 'f': out += '\f'; break;
    case 'a': out += '\a'; break;
    case 'v': out += '\v'; break;
    case 'x': {
      int h = i + 3 < s.size() ? hex_value(s[i + 2]) : -1, l = i + 3 < s.size() ? hex_value(s[i + 3]) : -1;
      if (h < 0 || l < 0) {
        ok = false;
        return s.size();
      }
      out += static_cast<char>(h * 16 + l);
      return i + 4;
    }
    default: out += c;  // \\ \' and any other character stand for themselves
  }
  return i + 2;
}

Result<uint64_t> u64_field(std::string_view f, const char* name) {
  uint64_t v = 0;
  if (!parse_u64(f, v)) return Error{std::string(name) + ": not a number"};
  return v;
}

Result<int64_t> i64_field(std::string_view f, const char* name) {
  int64_t v = 0;
  if (!parse_i64(f, v)) return Error{std::string(name) + ": not a number"};
  return v;
}

// Splits a line at tabs; exactly n fields or an error.
Result<std::vector<std::string_view>> fields_of(std::string_view line, size_t n) {
  auto f = split_view(line, '\t');
  if (f.size() != n) return Error{"expected " + std::to_string(n) + " columns, found " + std::to_string(f.size())};
  return f;
}

// ref, ts, received, flags, raw, attrs.k, attrs.v from the fields at `at`.
Status read_core(const std::vector<std::string_view>& f, size_t at, Row& r) {
  auto ref = u64_field(f[at], "ref");
  auto ts = i64_field(f[at + 1], "ts");
  auto rec = i64_field(f[at + 2], "received");
  auto fl = u64_field(f[at + 3], "flags");
  if (!ref) return Error{ref.error()};
  if (!ts) return Error{ts.error()};
  if (!rec) return Error{rec.error()};
  if (!fl || *fl > 0xffffffffu) return Error{"flags: not a 32-bit number"};
  auto raw = tsv_unescape(f[at + 4]);
  if (!raw) return Error{"raw: " + raw.error()};
  auto keys = tsv_parse_array(f[at + 5]);
  if (!keys) return Error{"attrs.k: " + keys.error()};
  auto vals = tsv_parse_array(f[at + 6]);
  if (!vals) return Error{"attrs.v: " + vals.error()};
  if (keys->size() != vals->size()) return Error{"attrs: names and values differ in number"};
  r.ref = *ref;
  r.ts = *ts;
  r.received = *rec;
  r.flags = static_cast<uint32_t>(*fl);
  r.raw = std::move(*raw);
  r.attrs.clear();
  for (size_t i = 0; i < keys->size(); i++) {
    if ((*keys)[i].empty()) return Error{"attrs.k: an empty field name"};
    r.attrs.emplace_back(std::move((*keys)[i]), std::move((*vals)[i]));
  }
  return {};
}

}  // namespace

Row row_from_event(const Event& ev, uint64_t ref) {
  Row r;
  r.ref = ref;
  r.ts = ev.ts;
  r.received = ev.received;
  r.flags = ev.flags;
  r.raw = ev.raw;
  r.attrs.reserve(ev.fields.size());
  for (const auto& f : ev.fields) r.attrs.emplace_back(std::string(FieldRegistry::name(f.id)), std::string(ev.value(f)));
  return r;
}

Event event_from_row(const Row& r) {
  Event ev;
  ev.ts = r.ts;
  ev.received = r.received;
  ev.flags = r.flags;
  ev.raw = r.raw;
  for (const auto& [k, v] : r.attrs) ev.set(k, v);
  return ev;
}

Derived derive(const Row& r) {
  Derived d;
  d.day = utc_day(r.ts);
  std::string* out[] = {&d.host, &d.source_ip, &d.destination_ip, &d.user, &d.dataset, &d.action, &d.outcome};
  for (const auto& [k, v] : r.attrs)
    for (size_t i = 0; i < kColumns.size(); i++)
      if (k == kColumns[i].second) *out[i] = v;
  return d;
}

std::string_view column_of_field(std::string_view field) {
  for (const auto& [col, f] : kColumns)
    if (f == field) return col;
  return {};
}

void canonical(const Row& r, std::string& out) {
  put_u64(r.ref, out);
  put_u64(static_cast<uint64_t>(r.ts), out);
  put_u64(static_cast<uint64_t>(r.received), out);
  put_u64(r.flags, out);
  put_bytes(r.raw, out);
  put_u64(r.attrs.size(), out);
  for (const auto& [k, v] : r.attrs) {
    put_bytes(k, out);
    put_bytes(v, out);
  }
}

void tsv_escape(std::string_view s, std::string& out) {
  for (char c : s) {
    if (char e = escape_for(c)) {
      out += '\\';
      out += e;
    } else {
      out += c;
    }
  }
}

void tsv_array(const std::vector<std::pair<std::string, std::string>>& kv, bool keys, std::string& out) {
  out += '[';
  for (size_t i = 0; i < kv.size(); i++) {
    if (i) out += ',';
    out += '\'';
    tsv_escape(keys ? kv[i].first : kv[i].second, out);
    out += '\'';
  }
  out += ']';
}

Result<std::string> tsv_unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool ok = true;
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '\\') {
      i = unescape_at(s, i, out, ok);
      if (!ok) return Error{"a backslash escape is cut short"};
    } else {
      out += s[i++];
    }
  }
  return out;
}

Result<std::vector<std::string>> tsv_parse_array(std::string_view s) {
  std::vector<std::string> out;
  if (s.size() < 2 || s.front() != '[' || s.back() != ']') return Error{"not an array"};
  size_t i = 1, end = s.size() - 1;
  if (i == end) return out;
  for (;;) {
    if (i >= end || s[i] != '\'') return Error{"an array element is not a quoted string"};
    i++;
    std::string v;
    bool ok = true, closed = false;
    while (i < end) {
      if (s[i] == '\\') {
        i = unescape_at(s.substr(0, end), i, v, ok);
        if (!ok) return Error{"a backslash escape is cut short"};
      } else if (s[i] == '\'') {
        closed = true;
        i++;
        break;
      } else {
        v += s[i++];
      }
    }
    if (!closed) return Error{"an unterminated string"};
    out.push_back(std::move(v));
    if (i == end) return out;
    if (s[i] != ',') return Error{"expected , between array elements"};
    i++;
  }
}

void write_wire_row(const Row& r, std::string& out) {
  out += std::to_string(r.ref);
  out += '\t';
  out += std::to_string(r.ts);
  out += '\t';
  out += std::to_string(r.received);
  out += '\t';
  out += std::to_string(r.flags);
  out += '\t';
  tsv_escape(r.raw, out);
  out += '\t';
  tsv_array(r.attrs, true, out);
  out += '\t';
  tsv_array(r.attrs, false, out);
  out += '\n';
}

Result<Row> parse_wire_row(std::string_view line) {
  auto f = fields_of(line, 7);
  if (!f) return Error{f.error()};
  Row r;
  if (Status s = read_core(*f, 0, r); !s) return Error{s.error()};
  return r;
}

std::string_view table_columns() {
  return "site, batch, day, host, source_ip, destination_ip, user, dataset, action, outcome, ref, ts, received, flags, message, "
         "attrs.k, attrs.v";
}

void write_table_row(std::string_view site, const Row& r, std::string_view batch, std::string& out) {
  Derived d = derive(r);
  for (std::string_view v :
       {site, batch, std::string_view(d.day), std::string_view(d.host), std::string_view(d.source_ip), std::string_view(d.destination_ip),
        std::string_view(d.user), std::string_view(d.dataset), std::string_view(d.action), std::string_view(d.outcome)}) {
    tsv_escape(v, out);
    out += '\t';
  }
  write_wire_row(r, out);
}

Result<TableRow> parse_table_row(std::string_view line) {
  auto f = fields_of(line, 17);
  if (!f) return Error{f.error()};
  TableRow t;
  std::string* text[] = {
      &t.site,         &t.batch,           &t.derived.day,    &t.derived.host,   &t.derived.source_ip, &t.derived.destination_ip,
      &t.derived.user, &t.derived.dataset, &t.derived.action, &t.derived.outcome};
  for (size_t i = 0; i < 10; i++) {
    auto v = tsv_unescape((*f)[i]);
    if (!v) return Error{v.error()};
    *text[i] = std::move(*v);
  }
  if (Status s = read_core(*f, 10, t.row); !s) return Error{s.error()};
  return t;
}

}  // namespace wardsec::cluster
