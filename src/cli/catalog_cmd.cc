// `wardsec catalog`: the GB/T 22239-2019 requirement items that apply at a level.
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <unistd.h>

#include "cli/cli.h"
#include "compliance/catalog.h"

namespace wardsec::cli {

namespace {

int run_catalog(const std::string& path, int level, const std::string& format, bool en) {
  auto cat = compliance::Catalog::load(resolve_shipped(path));
  if (!cat) {
    std::fprintf(stderr, "wardsec catalog: %s\n", cat.error().c_str());
    return 2;
  }
  if (!compliance::assessable_level(level)) {
    std::fprintf(stderr, "wardsec catalog: %s\n", compliance::level_not_carried(level).c_str());
    return 2;
  }
  auto items = cat->at_level(level);
  for (const auto* r : items) {
    if (format == "json") {
      std::printf("%s\n", compliance::requirement_to_json(*r, level).c_str());
    } else {
      const std::string& code = r->code(level);
      std::printf("%-12s %-11s %s/%s  %s\n", r->id.c_str(), code.empty() ? "-" : code.c_str(), r->category_zh.c_str(),
                  (en ? r->control_point_en : r->control_point_zh).c_str(), r->text(level, en).c_str());
    }
  }
  if (format != "json")
    std::fprintf(stderr, en ? "%zu requirement items at level %d\n" : "第%2$d级共 %1$zu 个要求项\n", items.size(), level);
  return 0;
}

}  // namespace

void add_catalog_command(Cli& cli) {
  struct Args {
    int level = 3;
    std::string format = "table", file = "catalog/gbt22239-2019.tsv", lang = "zh-CN";
  };
  auto a = std::make_shared<Args>();
  auto* catc = cli.command(nullptr, "catalog", "list the GB/T 22239-2019 requirement items that apply at a level (catalog/)",
                           [a](Config&) { return run_catalog(a->file, a->level, a->format, a->lang == "en"); });
  catc->add_option("--level", a->level, "protection level, 2 or 3 (default 3)");
  catc->add_option("--format", a->format, "table or json (one object per item)")->check(CLI::IsMember({"table", "json"}));
  catc->add_option("--lang", a->lang, "zh-CN (default) or en")->check(CLI::IsMember({"zh-CN", "en"}));
  catc->add_option("--catalog", a->file, "catalog file (default catalog/gbt22239-2019.tsv)");
}

}  // namespace wardsec::cli
