// CEF, Linux auditd, web server access/error logs and netfilter (iptables/nftables LOG).
#include <cctype>

#include "core/strutil.h"
#include "core/timeutil.h"
#include "parse/parser.h"

namespace wardsec {
namespace {

FieldId cef_field(std::string_view key) {
  struct M {
    std::string_view k;
    FieldId f;
  };
  static constexpr M kMap[] = {{"src", kSourceIp},
                               {"spt", kSourcePort},
                               {"dst", kDestinationIp},
                               {"dpt", kDestinationPort},
                               {"suser", kUserName},
                               {"duser", kUserTargetName},
                               {"act", kEventAction},
                               {"outcome", kEventOutcome},
                               {"request", kUrlOriginal},
                               {"requestMethod", kHttpMethod},
                               {"requestClientApplication", kUserAgent},
                               {"proto", kNetworkTransport},
                               {"app", kNetworkProtocol},
                               {"shost", kSourceAddress},
                               {"dhost", kDestinationAddress},
                               {"msg", kMessage},
                               {"in", kSourceBytes},
                               {"out", kDestinationBytes},
                               {"dvchost", kHostName},
                               {"fname", kFilePath},
                               {"sproc", kProcessName},
                               {"cs1", kNoField}};
  for (const auto& m : kMap)
    if (m.k == key) return m.f;
  return kNoField;
}

// Unescapes CEF header (\| \\) or extension (\= \\ \n \r) escapes.
std::string cef_unescape(std::string_view s) {
  std::string r;
  r.reserve(s.size());
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      char n = s[++i];
      r.push_back(n == 'n' ? '\n' : n == 'r' ? '\r' : n);
    } else {
      r.push_back(s[i]);
    }
  }
  return r;
}

void set_maybe_escaped(Event& ev, FieldId id, std::string_view v) {
  if (v.find('\\') == std::string_view::npos)
    ev.set(id, v);
  else
    ev.set(id, cef_unescape(v));
}

}  // namespace

bool parse_cef(Event& ev, std::string_view s) {
  size_t start = s.find("CEF:");
  if (start == std::string_view::npos) return false;
  s = s.substr(start + 4);
  // Seven '|'-separated header fields, '\|' escaped.
  std::string_view h[7];
  size_t field = 0, p = 0, b = 0;
  while (p < s.size() && field < 7) {
    if (s[p] == '\\') {
      p += 2;
      continue;
    }
    if (s[p] == '|') {
      h[field++] = s.substr(b, p - b);
      b = p + 1;
    }
    p++;
  }
  if (field < 7) return false;
  std::string_view ext = s.substr(std::min(b, s.size()));
  ev.set(kEventDataset, "cef");
  ev.set(kCefVersion, h[0]);
  set_maybe_escaped(ev, kObserverVendor, h[1]);
  set_maybe_escaped(ev, kObserverProduct, h[2]);
  set_maybe_escaped(ev, kObserverVersion, h[3]);
  set_maybe_escaped(ev, kCefSignatureId, h[4]);
  set_maybe_escaped(ev, kCefName, h[5]);
  int64_t sev;
  if (parse_i64(h[6], sev))
    ev.set(kEventSeverity, h[6]);
  else if (!h[6].empty())
    ev.set(kLogLevel, h[6]);
  // Extension: key=value pairs; a value runs until the next " key=" (keys are [A-Za-z0-9_.]).
  size_t i = 0;
  while (i < ext.size()) {
    while (i < ext.size() && ext[i] == ' ') i++;
    size_t eq = i;
    while (eq < ext.size() && ext[eq] != '=' && ext[eq] != ' ') eq++;
    if (eq >= ext.size() || ext[eq] != '=') break;
    std::string_view key = ext.substr(i, eq - i);
    size_t v = eq + 1, e = v, next = ext.size();
    while (e < ext.size()) {
      if (ext[e] == '\\') {
        e += 2;
        continue;
      }
      if (ext[e] == ' ') {
        size_t k = e + 1;
        while (k < ext.size() && (std::isalnum(static_cast<unsigned char>(ext[k])) || ext[k] == '_' || ext[k] == '.')) k++;
        if (k < ext.size() && ext[k] == '=' && k > e + 1) {
          next = e;
          break;
        }
      }
      e++;
    }
    std::string_view val = ext.substr(v, std::min(next, ext.size()) - v);
    FieldId id = cef_field(key);
    if (id == kSourceIp || id == kDestinationIp) {
      if (!looks_like_ip(val)) id = id == kSourceIp ? kSourceAddress : kDestinationAddress;
    }
    if (id == kNoField) {
      std::string name = "cef.extensions.";
      name.append(key);
      id = FieldRegistry::intern(name);
    }
    if (id != kNoField) set_maybe_escaped(ev, id, val);
    i = next;
  }
  if (!ev.has(kEventAction)) set_maybe_escaped(ev, kEventAction, h[5]);
  return true;
}

