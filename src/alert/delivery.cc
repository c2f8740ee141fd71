#include "alert/delivery.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <ctime>

#include "core/strutil.h"

namespace wardsec::alert {

namespace {

struct Curl {
  CURL* h = curl_easy_init();
  curl_slist* headers = nullptr;
  curl_slist* rcpt = nullptr;
  char err[CURL_ERROR_SIZE] = {0};
  ~Curl() {
    curl_slist_free_all(headers);
    curl_slist_free_all(rcpt);
    if (h) curl_easy_cleanup(h);
  }
  void common(const Transport& t) {
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(t.timeout_ms));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(t.timeout_ms));
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https,smtp,smtps");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    if (!t.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, t.ca_file.c_str());
  }
  std::string what(CURLcode rc) const { return err[0] ? std::string(err) : std::string(curl_easy_strerror(rc)); }
};

size_t collect(char* p, size_t size, size_t n, void* out) {
  auto* s = static_cast<std::string*>(out);
  size_t k = size * n;
  if (s->size() < 65536) s->append(p, std::min(k, 65536 - s->size()));
  return k;
}

struct Reader {
  std::string_view data;
  static size_t read(char* buf, size_t size, size_t n, void* self) {
    auto* r = static_cast<Reader*>(self);
    size_t k = std::min(size * n, r->data.size());
    std::memcpy(buf, r->data.data(), k);
    r->data.remove_prefix(k);
    return k;
  }
};

// Once, before any thread uses curl.
[[maybe_unused]] const bool kCurlReady = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;

bool loopback_host(std::string_view host) { return host == "localhost" || host.starts_with("127.") || host == "::1" || host == "[::1]"; }

}  // namespace

std::string url_origin(const std::string& url) {
  auto p = url.find("://");
  if (p == std::string::npos) return url.substr(0, url.find('/'));
  auto end = url.find_first_of("/?#", p + 3);
  return url.substr(0, end);
}

