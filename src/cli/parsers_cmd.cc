// `wardsec parsers lint` and `wardsec parsers test`: load the device families (parsers/), report
// every problem with file and line, and run each family's sample lines as its tests.
#include <cstdio>
#include <filesystem>

#include "cli/cli.h"
#include "parse/family_parser.h"

namespace wardsec::cli {

namespace {

int run_parsers(bool test, const std::string& dir) {
  if (!std::filesystem::is_directory(dir)) {
    std::fprintf(stderr, "wardsec parsers: %s: no such folder\n", dir.c_str());
    return 2;
  }
  auto fams = load_families(dir);
  if (!fams) {
    std::fprintf(stderr, "%s\n", fams.error().c_str());
    return 1;
  }
  size_t samples = 0;
  for (const auto& f : *fams) samples += f.samples.size();
  if (auto p = make_family_parser(*fams); !p) {
    std::fprintf(stderr, "%s\n", p.error().c_str());
    return 1;
  }
  if (!test) {
    std::printf("%zu families, %zu sample lines, no errors\n", fams->size(), samples);
    return 0;
  }
  auto problems = test_families(*fams);
  for (const auto& p : problems) std::fprintf(stderr, "%s\n", p.c_str());
  std::printf("%zu families, %zu sample lines, %zu problems\n", fams->size(), samples, problems.size());
  return problems.empty() ? 0 : 1;
}

}  // namespace

void add_parsers_commands(Cli& cli) {
  auto dir = std::make_shared<std::string>();
  auto* grp = cli.group("parsers", "check and try the device families (parsers/, docs/parsers.md)");
  auto path = [dir] { return resolve_shipped(dir->empty() ? "parsers" : *dir); };
  cli.command(grp, "lint", "load the families and report every problem with file and line",
              [path](Config&) { return run_parsers(false, path()); })
      ->add_option("dir", *dir, "the folder of family files (default parsers/)");
  cli.command(grp, "test", "run every family's sample lines and report each field that differs",
              [path](Config&) { return run_parsers(true, path()); })
      ->add_option("dir", *dir, "the folder of family files (default parsers/)");
}

}  // namespace wardsec::cli
