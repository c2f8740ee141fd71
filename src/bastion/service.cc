#include "bastion/service.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/datadir.h"
#include "core/fields.h"
#include "core/strutil.h"
#include "core/timeutil.h"

namespace wardsec::bastion {

namespace {

// The rules a new bastion starts with (the console changes them): destructive system
// commands are refused, destructive SQL waits for a security administrator, bulk exports and
// transfers out raise an alert.
const CommandRule kDefaults[] = {
    {0, 10, "高危系统命令禁止 / dangerous system commands denied", "group", "dangerous", Action::kDeny, {}, {}, true},
    {0, 20, "破坏性 SQL 需审批 / destructive SQL needs approval", "group", "sql-destructive", Action::kReview, {}, {}, true},
    {0, 30, "批量导出告警 / bulk export alerts", "group", "data-export", Action::kAlert, {}, {}, true},
    {0, 40, "外发传输告警 / transfers out alert", "group", "remote-transfer", Action::kAlert, {}, {}, true},
};

}  // namespace

Result<std::unique_ptr<Service>> Service::open(Options opt, const std::string& data_dir, const std::string& key_dir, server::Auth* auth,
                                               Emit emit) {
  std::unique_ptr<Service> s(new Service());
  s->opt_ = std::move(opt);
  s->auth_ = auth;
  s->emit_ = std::move(emit);
  s->key_dir_ = key_dir;
  DataDir dd(data_dir);
  s->recordings_ = dd.recordings();
  std::error_code ec;
  std::filesystem::create_directories(s->recordings_, ec);
  std::filesystem::permissions(s->recordings_, std::filesystem::perms::owner_all, ec);
  auto db = Db::open(dd.bastion_db(), key_dir);
  if (!db) return Error{"bastion: " + db.error()};
  s->db_ = std::move(*db);
  auto groups = load_groups(s->opt_.groups);
  if (!groups) return Error{"bastion.groups: " + groups.error()};
  s->groups_ = std::move(*groups);
  if (s->db_->meta("defaults") != "1") {
    for (const auto& r : kDefaults)
      if (auto id = s->db_->add_rule(r); !id) return Error{"bastion: " + id.error()};
    if (Status st = s->db_->set_meta("defaults", "1"); !st) return Error{"bastion: " + st.error()};
  }
  if (Status st = s->reload(); !st) return Error{"bastion: " + st.error()};
  return s;
}

std::shared_ptr<const CommandPolicy> Service::policy() {
  std::lock_guard<std::mutex> g(mu_);
  return policy_;
}

Status Service::reload() {
  auto rules = db_->rules();
  if (!rules) return Error{rules.error()};
  auto p = CommandPolicy::compile(std::move(*rules), groups_);
  if (!p) return Error{p.error()};
  std::lock_guard<std::mutex> g(mu_);
  policy_ = std::move(*p);
  return {};
}

void Service::emit(const Fact& f) {
  if (emit_) emit_(fact_event(f, now_ns()));
}

Event fact_event(const Fact& f, int64_t now) {
  static const FieldId session = FieldRegistry::intern("wardsec.bastion.session"), account = FieldRegistry::intern("user.target.name"),
                       decision = FieldRegistry::intern("wardsec.bastion.decision"), kind = FieldRegistry::intern("event.kind"),
                       recording = FieldRegistry::intern("wardsec.bastion.recording_sha256"), file = FieldRegistry::intern("file.path"),
                       file_hash = FieldRegistry::intern("file.hash.sha256"), file_size = FieldRegistry::intern("file.size");
  nlohmann::json raw = {{"@timestamp", format_rfc3339(now)},
                        {"event.dataset", "wardsec.bastion"},
                        {"event.action", f.action},
                        {"event.outcome", f.outcome},
                        {"user.name", f.user},
                        {"source.ip", f.source_ip},
                        {"host.name", f.asset},
                        {"user.target.name", f.account},
                        {"session", f.session}};
  if (!f.command.empty()) raw["process.command_line"] = f.command;
  if (!f.rule.empty()) raw["rule.name"] = f.rule;
  if (!f.decision.empty()) raw["decision"] = f.decision;
  if (!f.file.empty()) raw["file"] = {{"path", f.file}, {"sha256", f.file_sha256}, {"size", f.file_size}};
  if (!f.recording_sha256.empty()) raw["recording_sha256"] = f.recording_sha256;
  if (!f.message.empty()) raw["message"] = f.message;
  Event ev;
  ev.raw = raw.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  ev.ts = ev.received = now;
  ev.set(kind, f.severity.empty() || f.severity == "low" ? "event" : "alert");
  ev.set(kEventDataset, "wardsec.bastion");
  ev.set(kEventModule, "bastion");
  ev.set(kEventCategory, f.category);
  ev.set(kEventAction, f.action);
  ev.set(kEventOutcome, f.outcome);
  if (!f.user.empty()) ev.set(kUserName, f.user);
  if (!f.source_ip.empty()) ev.set(kSourceIp, f.source_ip);
  if (!f.asset.empty()) ev.set(kHostName, f.asset);
  if (!f.target_ip.empty()) ev.set(kDestinationIp, f.target_ip);
  if (!f.account.empty()) ev.set(account, f.account);
  if (!f.session.empty()) ev.set(session, f.session);
  if (!f.command.empty()) ev.set(kProcessCommandLine, f.command);
  if (!f.rule.empty()) ev.set(kRuleName, f.rule);
  if (!f.decision.empty()) ev.set(decision, f.decision);
  if (!f.file.empty()) {
    ev.set(file, f.file);
    ev.set(file_hash, f.file_sha256);
    ev.set(file_size, std::to_string(f.file_size));
  }
  if (!f.recording_sha256.empty()) ev.set(recording, f.recording_sha256);
  int sev = f.severity == "critical" ? 4 : f.severity == "high" ? 3 : f.severity == "medium" ? 2 : 1;
  ev.set(kEventSeverity, std::to_string(sev));
  std::string msg = "bastion " + f.action + " " + f.outcome + " user=" + f.user + (f.asset.empty() ? "" : " asset=" + f.asset) +
                    (f.account.empty() ? "" : " account=" + f.account) + (f.command.empty() ? "" : " command=" + f.command) +
                    (f.decision.empty() ? "" : " decision=" + f.decision) + (f.message.empty() ? "" : ": " + f.message);
  ev.set(kMessage, msg);
  // A command typed on a GBK terminal (or any bytes at all) is kept byte for byte and flagged,
  // as the parsers flag such logs: the search shows it decoded, never as broken JSON.
  if (!valid_utf8(msg) || !valid_utf8(f.file)) ev.flags |= kInvalidUtf8;
  return ev;
}

}  // namespace wardsec::bastion
