#include "ops/probe/spec.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

namespace wardsec::ops::probe {

namespace {

using nlohmann::json;

int default_port(const std::string& kind) {
  if (kind == "http") return 80;
  if (kind == "dns") return 53;
  if (kind == "mysql") return 3306;
  if (kind == "postgresql") return 5432;
  if (kind == "tds") return 1433;
  if (kind == "snmp") return 161;
  return 0;
}

// Reads the fields of a probe, each checked; the first problem is kept with its field's name.
struct Reader {
  const json& j;
  std::string who, err;
  void fail(const std::string& field, const std::string& zh, const std::string& en) {
    if (err.empty()) err = "探测 " + who + "：" + field + " " + zh + " / probe " + who + ": " + field + " " + en;
  }
  void text(const char* k, std::string& out, size_t max = 256) {
    if (!j.contains(k) || j[k].is_null()) return;
    if (!j[k].is_string()) return fail(k, "须为文本", "must be text");
    out = j[k].get<std::string>();
    if (out.size() > max) fail(k, "过长（最多 " + std::to_string(max) + " 字节）", "is longer than " + std::to_string(max) + " bytes");
    if (out.find('\0') != std::string::npos || out.find('\n') != std::string::npos) fail(k, "含控制字符", "holds a control character");
  }
  void number(const char* k, int& out, int lo, int hi) {
    if (!j.contains(k) || j[k].is_null()) return;
    if (!j[k].is_number_integer()) return fail(k, "须为整数", "must be a whole number");
    auto v = j[k].get<int64_t>();
    if (v < lo || v > hi)
      return fail(k, "须在 " + std::to_string(lo) + "–" + std::to_string(hi) + " 之间",
                  "must be " + std::to_string(lo) + "-" + std::to_string(hi));
    out = static_cast<int>(v);
  }
  void flag(const char* k, bool& out) {
    if (!j.contains(k) || j[k].is_null()) return;
    if (!j[k].is_boolean()) return fail(k, "须为 true/false", "must be true or false");
    out = j[k].get<bool>();
  }
};

bool valid_id(const std::string& s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

bool valid_host(const std::string& s) {
  return !s.empty() && s.size() <= 253 && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '_';
  });
}

// "http(s)://host[:port]/path": the host and port of a URL, or an error.
Status split_url(Spec& s) {
  bool tls = s.url.rfind("https://", 0) == 0;
  if (!tls && s.url.rfind("http://", 0) != 0) return Error{"须以 http:// 或 https:// 开头 / must start with http:// or https://"};
  std::string rest = s.url.substr(tls ? 8 : 7);
  std::string authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string::npos) return Error{"不能含用户名或密码 / must not hold a user or password"};
  std::string host = authority;
  int port = tls ? 443 : 80;
  if (!authority.empty() && authority[0] == '[') {  // [v6]:port
    auto close = authority.find(']');
    if (close == std::string::npos) return Error{"地址不完整 / the address is not closed"};
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') port = std::atoi(authority.c_str() + close + 2);
  } else if (auto c = authority.rfind(':'); c != std::string::npos) {
    host = authority.substr(0, c);
    port = std::atoi(authority.c_str() + c + 1);
  }
  if (!valid_host(host)) return Error{"主机名无效 / the host is not valid"};
  if (port < 1 || port > 65535) return Error{"端口无效 / the port is not valid"};
  s.host = host;
  s.port = port;
  return {};
}

}  // namespace

int Spec::effective_port() const { return port ? port : default_port(kind); }

std::string Spec::target() const {
  if (kind == "http") return url;
  if (kind == "icmp") return host;
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(effective_port());
}

