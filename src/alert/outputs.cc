#include "alert/outputs.h"

#include "alert/delivery.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>

#include <netdb.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

#include "core/strutil.h"
#include "core/timeutil.h"
#include "store/store.h"

namespace wardsec::alert {

namespace {

std::string local_hostname() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0 || !buf[0]) return "wardsec";
  return buf;
}

struct Endpoint {
  std::string scheme, host, port, path;
};

// "scheme://host:port/path" or "host:port"; IPv6 hosts in brackets.
Result<Endpoint> parse_endpoint(const std::string& s, const std::string& default_scheme) {
  Endpoint e;
  std::string rest = s;
  if (auto p = rest.find("://"); p != std::string::npos) {
    e.scheme = rest.substr(0, p);
    rest = rest.substr(p + 3);
  } else {
    e.scheme = default_scheme;
  }
  if (auto p = rest.find('/'); p != std::string::npos) {
    e.path = rest.substr(p);
    rest = rest.substr(0, p);
  }
  if (e.path.empty()) e.path = "/";
  size_t colon = rest.rfind(':');
  if (!rest.empty() && rest[0] == '[') {
    size_t close = rest.find(']');
    if (close == std::string::npos) return Error{"'" + s + "': unclosed '['"};
    e.host = rest.substr(1, close - 1);
    colon = rest.find(':', close);
  } else if (colon != std::string::npos) {
    e.host = rest.substr(0, colon);
  }
  if (colon == std::string::npos && (e.scheme == "https" || e.scheme == "http")) {
    e.host = rest;
    e.port = e.scheme == "https" ? "443" : "80";
  } else {
    if (colon == std::string::npos) return Error{"'" + s + "' has no port"};
    e.port = rest.substr(colon + 1);
  }
  if (e.host.empty() || e.port.empty()) return Error{"'" + s + "' is not host:port"};
  return e;
}

// A connected socket with send/receive timeouts; closed on destruction.
class Conn {
 public:
  ~Conn() {
    if (fd_ >= 0) ::close(fd_);
  }
  Status connect(const Endpoint& e, bool udp, int timeout_ms) {
    addrinfo hints{}, *res = nullptr;
    hints.ai_socktype = udp ? SOCK_DGRAM : SOCK_STREAM;
    int rc = getaddrinfo(e.host.c_str(), e.port.c_str(), &hints, &res);
    if (rc != 0) return Error{e.host + ":" + e.port + ": " + gai_strerror(rc)};
    std::string err = "no address";
    for (addrinfo* a = res; a; a = a->ai_next) {
      fd_ = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd_ < 0) continue;
      timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
      setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      if (::connect(fd_, a->ai_addr, a->ai_addrlen) == 0) {
        freeaddrinfo(res);
        return {};
      }
      err = std::strerror(errno);
      ::close(fd_);
      fd_ = -1;
    }
    freeaddrinfo(res);
    return Error{e.host + ":" + e.port + ": " + err};
  }
  Status send_all(std::string_view d) {
    while (!d.empty()) {
      ssize_t n = ::send(fd_, d.data(), d.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Error{std::string("send: ") + (n < 0 ? std::strerror(errno) : "closed")};
      d.remove_prefix(static_cast<size_t>(n));
    }
    return {};
  }
  // One CRLF-terminated line (SMTP); a timeout or close is an error.
  Result<std::string> read_line() {
    for (;;) {
      if (auto p = buf_.find("\r\n"); p != std::string::npos) {
        std::string l = buf_.substr(0, p);
        buf_.erase(0, p + 2);
        return l;
      }
      if (buf_.size() > 65536) return Error{"reply line too long"};
      char tmp[4096];
      ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Error{std::string("receive: ") + (errno == EAGAIN ? "timed out" : std::strerror(errno))};
      if (n == 0) return Error{"the server closed the connection"};
      buf_.append(tmp, static_cast<size_t>(n));
    }
  }
  Result<std::string> read_all(size_t max) {
    std::string out = std::move(buf_);
    char tmp[4096];
    while (out.size() < max) {
      ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        if (!out.empty() && errno == EAGAIN) break;
        return Error{std::string("receive: ") + (errno == EAGAIN ? "timed out" : std::strerror(errno))};
      }
      if (n == 0) break;
      out.append(tmp, static_cast<size_t>(n));
      // A complete HTTP response with Content-Length is enough.
      if (auto h = out.find("\r\n\r\n"); h != std::string::npos) {
        auto cl = out.find("Content-Length:");
        if (cl == std::string::npos) cl = out.find("content-length:");
        if (cl != std::string::npos && cl < h) {
          size_t len = std::strtoul(out.c_str() + cl + 15, nullptr, 10);
          if (out.size() >= h + 4 + len) break;
        }
      }
    }
    return out;
  }

 private:
  int fd_ = -1;
  std::string buf_;
};

