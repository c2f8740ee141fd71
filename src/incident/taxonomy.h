// The incident categories of GB/T 20986-2023 《信息安全技术 网络安全事件分类分级指南》: ten
// categories and their subcategories, with the classification codes of its Annex B (附录B).
// docs/incident.md names where the table was taken from and what could not be checked.
#pragma once
#include <span>
#include <string_view>

namespace wardsec::incident {

struct Category {
  std::string_view code;  // "MP"
  std::string_view zh, en;
};
struct Subcategory {
  std::string_view code;      // "MPRANS"
  std::string_view category;  // "MP"
  std::string_view zh, en;
};

std::span<const Category> categories();
std::span<const Subcategory> subcategories();
const Category* find_category(std::string_view code);
const Subcategory* find_subcategory(std::string_view code);

}  // namespace wardsec::incident
