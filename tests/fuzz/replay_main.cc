// Replays corpus folders through the fuzz targets (no libFuzzer needed), so every saved input
// and every crash found earlier runs as an ordinary test in every build.
//   fuzz_replay --all CORPUS_ROOT CRASHES_ROOT   each target on CORPUS_ROOT/<target>,
//                                                CORPUS_ROOT/common and CRASHES_ROOT/<target>
//   fuzz_replay TARGET PATH...                   one target on files or folders
//   fuzz_replay --list                           the targets' names
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "fuzz.h"

namespace fs = std::filesystem;
using wardsec::fuzz::Target;

namespace {

size_t replay(const Target& t, const fs::path& p) {
  std::error_code ec;
  auto one = [&](const fs::path& f) {
    std::ifstream in(f, std::ios::binary);
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    t.fn(s, reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  if (fs::is_regular_file(p, ec)) {
    one(p);
    return 1;
  }
  size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(p, ec)) {
    if (!e.is_regular_file()) continue;
    one(e.path());
    n++;
  }
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  std::string a1 = argc > 1 ? argv[1] : "";
  if (a1 == "--list") {
    for (const auto& t : wardsec::fuzz::targets()) std::printf("%s\n", t.name);
    return 0;
  }
  if (a1 == "--all" && argc == 4) {
    int bad = 0;
    for (const auto& t : wardsec::fuzz::targets()) {
      std::printf("%s: ", t.name);
      std::fflush(stdout);  // the name shows above a sanitizer's report
      size_t own = replay(t, fs::path(argv[2]) / t.name);
      size_t n = own + replay(t, fs::path(argv[2]) / "common") + replay(t, fs::path(argv[3]) / t.name);
      std::printf("replayed %zu inputs\n", n);
      if (own == 0) {
        std::printf("  no corpus in %s/%s: every target keeps seed inputs there\n", argv[2], t.name);
        bad++;
      }
    }
    return bad ? 1 : 0;
  }
  const Target* t = argc > 2 ? wardsec::fuzz::find_target(a1) : nullptr;
  if (!t) {
    std::fprintf(stderr, "usage: fuzz_replay --all CORPUS CRASHES | TARGET PATH... | --list%s%s\n", a1.empty() ? "" : "\nno target named ",
                 a1.c_str());
    return 2;
  }
  size_t n = 0;
  for (int i = 2; i < argc; i++) n += replay(*t, argv[i]);
  std::printf("replayed %zu inputs\n", n);
  return n > 0 ? 0 : 1;
}
