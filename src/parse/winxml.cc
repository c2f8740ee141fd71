// Windows events as XML (Windows Event Forwarding, wevtutil, NXLog's xm_xml, agents that forward
// the event's XML inside syslog): <Event><System>..</System><EventData><Data Name='X'>v</Data>..
// becomes the same fields a Windows event exported as JSON gives (json.cc): Event.System.EventID,
// Event.System.Provider.#attributes.Name, Event.EventData.X, Event.UserData.X, so Sigma's
// Windows rules and the families read both alike. The time is System/TimeCreated@SystemTime.
// A small reader for this one schema, not a general XML parser: no DTDs, no CDATA in events;
// anything it does not understand fails the line, which is then kept as text.
#include "core/strutil.h"
#include "core/timeutil.h"
#include "parse/parser.h"

namespace wardsec {

namespace {

constexpr size_t kMaxDepth = 16, kMaxFields = 512;

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Text with its entities decoded; false on an entity it does not know.
bool unescape(std::string_view s, std::string& out) {
  out.clear();
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    size_t e = s.find(';', i);
    if (e == std::string_view::npos || e - i > 10) return false;
    std::string_view ent = s.substr(i + 1, e - i - 1);
    if (ent == "lt")
      out += '<';
    else if (ent == "gt")
      out += '>';
    else if (ent == "amp")
      out += '&';
    else if (ent == "quot")
      out += '"';
    else if (ent == "apos")
      out += '\'';
    else if (ent.size() > 1 && ent[0] == '#') {
      uint32_t cp = 0;
      bool hex = ent[1] == 'x' || ent[1] == 'X';
      std::string_view digits = ent.substr(hex ? 2 : 1);
      if (digits.empty()) return false;
      for (char c : digits) {
        int d = c >= '0' && c <= '9'          ? c - '0'
                : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                              : -1;
        if (d < 0) return false;
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
        if (cp > 0x10FFFF) return false;
      }
      if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
      append_utf8(out, cp);
    } else {
      return false;
    }
    i = e;
  }
  return true;
}

bool name_char(char c) { return c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '>' && c != '/' && c != '=' && c != '<'; }

class Reader {
 public:
  Reader(Event& ev, const ParseContext& ctx) : ev_(ev), ctx_(ctx) {}

  bool read(std::string_view s) {
    s_ = s;
    std::vector<std::string> path;  // element local names from Event down
    std::string text, value;
    std::string data_name;  // the Name of the open EventData/Data
    while (i_ < s_.size()) {
      if (s_[i_] != '<') {  // text up to the next tag
        size_t e = s_.find('<', i_);
        if (e == std::string_view::npos) e = s_.size();
        text.append(s_.substr(i_, e - i_));
        i_ = e;
        continue;
      }
      if (starts(s_.substr(i_), "<?")) {
        if (!skip_to("?>")) return false;
        continue;
      }
      if (starts(s_.substr(i_), "<!--")) {
        if (!skip_to("-->")) return false;
        continue;
      }
      if (starts(s_.substr(i_), "<![CDATA[")) return false;
      bool closing = i_ + 1 < s_.size() && s_[i_ + 1] == '/';
      i_ += closing ? 2 : 1;
      size_t n0 = i_;
      while (i_ < s_.size() && name_char(s_[i_])) i_++;
      std::string_view qname = s_.substr(n0, i_ - n0);
      if (qname.empty()) return false;
      std::string name(qname.substr(qname.find(':') == std::string_view::npos ? 0 : qname.find(':') + 1));
      if (closing) {
        skip_blank();
        if (i_ >= s_.size() || s_[i_] != '>' || path.empty() || path.back() != name) return false;
        i_++;
        std::string t(trim(text));
        if (!t.empty()) {
          if (!unescape(t, value)) return false;
          put_text(path, data_name, value);
        }
        text.clear();
        path.pop_back();
        if (name == "Data") data_name.clear();
        if (path.empty()) return done_ = true;
        continue;
      }
      if (path.empty() && name != "Event") return false;
      if (path.size() >= kMaxDepth) return false;
      text.clear();
      path.push_back(name);
      // Attributes.
      bool self_close = false;
      for (;;) {
        skip_blank();
        if (i_ >= s_.size()) return false;
        if (s_[i_] == '>') {
          i_++;
          break;
        }
        if (s_[i_] == '/' && i_ + 1 < s_.size() && s_[i_ + 1] == '>') {
          i_ += 2;
          self_close = true;
          break;
        }
        size_t a0 = i_;
        while (i_ < s_.size() && name_char(s_[i_])) i_++;
        std::string_view attr = s_.substr(a0, i_ - a0);
        skip_blank();
        if (attr.empty() || i_ >= s_.size() || s_[i_] != '=') return false;
        i_++;
        skip_blank();
        if (i_ >= s_.size() || (s_[i_] != '"' && s_[i_] != '\'')) return false;
        char q = s_[i_++];
        size_t e = s_.find(q, i_);
        if (e == std::string_view::npos) return false;
        if (!unescape(s_.substr(i_, e - i_), value)) return false;
        i_ = e + 1;
        if (attr.substr(0, 5) == "xmlns") continue;
        if (name == "Data" && attr == "Name" && in(path, "EventData")) {
          data_name = value;
          continue;
        }
        put_attr(path, attr, value);
      }
      if (self_close) {
        path.pop_back();
        if (name == "Data") data_name.clear();
        if (path.empty()) return done_ = true;
      }
    }
    return false;  // the Event element never closed
  }

