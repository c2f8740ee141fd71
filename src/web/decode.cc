#include "web/decode.h"

#include <array>

#include <simdjson.h>

#include "core/strutil.h"

namespace wardsec::web {

namespace {

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void put_utf8(std::string& o, uint32_t cp) {
  if (cp < 0x80) {
    o.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    o.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    o.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    o.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    o.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    o.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x110000) {
    o.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    o.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    o.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    o.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// The length of an overlong 3- to 6-byte encoding of an ASCII character at i (lead E0/F0/F8/FC,
// then continuation bytes 0x80 but for the last two), else 0.
size_t overlong_ascii(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t len = c == 0xE0 ? 3 : c == 0xF0 ? 4 : c == 0xF8 ? 5 : c == 0xFC ? 6 : 0;
  if (!len || i + len > s.size()) return 0;
  for (size_t k = 1; k + 2 < len; k++)
    if (static_cast<unsigned char>(s[i + k]) != 0x80) return 0;
  unsigned char a = static_cast<unsigned char>(s[i + len - 2]), b = static_cast<unsigned char>(s[i + len - 1]);
  return (a == 0x80 || a == 0x81) && (b & 0xC0) == 0x80 ? len : 0;
}

// Full-width ASCII (U+FF01..U+FF5E, as IIS and some frameworks fold it), the division slash and
// set minus (U+2215, U+2216), and overlong encodings of ASCII (%c0%ae, %e0%80%ae = '.') become
// the ASCII character.
std::string fold_unicode(std::string_view s) {
  std::string o;
  o.reserve(s.size());
  for (size_t i = 0; i < s.size(); i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c == 0xC0 || c == 0xC1) && i + 1 < s.size() && (static_cast<unsigned char>(s[i + 1]) & 0xC0) == 0x80) {
      o.push_back(static_cast<char>(((c & 0x1F) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3F)));
      i++;
    } else if (size_t len = overlong_ascii(s, i); len) {
      // %e0%80%af, %f0%80%80%af, %f8%80%80%80%af, %fc%80%80%80%80%af: ASCII in 3 to 6 bytes.
      o.push_back(static_cast<char>((static_cast<unsigned char>(s[i + len - 1]) & 0x3F) |
                                    ((static_cast<unsigned char>(s[i + len - 2]) & 0x01) << 6)));
      i += len - 1;
    } else if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x88 &&
               (static_cast<unsigned char>(s[i + 2]) == 0x95 || static_cast<unsigned char>(s[i + 2]) == 0x96)) {
      o.push_back(static_cast<unsigned char>(s[i + 2]) == 0x95 ? '/' : '\\');  // U+2215 DIVISION SLASH, U+2216 SET MINUS
      i += 2;
    } else if (c == 0xEF && i + 2 < s.size()) {
      unsigned char c1 = static_cast<unsigned char>(s[i + 1]), c2 = static_cast<unsigned char>(s[i + 2]);
      uint32_t cp = ((c & 0x0F) << 12) | ((c1 & 0x3F) << 6) | (c2 & 0x3F);
      if ((c1 & 0xC0) == 0x80 && (c2 & 0xC0) == 0x80 && cp >= 0xFF01 && cp <= 0xFF5E) {
        o.push_back(static_cast<char>(cp - 0xFF01 + 0x21));
        i += 2;
      } else {
        o.push_back(s[i]);
      }
    } else {
      o.push_back(s[i]);
    }
  }
  return o;
}

}  // namespace

std::string url_decode(std::string_view s, bool plus_space) {
  if (s.find('%') == std::string_view::npos && (!plus_space || s.find('+') == std::string_view::npos)) return std::string(s);
  std::string o;
  o.reserve(s.size());
  for (size_t i = 0; i < s.size(); i++) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size() && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
      o.push_back(static_cast<char>(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
      i += 2;
    } else if (c == '%' && i + 5 < s.size() && (s[i + 1] == 'u' || s[i + 1] == 'U') && hexval(s[i + 2]) >= 0 && hexval(s[i + 3]) >= 0 &&
               hexval(s[i + 4]) >= 0 && hexval(s[i + 5]) >= 0) {
      uint32_t cp = (hexval(s[i + 2]) << 12) | (hexval(s[i + 3]) << 8) | (hexval(s[i + 4]) << 4) | hexval(s[i + 5]);
      put_utf8(o, cp);
      i += 5;
    } else if (c == '+' && plus_space) {
      o.push_back(' ');
    } else {
      o.push_back(c);
    }
  }
  return o;
}

