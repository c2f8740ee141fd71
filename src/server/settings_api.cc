// 系统设置: the account security policy in force, and the settings a hospital changes in the
// console (organization, tier, time zone, retention, account security, inputs and
// certificates, alert destinations). A change is checked by the configuration's own loader
// (HttpOptions::settings) and here (the legal log retention, certificates that load, addresses
// that are addresses), kept in <data>/settings.json (written whole, 0600), audited with each
// key's old and new value (secrets as set/unset), and takes effect when the service restarts
// (the time zones of sources at once).
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/datadir.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "ingest/net.h"
#include "server/api.h"
#include "server/auth_json.h"

namespace wardsec::server {

namespace {

using json = nlohmann::json;

const char* const kMask = "******";
bool secret(const std::string& key) { return key == "alerts.webhook_secret" || key == "alerts.smtp.password"; }

// Settings the running service takes up within seconds (the center watches settings.json);
// every other change waits for a restart, which this process remembers until it happens.
bool applies_live(const std::string& key) { return key == "source_timezones"; }
std::atomic<bool> g_restart_pending{false};

std::string overlay_path(const Api& api) { return DataDir(api.opt.data_dir).console_settings(); }

json read_overlay(const Api& api, std::string& err) {
  std::ifstream f(overlay_path(api));
  if (!f) return json::object();
  std::stringstream ss;
  ss << f.rdbuf();
  json j = json::parse(ss.str(), nullptr, false);
  if (!j.is_object()) err = overlay_path(api) + " is not a JSON object";
  return j.is_object() ? j : json::object();
}

// Dotted leaves of a JSON object: {"auth": {"x": 1}} -> auth.x = 1.
void flatten(const json& j, const std::string& prefix, std::map<std::string, json>& out) {
  for (const auto& [k, v] : j.items()) {
    if (v.is_object())
      flatten(v, prefix + k + ".", out);
    else
      out[prefix + k] = v;
  }
}

void set_path(json& j, const std::string& key, const json& v) {
  json* at = &j;
  size_t start = 0;
  for (size_t dot; (dot = key.find('.', start)) != std::string::npos; start = dot + 1) {
    json& next = (*at)[key.substr(start, dot - start)];
    if (!next.is_object()) next = json::object();
    at = &next;
  }
  if (v.is_null())
    at->erase(key.substr(start));
  else
    (*at)[key.substr(start)] = v;
}

void prune(json& j) {  // drop objects left empty by removals
  for (auto it = j.begin(); it != j.end();) {
    if (it->is_object()) prune(*it);
    it = it->is_object() && it->empty() ? j.erase(it) : std::next(it);
  }
}

json masked(json j) {
  std::map<std::string, json> flat;
  flatten(j, "", flat);
  for (const auto& [k, v] : flat)
    if (secret(k)) set_path(j, k, v.is_string() && v.get<std::string>().empty() ? json("") : json(kMask));
  return j;
}

std::string shown(const std::string& key, const json& v) {
  if (v.is_null()) return "(未设置 unset)";
  if (secret(key)) return v.is_string() && v.get<std::string>().empty() ? "(空 empty)" : "(已设置 set)";
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// What the loader does not check: addresses that are host:port, certificates that load, the
// legal minimum of log retention, mail and webhook transports that are encrypted.
// True when this process itself listens on the port (the address it runs with may come from
// the command line rather than the file): /proc/net's sockets on the port against our fds.
bool held_by_us(uint16_t port, bool udp) {
  std::set<std::string> ours;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    std::error_code lec;  // an fd closed meanwhile: skip it, keep walking
    auto target = std::filesystem::read_symlink(it->path(), lec);
    std::string t = lec ? std::string() : target.string();
    if (t.rfind("socket:[", 0) == 0) ours.insert(t.substr(8, t.size() - 9));
  }
  const char* v4 = udp ? "/proc/net/udp" : "/proc/net/tcp";
  const char* v6 = udp ? "/proc/net/udp6" : "/proc/net/tcp6";
  for (const char* table : {v4, v6}) {
    std::ifstream f(table);
    std::string line;
    std::getline(f, line);  // the header
    while (std::getline(f, line)) {
      std::istringstream in(line);
      std::string sl, local, remote, state, queues, timer, retr, uid, timeout, inode;
      if (!(in >> sl >> local >> remote >> state >> queues >> timer >> retr >> uid >> timeout >> inode)) continue;
      size_t colon = local.rfind(':');
      if (colon == std::string::npos || std::strtoul(local.c_str() + colon + 1, nullptr, 16) != port) continue;
      if ((udp || state == "0A") && ours.count(inode)) return true;  // 0A: LISTEN
    }
  }
  return false;
}

// A changed listening address must be free now: taken at the restart, it would keep the
// service from starting, and the console with it.
Status can_listen(const std::string& key, const std::string& addr, bool udp) {
  auto ep = ingest::parse_endpoint(addr);
  if (!ep) return Error{key + ": '" + addr + "' 不是 地址:端口 / is not address:port: " + ep.error()};
  int fd = ::socket(ep->address().is_v6() ? AF_INET6 : AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error{key + ": " + std::strerror(errno)};
  int one = 1;  // TCP: a port in TIME_WAIT is free; UDP: a port another socket holds is not
  if (!udp) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int rc = ::bind(fd, reinterpret_cast<const sockaddr*>(ep->data()), static_cast<socklen_t>(ep->size()));
  int err = errno;
  ::close(fd);
  if (rc != 0 && err == EADDRINUSE && held_by_us(ep->port(), udp)) return {};  // the service's own
  if (rc != 0)
    return Error{key + ": 无法在 " + addr + " 上监听（" + std::strerror(err) + "），重启后服务将无法启动 / cannot listen on " + addr +
                 " (" + std::strerror(err) + "): the service would not start"};
  return {};
}

Status extra_checks(const json& eff, const json& before) {
  auto get = [&](const char* a, const char* b) {
    return eff.contains(a) && eff[a].contains(b) && eff[a][b].is_string() ? eff[a][b].get<std::string>() : std::string();
  };
  if (eff.contains("store") && eff["store"].value("retention_days", 180) < 180)
    return Error{
        "store.retention_days: 至少 180 天（网络安全法第二十一条：网络日志留存不少于六个月） / at least 180 days (Cybersecurity Law art. "
        "21)"};
  for (const char* in : {"udp", "tcp", "tls", "relp"}) {
    std::string v = get("inputs", in);
    if (!v.empty() && (v.rfind(':') == std::string::npos || v.rfind(':') + 1 == v.size()))
      return Error{std::string("inputs.") + in + ": '" + v + "' 不是 地址:端口 / is not address:port (e.g. 0.0.0.0:514)"};
    bool changed = !before.contains("inputs") || before["inputs"].value(in, "") != v;
    if (!v.empty() && changed)
      if (Status s = can_listen(std::string("inputs.") + in, v, std::string_view(in) == "udp"); !s) return s;
  }
  for (const char* sec : {"api", "inputs"}) {
    std::string cert = get(sec, "tls_cert"), key = get(sec, "tls_key");
    if (cert.empty() != key.empty())
      return Error{std::string(sec) + ".tls_cert / tls_key: 证书和私钥须同时设置 / set both the certificate and its key"};
    if (cert.empty()) continue;
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    bool ok = SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) == 1 &&
              SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) == 1 && SSL_CTX_check_private_key(ctx) == 1;
    SSL_CTX_free(ctx);
    if (!ok)
      return Error{
          std::string(sec) + ".tls_cert: '" + cert + "' 和 '" + key +
          "' 不能作为证书和私钥加载（文件须存在、本服务可读、PEM 格式且相互匹配） / do not load as a matching PEM certificate and key"};
  }
  std::string hook = get("alerts", "webhook");
  if (!hook.empty() && hook.rfind("https://", 0) != 0) return Error{"alerts.webhook: 须为 https:// 地址 / must be an https:// URL"};
  std::string sys = get("alerts", "syslog");
  if (!sys.empty() && sys.rfind("udp://", 0) != 0 && sys.rfind("tcp://", 0) != 0 && sys.rfind("tls://", 0) != 0)
    return Error{"alerts.syslog: 须为 udp://、tcp:// 或 tls:// 地址 / must be a udp://, tcp:// or tls:// address"};
  if (eff.contains("alerts") && eff["alerts"].contains("smtp")) {
    const json& sm = eff["alerts"]["smtp"];
    std::string server = sm.value("server", "");
    if (!server.empty() && server.rfind("smtp://", 0) != 0 && server.rfind("smtps://", 0) != 0)
      return Error{"alerts.smtp.server: 须为 smtp://（STARTTLS）或 smtps:// 地址 / must be smtp:// (STARTTLS) or smtps://"};
    if (!server.empty() &&
        (sm.value("from", "").find('@') == std::string::npos || !sm.contains("to") || !sm["to"].is_array() || sm["to"].empty()))
      return Error{"alerts.smtp: 发件人须为邮箱地址，收件人至少一个 / from must be an address and to at least one"};
  }
  return {};
}

Response get_settings(Api& api, Request&) {
  json j = {{"auth", auth_policy_json(api.auth.options(), true)}};
  if (!api.opt.settings) return ok(j);
  auto eff = api.opt.settings(nullptr);
  std::string err;
  json ov = read_overlay(api, err);
  if (!eff) err = eff.error();
  json values = eff ? json::parse(*eff, nullptr, false) : json::object();
  std::map<std::string, json> flat;
  flatten(ov, "", flat);
  json changed = json::array();
  for (const auto& [k, v] : flat) changed.push_back(k);
  bool pending = g_restart_pending.load();
  j["editable"] = masked(values.is_object() ? values : json::object());
  j["changed_in_console"] = changed;
  j["restart_required"] = pending;
  if (!err.empty()) j["error"] = err;
  return ok(j);
}

Response put_settings(Api& api, Request& r) {
  if (!api.opt.settings) return fail(404, "settings cannot be changed here");
  auto body = body_object(r);
  if (!body) return fail(400, "body must be a JSON object");
  std::string err;
  json ov = read_overlay(api, err);
  if (!err.empty()) return fail(500, err);
  auto before_s = api.opt.settings(nullptr);
  json before = before_s ? json::parse(*before_s, nullptr, false) : json::object();
  std::map<std::string, json> want, old_flat;
  flatten(*body, "", want);
  flatten(before, "", old_flat);
  if (want.empty()) return fail(400, "no setting to change");
  json next = ov;
  for (const auto& [k, v] : want) {
    if (secret(k) && v.is_string() && v.get<std::string>() == kMask) continue;  // shown masked, left as it is
    set_path(next, k, v);                                                       // null: back to the file's value
  }
  prune(next);
  std::string text = next.dump(1);
  auto eff_s = api.opt.settings(&text);  // the loader's checks, and the keys the console may set
  if (!eff_s) {
    // "<the file>: auth.lockout_failures must be 1-10": the key and the rule, not the file (the
    // value came from this request); refusals of keys already read in both languages.
    std::string e = eff_s.error();
    if (e.find(" / ") == std::string::npos) {
      if (size_t c = e.find(": "); c != std::string::npos && (e[0] == '/' || e[0] == '.' || e.rfind("settings", 0) == 0))
        e = e.substr(c + 2);
      e = "设置未通过校验：" + e + " / the setting is refused: " + e;
    }
    api.audit(r, r.who.user, "settings_change", false, "", e);
    return fail(400, e);
  }
  json eff = json::parse(*eff_s, nullptr, false);
  if (Status s = extra_checks(eff, before); !s) {
    api.audit(r, r.who.user, "settings_change", false, "", s.error());
    return fail(400, s.error());
  }
  std::map<std::string, json> new_flat;
  flatten(eff, "", new_flat);
  std::string detail;
  json changed = json::array();
  for (const auto& [k, v] : new_flat) {
    json o = old_flat.count(k) ? old_flat[k] : json();
    if (o == v) continue;
    changed.push_back(k);
    detail += (detail.empty() ? "" : "; ") + k + ": " + shown(k, o) + " → " + shown(k, v);
  }
  std::string path = overlay_path(api), tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << text << "\n";
    f.flush();
    if (!f) {
      api.audit(r, r.who.user, "settings_change", false, "", "cannot write " + tmp);
      return fail(500, "cannot write " + tmp);
    }
  }
  ::chmod(tmp.c_str(), 0600);
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return fail(500, "cannot write " + path);
  api.audit(r, r.who.user, "settings_change", true, "", detail.empty() ? "no value changed" : detail);
  bool restart = std::any_of(changed.begin(), changed.end(), [](const json& k) { return !applies_live(k.get<std::string>()); });
  if (restart) g_restart_pending = true;
  return ok({{"saved", true}, {"changed", changed}, {"restart_required", restart}, {"editable", masked(eff)}});
}

}  // namespace

void add_settings_routes(std::vector<Route>& t, Api* api) {
  auto h = [api](Response (*f)(Api&, Request&)) { return [api, f](Request& r) { return f(*api, r); }; };
  t.push_back({"GET", "/api/v1/settings", Perm::kSettingsRead, false, h(get_settings),
               "the account security policy in force, and the console-settable settings for the next start (secrets masked)"});
  t.push_back({"PUT", "/api/v1/settings", Perm::kSettingsWrite, false, h(put_settings),
               "change settings (the file's shape; null returns a key to the file's value); checked, audited, applied at restart "
               "(source_timezones at once)"});
}

}  // namespace wardsec::server
