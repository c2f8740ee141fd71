// Messages of the center's duties to the people who do them (消息): the data self-check's result
// and scheduled reports go into the console's message list (<data>/ops/messages.json, the last
// 500, each read or unread per account), by mail (the alert outputs' mail server, attachments
// included) and to WeCom (企业微信) or DingTalk (钉钉) group robots. Delivery is synchronous: the
// daily jobs that call it run on their own thread.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "alert/delivery.h"
#include "core/result.h"

namespace wardsec::ops {

struct Recipients {
  std::vector<std::string> mail;
  std::string wecom;            // https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...
  std::string dingtalk;         // https://oapi.dingtalk.com/robot/send?access_token=...
  std::string dingtalk_secret;  // 加签 (SEC...)
  bool empty() const { return mail.empty() && wecom.empty() && dingtalk.empty(); }
};
// Checked (mail addresses, https:// robots); errors name the field under `where`.
Result<Recipients> recipients_from_json(const nlohmann::json& j, const std::string& where);
// `secrets`: the robots' URLs (their keys) and the DingTalk secret in clear; else masked.
nlohmann::json to_json(const Recipients& r, bool secrets);

struct Message {
  std::string kind;   // datacheck, report
  std::string title;  // one line
  std::string text;
  std::string link;  // a console path ("/ops"), shown with the message
  std::vector<alert::Attachment> files;
};

class Notifier {
 public:
  Notifier(std::string data_dir, alert::MailServer mail, alert::Transport transport, std::string console_url);
  // Into the console's messages, then to each recipient. The failures, each naming its channel
  // (empty: all delivered).
  std::vector<std::string> send(const Message& m, const Recipients& to, int64_t now);

  // The console's messages, newest first, with `user`'s read marks; and marking them read.
  static nlohmann::json inbox(const std::string& data_dir, const std::string& user, size_t limit);
  static Status mark_read(const std::string& data_dir, const std::string& user, const std::vector<int64_t>& ids);
  // The recipients of the system administrator's messages (<data>/ops/notify.json "sysadmin").
  static Result<Recipients> sysadmin(const std::string& data_dir);

 private:
  std::string data_dir_;
  alert::MailServer mail_;
  alert::Transport transport_;
  std::string console_url_;
};

}  // namespace wardsec::ops
