#include "compliance/catalog.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>

#include "core/strutil.h"

namespace wardsec::compliance {

namespace {

const char* const kColumns[] = {"id",         "code_28448", "category",    "category_zh",  "control_point_zh", "control_point_en",
                                "level3",     "level2",     "level2_note", "check",        "evidence",         "summary",
                                "summary_zh", "note",       "summary_l2",  "summary_l2_zh"};
constexpr size_t kNumColumns = std::size(kColumns);

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  size_t p = 0;
  for (;;) {
    size_t t = line.find('\t', p);
    out.push_back(line.substr(p, t == std::string::npos ? std::string::npos : t - p));
    if (t == std::string::npos) break;
    p = t + 1;
  }
  return out;
}

}  // namespace

const std::vector<Catalog::Category>& Catalog::categories() {
  static const std::vector<Category> c = {{"PE", "安全物理环境", "Physical environment"},
                                          {"CN", "安全通信网络", "Communication network"},
                                          {"AB", "安全区域边界", "Area boundary"},
                                          {"CE", "安全计算环境", "Computing environment"},
                                          {"MC", "安全管理中心", "Security management center"},
                                          {"PO", "安全管理制度", "Management policies"},
                                          {"OR", "安全管理机构", "Management organisation"},
                                          {"HR", "安全管理人员", "Management personnel"},
                                          {"CM", "安全建设管理", "Construction management"},
                                          {"OM", "安全运维管理", "Operation and maintenance management"}};
  return c;
}

Result<Catalog> Catalog::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path + ": cannot read the catalog"};
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse(text, path);
}

Result<Catalog> Catalog::parse(std::string_view text, const std::string& path) {
  Catalog c;
  std::string line;
  int n = 0;
  bool header = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    line.assign(text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    n++;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    std::string where = path + ":" + std::to_string(n);
    if (size_t bad = utf8_error_offset(line); bad != std::string::npos)
      return Error{where + ": not UTF-8 (byte " + std::to_string(bad + 1) + ")"};
    auto cells = split_tabs(line);
    if (!header) {
      for (size_t i = 0; i < kNumColumns; i++)
        if (i >= cells.size() || cells[i] != kColumns[i])
          return Error{where + ": header column " + std::to_string(i + 1) + " must be '" + kColumns[i] + "'"};
      header = true;
      continue;
    }
    if (cells.size() != kNumColumns)
      return Error{where + ": " + std::to_string(cells.size()) + " columns, expected " + std::to_string(kNumColumns) + " (tab-separated)"};
    Requirement r;
    r.line = n;
    r.id = cells[0];
    r.code_28448 = cells[1];
    r.category = cells[2];
    r.category_zh = cells[3];
    r.control_point_zh = cells[4];
    r.control_point_en = cells[5];
    r.level2_note = cells[8];
    r.evidence = cells[10];
    r.summary = cells[11];
    r.summary_zh = cells[12];
    r.note = cells[13];
    r.summary_l2 = cells[14];
    r.summary_l2_zh = cells[15];
    auto col = [&](int i) { return where + ", column " + std::to_string(i + 1) + " (" + kColumns[i] + ")"; };
    if (r.id.empty() || r.id.find('.') == std::string::npos) return Error{col(0) + ": id must look like CE.IA.b"};
    if (c.by_id_.count(r.id))
      return Error{col(0) + ": id " + r.id + " is already on line " + std::to_string(c.items_[c.by_id_[r.id]].line)};
    bool known = false;
    for (const auto& k : categories())
      if (r.category == k.code) {
        known = true;
        if (r.category_zh != k.zh) return Error{col(3) + ": " + r.category + " is " + k.zh + ", not " + r.category_zh};
      }
    if (!known) return Error{col(2) + ": unknown category '" + r.category + "'"};
    if (r.id.compare(0, r.category.size() + 1, r.category + ".") != 0)
      return Error{col(0) + ": id " + r.id + " is not in category " + r.category};
    if (cells[6] != "yes" && cells[6] != "no") return Error{col(6) + ": yes or no, not '" + cells[6] + "'"};
    r.level3 = cells[6] == "yes";
    const std::string& l2 = cells[7];
    r.level2 = l2 == "yes"      ? Requirement::kYes
               : l2 == "weaker" ? Requirement::kWeaker
               : l2 == "only"   ? Requirement::kOnly
                                : Requirement::kNo;
    if (l2 != "yes" && l2 != "no" && l2 != "weaker" && l2 != "only") return Error{col(7) + ": yes, no, weaker or only, not '" + l2 + "'"};
    if ((r.level2 == Requirement::kOnly) == r.level3) return Error{col(7) + ": 'only' (level 2 only) exactly when level3 is no"};
    if (cells[9].size() != 1 || std::string("APM").find(cells[9][0]) == std::string::npos)
      return Error{col(9) + ": A, P or M, not '" + cells[9] + "'"};
    r.check = cells[9][0];
    if (r.summary.empty()) return Error{col(11) + ": empty summary"};
    if (r.summary_zh.empty()) return Error{col(12) + ": empty Chinese summary"};
    if (r.control_point_zh.empty()) return Error{col(4) + ": empty control point"};
    if (r.level2 == Requirement::kWeaker && (r.summary_l2.empty() || r.summary_l2_zh.empty()))
      return Error{col(r.summary_l2.empty() ? 14 : 15) + ": a 'weaker' item needs its level-2 wording"};
    if (r.level2 != Requirement::kWeaker && (!r.summary_l2.empty() || !r.summary_l2_zh.empty()))
      return Error{col(14) + ": level-2 wording only for a 'weaker' item (this one reads the same at both levels)"};
    if (!r.code_28448.empty() && (r.code_28448.compare(0, 3, "L3-") != 0 || r.code_28448.rfind('-') <= 3))
      return Error{col(1) + ": a level-3 test-unit code starts with L3-, not '" + r.code_28448 + "'"};
    c.by_id_[r.id] = c.items_.size();
    c.items_.push_back(std::move(r));
  }
  if (!header) return Error{path + ": no header line"};
  // Level-2 test-unit codes: GB/T 28448 numbers the units of each level on their own, so the
  // level-2 code counts the items that apply at level 2 within the same unit (L2-CES1-01 …).
  std::map<std::string, int> seq;
  for (auto& r : c.items_) {
    if (r.code_28448.empty() || !r.applies(2)) continue;
    std::string unit = r.code_28448.substr(3, r.code_28448.rfind('-') - 3);
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02d", ++seq[unit]);
    r.code_l2 = "L2-" + unit + "-" + buf;
  }
  return c;
}

