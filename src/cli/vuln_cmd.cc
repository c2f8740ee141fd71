// `wardsec vuln …`: vulnerability management from the shell: import a scanner's report (Nmap,
// Greenbone/OpenVAS, Nessus XML; a CSV export) or the known-exploited list, and read the
// findings, one finding's history and the scans. People's decisions (accepted risk, false
// positive) and rectification tasks are the console's, where they are audited.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>

#include "cli/cli.h"
#include "core/datadir.h"
#include "core/files.h"
#include "core/timeutil.h"
#include "server/auth.h"
#include "vuln/service.h"

namespace wardsec::cli {

namespace vuln_cmd {

using json = nlohmann::json;

struct Args {
  std::string file, format, scanner, by, status, system, output = "table", host, hostname, ecosystem;
  int priority = 0;
  int64_t id = 0;
};

int say(const std::string& what, int code = 2) {
  std::fprintf(stderr, "wardsec vuln: %s\n", what.c_str());
  return code;
}

std::string who(const Args& a) {
  if (!a.by.empty()) return a.by;
  const char* u = std::getenv("USER");
  return std::string("cli:") + (u ? u : "unknown");
}

int import(Config& cfg, const Args& a) {
  auto whole = read_file(a.file);
  if (!whole) return say(a.file + ": 无法打开 / cannot open", 1);
  auto f = a.format.empty() ? vuln::sniff_format(std::string_view(*whole).substr(0, 4096)) : vuln::parse_format(a.format);
  if (!f) return say("无法识别报告格式，请用 --format 指定 / name the format with --format nmap|greenbone|nessus|csv");
  auto rep = vuln::read_any(*f, vuln::XmlInput{a.file, {}, a.file}, a.scanner);
  if (!rep) return say(rep.error(), 3);
  vuln::Options o;
  o.tz_sec = cfg.tz_sec;
  int64_t now = now_ns();
  vuln::ImportMeta meta{a.file, server::sha256_hex(*whole), who(a), now, cfg.tz_sec};
  auto t = vuln::take_report(DataDir(cfg.data_dir), *rep, meta, o, local_time(now, cfg.tz_sec).substr(0, 10));
  if (!t) return say(t.error(), 1);
  const auto& s = t->res.scan;
  if (t->res.duplicate) {
    std::printf("此文件已导入过 (扫描 #%lld)，未做改动 / already imported as scan #%lld: nothing changed\n", static_cast<long long>(s.id),
                static_cast<long long>(s.id));
    return 0;
  }
  std::printf("扫描 #%lld (%s): %lld 台主机, %lld 项发现: 新增 %lld, 重新打开 %lld, 已修复 %lld, 未登记主机 %lld, 关闭整改 %lld\n",
              static_cast<long long>(s.id), s.scanner.c_str(), static_cast<long long>(s.hosts), static_cast<long long>(s.findings),
              static_cast<long long>(s.added), static_cast<long long>(s.reopened), static_cast<long long>(s.fixed),
              static_cast<long long>(s.unregistered), static_cast<long long>(t->tasks_closed));
  std::printf("scan #%lld: %lld hosts, %lld findings: %lld new, %lld reopened, %lld fixed, %lld unregistered hosts\n",
              static_cast<long long>(s.id), static_cast<long long>(s.hosts), static_cast<long long>(s.findings),
              static_cast<long long>(s.added), static_cast<long long>(s.reopened), static_cast<long long>(s.fixed),
              static_cast<long long>(s.unregistered));
  return 0;
}

// `vuln packages` and `vuln feed`: local knowledge from package inventories and the OSV feed.
int local(Config& cfg, const std::string& what, const Args& a) {
  auto text = read_file(a.file);
  if (!text) return say(a.file + ": 无法打开 / cannot open", 1);
  vuln::Options o;
  o.tz_sec = cfg.tz_sec;
  int64_t now = now_ns();
  std::string today = local_time(now, cfg.tz_sec).substr(0, 10);
  if (what == "feed") {
    auto t = vuln::take_feed(DataDir(cfg.data_dir), *text, vuln::ImportMeta{a.file, "", who(a), now, cfg.tz_sec}, o, today);
    if (!t) return say(t.error(), 3);
    std::printf("漏洞库: %lld 条记录；重新匹配 %zu 台主机 / feed: %lld advisories; %zu hosts matched again\n",
                static_cast<long long>(t->advisories), t->rematched.size(), static_cast<long long>(t->advisories), t->rematched.size());
    return 0;
  }
  vuln::ImportMeta meta{a.file, server::sha256_hex(a.host + "\n" + a.ecosystem + "\n" + *text), who(a), now, cfg.tz_sec};
  auto t = vuln::take_inventory(DataDir(cfg.data_dir), a.host, a.hostname, a.ecosystem, *text, meta, o, today);
  if (!t) return say(t.error(), 3);
  std::printf("%s: %lld 项发现，新增 %lld，已修复 %lld / %lld findings, %lld new, %lld fixed\n", a.host.c_str(),
              static_cast<long long>(t->res.scan.findings), static_cast<long long>(t->res.scan.added),
              static_cast<long long>(t->res.scan.fixed), static_cast<long long>(t->res.scan.findings),
              static_cast<long long>(t->res.scan.added), static_cast<long long>(t->res.scan.fixed));
  return 0;
}

int run(Config& cfg, const std::string& what, const Args& a) {
  if (what == "import") return import(cfg, a);
  if (what == "packages" || what == "feed") return local(cfg, what, a);
  auto st = vuln::Store::open(DataDir(cfg.data_dir).vulns_db());
  if (!st) return say(st.error(), 1);
  std::string today = local_time(now_ns(), cfg.tz_sec).substr(0, 10);
  if (what == "kev") {
    auto text = read_file(a.file);
    if (!text) return say(a.file + ": 无法打开 / cannot open", 1);
    auto n = (*st)->import_kev(*text, a.file);
    if (!n) return say(n.error(), 3);
    auto assets = vuln::load_assets(DataDir(cfg.data_dir), vuln::PriorityPolicy{});
    if (!assets) return say(assets.error(), 1);
    if (auto r = (*st)->refresh(*assets, today, now_ns(), cfg.tz_sec); !r) return say(r.error(), 1);
    std::printf("已知被利用漏洞清单: %lld 个 CVE / known-exploited list: %lld CVEs\n", static_cast<long long>(*n),
                static_cast<long long>(*n));
    return 0;
  }
  if (what == "scans") {
    auto s = (*st)->scans();
    if (!s) return say(s.error(), 1);
    for (const auto& x : *s)
      std::printf("#%-5lld %s  %-10s %-30s hosts %-5lld findings %-6lld new %-5lld fixed %-5lld reopened %lld\n",
                  static_cast<long long>(x.id), local_time(x.at, cfg.tz_sec).c_str(), x.scanner.c_str(), x.file.c_str(),
                  static_cast<long long>(x.hosts), static_cast<long long>(x.findings), static_cast<long long>(x.added),
                  static_cast<long long>(x.fixed), static_cast<long long>(x.reopened));
    return 0;
  }
  if (what == "show") {
    auto f = (*st)->finding(a.id);
    if (!f) return say(f.error(), 1);
    auto log = (*st)->log(a.id);
    if (!log) return say(log.error(), 1);
    std::printf("#%lld %s\n  资产 asset: %s (%s) 端口 port: %d/%s 系统 system: %s\n  状态 status: %s  优先级 priority: %s  期限 due: %s\n",
                static_cast<long long>(f->id), f->title.c_str(), f->akey.c_str(), f->ip.c_str(), f->port, f->proto.c_str(),
                f->system.c_str(), f->status.c_str(), vuln::priority_zh(f->priority), f->due.c_str());
    std::printf("  CVE: %s\n  依据 why: %s\n  修复建议 solution: %s\n", vuln::join_words(f->cves).c_str(), f->why_zh.c_str(),
                f->solution.c_str());
    for (const auto& e : *log)
      std::printf("  %s  %-18s %s %s\n", local_time(e.at, cfg.tz_sec).c_str(), e.what.c_str(), e.by.c_str(), e.note.c_str());
    return 0;
  }
  vuln::Filter f;
  f.status = a.status;
  f.system = a.system;
  f.priority = a.priority;
  f.today = today;
  f.limit = 100000;
  auto rows = (*st)->findings(f);
  if (!rows) return say(rows.error(), 1);
  if (a.output == "json") {
    json out = json::array();
    for (const auto& r : *rows)
      out.push_back({{"id", r.id},
                     {"asset", r.akey},
                     {"ip", r.ip},
                     {"port", r.port},
                     {"title", r.title},
                     {"cves", r.cves},
                     {"status", r.status},
                     {"due", r.due},
                     {"priority", r.priority},
                     {"system", r.system},
                     {"sources", r.sources}});
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  for (const auto& r : *rows)
    std::printf("#%-6lld %-4s %-14s %-18s %5d %-10s %s %s\n", static_cast<long long>(r.id), vuln::priority_zh(r.priority), r.status.c_str(),
                r.akey.c_str(), r.port, r.due.c_str(), r.title.c_str(), vuln::join_words(r.cves).c_str());
  return 0;
}

}  // namespace vuln_cmd

void add_vuln_commands(Cli& cli) {
  using vuln_cmd::Args;
  auto a = std::make_shared<Args>();
  auto* g = cli.group("vuln", "assets and vulnerabilities (资产与漏洞管理): scanners' reports, findings, scans");
  auto cmd = [&](const char* name, const char* what) {
    return cli.command(g, name, what, [a, name](Config& cfg) { return vuln_cmd::run(cfg, name, *a); });
  };
  auto* imp = cmd("import", "import a scanner's report (Nmap/Greenbone/Nessus XML, CSV), all or nothing");
  imp->add_option("file", a->file, "the report")->required();
  imp->add_option("--format", a->format, "nmap, greenbone, nessus or csv (default: from the file)");
  imp->add_option("--scanner", a->scanner, "for a CSV: the scanner's name (rsas, mingjian ...)");
  imp->add_option("--by", a->by, "who imports it (default cli:$USER)");
  auto* kev = cmd("kev", "import the known-exploited list (CISA KEV JSON, or a CSV with CVE ids)");
  kev->add_option("file", a->file, "the list")->required();
  auto* pk = cmd("packages", "a host's installed packages (dpkg status, dpkg -l, rpm -qa) matched against the feed");
  pk->add_option("file", a->file, "the inventory")->required();
  pk->add_option("--host", a->host, "the host's IP address")->required();
  pk->add_option("--hostname", a->hostname, "its host name");
  pk->add_option("--ecosystem", a->ecosystem, "Debian:12, Ubuntu:22.04, Red Hat, openEuler ... as the feed names it")->required();
  auto* fd = cmd("feed", "import the vulnerability feed (OSV JSON or JSON lines), offline");
  fd->add_option("file", a->file, "the feed")->required();
  auto* list = cmd("list", "findings, most urgent first");
  list->add_option("--status", a->status, "open, fixed, accepted, false_positive or active");
  list->add_option("--system", a->system, "one graded system");
  list->add_option("--priority", a->priority, "1 (紧急) to 4 (低)");
  list->add_option("--format", a->output, "table or json")->check(CLI::IsMember({"table", "json"}));
  auto* show = cmd("show", "one finding with its history");
  show->add_option("id", a->id, "the finding's number")->required();
  cmd("scans", "the scans imported");
}

}  // namespace wardsec::cli
