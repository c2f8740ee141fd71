// The monthly 运维审计报告 (issue #16): what went through the bastion in one month — sessions by
// operator and by asset, the denied, reviewed and alerted commands (the high-risk operations),
// file transfers, sessions that ran outside the operator's granted time windows, and host
// accounts nobody used — read from the bastion's record (bastion.db), which nobody can delete from.
#include <algorithm>
#include <map>
#include <set>

#include "bastion/model.h"
#include "core/timeutil.h"
#include "report/common.h"
#include "report/report.h"

namespace wardsec::report {

using namespace detail;

namespace {

struct Tally {
  uint64_t sessions = 0, commands = 0, denied = 0, transfers = 0;
  int64_t seconds = 0;
  std::set<std::string> other;  // assets (per operator) or operators (per asset)
};

std::string hours(int64_t s) { return fixed(static_cast<double>(s) / 3600.0, 1); }

std::string action_word(const std::string& a, const Words& L) {
  if (a == "deny") return "<span class=\"bad\">" + L("拒绝", "denied") + "</span>";
  if (a == "review") return L("审批后执行", "approved, ran");
  if (a == "alert") return L("告警", "alerted");
  return escape_html(a);
}

// The grant action a session's kind needed.
std::vector<std::string> actions_of(const std::string& kind) {
  if (kind == "ssh-exec") return {"exec"};
  if (kind == "sftp") return {"sftp_upload", "sftp_download"};
  return {"shell"};
}

}  // namespace

Result<std::string> bastion_month_html(bastion::Db& db, const Sources& src, int year, int month, const std::string& lang) {
  Words L{lang == "en"};
  int64_t from = 0, to = 0;
  if (Status r = month_range(year, month, src.tz_sec, from, to); !r) return Error{r.error()};

  // Every session that started this month (paged: the record hands out 1000 at a time).
  std::vector<bastion::SessionRecord> sessions;
  for (size_t off = 0;; off += 1000) {
    bastion::SessionFilter f;
    f.from = from, f.to = to, f.limit = 1000, f.offset = off;
    auto page = db.sessions(f);
    if (!page) return Error{page.error()};
    sessions.insert(sessions.end(), page->begin(), page->end());
    if (page->size() < 1000) break;
  }
  std::reverse(sessions.begin(), sessions.end());  // oldest first
  std::map<std::string, Tally> by_user, by_asset;
  std::map<std::string, uint64_t> by_kind;
  std::set<std::string> used;  // account@asset
  std::string outside;
  uint64_t n_outside = 0, n_ended_by_admin = 0, n_failed = 0;
  int64_t now = now_ns();
  for (const auto& s : sessions) {
    int64_t end = s.ended ? s.ended : now;
    int64_t secs = std::max<int64_t>(0, (end - s.started) / kSec);
    for (auto* t : {&by_user[s.user], &by_asset[s.asset]}) {
      t->sessions++;
      t->seconds += secs;
      (s.kind == "sftp" ? t->transfers : t->commands) += static_cast<uint64_t>(s.commands);
      t->denied += static_cast<uint64_t>(s.denied);
    }
    by_user[s.user].other.insert(s.asset);
    by_asset[s.asset].other.insert(s.user);
    by_kind[s.kind]++;
    used.insert(s.account + "@" + s.asset);
    if (!s.ended_by.empty()) n_ended_by_admin++;
    if (s.state == "failed") n_failed++;
    // Outside the window: at its start or its end, no grant (as they stand now) allows this
    // operator this account for this kind of session.
    auto allowed_at = [&](int64_t t) {
      for (const auto& act : actions_of(s.kind)) {
        auto ok = db.allowed(s.user, act, t, src.tz_sec);
        if (ok &&
            std::any_of(ok->begin(), ok->end(), [&](const auto& p) { return p.first.asset == s.asset && p.first.username == s.account; }))
          return true;
      }
      return false;
    };
    bool start_ok = allowed_at(s.started), end_ok = allowed_at(end - kSec);
    if (!start_ok || !end_ok) {
      n_outside++;
      if (n_outside <= 300)
        outside += "<tr><td>" + local_time(s.started, src.tz_sec) + "</td><td>" + (s.ended ? local_time(s.ended, src.tz_sec) : "—") +
                   "</td><td>" + escape_html(s.user) + "</td><td>" + escape_html(s.account + "@" + s.asset) + "</td><td>" +
                   (start_ok ? L("结束时已超出授权时段或授权已变更", "ran past its window, or the grant changed")
                             : L("开始时不在现行授权内", "not within a current grant at its start")) +
                   "</td></tr>";
    }
  }
  auto flagged = db.flagged_commands(from, to, 2000);
  if (!flagged) return Error{flagged.error()};
  auto accounts = db.accounts();
  if (!accounts) return Error{accounts.error()};

  char title[96];
  std::snprintf(title, sizeof title, L.en ? "%04d-%02d" : "%04d 年 %d 月", year, month);
  std::string o = "<div class=\"cover\"><h1>" + escape_html(src.organization) + "<br>" + title +
                  L(" 运维审计报告", " bastion audit report (运维审计)") + "</h1><div class=\"meta\">" + L("生成时间 ", "Generated ") +
                  local_time(now, src.tz_sec) + "</div></div>";
  uint64_t n_cmd = 0, n_denied = 0;
  for (const auto& [u, t] : by_user) n_cmd += t.commands, n_denied += t.denied;
  uint64_t n_review = 0, n_alert = 0;
  for (const auto& f : *flagged) {
    n_review += f.cmd.action == "review";
    n_alert += f.cmd.action == "alert";
  }
  o += "<h2>" + L("一、概况", "1. Overview") + "</h2><p>" + L("本月经堡垒机的运维会话 ", "Sessions through the bastion this month: ") +
       std::to_string(sessions.size()) + L(" 个（", " (");
  bool first = true;
  for (const auto& [k, n] : by_kind) {
    o += (first ? "" : L("、", ", ")) + escape_html(k) + " " + std::to_string(n);
    first = false;
  }
  o += L("），运维人员 ", "); operators: ") + std::to_string(by_user.size()) + L(" 名，目标资产 ", "; assets: ") +
       std::to_string(by_asset.size()) + L(" 台；命令 ", "; commands: ") + std::to_string(n_cmd) + L(" 条，其中拒绝 ", ", denied: ") +
       std::to_string(n_denied) + L(" 条、经二次审批 ", ", approved after review: ") + std::to_string(n_review) +
       L(" 条、告警 ", ", alerted: ") + std::to_string(n_alert) + L(" 条。被管理员终止的会话 ", ". Sessions ended by an administrator: ") +
       std::to_string(n_ended_by_admin) + L(" 个，连接失败 ", "; failed: ") + std::to_string(n_failed) +
       L(" 个；超出授权时段的会话 ", "; outside the granted windows: ") + std::to_string(n_outside) + L(" 个。", ".") + "</p>";
  if (sessions.empty())
    o += "<p class=\"bad\">" +
         L("本月没有经堡垒机的运维会话：若本月有运维工作，说明运维绕过了堡垒机，请核查。",
           "No session went through the bastion this month: if maintenance was done, it bypassed the bastion; find out how.") +
         "</p>";

  auto tally_table = [&](const std::map<std::string, Tally>& m, const char* zh_key, const char* en_key, const char* zh_other,
                         const char* en_other) {
    std::vector<std::pair<std::string, Tally>> v(m.begin(), m.end());
    std::sort(v.begin(), v.end(), [](const auto& x, const auto& y) { return x.second.sessions > y.second.sessions; });
    std::string t = "<table><tr><th>" + L(zh_key, en_key) + "</th><th>" + L(zh_other, en_other) + "</th><th class=\"num\">" +
                    L("会话", "Sessions") + "</th><th class=\"num\">" + L("时长（小时）", "Hours") + "</th><th class=\"num\">" +
                    L("命令", "Commands") + "</th><th class=\"num\">" + L("文件操作", "File ops") + "</th><th class=\"num\">" +
                    L("拒绝", "Denied") + "</th></tr>";
    for (size_t i = 0; i < v.size() && i < 100; i++) {
      const auto& [k, x] = v[i];
      std::string others;
      for (const auto& s : x.other) others += (others.empty() ? "" : ", ") + escape_html(s);
      t += "<tr><td>" + escape_html(k) + "</td><td>" + others + "</td><td class=\"num\">" + std::to_string(x.sessions) +
           "</td><td class=\"num\">" + hours(x.seconds) + "</td><td class=\"num\">" + std::to_string(x.commands) +
           "</td><td class=\"num\">" + std::to_string(x.transfers) + "</td><td class=\"num" + (x.denied ? " bad" : "") + "\">" +
           std::to_string(x.denied) + "</td></tr>";
    }
    if (v.empty()) t += "<tr><td colspan=\"7\">" + L("无", "None") + "</td></tr>";
    return t + "</table>";
  };
  o += "<h2>" + L("二、按运维人员", "2. By operator") + "</h2>" + tally_table(by_user, "运维人员", "Operator", "资产", "Assets");
  o += "<h2>" + L("三、按资产", "3. By asset") + "</h2>" + tally_table(by_asset, "资产", "Asset", "运维人员", "Operators");

  o += "<h2>" + L("四、高危操作（拒绝、审批、告警的命令与文件操作）", "4. High-risk operations (denied, reviewed, alerted)") + "</h2>";
  if (flagged->empty()) {
    o += "<p>" + L("本月没有被拒绝、审批或告警的操作。", "No operation was denied, reviewed or alerted this month.") + "</p>";
  } else {
    o += "<table><tr><th>" + L("时间", "Time") + "</th><th>" + L("运维人员", "Operator") + "</th><th>" + L("目标", "Target") + "</th><th>" +
         L("命令或文件操作", "Command or file operation") + "</th><th>" + L("规则", "Rule") + "</th><th>" + L("处置", "Decision") +
         "</th></tr>";
    for (const auto& f : *flagged) {
      std::string c = f.cmd.command.size() > 400 ? f.cmd.command.substr(0, 400) + "…" : f.cmd.command;
      o += "<tr><td>" + local_time(f.cmd.ts, src.tz_sec) + "</td><td>" + escape_html(f.user) + "</td><td>" +
           escape_html(f.account + "@" + f.asset) + "</td><td class=\"sql\">" + escape_html(c) + "</td><td>" + escape_html(f.cmd.rule) +
           "</td><td>" + action_word(f.cmd.action, L) + "</td></tr>";
    }
    o += "</table>";
    if (flagged->size() >= 2000) o += "<p class=\"muted\">" + L("仅列出前 2000 条。", "The first 2000 are listed.") + "</p>";
  }

  o += "<h2>" + L("五、超出授权时段的会话", "5. Sessions outside the granted time windows") + "</h2>";
  o += outside.empty()
           ? "<p>" + L("无。", "None.") + "</p>"
           : "<table><tr><th>" + L("开始", "Started") + "</th><th>" + L("结束", "Ended") + "</th><th>" + L("运维人员", "Operator") +
                 "</th><th>" + L("目标", "Target") + "</th><th>" + L("情况", "What") + "</th></tr>" + outside + "</table>";

  o += "<h2>" + L("六、未使用的主机账号", "6. Host accounts not used") + "</h2><table><tr><th>" + L("主机账号", "Host account") +
       "</th><th>" + L("最后使用", "Last used") + "</th><th>" + L("建议", "Advice") + "</th></tr>";
  size_t n_unused = 0;
  for (const auto& acc : *accounts) {
    if (used.count(acc.username + "@" + acc.asset)) continue;
    n_unused++;
    o += "<tr><td>" + escape_html(acc.username + "@" + acc.asset) + "</td><td>" +
         (acc.last_used ? local_time(acc.last_used, src.tz_sec) : L("从未使用", "never")) + "</td><td>" +
         (acc.last_used ? L("本月未使用：确认是否仍需托管", "not used this month: is it still needed?")
                        : L("从未使用：核实后删除或停用，减少可被滥用的凭据", "never used: verify, then remove it (one credential less)")) +
         "</td></tr>";
  }
  if (n_unused == 0) o += "<tr><td colspan=\"3\">" + L("无", "None") + "</td></tr>";
  o += "</table>";
  o += "<h2>" + L("七、说明", "7. Notes") + "</h2><p>" +
       L("本报告由 wardsec 根据堡垒机的会话记录生成；会话、命令与审批记录不可删除，每个会话的录像摘要已写入防篡改存储"
         "（wardsec verify 可复核）。“超出授权时段”按现行授权判断：授权在本月内被修改过的，以修改后为准。",
         "Generated by wardsec from the bastion's record; sessions, commands and approvals cannot be deleted, and each recording's "
         "digest is sealed in the tamper-evident store (wardsec verify re-checks them). \"Outside the granted windows\" is judged "
         "against the grants as they stand now: a grant changed during the month counts as changed.") +
       "</p>";
  return month_document(L, title + L(" 运维审计报告", " bastion audit report"), o);
}

}  // namespace wardsec::report
