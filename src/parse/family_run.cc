// Running device families (family.h): recognise a line, extract its values, map them onto ECS
// fields. Regexes are PCRE2 (JIT, parse/regex.h), compiled once at load; a pattern that does not
// compile is a load error naming the file. Each family's samples are checked at load.
//
// The hot path allocates nothing per line: every name a family reads (its map's vendor names,
// its value maps' and time's fields) has a slot, numbered at load; a line's values are views
// into the line (or into a per-thread arena for CSV fields and unescaped quotes), and a regex's
// named groups go to their slots by group number, not by name.
#include <deque>
#include <memory>
#include <unordered_map>

#include "core/strutil.h"
#include "core/timeutil.h"
#include "parse/family.h"
#include "parse/family_parser.h"
#include "parse/family_scan.h"
#include "parse/regex.h"

namespace wardsec {

namespace {

constexpr uint16_t kNoSlot = 0xffff;

struct SvHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// A value map with its words in lower case, compared with the line's value in lower case.
struct LowerValues {
  FieldId id;
  uint16_t slot;
  std::vector<std::string> failure, success;
  std::vector<std::pair<std::string, std::string>> map;
};

struct Compiled {
  Family f;
  bool fields = false;                                             // matches decoded fields (refine), not a body (parse)
  std::vector<FieldId> match_ids;                                  // fields: each match's field, interned at load
  std::vector<std::vector<std::string>> equals;                    // fields: each match's words, lower case
  std::vector<std::vector<std::string>> programs;                  // lines: each match's program globs, lower case
  std::vector<RegexPtr> match;                                     // per FamilyMatch (null: none)
  std::vector<RegexPtr> extract, within;                           // per FamilyExtract (extract null: kv or csv)
  std::vector<std::unique_ptr<KvScanner>> kv;                      // per FamilyExtract (null: regex or csv)
  std::vector<std::vector<std::pair<uint32_t, uint16_t>>> groups;  // per extract regex: (group, slot)
  std::vector<std::vector<uint16_t>> csv_slots;                    // per csv extract: each column's slot
  std::string module;
  std::unordered_map<std::string, uint16_t, SvHash, std::equal_to<>> slot_of;
  std::vector<std::pair<uint16_t, FieldId>> map_ids;          // vendor name's slot → field, in map order
  std::vector<std::pair<std::string, std::string>> prefixes;  // "x.*" → "y.*" or "*" (refine)
  std::vector<std::pair<FieldId, std::string>> set_ids;
  std::vector<LowerValues> values;
  std::vector<uint16_t> time_slots;
  std::vector<std::pair<uint16_t, FieldId>> reads;  // fields: a slot filled from a decoded field

  uint16_t slot(const std::string& name) {
    auto [it, added] = slot_of.emplace(name, static_cast<uint16_t>(slot_of.size()));
    return it->second;
  }
  uint16_t find_slot(std::string_view name) const {
    auto it = slot_of.find(name);
    return it == slot_of.end() ? kNoSlot : it->second;
  }
};

// A line's values, by slot: the first value of a name wins. Per thread, reused.
struct Values {
  std::vector<std::string_view> v;
  std::vector<uint8_t> have;
  std::deque<std::string> owned;  // values that are not views into the line

  void reset(size_t n) {
    v.assign(n, {});
    have.assign(n, 0);
    owned.clear();
  }
  void put(uint16_t slot, std::string_view value) {
    if (slot == kNoSlot || have[slot]) return;
    have[slot] = 1;
    v[slot] = value;
  }
  void put_copy(uint16_t slot, std::string_view value) {
    if (slot == kNoSlot || have[slot]) return;
    put(slot, owned.emplace_back(value));
  }
  const std::string_view* get(uint16_t slot) const { return have[slot] ? &v[slot] : nullptr; }
};

Values& thread_values(size_t slots) {
  thread_local Values vals;
  vals.reset(slots);
  return vals;
}

// `s` in lower case (ASCII), in a buffer of the thread's: valid until the next call.
std::string_view lower_view(std::string_view s) {
  thread_local std::string buf;
  buf.assign(s);
  for (char& c : buf) c = lower_ascii(c);
  return buf;
}

bool program_ok(const std::vector<std::string>& lower_globs, std::string_view program) {
  if (lower_globs.empty()) return true;
  for (const auto& g : lower_globs)
    if (glob_match(program, g)) return true;
  return false;
}

bool contains(const std::vector<std::string>& words, std::string_view lower) {
  for (const auto& w : words)
    if (w == lower) return true;
  return false;
}

class FamilyParser : public MessageParser {
 public:
  FamilyParser(std::vector<Compiled> fams, std::shared_ptr<const FamilyScan> scan, std::vector<std::pair<uint32_t, uint32_t>> entries)
      : fams_(std::move(fams)), scan_(std::move(scan)), entries_(std::move(entries)) {
    for (const auto& c : fams_)
      for (FieldId id : c.match_ids) {
        if (id >= match_field_.size()) match_field_.resize(static_cast<size_t>(id) + 1, 0);
        match_field_[id] = 1;
      }
  }

