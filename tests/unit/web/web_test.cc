// The web-attack inspector's parts: request parsing, decoders, the SQL lexer and XSS
// tokenizer on known attacks and on benign hospital text, CSRF and signed cookies, TCP
// reassembly and HTTP extraction from a stream.
#include <gtest/gtest.h>
#include <openssl/hmac.h>

#include "capture/tcp.h"
#include "core/strutil.h"
#include "web/decode.h"
#include "web/inspect.h"
#include "web/request.h"
#include "web/sqli.h"
#include "web/stream.h"
#include "web/xss.h"

using namespace wardsec;
using namespace wardsec::web;

TEST(WebRequest, ParsesRawRequestWithChunkedBody) {
  auto r = parse_raw("POST /a?x=1 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  EXPECT_FALSE(r.malformed);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path(), "/a");
  EXPECT_EQ(r.query(), "x=1");
  EXPECT_EQ(r.body, "hello world");
  ASSERT_NE(r.header("host"), nullptr);
}

TEST(WebRequest, MalformedIsReportedNotDropped) {
  auto r = parse_raw("\x01\x02garbage");
  EXPECT_TRUE(r.malformed);
  EXPECT_FALSE(r.malformed_reason.empty());
  Inspector insp;
  EXPECT_EQ(insp.inspect(r).verdict, "malformed");
}

TEST(WebRequest, CombinedAndJsonLogLines) {
  auto c = parse_log_line(R"(10.1.2.3 - - [29/Nov/2026:10:00:00 +0800] "GET /q?id=1 HTTP/1.1" 200 5 "https://r/" "UA")");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->source_ip, "10.1.2.3");
  EXPECT_EQ(c->target, "/q?id=1");
  EXPECT_FALSE(c->headers_complete);
  auto j = parse_log_line(
      R"({"time":"2026-11-29T10:00:00+08:00","client":"10.1.2.3","method":"POST","uri":"/api","protocol":"HTTP/1.1","status":200,"content_type":"application/json","body":"{\"a\":\"b\"}"})");
  ASSERT_TRUE(j);
  EXPECT_EQ(j->method, "POST");
  EXPECT_EQ(j->body, "{\"a\":\"b\"}");
  EXPECT_FALSE(parse_log_line("2026/11/29 10:00:00 [error] 1#0: something"));
}

TEST(WebDecode, DoubleUrlEntitiesAndEscapes) {
  EXPECT_EQ(url_decode("%253Cscript%253E"), "%3Cscript%3E");
  auto forms = decoded_forms("%253Cscript%253E");
  EXPECT_NE(std::find(forms.begin(), forms.end(), "<script>"), forms.end());
  EXPECT_EQ(html_decode("&lt;a&#x20;href&#61;&quot;x&quot;&gt;"), "<a href=\"x\">");
  EXPECT_EQ(js_unescape("\\x61\\u006c\\u{65}rt"), "alert");
  EXPECT_EQ(base64_decode_text("MSBhbmQgMT0y").value_or(""), "1 and 1=2");
  auto f = decoded_forms("%c0%ae%c0%ae/etc");
  EXPECT_NE(std::find(f.begin(), f.end(), "../etc"), f.end());
}

TEST(WebDecode, ParamsFromJsonMultipartCookies) {
  auto r = parse_raw("POST /p?q=1 HTTP/1.1\r\nContent-Type: application/json\r\nCookie: a=1; b=x y\r\n\r\n{\"n\":{\"m\":[\"v1\",2]}}");
  auto ps = extract_params(r);
  bool v1 = false, cookie_b = false;
  for (const auto& p : ps) {
    v1 |= p.name == "n.m" && p.value == "v1";
    cookie_b |= p.where == Where::kCookie && p.name == "b" && p.value == "x y";
  }
  EXPECT_TRUE(v1);
  EXPECT_TRUE(cookie_b);
}

TEST(WebSqli, FindsInjectionStructure) {
  for (const char* a : {"1' or '1'='1", "1 union select username,password from users--", "x'; drop table patients--", "1 and sleep(5)",
                        "admin'--", "1;waitfor delay '0:0:5'", "') or ('a'='a", "1 AND extractvalue(1,concat(0x7e,version()))",
                        "-1 UNION/**/SELECT 1,2", "1' /*!50000union*/ /*!50000select*/ 1,2-- -", "1 order by 3--"}) {
    auto f = detect_sqli(a);
    EXPECT_TRUE(f.found) << a;
  }
}

TEST(WebSqli, LeavesHospitalTextAlone) {
  for (const char* b :
       {"头痛、发热（38.5℃）3天，伴咳嗽；否认药物过敏史。", "patient O'Brien, allergic to penicillin; 1 or 2 tablets p.o.",
        "select a time slot from the list below", "union of the fracture was confirmed", "Drop off at window 3; pick up after 2pm",
        "Dr. D'Angelo's clinic -- room 2-305", "BP 120/80 mmHg", "阿莫西林胶囊 0.25g*24粒"}) {
    EXPECT_FALSE(detect_sqli(b).found) << b;
  }
}

TEST(WebSqli, TokensAreSlicesOfTheInput) {
  std::string v = "a' OR 1=1 /* c */ -- x";
  for (auto ctx : {SqlContext::kBare, SqlContext::kSingleQuote}) {
    for (const auto& t : sql_tokens(v, ctx)) {
      EXPECT_GE(t.text.data(), v.data());
      EXPECT_LE(t.text.data() + t.text.size(), v.data() + v.size());
    }
  }
}

TEST(WebXss, FindsScriptExecution) {
  for (const char* a : {"<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(document.cookie)",
                        "<svg/onload=alert(1)>", "top['al'+'ert'](1)", "\" autofocus onfocus=alert(1) x=\"",
                        "<iframe src=javascript:alert(1)>", "{{constructor.constructor('alert(1)')()}}", "alert?.(1)"}) {
    EXPECT_TRUE(detect_xss(a).found) << a;
  }
  for (const char* b : {"<b>加粗</b>", "a < b and c > d", "javascript:void(0)", "JavaScript: Basics of JavaScript"}) {
    EXPECT_FALSE(detect_xss(b).found) << b;
  }
  // Everyday icon markup stays under the inspector's default threshold (60).
  EXPECT_LT(detect_xss("icons <svg> in the menu").confidence, 60);
}

TEST(WebInspector, ClassesAndEvidence) {
  Inspector insp;
  auto v = insp.inspect(parse_raw("GET /api/report?file=../../../../etc/passwd HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_EQ(v.verdict, "attack");
  EXPECT_NE(std::find(v.classes.begin(), v.classes.end(), "traversal"), v.classes.end());
  EXPECT_EQ(v.findings.front().param, "file");
  EXPECT_NE(v.findings.front().fragment.find("../"), std::string::npos);
  v = insp.inspect(parse_raw("GET /ping?host=127.0.0.1;cat%20/etc/passwd HTTP/1.1\r\nHost: h\r\n\r\n"));
  EXPECT_NE(std::find(v.classes.begin(), v.classes.end(), "cmdi"), v.classes.end());
  v = insp.inspect(parse_raw("GET /p?url=http://169.254.169.254/latest/ HTTP/1.1\r\nHost: h\r\n\r\n"));
  EXPECT_NE(std::find(v.classes.begin(), v.classes.end(), "ssrf"), v.classes.end());
  v = insp.inspect(parse_raw("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
  EXPECT_NE(std::find(v.classes.begin(), v.classes.end(), "protocol"), v.classes.end());
  v = insp.inspect(parse_raw("GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: sqlmap/1.7\r\n\r\n"));
  EXPECT_NE(std::find(v.classes.begin(), v.classes.end(), "scanner"), v.classes.end());
  v = insp.inspect(parse_raw("GET /appointment?dept=%E5%BF%83%E5%86%85%E7%A7%91&name=%E7%8E%8B%E8%8A%B3 HTTP/1.1\r\nHost: h\r\n\r\n"));
  EXPECT_EQ(v.verdict, "benign");
}

// A data URI's ";base64," is its own syntax, not a separator before the base64 command; the
// command after a real separator still is one (issue #21: a hospital's images in JSON).
TEST(WebInspector, DataUriIsNotACommand) {
  Inspector insp;
  std::string body = R"({"image":"data:image/jpeg;base64,/SqoNn1+XNZUxmcpbM7wMeL70adnLTyaIoRIQ"})";
  auto v = insp.inspect(parse_raw("POST /api/report/image HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: " +
                                  std::to_string(body.size()) + "\r\n\r\n" + body));
  EXPECT_EQ(v.verdict, "benign") << (v.findings.empty() ? "" : v.findings[0].kind);
  v = insp.inspect(parse_raw("GET /p?f=data:x;cat%20/etc/passwd HTTP/1.1\r\nHost: h\r\n\r\n"));
  EXPECT_EQ(v.verdict, "attack");
  v = insp.inspect(parse_raw("GET /p?f=a;base64%20/etc/shadow HTTP/1.1\r\nHost: h\r\n\r\n"));
  EXPECT_EQ(v.verdict, "attack");
}

TEST(WebInspector, RouteExceptions) {
  Policy p;
  p.exceptions.push_back({"/editor/", {"xss"}, ""});
  Inspector insp(p);
  EXPECT_EQ(insp.inspect(parse_raw("GET /editor/save?html=%3Cscript%3Ealert(1)%3C/script%3E HTTP/1.1\r\nHost: h\r\n\r\n")).verdict,
            "benign");
  EXPECT_EQ(insp.inspect(parse_raw("GET /other?html=%3Cscript%3Ealert(1)%3C/script%3E HTTP/1.1\r\nHost: h\r\n\r\n")).verdict, "attack");
}

namespace {
std::string b64url(std::string_view s) {
  std::string b = base64_encode(s);
  for (auto& c : b) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!b.empty() && b.back() == '=') b.pop_back();
  return b;
}
std::string jwt(const std::string& header, const std::string& payload, const std::string& key) {
  std::string signing = b64url(header) + "." + b64url(payload);
  unsigned char mac[64];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(signing.data()), signing.size(), mac,
       &len);
  return signing + "." + b64url(std::string(reinterpret_cast<char*>(mac), len));
}
}  // namespace

TEST(WebInspector, CsrfOnProtectedApps) {
  Policy p;
  AppPolicy app;
  app.name = "his";
  app.hosts = {"his.demo-hospital.local"};
  app.csrf = true;
  p.apps.push_back(app);
  Inspector insp(p);
  auto req = [](const std::string& origin, const std::string& body) {
    return parse_raw("POST /his/order/save HTTP/1.1\r\nHost: his.demo-hospital.local\r\n" + origin +
                     "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                     body);
  };
  auto v = insp.inspect(req("Origin: https://evil.example\r\n", "drug=1&csrf_token=abc"));
  ASSERT_EQ(v.verdict, "attack");
  EXPECT_EQ(v.findings.front().cls, "csrf");
  v = insp.inspect(req("Origin: http://his.demo-hospital.local\r\n", "drug=1"));
  EXPECT_EQ(v.verdict, "attack");  // no token
  v = insp.inspect(req("Origin: http://his.demo-hospital.local\r\n", "drug=1&csrf_token=abc"));
  EXPECT_EQ(v.verdict, "benign");
}

TEST(WebInspector, SignedCookies) {
  Policy p;
  AppPolicy app;
  app.signed_cookies.push_back({"token", "jwt", "s3cret"});
  app.signed_cookies.push_back({"sess", "hmac-sha256", "k"});
  app.session_cookie = "JSESSIONID";
  p.apps.push_back(app);
  Inspector insp(p);
  auto with_cookie = [&](const std::string& c) {
    return insp.inspect(parse_raw("GET / HTTP/1.1\r\nHost: h\r\nCookie: " + c + "\r\n\r\n"), 1800000000LL * 1000000000LL);
  };
  std::string good = jwt(R"({"alg":"HS256","typ":"JWT"})", R"({"sub":"doctor01","exp":1900000000})", "s3cret");
  EXPECT_EQ(with_cookie("token=" + good).verdict, "benign");
  std::string forged = jwt(R"({"alg":"HS256","typ":"JWT"})", R"({"sub":"admin","exp":1900000000})", "guess");
  auto v = with_cookie("token=" + forged);
  ASSERT_EQ(v.verdict, "attack");
  EXPECT_EQ(v.findings.front().kind, "jwt signature mismatch");
  std::string none = b64url(R"({"alg":"none"})") + "." + b64url(R"({"sub":"admin"})") + ".";
  EXPECT_EQ(with_cookie("token=" + none).findings.front().kind, "jwt alg none");
  std::string expired = jwt(R"({"alg":"HS256"})", R"({"sub":"d","exp":1700000000})", "s3cret");
  EXPECT_EQ(with_cookie("token=" + expired).findings.front().kind, "jwt expired");
  unsigned char mac[32];
  unsigned int len = 0;
  std::string payload = "user=doctor01";
  HMAC(EVP_sha256(), "k", 1, reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), mac, &len);
  std::string sig = hex(mac, len);
  EXPECT_EQ(with_cookie("sess=" + payload + "." + sig).verdict, "benign");
  EXPECT_EQ(with_cookie("sess=user=admin." + sig).verdict, "attack");
  // Without a key: a cookie whose structure changes within a session.
  EXPECT_EQ(with_cookie("JSESSIONID=S1; role=3f2a9c").verdict, "benign");
  auto changed = with_cookie("JSESSIONID=S1; role=admin' or 1=1");
  bool structure = false;
  for (const auto& f : changed.findings) structure |= f.kind == "cookie structure changed within the session";
  EXPECT_TRUE(structure);
}

namespace {
capture::Segment seg(bool from_client, uint32_t seq, std::string_view data, bool syn = false, bool fin = false) {
  capture::Segment s;
  s.src = from_client ? capture::Endpoint{"10.0.0.1", 40000} : capture::Endpoint{"10.0.0.2", 80};
  s.dst = from_client ? capture::Endpoint{"10.0.0.2", 80} : capture::Endpoint{"10.0.0.1", 40000};
  s.seq = seq;
  s.syn = syn;
  s.fin = fin;
  s.payload = data;
  return s;
}
}  // namespace

TEST(Capture, ReassemblesOutOfOrderRetransmittedAndGaps) {
  std::vector<StreamRequest> got;
  capture::ReassemblyLimits lim;
  lim.max_pending_bytes = 64;
  capture::Reassembler r(http_request_factory([&](StreamRequest&& s) { got.push_back(std::move(s)); }), lim);
  std::string a = "GET /a?x=1 HTTP/1.1\r\nHost: h\r\n\r\n", b = "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello";
  uint32_t isn = 0xFFFFFFF0u;  // sequence numbers wrap inside the stream
  r.add(seg(true, isn, "", true));
  r.add(seg(false, 7000, "", true));
  uint32_t s0 = isn + 1;
  r.add(seg(true, s0 + 10, std::string_view(a).substr(10)));  // early
  r.add(seg(true, s0, std::string_view(a).substr(0, 12)));    // fills the hole, overlaps 2 bytes
  r.add(seg(true, s0, std::string_view(a).substr(0, 12)));    // retransmission
  uint32_t s1 = s0 + static_cast<uint32_t>(a.size());
  r.add(seg(true, s1, b));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].raw, a);
  EXPECT_EQ(got[1].raw, b);
  EXPECT_EQ(got[0].client.ip, "10.0.0.1");
  // A hole that never fills: skipped as a gap once the pending bytes pass the bound; the next
  // request after it is found again.
  uint32_t s2 = s1 + static_cast<uint32_t>(b.size());
  std::string c = "GET /c HTTP/1.1\r\nHost: h\r\n\r\n";
  r.add(seg(true, s2 + 100, "xxxx\r\n" + c + std::string(80, 'z')));
  r.flush();
  bool found_c = false;
  for (const auto& g : got) found_c |= g.raw.rfind("GET /c ", 0) == 0;
  EXPECT_TRUE(found_c);
  EXPECT_GE(r.stats().gaps, 1u);
  EXPECT_GT(r.stats().retransmitted_bytes, 0u);
}

TEST(Capture, JoinsMidStreamAndFindsTheRequestSide) {
  std::vector<StreamRequest> got;
  capture::Reassembler r(http_request_factory([&](StreamRequest&& s) { got.push_back(std::move(s)); }));
  r.add(seg(false, 500, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));  // a response first
  r.add(seg(true, 900, "GET /x HTTP/1.1\r\nHost: h\r\n\r\nGET /y HTTP/1.1\r\nHost: h\r\n\r\n"));
  r.flush();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].raw.substr(0, 6), "GET /y");
  EXPECT_EQ(got[0].client.ip, "10.0.0.1");
}
