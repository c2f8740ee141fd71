// `wardsec agent …`: the host agent (主机代理) on a server: enrol it with the center, run it
// (the systemd unit wardsec-agent.service does), and print its last status.
#include <csignal>
#include <cstdio>

#include "agent/agent.h"
#include "cli/cli.h"

namespace wardsec::cli {

namespace {
std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }
}  // namespace

void add_agent_commands(Cli& cli) {
  auto* grp = cli.group("agent", "the host agent: enrol, run, status (docs/agents.md)");
  auto o = std::make_shared<agent::EnrollOptions>();
  auto* en = cli.command(grp, "enroll", "enrol this host with the center (a token and the CA fingerprint from the console)",
                         [o](Config&) { return agent::enroll(*o); });
  en->add_option("--center", o->center, "the center's agent channel, host:port")->required();
  en->add_option("--token", o->token, "the enrolment token")->required();
  en->add_option("--ca-fingerprint", o->ca_fingerprint, "the agents' CA fingerprint (SHA-256) the console shows")->required();
  en->add_option("--state", o->state_dir, "the agent's state folder");
  en->add_option("--name", o->name, "the host's name (default: its hostname)");
  auto state = std::make_shared<std::string>("/var/lib/wardsec-agent");
  auto* run = cli.command(grp, "run", "run the agent until stopped", [state](Config&) {
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    return agent::run(*state, g_stop);
  });
  run->add_option("--state", *state, "the agent's state folder");
  auto* st = cli.command(grp, "status", "the agent's last status (JSON)", [state](Config&) {
    std::printf("%s\n", agent::status(*state).c_str());
    return 0;
  });
  st->add_option("--state", *state, "the agent's state folder");
}

}  // namespace wardsec::cli