std::string html_decode(std::string_view s) {
  static const std::pair<std::string_view, std::string_view> kNamed[] = {
      {"lt", "<"},    {"gt", ">"},    {"quot", "\""},  {"apos", "'"},  {"amp", "&"},    {"sol", "/"},  {"bsol", "\\"},
      {"colon", ":"}, {"lpar", "("},  {"rpar", ")"},   {"semi", ";"},  {"equals", "="}, {"tab", "\t"}, {"newline", "\n"},
      {"nbsp", " "},  {"grave", "`"}, {"period", "."}, {"comma", ","}, {"excl", "!"},   {"num", "#"},  {"percnt", "%"},
      {"lsqb", "["},  {"rsqb", "]"},  {"lcub", "{"},   {"rcub", "}"},  {"plus", "+"},   {"quest", "?"}};
  std::string o;
  o.reserve(s.size());
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] != '&') {
      o.push_back(s[i]);
      continue;
    }
    size_t j = i + 1;
    if (j < s.size() && s[j] == '#') {
      j++;
      bool hx = j < s.size() && (s[j] == 'x' || s[j] == 'X');
      if (hx) j++;
      uint32_t cp = 0;
      size_t start = j;
      while (j < s.size() && j - start < 8 && (hx ? hexval(s[j]) >= 0 : is_digit(s[j]))) cp = cp * (hx ? 16 : 10) + hexval(s[j++]);
      while (j < s.size() && j - start < 16 && s[j] == '0' && cp == 0) j++;
      if (j > start) {
        put_utf8(o, cp);
        if (j < s.size() && s[j] == ';') j++;
        i = j - 1;
        continue;
      }
    } else {
      size_t start = j;
      while (j < s.size() && j - start < 10 && std::isalpha(static_cast<unsigned char>(s[j]))) j++;
      std::string name = to_lower(s.substr(start, j - start));
      bool found = false;
      for (const auto& [k, v] : kNamed)
        if (name == k) {
          o.append(v);
          found = true;
          break;
        }
      if (found) {
        if (j < s.size() && s[j] == ';') j++;
        i = j - 1;
        continue;
      }
    }
    o.push_back('&');
  }
  return o;
}

std::string js_unescape(std::string_view s) {
  std::string o;
  o.reserve(s.size());
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      o.push_back(s[i]);
      continue;
    }
    char n = s[i + 1];
    if (n == 'x' && i + 3 < s.size() && hexval(s[i + 2]) >= 0 && hexval(s[i + 3]) >= 0) {
      put_utf8(o, hexval(s[i + 2]) * 16 + hexval(s[i + 3]));
      i += 3;
    } else if (n == 'u' && i + 2 < s.size() && s[i + 2] == '{') {
      size_t j = i + 3;
      uint32_t cp = 0;
      while (j < s.size() && j < i + 11 && hexval(s[j]) >= 0) cp = cp * 16 + hexval(s[j++]);
      if (j < s.size() && s[j] == '}' && j > i + 3) {
        put_utf8(o, cp);
        i = j;
      } else {
        o.push_back(s[i]);
      }
    } else if (n == 'u' && i + 5 < s.size() && hexval(s[i + 2]) >= 0 && hexval(s[i + 3]) >= 0 && hexval(s[i + 4]) >= 0 &&
               hexval(s[i + 5]) >= 0) {
      put_utf8(o, (hexval(s[i + 2]) << 12) | (hexval(s[i + 3]) << 8) | (hexval(s[i + 4]) << 4) | hexval(s[i + 5]));
      i += 5;
    } else if (n >= '0' && n <= '7') {
      uint32_t cp = 0;
      size_t j = i + 1;
      while (j < s.size() && j < i + 4 && s[j] >= '0' && s[j] <= '7') cp = cp * 8 + (s[j++] - '0');
      put_utf8(o, cp);
      i = j - 1;
    } else if (n == '\\' || n == '\'' || n == '"' || n == '/' || n == '`') {
      o.push_back(n);
      i++;
    } else {
      o.push_back(s[i]);
    }
  }
  return o;
}

