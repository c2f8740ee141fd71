#include "cli/cli.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace wardsec::cli {

CLI::App* Cli::command(CLI::App* parent, const std::string& name, const std::string& description, std::function<int(Config&)> run) {
  CLI::App* sub = (parent ? parent : &app_)->add_subcommand(name, description);
  sub->add_option("--data", data_, "data folder (default ./data, or 'data' in the config file)");
  sub->add_option("-c,--config", config_, "YAML config file (optional; see config/wardsec.yaml)");
  runs_.emplace_back(sub, std::move(run));
  return sub;
}

CLI::App* Cli::group(const std::string& name, const std::string& description) {
  CLI::App* g = app_.add_subcommand(name, description);
  g->require_subcommand(1);
  return g;
}

int Cli::dispatch() {
  auto cfg = load_config(config_, data_);
  if (!cfg) {
    std::fprintf(stderr, "wardsec: %s\n", cfg.error().c_str());
    return 2;
  }
  cfg->path = config_;
  if (!data_.empty()) cfg->data_dir = data_;
  cfg->finalize();
  for (auto& [sub, run] : runs_)
    if (sub->parsed()) return run(*cfg);
  return 0;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void add_all_commands(Cli& cli) {
  add_serve_commands(cli);
  add_import_command(cli);
  add_search_command(cli);
  add_store_commands(cli);
  add_generate_command(cli);
  add_rules_commands(cli);
  add_catalog_command(cli);
  add_check_commands(cli);
  add_grade_commands(cli);
  add_records_commands(cli);
  add_evaluation_commands(cli);
  add_mgmt_commands(cli);
  add_vuln_commands(cli);
  add_report_command(cli);
  add_webcheck_command(cli);
  add_dbaudit_command(cli);
  add_proxy_command(cli);
  add_api_commands(cli);
  add_incident_commands(cli);
  add_emergency_commands(cli);
  add_ops_commands(cli);
  add_parsers_commands(cli);
  add_agent_commands(cli);
  add_cluster_commands(cli);
}

std::string cli_actor() {
  const char* u = std::getenv("SUDO_USER");
  if (!u || !*u) u = std::getenv("USER");
  if (!u || !*u) {
    const passwd* pw = getpwuid(geteuid());
    u = pw ? pw->pw_name : nullptr;
  }
  return std::string("cli:") + (u && *u ? u : "uid" + std::to_string(geteuid()));
}

}  // namespace wardsec::cli
