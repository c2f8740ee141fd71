#include "vuln/xml.h"

#include <expat.h>

#include <cstdio>
#include <memory>

namespace wardsec::vuln {

namespace {

const std::string kEmpty;

struct State {
  XML_Parser p = nullptr;
  XmlReader* r = nullptr;
  std::string name;
  int depth = 0;
  // The record being built: the path from it down to the open element.
  std::vector<XmlNode*> stack;
  XmlNode record;
  size_t record_bytes = 0;
  std::string error;  // set when a handler stopped the parser

  void stop(std::string why) {
    if (error.empty()) error = std::move(why);
    XML_StopParser(p, XML_FALSE);
  }
  bool is_record(const char* n) const {
    for (const auto& x : r->records)
      if (x == n) return true;
    return false;
  }
};

void on_start(void* ud, const XML_Char* name, const XML_Char** atts) {
  auto* s = static_cast<State*>(ud);
  if (++s->depth > s->r->max_depth) return s->stop("嵌套过深 / elements nested deeper than " + std::to_string(s->r->max_depth));
  XmlNode n;
  n.name = name;
  for (int i = 0; atts[i]; i += 2) n.attrs.emplace_back(atts[i], atts[i + 1]);
  if (!s->stack.empty()) {
    for (const auto& [k, v] : n.attrs) s->record_bytes += k.size() + v.size() + 16;
    s->record_bytes += n.name.size() + sizeof(XmlNode);
    if (s->record_bytes > s->r->max_record_bytes)
      return s->stop("记录过大 / a <" + s->record.name + "> is larger than " + std::to_string(s->r->max_record_bytes) + " bytes");
    s->stack.back()->children.push_back(std::move(n));
    s->stack.push_back(&s->stack.back()->children.back());
    return;
  }
  if (s->is_record(name)) {
    s->record = std::move(n);
    s->record_bytes = 0;
    s->stack.push_back(&s->record);
    return;
  }
  if (s->r->on_open) s->r->on_open(n, s->depth - 1);
}

void on_end(void* ud, const XML_Char*) {
  auto* s = static_cast<State*>(ud);
  --s->depth;
  if (s->stack.empty()) return;
  s->stack.pop_back();
  if (s->stack.empty() && s->r->on_record) {
    s->r->on_record(s->record);
    s->record = XmlNode{};
  }
}

void on_text(void* ud, const XML_Char* t, int len) {
  auto* s = static_cast<State*>(ud);
  if (s->stack.empty()) return;
  s->record_bytes += static_cast<size_t>(len);
  if (s->record_bytes > s->r->max_record_bytes)
    return s->stop("记录过大 / a <" + s->record.name + "> is larger than " + std::to_string(s->r->max_record_bytes) + " bytes");
  s->stack.back()->text.append(t, static_cast<size_t>(len));
}

void on_entity(void* ud, const XML_Char* name, int, const XML_Char*, int, const XML_Char*, const XML_Char*, const XML_Char*,
               const XML_Char*) {
  auto* s = static_cast<State*>(ud);
  s->stop(std::string("不接受实体声明 / entity declarations are not accepted (") + name + ")");
}

void on_skipped(void* ud, const XML_Char* name, int) {
  auto* s = static_cast<State*>(ud);
  s->stop(std::string("未定义的实体 / an undefined entity: ") + name);
}

struct Parser {
  State s;
  explicit Parser(XmlReader& r, const std::string& name) {
    s.p = XML_ParserCreate("UTF-8");
    s.r = &r;
    s.name = name;
    XML_SetUserData(s.p, &s);
    XML_SetElementHandler(s.p, on_start, on_end);
    XML_SetCharacterDataHandler(s.p, on_text);
    XML_SetEntityDeclHandler(s.p, on_entity);
    XML_SetSkippedEntityHandler(s.p, on_skipped);
    XML_SetParamEntityParsing(s.p, XML_PARAM_ENTITY_PARSING_NEVER);
  }
  ~Parser() { XML_ParserFree(s.p); }
  Status feed(const char* data, size_t n, bool last) {
    if (XML_Parse(s.p, data, static_cast<int>(n), last ? XML_TRUE : XML_FALSE) != XML_STATUS_OK) {
      std::string why = s.error.empty() ? XML_ErrorString(XML_GetErrorCode(s.p)) : s.error;
      return Error{s.name + ":" + std::to_string(XML_GetCurrentLineNumber(s.p)) + ":" +
                   std::to_string(XML_GetCurrentColumnNumber(s.p) + 1) + ": XML 无法读取 / XML not readable: " + why};
    }
    return {};
  }
};

}  // namespace

const std::string& XmlNode::attr(std::string_view key) const {
  for (const auto& [k, v] : attrs)
    if (k == key) return v;
  return kEmpty;
}

const XmlNode* XmlNode::child(std::string_view n) const {
  for (const auto& c : children)
    if (c.name == n) return &c;
  return nullptr;
}

std::vector<const XmlNode*> XmlNode::all(std::string_view n) const {
  std::vector<const XmlNode*> out;
  for (const auto& c : children)
    if (c.name == n) out.push_back(&c);
  return out;
}

std::string XmlNode::child_text(std::string_view n) const {
  const XmlNode* c = child(n);
  return c ? trimmed(c->text) : std::string();
}

std::string trimmed(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

namespace {

Status read_text(std::string_view text, const std::string& name, XmlReader& r) {
  Parser p(r, name);
  constexpr size_t kChunk = 1 << 20;
  for (size_t off = 0;; off += kChunk) {
    size_t n = std::min(kChunk, text.size() - std::min(off, text.size()));
    bool last = off + n >= text.size();
    if (Status st = p.feed(text.data() + off, n, last); !st) return st;
    if (last) return {};
  }
}

Status read_file(const std::string& path, const std::string& name, XmlReader& r) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!f) return Error{name + ": 无法打开 / cannot open"};
  Parser p(r, name);
  std::string buf(1 << 20, '\0');
  for (;;) {
    size_t n = std::fread(buf.data(), 1, buf.size(), f.get());
    if (std::ferror(f.get())) return Error{name + ": 读取失败 / read failed"};
    bool last = n < buf.size();
    if (Status st = p.feed(buf.data(), n, last); !st) return st;
    if (last) return {};
  }
}

}  // namespace

Status read_xml(const XmlInput& in, XmlReader& r) {
  return in.path.empty() ? read_text(in.text, in.label(), r) : read_file(in.path, in.label(), r);
}

}  // namespace wardsec::vuln
