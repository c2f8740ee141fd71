// The fallback for lines no parser or device family claims (issue #18): an unknown device still
// gives a searchable source.ip and user.name where the line states them plainly, in key=value
// pairs under the names vendors use (srcip=, Ip=, UserAddress=, rhost=, user=, UserName=, ...)
// or in the phrasings logs use ("user X from IP", "for X from IP", "[CLIENT: ip]", "Login failed
// for user 'sa'"). Every field it sets is named in labels.guessed, so a search, a rule or a report
// can tell a guess from a parse. Only addresses become *.ip, only numbers ports.
#include <algorithm>
#include <array>
#include <string>

#include "core/strutil.h"
#include "parse/kv.h"
#include "parse/parser.h"

namespace wardsec {

namespace {

struct Alias {
  std::string_view key;  // lower case, '-' and '.' read as '_'
  FieldId field;
};

// Vendor key names, lower case. Sources: FortiOS/Sangfor/Hillstone/H3C key=value logs, Huawei
// "(Ip=, UserName=)", Windows "Ip=", "UserAddress=" (DPtech, Topsec), PAM "rhost= user=".
const std::array kAliases = {
    Alias{"srcip", kSourceIp},
    Alias{"src_ip", kSourceIp},
    Alias{"src", kSourceIp},
    Alias{"sip", kSourceIp},
    Alias{"source_ip", kSourceIp},
    Alias{"sourceip", kSourceIp},
    Alias{"srcaddr", kSourceIp},
    Alias{"src_addr", kSourceIp},
    Alias{"client_ip", kSourceIp},
    Alias{"clientip", kSourceIp},
    Alias{"client", kSourceIp},
    Alias{"rhost", kSourceIp},
    Alias{"ip", kSourceIp},
    Alias{"userip", kSourceIp},
    Alias{"user_ip", kSourceIp},
    Alias{"useraddress", kSourceIp},
    Alias{"remote_addr", kSourceIp},
    Alias{"remoteip", kSourceIp},
    Alias{"remote_ip", kSourceIp},
    Alias{"loginip", kSourceIp},
    Alias{"login_ip", kSourceIp},
    Alias{"dstip", kDestinationIp},
    Alias{"dst_ip", kDestinationIp},
    Alias{"dst", kDestinationIp},
    Alias{"dip", kDestinationIp},
    Alias{"dstaddr", kDestinationIp},
    Alias{"dst_addr", kDestinationIp},
    Alias{"destination_ip", kDestinationIp},
    Alias{"srcport", kSourcePort},
    Alias{"src_port", kSourcePort},
    Alias{"sport", kSourcePort},
    Alias{"spt", kSourcePort},
    Alias{"dstport", kDestinationPort},
    Alias{"dst_port", kDestinationPort},
    Alias{"dport", kDestinationPort},
    Alias{"dpt", kDestinationPort},
    Alias{"user", kUserName},
    Alias{"username", kUserName},
    Alias{"user_name", kUserName},
    Alias{"usr", kUserName},
    Alias{"uname", kUserName},
    Alias{"login", kUserName},
    Alias{"account", kUserName},
    Alias{"userid", kUserName},
    Alias{"user_id", kUserName},
    Alias{"admin", kUserName},
    Alias{"operator", kUserName},
    Alias{"loginname", kUserName},
    Alias{"result", kEventOutcome},
    Alias{"status", kEventOutcome},
    Alias{"outcome", kEventOutcome},
    Alias{"action", kEventAction},
    Alias{"act", kEventAction},
};

std::string_view field_name(FieldId f) {  // the fields a guess sets (FieldRegistry::name takes a lock)
  if (f == kSourceIp) return "source.ip";
  if (f == kDestinationIp) return "destination.ip";
  if (f == kSourcePort) return "source.port";
  if (f == kDestinationPort) return "destination.port";
  if (f == kUserName) return "user.name";
  if (f == kEventOutcome) return "event.outcome";
  return "event.action";
}

bool is_ip_field(FieldId f) { return f == kSourceIp || f == kDestinationIp; }
bool is_port_field(FieldId f) { return f == kSourcePort || f == kDestinationPort; }

// The alias a vendor key names, or null: the key in lower case with '-' and '.' read as '_'
// (keys longer than any alias are none).
const Alias* alias_of(std::string_view k) {
  char buf[16];
  if (k.size() > sizeof buf) return nullptr;
  for (size_t i = 0; i < k.size(); i++) {
    char c = k[i];
    buf[i] = c == '-' || c == '.' ? '_' : lower_ascii(c);
  }
  std::string_view key(buf, k.size());
  for (const auto& a : kAliases)
    if (a.key == key) return &a;
  return nullptr;
}

std::string_view outcome_word(std::string_view v) {
  for (std::string_view w : {"fail", "failed", "failure", "denied", "deny", "reject", "rejected", "refused", "error", "invalid"})
    if (iequals(v, w)) return "failure";
  for (std::string_view w : {"success", "succeeded", "succeed", "successful", "ok", "accept", "accepted", "allow", "allowed", "pass"})
    if (iequals(v, w)) return "success";
  return {};
}

bool all_digits(std::string_view v) {
  if (v.empty() || v.size() > 5) return false;
  for (char c : v)
    if (c < '0' || c > '9') return false;
  return true;
}

// An IPv4 or IPv6 address at the start of `s` (as written; the field type checks it again).
std::string_view address_at(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && n < 45 && (std::isxdigit(static_cast<unsigned char>(s[n])) || s[n] == '.' || s[n] == ':')) n++;
  while (n > 0 && (s[n - 1] == '.' || s[n - 1] == ':')) n--;  // "from 10.1.2.3." / "from 10.1.2.3:"
  std::string_view a = s.substr(0, n);
  return parse_ip(a) ? a : std::string_view{};
}

// A user name at the start of `s`: quoted ('sa', "zhang san") or up to the next space.
std::string_view name_at(std::string_view s) {
  if (!s.empty() && (s[0] == '\'' || s[0] == '"')) {
    size_t e = s.find(s[0], 1);
    return e == std::string_view::npos || e == 1 || e > 65 ? std::string_view{} : s.substr(1, e - 1);
  }
  size_t e = 0;
  while (e < s.size() && e < 64 && s[e] != ' ' && s[e] != ',' && s[e] != ';' && s[e] != ')' && s[e] != ']') e++;
  std::string_view n = s.substr(0, e);
  return n;
}

// Finds `word` (lower case, at a word start) in `low` (the line in lower case) from `from`.
size_t find_word(std::string_view low, std::string_view word, size_t from = 0) {
  for (size_t p = low.find(word, from); p != std::string_view::npos; p = low.find(word, p + 1))
    if (p == 0 || !std::isalnum(static_cast<unsigned char>(low[p - 1]))) return p;
  return std::string_view::npos;
}

class GuessParser : public MessageParser {
 public:
  bool parse(Event& ev, std::string_view, std::string_view body, const ParseContext&) const override {
    std::string guessed;
    auto put = [&](FieldId f, std::string_view v) {
      if (v.empty() || v.size() > 256 || ev.has(f)) return;
      if (is_ip_field(f) && !parse_ip(v)) return;
      if (is_port_field(f) && !all_digits(v)) return;
      if (f == kSourceIp)
        set_source(ev, v);
      else
        ev.set(f, v);
      if (!guessed.empty()) guessed += ',';
      guessed += field_name(f);
    };
    static const KvScanner kv = [] {
      KvOptions k;
      k.max_pairs = 64;
      return KvScanner(k);
    }();
    if (body.find('=') != std::string_view::npos)
      kv.each(body, [&](std::string_view key, std::string_view value, bool) {
        const Alias* a = alias_of(key);
        if (!a) return;
        if (a->field == kEventOutcome)
          put(kEventOutcome, outcome_word(value));
        else
          put(a->field, value);  // set() copies a value that is not a view into the line
      });
    phrases(body, put);
    if (guessed.empty()) return false;
    static const FieldId kGuessed = FieldRegistry::intern("labels.guessed");
    ev.set(kGuessed, guessed);
    return true;
  }

