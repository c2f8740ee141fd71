// Fuzz targets: Device families (parsers/), Sigma rules, the requirement catalog and inventory CSV.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <openssl/evp.h>
#include <pcre2.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "fuzz.h"
#include "compliance/catalog.h"
#include "compliance/inventory.h"
#include "core/timeutil.h"
#include "core/files.h"
#include "detect/engine_cache.h"
#include "detect/regex_literals.h"
#include "detect/sigma.h"
#include "parse/drain.h"
#include "parse/family_parser.h"
#include "parse/family_scan.h"
#include "parse/regex.h"

using namespace wardsec;
using namespace wardsec::fuzz;

WARDSEC_FUZZ_TARGET(device_family) {
  // Device families (parsers/): key=value text as vendors write it, and a family file read,
  // compiled and run on its own samples. Never throws, never loops.
  for (const auto& p : parse_kv(in)) (void)p;
  KvOptions colon;
  colon.assign = ':';
  colon.separators = ";";
  (void)parse_kv(in, colon);
  if (auto f = parse_family(in, "fuzz.yaml"))
    if (make_family_parser({*f})) (void)test_families({*f});
  (void)parse_csv(in);
  (void)parse_csv(in, '|', 8);
  // A family's `time:`: the input as a time in a vendor's layout, and as a layout itself.
  int64_t ns = 0;
  (void)parse_time_format(in, "%d-%b-%Y %H:%M:%S.%f %z", 8 * 3600, 1795694400LL * 1000000000LL, ns);
  if (time_format_ok(in)) (void)parse_time_format("2026-12-04 10:21:07", in, 0, 0, ns);
  // The template miner over the input's lines, and a family file started from each template.
  Drain drain;
  for (std::string_view rest = in; !rest.empty();) {
    size_t nl = rest.find('\n');
    drain.add(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  }
  for (const auto& t : drain.templates()) (void)parse_family(family_skeleton(t, "prog", "fuzz"), "skeleton.yaml");
}

WARDSEC_FUZZ_TARGET(family_lines) {
  // Lines through the built-in parsers and every shipped family (parsers/): the vectorscan pass,
  // PCRE2 confirmation, key=value/CSV extraction, field families on JSON and XML events.
  static const ParserRegistry* reg = [] {
    auto* r = new ParserRegistry();
    register_builtin_parsers(*r);
    auto fams = load_families(WARDSEC_SOURCE_DIR "/parsers");
    if (!fams) std::abort();
    auto fp = make_family_parser(std::move(*fams));
    if (!fp) std::abort();
    r->add_message("families", std::move(*fp));
    return r;
  }();
  static Decoder dec(reg);
  decode_line(dec, in);
  // Differential: a regex the scan matches exactly (no PCRE2 confirmation) must agree with
  // PCRE2 on every input, for every shipped family's match regex.
  struct Exact {
    std::shared_ptr<const FamilyScan> scan;
    std::vector<RegexPtr> re;
    std::vector<std::string> text;
  };
  static const Exact ex = [] {
    Exact e;
    std::vector<FamilyScan::Entry> entries;
    auto fams = load_families(WARDSEC_SOURCE_DIR "/parsers");
    if (!fams) std::abort();
    for (const auto& f : *fams)
      for (const auto& m : f.match)
        if (!m.regex.empty()) {
          entries.push_back({"", m.regex});
          e.re.push_back(Regex::compile(m.regex, f.file).value());
          e.text.push_back(m.regex);
        }
    e.scan = FamilyScan::build(entries).value();
    return e;
  }();
  std::vector<uint32_t> cand;
  if (ex.scan->candidates(in, cand)) {
    for (uint32_t i = 0; i < ex.re.size(); i++) {
      if (!ex.scan->exact(i)) continue;
      bool scan_hit = std::binary_search(cand.begin(), cand.end(), i);
      if (scan_hit != ex.re[i]->search(in)) {
        std::fprintf(stderr, "family_lines: vectorscan says %d, PCRE2 the opposite, for %s\n", scan_hit, ex.text[i].c_str());
        std::abort();
      }
    }
  }
}

WARDSEC_FUZZ_TARGET(sigma_rule) {
  // A rule file: never a crash, every problem a LoadError; loaded rules evaluate safely.
  auto r = detect::load_rule_text(std::string(in), "fuzz.yml");
  static Decoder dec;
  Event ev;
  ev.raw = R"({"EventID":4624,"CommandLine":"cmd.exe /c whoami","User":"root"})";
  dec.decode(ev, ParseContext{});
  for (const auto& rule : r.rules) detect::naive_match(rule, ev);
  (void)detect::parse_condition(in);
}

WARDSEC_FUZZ_TARGET(regex_literals) {
  // The literals a regex cannot match without (detect/regex_literals.h): the first line is a
  // regex, the rest a text. Whenever PCRE2 (as Sigma's regexes are compiled: UTF, with and
  // without case) finds a match, the text holds one of the literals, without case.
  size_t nl = in.find('\n');
  if (nl == std::string_view::npos) return;
  std::string_view re = in.substr(0, nl), text = in.substr(nl + 1);
  std::string low(text);
  for (auto& c : low) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (bool caseless : {false, true}) {
    auto lits = detect::required_literals(re, caseless);
    if (lits.empty()) continue;
    int err = 0;
    PCRE2_SIZE off = 0;
    uint32_t flags = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | (caseless ? PCRE2_CASELESS : 0);
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(re.data()), re.size(), flags, &err, &off, nullptr);
    if (!code) continue;
    pcre2_match_data* md = pcre2_match_data_create_from_pattern(code, nullptr);
    int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0, 0, md, nullptr);
    pcre2_match_data_free(md);
    pcre2_code_free(code);
    if (rc < 0) continue;
    bool found = std::any_of(lits.begin(), lits.end(), [&](const std::string& l) { return low.find(l) != std::string::npos; });
    if (!found) {
      std::fprintf(stderr, "regex_literals: %.*s matches a text without %s\n", static_cast<int>(re.size()), re.data(), lits[0].c_str());
      std::abort();
    }
  }
}

