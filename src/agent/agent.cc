#include "agent/agent.h"

#include <fnmatch.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "agent/client.h"
#include "agent/fim.h"
#include "agent/inventory.h"
#include "agent/outbox.h"
#include "agent/respond.h"
#include "agent/spool.h"
#include "agent/tail.h"
#include "compliance/hostcheck.h"
#include "core/files.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "core/version.h"
#include "fleet/agent_config.h"
#include "fleet/json_get.h"
#include "fleet/pki.h"
#include "store/crypto.h"

namespace wardsec::agent {
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string hostname() {
  char h[256] = "";
  ::gethostname(h, sizeof h - 1);
  return h;
}

std::string os_name(const std::string& root) {
  auto os = parse_os_release(read_file(root == "/" ? "/etc/os-release" : root + "/etc/os-release").value_or(""));
  return fleet::json_text(os, "name");
}

}  // namespace

int enroll(const EnrollOptions& o) {
  auto say = [](const std::string& m) {
    std::fprintf(stderr, "wardsec agent enroll: %s\n", m.c_str());
    return 1;
  };
  if (o.center.empty() || o.token.empty() || o.ca_fingerprint.empty()) return say("--center, --token and --ca-fingerprint are required");
  // 1. The CA, fetched without trust, must be the one the console showed.
  Client bare(o.center, "");
  auto ca = bare.post("/agent/v1/ca", "{}");
  if (!ca || ca->status != 200) return say("cannot reach " + o.center + ": " + (ca ? ca->body : ca.error()));
  json cj = json::parse(ca->body, nullptr, false);
  std::string ca_pem = fleet::json_text(cj, "ca", 65536);
  auto info = fleet::cert_info(ca_pem);
  std::string want = to_lower(o.ca_fingerprint);
  want.erase(std::remove(want.begin(), want.end(), ':'), want.end());
  if (!info || info->fingerprint != want)
    return say("中心 CA 指纹不符，拒绝注册 / the center's CA fingerprint does not match: refusing (got " +
               (info ? info->fingerprint : "none") + ")");
  // 2. Enrol over TLS verified against that CA only.
  std::string name = o.name.empty() ? hostname() : o.name;
  auto kc = fleet::make_key_and_csr(name);
  if (!kc) return say(kc.error());
  Client pinned(o.center, ca_pem);
  json req = {{"token", o.token}, {"name", name}, {"csr", kc->second}, {"version", kVersion}, {"os", os_name("/")}};
  auto r = pinned.post("/agent/v1/enroll", req.dump());
  if (!r) return say(r.error());
  json a = json::parse(r->body, nullptr, false);
  std::string id = fleet::json_text(a, "id", 64), group = fleet::json_text(a, "group", 64);
  if (r->status != 200 || id.empty() || id.find_first_of("/\\") != std::string::npos)
    return say("refused (" + std::to_string(r->status) +
               "): " + (a.is_object() && a.contains("error") ? a["error"].dump() : r->body.substr(0, 500)));
  std::error_code ec;
  fs::create_directories(o.state_dir, ec);
  ::chmod(o.state_dir.c_str(), 0700);
  for (auto [file, text] : std::initializer_list<std::pair<const char*, std::string>>{
           {"/agent.key", kc->first},
           {"/agent.crt", fleet::json_text(a, "cert", 65536)},
           {"/ca.crt", ca_pem},
           {"/center.pub", fleet::json_text(a, "center_key", 65536)},
           {"/identity.json", json{{"id", id}, {"center", o.center}, {"name", name}, {"group", group}}.dump()}})
    if (Status s = write_file_atomic(o.state_dir + file, text); !s) return say(s.error());
  // The group's configuration as the center signed it; `agent run` checks the signature.
  if (a.contains("config") && a["config"].is_object())
    if (Status s = write_file_atomic(o.state_dir + "/config.json", a["config"].dump()); !s) return say(s.error());
  std::printf("enrolled as %s (group %s); run: wardsec agent run --state %s\n", id.c_str(), group.c_str(), o.state_dir.c_str());
  return 0;
}

std::string status(const std::string& state_dir) {
  return read_file(state_dir + "/status.json").value_or("{\"error\":\"no status yet: is the agent running?\"}");
}

}  // namespace wardsec::agent
