// The requirement catalog: GB/T 22239-2019 general requirements for levels 2 and 3, as
// wardsec's own data file (catalog/gbt22239-2019.tsv, format in docs/catalog.md). Summaries are
// our own words; ids are our stable keys; the GB/T 28448-2019 test-unit code is carried where
// the reference gives it.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "core/result.h"

namespace wardsec::compliance {

struct Requirement {
  std::string id;           // e.g. CE.IA.b
  std::string code_28448;   // e.g. L3-CES1-02 ("" for management categories)
  std::string category;     // PE, CN, AB, CE, MC, PO, OR, HR, CM, OM
  std::string category_zh;  // 安全计算环境
  std::string control_point_zh, control_point_en;
  bool level3 = true;
  enum Level2 { kNo, kYes, kWeaker, kOnly } level2 = kNo;  // kOnly: a level-2 item with no level-3 twin
  std::string level2_note;                                 // what the weaker level-2 form asks
  char check = 'M';                                        // A automatable, P partly (evidence + a person), M manual
  std::string evidence;                                    // what in wardsec produces evidence for it
  std::string summary;                                     // our own words
  std::string summary_zh;                                  // the same in Chinese
  std::string note;
  int line = 0;  // in the catalog file
  bool applies(int level) const { return level == 3 ? level3 : level == 2 ? level2 != kNo : false; }
};

class Catalog {
 public:
  // Loads and checks the file: the header, unique ids, known categories and values. Errors
  // name the file, line and column.
  static Result<Catalog> load(const std::string& path);
  static Result<Catalog> parse(std::string_view text, const std::string& name);
  const std::vector<Requirement>& all() const { return items_; }
  std::vector<const Requirement*> at_level(int level) const;
  const Requirement* find(const std::string& id) const;
  // The ten categories in the standard's order: code, 中文 name, English name.
  struct Category {
    const char* code;
    const char* zh;
    const char* en;
  };
  static const std::vector<Category>& categories();

 private:
  std::vector<Requirement> items_;
  std::map<std::string, size_t> by_id_;
};

std::string requirement_to_json(const Requirement& r);

}  // namespace wardsec::compliance
