// The `wardsec` command: one binary, one subcommand per job, each in its own file (cli.h).
#include <spdlog/spdlog.h>

#include "cli/cli.h"
#include "core/perms.h"

int main(int argc, char** argv) {
  using namespace wardsec;
  restrict_umask();  // everything the center writes: 0600 files in 0700 folders
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  CLI::App app{"wardsec — 医院等保安全管理中心 (hospital MLPS 2.0 security management center)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", cli::kVersion);
  cli::Cli cli(app);
  cli::add_all_commands(cli);
  CLI11_PARSE(app, argc, argv);
  return cli.dispatch();
}
