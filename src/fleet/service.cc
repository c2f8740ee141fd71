#include "fleet/service.h"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "core/datadir.h"
#include "core/fields.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "fleet/json_get.h"
#include "fleet/service_detail.h"
#include "ingest/pipeline.h"
#include "parse/parser.h"
#include "store/crypto.h"

namespace wardsec::fleet {
using json = nlohmann::json;
using namespace detail;

namespace detail {

std::string err(const std::string& m) { return json{{"error", m}}.dump(-1, ' ', false, json::error_handler_t::replace); }
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

void logged(const Status& s, const char* what) {
  if (!s) spdlog::warn("agents: {}: {}", what, s.error());
}

}  // namespace detail

bool known_action(const std::string& a) { return a == "block_ip" || a == "disable_account" || a == "kill_process"; }

Service::~Service() = default;

Result<std::unique_ptr<Service>> Service::open(ServiceOptions o) {
  std::unique_ptr<Service> s(new Service(std::move(o)));
  auto ca = AgentCa::open(s->opt_.key_dir);
  if (!ca) return Error{ca.error()};
  s->ca_ = std::move(*ca);
  auto reg = Registry::open(DataDir(s->opt_.data_dir).fleet_db());
  if (!reg) return Error{reg.error()};
  s->reg_ = std::move(*reg);
  if (!s->reg_->group("default")) {
    auto v = s->reg_->set_group_config("default", agent_config_json(AgentConfig{}), "wardsec", now_ns());
    if (!v) return Error{v.error()};
  }
  if (!s->opt_.parsers) {
    s->own_parsers_ = std::make_shared<ParserRegistry>();
    register_builtin_parsers(*s->own_parsers_);
  }
  return s;
}

bool Service::allowed(const std::string& ip) {
  std::lock_guard g(mu_);
  int64_t minute = now_ns() / 60000000000LL;
  auto& [m, n] = attempts_[ip];
  if (m != minute) {
    m = minute;
    n = 0;
  }
  if (attempts_.size() > 10000) attempts_.clear();
  return n < 10;
}

void Service::handle(const AgentRequest& r, const Reply& reply) {
  requests++;
  if (r.path == "/agent/v1/enroll") return enroll(r, reply);
  // The agents' CA, for an agent about to enrol: it checks the fingerprint the console showed.
  if (r.path == "/agent/v1/ca") return reply(200, dump(json{{"ca", ca_->cert_pem()}, {"fingerprint", ca_->fingerprint()}}));
  if (r.serial.empty()) {
    refused++;
    return reply(401, err("需要代理证书 / an agent certificate is required"));
  }
  auto a = reg_->agent_by_serial(r.serial);
  if (!a || a->revoked) {
    refused++;
    audit("agent_refused", "agent", a ? a->id : "serial " + r.serial, false, a ? "revoked" : "unknown certificate");
    return reply(403, err(a ? "代理已被吊销 / this agent has been revoked" : "未知的代理证书 / unknown agent certificate"));
  }
  if (r.path == "/agent/v1/heartbeat") return heartbeat(*a, r, reply);
  if (r.path == "/agent/v1/logs") return logs(*a, r, reply);
  if (r.path == "/agent/v1/report") return report(*a, r, reply);
  reply(404, err("no such endpoint: " + r.path));
}

void Service::enroll(const AgentRequest& r, const Reply& reply) {
  if (!allowed(r.ip)) return reply(429, err("注册尝试过多，请稍后再试 / too many enrolment attempts; wait a minute"));
  json j = json::parse(r.body, nullptr, false);
  std::string token = json_text(j, "token", 200), name = json_text(j, "name", 253), csr = json_text(j, "csr", 8192);
  auto fail = [&](const std::string& why) {
    {
      std::lock_guard g(mu_);
      attempts_[r.ip].second++;
    }
    enroll_failures++;
    audit("agent_enroll", "agent", name.empty() ? r.ip : name, false, r.ip + ": " + why);
    reply(400, err(why));
  };
  if (name.empty() || !valid_utf8(name) || name.find_first_of(" \t\r\n/\\") != std::string::npos)
    return fail("name: 须为主机名 / must be the host's name");
  if (csr.empty()) return fail("csr: 缺少证书请求 / the certificate request is missing");
  int64_t now = now_ns();
  auto group = reg_->use_token(token, now / 1000000000);
  if (!group) return fail(group.error());
  unsigned char raw[8];
  RAND_bytes(raw, sizeof raw);
  std::string id = "ag-" + hex(raw, sizeof raw);
  auto cert = ca_->sign_agent(csr, id, opt_.cert_days);
  if (!cert) return fail(cert.error());
  auto info = cert_info(*cert);
  if (!info) return fail(info.error());
  AgentRow a;
  a.id = id;
  a.name = name;
  a.ip = r.ip;
  a.group = *group;
  a.serial = info->serial;
  a.fingerprint = info->fingerprint;
  a.enrolled = now;
  a.cert_expires = info->not_after;
  a.version = json_text(j, "version", 64);
  a.os = json_text(j, "os", 200);
  if (Status s = reg_->add_agent(a); !s) return reply(500, err(s.error()));
  audit("agent_enroll", "agent", id, true, name + " from " + r.ip + ", group " + *group);
  json out = {{"id", id},
              {"cert", *cert},
              {"ca", ca_->cert_pem()},
              {"center_key", opt_.sign_key ? opt_.sign_key->public_pem() : ""},
              {"center_key_alg", opt_.sign_key ? std::string(sign_alg_name(opt_.sign_key->alg())) : ""},
              {"group", *group}};
  // The group's configuration, signed: the agent runs it from its first start, never the defaults.
  if (auto g = reg_->group(*group)) out["config"] = json::parse(signed_config(*g));
  reply(200, dump(out));
}

std::string Service::signed_config(const GroupRow& g) const {
  std::string msg = config_message(g.name, g.version, g.config);
  std::string sig;
  if (opt_.sign_key)
    if (auto s = opt_.sign_key->sign(msg)) sig = hex(s->data(), s->size());
  return dump(json{{"group", g.name}, {"version", g.version}, {"config", g.config}, {"sig", sig}});
}

void Service::heartbeat(const AgentRow& a, const AgentRequest& r, const Reply& reply) {
  json j = json::parse(r.body, nullptr, false);
  if (!j.is_object()) return reply(400, err("body: 须为 JSON 对象 / must be a JSON object"));
  int64_t now = now_ns();
  json status = json::object();
  for (const char* k :
       {"spool_bytes", "spool_records", "spool_full", "lag_seconds", "files", "fim_files", "fim_watches", "fim_unwatched", "fim_skipped",
        "fim_events", "fim_coalesced", "fim_dropped", "lines_read", "lines_sent", "send_failures", "rss_kib", "cpu_ms", "uptime_seconds"})
    if (j.contains(k) && j[k].is_number()) status[k] = json_int(j, k);
  for (const char* k : {"whodata", "journald", "last_error"})
    if (j.contains(k) && j[k].is_string()) status[k] = json_text(j, k, 500);
  int64_t cfg_version = json_int(j, "config_version");
  logged(reg_->seen(a.id, r.ip, json_text(j, "version", 64), json_text(j, "os", 200), json_text(j, "kernel", 200), dump(status),
                    cfg_version, now),
         "seen");
  // The results of responses the agent ran.
  if (auto it = j.find("responses"); it != j.end() && it->is_array())
    for (const auto& x : *it) {
      int64_t id = json_int(x, "id");
      auto row = reg_->response(id);
      if (!row || row->agent != a.id) continue;  // an agent reports only its own
      std::string state = json_text(x, "state", 20), result = json_text(x, "result", 2000);
      if (state != "done" && state != "failed" && state != "reverted") continue;
      logged(reg_->set_response_state(id, state, result, now), "set_response_state");
      json raw = {{"@timestamp", format_rfc3339(now)},
                  {"event.dataset", "agent.response"},
                  {"response", id},
                  {"action", row->action},
                  {"args", row->args},
                  {"state", state},
                  {"result", result}};
      std::vector<Event> v;
      v.push_back(agent_event(a, "agent.response", row->action, dump(raw), now));
      v.back().set(kEventOutcome, state == "failed" ? "failure" : "success");
      store(std::move(v), nullptr);
      audit("agent_response_" + state, "agent", a.id, state != "failed", row->action + " " + row->args + ": " + result);
    }
  json out = {{"time", now}};
  // The agent's group's configuration, when the agent runs another (version, or group: it was moved).
  if (auto g = reg_->group(a.group); g && (g->version != cfg_version || json_text(j, "config_group", 64) != g->name))
    out["config"] = json::parse(signed_config(*g));
  json pend = json::array();
  for (const auto& p : reg_->pending_responses(a.id)) {
    pend.push_back({{"id", p.id}, {"action", p.action}, {"args", json::parse(p.args, nullptr, false)}, {"revert_of", p.revert_of}});
    if (p.state == "pending") logged(reg_->set_response_state(p.id, "sent", "", now), "set_response_state");
  }
  out["responses"] = pend;
  if (auto t = reg_->trusted(a.id)) {
    std::string msg = "wardsec-trusted\n" + a.id + "\n" + std::to_string(t->adopted) + "\n" + t->files;
    std::string sig;
    if (opt_.sign_key)
      if (auto s = opt_.sign_key->sign(msg)) sig = hex(s->data(), s->size());
    out["trusted"] = {{"adopted", t->adopted}, {"files", t->files}, {"sig", sig}};
  }
  reply(200, dump(out));
}

Event Service::agent_event(const AgentRow& a, const char* dataset, const std::string& action, const std::string& raw, int64_t now) const {
  static const FieldId id = FieldRegistry::intern("agent.id"), name = FieldRegistry::intern("agent.name");
  Event ev;
  ev.raw = raw;
  ev.ts = ev.received = now;
  ev.set(kEventDataset, dataset);
  ev.set(kEventModule, "agent");
  ev.set(kEventAction, action);
  ev.set(kHostName, a.name);
  ev.set(id, a.id);
  ev.set(name, a.name);
  return ev;
}

void Service::store(std::vector<Event>&& evs, std::function<void(bool)> done) {
  if (!opt_.pipeline) {
    if (done) done(false);
    return;
  }
  ingest::RawBatch b;
  b.input = "agent";
  b.decoded = std::move(evs);
  b.on_durable = std::move(done);
  if (!b.on_durable) {
    opt_.pipeline->submit(std::move(b));  // waits for room: the center's own record of what agents said
    return;
  }
  if (!opt_.pipeline->try_submit(b)) b.on_durable(false);
}

void Service::logs(const AgentRow& a, const AgentRequest& r, const Reply& reply) {
  json j = json::parse(r.body, nullptr, false);
  int64_t seq = json_int(j, "seq");
  auto lines = j.is_object() ? j.find("lines") : j.end();
  if (seq <= 0 || lines == j.end() || !lines->is_array() || lines->empty())
    return reply(400, err("body: 须含 seq 与 lines / needs seq and lines"));
  int64_t last = seq + static_cast<int64_t>(lines->size()) - 1;
  {
    std::lock_guard g(mu_);
    if (in_flight_.count(a.id)) return reply(409, err("上一批尚未存储完成 / the previous batch is still being stored; retry"));
    in_flight_[a.id] = last;
  }
  auto release = [this, id = a.id] {
    std::lock_guard g(mu_);
    in_flight_.erase(id);
  };
  // A batch sent again (its answer was lost): what is already stored is not stored twice.
  int64_t have = reg_->agent(a.id).value_or(a).log_seq;
  if (last <= have) {
    release();
    logs_dup += lines->size();
    return reply(200, dump(json{{"acked", last}}));
  }
  int tz = static_cast<int>(std::clamp<int64_t>(json_int(j, "tz"), -14 * 3600, 14 * 3600));
  if (!j.contains("tz")) tz = opt_.tz_sec;
  Decoder dec(opt_.parsers ? opt_.parsers.get() : own_parsers_.get());
  static const FieldId agent_id = FieldRegistry::intern("agent.id"), agent_name = FieldRegistry::intern("agent.name"),
                       file = FieldRegistry::intern("log.file.path");
  std::vector<Event> evs;
  int64_t now = now_ns(), n = seq - 1;
  for (const auto& l : *lines) {
    n++;
    if (n <= have) {
      logs_dup++;
      continue;
    }
    std::string m = json_text(l, "m", Decoder::kMaxMessage);
    Event ev;
    ev.raw = m;
    ev.received = now;
    if (m.size() == Decoder::kMaxMessage) ev.flags |= kTruncated;
    ParseContext ctx;
    ctx.received = now;
    ctx.tz_sec = tz;
    dec.decode(ev, ctx);
    if (!ev.has(kHostName)) ev.set(kHostName, a.name);
    ev.set(agent_id, a.id);
    ev.set(agent_name, a.name);
    if (std::string f = json_text(l, "f", 4096); !f.empty()) ev.set(file, f);
    evs.push_back(std::move(ev));
  }
  size_t count = evs.size();
  ingest::RawBatch b;
  b.input = "agent";
  b.source = r.ip;
  b.decoded = std::move(evs);
  b.on_durable = [this, id = a.id, last, reply, release, count](bool ok) {
    if (ok) {
      logged(reg_->set_log_seq(id, last), "set_log_seq");
      logs_in += count;
    }
    release();
    if (ok)
      reply(200, dump(json{{"acked", last}}));
    else
      reply(503, err("事件存储失败，请重试 / the event store failed; retry"));
  };
  if (!opt_.pipeline || !opt_.pipeline->try_submit(b)) {
    release();
    return reply(503, err("接收队列已满，请稍后重试 / the ingest queue is full; retry"));
  }
}

void Service::audit(const std::string& action, const std::string& who, const std::string& target, bool ok, const std::string& detail) {
  if (!opt_.record) return;
  int64_t now = now_ns();
  json raw = {{"@timestamp", format_rfc3339(now)},
              {"event.dataset", "wardsec.fleet"},
              {"event.action", action},
              {"user.name", who},
              {"target", target},
              {"event.outcome", ok ? "success" : "failure"},
              {"detail", detail}};
  Event ev;
  ev.raw = dump(raw);
  ev.ts = ev.received = now;
  ev.set(kEventDataset, "wardsec.fleet");
  ev.set(kEventModule, "wardsec");
  ev.set(kEventCategory, "configuration");
  ev.set(kEventAction, action);
  ev.set(kEventOutcome, ok ? "success" : "failure");
  ev.set(kUserName, who);
  ev.set(kMessage, "wardsec " + action + (ok ? " ok" : " failed") + " by " + who + " on " + target + (detail.empty() ? "" : ": " + detail));
  opt_.record(std::move(ev));
}

}  // namespace wardsec::fleet
