// Reading a device family's YAML (family.h): every key known, every value of its type, the
// file and line named on any problem. The regexes are compiled (and the samples run) by the
// family parser (family_run.cc), which names the same file and line.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/timeutil.h"
#include "parse/family.h"

namespace wardsec {

namespace {

struct Reader {
  const std::string& file;
  std::string err;

  bool fail(const YAML::Node& n, const std::string& what) {
    if (err.empty()) err = file + ":" + std::to_string(n.Mark().line + 1) + ": " + what;
    return false;
  }
  bool keys(const YAML::Node& n, const std::string& where, std::initializer_list<const char*> allowed) {
    if (!n.IsMap()) return fail(n, "'" + where + "' must be a mapping");
    std::set<std::string> ok(allowed.begin(), allowed.end());
    for (const auto& kv : n) {
      auto k = kv.first.as<std::string>();
      if (!ok.count(k)) return fail(kv.first, "unknown key '" + where + "." + k + "'");
    }
    return true;
  }
  bool text(const YAML::Node& n, const char* key, std::string& out, bool required = false) {
    YAML::Node v = n[key];
    if (!v) return required ? fail(n, std::string("'") + key + "' is required") : true;
    if (!v.IsScalar()) return fail(v, std::string("'") + key + "' must be text");
    out = v.as<std::string>();
    return true;
  }
  bool texts(const YAML::Node& n, const char* key, std::vector<std::string>& out) {
    YAML::Node v = n[key];
    if (!v) return true;
    if (v.IsScalar()) {
      out.push_back(v.as<std::string>());
      return true;
    }
    if (!v.IsSequence()) return fail(v, std::string("'") + key + "' must be text or a list of text");
    for (const auto& x : v) {
      if (!x.IsScalar()) return fail(x, std::string("'") + key + "' entries must be text");
      out.push_back(x.as<std::string>());
    }
    return true;
  }
  bool string_map(const YAML::Node& n, const char* key, std::map<std::string, std::string>& out) {
    YAML::Node v = n[key];
    if (!v) return true;
    if (!v.IsMap()) return fail(v, std::string("'") + key + "' must be a mapping");
    for (const auto& kv : v) {
      if (!kv.second.IsScalar()) return fail(kv.second, std::string("'") + key + "." + kv.first.as<std::string>() + "' must be text");
      out[kv.first.as<std::string>()] = kv.second.as<std::string>();
    }
    return true;
  }
};

bool field_name(const std::string& s) {
  return !s.empty() && s.size() <= 128 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || (c >= 'A' && c <= 'Z');
  });
}

}  // namespace