std::vector<const Requirement*> Catalog::at_level(int level) const {
  std::vector<const Requirement*> out;
  for (const auto& r : items_)
    if (r.applies(level)) out.push_back(&r);
  return out;
}

const Requirement* Catalog::find(const std::string& id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &items_[it->second];
}

std::string level_not_carried(int level) {
  return "第" + std::to_string(level) + "级：wardsec 只收录第二级和第三级的安全通用要求，不能按其他级别的要求项测评或打分 / level " +
         std::to_string(level) +
         ": wardsec carries the general requirements of levels 2 and 3 only; it will not assess or score a system "
         "against another level's items";
}

std::string cannot_assess(int level) {
  if (level == 0) return "系统尚未定级，请先定级 / the system is not graded yet: grade it first";
  return assessable_level(level) ? "" : level_not_carried(level);
}

const std::vector<Extension>& extensions_not_carried() {
  static const std::vector<Extension> e = {{"cloud", "云计算安全扩展要求", "cloud computing"},
                                           {"mobile", "移动互联安全扩展要求", "mobile internet"},
                                           {"iot", "物联网安全扩展要求", "Internet of Things"},
                                           {"ics", "工业控制系统安全扩展要求", "industrial control systems"}};
  return e;
}

std::string extensions_not_assessed(bool english) {
  std::string list;
  for (const auto& x : extensions_not_carried()) list += (list.empty() ? "" : english ? ", " : "、") + std::string(english ? x.en : x.zh);
  if (english)
    return "Not assessed: the extension requirements (" + list +
           "). This assessment covers the general requirements only; a system that uses any of these must have them assessed as well.";
  return "未测评：" + list + "。本次测评仅覆盖安全通用要求；系统如涉及上述场景，须另行测评相应扩展要求。";
}

std::string requirement_to_json(const Requirement& r, int level) {
  nlohmann::json j;
  j["id"] = r.id;
  j["category"] = r.category_zh;
  j["category_code"] = r.category;
  j["control_point"] = r.control_point_zh;
  j["control_point_en"] = r.control_point_en;
  j["code_28448"] = r.code(level);
  j["level"] = level;
  nlohmann::json levels = nlohmann::json::array();
  if (r.level2 != Requirement::kNo) levels.push_back(2);
  if (r.level3) levels.push_back(3);
  j["levels"] = levels;
  static const char* l2[] = {"no", "yes", "weaker", "only"};
  j["level2"] = l2[r.level2];
  if (!r.level2_note.empty()) j["level2_note"] = r.level2_note;
  j["check"] = std::string(1, r.check);
  j["evidence"] = r.evidence;
  j["summary"] = r.text(level, true);
  j["summary_zh"] = r.text(level, false);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace wardsec::compliance
