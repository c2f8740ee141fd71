// Delivery over the network that the alert outputs and the incident reminders share, through
// libcurl: TLS with certificate and host-name checks on every connection (TLS 1.2 or later),
// a JSON POST to https:// (http:// only to a loopback relay), and mail over SMTP with STARTTLS
// required (smtp://) or TLS from the start (smtps://), never a clear-text fallback.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace wardsec::alert {

struct Transport {
  std::string ca_file;  // PEM CA certificates that verify the receiver; "" the system's
  int timeout_ms = 5000;
};

struct MailServer {
  // "smtps://host:465" (TLS from the start) or "smtp://host:587" / "host:port" (STARTTLS,
  // required: a server that does not offer it is an error, never a clear-text fallback).
  std::string server;
  std::string from;
  std::string user, password;  // authentication (only ever inside TLS)
  std::string helo = "wardsec";
};

// POSTs `body` (JSON) to `url`; `headers` are extra "Name: value" lines. A 2xx answer is
// success; `answer` gets the response body when given.
Status post_json(const std::string& url, const std::string& body, const std::vector<std::string>& headers, const Transport& t,
                 std::string* answer = nullptr);

struct Attachment {
  std::string name;  // the file name the recipient sees (UTF-8)
  std::string type;  // application/pdf, text/html; charset=UTF-8 ...
  std::string data;
};

// Sends one UTF-8 mail (the subject RFC 2047-encoded, the body base64): plain text, or
// multipart/mixed with the attachments after the text.
Status send_mail(const MailServer& m, const std::vector<std::string>& to, const std::string& subject, const std::string& body,
                 const std::string& message_id, const std::vector<std::string>& extra_headers, const Transport& t,
                 const std::vector<Attachment>& files = {});

// A text message to a WeCom (企业微信) or DingTalk (钉钉) group robot's webhook: their JSON
// {"msgtype":"text",...}; with `secret`, DingTalk's 加签 (timestamp and HMAC-SHA256 signature in
// the URL). The robot's own error code (errcode != 0) is an error.
Status post_robot(const std::string& url, const std::string& secret, const std::string& text, const Transport& t, int64_t now_ms);
// DingTalk's signature of `timestamp_ms` (base64 HMAC-SHA256 of "timestamp\nsecret", URL-encoded).
std::string dingtalk_sign(const std::string& secret, int64_t timestamp_ms);

// "https://host:port" of a URL, for messages (never its path or query, which may hold a key).
std::string url_origin(const std::string& url);

}  // namespace wardsec::alert