  // Families that read decoded fields layer: each that recognises the event applies, in file
  // order (a general Windows family, then a Defender one adding its names).
  bool refine(Event& ev) const override {
    bool named = false;  // one pass first: most events hold no field any family matches on
    for (const auto& f : ev.fields)
      if (f.id < match_field_.size() && match_field_[f.id]) {
        named = true;
        break;
      }
    if (!named) return false;
    bool any = false;
    for (const auto& c : fams_) {
      if (!c.fields || !recognise_fields(c, ev)) continue;
      Values& vals = thread_values(c.slot_of.size());
      for (const auto& [slot, id] : c.reads)
        if (std::string_view v = ev.get(id); !v.empty()) vals.put_copy(slot, v);  // ev.set below may move ev.extra
      finish(c, ev, vals, any);
      copy_prefixes(c, ev);
      any = true;
    }
    return any;
  }

  // "prefix.*" map entries: every field under the prefix, copied to its rest ("*") or under a
  // new prefix ("x.*"); a field already set is kept.
  static void copy_prefixes(const Compiled& c, Event& ev) {
    if (c.prefixes.empty()) return;
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [vendor, target] : c.prefixes) {
      std::string_view prefix(vendor.data(), vendor.size() - 1);  // keeps the '.'
      for (const auto& f : ev.fields) {
        std::string_view name = FieldRegistry::name(f.id);
        if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
        std::string to = (target == "*" ? "" : target.substr(0, target.size() - 1)) + std::string(name.substr(prefix.size()));
        out.emplace_back(std::move(to), std::string(ev.value(f)));
      }
    }
    for (auto& [name, value] : out) {
      FieldId id = FieldRegistry::intern(name);
      if (ev.get(id).empty() && !value.empty()) ev.set(id, value);
    }
  }

  static bool recognise_fields(const Compiled& c, const Event& ev) {
    for (size_t i = 0; i < c.f.match.size(); i++) {
      std::string_view v = ev.get(c.match_ids[i]);
      if (v.empty()) continue;
      if (!c.equals[i].empty() && !contains(c.equals[i], lower_view(v))) continue;
      if (c.match[i] && !c.match[i]->search(v, !(ev.flags & kInvalidUtf8))) continue;
      return true;
    }
    return false;
  }

  bool parse(Event& ev, std::string_view program, std::string_view body, const ParseContext& ctx) const override {
    // Vendors put their tag where syslog has the program ("%%01SHELL/5/CMDRECORD(s)[5]: ...",
    // "%ASA-6-302013: ..."): families read from the program on when it precedes the body.
    if (!program.empty() && !body.empty() && program.data() < body.data() && body.data() - program.data() < 512)
      body = std::string_view(program.data(), static_cast<size_t>(body.data() + body.size() - program.data()));
    // One vectorscan pass names the matchers that may hold; each is confirmed in family order
    // (program, then the regex with PCRE2 unless the scan matched it exactly) and the first
    // family wins.
    thread_local std::vector<uint32_t> cand;
    bool checked = !(ev.flags & kInvalidUtf8);
    bool scanned = scan_->candidates(body, cand, checked);
    for (uint32_t e : cand) {
      const auto& [fi, mi] = entries_[e];
      const Compiled& c = fams_[fi];
      if (!program_ok(c.programs[mi], program)) continue;
      if (c.match[mi] && !(scanned && scan_->exact(e)) && !c.match[mi]->search(body, checked)) continue;
      apply(c, ev, body, ctx);
      return true;
    }
    return false;
  }

