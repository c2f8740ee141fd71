// `wardsec records …`: the management records (安全管理记录: policies, staff, training,
// inspections, suppliers, changes) from the shell: the kinds and their fields, list, show, add
// (JSON), import and export (CSV), withdraw, and the reminders and training coverage. The same
// store the console reads (<data>/records.db).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli/cli.h"
#include "compliance/catalog.h"
#include "compliance/inventory.h"
#include "core/datadir.h"
#include "core/timeutil.h"
#include "mgmt/checks.h"
#include "mgmt/exchange.h"

namespace wardsec::cli {

namespace mgmt_cmd {

using json = nlohmann::json;

struct Args {
  std::string kind, file, data, by, format = "table", lang = "zh";
  int64_t id = 0;
  int year = 0;
};

int say(const std::string& what, int code = 2) {
  std::fprintf(stderr, "wardsec records: %s\n", what.c_str());
  return code;
}

std::string today() { return local_time(now_ns(), 8 * 3600).substr(0, 10); }

void print_kinds(bool en) {
  for (const auto& k : mgmt::kinds()) {
    std::printf("%s\t%s\n", k.name.c_str(), en ? k.en.c_str() : k.zh.c_str());
    for (const auto& f : k.fields) {
      std::string opts;
      for (const auto& o : f.options) opts += (opts.empty() ? " [" : "/") + o;
      if (!opts.empty()) opts += "]";
      std::printf("  %-22s %-9s %s%s%s\n", f.name.c_str(), mgmt::type_name(f.type), en ? f.en.c_str() : f.zh.c_str(),
                  f.required ? (en ? " (required)" : "（必填）") : "", opts.c_str());
    }
  }
}

int summary(mgmt::Records& rs, const std::string& data_dir, const Args& a) {
  auto all = mgmt::read_all(rs);
  if (!all) return say(all.error(), 1);
  const mgmt::RecordSets& sets = *all;
  std::string t = today();
  int year = a.year ? a.year : std::atoi(t.substr(0, 4).c_str());
  bool en = a.lang == "en";
  auto graded = mgmt::read_graded(DataDir(data_dir).compliance_db(), 8 * 3600);
  if (!graded) return say(graded.error(), 1);
  auto rem = mgmt::filing_reminders(sets, *graded, t);
  for (auto& m : mgmt::reminders(sets, t)) rem.push_back(std::move(m));
  if (a.format == "json") {
    json rems = json::array(), cov = json::array();
    for (const auto& m : rem)
      rems.push_back({{"kind", m.kind},
                      {"id", m.id},
                      {"title", m.title},
                      {"what", en ? m.what_en : m.what_zh},
                      {"due", m.due},
                      {"overdue", m.overdue}});
    for (const auto& c : mgmt::training_coverage(sets, year))
      cov.push_back({{"department", c.department}, {"staff", c.staff}, {"trained", c.trained}, {"untrained", c.untrained}});
    std::printf("%s\n", json({{"today", t}, {"reminders", rems}, {"training_coverage", cov}}).dump(2).c_str());
    return 0;
  }
  std::printf(en ? "Reminders (%s)\n" : "待办提醒（%s）\n", t.c_str());
  for (const auto& m : rem)
    std::printf("  %s %-10s %s #%lld %s: %s\n", m.overdue ? "!" : " ", m.due.empty() ? "-" : m.due.c_str(), m.kind.c_str(),
                static_cast<long long>(m.id), m.title.c_str(), (en ? m.what_en : m.what_zh).c_str());
  std::printf(en ? "Training coverage %d\n" : "%d 年培训覆盖\n", year);
  for (const auto& c : mgmt::training_coverage(sets, year)) {
    std::string missing;
    for (const auto& n : c.untrained) missing += (missing.empty() ? "" : "、") + n;
    std::printf("  %-16s %d/%d %s\n", c.department.c_str(), c.trained, c.staff, missing.c_str());
  }
  return 0;
}

int run(Config& cfg, const std::string& what, const Args& a) {
  const mgmt::Kind* k = nullptr;
  if (!a.kind.empty() && !(k = mgmt::find_kind(a.kind))) {
    std::string names;
    for (const auto& x : mgmt::kinds()) names += (names.empty() ? "" : ", ") + x.name;
    return say("没有此类记录 / no such record kind: " + a.kind + " (" + names + ")");
  }
  if (what == "kinds") {
    print_kinds(a.lang == "en");
    return 0;
  }
  std::filesystem::create_directories(cfg.data_dir);
  auto rs = mgmt::Records::open(DataDir(cfg.data_dir).records_db());
  if (!rs) return say(rs.error(), 1);
  if (what == "summary") return summary(**rs, cfg.data_dir, a);
  auto cat = compliance::Catalog::load(cfg.http.catalog_file);
  if (!cat) return say(cat.error(), 1);
  std::vector<std::string> systems;
  if (auto inv = compliance::Inventory::open(DataDir(cfg.data_dir).compliance_db()))
    if (auto ss = (*inv)->systems())
      for (const auto& s : *ss) systems.push_back(s.id);
  mgmt::Lookup known{[&](const std::string& id) { return cat->find(id) != nullptr; },
                     [&](const std::string& id) { return std::find(systems.begin(), systems.end(), id) != systems.end(); }};
  std::string by = a.by.empty() ? cli_actor() : a.by;
  if (what == "list" || what == "export") {
    auto l = (*rs)->list(k->name);
    if (!l) return say(l.error(), 1);
    if (what == "export") {
      std::string csv = mgmt::write_csv(*k, *l, a.lang == "en");
      std::fwrite(csv.data(), 1, csv.size(), stdout);
      return 0;
    }
    for (const auto& r : *l) {
      if (a.format == "json")
        std::printf("%s\n", json({{"id", r.id}, {"version", r.version}, {"data", r.data}, {"by", r.by}}).dump().c_str());
      else
        std::printf("%lld\tv%d\t%s\t%s\n", static_cast<long long>(r.id), r.version, r.data.value(k->title_field, std::string("")).c_str(),
                    k->date_of(r.data).c_str());
    }
    return 0;
  }
  if (what == "show") {
    auto h = (*rs)->history(k->name, a.id);
    if (!h) return say(h.error(), 3);
    for (const auto& v : *h)
      std::printf("v%d %s %s%s\n%s\n", v.version, format_rfc3339(v.at).c_str(), v.by.c_str(), v.withdrawn ? " 作废/withdrawn" : "",
                  v.data.dump(2).c_str());
    return 0;
  }
  if (what == "withdraw") {
    Status s = (*rs)->withdraw(*k, a.id, by, now_ns());
    return s ? 0 : say(s.error(), 3);
  }
  if (what == "add") {
    auto d = mgmt::validate(*k, json::parse(a.data, nullptr, false), known);
    if (!d) return say(d.error());
    auto id = (*rs)->add(*k, *d, by, now_ns());
    if (!id) return say(id.error(), 1);
    std::printf("%lld\n", static_cast<long long>(*id));
    return 0;
  }
  // import
  std::ifstream in(a.file, std::ios::binary);
  if (!in) return say("cannot read " + a.file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto rows = mgmt::read_csv(*k, text, a.file, known);
  if (!rows) return say(rows.error());
  std::vector<std::pair<int64_t, json>> changes;
  for (auto& row : *rows) changes.emplace_back(row.id, std::move(row.data));
  auto n = (*rs)->import(*k, changes, by, now_ns());
  if (!n) return say(n.error(), 3);
  std::fprintf(stderr, "%s: %zu added, %zu updated from %s\n", k->name.c_str(), n->first, n->second, a.file.c_str());
  return 0;
}

}  // namespace mgmt_cmd

void add_mgmt_commands(Cli& cli) {
  using mgmt_cmd::Args;
  auto a = std::make_shared<Args>();
  auto* g = cli.group("records", "management records (安全管理记录): policies, staff, training, inspections, suppliers, changes");
  auto cmd = [&](const char* name, const char* what) {
    return cli.command(g, name, what, [a, name](Config& cfg) { return mgmt_cmd::run(cfg, name, *a); });
  };
  auto kind = [&](CLI::App* c) { c->add_option("kind", a->kind, "policy, person, training, inspection, supplier or change")->required(); };
  auto* kinds = cmd("kinds", "the record kinds and their fields");
  kinds->add_option("--lang", a->lang, "zh or en")->check(CLI::IsMember({"zh", "en"}));
  auto* list = cmd("list", "a kind's current records");
  kind(list);
  list->add_option("--format", a->format, "table or json")->check(CLI::IsMember({"table", "json"}));
  auto* show = cmd("show", "a record with every version");
  kind(show);
  show->add_option("id", a->id, "the record's number")->required();
  auto* add = cmd("add", "add a record given as JSON (field names: records kinds)");
  kind(add);
  add->add_option("--json", a->data, "the record, e.g. '{\"name\":\"王芳\",...}'")->required();
  add->add_option("--by", a->by, "who records it (default cli:$USER)");
  auto* imp = cmd("import", "records from CSV (columns by field name or label), all or none");
  kind(imp);
  imp->add_option("file", a->file, "CSV file (UTF-8)")->required();
  imp->add_option("--by", a->by, "who records them (default cli:$USER)");
  auto* exp = cmd("export", "a kind's records as CSV");
  kind(exp);
  exp->add_option("--lang", a->lang, "the header's language: zh or en")->check(CLI::IsMember({"zh", "en"}));
  auto* wd = cmd("withdraw", "withdraw (作废) a record; it is kept");
  kind(wd);
  wd->add_option("id", a->id, "the record's number")->required();
  wd->add_option("--by", a->by, "who withdraws it (default cli:$USER)");
  auto* sum = cmd("summary", "reminders and training coverage");
  sum->add_option("--year", a->year, "the coverage year (default this year)");
  sum->add_option("--format", a->format, "table or json")->check(CLI::IsMember({"table", "json"}));
  sum->add_option("--lang", a->lang, "zh or en")->check(CLI::IsMember({"zh", "en"}));
}

}  // namespace wardsec::cli
