// An HTTP request as the web-attack inspector sees it, from any of its three sources: a raw
// HTTP/1.1 request (mirrored traffic, the blazehttp corpus, the proxy), an access-log line
// (nginx/Apache combined), or wardsec's JSON access-log format (docs/web.md), which carries
// headers and the request body. Parsing never throws: what cannot be parsed is a request with
// `malformed` set and the reason, so that it is reported rather than dropped.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wardsec::web {

struct Request {
  std::string method, target, version;                       // target as sent: path and query, still encoded
  std::vector<std::pair<std::string, std::string>> headers;  // in order, names as sent
  std::string body;
  std::string source_ip;
  int status = 0;  // from logs: the answer's status
  int64_t ts = 0;  // ns, from logs
  bool malformed = false;
  std::string malformed_reason;
  // Protocol oddities noticed while parsing (bare LF line ends, obs-fold, duplicate
  // Content-Length...): the inspector's protocol checks read them.
  std::vector<std::string> anomalies;
  bool body_truncated = false;
  // False for combined-format log lines, which carry no Origin, Cookie or body: checks that
  // need them (CSRF token, cookie tampering) say nothing rather than guess.
  bool headers_complete = true;

  // First header with this name (case-insensitive), nullptr when absent.
  const std::string* header(std::string_view name) const;
  size_t header_count(std::string_view name) const;
  std::string_view path() const;   // target up to '?', or an absolute-form URL's path
  std::string_view query() const;  // after '?', without the fragment
};

// Limits that keep one request's cost bounded whatever it holds.
constexpr size_t kMaxBody = 1 << 20;          // bytes of body inspected
constexpr size_t kMaxHeaderBytes = 64 << 10;  // headers beyond this make the request malformed

// A raw HTTP/1.1 request: request line, headers, blank line, body (chunked bodies are
// de-chunked). Lines may end in CRLF or LF.
Request parse_raw(std::string_view bytes);

// One access-log line: wardsec's JSON format (starts with '{') or combined/common format.
// nullopt when the line is neither (e.g. an nginx error line): not a request at all.
std::optional<Request> parse_log_line(std::string_view line);

}  // namespace wardsec::web
