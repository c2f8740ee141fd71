// The `wardsec` command's frame: each subcommand lives in its own file, which adds its
// options and the function that runs it; commands.cc lists them, one line each.
#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "center/config.h"
#include "core/version.h"

namespace wardsec::center {
class Center;
}

namespace wardsec::cli {

using wardsec::kVersion;

class Cli {
 public:
  explicit Cli(CLI::App& app) : app_(app) {}
  CLI::App& app() { return app_; }
  // A subcommand of `parent` (the app when null) with --data and --config; `run` gets the
  // loaded configuration when this subcommand is the one given.
  CLI::App* command(CLI::App* parent, const std::string& name, const std::string& description, std::function<int(Config&)> run);
  // A group of subcommands (`rules lint`, `rules test`): it only holds them.
  CLI::App* group(const std::string& name, const std::string& description);
  // After parsing: loads the configuration (--data and --config) and runs the given command.
  int dispatch();

 private:
  CLI::App& app_;
  std::string data_, config_;
  std::vector<std::pair<CLI::App*, std::function<int(Config&)>>> runs_;
};

// Each adds its subcommand(s); one file each.
void add_serve_commands(Cli& cli);  // serve, demo
void add_import_command(Cli& cli);
void add_search_command(Cli& cli);
void add_store_commands(Cli& cli);  // verify, retention
void add_generate_command(Cli& cli);
void add_rules_commands(Cli& cli);  // rules lint, rules test
void add_catalog_command(Cli& cli);
void add_check_commands(Cli& cli);    // check host, check center
void add_grade_commands(Cli& cli);    // grade, score
void add_records_commands(Cli& cli);  // inventory, assess, rectify
void add_report_command(Cli& cli);
void add_webcheck_command(Cli& cli);
void add_dbaudit_command(Cli& cli);
void add_proxy_command(Cli& cli);
void add_api_commands(Cli& cli);         // api routes, version
void add_parsers_commands(Cli& cli);     // parsers lint, test (device families)
void add_emergency_commands(Cli& cli);   // emergency templates, plans, plan, new, activate, review, due, drills, drill, schedule, ...
void add_incident_commands(Cli& cli);    // incident list, show, open, grade, stage, note, reported, taxonomy
void add_ops_commands(Cli& cli);         // ops export
void add_evaluation_commands(Cli& cli);  // evaluation add, done, list, due, problems
void add_mgmt_commands(Cli& cli);        // records kinds, list, show, add, import, export, withdraw, summary
void add_vuln_commands(Cli& cli);        // vuln import, kev, list, show, scans
void add_agent_commands(Cli& cli);       // agent enroll, run, status
void add_cluster_commands(Cli& cli);     // sink (collect is in serve_cmd.cc)

// The region (cluster_cmd.cc): the collector's drainer `collect` starts with the center, and
// `verify --clickhouse`.
Status start_collector(center::Center& c);
int verify_cluster(const Config& cfg, const std::string& url, const std::string& site, const std::string& pubkey, int settle_seconds);

// All of them, in the order `wardsec --help` lists them (commands.cc).
void add_all_commands(Cli& cli);

// Who acts from the shell, as records name it: "cli:<login>" (the user sudo was run by, else the
// process's own account).
std::string cli_actor();

// Reads a whole file; nullopt when it cannot be read.
std::optional<std::string> read_file(const std::string& path);

}  // namespace wardsec::cli
