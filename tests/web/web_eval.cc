// The web-attack detector against the labeled corpus (bench/webeval): fails when detection
// falls under 90% of attacks or false positives rise over 0.5% of benign requests, the
// targets of docs/web.md. Prints the table per class and source. No timing is asserted here;
// bench/web_peer measures speed beside ModSecurity + CRS.
#include <cstdio>
#include <string>

#include "web/inspect.h"
#include "webeval/corpus.h"
#include "webeval/payloads.h"

// web_eval SHARED            the classic corpus, with its targets (a test)
// web_eval SHARED dev        the development part of issue #21's generalization set (payload
//                            lists, hard hospital inputs), with regression floors a little under
//                            today's figures (a test: a change that loses what #21 built fails)
// web_eval SHARED holdout    its held-out part: a report only, never a test to tune against
// web_eval SHARED lines FILE CLASS [urlencoded]   any list of attack lines (one a line, or
//                            percent-encoded ones), placed as the payload lists are: a report only
int main(int argc, char** argv) {
  std::string shared = argc > 1 ? argv[1] : "../shared", set = argc > 2 ? argv[2] : "";
  bool general = set == "dev" || set == "holdout";
  bool lines = set == "lines";
  if (lines && argc < 5) {
    std::fprintf(stderr, "web_eval SHARED lines FILE CLASS [urlencoded]\n");
    return 2;
  }
  auto corpus = lines     ? wardsec::webeval::load_lines(argv[3], argv[4], argc > 5 && std::string(argv[5]) == "urlencoded")
                : general ? wardsec::webeval::load_generalization(
                                shared, set == "dev" ? wardsec::webeval::Split::kDev : wardsec::webeval::Split::kHoldout)
                          : wardsec::webeval::load(shared);
  wardsec::web::Inspector insp;
  wardsec::webeval::Score sc;
  size_t malformed = 0;
  for (const auto& s : corpus.samples) {
    auto v = insp.inspect(wardsec::web::parse_raw(s.raw));
    malformed += v.verdict == "malformed";
    bool flagged = v.verdict == "attack";
    if (std::getenv("WEB_EVAL_VERBOSE") && flagged != s.attack)
      std::printf("%s %s %s %s\n", s.attack ? "MISS" : "FP  ", s.id.c_str(), s.cls.c_str(),
                  v.findings.empty() ? "" : (v.findings[0].cls + " " + v.findings[0].kind + " " + v.findings[0].fragment).c_str());
    sc.add(s, flagged);
  }
  for (const auto& n : corpus.notes) std::printf("note: %s\n", n.c_str());
  std::printf("%-12s %8s %8s %8s\n", "class", "attacks", "found", "rate");
  for (const auto& [k, c] : sc.by_class) std::printf("%-12s %8zu %8zu %7.1f%%\n", k.c_str(), c.n, c.hit, 100.0 * c.hit / c.n);
  std::printf("%-20s %8s %8s %8s\n", "benign source", "requests", "flagged", "rate");
  for (const auto& [k, c] : sc.by_source) std::printf("%-20s %8zu %8zu %7.2f%%\n", k.c_str(), c.n, c.hit, 100.0 * c.hit / c.n);
  std::printf("detection %.1f%% of %zu attacks; false positives %.2f%% of %zu benign; %zu malformed\n", 100 * sc.tpr(), sc.attacks.n,
              100 * sc.fpr(), sc.benign.n, malformed);
  if (set == "holdout" || lines) return 0;
  if (general) {
    // Floors on the development part, per class: 2026-12-06 figures less about one point (SQLi
    // half a point).
    const std::pair<const char*, double> floors[] = {{"sqli", 0.97},      {"xss", 0.98},  {"cmdi", 0.89},
                                                     {"traversal", 0.89}, {"ssti", 0.95}, {"xxe", 0.85}};
    bool ok = sc.fpr() <= 0.005;
    for (const auto& [cls, floor] : floors)
      for (const auto& [k, c] : sc.by_class)
        if (k == cls && (c.n == 0 || double(c.hit) / c.n < floor)) {
          std::printf("web_eval dev: %s %.1f%% is under its floor %.0f%%\n", cls, c.n ? 100.0 * c.hit / c.n : 0.0, 100 * floor);
          ok = false;
        }
    std::printf("web_eval dev: %s\n", ok ? "floors met" : "FLOORS MISSED");
    return ok ? 0 : 1;
  }
  bool ok = sc.attacks.n > 500 && sc.benign.n > 10000 && sc.tpr() >= 0.90 && sc.fpr() <= 0.005;
  std::printf("web_eval: %s\n", ok ? "targets met" : "TARGETS MISSED (>= 90% detection, <= 0.5% false positives)");
  return ok ? 0 : 1;
}