  static void apply(const Compiled& c, Event& ev, std::string_view body, const ParseContext& ctx) {
    Values& vals = thread_values(c.slot_of.size());
    thread_local std::vector<std::string_view> groups;
    bool checked = !(ev.flags & kInvalidUtf8);
    for (size_t i = 0; i < c.f.extract.size(); i++) {
      std::string_view text = body;
      if (c.within[i]) {
        if (!c.within[i]->search(body, checked, &groups)) continue;
        if (groups.size() > 1 && groups[1].data()) text = groups[1];
      }
      if (c.kv[i]) {
        c.kv[i]->each(text, [&](std::string_view k, std::string_view v, bool) {
          uint16_t slot = c.find_slot(k);
          if (slot == kNoSlot) return;
          if (v.empty() || (v.data() >= body.data() && v.data() + v.size() <= body.data() + body.size()))
            vals.put(slot, v);
          else
            vals.put_copy(slot, v);  // unescaped into the scanner's buffer
        });
      } else if (!c.csv_slots[i].empty()) {
        auto cols = parse_csv(text, c.f.extract[i].csv_sep, c.csv_slots[i].size());
        for (size_t k = 0; k < cols.size() && k < c.csv_slots[i].size(); k++) vals.put_copy(c.csv_slots[i][k], cols[k]);
      } else if (c.extract[i] && c.extract[i]->search(text, checked, &groups)) {
        for (const auto& [n, slot] : c.groups[i])
          if (n < groups.size() && groups[n].data()) vals.put(slot, groups[n]);
      }
    }
    finish(c, ev, vals);
    if ((ev.ts == 0 || c.f.time.always) && !c.time_slots.empty()) set_time(c, ev, vals, ctx);
  }

  // The vendor's time, when the envelope gave none (or always, when the family says so).
  static void set_time(const Compiled& c, Event& ev, const Values& vals, const ParseContext& ctx) {
    std::string text;
    for (uint16_t slot : c.time_slots) {
      const std::string_view* v = vals.get(slot);
      if (!v || v->empty()) return;
      if (!text.empty()) text += ' ';
      text += *v;
    }
    int64_t ref = ctx.received ? ctx.received : now_ns(), ns = 0;
    for (const auto& fmt : c.f.time.formats)
      if (parse_time_format(text, fmt, ctx.tz_sec, ref, ns)) {
        ev.ts = ns;
        return;
      }
  }

  // The family's dataset, constants, mapped fields and derived values. A layer (`fill`: a later
  // family that reads decoded fields) only fills what earlier ones left empty.
  static void finish(const Compiled& c, Event& ev, const Values& vals, bool fill = false) {
    auto put = [&](FieldId id, std::string_view v) {
      if (!fill || ev.get(id).empty()) ev.set(id, v);
    };
    put(kEventDataset, c.f.dataset);
    put(kEventModule, c.module);
    for (const auto& [id, v] : c.set_ids) put(id, v);
    for (const auto& [slot, id] : c.map_ids) {
      const std::string_view* v = vals.get(slot);
      if (!v || none(*v)) continue;
      if (id == kSourceIp || id == kSourceAddress) {
        if (!fill || ev.get(kSourceAddress).empty()) set_source(ev, *v);
      } else {
        put(id, *v);
      }
    }
    for (const auto& vm : c.values) {
      const std::string_view* got = vals.get(vm.slot);
      if (!got) continue;
      std::string_view v = lower_view(*got);
      if (contains(vm.failure, v))
        put(vm.id, "failure");
      else if (contains(vm.success, v))
        put(vm.id, "success");
      for (const auto& [from, to] : vm.map)
        if (from == v) put(vm.id, to);
    }
  }

  // What vendors write for "none": nothing is set from it.
  static bool none(std::string_view v) { return v.empty() || v == "-" || v == "(null)" || v == "null" || v == "N/A"; }

 private:
  std::vector<Compiled> fams_;
  std::shared_ptr<const FamilyScan> scan_;
  std::vector<std::pair<uint32_t, uint32_t>> entries_;  // scan entry → (family, match) of the line families
  std::vector<uint8_t> match_field_;                    // field id → some family matches on it
};

}  // namespace

