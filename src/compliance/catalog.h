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
  std::string summary_l2, summary_l2_zh;  // the weaker level-2 form in full (level2 == kWeaker)
  std::string code_l2;                    // the level-2 test-unit code (L2-CES1-nn), derived on load
  int line = 0;                           // in the catalog file
  bool applies(int level) const { return level == 3 ? level3 : level == 2 ? level2 != kNo : false; }
  // What the item asks, and its test-unit code, at `level` (2 or 3): a level-2 system is
  // assessed against the level-2 wording, never the level-3 one.
  const std::string& text(int level, bool english) const {
    if (level == 2 && level2 == kWeaker) return english ? summary_l2 : summary_l2_zh;
    return english ? summary : summary_zh;
  }
  const std::string& code(int level) const { return level == 2 ? code_l2 : code_28448; }
};

// The levels wardsec carries requirement items for (the general requirements of levels 2 and
// 3). Any other level is refused with this message, never scored against another level's items.
inline bool assessable_level(int level) { return level == 2 || level == 3; }
std::string level_not_carried(int level);
// Why a system at `level` cannot be assessed or scored ("" when it can): not graded yet (0), or
// a level wardsec carries no items for.
std::string cannot_assess(int level);

// The extension requirements (安全扩展要求) of GB/T 22239-2019 that the catalog does not carry:
// cloud computing, mobile internet, IoT, industrial control. Every score and report says they
// were not assessed, so a system that uses any of them is not taken as fully assessed.
struct Extension {
  const char* code;  // cloud, mobile, iot, ics
  const char* zh;
  const char* en;
};
const std::vector<Extension>& extensions_not_carried();
std::string extensions_not_assessed(bool english);  // the sentence reports print

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

std::string requirement_to_json(const Requirement& r, int level);

}  // namespace wardsec::compliance