// SD-PARAM values escape '"', '\' and ']' (RFC 5424 6.3.3).
std::string sd_escape(std::string_view v) {
  std::string o;
  for (char c : v) {
    if (c == '"' || c == '\\' || c == ']') o += '\\';
    o += c;
  }
  return o;
}

int syslog_severity(std::string_view level) {
  switch (level_rank(level)) {
    case 4: return 2;   // crit
    case 3: return 3;   // err
    case 2: return 4;   // warning
    case 1: return 5;   // notice
    default: return 6;  // info
  }
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string o;
  for (const auto& x : v) o += (o.empty() ? "" : sep) + x;
  return o;
}

}  // namespace

std::string level_zh(std::string_view level) {
  switch (level_rank(level)) {
    case 4: return "严重";
    case 3: return "高危";
    case 2: return "中危";
    case 1: return "低危";
    case 0: return "信息";
  }
  return std::string(level);
}

std::string syslog_line(const Alert& a, const std::string& hostname) {
  // Facility local4 (20), as SIEM forwarding conventionally uses a local facility.
  int pri = 20 * 8 + syslog_severity(a.level);
  std::string line = "<" + std::to_string(pri) + ">1 " + format_rfc3339(a.created ? a.created : now_ns()) + " " +
                     (hostname.empty() ? "-" : hostname) + " wardsec - ALERT [wardsec@53595 id=\"" + std::to_string(a.id) +
                     "\" rule_id=\"" + sd_escape(a.rule_id) + "\" level=\"" + sd_escape(a.level) + "\" asset=\"" + sd_escape(a.asset) +
                     "\" zone=\"" + sd_escape(a.zone) + "\" src=\"" + sd_escape(a.source_ip) + "\" user=\"" + sd_escape(a.user) +
                     "\" count=\"" + std::to_string(a.count) + "\" mlps=\"" + sd_escape(join(a.mlps, ",")) + "\" attack=\"" +
                     sd_escape(join(a.attack, ",")) + "\"] ";
  // MSG: UTF-8 with a BOM (RFC 5424 6.4); one line.
  std::string msg = "[" + a.level + "] " + bilingual_title(a) + (a.asset.empty() ? "" : " @ " + a.asset);
  for (char& c : msg)
    if (c == '\n' || c == '\r') c = ' ';
  return line + "\xEF\xBB\xBF" + msg;
}

std::string mail_subject(const Alert& a) {
  return "[wardsec 告警 " + level_zh(a.level) + "/" + a.level + "] " + bilingual_title(a) + (a.asset.empty() ? "" : " @ " + a.asset);
}

std::string mail_body(const Alert& a, const std::string& console_url) {
  std::string groups;
  for (const auto& [k, v] : a.group) groups += (groups.empty() ? "" : ", ") + k + "=" + v;
  std::string refs;
  for (uint64_t r : a.events) refs += (refs.empty() ? "" : " ") + store::ref_to_string(r);
  std::string b;
  b += "告警编号 Alert: #" + std::to_string(a.id) + "\n";
  b += "规则 Rule: " + bilingual_title(a) + " (" + a.rule_id + ", " + a.rule_kind + ")\n";
  b += "级别 Level: " + level_zh(a.level) + " / " + a.level + "\n";
  b += "资产 Asset: " + (a.asset.empty() ? "-" : a.asset) + "    区域 Zone: " + (a.zone.empty() ? "-" : a.zone) + "\n";
  b += "来源地址 Source: " + (a.source_ip.empty() ? "-" : a.source_ip) + "    用户 User: " + (a.user.empty() ? "-" : a.user) + "\n";
  if (!groups.empty()) b += "关联分组 Group: " + groups + "\n";
  b += "等保控制点 MLPS 2.0 controls: " + (a.mlps.empty() ? "-" : join(a.mlps, ", ")) + "\n";
  b += "ATT&CK: " + (a.attack.empty() ? "-" : join(a.attack, ", ")) + "\n";
  b += "首次 First seen: " + format_rfc3339(a.first_ts) + "\n";
  b += "最近 Last seen: " + format_rfc3339(a.last_ts) + "\n";
  b += "次数 Count: " + std::to_string(a.count) + "\n";
  b += "事件引用 Event references: " + (refs.empty() ? "-" : refs) + "\n";
  b += "摘要 Summary: " + a.summary + "\n";
  if (!console_url.empty()) b += "\n" + console_url + "\n";
  return b;
}

Outputs::Outputs(OutputOptions opt) : opt_(std::move(opt)) {
  if (opt_.hostname.empty()) opt_.hostname = local_hostname();
}

Outputs::~Outputs() { stop(); }

