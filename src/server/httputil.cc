// What the console's server parses itself (Beast parses the HTTP framing): query strings,
// cookies, route patterns. No networking, so the fuzz build links it alone.
#include "server/httputil.h"

#include "core/strutil.h"

namespace wardsec::server {

namespace {

std::string url_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] == '+')
      out.push_back(' ');
    else if (s[i] == '%' && i + 2 < s.size()) {
      std::string b;
      if (unhex(s.substr(i + 1, 2), b)) {
        out += b;
        i += 2;
      } else {
        out.push_back('%');
      }
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

std::map<std::string, std::string> parse_query_params(std::string_view target) {
  std::map<std::string, std::string> m;
  size_t q = target.find('?');
  if (q == std::string_view::npos) return m;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view kv = rest.substr(0, amp);
    size_t eq = kv.find('=');
    m[url_decode(kv.substr(0, eq))] = eq == std::string_view::npos ? "" : url_decode(kv.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return m;
}

std::string cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    size_t semi = header.find(';');
    std::string_view kv = trim(header.substr(0, semi));
    if (kv.size() > name.size() && kv.substr(0, name.size()) == name && kv[name.size()] == '=')
      return std::string(kv.substr(name.size() + 1));
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return "";
}

bool match_route(const std::string& pattern, const std::string& path, std::vector<std::string>& params) {
  params.clear();
  size_t i = 0, j = 0;
  while (i < pattern.size() && j < path.size()) {
    if (pattern[i] == '{') {
      size_t close = pattern.find('}', i);
      size_t end = path.find('/', j);
      if (end == std::string::npos) end = path.size();
      if (end == j) return false;
      params.push_back(url_decode(path.substr(j, end - j)));
      i = close + 1;
      j = end;
    } else {
      if (pattern[i] != path[j]) return false;
      i++;
      j++;
    }
  }
  return i == pattern.size() && j == path.size();
}

}  // namespace wardsec::server