bool base64_decode(std::string_view s, std::string& o) {
  o.clear();
  uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    int v = (c >= 'A' && c <= 'Z')   ? c - 'A'
            : (c >= 'a' && c <= 'z') ? c - 'a' + 26
            : (c >= '0' && c <= '9') ? c - '0' + 52
            : (c == '+' || c == '-') ? 62
            : (c == '/' || c == '_') ? 63
                                     : -1;
    if (v < 0) {
      if (c == '=') break;  // padding ends the data
      return false;
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      o.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return true;
}

std::optional<std::string> base64_decode_text(std::string_view s) {
  s = trim(s);
  while (!s.empty() && s.back() == '=') s.remove_suffix(1);
  if (s.size() < 8 || s.size() % 4 == 1) return std::nullopt;  // no base64 text has that length
  static const auto alphabet = [] {
    std::array<bool, 256> t{};
    for (unsigned char c : std::string_view("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_")) t[c] = true;
    return t;
  }();
  for (unsigned char c : s)
    if (!alphabet[c]) return std::nullopt;
  std::string o;
  if (!base64_decode(s, o)) return std::nullopt;
  size_t printable = 0;
  for (unsigned char c : o) printable += (c >= 0x20 && c < 0x7F) || c == '\n' || c == '\r' || c == '\t' || c >= 0x80;
  if (printable * 10 < o.size() * 9 || !valid_utf8(o)) return std::nullopt;
  return o;
}

std::vector<std::string> decoded_forms(std::string_view v) {
  std::vector<std::string> out;
  out.emplace_back(v);
  // Most values need no decoding at all.
  bool plain = true;
  for (unsigned char c : v)
    if (c == '%' || c == '&' || c == '\\' || c < 0x20 || c >= 0xC0) {
      plain = false;
      break;
    }
  if (plain) return out;
  auto add = [&](std::string s) {
    for (const auto& o : out)
      if (o == s) return;
    out.push_back(std::move(s));
  };
  std::string cur(v);
  for (int round = 0; round < 3 && cur.find('%') != std::string::npos; round++) {
    // A value still percent-encoded after the server's own decoding is decoded again by the
    // application, '+' as a space included (double encoding).
    std::string d = url_decode(cur, true);
    if (d == cur) break;
    cur = std::move(d);
  }
  bool high = false;
  for (unsigned char c : cur) high |= c >= 0xC0;
  if (high) cur = fold_unicode(cur);
  add(cur);
  for (int round = 0; round < 2 && cur.find('&') != std::string::npos; round++) cur = html_decode(cur);  // &amp;lpar; -> &lpar; -> (
  if (cur.find('\\') != std::string::npos) cur = js_unescape(cur);
  // One more URL round after entities/escapes (&#37;27 -> %27 -> ').
  if (cur.find('%') != std::string::npos) cur = url_decode(cur, false);
  bool ctl = false;
  for (unsigned char c : cur) ctl |= c < 0x20 && c != '\n' && c != '\r' && c != '\t';
  if (!ctl) {
    add(std::move(cur));
    return out;
  }
  std::string clean;
  clean.reserve(cur.size());
  for (unsigned char c : cur)
    if (c >= 0x20 || c == '\n' || c == '\r' || c == '\t') clean.push_back(static_cast<char>(c));
  add(std::move(clean));
  return out;
}

const char* where_name(Where w) {
  switch (w) {
    case Where::kPath: return "path";
    case Where::kQuery: return "query";
    case Where::kBody: return "body";
    case Where::kCookie: return "cookie";
    case Where::kHeader: return "header";
    case Where::kFile: return "file";
    case Where::kJsonKey: return "body";
  }
  return "?";
}

namespace {

constexpr size_t kMaxParams = 512;
constexpr size_t kMaxValue = 64 << 10;

void push(std::vector<Param>& out, Where w, std::string_view name, std::string_view value) {
  if (out.size() >= kMaxParams) return;
  out.push_back({w, std::string(name.substr(0, 256)), std::string(value.substr(0, kMaxValue))});
}

// Every key and scalar of a JSON document, with dotted names; iterative, so nesting depth
// costs no stack. false when the text is not JSON.
bool walk_json(std::string_view text, std::vector<Param>& out) {
  thread_local simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root)) return false;
  struct Item {
    simdjson::dom::element e;
    std::string name;
  };
  std::vector<Item> stack{{root, ""}};
  while (!stack.empty() && out.size() < kMaxParams) {
    Item it = std::move(stack.back());
    stack.pop_back();
    switch (it.e.type()) {
      case simdjson::dom::element_type::OBJECT: {
        simdjson::dom::object obj;
        if (it.e.get(obj)) break;
        for (auto [k, v] : obj) {
          push(out, Where::kJsonKey, it.name, k);
          stack.push_back({v, it.name.empty() ? std::string(k) : it.name + "." + std::string(k)});
        }
        break;
      }
      case simdjson::dom::element_type::ARRAY: {
        simdjson::dom::array arr;
        if (it.e.get(arr)) break;
        for (auto v : arr) stack.push_back({v, it.name});
        break;
      }
      case simdjson::dom::element_type::STRING: {
        std::string_view sv;
        if (!it.e.get(sv)) push(out, Where::kBody, it.name, sv);
        break;
      }
      case simdjson::dom::element_type::NULL_VALUE: break;
      default: push(out, Where::kBody, it.name, simdjson::minify(it.e));
    }
  }
  return true;
}

