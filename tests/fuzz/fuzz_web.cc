// Fuzz targets: Web attack detection: requests, decoders, the SQL and XSS detectors, packet capture and
// the console's own HTTP parsing.
#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz.h"
#include "capture/pcap.h"
#include "capture/tcp.h"
#include "server/auth.h"
#include "server/httputil.h"
#include "web/decode.h"
#include "web/inspect.h"
#include "web/request.h"
#include "web/sqli.h"
#include "web/stream.h"
#include "web/xss.h"

using namespace wardsec;
using namespace wardsec::fuzz;

WARDSEC_FUZZ_TARGET(web_request) {
  // A raw request and an access-log line, through the whole inspector (every decoder and both
  // tokenizers run on what the request holds). A verdict is always one of the three.
  static web::Inspector insp;
  for (const auto& r : {web::parse_raw(in), web::parse_log_line(in).value_or(web::Request{})}) {
    auto v = insp.inspect(r, 1);
    if (v.verdict != "attack" && v.verdict != "benign" && v.verdict != "malformed") std::abort();
    if (r.body.size() > web::kMaxBody) std::abort();
  }
}

WARDSEC_FUZZ_TARGET(capture) {
  // Frames and TCP reassembly: the input is a run of records [linktype:1][len:2][frame], as
  // a pcap holds them; every decoded segment goes to a reassembler with small bounds and an
  // HTTP request extractor. Requests never exceed the bound plus one segment.
  size_t limit = 4096;
  capture::ReassemblyLimits lim;
  lim.max_pending_bytes = 2048;
  lim.max_flows = 8;
  capture::Reassembler r(web::http_request_factory(
                             [&](web::StreamRequest&& s) {
                               if (s.raw.size() > limit + in.size()) std::abort();
                             },
                             limit),
                         lim);
  capture::PacketStats st;
  static const int kLinks[] = {1, 113, 276, 0, 101, 228, 229};
  size_t p = 0;
  int64_t ts = 0;
  while (p + 3 <= in.size()) {
    int lt = kLinks[static_cast<unsigned char>(in[p]) % 7];
    size_t len = (static_cast<unsigned char>(in[p + 1]) << 8) | static_cast<unsigned char>(in[p + 2]);
    p += 3;
    len = std::min(len, in.size() - p);
    capture::Segment seg;
    seg.ts = ts += 1000000;
    if (capture::decode_frame(lt, reinterpret_cast<const uint8_t*>(in.data() + p), len, len, seg, st)) r.add(seg);
    p += len;
  }
  r.flush();
  if (r.flows() != 0) std::abort();
}

WARDSEC_FUZZ_TARGET(web_decode) {
  // The decoders: URL (single, double, %u), HTML entities, JavaScript escapes, base64, and the
  // forms/parameters built from them. URL and entity decoding never grow the text.
  if (web::url_decode(in).size() > in.size()) std::abort();
  if (web::html_decode(in).size() > in.size() + 8) std::abort();
  web::js_unescape(in);
  web::base64_decode_text(in);
  auto forms = web::decoded_forms(in);
  if (forms.empty() || forms[0] != in) std::abort();
  std::vector<web::Param> ps;
  web::split_form(in, web::Where::kQuery, ps);
}

WARDSEC_FUZZ_TARGET(sqli) {
  // The SQL lexer: every token is a slice of the input, in order, in every context.
  for (auto ctx : {web::SqlContext::kBare, web::SqlContext::kSingleQuote, web::SqlContext::kDoubleQuote, web::SqlContext::kBacktick}) {
    const char* last = in.data();
    for (const auto& t : web::sql_tokens(in, ctx, 100000)) {
      if (t.text.data() < last || t.text.data() + t.text.size() > in.data() + in.size()) std::abort();
      last = t.text.data();
    }
  }
  auto f = web::detect_sqli(in);
  if (f.found != (f.confidence >= 50)) std::abort();
}

WARDSEC_FUZZ_TARGET(xss) {
  auto f = web::detect_xss(in);
  if (f.found != (f.confidence >= 50) || f.fragment.size() > 400) std::abort();
}

WARDSEC_FUZZ_TARGET(http_request) {
  // What the console's server parses itself (Beast parses the HTTP framing): the target's query
  // string, the Cookie header, the path against route patterns, a TOTP code's base32 secret and a
  // password against the policy. Lines: target, cookie, the rest.
  std::string_view target = in.substr(0, in.find('\n'));
  std::string_view rest = in.size() > target.size() ? in.substr(target.size() + 1) : std::string_view();
  std::string_view cookie = rest.substr(0, rest.find('\n'));
  auto params = server::parse_query_params(target);
  for (const auto& [k, v] : params)
    if (k.size() + v.size() > target.size() + 1) std::abort();  // decoding never grows text
  server::cookie_value(cookie, "wardsec_session");
  std::string path(target.substr(0, target.find('?')));
  for (const char* pattern : {"/api/v1/alerts/{id}/state", "/api/v1/users/{name}", "/api/v1/inventory/{kind}/export", "/api/v1/health"}) {
    std::vector<std::string> p;
    if (server::match_route(pattern, path, p)) {
      size_t holes = std::string_view(pattern).find('{') == std::string_view::npos ? 0 : 1;
      if (p.size() != holes) std::abort();  // every {x} captured, nothing else
      for (const auto& v : p)
        if (v.empty()) std::abort();  // a capture is never empty
    }
  }
  server::base32_decode(rest);
  (void)server::check_password(server::AuthOptions{}, "user", rest);
}