void Outputs::start() {
  if (!enabled() || thread_.joinable()) return;
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "ws-outputs");
    loop();
  });
}

void Outputs::stop() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Outputs::notify(const Alert& a) {
  if (!enabled() || level_rank(a.level) < level_rank(opt_.min_level)) return;
  std::lock_guard lk(mu_);
  if (q_.size() >= opt_.queue) {
    stats_.dropped++;
    if (stats_.dropped == 1 || stats_.dropped % 1000 == 0)
      spdlog::warn("alert outputs: queue full ({} alerts), notification for alert {} dropped ({} so far); the alert is stored", q_.size(),
                   a.id, stats_.dropped.load());
    return;
  }
  q_.push_back(a);
  stats_.queued++;
  cv_.notify_one();
}

std::string Outputs::last_error() const {
  std::lock_guard lk(mu_);
  return last_error_;
}

void Outputs::loop() {
  for (;;) {
    Alert a;
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [&] { return stop_ || !q_.empty(); });
      if (q_.empty()) return;
      a = std::move(q_.front());
      q_.pop_front();
    }
    struct Target {
      const char* name;
      bool on;
      Status (Outputs::*send)(const Alert&);
      std::atomic<uint64_t>* sent;
    } targets[] = {{"syslog", !opt_.syslog.empty(), &Outputs::send_syslog, &stats_.sent_syslog},
                   {"webhook", !opt_.webhook.empty(), &Outputs::send_webhook, &stats_.sent_webhook},
                   {"mail", !opt_.smtp.server.empty(), &Outputs::send_mail, &stats_.sent_mail}};
    for (auto& t : targets) {
      if (!t.on) continue;
      Status s;
      for (int attempt = 0; attempt <= opt_.retries; attempt++) {
        s = (this->*t.send)(a);
        if (s.ok()) break;
        bool stopping;
        {
          std::unique_lock lk(mu_);
          stopping = stop_;
          if (!stopping && attempt < opt_.retries)
            cv_.wait_for(lk, std::chrono::milliseconds(opt_.retry_delay_ms << attempt), [&] { return stop_; });
        }
      }
      if (s.ok()) {
        (*t.sent)++;
      } else {
        stats_.failed++;
        spdlog::error("alert {}: {} output failed after {} attempts: {}", a.id, t.name, opt_.retries + 1, s.error());
        std::lock_guard lk(mu_);
        last_error_ = std::string(t.name) + ": " + s.error();
      }
    }
  }
}

Status Outputs::send_syslog(const Alert& a) {
  auto ep = parse_endpoint(opt_.syslog, "tcp");
  if (!ep) return Error{"syslog output: " + ep.error()};
  bool udp = ep->scheme == "udp";
  if (!udp && ep->scheme != "tcp") return Error{"syslog output: scheme must be tcp or udp, not '" + ep->scheme + "'"};
  Conn c;
  if (Status s = c.connect(*ep, udp, opt_.timeout_ms); !s) return Error{"syslog output: " + s.error()};
  std::string line = syslog_line(a, opt_.hostname);
  // TCP: RFC 6587 octet counting, so the receiver never has to guess where a message ends.
  std::string frame = udp ? line : std::to_string(line.size()) + " " + line;
  if (Status s = c.send_all(frame); !s) return Error{"syslog output: " + s.error()};
  return {};
}

std::string webhook_signature(const std::string& secret, const std::string& timestamp, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  std::string msg = timestamp + "." + body;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), mac,
       &len);
  static const char* hexd = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned i = 0; i < len; i++) {
    out.push_back(hexd[mac[i] >> 4]);
    out.push_back(hexd[mac[i] & 15]);
  }
  return out;
}

Status Outputs::send_webhook(const Alert& a) {
  std::string body = alert_to_json(a);
  std::string ts = std::to_string(time(nullptr));
  std::vector<std::string> headers{"X-Wardsec-Timestamp: " + ts};
  if (!opt_.webhook_secret.empty()) headers.push_back("X-Wardsec-Signature: " + webhook_signature(opt_.webhook_secret, ts, body));
  if (Status s = post_json(opt_.webhook, body, headers, {opt_.ca_file, opt_.timeout_ms}); !s) return Error{"webhook " + s.error()};
  return {};
}

Status Outputs::send_mail(const Alert& a) {
  const auto& m = opt_.smtp;
  std::string id = "wardsec-alert-" + std::to_string(a.id) + "-" + std::to_string(a.updated) + "@" + opt_.hostname;
  return alert::send_mail({m.server, m.from, m.user, m.password, m.helo}, m.to, mail_subject(a), mail_body(a, opt_.console_url), id,
                          {"X-Wardsec-Alert: " + std::to_string(a.id)}, {opt_.ca_file, opt_.timeout_ms});
}

}  // namespace wardsec::alert
