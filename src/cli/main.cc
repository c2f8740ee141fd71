// The `wardsec` command: one binary, one subcommand per job, each in its own file (cli.h).
#include <malloc.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

#include "cli/cli.h"
#include "core/perms.h"

int main(int argc, char** argv) {
  using namespace wardsec;
  restrict_umask();  // everything the center writes: 0600 files in 0700 folders
  // Two malloc arenas, not glibc's 8 per core: every bastion session is a thread, and each
  // thread that lands on its own arena keeps that arena's freed memory. Measured: 200 recorded
  // sessions add ~0.13 MiB each with 2 arenas, ~1.4 MiB with the default; ingest's rate is
  // unchanged within run-to-run noise (docs/benchmarks.md). MALLOC_ARENA_MAX still overrides.
  if (!std::getenv("MALLOC_ARENA_MAX")) mallopt(M_ARENA_MAX, 2);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  CLI::App app{"wardsec — 医院等保安全管理中心 (hospital MLPS 2.0 security management center)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", cli::kVersion);
  cli::Cli cli(app);
  cli::add_all_commands(cli);
  CLI11_PARSE(app, argc, argv);
  return cli.dispatch();
}