bool parse_auditd(Event& ev, std::string_view s, const ParseContext&) {
  // type=USER_LOGIN msg=audit(1364481363.243:24287): pid=1 uid=0 auid=4294967295 ses=1
  //   msg='op=login acct="root" exe="/usr/sbin/sshd" hostname=? addr=1.2.3.4 terminal=ssh res=failed'
  if (!starts_with(s, "type=")) return false;
  size_t a = s.find(" msg=audit(");
  if (a == std::string_view::npos) return false;
  std::string_view type = s.substr(5, a - 5);
  size_t close = s.find("):", a);
  if (close == std::string_view::npos) return false;
  std::string_view stamp = s.substr(a + 11, close - a - 11);
  size_t colon = stamp.find(':');
  int64_t t;
  if (colon != std::string_view::npos && parse_epoch(stamp.substr(0, colon), t)) ev.ts = t;
  ev.set(kEventDataset, "auditd");
  ev.set(kAuditdType, type);
  if (colon != std::string_view::npos) ev.set(kAuditdSequence, stamp.substr(colon + 1));
  std::string_view rest = s.substr(close + 2);
  // key=value pairs; values may be "quoted", or a 'quoted' nested msg.
  size_t i = 0;
  std::string name;
  while (i < rest.size()) {
    while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\'')) i++;
    size_t eq = rest.find('=', i);
    if (eq == std::string_view::npos) break;
    std::string_view key = rest.substr(i, eq - i);
    if (key.find(' ') != std::string_view::npos) {
      i = i + key.find(' ') + 1;
      continue;
    }
    size_t v = eq + 1, e;
    std::string_view val;
    if (v < rest.size() && rest[v] == '"') {
      e = rest.find('"', v + 1);
      if (e == std::string_view::npos) e = rest.size();
      val = rest.substr(v + 1, e - v - 1);
      e++;
    } else if (v < rest.size() && rest[v] == '\'') {
      i = v + 1;  // nested msg='...': parse its pairs at this level
      continue;
    } else {
      e = v;
      while (e < rest.size() && rest[e] != ' ' && rest[e] != '\'') e++;
      val = rest.substr(v, e - v);
    }
    i = e;
    if (key == "msg" || val.empty()) continue;
    name.assign("auditd.log.").append(key);
    FieldId id = FieldRegistry::intern(name);
    if (id != kNoField) ev.set(id, val);
    if (val == "?") continue;
    if (key == "acct" || key == "id")
      ev.set(kUserName, val);
    else if (key == "addr" || key == "saddr_ip")
      set_source(ev, val);
    else if (key == "hostname" && !ev.has(kSourceAddress))
      set_source(ev, val);
    else if (key == "exe")
      ev.set(std::string_view("process.executable"), val);
    else if (key == "comm")
      ev.set(kProcessName, val);
    else if (key == "pid")
      ev.set(kProcessPid, val);
    else if (key == "auid")
      ev.set(kAuditUserId, val);
    else if (key == "uid")
      ev.set(kUserId, val);
    else if (key == "name" && type == "PATH")
      ev.set(kFilePath, val);
    else if (key == "key")
      ev.set(kRuleName, val);
    else if (key == "res" || key == "success") {
      bool ok = val == "success" || val == "yes" || val == "1";
      ev.set(kEventOutcome, ok ? "success" : "failure");
      ev.set(kAuditdResult, val);
    }
  }
  if (starts_with(type, "USER_") || type == "CRED_ACQ" || type == "LOGIN" || type == "USER_AUTH") {
    ev.set(kEventCategory, "authentication");
  } else if (type == "SYSCALL" || type == "EXECVE") {
    ev.set(kEventCategory, "process");
  } else if (type == "CONFIG_CHANGE" || type == "DAEMON_END" || type == "DAEMON_START") {
    ev.set(kEventCategory, "configuration");
  }
  std::string lower = to_lower(type);
  ev.set(kEventAction, lower);
  return true;
}

