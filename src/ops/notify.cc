#include "ops/notify.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>

#include "core/datadir.h"
#include "core/files.h"
#include "core/strutil.h"
#include "core/timeutil.h"

namespace wardsec::ops {

using nlohmann::json;

namespace {

std::mutex g_inbox_mu;  // the job appends, the console marks read
constexpr size_t kKeep = 500;

std::string inbox_path(const std::string& data_dir) { return DataDir(data_dir).ops() + "/messages.json"; }

json load_inbox(const std::string& data_dir) {
  auto t = read_file(inbox_path(data_dir));
  if (!t) return json::array();
  auto j = json::parse(*t, nullptr, false);
  return j.is_array() ? j : json::array();
}

std::string mask(const std::string& url) {
  if (url.empty()) return url;
  return alert::url_origin(url) + "/…";
}

bool https_url(const std::string& u) { return starts_with(u, "https://") && u.size() > 8 && u.size() < 2000; }

}  // namespace

Result<Recipients> recipients_from_json(const json& j, const std::string& where) {
  Recipients r;
  if (!j.is_object()) return Error{where + " 须为对象 / must be an object"};
  if (j.contains("mail")) {
    if (!j["mail"].is_array() || j["mail"].size() > 50)
      return Error{where + ".mail 须为至多 50 个邮件地址 / must be a list of at most 50 addresses"};
    for (const auto& m : j["mail"]) {
      std::string a = m.is_string() ? m.get<std::string>() : "";
      if (a.empty() || a.size() > 254 || a.find('@') == std::string::npos || a.find_first_of("<>\r\n, ;") != std::string::npos)
        return Error{where + ".mail: \"" + a + "\" 不是邮件地址 / is not a mail address"};
      r.mail.push_back(a);
    }
  }
  for (const char* k : {"wecom", "dingtalk"}) {
    if (!j.contains(k)) continue;
    std::string u = j[k].is_string() ? j[k].get<std::string>() : "";
    if (!u.empty() && !https_url(u)) return Error{where + "." + k + " 须为 https:// 地址 / must be an https:// URL"};
    (std::string(k) == "wecom" ? r.wecom : r.dingtalk) = u;
  }
  if (j.contains("dingtalk_secret")) {
    if (!j["dingtalk_secret"].is_string()) return Error{where + ".dingtalk_secret 须为字符串 / must be a string"};
    r.dingtalk_secret = j["dingtalk_secret"].get<std::string>();
  }
  return r;
}

json to_json(const Recipients& r, bool secrets) {
  return {{"mail", r.mail},
          {"wecom", secrets ? r.wecom : mask(r.wecom)},
          {"dingtalk", secrets ? r.dingtalk : mask(r.dingtalk)},
          {"dingtalk_secret", secrets ? r.dingtalk_secret : (r.dingtalk_secret.empty() ? "" : "••••")}};
}

Notifier::Notifier(std::string data_dir, alert::MailServer mail, alert::Transport transport, std::string console_url)
    : data_dir_(std::move(data_dir)), mail_(std::move(mail)), transport_(std::move(transport)), console_url_(std::move(console_url)) {}

std::vector<std::string> Notifier::send(const Message& m, const Recipients& to, int64_t now) {
  std::vector<std::string> failed;
  {
    std::lock_guard l(g_inbox_mu);
    json box = load_inbox(data_dir_);
    int64_t id = box.empty() ? 1 : box[0].value("id", int64_t{0}) + 1;
    json files = json::array();
    for (const auto& f : m.files) files.push_back(f.name);
    box.insert(box.begin(), json{{"id", id},
                                 {"ts", now / kSec},
                                 {"kind", m.kind},
                                 {"title", m.title},
                                 {"text", m.text.substr(0, 20000)},
                                 {"link", m.link},
                                 {"files", files},
                                 {"read_by", json::array()}});
    if (box.size() > kKeep) box.erase(box.begin() + kKeep, box.end());
    if (Status s = write_file_atomic(inbox_path(data_dir_), box.dump(1, ' ', false, json::error_handler_t::replace)); !s)
      failed.push_back("console: " + s.error());
  }
  std::string text = m.title + "\n\n" + m.text + (console_url_.empty() || m.link.empty() ? "" : "\n\n" + console_url_ + m.link);
  if (!to.mail.empty()) {
    if (mail_.server.empty()) {
      failed.push_back("mail: 未配置邮件服务器（alerts.smtp）/ no mail server configured (alerts.smtp)");
    } else {
      std::string id = "wardsec-" + m.kind + "-" + std::to_string(now) + "@" + (mail_.helo.empty() ? "wardsec" : mail_.helo);
      if (Status s = alert::send_mail(mail_, to.mail, m.title, text, id, {}, transport_, m.files); !s) failed.push_back(s.error());
    }
  }
  if (!to.wecom.empty())
    if (Status s = alert::post_robot(to.wecom, "", text, transport_, now / 1000000); !s) failed.push_back("wecom " + s.error());
  if (!to.dingtalk.empty())
    if (Status s = alert::post_robot(to.dingtalk, to.dingtalk_secret, text, transport_, now / 1000000); !s)
      failed.push_back("dingtalk " + s.error());
  for (const auto& f : failed) spdlog::warn("message '{}': {}", m.title, f);
  return failed;
}

json Notifier::inbox(const std::string& data_dir, const std::string& user, size_t limit) {
  std::lock_guard l(g_inbox_mu);
  json box = load_inbox(data_dir), out = json::array();
  size_t unread = 0;
  for (auto& m : box) {
    bool read = false;
    if (m.contains("read_by") && m["read_by"].is_array())
      read = std::find(m["read_by"].begin(), m["read_by"].end(), user) != m["read_by"].end();
    if (!read) unread++;
    if (out.size() < limit) {
      json x = m;
      x.erase("read_by");
      x["read"] = read;
      out.push_back(std::move(x));
    }
  }
  return {{"messages", out}, {"unread", unread}, {"total", box.size()}};
}

Status Notifier::mark_read(const std::string& data_dir, const std::string& user, const std::vector<int64_t>& ids) {
  std::lock_guard l(g_inbox_mu);
  json box = load_inbox(data_dir);
  for (auto& m : box) {
    if (!ids.empty() && std::find(ids.begin(), ids.end(), m.value("id", int64_t{0})) == ids.end()) continue;
    if (!m.contains("read_by") || !m["read_by"].is_array()) m["read_by"] = json::array();
    if (std::find(m["read_by"].begin(), m["read_by"].end(), user) == m["read_by"].end()) m["read_by"].push_back(user);
  }
  return write_file_atomic(inbox_path(data_dir), box.dump(1, ' ', false, json::error_handler_t::replace));
}

Result<Recipients> Notifier::sysadmin(const std::string& data_dir) {
  auto t = read_file(DataDir(data_dir).ops() + "/notify.json");
  if (!t) return Recipients{};
  auto j = json::parse(*t, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Error{"notify.json 不是 JSON 对象 / notify.json is not a JSON object"};
  if (!j.contains("sysadmin")) return Recipients{};
  return recipients_from_json(j["sysadmin"], "sysadmin");
}

}  // namespace wardsec::ops
