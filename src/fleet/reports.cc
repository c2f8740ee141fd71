// What an enrolled agent reports (POST /agent/v1/report): integrity events, its inventory,
// its host checks and its trusted-verification digests. Each becomes events in the store
// (answered once durable, so the agent keeps and resends what was not), the dossier's tables,
// and the alerts that call for a person.
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "compliance/assessment.h"
#include "compliance/hostcheck.h"
#include "core/datadir.h"
#include "core/fields.h"
#include "core/timeutil.h"
#include "fleet/inventory_diff.h"
#include "fleet/service.h"
#include "fleet/service_detail.h"
#include "ops/ops_alert.h"
#include "vuln/service.h"

namespace wardsec::fleet {
using json = nlohmann::json;
using namespace detail;

namespace {

bool under(const std::string& path, std::initializer_list<const char*> dirs) {
  for (const char* d : dirs) {
    size_t n = std::strlen(d);
    if (path.compare(0, n, d) == 0 && (path.size() == n || path[n] == '/')) return true;
  }
  return false;
}

// The OSV ecosystem of an inventory's OS ("Debian:12"); "" when not one the feed knows.
std::string ecosystem(const json& os) {
  std::string id = json_text(os, "id", 40), ver = json_text(os, "version", 40);
  static const std::pair<const char*, const char*> names[] = {
      {"debian", "Debian"},       {"ubuntu", "Ubuntu"},       {"rhel", "Red Hat"}, {"rocky", "Rocky Linux"},
      {"almalinux", "AlmaLinux"}, {"openEuler", "openEuler"}, {"kylin", "Kylin"},  {"uos", "UOS"}};
  for (const auto& [k, v] : names)
    if (id == k) return ver.empty() ? v : std::string(v) + ":" + ver;
  return "";
}

}  // namespace

void Service::raise(const AgentRow& a, const char* rule, const char* zh, const char* en, const char* level, const std::string& summary,
                    const std::vector<std::string>& mlps, const std::string& key) {
  if (!opt_.alerts) return;
  int64_t now = now_ns();
  ops::AlertText t{rule, zh, en, level};
  auto al = ops::ops_alert(t, a.name, summary, now, mlps, "");
  al.dedup_key += "|" + key;
  ops::raise_alert(*opt_.alerts, opt_.outputs, al, now);
}

void Service::report(const AgentRow& a, const AgentRequest& r, const Reply& reply) {
  json j = json::parse(r.body, nullptr, false);
  std::string kind = json_text(j, "kind", 20);
  int64_t now = now_ns();
  std::vector<Event> evs;
  if (kind == "fim") {
    auto it = j.find("events");
    if (it == j.end() || !it->is_array()) return reply(400, err("events: 须为列表 / must be a list"));
    std::vector<FimRow> rows;
    for (const auto& e : *it) {
      std::string path = json_text(e, "path", 4096), action = json_text(e, "action", 20);
      if (path.empty() || action.empty()) continue;
      json detail = e;
      detail.erase("path");
      detail.erase("action");
      rows.push_back({0, now, a.id, path, action, dump(detail)});
      json raw = e;
      raw["@timestamp"] = format_rfc3339(now);
      raw["event.dataset"] = "agent.fim";
      Event ev = agent_event(a, "agent.fim", action, dump(raw), now);
      ev.set(kEventCategory, "file");
      ev.set(kFilePath, path);
      if (e.contains("after") && e["after"].is_object()) {
        if (std::string h = json_text(e["after"], "sha256", 64); !h.empty()) ev.set("file.hash.sha256", h);
        if (std::string h = json_text(e["after"], "sm3", 64); !h.empty()) ev.set("file.hash.sm3", h);
      }
      if (e.contains("who") && e["who"].is_object()) {
        if (std::string u = json_text(e["who"], "user", 64); !u.empty()) ev.set(kUserName, u);
        if (std::string x = json_text(e["who"], "exe", 4096); !x.empty()) ev.set("process.executable", x);
        if (int64_t pid = json_int(e["who"], "pid")) ev.set("process.pid", std::to_string(pid));
      }
      ev.set(kMessage, "integrity: " + path + " " + action);
      evs.push_back(std::move(ev));
      if (action == "baseline") continue;
      bool system = under(path, {"/bin", "/sbin", "/usr/bin", "/usr/sbin", "/boot", "/lib", "/usr/lib", "/lib64"});
      std::string who = e.contains("who") ? json_text(e["who"], "user", 64) : "";
      // One alert per folder: a flood (an archive unpacked in a web root) is one alert counting
      // its changes, not thousands.
      raise(a, "wardsec.agent.fim_change", system ? "系统程序文件被修改" : "受监控文件发生变化",
            system ? "A system program file changed" : "A monitored file changed", system ? "high" : "low",
            a.name + ": " + path + " " +
                (action == "more" ? "另有 " + std::to_string(json_int(e, "count")) + " 项变化未逐一列出 / " +
                                        std::to_string(json_int(e, "count")) + " more changes not itemised"
                                  : action + (who.empty() ? "" : " (" + who + ")") + " / "),
            {"CE.DI.b", "CE.IPS.f"}, path.substr(0, path.rfind('/')));
    }
    logged(reg_->add_fim(rows), "add_fim");
  } else if (kind == "inventory") {
    auto it = j.find("snapshot");
    if (it == j.end() || !it->is_object()) return reply(400, err("snapshot: 须为对象 / must be an object"));
    std::string snap = dump(*it);
    auto before = reg_->inventory(a.id);
    auto changes = before ? diff_inventory(before->second, snap) : std::vector<InventoryChange>{};
    std::vector<ChangeRow> rows;
    for (const auto& c : changes) {
      rows.push_back({0, now, a.id, c.kind, c.change, c.item, c.detail});
      json raw = {{"@timestamp", format_rfc3339(now)},
                  {"event.dataset", "agent.inventory"},
                  {"kind", c.kind},
                  {"change", c.change},
                  {"item", c.item},
                  {"detail", c.detail}};
      Event ev = agent_event(a, "agent.inventory", c.kind + "_" + c.change, dump(raw), now);
      ev.set(kMessage, "inventory: " + c.kind + " " + c.change + " " + c.item + (c.detail.empty() ? "" : " (" + c.detail + ")"));
      evs.push_back(std::move(ev));
      if (c.severity.empty() || c.change != "added") continue;
      if (c.kind == "admin")
        raise(a, "wardsec.agent.new_admin", "主机新增管理员账号", "A new administrator account on a host", "high",
              a.name + ": " + c.item + " / ", {"CE.AC.d", "CE.AC.c"}, c.item);
      else if (c.kind == "port")
        raise(a, "wardsec.agent.new_port", "主机新增监听端口", "A new listening port on a host", "medium",
              a.name + ": " + c.item + (c.detail.empty() ? "" : " (" + c.detail + ")") + " / ", {"CE.IPS.b"}, c.item);
      else if (c.kind == "sudo" || c.kind == "task")
        raise(a, "wardsec.agent.config_added", c.kind == "sudo" ? "主机新增 sudo 授权" : "主机新增计划任务",
              c.kind == "sudo" ? "A new sudo rule on a host" : "A new scheduled task on a host", "medium", a.name + ": " + c.item + " / ",
              {"CE.AC.d", "CE.IPS.f"}, c.kind + c.item);
      else if (c.kind == "user")
        raise(a, "wardsec.agent.new_user", "主机新增账号", "A new account on a host", "low", a.name + ": " + c.item + " / ", {"CE.AC.c"},
              c.item);
    }
    logged(reg_->set_inventory(a.id, now, snap), "set_inventory");
    logged(reg_->add_changes(rows), "add_changes");
    // The packages, for vulnerability matching (docs/vulnerabilities.md).
    std::string eco = ecosystem(it->value("os", json::object()));
    if (auto p = it->find("packages"); !eco.empty() && p != it->end() && p->is_array() && !p->empty()) {
      std::string text;
      bool deb = eco.rfind("Debian", 0) == 0 || eco.rfind("Ubuntu", 0) == 0;
      for (const auto& x : *p) {
        std::string n = json_text(x, "name", 200), v = json_text(x, "version", 200), s = json_text(x, "source", 200);
        if (n.empty() || v.empty() || n.find_first_of(" \n") != std::string::npos || v.find_first_of(" \n") != std::string::npos) continue;
        text +=
            deb ? "Package: " + n + "\nStatus: install ok installed\n" + (s.empty() ? "" : "Source: " + s + "\n") + "Version: " + v + "\n\n"
                : n + " " + v + "\n";
      }
      vuln::ImportMeta meta{"agent " + a.id, "", "agent:" + a.id, now, opt_.tz_sec};
      vuln::Options vo;
      vo.tz_sec = opt_.tz_sec;
      std::string today = format_rfc3339(now + static_cast<int64_t>(opt_.tz_sec) * 1000000000LL).substr(0, 10);
      auto t = vuln::take_inventory(DataDir(opt_.data_dir), a.ip, a.name, eco, text, meta, vo, today);
      if (!t) spdlog::warn("agent {}: package inventory not matched: {}", a.id, t.error());
    }
  } else if (kind == "checks") {
    auto it = j.find("results");
    if (it == j.end() || !it->is_array()) return reply(400, err("results: 须为列表 / must be a list"));
    logged(reg_->set_checks(a.id, now, dump(*it)), "set_checks");
    auto assets = vuln::load_assets(DataDir(opt_.data_dir), {});
    std::string system = assets ? assets->resolve(a.ip, a.name).system : "";
    std::unique_ptr<compliance::Assessments> as;
    if (!system.empty())
      if (auto o = compliance::Assessments::open(DataDir(opt_.data_dir).compliance_db())) as = std::move(*o);
    for (const auto& c : *it) {
      std::string id = json_text(c, "id", 100), result = json_text(c, "result", 10);
      if (id.empty()) continue;
      json raw = c;
      raw["@timestamp"] = format_rfc3339(now);
      raw["event.dataset"] = "agent.checks";
      Event ev = agent_event(a, "agent.checks", id, dump(raw), now);
      ev.set(kEventOutcome, result == "fail" ? "failure" : result == "pass" ? "success" : "unknown");
      ev.set(kMessage, "host check " + id + ": " + result);
      evs.push_back(std::move(ev));
      // Evidence for the host's graded system, for each item the check supports.
      if (as)
        for (const auto& hc : compliance::host_checks())
          if (id == hc.id)
            for (const auto& item : hc.requirements)
              logged(as->add_evidence({system, item, "check", id + "@" + a.name + " (agent " + a.id + ")", dump(c), now}), "add_evidence");
    }
  } else if (kind == "trusted") {
    auto it = j.find("files");
    if (it == j.end() || !it->is_array()) return reply(400, err("files: 须为列表 / must be a list"));
    // Canonical: path -> digest, sorted (the baseline as the center signs it).
    std::map<std::string, std::string> now_files;
    for (const auto& f : *it) {
      std::string p = json_text(f, "path", 4096), d = json_text(f, "sm3", 64) + ":" + json_text(f, "sha256", 64);
      bool missing = f.contains("missing") && f["missing"].is_boolean() && f["missing"].get<bool>();
      if (!p.empty()) now_files[p] = missing ? "missing" : d;
    }
    json cur = json::object();
    for (const auto& [p, d] : now_files) cur[p] = d;
    auto base = reg_->trusted(a.id);
    json result = {{"checked", now_files.size()}, {"mismatch", json::array()}};
    if (!base) {
      logged(reg_->set_trusted_baseline(a.id, dump(cur), "first report", now), "set_trusted_baseline");
      audit("agent_trusted_baseline", "agent", a.id, true, std::to_string(now_files.size()) + " files, adopted at first report");
    } else {
      json b = json::parse(base->files, nullptr, false);
      if (!b.is_object()) b = json::object();
      for (const auto& [p, d] : now_files) {
        auto bi = b.find(p);
        std::string want = bi != b.end() && bi->is_string() ? bi->get<std::string>() : "";
        if (want.empty() || want != d) result["mismatch"].push_back({{"path", p}, {"expected", want}, {"found", d}});
      }
      for (const auto& [p, d] : b.items())
        if (!now_files.count(p))
          result["mismatch"].push_back({{"path", p}, {"expected", d.is_string() ? d.get<std::string>() : ""}, {"found", "not reported"}});
    }
    logged(reg_->set_trusted_result(a.id, dump(result), now), "set_trusted_result");
    json raw = result;
    raw["@timestamp"] = format_rfc3339(now);
    raw["event.dataset"] = "agent.trusted";
    Event ev = agent_event(a, "agent.trusted", result["mismatch"].empty() ? "trusted_ok" : "trusted_mismatch", dump(raw), now);
    ev.set(kEventOutcome, result["mismatch"].empty() ? "success" : "failure");
    evs.push_back(std::move(ev));
    for (const auto& m : result["mismatch"])
      raise(a, "wardsec.agent.trusted_mismatch", "可信验证失败：关键文件与基线不符",
            "Trusted verification failed: a critical file differs from its baseline", "critical",
            a.name + ": " + json_text(m, "path", 4096) + " / ", {"CE.TRU.a"}, json_text(m, "path", 4096));
  } else {
    return reply(400, err("kind: 须为 fim、inventory、checks 或 trusted / must be fim, inventory, checks or trusted"));
  }
  size_t n = evs.size();
  if (n == 0) return reply(200, "{\"stored\":0}");
  store(std::move(evs), [reply, n](bool ok) {
    if (ok)
      reply(200, "{\"stored\":" + std::to_string(n) + "}");
    else
      reply(503, err("事件存储失败，请重试 / the event store failed; retry"));
  });
}

}  // namespace wardsec::fleet
