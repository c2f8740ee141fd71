// Running device families (family.h): recognise a line, extract its values, map them onto ECS
// fields. Regexes are PCRE2 (JIT), compiled once at load; a pattern that does not compile is a
// load error naming the file. Each family's samples are checked at load (check_family).
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <memory>

#include "core/strutil.h"
#include "core/timeutil.h"
#include "parse/family.h"
#include "parse/family_parser.h"
#include "parse/family_scan.h"

namespace wardsec {

namespace {

struct Code {
  pcre2_code* code = nullptr;
  ~Code() {
    if (code) pcre2_code_free(code);
  }
};
using CodePtr = std::shared_ptr<Code>;
constexpr uint32_t kMaxGroups = 128;

Result<CodePtr> compile(const std::string& pattern, const std::string& where) {
  int err = 0;
  PCRE2_SIZE off = 0;
  auto c = std::make_shared<Code>();
  c->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), PCRE2_UTF, &err, &off, nullptr);
  if (!c->code) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(err, msg, sizeof msg);
    return Error{where + ": regex '" + pattern + "' at " + std::to_string(off) + ": " + reinterpret_cast<const char*>(msg)};
  }
  uint32_t groups = 0;
  pcre2_pattern_info(c->code, PCRE2_INFO_CAPTURECOUNT, &groups);
  if (groups > kMaxGroups)
    return Error{where + ": regex '" + pattern + "' has " + std::to_string(groups) + " groups, at most " + std::to_string(kMaxGroups)};
  pcre2_jit_compile(c->code, PCRE2_JIT_COMPLETE);  // a pattern JIT refuses still runs interpreted
  return c;
}

// Runs `c` on `s`; calls `group(name, value)` for each named group that matched.
// `checked`: `s` is known to be valid UTF-8 (the Decoder flags a line that is not, kInvalidUtf8,
// before any message parser runs), so PCRE2 need not check it again for every pattern.
bool run(const Code& c, std::string_view s, bool checked, const std::function<void(std::string_view, std::string_view)>& group,
         std::string_view* first = nullptr) {
  // One match block per thread, big enough for any pattern compile() accepts (kMaxGroups).
  struct Md {
    pcre2_match_data* md = pcre2_match_data_create(kMaxGroups + 1, nullptr);
    ~Md() { pcre2_match_data_free(md); }
  };
  thread_local Md block;
  pcre2_match_data* md = block.md;
  if (!md) return false;
  // UTF is checked (a line may not be valid UTF-8; unchecked, PCRE2's behaviour is undefined): such a line
  // matches nothing.
  int rc = pcre2_match(c.code, reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), 0, checked ? PCRE2_NO_UTF_CHECK : 0, md, nullptr);
  bool ok = rc > 0;
  if (ok) {
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    if (first && rc > 1 && ov[2] != PCRE2_UNSET) *first = s.substr(ov[2], ov[3] - ov[2]);
    if (group) {
      uint32_t count = 0, size = 0;
      PCRE2_SPTR table = nullptr;
      pcre2_pattern_info(c.code, PCRE2_INFO_NAMECOUNT, &count);
      pcre2_pattern_info(c.code, PCRE2_INFO_NAMEENTRYSIZE, &size);
      pcre2_pattern_info(c.code, PCRE2_INFO_NAMETABLE, &table);
      for (uint32_t i = 0; i < count; i++) {
        const unsigned char* e = table + i * size;
        int n = (e[0] << 8) | e[1];
        if (n >= rc || ov[2 * n] == PCRE2_UNSET) continue;
        group(reinterpret_cast<const char*>(e + 2), s.substr(ov[2 * n], ov[2 * n + 1] - ov[2 * n]));
      }
    }
  }
  return ok;
}

struct Compiled {
  Family f;
  bool fields = false;                                 // matches decoded fields (refine), not a body (parse)
  std::vector<FieldId> match_ids;                      // fields: each match's field, interned at load
  std::vector<std::pair<std::string, FieldId>> reads;  // fields: the names map and values read
  std::vector<CodePtr> match;                          // per FamilyMatch (null: none)
  std::vector<CodePtr> extract;                        // per FamilyExtract's regex (null: kv)
  std::vector<CodePtr> within;
  std::string module;
  // The names finish() writes, interned once at load (intern takes the registry's lock).
  std::vector<std::pair<std::string, FieldId>> map_ids;  // vendor name → field
  std::vector<std::pair<FieldId, std::string>> set_ids;
  std::vector<std::pair<FieldId, const ValueMap*>> value_ids;
};