Result<Spec> spec_from_json(const json& j) {
  if (!j.is_object()) return Error{"探测须为 JSON 对象 / a probe must be a JSON object"};
  Spec s;
  Reader r{j, "?", ""};
  r.text("id", s.id, 64);
  if (!valid_id(s.id)) return Error{"探测的 id 须为 1–64 个字母、数字或 _ . - / a probe's id must be 1-64 letters, digits, _ . -"};
  r.who = s.id;
  r.text("name", s.name);
  r.text("kind", s.kind, 16);
  if (std::find(kinds().begin(), kinds().end(), s.kind) == kinds().end())
    r.fail("kind", "须为 icmp、tcp、http、dns、mysql、postgresql、tds 或 snmp 之一",
           "must be one of icmp tcp http dns mysql postgresql tds snmp");
  r.text("host", s.host, 253);
  r.number("port", s.port, 0, 65535);
  r.number("interval_s", s.interval_s, 10, 86400);
  r.number("timeout_ms", s.timeout_ms, 100, 60000);
  r.number("fail_after", s.fail_after, 1, 100);
  r.number("slow_ms", s.slow_ms, 0, 600000);
  r.text("asset", s.asset);
  r.text("system", s.system);
  r.text("zone", s.zone);
  r.flag("enabled", s.enabled);
  r.text("url", s.url, 2048);
  r.text("expect_text", s.expect_text, 1024);
  r.text("ca_file", s.ca_file, 1024);
  r.number("expect_status", s.expect_status, 0, 599);
  r.number("cert_warn_days", s.cert_warn_days, 0, 3650);
  r.flag("tls_verify", s.tls_verify);
  r.text("dns_name", s.dns_name, 253);
  r.text("dns_type", s.dns_type, 8);
  r.text("expect_address", s.expect_address, 64);
  r.text("db_user", s.db_user, 63);
  r.text("db_name", s.db_name, 63);
  r.text("snmp_version", s.snmp_version, 4);
  r.text("community", s.community, 128);
  r.text("snmp_user", s.snmp_user, 64);
  r.text("auth_proto", s.auth_proto, 16);
  r.text("auth_pass", s.auth_pass, 128);
  r.text("priv_proto", s.priv_proto, 16);
  r.text("priv_pass", s.priv_pass, 128);
  r.flag("neighbours", s.neighbours);
  if (j.contains("interfaces") && !j["interfaces"].is_null()) {
    if (!j["interfaces"].is_array() || j["interfaces"].size() > 64)
      r.fail("interfaces", "须为至多 64 个接口序号", "must be at most 64 ifIndex numbers");
    else
      for (const auto& v : j["interfaces"]) {
        if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > 2147483647) {
          r.fail("interfaces", "须为正整数（ifIndex）", "must be positive whole numbers (ifIndex)");
          break;
        }
        s.interfaces.push_back(static_cast<int>(v.get<int64_t>()));
      }
  }
  if (!r.err.empty()) return Error{r.err};
  if (s.kind == "http") {
    if (Status u = split_url(s); !u) r.fail("url", u.error(), "");
  } else if (!valid_host(s.host)) {
    r.fail("host", "须为地址或主机名", "must be an address or a host name");
  }
  if (s.timeout_ms > s.interval_s * 1000) r.fail("timeout_ms", "不能长于间隔", "must not be longer than the interval");
  if (s.kind == "dns" && s.dns_name.empty()) r.fail("dns_name", "必填", "is required");
  if (s.kind == "dns" && s.dns_type != "A" && s.dns_type != "AAAA") r.fail("dns_type", "须为 A 或 AAAA", "must be A or AAAA");
  if (s.kind == "snmp") {
    if (s.snmp_version != "2c" && s.snmp_version != "3") r.fail("snmp_version", "须为 2c 或 3", "must be 2c or 3");
    if (s.snmp_version == "2c" && s.community.empty()) r.fail("community", "v2c 必填", "is required for v2c");
    if (s.snmp_version == "3" && s.snmp_user.empty()) r.fail("snmp_user", "v3 必填", "is required for v3");
    if (s.snmp_version == "3" && s.auth_pass.size() < 8) r.fail("auth_pass", "v3 须至少 8 个字符", "must be at least 8 characters for v3");
    if (!s.priv_pass.empty() && s.priv_pass.size() < 8) r.fail("priv_pass", "须至少 8 个字符", "must be at least 8 characters");
    static const std::set<std::string> auths = {"MD5", "SHA", "SHA-224", "SHA-256", "SHA-384", "SHA-512"}, privs = {"AES", "DES"};
    if (!auths.count(s.auth_proto)) r.fail("auth_proto", "须为 MD5、SHA、SHA-224/256/384/512", "must be MD5, SHA, SHA-224/256/384/512");
    if (!privs.count(s.priv_proto)) r.fail("priv_proto", "须为 AES 或 DES", "must be AES or DES");
  }
  if (!r.err.empty()) return Error{r.err};
  if (s.name.empty()) s.name = s.id;
  return s;
}