  bool done() const { return done_; }

 private:
  static bool starts(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
  static bool in(const std::vector<std::string>& path, std::string_view el) { return path.size() >= 2 && path[1] == el; }
  void skip_blank() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\r' || s_[i_] == '\n')) i_++;
  }
  bool skip_to(std::string_view end) {
    size_t e = s_.find(end, i_);
    if (e == std::string_view::npos) return false;
    i_ = e + end.size();
    return true;
  }

  // Event.System.X, Event.EventData.<Name>, Event.UserData.<field> (its element recorded as
  // Event.UserData.#element), Event.RenderingInfo.Message → message.
  std::string field_of(const std::vector<std::string>& path, const std::string& data_name) {
    if (path.size() >= 3 && path[1] == "EventData" && path[2] == "Data")
      return "Event.EventData." + (data_name.empty() ? "Data" : data_name);
    if (path.size() >= 3 && path[1] == "UserData") {
      if (path.size() >= 4) {
        set("Event.UserData.#element", path[2]);
        std::string f = "Event.UserData";
        for (size_t k = 3; k < path.size(); k++) f += "." + path[k];
        return f;
      }
      return "Event.UserData." + path[2];
    }
    if (path.size() == 3 && path[1] == "RenderingInfo" && path[2] == "Message") return "message";
    std::string f;
    for (const auto& p : path) f += (f.empty() ? "" : ".") + p;
    return f;
  }

  void put_text(const std::vector<std::string>& path, const std::string& data_name, const std::string& v) {
    std::string f = field_of(path, data_name);
    FieldId id = FieldRegistry::intern(f);
    if (id == kNoField) return;
    std::string_view old = ev_.get(id);
    if (!old.empty()) {  // repeated (unnamed Data, Keywords/Keyword): one comma-separated value
      set(id, std::string(old) + "," + v);
      return;
    }
    set(id, v);
  }

  void put_attr(const std::vector<std::string>& path, std::string_view attr, const std::string& v) {
    std::string f = field_of(path, "") + ".#attributes." + std::string(attr);
    if (f == "Event.System.TimeCreated.#attributes.SystemTime" && ev_.ts == 0) {
      int64_t t;
      if (parse_rfc3339(v, t, ctx_.tz_sec)) ev_.ts = t;
    }
    set(f, v);
  }

  void set(const std::string& f, std::string_view v) { set(FieldRegistry::intern(f), v); }
  void set(FieldId id, std::string_view v) {  // interned once by the caller
    if (count_ >= kMaxFields || id == kNoField) return;
    ev_.set(id, v);
    count_++;
  }

  Event& ev_;
  const ParseContext& ctx_;
  std::string_view s_;
  size_t i_ = 0, count_ = 0;
  bool done_ = false;
};

std::string_view event_start(std::string_view s) {
  s = trim(s);
  if (s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  if (s.substr(0, 5) == "<?xml") {
    size_t e = s.find("?>");
    if (e == std::string_view::npos) return {};
    s = trim(s.substr(e + 2));
  }
  return s.substr(0, 6) == "<Event" && s.size() > 6 && (s[6] == ' ' || s[6] == '>') ? s : std::string_view{};
}

}  // namespace

bool parse_windows_xml(Event& ev, std::string_view s, const ParseContext& ctx) {
  s = event_start(s);
  if (s.empty()) return false;
  size_t keep = ev.fields.size();
  int64_t ts = ev.ts;
  Reader r(ev, ctx);
  if (!r.read(s) || !r.done()) {
    ev.fields.resize(keep);
    ev.ts = ts;
    return false;
  }
  ev.set(kEventDataset, "xml");
  return true;
}

namespace {

class WinXmlEnvelope : public EnvelopeParser {
 public:
  bool sniff(std::string_view line) const override { return !event_start(line).empty(); }
  bool parse(Event& ev, const ParseContext& ctx, std::string_view&, std::string_view&) const override {
    return parse_windows_xml(ev, ev.raw, ctx);
  }
};

// The event's XML inside a syslog line ("<13>Dec  4 10:21:07 dc01 MSWinEventLog: <Event ...>").
class WinXmlMessage : public MessageParser {
 public:
  bool parse(Event& ev, std::string_view, std::string_view body, const ParseContext& ctx) const override {
    return parse_windows_xml(ev, body, ctx);
  }
};

}  // namespace

EnvelopeParserPtr make_winxml_parser() { return std::make_unique<WinXmlEnvelope>(); }
MessageParserPtr make_winxml_message_parser() { return std::make_unique<WinXmlMessage>(); }

}  // namespace wardsec