Status post_json(const std::string& url, const std::string& body, const std::vector<std::string>& headers, const Transport& t,
                 std::string* answer) {
  std::string where = url_origin(url);
  bool https = starts_with(url, "https://");
  if (!https) {
    std::string host = starts_with(url, "http://") ? where.substr(7) : "";
    if (!host.empty() && host[0] == '[')
      host = host.substr(0, host.find(']') + 1);
    else
      host = host.substr(0, host.find(':'));
    if (host.empty() || !loopback_host(host))
      return Error{where + ": use https:// (http:// only to a loopback relay): notifications must not cross the network in clear"};
  }
  Curl c;
  if (!c.h) return Error{where + ": curl_easy_init failed"};
  c.common(t);
  c.headers = curl_slist_append(c.headers, "Content-Type: application/json; charset=utf-8");
  for (const auto& h : headers) c.headers = curl_slist_append(c.headers, h.c_str());
  c.headers = curl_slist_append(c.headers, "Expect:");
  std::string got;
  curl_easy_setopt(c.h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c.h, CURLOPT_USERAGENT, "wardsec");
  curl_easy_setopt(c.h, CURLOPT_HTTPHEADER, c.headers);
  curl_easy_setopt(c.h, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(c.h, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(c.h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c.h, CURLOPT_WRITEDATA, &got);
  CURLcode rc = curl_easy_perform(c.h);
  if (rc != CURLE_OK) return Error{where + ": " + c.what(rc)};
  long code = 0;
  curl_easy_getinfo(c.h, CURLINFO_RESPONSE_CODE, &code);
  if (answer) *answer = got;
  if (code < 200 || code > 299) return Error{where + ": the receiver answered HTTP " + std::to_string(code)};
  return {};
}

Status send_mail(const MailServer& m, const std::vector<std::string>& to, const std::string& subject, const std::string& body,
                 const std::string& message_id, const std::vector<std::string>& extra_headers, const Transport& t,
                 const std::vector<Attachment>& files) {
  if (m.from.empty() || to.empty()) return Error{"mail: a sender (from) and at least one recipient are required"};
  std::string url = m.server.find("://") == std::string::npos ? "smtp://" + m.server : m.server;
  if (!starts_with(url, "smtp://") && !starts_with(url, "smtps://"))
    return Error{"mail: the server must be smtps://host:port, smtp://host:port or host:port"};
  // curl names its EHLO after the URL's path: smtp://relay:587/wardsec.hospital.local.
  if (url.find('/', url.find("://") + 3) == std::string::npos) url += "/" + (m.helo.empty() ? std::string("wardsec") : m.helo);
  for (const auto& x : to)
    if (x.find_first_of("<>\r\n,") != std::string::npos || x.find('@') == std::string::npos)
      return Error{"mail: \"" + x + "\" is not a mail address"};
  Curl c;
  if (!c.h) return Error{"mail: curl_easy_init failed"};
  c.common(t);
  char date[64];
  time_t now = time(nullptr);
  tm tmv;
  gmtime_r(&now, &tmv);
  strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tmv);
  std::string msg = "From: wardsec <" + m.from + ">\r\nTo: ";
  for (size_t i = 0; i < to.size(); i++) msg += (i ? ", <" : "<") + to[i] + ">";
  msg += "\r\nSubject: =?UTF-8?B?" + base64_encode(subject) + "?=\r\nDate: " + date + "\r\nMessage-ID: <" + message_id +
         ">\r\nMIME-Version: 1.0\r\n";
  auto lines = [&](const std::string& data) {
    std::string b64 = base64_encode(data);
    for (size_t i = 0; i < b64.size(); i += 76) msg += b64.substr(i, 76) + "\r\n";
  };
  const std::string text_part = "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n";
  // The boundary: from the message id, which no part's base64 can contain (it has a '=' and a '_').
  std::string boundary = "=_wardsec_";
  for (char ch : message_id.substr(0, message_id.find('@')))
    if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-') boundary.push_back(ch);
  msg += files.empty() ? text_part : "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n";
  for (const auto& h : extra_headers) msg += h + "\r\n";
  msg += "\r\n";
  if (files.empty()) {
    lines(body);
  } else {
    msg += "--" + boundary + "\r\n" + text_part + "\r\n";
    lines(body);
    for (const auto& f : files) {
      if (f.type.find_first_of("\r\n") != std::string::npos) return Error{"mail: a bad attachment type"};
      std::string enc = "=?UTF-8?B?" + base64_encode(f.name) + "?=";
      msg += "--" + boundary + "\r\nContent-Type: " + f.type + "; name=\"" + enc + "\"\r\nContent-Transfer-Encoding: base64\r\n" +
             "Content-Disposition: attachment; filename=\"" + enc + "\"\r\n\r\n";
      lines(f.data);
    }
    msg += "--" + boundary + "--\r\n";
  }
  Reader rd{msg};
  std::string from = "<" + m.from + ">";
  for (const auto& x : to) c.rcpt = curl_slist_append(c.rcpt, ("<" + x + ">").c_str());
  curl_easy_setopt(c.h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c.h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));  // STARTTLS or fail
  curl_easy_setopt(c.h, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c.h, CURLOPT_MAIL_RCPT, c.rcpt);
  if (!m.user.empty()) {
    curl_easy_setopt(c.h, CURLOPT_USERNAME, m.user.c_str());
    curl_easy_setopt(c.h, CURLOPT_PASSWORD, m.password.c_str());
  }
  curl_easy_setopt(c.h, CURLOPT_READFUNCTION, Reader::read);
  curl_easy_setopt(c.h, CURLOPT_READDATA, &rd);
  curl_easy_setopt(c.h, CURLOPT_UPLOAD, 1L);
  CURLcode rc = curl_easy_perform(c.h);
  if (rc != CURLE_OK) return Error{"mail " + url.substr(0, url.find('/', url.find("://") + 3)) + ": " + c.what(rc)};
  return {};
}

std::string dingtalk_sign(const std::string& secret, int64_t timestamp_ms) {
  std::string msg = std::to_string(timestamp_ms) + "\n" + secret;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), mac,
       &len);
  std::string b64 = base64_encode(std::string(reinterpret_cast<char*>(mac), len)), out;
  static const char* hex = "0123456789ABCDEF";
  for (unsigned char ch : b64) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out.push_back(static_cast<char>(ch));
    } else {
      out.push_back('%');
      out.push_back(hex[ch >> 4]);
      out.push_back(hex[ch & 15]);
    }
  }
  return out;
}

Status post_robot(const std::string& url, const std::string& secret, const std::string& text, const Transport& t, int64_t now_ms) {
  std::string u = url;
  if (!secret.empty())
    u += std::string(u.find('?') == std::string::npos ? "?" : "&") + "timestamp=" + std::to_string(now_ms) +
         "&sign=" + dingtalk_sign(secret, now_ms);
  // The robots take at most a few thousand characters of text.
  std::string content = text.size() > 3800 ? text.substr(0, 3800) + "…" : text;
  std::string body =
      nlohmann::json{{"msgtype", "text"}, {"text", {{"content", content}}}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string answer;
  if (Status s = post_json(u, body, {}, t, &answer); !s) return s;
  auto j = nlohmann::json::parse(answer, nullptr, false);
  if (j.is_object() && j.contains("errcode") && j["errcode"].is_number_integer() && j["errcode"].get<int>() != 0)
    return Error{url_origin(url) + ": the robot refused the message: " + j.value("errmsg", std::string("errcode ") + j["errcode"].dump())};
  return {};
}

}  // namespace wardsec::alert