json spec_to_json(const Spec& s, bool secrets) {
  json j = {{"id", s.id},
            {"name", s.name},
            {"kind", s.kind},
            {"host", s.host},
            {"port", s.effective_port()},
            {"target", s.target()},
            {"interval_s", s.interval_s},
            {"timeout_ms", s.timeout_ms},
            {"fail_after", s.fail_after},
            {"slow_ms", s.slow_ms},
            {"asset", s.asset},
            {"system", s.system},
            {"zone", s.zone},
            {"enabled", s.enabled}};
  if (s.kind == "http") {
    j["url"] = s.url;
    j["expect_status"] = s.expect_status;
    j["expect_text"] = s.expect_text;
    j["cert_warn_days"] = s.cert_warn_days;
    j["tls_verify"] = s.tls_verify;
    j["ca_file"] = s.ca_file;
  }
  if (s.kind == "dns") {
    j["dns_name"] = s.dns_name;
    j["dns_type"] = s.dns_type;
    j["expect_address"] = s.expect_address;
  }
  if (s.kind == "postgresql") {
    j["db_user"] = s.db_user;
    j["db_name"] = s.db_name;
  }
  if (s.kind == "snmp") {
    j["snmp_version"] = s.snmp_version;
    j["snmp_user"] = s.snmp_user;
    j["auth_proto"] = s.auth_proto;
    j["priv_proto"] = s.priv_proto;
    j["interfaces"] = s.interfaces;
    j["neighbours"] = s.neighbours;
    if (secrets) {
      j["community"] = s.community;
      j["auth_pass"] = s.auth_pass;
      j["priv_pass"] = s.priv_pass;
    } else {
      j["community_set"] = !s.community.empty();
      j["auth_pass_set"] = !s.auth_pass.empty();
      j["priv_pass_set"] = !s.priv_pass.empty();
    }
  }
  return j;
}

namespace {
const char* const kSecrets[] = {"community", "auth_pass", "priv_pass"};
bool sealed(const std::string& v) { return v.rfind("sm4$", 0) == 0; }
}  // namespace

void seal_secrets(json& doc, const std::function<std::string(std::string_view)>& seal) {
  if (!doc.is_object() || !doc.contains("probes") || !doc["probes"].is_array()) return;
  for (auto& p : doc["probes"])
    for (const char* k : kSecrets)
      if (p.is_object() && p.contains(k) && p[k].is_string() && !p[k].get<std::string>().empty() && !sealed(p[k].get<std::string>()))
        p[k] = seal(p[k].get<std::string>());
}

Status open_secrets(json& doc, const std::function<std::optional<std::string>(std::string_view)>& open) {
  if (!doc.is_object() || !doc.contains("probes") || !doc["probes"].is_array()) return {};
  for (auto& p : doc["probes"])
    for (const char* k : kSecrets) {
      if (!p.is_object() || !p.contains(k) || !p[k].is_string() || !sealed(p[k].get<std::string>())) continue;
      auto plain = open(p[k].get<std::string>());
      if (!plain)
        return Error{"探测 " + p.value("id", std::string("?")) + " 的 " + k + " 无法解密（密钥不符或被改动） / probe " +
                     p.value("id", std::string("?")) + ": " + k + " cannot be opened (another key, or altered)"};
      p[k] = *plain;
    }
  return {};
}

Result<std::vector<Spec>> specs_from_json(const json& doc) {
  if (!doc.is_object() || !doc.contains("probes") || !doc["probes"].is_array())
    return Error{"须为 {\"probes\": [...]} / must be {\"probes\": [...]}"};
  std::vector<Spec> out;
  std::set<std::string> ids;
  for (const auto& p : doc["probes"]) {
    auto s = spec_from_json(p);
    if (!s) return Error{s.error()};
    if (!ids.insert(s->id).second) return Error{"探测 id 重复 / duplicate probe id: " + s->id};
    out.push_back(std::move(*s));
  }
  return out;
}

}  // namespace wardsec::ops::probe