WARDSEC_FUZZ_TARGET(engine_cache) {
  // A compiled-rule cache file (detect/engine_cache.h): any bytes give databases or a reason,
  // never a crash. The input is tried as it is and with a correct digest appended, so the
  // reading behind the digest check is reached too.
  static const std::string dir = "/tmp/wardsec-fuzz-engine-cache-" + std::to_string(::getpid());
  detect::DbCache cache(dir, 1);
  const std::string key(64, 'a');
  std::string body(in);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(body.data(), body.size(), md, &len, EVP_sha256(), nullptr);
  for (const std::string& bytes : {body, body + std::string(reinterpret_cast<char*>(md), len)}) {
    std::filesystem::create_directories(dir);
    if (!write_file_atomic(cache.path(key), bytes)) return;
    std::string why;
    for (size_t count : {0, 1, 3})
      if (auto dbs = cache.load(key, count, why); dbs && dbs->size() != count) __builtin_trap();
  }
}

WARDSEC_FUZZ_TARGET(catalog) {
  // A requirement catalog file: an error naming the line, or a catalog whose items are sane.
  auto c = compliance::Catalog::parse(in, "fuzz.tsv");
  if (c.ok())
    for (const auto& r : c->all())
      if (r.id.empty() || r.summary.empty()) __builtin_trap();
}

WARDSEC_FUZZ_TARGET(csv) {
  // Inventory CSV: an error naming the line, or rows that write back and parse to the same.
  auto rows = compliance::parse_csv(in, "fuzz.csv");
  if (rows.ok()) {
    std::string again;
    for (const auto& r : *rows) again += compliance::csv_line(r) + "\n";
    auto back = compliance::parse_csv(again, "again.csv");
    if (!back.ok()) __builtin_trap();
  }
}