bool parse_access(Event& ev, std::string_view s, bool set_time) {
  // 1.2.3.4 - user [10/Oct/2000:13:55:36 -0700] "GET /a?b HTTP/1.1" 200 2326 "ref" "ua"
  size_t sp = s.find(' ');
  if (sp == std::string_view::npos || sp > 64) return false;
  std::string_view client = s.substr(0, sp);
  size_t lb = s.find(" [", sp);
  if (lb == std::string_view::npos || lb > sp + 200) return false;
  size_t rb = s.find("] \"", lb);
  if (rb == std::string_view::npos) return false;
  std::string_view ident_user = s.substr(sp + 1, lb - sp - 1);
  int64_t t;
  if (!parse_clf_time(s.substr(lb + 2, rb - lb - 2), t)) return false;
  size_t q = rb + 3;
  size_t qe = q;
  while (qe < s.size() && s[qe] != '"') {
    if (s[qe] == '\\') qe++;
    qe++;
  }
  if (qe >= s.size()) return false;
  std::string_view req = s.substr(q, qe - q);
  ev.set(kEventDataset, "web.access");
  ev.set(kEventCategory, "web");
  if (set_time) ev.ts = t;
  set_source(ev, client);
  size_t us = ident_user.find(' ');
  if (us != std::string_view::npos) {
    std::string_view user = ident_user.substr(us + 1);
    if (!user.empty() && user != "-") ev.set(kUserName, user);
  }
  size_t m = req.find(' ');
  if (m != std::string_view::npos) {
    ev.set(kHttpMethod, req.substr(0, m));
    std::string_view rest = req.substr(m + 1);
    size_t v = rest.rfind(" HTTP/");
    std::string_view url = v == std::string_view::npos ? rest : rest.substr(0, v);
    if (v != std::string_view::npos) ev.set(kHttpVersion, rest.substr(v + 6));
    ev.set(kUrlOriginal, url);
    size_t qm = url.find('?');
    ev.set(kUrlPath, url.substr(0, qm));
    if (qm != std::string_view::npos) ev.set(kUrlQuery, url.substr(qm + 1));
  } else {
    ev.set(kUrlOriginal, req);
  }
  std::string_view rest = s.substr(qe + 1);
  rest = trim(rest);
  size_t a = rest.find(' ');
  std::string_view status = rest.substr(0, a);
  uint64_t code;
  if (parse_u64(status, code)) {
    ev.set(kHttpStatus, status);
    ev.set(kEventOutcome, code < 400 ? "success" : "failure");
  }
  if (a != std::string_view::npos) {
    rest = rest.substr(a + 1);
    size_t b = rest.find(' ');
    std::string_view bytes = rest.substr(0, b);
    uint64_t n;
    if (parse_u64(bytes, n)) ev.set(kHttpBodyBytes, bytes);
    if (b != std::string_view::npos) {
      rest = rest.substr(b + 1);
      auto quoted = [&](std::string_view& r) -> std::string_view {
        r = trim(r);
        if (r.empty() || r[0] != '"') return {};
        size_t e = 1;
        while (e < r.size() && r[e] != '"') {
          if (r[e] == '\\') e++;
          e++;
        }
        std::string_view v = r.substr(1, std::min(e, r.size()) - 1);
        r = e + 1 < r.size() ? r.substr(e + 1) : std::string_view();
        return v;
      };
      std::string_view ref = quoted(rest);
      if (!ref.empty() && ref != "-") ev.set(kHttpReferrer, ref);
      std::string_view ua = quoted(rest);
      if (!ua.empty() && ua != "-") ev.set(kUserAgent, ua);
    }
  }
  return true;
}