Result<MultilineSpec> parse_multiline(const YAML::Node& n, const std::string& file) {
  Reader r{file, ""};
  MultilineSpec m;
  m.where = file + ":" + std::to_string(n.Mark().line + 1);
  try {
    if (!r.keys(n, "multiline", {"name", "sources", "programs", "start", "continue", "end", "max_lines", "max_bytes", "timeout_ms"}) ||
        !r.text(n, "name", m.name) || !r.texts(n, "sources", m.sources) || !r.texts(n, "programs", m.programs) ||
        !r.text(n, "start", m.start) || !r.text(n, "continue", m.cont) || !r.text(n, "end", m.end))
      return Error{r.err};
    auto number = [&](const char* key, long lo, long hi, auto& out) -> bool {
      YAML::Node v = n[key];
      if (!v) return true;
      long x = 0;
      if (!v.IsScalar() || !YAML::convert<long>::decode(v, x) || x < lo || x > hi)
        return r.fail(v, std::string("'multiline.") + key + "' is a whole number from " + std::to_string(lo) + " to " + std::to_string(hi));
      out = static_cast<std::remove_reference_t<decltype(out)>>(x);
      return true;
    };
    if (!number("max_lines", 2, 100000, m.max_lines) || !number("max_bytes", 1024, 1 << 20, m.max_bytes) ||
        !number("timeout_ms", 50, 60000, m.timeout_ms))
      return Error{r.err};
  } catch (const YAML::Exception& e) {
    return Error{file + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
  if (m.start.empty() == m.cont.empty())
    return Error{m.where +
                 ": multiline takes 'start' (a line that begins an event) or 'continue' (a line that goes on with one), one of them"};
  for (const auto& s : m.sources)
    if (s.empty()) return Error{m.where + ": multiline.sources: an empty entry"};
  return m;
}

Result<Family> parse_family(std::string_view text, const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return Error{file + ":" + std::to_string(e.mark.line + 1) + ": not YAML: " + e.msg};
  }
  Reader r{file, ""};
  Family f;
  f.file = file;
  try {
    if (!r.keys(root, "family",
                {"family", "title", "source", "dataset", "match", "extract", "map", "values", "set", "time", "samples", "multiline"}))
      return Error{r.err};
    r.text(root, "family", f.name, true) && r.text(root, "source", f.source, true) && r.text(root, "dataset", f.dataset, true);
    if (YAML::Node t = root["title"]; t && r.keys(t, "title", {"zh", "en"})) {
      r.text(t, "zh", f.title_zh, true) && r.text(t, "en", f.title_en, true);
    } else if (!t) {
      r.fail(root, "'title' ({zh, en}) is required");
    }
    if (!r.err.empty()) return Error{r.err};
    auto name_ok = [](const std::string& n) {
      return field_name(n) || (!n.empty() && n.size() <= 64 &&
                               std::all_of(n.begin(), n.end(), [](char c) { return c == '-' || field_name(std::string(1, c)); }));
    };
    if (!name_ok(f.name) || !name_ok(f.dataset)) return Error{file + ": family and dataset are names (letters, digits, '.', '_', '-')"};
    YAML::Node m = root["match"];
    if (!m || !m.IsSequence() || m.size() == 0)
      return Error{file + ": 'match' is a list of at least one {program, contains, regex} or {field, equals, regex}"};
    for (const auto& x : m) {
      FamilyMatch fm;
      if (!r.keys(x, "match[]", {"program", "contains", "regex", "field", "equals"}) || !r.texts(x, "program", fm.programs) ||
          !r.text(x, "contains", fm.contains) || !r.text(x, "regex", fm.regex) || !r.text(x, "field", fm.field) ||
          !r.texts(x, "equals", fm.equals))
        return Error{r.err};
      if (!fm.equals.empty() && fm.field.empty())
        return Error{file + ":" + std::to_string(x.Mark().line + 1) + ": 'equals' compares a 'field'"};
      if (fm.contains.empty() && fm.regex.empty() && fm.programs.empty() && fm.field.empty())
        return Error{file + ":" + std::to_string(x.Mark().line + 1) + ": a match needs program, contains, regex or field"};
      if (!fm.field.empty() && (!fm.programs.empty() || !fm.contains.empty()))
        return Error{file + ":" + std::to_string(x.Mark().line + 1) +
                     ": a 'field' match reads a decoded field (JSON, XML): it takes 'equals' or 'regex', not program or contains"};
      f.match.push_back(std::move(fm));
    }
    if (YAML::Node e = root["extract"]) {
      if (!e.IsSequence()) return Error{file + ":" + std::to_string(e.Mark().line + 1) + ": 'extract' is a list"};
      for (const auto& x : e) {
        FamilyExtract fe;
        if (!r.keys(x, "extract[]", {"regex", "kv", "csv", "within"}) || !r.text(x, "regex", fe.regex) || !r.text(x, "within", fe.within))
          return Error{r.err};
        if (YAML::Node csv = x["csv"]) {
          std::string sep;
          if (!r.keys(csv, "csv", {"columns", "separator"}) || !r.texts(csv, "columns", fe.csv) || !r.text(csv, "separator", sep))
            return Error{r.err};
          if (fe.csv.empty()) return Error{file + ":" + std::to_string(csv.Mark().line + 1) + ": csv.columns names the columns in order"};
          if (sep.size() > 1) return Error{file + ":" + std::to_string(csv.Mark().line + 1) + ": csv.separator is one character"};
          if (!sep.empty()) fe.csv_sep = sep[0];
        }
        if (YAML::Node kv = x["kv"]) {
          fe.kv = true;
          if (!kv.IsNull() && !(kv.IsScalar() && kv.as<std::string>() == "true")) {
            std::string assign, seps, quotes;
            if (!r.keys(kv, "kv", {"assign", "separators", "quotes"}) || !r.text(kv, "assign", assign) || !r.text(kv, "separators", seps) ||
                !r.text(kv, "quotes", quotes))
              return Error{r.err};
            if (assign.size() > 1) return Error{file + ":" + std::to_string(kv.Mark().line + 1) + ": kv.assign is one character"};
            if (!assign.empty()) fe.kv_opt.assign = assign[0];
            if (!seps.empty()) fe.kv_opt.separators = seps;
            if (kv["quotes"]) fe.kv_opt.quotes = quotes;
          }
        }
        if (!fe.regex.empty() + fe.kv + !fe.csv.empty() != 1)
          return Error{file + ":" + std::to_string(x.Mark().line + 1) + ": an extract is one of regex, kv or csv"};
        f.extract.push_back(std::move(fe));
      }
    }
    if (YAML::Node m = root["map"]) {
      if (!m.IsMap()) return Error{file + ":" + std::to_string(m.Mark().line + 1) + ": 'map' must be a mapping"};
      for (const auto& kv : m) {
        std::vector<std::string> targets;
        std::string k = kv.first.as<std::string>();
        if (!r.texts(m, k.c_str(), targets)) return Error{r.err};
        for (const auto& v : targets) {
          bool prefix = k.size() > 2 && k.compare(k.size() - 2, 2, ".*") == 0;
          bool ok = prefix ? v == "*" || (v.size() > 2 && v.compare(v.size() - 2, 2, ".*") == 0 && field_name(v.substr(0, v.size() - 2)))
                           : field_name(v);
          if (!ok)
            return Error{file + ":" + std::to_string(kv.second.Mark().line + 1) + ": map." + k + ": '" + v + "' is not a field name" +
                         (prefix ? " ('*' or 'name.*' for a prefix)" : "")};
          f.map.emplace(k, v);
        }
      }
    }
    if (!r.string_map(root, "set", f.set)) return Error{r.err};
    for (const auto& [k, v] : f.set)
      if (!field_name(k)) return Error{file + ": set: '" + k + "' is not a field name"};
    if (YAML::Node vals = root["values"]) {
      if (!vals.IsMap()) return Error{file + ":" + std::to_string(vals.Mark().line + 1) + ": 'values' must be a mapping"};
      for (const auto& kv : vals) {
        std::string target = kv.first.as<std::string>();
        if (!field_name(target))
          return Error{file + ":" + std::to_string(kv.first.Mark().line + 1) + ": values: '" + target + "' is not a field name"};
        ValueMap vm;
        if (!r.keys(kv.second, "values." + target, {"field", "failure", "success", "map"}) || !r.text(kv.second, "field", vm.field, true) ||
            !r.texts(kv.second, "failure", vm.failure) || !r.texts(kv.second, "success", vm.success) ||
            !r.string_map(kv.second, "map", vm.map))
          return Error{r.err};
        f.values[target] = std::move(vm);
      }
    }
    if (YAML::Node t = root["time"]) {
      std::string always;
      if (!r.keys(t, "time", {"field", "format", "always"}) || !r.texts(t, "field", f.time.fields) ||
          !r.texts(t, "format", f.time.formats) || !r.text(t, "always", always))
        return Error{r.err};
      if (!always.empty() && always != "true" && always != "false")
        return Error{file + ":" + std::to_string(t.Mark().line + 1) + ": time.always is true or false"};
      f.time.always = always == "true";
      if (f.time.fields.empty() || f.time.formats.empty())
        return Error{file + ":" + std::to_string(t.Mark().line + 1) + ": 'time' names a field (or a list) and a format (or a list)"};
      for (const auto& fmt : f.time.formats)
        if (!time_format_ok(fmt))
          return Error{file + ":" + std::to_string(t.Mark().line + 1) + ": time.format '" + fmt +
                       "': use %Y %y %m %d %e %H %M %S %f %b %z (with a year, a month and a day) or rfc3339, epoch, bsd, ctime, clf"};
    }
    if (YAML::Node ml = root["multiline"]) {
      auto spec = parse_multiline(ml, file);
      if (!spec) return Error{spec.error()};
      if (spec->name.empty()) spec->name = f.name;
      if (spec->programs.empty() && spec->sources.empty())  // the family's own programs
        for (const auto& fm : f.match) spec->programs.insert(spec->programs.end(), fm.programs.begin(), fm.programs.end());
      if (spec->programs.empty() && spec->sources.empty())
        return Error{spec->where + ": multiline needs 'programs' or 'sources' (the family's matches name no program)"};
      f.multiline.push_back(std::move(*spec));
    }
    YAML::Node s = root["samples"];
    if (!s || !s.IsSequence() || s.size() == 0)
      return Error{file + ": 'samples' is a list of at least one {line, fields}: they are the family's tests"};
    for (const auto& x : s) {
      FamilySample fs;
      fs.line_no = x.Mark().line + 1;
      if (!r.keys(x, "samples[]", {"line", "fields"}) || !r.text(x, "line", fs.line, true) || !r.string_map(x, "fields", fs.fields))
        return Error{r.err};
      if (fs.fields.empty()) return Error{file + ":" + std::to_string(fs.line_no) + ": a sample names the fields it must yield"};
      f.samples.push_back(std::move(fs));
    }
  } catch (const YAML::Exception& e) {
    return Error{file + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
  return f;
}

Result<std::vector<Family>> load_families(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->path().extension() == ".yaml" || it->path().extension() == ".yml") files.push_back(it->path());
  if (ec) return Error{dir + ": " + ec.message()};
  std::sort(files.begin(), files.end());
  std::vector<Family> out;
  std::set<std::string> names;
  for (const auto& p : files) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    auto f = parse_family(ss.str(), p.string());
    if (!f) return Error{f.error()};
    if (!names.insert(f->name).second) return Error{p.string() + ": family '" + f->name + "' is defined twice"};
    out.push_back(std::move(*f));
  }
  return out;
}

}  // namespace wardsec