bool program_ok(const FamilyMatch& m, std::string_view program) {
  if (m.programs.empty()) return true;
  std::string p = to_lower(program);
  for (const auto& g : m.programs)
    if (glob_match(p, to_lower(g))) return true;
  return false;
}

class FamilyParser : public MessageParser {
 public:
  FamilyParser(std::vector<Compiled> fams, std::shared_ptr<const FamilyScan> scan, std::vector<std::pair<uint32_t, uint32_t>> entries)
      : fams_(std::move(fams)), scan_(std::move(scan)), entries_(std::move(entries)) {}

  // Families that read decoded fields layer: each that recognises the event applies, in file
  // order (a general Windows family, then a Defender one adding its names).
  bool refine(Event& ev) const override {
    bool any = false;
    for (const auto& c : fams_) {
      if (!c.fields || !recognise_fields(c, ev)) continue;
      std::map<std::string, std::string, std::less<>> vals;
      for (const auto& [name, id] : c.reads)
        if (std::string_view v = ev.get(id); !v.empty()) vals.emplace(name, std::string(v));
      finish(c, ev, vals, any);
      copy_prefixes(c, ev);
      any = true;
    }
    return any;
  }

  // "prefix.*" map entries: every field under the prefix, copied to its rest ("*") or under a
  // new prefix ("x.*"); a field already set is kept.
  static void copy_prefixes(const Compiled& c, Event& ev) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [vendor, target] : c.f.map) {
      if (vendor.size() < 2 || vendor.compare(vendor.size() - 2, 2, ".*") != 0) continue;
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
      const auto& m = c.f.match[i];
      std::string_view v = ev.get(c.match_ids[i]);
      if (v.empty()) continue;
      if (!m.equals.empty()) {
        std::string low = to_lower(v);
        bool any = false;
        for (const auto& e : m.equals) any = any || to_lower(e) == low;
        if (!any) continue;
      }
      if (c.match[i] && !run(*c.match[i], v, !(ev.flags & kInvalidUtf8), nullptr)) continue;
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
    // (program, then the regex with PCRE2: the scan is a prefilter) and the first family wins.
    thread_local std::vector<uint32_t> cand;
    bool checked = !(ev.flags & kInvalidUtf8);
    scan_->candidates(body, cand, checked);
    for (uint32_t e : cand) {
      const auto& [fi, mi] = entries_[e];
      const Compiled& c = fams_[fi];
      if (!program_ok(c.f.match[mi], program)) continue;
      if (c.match[mi] && !run(*c.match[mi], body, checked, nullptr)) continue;
      apply(c, ev, body, ctx);
      return true;
    }
    return false;
  }

  static void apply(const Compiled& c, Event& ev, std::string_view body, const ParseContext& ctx) {
    std::map<std::string, std::string, std::less<>> vals;
    for (size_t i = 0; i < c.f.extract.size(); i++) {
      const auto& x = c.f.extract[i];
      std::string_view text = body;
      bool checked = !(ev.flags & kInvalidUtf8);
      if (c.within[i] && !run(*c.within[i], body, checked, nullptr, &text)) continue;
      if (x.kv) {
        for (auto& p : parse_kv(text, x.kv_opt)) vals.emplace(std::move(p.key), std::move(p.value));
      } else if (!x.csv.empty()) {
        auto cols = parse_csv(text, x.csv_sep, x.csv.size());
        for (size_t k = 0; k < cols.size(); k++)
          if (!x.csv[k].empty()) vals.emplace(x.csv[k], std::move(cols[k]));
      } else {
        run(*c.extract[i], text, checked, [&](std::string_view k, std::string_view v) { vals.emplace(std::string(k), std::string(v)); });
      }
    }
    finish(c, ev, vals);
    if ((ev.ts == 0 || c.f.time.always) && !c.f.time.fields.empty()) set_time(c.f.time, ev, vals, ctx);
  }

  // The vendor's time, when the envelope gave none (or always, when the family says so).
  static void set_time(const FamilyTime& t, Event& ev, const std::map<std::string, std::string, std::less<>>& vals,
                       const ParseContext& ctx) {
    std::string text;
    for (const auto& f : t.fields) {
      auto it = vals.find(f);
      if (it == vals.end() || it->second.empty()) return;
      text += (text.empty() ? "" : " ") + it->second;
    }
    int64_t ref = ctx.received ? ctx.received : now_ns(), ns = 0;
    for (const auto& fmt : t.formats)
      if (parse_time_format(text, fmt, ctx.tz_sec, ref, ns)) {
        ev.ts = ns;
        return;
      }
  }

  // The family's dataset, constants, mapped fields and derived values from `vals`. A layer
  // (`fill`: a later family that reads decoded fields) only fills what earlier ones left empty.
  static void finish(const Compiled& c, Event& ev, const std::map<std::string, std::string, std::less<>>& vals, bool fill = false) {
    auto put = [&](FieldId id, std::string_view v) {
      if (!fill || ev.get(id).empty()) ev.set(id, v);
    };
    put(kEventDataset, c.f.dataset);
    put(kEventModule, c.module);
    for (const auto& [id, v] : c.set_ids) put(id, v);
    for (const auto& [vendor, id] : c.map_ids) {
      auto it = vals.find(vendor);  // a "prefix.*" name is never a value's: copy_prefixes
      if (it == vals.end() || none(it->second)) continue;
      if (id == kSourceIp || id == kSourceAddress) {
        if (!fill || ev.get(kSourceAddress).empty()) set_source(ev, it->second);
      } else {
        put(id, it->second);
      }
    }
    for (const auto& [id, vm] : c.value_ids) {
      auto it = vals.find(vm->field);
      if (it == vals.end()) continue;
      std::string v = to_lower(it->second);
      auto in = [&](const std::vector<std::string>& l) {
        for (const auto& x : l)
          if (to_lower(x) == v) return true;
        return false;
      };
      if (in(vm->failure))
        put(id, "failure");
      else if (in(vm->success))
        put(id, "success");
      for (const auto& [from, to] : vm->map)
        if (to_lower(from) == v) put(id, to);
    }
  }

  // What vendors write for "none": nothing is set from it.
  static bool none(std::string_view v) { return v.empty() || v == "-" || v == "(null)" || v == "null" || v == "N/A"; }

 private:
  std::vector<Compiled> fams_;
  std::shared_ptr<const FamilyScan> scan_;
  std::vector<std::pair<uint32_t, uint32_t>> entries_;  // scan entry → (family, match) of the line families
};

}  // namespace