 private:
  template <class Put>
  static void phrases(std::string_view s, Put& put) {
    thread_local std::string buf;  // the line in lower case (ASCII; same offsets), reused
    buf.assign(s);
    for (char& c : buf) c = lower_ascii(c);
    std::string_view low = buf;
    // "[CLIENT: 10.1.2.3]" (SQL Server)
    if (size_t p = s.find("[CLIENT: "); p != std::string_view::npos) put(kSourceIp, address_at(s.substr(p + 9)));
    // "... user X from IP", "... for X from IP", "... for user X from IP"
    for (size_t f = find_word(low, "from "); f != std::string_view::npos; f = find_word(low, "from ", f + 5)) {
      std::string_view ip = address_at(s.substr(f + 5));
      if (ip.empty()) continue;
      put(kSourceIp, ip);
      std::string_view before = s.substr(0, f);
      while (!before.empty() && before.back() == ' ') before.remove_suffix(1);
      for (std::string_view verb : {" logged in", " login", " logon", " connected"})  // "user X logged in from IP"
        if (before.size() > verb.size() && to_lower(before.substr(before.size() - verb.size())) == verb) before.remove_suffix(verb.size());
      size_t sp = before.rfind(' ');
      std::string_view name = sp == std::string_view::npos ? before : before.substr(sp + 1);
      std::string_view word = sp == std::string_view::npos ? std::string_view{} : before.substr(0, sp);
      size_t wp = word.rfind(' ');
      word = wp == std::string_view::npos ? word : word.substr(wp + 1);
      std::string w = to_lower(word);
      if (w == "user" || w == "for" || w == "account") put(kUserName, name_at(name));
      break;
    }
    // "Login failed for user 'sa'", "authentication failed for user admin"
    if (size_t p = find_word(low, "for user "); p != std::string_view::npos) put(kUserName, name_at(s.substr(p + 9)));
    for (std::string_view w : {"login failed", "logon failure", "authentication failure", "authentication failed", "failed password",
                               "failed login", "login failure", "invalid password"})
      if (low.find(w) != std::string_view::npos) return put(kEventOutcome, "failure");
    for (std::string_view w : {"login succeeded", "logged in", "accepted password", "login successful", "login success"})
      if (low.find(w) != std::string_view::npos) return put(kEventOutcome, "success");
  }
};

}  // namespace

MessageParserPtr make_guess_parser() { return std::make_unique<GuessParser>(); }

}  // namespace wardsec
