// Decoding as attackers use it: every value is inspected in the forms a server-side
// application could end up seeing after its own decoding (URL, doubled; HTML entities;
// JavaScript/unicode escapes; overlong UTF-8), and requests are split into the values an
// application reads (query, form, JSON, multipart, cookies, headers).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "web/request.h"

namespace wardsec::web {

// %XX (and %uXXXX, as IIS and old browsers send); '+' as space when plus_space. Invalid
// escapes stay as they are.
std::string url_decode(std::string_view s, bool plus_space = true);
// &lt; &#60; &#x3c; (with or without the ';'), and the named entities that matter for markup.
std::string html_decode(std::string_view s);
// \xHH \uHHHH \u{H...} \OOO and \c (JavaScript string escapes, also CSS-ish \HH).
std::string js_unescape(std::string_view s);
// Standard or URL-safe alphabet, padding optional; false on a character outside both.
bool base64_decode(std::string_view s, std::string& out);
// The same, but nullopt unless the whole input is base64 and decodes to mostly printable text.
std::optional<std::string> base64_decode_text(std::string_view s);

// The distinct forms of a value to inspect: as given, then URL-decoded until stable (at most
// three rounds, overlong UTF-8 folded), then entity- and escape-decoded; NUL bytes and
// control characters removed in the last form. The first entry is always `v` itself.
std::vector<std::string> decoded_forms(std::string_view v);

// Where a value sits in the request.
enum class Where { kPath, kQuery, kBody, kCookie, kHeader, kFile, kJsonKey };
const char* where_name(Where w);

struct Param {
  Where where;
  std::string name;   // parameter, cookie or header name; for kPath the path itself
  std::string value;  // the name-level decoding done (application/x-www-form-urlencoded etc.)
};

// Splits "a=1&b=2", URL-decoding names and values.
void split_form(std::string_view s, Where where, std::vector<Param>& out);

// Splits a Cookie header ("a=1; b=2"). A piece without '=' is a value too (name and value
// both the piece) unless `pairs_only`.
void split_cookies(std::string_view header, std::vector<Param>& out, bool pairs_only = false);

// Every value of a request an application reads, bounded (at most 512 values, 64 KiB each).
std::vector<Param> extract_params(const Request& r);
// The client declares the body binary (protobuf, gRPC, octet-stream, media): not text to parse.
bool declared_binary(const Request& r);

}  // namespace wardsec::web
