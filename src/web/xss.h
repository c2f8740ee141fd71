// Cross-site scripting: a tokenizer for the contexts a reflected value lands in (HTML text, a
// tag's attributes, a URL attribute, inline JavaScript) that recognizes script execution in
// the value: a script-capable element, an event-handler attribute, a javascript:/vbscript:/
// data: URL, breaking out of an attribute or a JavaScript string into code, and calls of
// script sinks (alert, eval, Function, setTimeout, document.write...) including their
// obfuscated forms (window['al'+'ert'], constructor.constructor, template literals).
#pragma once
#include <string>
#include <string_view>

namespace wardsec::web {

struct XssFinding {
  bool found = false;
  int confidence = 0;
  std::string reason;    // "script element", "event handler", "javascript url", ...
  std::string fragment;  // the part of the value that proved it
};

XssFinding detect_xss(std::string_view value);
// The same with the value already lower-cased (ASCII) by the caller.
XssFinding detect_xss(std::string_view value, std::string_view lowered);

}  // namespace wardsec::web
