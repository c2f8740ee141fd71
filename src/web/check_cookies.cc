// Cookie checks: signed and JWT session cookies that do not verify, tampered values, and a
// session's cookie changing shape between requests.
#include <nlohmann/json.hpp>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>

#include "core/strutil.h"
#include "core/timeutil.h"
#include "web/checks.h"
#include "web/decode.h"

namespace wardsec::web {

using namespace checks;

namespace checks {

std::string b64url_decode(std::string_view s) {
  std::string o;
  return base64_decode(s, o) ? o : std::string();
}

std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

bool same(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char d = 0;
  for (size_t i = 0; i < a.size(); i++) d |= static_cast<unsigned char>(a[i] ^ b[i]);
  return d == 0;
}

// The shape of a cookie value: its character classes and separators, not its content.

}  // namespace checks

namespace {

std::string shape_of(std::string_view v) {
  bool digit = false, lower = false, upper = false, b64 = false, other = false;
  int dots = 0, seps = 0;
  for (char c : v) {
    if (is_digit(c))
      digit = true;
    else if (c >= 'a' && c <= 'z')
      lower = true;
    else if (c >= 'A' && c <= 'Z')
      upper = true;
    else if (c == '-' || c == '_' || c == '+' || c == '/' || c == '=' || c == '%')
      b64 = true;
    else if (c == '.')
      dots++;
    else if (c == '|' || c == ':' || c == '!')
      seps++;
    else
      other = true;
  }
  size_t len = v.size();
  size_t bucket = len < 8 ? len : len < 64 ? 8 + len / 8 : 16 + len / 64;
  std::string o;
  o += digit ? 'd' : '-';
  o += lower ? 'l' : '-';
  o += upper ? 'u' : '-';
  o += b64 ? 'b' : '-';
  o += other ? 'o' : '-';
  o += std::to_string(dots) + "." + std::to_string(seps) + "." + std::to_string(bucket);
  return o;
}

}  // namespace

void Inspector::cookies(const Request& r, const AppPolicy& app, int64_t now, std::vector<Finding>& out) const {
  const std::string* ch = r.header("Cookie");
  if (!ch) return;
  std::vector<Param> cs;
  split_cookies(*ch, cs, true);
  auto add = [&](const std::string& name, const char* kind, std::string_view frag, int conf) {
    out.push_back({"cookie", kind, "cookie", name, clip(frag), conf});
  };
  for (const auto& sc : app.signed_cookies) {
    for (const auto& c : cs) {
      if (c.name != sc.name) continue;
      std::string v = url_decode(c.value, false);
      if (sc.scheme == "jwt") {
        size_t d1 = v.find('.'), d2 = d1 == std::string::npos ? d1 : v.find('.', d1 + 1);
        if (d2 == std::string::npos) {
          add(c.name, "jwt malformed", v, 80);
          continue;
        }
        auto head = nlohmann::json::parse(b64url_decode(std::string_view(v).substr(0, d1)), nullptr, false);
        auto body = nlohmann::json::parse(b64url_decode(std::string_view(v).substr(d1 + 1, d2 - d1 - 1)), nullptr, false);
        if (!head.is_object() || !body.is_object()) {
          add(c.name, "jwt malformed", v, 80);
          continue;
        }
        std::string alg = head.value("alg", std::string());
        if (iequals(alg, "none") || alg.empty()) {
          add(c.name, "jwt alg none", head.dump(), 95);
          continue;
        }
        const EVP_MD* md = alg == "HS256" ? EVP_sha256() : alg == "HS384" ? EVP_sha384() : alg == "HS512" ? EVP_sha512() : nullptr;
        if (!md) {
          add(c.name, "jwt unexpected algorithm", head.dump(), 85);
          continue;
        }
        std::string sig = b64url_decode(std::string_view(v).substr(d2 + 1));
        if (!same(sig, hmac(md, sc.key, std::string_view(v).substr(0, d2)))) {
          add(c.name, "jwt signature mismatch", body.dump(), 95);
          continue;
        }
        if (auto ex = body.find("exp");
            ex != body.end() && ex->is_number() && now > 0 && ex->get<double>() * 1e9 < static_cast<double>(now))
          add(c.name, "jwt expired", body.dump(), 70);
      } else {
        // [s:]payload.signature (Express cookie-signature, and most hand-rolled schemes)
        std::string_view sv = v;
        if (starts_with(sv, "s:")) sv.remove_prefix(2);
        size_t dot = sv.rfind('.');
        if (dot == std::string_view::npos) {
          add(c.name, "signed cookie without signature", v, 85);
          continue;
        }
        std::string_view payload = sv.substr(0, dot), sig = sv.substr(dot + 1);
        std::string mac = hmac(sc.scheme == "hmac-sha1" ? EVP_sha1() : EVP_sha256(), sc.key, payload);
        std::string want_hex = hex(mac.data(), mac.size());
        std::string got = b64url_decode(sig);
        bool ok = iequals(sig, want_hex) || same(got, mac);
        if (!ok) add(c.name, "cookie signature mismatch", payload, 95);
      }
    }
  }
  if (app.session_cookie.empty()) return;
  std::string session;
  for (const auto& c : cs)
    if (c.name == app.session_cookie) session = c.value;
  if (session.empty()) return;
  std::lock_guard lk(shapes_->mu);
  auto it = shapes_->map.find(session);
  if (it == shapes_->map.end()) {
    if (shapes_->map.size() >= Shapes::kMax) {
      shapes_->map.erase(shapes_->order.back());
      shapes_->order.pop_back();
    }
    shapes_->order.push_front(session);
    it = shapes_->map.emplace(session, Shapes::Entry{{}, shapes_->order.begin()}).first;
  } else {
    shapes_->order.splice(shapes_->order.begin(), shapes_->order, it->second.pos);
  }
  for (const auto& c : cs) {
    if (c.name == app.session_cookie) continue;
    std::string sh = shape_of(c.value);
    auto [pos, fresh] = it->second.shapes.emplace(c.name, sh);
    if (!fresh && pos->second != sh) {
      add(c.name, "cookie structure changed within the session", c.value, 70);
      pos->second = sh;
    }
  }
}

}  // namespace wardsec::web
