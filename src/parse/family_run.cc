// Running device families (family.h): recognise a line, extract its values, map them onto ECS
// fields. Regexes are PCRE2 (JIT), compiled once at load; a pattern that does not compile is a
// load error naming the file. Each family's samples are checked at load (check_family).
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <memory>

#include "core/strutil.h"
#include "parse/family.h"
#include "parse/family_parser.h"

namespace wardsec {

namespace {

struct Code {
  pcre2_code* code = nullptr;
  ~Code() {
    if (code) pcre2_code_free(code);
  }
};
using CodePtr = std::shared_ptr<Code>;

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
  pcre2_jit_compile(c->code, PCRE2_JIT_COMPLETE);  // a pattern JIT refuses still runs interpreted
  return c;
}

// Runs `c` on `s`; calls `group(name, value)` for each named group that matched.
bool run(const Code& c, std::string_view s, const std::function<void(std::string_view, std::string_view)>& group,
         std::string_view* first = nullptr) {
  pcre2_match_data* md = pcre2_match_data_create_from_pattern(c.code, nullptr);
  // UTF is checked (a line may not be valid UTF-8; unchecked, PCRE2's behaviour is undefined): such a line
  // matches nothing.
  int rc = pcre2_match(c.code, reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), 0, 0, md, nullptr);
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
  pcre2_match_data_free(md);
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
  explicit FamilyParser(std::vector<Compiled> fams) : fams_(std::move(fams)) {}

  bool refine(Event& ev) const override {
    for (const auto& c : fams_) {
      if (!c.fields || !recognise_fields(c, ev)) continue;
      std::map<std::string, std::string, std::less<>> vals;
      for (const auto& [name, id] : c.reads)
        if (std::string_view v = ev.get(id); !v.empty()) vals.emplace(name, std::string(v));
      finish(c, ev, vals);
      return true;
    }
    return false;
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
      if (c.match[i] && !run(*c.match[i], v, nullptr)) continue;
      return true;
    }
    return false;
  }

  bool parse(Event& ev, std::string_view program, std::string_view body, const ParseContext&) const override {
    // Vendors put their tag where syslog has the program ("%%01SHELL/5/CMDRECORD(s)[5]: ...",
    // "%ASA-6-302013: ..."): families read from the program on when it precedes the body.
    if (!program.empty() && !body.empty() && program.data() < body.data() && body.data() - program.data() < 512)
      body = std::string_view(program.data(), static_cast<size_t>(body.data() + body.size() - program.data()));
    for (const auto& c : fams_)
      if (!c.fields && recognise(c, program, body)) {
        apply(c, ev, body);
        return true;
      }
    return false;
  }

  static bool recognise(const Compiled& c, std::string_view program, std::string_view body) {
    for (size_t i = 0; i < c.f.match.size(); i++) {
      const auto& m = c.f.match[i];
      if (!program_ok(m, program)) continue;
      if (!m.contains.empty() && body.find(m.contains) == std::string_view::npos) continue;
      if (c.match[i] && !run(*c.match[i], body, nullptr)) continue;
      return true;
    }
    return false;
  }

  static void apply(const Compiled& c, Event& ev, std::string_view body) {
    std::map<std::string, std::string, std::less<>> vals;
    for (size_t i = 0; i < c.f.extract.size(); i++) {
      const auto& x = c.f.extract[i];
      std::string_view text = body;
      if (c.within[i] && !run(*c.within[i], body, nullptr, &text)) continue;
      if (x.kv) {
        for (auto& p : parse_kv(text, x.kv_opt)) vals.emplace(std::move(p.key), std::move(p.value));
      } else {
        run(*c.extract[i], text, [&](std::string_view k, std::string_view v) { vals.emplace(std::string(k), std::string(v)); });
      }
    }
    finish(c, ev, vals);
  }

  // The family's dataset, constants, mapped fields and derived values from `vals`.
  static void finish(const Compiled& c, Event& ev, const std::map<std::string, std::string, std::less<>>& vals) {
    ev.set(kEventDataset, c.f.dataset);
    ev.set(kEventModule, c.module);
    for (const auto& [k, v] : c.f.set) ev.set(k, v);
    for (const auto& [vendor, field] : c.f.map) {
      auto it = vals.find(vendor);
      if (it == vals.end() || it->second.empty() || it->second == "-") continue;  // "-": the vendor's "none"
      if (field == "source.ip" || field == "source.address") {
        set_source(ev, it->second);
      } else {
        ev.set(field, it->second);
      }
    }
    for (const auto& [field, vm] : c.f.values) {
      auto it = vals.find(vm.field);
      if (it == vals.end()) continue;
      std::string v = to_lower(it->second);
      auto in = [&](const std::vector<std::string>& l) {
        for (const auto& x : l)
          if (to_lower(x) == v) return true;
        return false;
      };
      if (in(vm.failure))
        ev.set(field, "failure");
      else if (in(vm.success))
        ev.set(field, "success");
      for (const auto& [from, to] : vm.map)
        if (to_lower(from) == v) ev.set(field, to);
    }
  }

 private:
  std::vector<Compiled> fams_;
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
    if (c.fields) {  // interned once here, not per event (intern takes the registry's lock)
      for (const auto& m : f.match) c.match_ids.push_back(FieldRegistry::intern(m.field));
      auto read = [&](const std::string& name) {
        for (const auto& r : c.reads)
          if (r.first == name) return;
        c.reads.emplace_back(name, FieldRegistry::intern(name));
      };
      for (const auto& [vendor, field] : f.map) read(vendor);
      for (const auto& [field, vm] : f.values) read(vm.field);
    }
    c.module = f.dataset.substr(0, f.dataset.find('.'));
    c.f = std::move(f);
    out.push_back(std::move(c));
  }
  return MessageParserPtr(new FamilyParser(std::move(out)));
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
        std::string got(ev.get(FieldRegistry::intern(field)));
        if (got != want)
          out.push_back(f.file + ":" + std::to_string(s.line_no) + ": " + field + ": want '" + want + "', got '" + got + "'" +
                        (ev.get(kEventDataset) == f.dataset ? "" : " (recognised as " + std::string(ev.get(kEventDataset)) + ")"));
      }
    }
  return out;
}

}  // namespace wardsec
