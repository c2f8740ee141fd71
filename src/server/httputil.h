// What the console's server parses itself (Beast parses the HTTP framing): query strings,
// cookies and route patterns. Untrusted input: never throws, fuzzed (tests/fuzz http_request).
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace wardsec::server {

// The query string of a request target, URL-decoded ('+' is a space; a bad %xx stays as is).
std::map<std::string, std::string> parse_query_params(std::string_view target);
// The value of one cookie in a Cookie header ("" when absent).
std::string cookie_value(std::string_view header, std::string_view name);
// Matches "/api/v1/alerts/{id}/state" against a path; fills the {x} parts (URL-decoded).
bool match_route(const std::string& pattern, const std::string& path, std::vector<std::string>& params);

}  // namespace wardsec::server