Result<MessageParserPtr> make_family_parser(std::vector<Family> families) {
  std::vector<Compiled> out;
  auto compile = [](const std::string& pattern, const std::string& where) -> Result<RegexPtr> {
    if (pattern.empty()) return RegexPtr();
    return Regex::compile(pattern, where);
  };
  for (auto& f : families) {
    Compiled c;
    size_t by_field = 0;
    for (const auto& m : f.match) {
      auto code = compile(m.regex, f.file);
      if (!code) return Error{code.error()};
      c.match.push_back(*code);
      c.equals.push_back({});
      for (const auto& e : m.equals) c.equals.back().push_back(to_lower(e));
      c.programs.push_back({});
      for (const auto& g : m.programs) c.programs.back().push_back(to_lower(g));
      by_field += m.field.empty() ? 0 : 1;
    }
    if (by_field && by_field != f.match.size())
      return Error{f.file + ": a family matches either decoded fields (field:) or lines (program, contains, regex), not both"};
    if (by_field && !f.extract.empty())
      return Error{f.file + ": a family that matches fields maps them (map:, values:); it has no extract"};
    c.fields = by_field > 0;
    for (const auto& [vendor, field] : f.map)
      if (!c.fields && vendor.back() == '*')
        return Error{f.file + ": map." + vendor + ": a prefix copies decoded fields; this family reads lines (name the values instead)"};
    // Every name the family reads gets a slot (interned once here: intern takes the registry's lock).
    for (const auto& [vendor, field] : f.map) {
      if (vendor.size() >= 2 && vendor.compare(vendor.size() - 2, 2, ".*") == 0) {
        c.prefixes.emplace_back(vendor, field);
        continue;
      }
      if (vendor.back() != '*') c.map_ids.emplace_back(c.slot(vendor), FieldRegistry::intern(field));
    }
    for (const auto& [field, vm] : f.values) {
      LowerValues lv{FieldRegistry::intern(field), c.slot(vm.field), {}, {}, {}};
      for (const auto& w : vm.failure) lv.failure.push_back(to_lower(w));
      for (const auto& w : vm.success) lv.success.push_back(to_lower(w));
      for (const auto& [from, to] : vm.map) lv.map.emplace_back(to_lower(from), to);
      c.values.push_back(std::move(lv));
    }
    for (const auto& t : f.time.fields) c.time_slots.push_back(c.slot(t));
    if (c.slot_of.size() >= kNoSlot) return Error{f.file + ": too many names read"};
    for (const auto& x : f.extract) {
      auto re = compile(x.regex, f.file);
      if (!re) return Error{re.error()};
      auto in = compile(x.within, f.file);
      if (!in) return Error{in.error()};
      c.extract.push_back(*re);
      c.within.push_back(*in);
      c.kv.push_back(x.kv ? std::make_unique<KvScanner>(x.kv_opt) : nullptr);
      c.groups.push_back({});
      if (*re)
        for (const auto& [name, n] : (*re)->names())
          if (uint16_t slot = c.find_slot(name); slot != kNoSlot) c.groups.back().emplace_back(n, slot);
      c.csv_slots.push_back({});
      for (const auto& col : x.csv) c.csv_slots.back().push_back(col.empty() ? kNoSlot : c.find_slot(col));
    }
    if (c.fields) {
      for (const auto& m : f.match) c.match_ids.push_back(FieldRegistry::intern(m.field));
      for (const auto& [name, slot] : c.slot_of) c.reads.emplace_back(slot, FieldRegistry::intern(name));
    }
    c.module = f.dataset.substr(0, f.dataset.find('.'));
    for (const auto& [field, v] : f.set) c.set_ids.emplace_back(FieldRegistry::intern(field), v);
    c.f = std::move(f);
    out.push_back(std::move(c));
  }
  std::vector<FamilyScan::Entry> scan_entries;
  std::vector<std::pair<uint32_t, uint32_t>> entries;
  for (uint32_t fi = 0; fi < out.size(); fi++) {
    if (out[fi].fields) continue;
    for (uint32_t mi = 0; mi < out[fi].f.match.size(); mi++) {
      scan_entries.push_back({out[fi].f.match[mi].contains, out[fi].f.match[mi].regex});
      entries.emplace_back(fi, mi);
    }
  }
  auto scan = FamilyScan::build(scan_entries);
  if (!scan) return Error{scan.error()};
  return MessageParserPtr(new FamilyParser(std::move(out), std::move(*scan), std::move(entries)));
}

}  // namespace wardsec

namespace wardsec {

std::vector<std::string> test_families(const std::vector<Family>& families) {
  std::vector<std::string> out;
  ParserRegistry reg;
  register_builtin_parsers(reg);
  auto fp = make_family_parser(families);
  if (!fp) return {fp.error()};
  reg.add_message("families", std::move(*fp));
  Decoder dec(&reg);
  for (const auto& f : families)
    for (const auto& s : f.samples) {
      Event ev;
      ev.raw = s.line;
      dec.decode(ev, {});
      for (const auto& [field, want] : s.fields) {
        std::string got = field == "@timestamp" ? format_rfc3339(ev.ts) : std::string(ev.get(FieldRegistry::intern(field)));
        if (got != want)
          out.push_back(f.file + ":" + std::to_string(s.line_no) + ": " + field + ": want '" + want + "', got '" + got + "'" +
                        (ev.get(kEventDataset) == f.dataset ? "" : " (recognised as " + std::string(ev.get(kEventDataset)) + ")"));
      }
    }
  return out;
}

}  // namespace wardsec