std::string_view param_of(std::string_view header_value, std::string_view key) {
  // key=value or key="value" inside a header such as Content-Type or Content-Disposition.
  size_t p = 0;
  while ((p = header_value.find(key, p)) != std::string_view::npos) {
    bool start = p == 0 || header_value[p - 1] == ';' || header_value[p - 1] == ' ';
    size_t e = p + key.size();
    if (start && e < header_value.size() && header_value[e] == '=') {
      std::string_view v = header_value.substr(e + 1);
      if (!v.empty() && v[0] == '"') {
        v = v.substr(1);
        return v.substr(0, v.find('"'));
      }
      return trim(v.substr(0, v.find(';')));
    }
    p = e;
  }
  return {};
}

void split_multipart(std::string_view body, std::string_view boundary, std::vector<Param>& out) {
  std::string delim = "--" + std::string(boundary);
  size_t p = body.find(delim);
  while (p != std::string_view::npos && out.size() < kMaxParams) {
    p += delim.size();
    if (body.substr(p, 2) == "--") break;
    size_t next = body.find(delim, p);
    std::string_view part = body.substr(p, next == std::string_view::npos ? std::string_view::npos : next - p);
    size_t he = part.find("\r\n\r\n");
    size_t skip = 4;
    if (he == std::string_view::npos) {
      he = part.find("\n\n");
      skip = 2;
    }
    std::string_view heads = he == std::string_view::npos ? part : part.substr(0, he);
    std::string_view content = he == std::string_view::npos ? std::string_view() : part.substr(he + skip);
    if (ends_with(content, "\r\n")) content.remove_suffix(2);
    std::string_view name, filename, ctype;
    for (size_t ls = 0; ls < heads.size();) {
      size_t le = heads.find('\n', ls);
      std::string_view line = trim(heads.substr(ls, le == std::string_view::npos ? std::string_view::npos : le - ls));
      if (icontains(line, "content-disposition:")) {
        name = param_of(line, "name");
        filename = param_of(line, "filename");
      } else if (icontains(line, "content-type:")) {
        ctype = trim(line.substr(line.find(':') + 1));
      }
      if (le == std::string_view::npos) break;
      ls = le + 1;
    }
    if (!filename.empty()) push(out, Where::kFile, name, filename);
    // A file's content is inspected as a value too: webshells and XXE arrive this way.
    if (!ctype.empty() && icontains(ctype, "json") && walk_json(content, out)) {
      p = next;
      continue;
    }
    push(out, filename.empty() ? Where::kBody : Where::kFile, name, content);
    p = next;
  }
}

}  // namespace

