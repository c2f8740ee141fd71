#include "enrich/web_attack.h"

#include <nlohmann/json.hpp>

#include "core/strutil.h"

namespace wardsec::enrich {

using namespace web;

namespace {

// wardsec's JSON access-log format: an object with at least "method" and "uri".
bool is_json_access(std::string_view s) {
  return !s.empty() && s[0] == '{' && s.find("\"uri\"") != std::string_view::npos && s.find("\"method\"") != std::string_view::npos;
}

}  // namespace

bool inspect_web(const Inspector& insp, Event& ev) {
  std::string_view dataset = ev.get(kEventDataset);
  std::string_view line;
  bool json = false;
  if (dataset == "web.access") {
    std::string_view msg = ev.get(kMessage);
    line = msg.empty() ? std::string_view(ev.raw) : msg;
  } else {
    // The JSON format arrives bare or as a syslog message body.
    std::string_view msg = ev.get(kMessage);
    if (is_json_access(msg))
      line = msg;
    else if (is_json_access(ev.raw))
      line = ev.raw;
    else
      return false;
    json = true;
  }
  auto r = parse_log_line(line);
  if (!r) return false;
  if (json) {
    ev.set(kEventDataset, "web.access");
    ev.set(kEventCategory, "web");
    if (!r->method.empty()) ev.set(kHttpMethod, r->method);
    if (!r->target.empty()) {
      ev.set(kUrlOriginal, r->target);
      ev.set(kUrlPath, r->path());
      if (!r->query().empty()) ev.set(kUrlQuery, r->query());
    }
    if (!r->source_ip.empty() && !ev.has(kSourceIp) && looks_like_ip(r->source_ip)) ev.set(kSourceIp, r->source_ip);
    if (r->status) ev.set(kHttpStatus, std::to_string(r->status));
    if (const std::string* ua = r->header("User-Agent")) ev.set(kUserAgent, *ua);
    if (const std::string* ref = r->header("Referer")) ev.set(kHttpReferrer, *ref);
    if (r->ts) ev.ts = r->ts;
  }
  auto v = insp.inspect(*r, ev.ts);
  if (v.verdict == "benign") return true;
  ev.set("web.attack.verdict", v.verdict);
  if (v.verdict == "malformed") ev.set("web.attack.reason", v.malformed_reason);
  if (v.findings.empty()) return true;
  std::string classes;
  for (const auto& c : v.classes) classes += (classes.empty() ? "" : ",") + c;
  const Finding& top = v.findings.front();
  ev.set("web.attack.classes", classes);
  ev.set("web.attack.confidence", std::to_string(top.confidence));
  ev.set("web.attack.kind", top.kind);
  ev.set("web.attack.where", top.where);
  if (!top.param.empty()) ev.set("web.attack.param", top.param);
  ev.set("web.attack.fragment", top.fragment);
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& f : v.findings)
    arr.push_back({{"class", f.cls},
                   {"kind", f.kind},
                   {"where", f.where},
                   {"param", f.param},
                   {"fragment", f.fragment},
                   {"confidence", f.confidence}});
  ev.set("web.attack.findings", arr.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return true;
}

}  // namespace wardsec::enrich
