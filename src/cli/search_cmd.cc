// `wardsec search`: stored events by the query language (docs/query-language.md).
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <unistd.h>

#include "core/datadir.h"
#include "cli/cli.h"
#include "core/timeutil.h"
#include "search/query.h"
#include "search/search.h"

namespace wardsec::cli {

namespace {

std::string table_row(const Event& ev, int tz_sec) {
  // Local time of the configured zone (China Standard Time by default), as people read it.
  std::string t = format_rfc3339(ev.ts + static_cast<int64_t>(tz_sec) * 1000000000LL).substr(0, 19);
  t[10] = ' ';
  std::string host(ev.get(kHostName));
  std::string ds(ev.get(kEventDataset));
  std::string msg(ev.get(kMessage));
  if (msg.empty()) msg = ev.raw;
  if (ev.flags & kInvalidUtf8) msg = search::display_text(msg);
  for (auto& c : msg)
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
  if (msg.size() > 160) msg = msg.substr(0, 157) + "...";
  char buf[128];
  std::snprintf(buf, sizeof buf, "%-19s  %-16.16s %-12.12s ", t.c_str(), host.empty() ? "-" : host.c_str(), ds.empty() ? "-" : ds.c_str());
  return buf + msg;
}

int run_search(Config cfg, const std::vector<std::string>& words, const std::string& from, const std::string& to, size_t limit,
               const std::string& format, bool count, bool newest, bool stats) {
  std::string q;
  for (const auto& w : words) q += (q.empty() ? "" : " ") + w;
  auto parsed = search::Query::parse(q, cfg.tz_sec);
  if (auto* e = (parsed ? nullptr : &parsed.failure())) {
    std::fprintf(stderr, "wardsec search: query error at column %zu: %s\n  %s\n  %*s^\n", e->column, e->message.c_str(), q.c_str(),
                 static_cast<int>(e->column - 1), "");
    return 2;
  }
  search::SearchOptions so;
  so.limit = count ? 0 : limit;
  so.newest_first = newest;
  if (!from.empty() && !parse_user_time(from, cfg.tz_sec, so.from)) {
    std::fprintf(stderr, "wardsec search: --from '%s' is not a time (e.g. 2024-03-01, 2024-03-01T08:00:00+08:00, now-1h)\n", from.c_str());
    return 2;
  }
  if (!to.empty() && !parse_user_time(to, cfg.tz_sec, so.to)) {
    std::fprintf(stderr, "wardsec search: --to '%s' is not a time\n", to.c_str());
    return 2;
  }
  if (!std::filesystem::exists(DataDir(cfg.data_dir).segments())) {
    std::fprintf(stderr, "wardsec search: no store in %s\n", cfg.data_dir.c_str());
    return 1;
  }
  search::SearchStats st;
  std::string out;
  Status s = search::run_search(
      cfg.data_dir, parsed.value(), so,
      [&](const Event& ev) {
        if (count) return true;
        out = format == "json" ? search::event_to_json(ev) : table_row(ev, cfg.tz_sec);
        out.push_back('\n');
        std::fwrite(out.data(), 1, out.size(), stdout);
        return true;
      },
      st);
  if (!s) {
    std::fprintf(stderr, "wardsec search: %s\n", s.error().c_str());
    return 1;
  }
  if (count) std::printf("%llu\n", static_cast<unsigned long long>(st.matched));
  if (stats)
    std::fprintf(stderr, "matched %llu; blocks: %llu total, %llu read, %llu skipped; events scanned %llu\n",
                 static_cast<unsigned long long>(st.matched), static_cast<unsigned long long>(st.blocks_total),
                 static_cast<unsigned long long>(st.blocks_read), static_cast<unsigned long long>(st.blocks_skipped),
                 static_cast<unsigned long long>(st.events_scanned));
  if (st.damaged_total) {
    // The result is short by whatever these held: never a silent, smaller answer.
    std::fprintf(stderr,
                 "wardsec search: WARNING: %llu stored block(s) could not be read and are not in this result (run wardsec verify):\n",
                 static_cast<unsigned long long>(st.damaged_total));
    for (const auto& d : st.damaged) std::fprintf(stderr, "  %s\n", d.c_str());
    return 3;
  }
  return 0;
}

}  // namespace

struct SearchArgs {
  std::vector<std::string> words;
  std::string from, to, format = "table";
  size_t limit = 0;
  bool count = false, newest = false, stats = false;
};

void add_search_command(Cli& cli) {
  auto a = std::make_shared<SearchArgs>();
  auto* srch = cli.command(nullptr, "search", "search stored events (query language: docs/query-language.md)", [a](Config& cfg) {
    return run_search(cfg, a->words, a->from, a->to, a->limit, a->format, a->count, a->newest, a->stats);
  });
  srch->add_option("query", a->words, "query, e.g. 'user.name:root AND event.outcome:failure'");
  srch->add_option("--from", a->from, "start time (inclusive): 2024-03-01, 2024-03-01T08:00:00+08:00, now-1h");
  srch->add_option("--to", a->to, "end time (exclusive)");
  srch->add_option("--limit", a->limit, "stop after N matches (0: all)");
  srch->add_option("--format", a->format, "table or json (one object per line, ECS field names)")->check(CLI::IsMember({"table", "json"}));
  srch->add_flag("--count", a->count, "print only the number of matches");
  srch->add_flag("--newest", a->newest, "newest first");
  srch->add_flag("--stats", a->stats, "print blocks read/skipped to stderr");
}

}  // namespace wardsec::cli