void split_form(std::string_view s, Where where, std::vector<Param>& out) {
  size_t i = 0;
  while (i <= s.size() && out.size() < kMaxParams) {
    size_t e = s.find('&', i);  // not ';': applications read "a=1;cat /etc/passwd" as one value
    if (e == std::string_view::npos) e = s.size();
    std::string_view kv = s.substr(i, e - i);
    if (!kv.empty()) {
      size_t eq = kv.find('=');
      std::string name = url_decode(kv.substr(0, eq));
      std::string value = eq == std::string_view::npos ? std::string() : url_decode(kv.substr(eq + 1));
      // A key without a value is still input: "?<script>" and "?1'or'1'='1" have no '='.
      if (eq == std::string_view::npos) std::swap(name, value);
      push(out, where, name, value);
    }
    i = e + 1;
  }
}

void split_cookies(std::string_view cs, std::vector<Param>& out, bool pairs_only) {
  size_t i = 0;
  while (i < cs.size() && out.size() < kMaxParams) {
    size_t e = cs.find(';', i);
    if (e == std::string_view::npos) e = cs.size();
    std::string_view kv = trim(cs.substr(i, e - i));
    size_t eq = kv.find('=');
    if (eq != std::string_view::npos || !pairs_only)
      push(out, Where::kCookie, kv.substr(0, eq), eq == std::string_view::npos ? kv : kv.substr(eq + 1));
    i = e + 1;
  }
}

bool declared_binary(const Request& r) {
  const std::string* ct = r.header("Content-Type");
  if (!ct) return false;
  std::string c = to_lower(*ct);
  for (std::string_view t :
       {"protobuf", "grpc", "octet-stream", "image/", "audio/", "video/", "msgpack", "thrift", "zip", "x-java-serialized"})
    if (c.find(t) != std::string::npos) return true;
  return false;
}

std::vector<Param> extract_params(const Request& r) {
  std::vector<Param> out;
  out.reserve(16 + r.headers.size());
  push(out, Where::kPath, "", url_decode(r.path(), false));
  split_form(r.query(), Where::kQuery, out);
  if (!r.body.empty()) {
    const std::string* ct = r.header("Content-Type");
    std::string ctype = ct ? to_lower(*ct) : std::string();
    if (ctype.find("multipart/") != std::string::npos) {
      std::string_view b = param_of(ct ? std::string_view(*ct) : std::string_view(), "boundary");
      if (!b.empty())
        split_multipart(r.body, b, out);
      else
        push(out, Where::kBody, "", r.body);
    } else if (ctype.find("json") != std::string::npos || (ctype.empty() && (r.body[0] == '{' || r.body[0] == '['))) {
      if (!walk_json(r.body, out)) push(out, Where::kBody, "", r.body);
    } else if (ctype.find("x-www-form-urlencoded") != std::string::npos ||
               (ctype.empty() && r.body.find('=') != std::string::npos && r.body.find('<') == std::string::npos)) {
      split_form(r.body, Where::kBody, out);
    } else {
      push(out, Where::kBody, "", r.body);
    }
  }
  if (const std::string* c = r.header("Cookie")) split_cookies(*c, out);
  for (const auto& [k, v] : r.headers) {
    if (iequals(k, "Cookie") || iequals(k, "Host") || iequals(k, "Content-Length")) continue;
    if (iequals(k, "Referer")) {
      // The referring page's own parameters: what a browser was tricked into carrying.
      size_t q = v.find('?');
      if (q != std::string::npos) split_form(std::string_view(v).substr(q + 1), Where::kHeader, out);
      continue;
    }
    push(out, Where::kHeader, k, v);
  }
  return out;
}

}  // namespace wardsec::web