namespace {

class CefEnvelope : public EnvelopeParser {
 public:
  bool sniff(std::string_view s) const override { return starts_with(s, "CEF:"); }
  bool parse(Event& ev, const ParseContext&, std::string_view&, std::string_view&) const override { return parse_cef(ev, ev.raw); }
};

class CefMessage : public MessageParser {
 public:
  bool parse(Event& ev, std::string_view, std::string_view s, const ParseContext&) const override {
    if (!starts_with(s, "CEF:")) return false;
    return parse_cef(ev, s);
  }
};

class AuditdEnvelope : public EnvelopeParser {
 public:
  bool sniff(std::string_view s) const override { return starts_with(s, "type="); }
  bool parse(Event& ev, const ParseContext& ctx, std::string_view&, std::string_view&) const override {
    return parse_auditd(ev, ev.raw, ctx);
  }
};

class AuditdMessage : public MessageParser {
 public:
  bool parse(Event& ev, std::string_view, std::string_view s, const ParseContext& ctx) const override {
    // audispd/auditd forward "node=host type=..." or plain "type=..."
    if (starts_with(s, "node=")) {
      size_t sp = s.find(' ');
      if (sp == std::string_view::npos) return false;
      s = s.substr(sp + 1);
    }
    if (!starts_with(s, "type=")) return false;
    int64_t keep_ts = ev.ts;
    bool ok = parse_auditd(ev, s, ctx);
    if (!ok) ev.ts = keep_ts;
    return ok;
  }
};

class AccessEnvelope : public EnvelopeParser {
 public:
  bool sniff(std::string_view s) const override {
    size_t lb = s.find(" [");
    return lb != std::string_view::npos && lb < 120 && s.find("] \"", lb) != std::string_view::npos;
  }
  bool parse(Event& ev, const ParseContext&, std::string_view&, std::string_view&) const override {
    if (!parse_access(ev, ev.raw, true)) return false;
    ev.set(kMessage, std::string_view(ev.raw));
    return true;
  }
};

class AccessMessage : public MessageParser {
 public:
  bool parse(Event& ev, std::string_view, std::string_view s, const ParseContext&) const override {
    size_t lb = s.find(" [");
    if (lb == std::string_view::npos || lb > 120) return false;
    // The syslog header's time is when nginx sent it; the access line's time is the request's.
    return parse_access(ev, s, true);
  }
};

std::string_view level_word(std::string_view s) {
  // "notice" / "core:error" -> the part after ':'
  size_t c = s.rfind(':');
  return c == std::string_view::npos ? s : s.substr(c + 1);
}

class ApacheError : public EnvelopeParser {
 public:
  bool sniff(std::string_view s) const override { return s.size() > 26 && s[0] == '[' && s[4] == ' '; }
  bool parse(Event& ev, const ParseContext& ctx, std::string_view&, std::string_view&) const override {
    std::string_view s = ev.raw;
    size_t rb = s.find(']');
    if (rb == std::string_view::npos) return false;
    int64_t t;
    if (!parse_ctime(s.substr(1, rb - 1), ctx.tz_sec, t)) return false;
    ev.ts = t;
    ev.set(kEventDataset, "apache.error");
    ev.set(kEventCategory, "web");
    s = s.substr(rb + 1);
    // Then any number of "[...]" groups: level, pid, client.
    while (s.size() > 1 && s[0] == ' ' && s[1] == '[') {
      size_t e = s.find(']');
      if (e == std::string_view::npos) break;
      std::string_view g = s.substr(2, e - 2);
      if (starts_with(g, "client ")) {
        std::string_view c = g.substr(7);
        size_t colon = c.rfind(':');
        if (colon != std::string_view::npos && c.find('.') != std::string_view::npos) {
          set_source(ev, c.substr(0, colon));
          ev.set(kSourcePort, c.substr(colon + 1));
        } else {
          set_source(ev, c);
        }
      } else if (starts_with(g, "pid ")) {
        std::string_view pid = g.substr(4);
        ev.set(kProcessPid, pid.substr(0, pid.find(':')));
      } else {
        ev.set(kLogLevel, level_word(g));
      }
      s = s.substr(e + 1);
    }
    ev.set(kMessage, trim(s));
    return true;
  }
};

class NginxError : public EnvelopeParser {
 public:
  bool sniff(std::string_view s) const override { return s.size() > 21 && is_digit(s[0]) && s[4] == '/'; }
  bool parse(Event& ev, const ParseContext& ctx, std::string_view&, std::string_view&) const override {
    // 2024/01/15 10:00:00 [error] 1234#0: *5 message, client: 1.2.3.4, server: x, request: "GET / HTTP/1.1"
    std::string_view s = ev.raw;
    int64_t t;
    if (!parse_slash_time(s, ctx.tz_sec, t)) return false;
    if (s.size() < 22 || s[19] != ' ' || s[20] != '[') return false;
    size_t rb = s.find(']', 21);
    if (rb == std::string_view::npos) return false;
    ev.ts = t;
    ev.set(kEventDataset, "nginx.error");
    ev.set(kEventCategory, "web");
    ev.set(kLogLevel, s.substr(21, rb - 21));
    std::string_view rest = trim(s.substr(rb + 1));
    size_t hash = rest.find('#');
    if (hash != std::string_view::npos && hash < 12) ev.set(kProcessPid, rest.substr(0, hash));
    size_t colon = rest.find(": ");
    std::string_view msg = colon != std::string_view::npos && colon < 24 ? rest.substr(colon + 2) : rest;
    ev.set(kMessage, msg);
    std::string_view client = value_after(msg, "client: ", ',');
    set_source(ev, client);
    size_t rq = msg.find("request: \"");
    if (rq != std::string_view::npos) {
      std::string_view r = msg.substr(rq + 10);
      r = r.substr(0, r.find('"'));
      size_t sp = r.find(' ');
      if (sp != std::string_view::npos) {
        ev.set(kHttpMethod, r.substr(0, sp));
        std::string_view u = r.substr(sp + 1);
        ev.set(kUrlOriginal, u.substr(0, u.rfind(" HTTP/")));
      }
    }
    return true;
  }
};

class Netfilter : public MessageParser {
 public:
  bool parse(Event& ev, std::string_view, std::string_view s, const ParseContext&) const override {
    size_t in = s.find("IN=");
    if (in == std::string_view::npos || s.find(" SRC=") == std::string_view::npos) return false;
    // Optional "[12345.678901] " kernel time, then the LOG prefix, then IN=...
    std::string_view prefix = s.substr(0, in);
    if (!prefix.empty() && prefix[0] == '[') {
      size_t e = prefix.find("] ");
      if (e != std::string_view::npos) prefix = prefix.substr(e + 2);
    }
    prefix = trim(prefix);
    std::string_view kv = s.substr(in);
    ev.set(kEventDataset, "netfilter");
    ev.set(kEventCategory, "network");
    if (!prefix.empty()) ev.set(kRuleName, prefix);
    std::string up = to_lower(prefix);
    bool deny = up.find("drop") != std::string::npos || up.find("reject") != std::string::npos || up.find("deny") != std::string::npos ||
                up.find("block") != std::string::npos;
    ev.set(kEventAction, deny ? "denied" : "allowed");
    ev.set(kEventOutcome, deny ? "failure" : "success");
    auto get = [&](std::string_view key) -> std::string_view {
      size_t p = 0;
      while ((p = kv.find(key, p)) != std::string_view::npos) {
        if (p == 0 || kv[p - 1] == ' ') {
          std::string_view r = kv.substr(p + key.size());
          return r.substr(0, r.find(' '));
        }
        p += key.size();
      }
      return {};
    };
    std::string_view v;
    if (!(v = get("IN=")).empty()) ev.set(kIngressInterface, v);
    if (!(v = get("OUT=")).empty()) ev.set(kEgressInterface, v);
    if (!(v = get("SRC=")).empty()) set_source(ev, v);
    if (!(v = get("DST=")).empty()) {
      ev.set(kDestinationAddress, v);
      if (looks_like_ip(v)) ev.set(kDestinationIp, v);
    }
    if (!(v = get("SPT=")).empty()) ev.set(kSourcePort, v);
    if (!(v = get("DPT=")).empty()) ev.set(kDestinationPort, v);
    if (!(v = get("MAC=")).empty()) ev.set(kSourceMac, v);
    if (!(v = get("LEN=")).empty()) ev.set(kNetworkBytes, v);
    if (!(v = get("PROTO=")).empty()) ev.set(kNetworkTransport, to_lower(v));
    return true;
  }
};

}  // namespace

EnvelopeParserPtr make_cef_envelope_parser() { return std::make_unique<CefEnvelope>(); }
EnvelopeParserPtr make_auditd_envelope_parser() { return std::make_unique<AuditdEnvelope>(); }
EnvelopeParserPtr make_access_log_parser() { return std::make_unique<AccessEnvelope>(); }
EnvelopeParserPtr make_apache_error_parser() { return std::make_unique<ApacheError>(); }
EnvelopeParserPtr make_nginx_error_parser() { return std::make_unique<NginxError>(); }
MessageParserPtr make_netfilter_parser() { return std::make_unique<Netfilter>(); }
MessageParserPtr make_auditd_message_parser() { return std::make_unique<AuditdMessage>(); }
MessageParserPtr make_cef_message_parser() { return std::make_unique<CefMessage>(); }
MessageParserPtr make_access_message_parser() { return std::make_unique<AccessMessage>(); }

}  // namespace wardsec
