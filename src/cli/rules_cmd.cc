// `wardsec rules lint` and `wardsec rules test`: load Sigma rules, report their problems, run them over events.
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
#include "center/center.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "detect/correlate.h"
#include "detect/ruleset.h"
#include "parse/parser.h"
#include "search/search.h"

namespace wardsec::cli {

namespace {

int run_rules(bool lint, const std::vector<std::string>& paths, const std::string& events_file, const std::string& mapping_path,
              const std::string& format, enrich::Chain* stages) {
  auto mapping = detect::Mapping::load(mapping_path);
  if (!mapping) {
    std::fprintf(stderr, "wardsec rules: %s\n", mapping.error().c_str());
    return 2;
  }
  detect::RuleSet set(std::move(mapping.value()));
  for (const auto& p : paths) {
    if (!std::filesystem::exists(p)) {
      std::fprintf(stderr, "wardsec rules: %s: no such file or folder\n", p.c_str());
      return 2;
    }
    set.add_path(p);
  }
  set.finish();
  for (const auto& e : set.errors()) std::fprintf(stderr, "%s\n", e.to_string().c_str());
  if (lint) {
    size_t unmapped = 0;
    for (const auto& r : set.rules()) {
      if (r.source) continue;
      unmapped++;
      const auto& ls = r.rule.logsource;
      std::fprintf(stderr,
                   "%s: warning: rule '%s': no mapping for logsource product=%s service=%s category=%s; it sees no events "
                   "(rules/mapping/sigma.yaml)\n",
                   r.rule.file.c_str(), r.rule.title.c_str(), ls.product.c_str(), ls.service.c_str(), ls.category.c_str());
    }
    std::printf("%zu rules, %zu correlations and %zu filters loaded, %zu errors, %zu without a logsource mapping\n", set.rules().size(),
                set.correlations().size(), set.filters().size(), set.errors().size(), unmapped);
    return set.errors().empty() ? 0 : 1;
  }
  std::ifstream in(events_file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "wardsec rules test: cannot read %s\n", events_file.c_str());
    return 2;
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // JSON lines, a JSON array or concatenated JSON objects; otherwise one raw log line each.
  std::vector<std::string> docs;
  std::string_view t = trim(text);
  if (!t.empty() && (t.front() == '{' || t.front() == '[')) {
    docs = detect::split_json_objects(t);
  } else {
    size_t p = 0;
    while (p < text.size()) {
      size_t nl = text.find('\n', p);
      std::string line = text.substr(p, nl == std::string::npos ? std::string::npos : nl - p);
      if (!trim(line).empty()) docs.push_back(line);
      if (nl == std::string::npos) break;
      p = nl + 1;
    }
  }
  Decoder dec;
  size_t matches = 0;
  detect::Correlator correlator(set);
  std::vector<detect::CorrelationHit> hits;
  auto print_match = [&](const std::string& id, const std::string& title, const std::string& level, uint64_t index,
                         const detect::CorrelationHit* h) {
    if (format == "json") {
      std::string out = "{\"rule.id\":\"";
      search::json_escape(id, out);
      out += "\",\"rule.title\":\"";
      search::json_escape(title, out);
      out += "\",\"rule.level\":\"";
      search::json_escape(level, out);
      out += "\",\"event.index\":" + std::to_string(index);
      if (h) {
        out += ",\"correlation.type\":\"";
        out += detect::Correlation::type_name(set.correlations()[h->correlation].corr.type);
        out += "\",\"correlation.value\":" + fmt::format("{}", h->value) + ",\"correlation.events\":[";
        for (size_t k = 0; k < h->events.size(); k++) out += (k ? "," : "") + std::to_string(h->events[k]);
        out += "],\"correlation.group\":{";
        for (size_t k = 0; k < h->group.size(); k++) {
          out += k ? ",\"" : "\"";
          search::json_escape(h->group[k].first, out);
          out += "\":\"";
          search::json_escape(h->group[k].second, out);
          out += "\"";
        }
        out += "}";
      }
      out += "}";
      std::printf("%s\n", out.c_str());
    } else if (h) {
      std::string group;
      for (const auto& [k, v] : h->group) group += (group.empty() ? "" : ", ") + k + "=" + v;
      std::printf("event %llu: %s [%s] %s (correlation %s, value %g, %llu events%s%s)\n", static_cast<unsigned long long>(index),
                  title.c_str(), level.c_str(), id.c_str(), detect::Correlation::type_name(set.correlations()[h->correlation].corr.type),
                  h->value, static_cast<unsigned long long>(h->event_count), group.empty() ? "" : ", ", group.c_str());
    } else {
      std::printf("event %llu: %s [%s] %s\n", static_cast<unsigned long long>(index), title.c_str(), level.c_str(), id.c_str());
    }
  };
  auto flush_hits = [&] {
    for (const auto& h : hits) {
      matches++;
      const auto& c = set.correlations()[h.correlation].corr;
      print_match(c.id, c.title, c.level, h.events.empty() ? 0 : h.events.back(), &h);
    }
    hits.clear();
  };
  for (size_t i = 0; i < docs.size(); i++) {
    Event ev;
    ev.raw = docs[i];
    ParseContext ctx;
    ctx.received = now_ns();
    dec.decode(ev, ctx);
    if (stages) stages->run(ev);  // as the pipeline does
    for (size_t r : set.match(ev, true)) {
      matches++;
      const auto& rule = set.rules()[r].rule;
      print_match(rule.id, rule.title, rule.level, i, nullptr);
      correlator.on_rule_match(r, ev, i, hits);
    }
    correlator.advance(ev.ts, hits);
    flush_hits();
  }
  correlator.advance(INT64_MAX, hits);
  flush_hits();
  std::fprintf(stderr, "%zu events, %zu rules, %zu matches\n", docs.size(), set.rules().size(), matches);
  return set.errors().empty() ? 0 : 1;
}

}  // namespace

void add_rules_commands(Cli& cli) {
  struct Args {
    std::vector<std::string> paths;
    std::string events, mapping, format = "table";
  };
  auto a = std::make_shared<Args>();
  auto mapping = [a] { return resolve_shipped(a->mapping.empty() ? "rules/mapping/sigma.yaml" : a->mapping); };
  auto* rules = cli.group("rules", "check and try detection rules (Sigma)");
  auto* lint = cli.command(rules, "lint", "load rules and report every problem with file and line",
                           [a, mapping](Config&) { return run_rules(true, a->paths, a->events, mapping(), a->format, nullptr); });
  lint->add_option("paths", a->paths, "rule files or folders")->required();
  lint->add_option("--mapping", a->mapping, "logsource and field mapping (default rules/mapping/sigma.yaml)");
  auto* test = cli.command(rules, "test", "run rules over events and print the matches", [a, mapping](Config& cfg) {
    // The events go through the same enrichment stages as in the center (zones and assets,
    // web attacks, database statements), so the rules see the same fields.
    auto stages = center::build_stages(cfg, center::load_places(cfg));
    if (!stages) {
      std::fprintf(stderr, "wardsec rules: %s\n", stages.error().c_str());
      return 2;
    }
    return run_rules(false, a->paths, a->events, mapping(), a->format, stages->get());
  });
  test->add_option("paths", a->paths, "rule files or folders")->required();
  test->add_option("--events", a->events, "JSON lines, a JSON array, concatenated JSON objects, or raw log lines")->required();
  test->add_option("--format", a->format, "table or json (one object per match: rule.id, rule.title, rule.level, event.index)")
      ->check(CLI::IsMember({"table", "json"}));
  test->add_option("--mapping", a->mapping, "logsource and field mapping (default rules/mapping/sigma.yaml)");
}

}  // namespace wardsec::cli
