// `wardsec report`: a system's self-assessment, grading or rectification report, the year's
// work summary, or the month's 防统方 or 运维审计 report (HTML, PDF, XLSX).
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "cli/cli.h"
#include "core/timeutil.h"
#include "bastion/model.h"
#include "core/datadir.h"
#include "report/report.h"

namespace wardsec::cli {

namespace {

struct ReportArgs {
  std::string kind, system, format = "html", out, lang = "zh-CN", organization;
  int year = 0, month = 0;
};

int run_report(const Config& cfg, const ReportArgs& a) {
  report::Sources src{cfg.data_dir, cfg.http.catalog_file, cfg.http.scoring_file,
                      a.organization.empty() ? cfg.organization : a.organization, cfg.tz_sec};
  auto write_html = [&](const std::string& html) -> Status {
    if (a.format == "pdf") return report::html_to_pdf(html, a.out);
    std::ofstream f(a.out, std::ios::binary);
    f << html;
    return f ? Status{} : Status{Error{"cannot write " + a.out}};
  };
  Status s;
  if (a.kind == "dbaudit" || a.kind == "bastion") {
    if (a.format == "xlsx") {
      std::fprintf(stderr, "wardsec report: the %s report is html or pdf\n", a.kind.c_str());
      return 2;
    }
    // By default last month, the one a monthly report is for (this month on a new install).
    auto [year, month] = report::default_report_month(cfg.data_dir, now_ns(), cfg.tz_sec);
    if (a.month) {  // a month named alone is one of this year
      year = std::atoi(format_rfc3339(now_ns() + static_cast<int64_t>(cfg.tz_sec) * kSec).substr(0, 4).c_str());
      month = a.month;
    }
    if (a.year) year = a.year;
    Result<std::string> html = Error{""};
    if (a.kind == "dbaudit") {
      html = report::dbaudit_month_html(src, year, month, a.lang);
    } else {
      auto db = bastion::Db::open(DataDir(cfg.data_dir).bastion_db(), cfg.store.key_dir);
      html = db ? report::bastion_month_html(**db, src, year, month, a.lang) : Result<std::string>(Error{db.error()});
    }
    s = html ? write_html(*html) : Status{Error{html.error()}};
    if (s) std::printf("%s: %04d-%02d %s report\n", a.out.c_str(), year, month, a.kind == "dbaudit" ? "防统方" : "运维审计");
    if (!s) {
      std::fprintf(stderr, "wardsec report: %s\n", s.error().c_str());
      return 1;
    }
    return 0;
  }
  if (a.kind == "annual") {
    if (a.format == "xlsx") {
      std::fprintf(stderr, "wardsec report: the annual summary is html or pdf\n");
      return 2;
    }
    int year = a.year ? a.year : std::atoi(format_rfc3339(now_ns()).substr(0, 4).c_str());
    auto html = report::annual_html(src, year, a.lang);
    s = html ? write_html(*html) : Status{Error{html.error()}};
    if (s) std::printf("%s: %d annual summary\n", a.out.c_str(), year);
  } else {
    if (a.system.empty()) {
      std::fprintf(stderr, "wardsec report: --system is required for %s\n", a.kind.c_str());
      return 2;
    }
    auto kind = *report::parse_kind(a.kind);
    auto d = report::gather(src, a.system, kind);
    if (!d) {
      std::fprintf(stderr, "wardsec report: %s\n", d.error().c_str());
      return 1;
    }
    s = a.format == "xlsx" ? report::xlsx(kind, *d, a.out) : write_html(report::html(kind, *d, a.lang));
    if (s)
      std::printf("%s: %s %s, score %.2f %s\n", a.out.c_str(), d->system.name.c_str(), a.kind.c_str(), d->score.score,
                  d->score.conclusion.c_str());
  }
  if (!s) {
    std::fprintf(stderr, "wardsec report: %s\n", s.error().c_str());
    return 1;
  }
  return 0;
}

}  // namespace

void add_report_command(Cli& cli) {
  auto a = std::make_shared<ReportArgs>();
  auto* rep = cli.command(nullptr, "report", "a system's self-assessment or grading report, or the year's work summary (HTML, PDF, XLSX)",
                          [a](Config& cfg) { return run_report(cfg, *a); });
  rep->add_option("kind", a->kind,
                  "self-assessment, grading, rectification, annual, dbaudit (the month's 防统方 report) or bastion (the "
                  "month's 运维审计报告)")
      ->required()
      ->check(CLI::IsMember({"self-assessment", "grading", "rectification", "annual", "dbaudit", "bastion"}));
  rep->add_option("--system", a->system, "graded system id (inventory); not for annual");
  rep->add_option("--year", a->year, "the year of an annual summary or a monthly report (default: this year)");
  rep->add_option("--month", a->month, "the month of a dbaudit or bastion report, 1-12 (default: last month)");
  rep->add_option("--format", a->format, "html (default), pdf (printed by Chromium), xlsx (checklist or filing form)")
      ->check(CLI::IsMember({"html", "pdf", "xlsx"}));
  rep->add_option("--out", a->out, "output file")->required();
  rep->add_option("--lang", a->lang, "zh-CN (default) or en")->check(CLI::IsMember({"zh-CN", "en"}));
  rep->add_option("--organization", a->organization, "the hospital's name (default: organization in the config)");
}

}  // namespace wardsec::cli
