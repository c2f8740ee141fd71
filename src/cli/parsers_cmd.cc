// `wardsec parsers lint` and `wardsec parsers test`: load the device families (parsers/), report
// every problem with file and line, and run each family's sample lines as its tests.
// `wardsec parsers suggest FILE...`: the lines of FILE that nothing understands, grouped into
// templates (drain.h), each the possible start of a new family.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "cli/cli.h"
#include "ingest/multiline.h"
#include "parse/drain.h"
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
  std::vector<MultilineSpec> multiline;
  for (const auto& f : *fams) multiline.insert(multiline.end(), f.multiline.begin(), f.multiline.end());
  if (auto m = ingest::MultilineRules::compile(multiline); !m) {
    std::fprintf(stderr, "%s\n", m.error().c_str());
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

struct SuggestArgs {
  std::vector<std::string> files;
  size_t limit = 200000, top = 30, skeleton = 0;
  bool all = false;
};

// A line is understood when a parser past the syslog envelope claimed it (a format, a family).
bool understood(const Event& ev) {
  std::string_view ds = ev.get(kEventDataset);
  return !ds.empty() && ds != "syslog" && !(ev.flags & kParseError);
}

int run_suggest(const SuggestArgs& a, const std::string& dir) {
  ParserRegistry reg;
  register_builtin_parsers(reg);
  auto fams = load_families(dir);
  if (!fams) {
    std::fprintf(stderr, "%s\n", fams.error().c_str());
    return 1;
  }
  auto fp = make_family_parser(std::move(*fams));
  if (!fp) {
    std::fprintf(stderr, "%s\n", fp.error().c_str());
    return 1;
  }
  reg.add_message("families", std::move(*fp));
  Decoder dec(&reg);
  Drain drain;
  std::map<std::string, std::string> program_of;  // template example → its program
  size_t read = 0, known = 0;
  for (const auto& file : a.files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "wardsec parsers suggest: %s: cannot read\n", file.c_str());
      return 2;
    }
    std::string line;
    while (read < a.limit && std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      read++;
      Event ev;
      ev.raw = line;
      dec.decode(ev, {});
      if (!a.all && understood(ev)) {
        known++;
        continue;
      }
      std::string msg(ev.get(kMessage));
      if (msg.empty()) msg = line;
      std::string program(ev.get(kProcessName));
      std::string text = program.empty() ? msg : program + " " + msg;
      drain.add(text, line);
      program_of.emplace(line.substr(0, 4096), program);
    }
  }
  auto ts = drain.templates();
  // With --skeleton the family file is the output (to redirect into parsers/); the count goes to stderr.
  std::fprintf(a.skeleton ? stderr : stdout, "%zu lines read, %zu understood, %zu grouped into %zu templates%s\n", read, known,
               drain.lines(), ts.size(),
               drain.overflow() ? (", " + std::to_string(drain.overflow()) + " beyond the template limit").c_str() : "");
  if (a.skeleton) {
    if (a.skeleton > ts.size()) {
      std::fprintf(stderr, "wardsec parsers suggest: --skeleton %zu: there are %zu templates\n", a.skeleton, ts.size());
      return 2;
    }
    const auto& t = ts[a.skeleton - 1];
    std::string prog = program_of.count(t.example) ? program_of[t.example] : "";
    std::printf("%s", family_skeleton(t, prog, prog.empty() ? "new-device" : prog).c_str());
    return 0;
  }
  for (size_t i = 0; i < ts.size() && i < a.top; i++)
    std::printf("%4zu  %7zu  %5.1f%%  %s\n        e.g. %s\n", i + 1, ts[i].count,
                100.0 * static_cast<double>(ts[i].count) / static_cast<double>(std::max<size_t>(drain.lines(), 1)), ts[i].text().c_str(),
                ts[i].example.c_str());
  if (!ts.empty()) std::printf("a family file to start from: wardsec parsers suggest --skeleton 1 FILE...\n");
  return 0;
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
  auto sa = std::make_shared<SuggestArgs>();
  auto* sug = cli.command(grp, "suggest", "group the lines of FILE that nothing understands into templates to start a family from",
                          [path, sa](Config&) { return run_suggest(*sa, path()); });
  sug->add_option("file", sa->files, "log files (plain text, one line each)")->required();
  sug->add_option("--parsers", *dir, "the folder of family files (default parsers/)");
  sug->add_option("--limit", sa->limit, "read at most this many lines (default 200000)");
  sug->add_option("--top", sa->top, "list this many templates (default 30)");
  sug->add_option("--skeleton", sa->skeleton, "print a family file for the template of this rank (1 = the most frequent)");
  sug->add_flag("--all", sa->all, "group every line, understood or not");
}

}  // namespace wardsec::cli
