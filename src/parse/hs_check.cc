#include "parse/hs_check.h"

#include <hs/hs.h>

#include <cstring>
#include <string>
#include <vector>

namespace wardsec {

namespace {

// Whether vectorscan finds `pattern` in `text` placed at every offset of a 64-byte block.
bool found_everywhere(const char* pattern, const std::string& text) {
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_compile(pattern, HS_FLAG_SINGLEMATCH, HS_MODE_BLOCK, nullptr, &db, &err) != HS_SUCCESS) {
    hs_free_compile_error(err);
    return true;  // nothing to test with: assume the library is sound
  }
  hs_scratch_t* scratch = nullptr;
  bool all = true;
  if (hs_alloc_scratch(db, &scratch) == HS_SUCCESS) {
    std::vector<char> buf(text.size() + 128, 'x');
    for (size_t off = 0; off < 64 && all; off++) {
      std::memcpy(buf.data() + off, text.data(), text.size());
      int hit = 0;
      hs_scan(
          db, buf.data() + off, static_cast<unsigned>(text.size()), 0, scratch,
          [](unsigned, unsigned long long, unsigned long long, unsigned, void* p) {
            *static_cast<int*>(p) = 1;
            return 0;
          },
          &hit);
      all = hit != 0;
    }
    hs_free_scratch(scratch);
  }
  hs_free_database(db);
  return all;
}

}  // namespace

bool vectorscan_misses_matches() {
  static const bool misses = [] {
    for (size_t run : {70, 100, 200, 300})
      if (!found_everywhere("<script[^>]*>", "<script " + std::string(run, 'a') + ">alert(1)") ||
          !found_everywhere("time=\"[^\"]*\" fw=", "time=\"" + std::string(run, 'x') + "\" fw="))
        return true;
    return false;
  }();
  return misses;
}

}  // namespace wardsec