Result<MessageParserPtr> make_family_parser(std::vector<Family> families) {
  std::vector<Compiled> out;
  for (auto& f : families) {
    Compiled c;
    for (const auto& m : f.match) {
      if (m.regex.empty()) {
        c.match.push_back(nullptr);
        continue;
      }
      auto code = compile(m.regex, f.file);
      if (!code) return Error{code.error()};
      c.match.push_back(*code);
    }
    for (const auto& x : f.extract) {
      CodePtr re, in;
      if (!x.regex.empty()) {
        auto code = compile(x.regex, f.file);
        if (!code) return Error{code.error()};
        re = *code;
      }
      if (!x.within.empty()) {
        auto code = compile(x.within, f.file);
        if (!code) return Error{code.error()};
        in = *code;
      }
      c.extract.push_back(re);
      c.within.push_back(in);
    }
    size_t by_field = 0;
    for (const auto& m : f.match) by_field += m.field.empty() ? 0 : 1;
    if (by_field && by_field != f.match.size())
      return Error{f.file + ": a family matches either decoded fields (field:) or lines (program, contains, regex), not both"};
    if (by_field && !f.extract.empty())
      return Error{f.file + ": a family that matches fields maps them (map:, values:); it has no extract"};
    c.fields = by_field > 0;
    for (const auto& [vendor, field] : f.map)
      if (!c.fields && vendor.back() == '*')
        return Error{f.file + ": map." + vendor + ": a prefix copies decoded fields; this family reads lines (name the values instead)"};
    if (c.fields) {  // interned once here, not per event (intern takes the registry's lock)
      for (const auto& m : f.match) c.match_ids.push_back(FieldRegistry::intern(m.field));
      auto read = [&](const std::string& name) {
        for (const auto& r : c.reads)
          if (r.first == name) return;
        c.reads.emplace_back(name, FieldRegistry::intern(name));
      };
      for (const auto& [vendor, field] : f.map)
        if (vendor.back() != '*') read(vendor);
      for (const auto& [field, vm] : f.values) read(vm.field);
    }
    c.module = f.dataset.substr(0, f.dataset.find('.'));
    c.f = std::move(f);
    for (const auto& [vendor, field] : c.f.map)
      if (vendor.back() != '*') c.map_ids.emplace_back(vendor, FieldRegistry::intern(field));
    for (const auto& [field, v] : c.f.set) c.set_ids.emplace_back(FieldRegistry::intern(field), v);
    out.push_back(std::move(c));
  }
  for (auto& c : out)  // pointers into the families, now that the vector no longer moves
    for (const auto& [field, vm] : c.f.values) c.value_ids.emplace_back(FieldRegistry::intern(field), &vm);
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
