// A streaming XML reader for scanner reports (expat). Reports can be hundreds of megabytes,
// so nothing holds the whole document: the reader builds a small tree for each *record*
// element (an Nmap <host>, a Greenbone <result>, a Nessus <ReportHost>) and hands it over,
// then forgets it. Entity declarations are refused (no billion laughs, no external entities);
// a record larger than the limit is an error, not an allocation.
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace wardsec::vuln {

struct XmlNode {
  std::string name, text;  // text: the character data directly inside, whitespace kept
  std::vector<std::pair<std::string, std::string>> attrs;
  std::vector<XmlNode> children;

  // An attribute's value ("" when absent).
  const std::string& attr(std::string_view key) const;
  // The first child of that name, or nullptr; every child of that name.
  const XmlNode* child(std::string_view n) const;
  std::vector<const XmlNode*> all(std::string_view n) const;
  // The trimmed text of the first child of that name ("" when absent).
  std::string child_text(std::string_view n) const;
};

struct XmlReader {
  // Elements delivered whole (not when nested inside another record).
  std::vector<std::string> records;
  // Called for a record element once it closes.
  std::function<void(const XmlNode&)> on_record;
  // Called when any element outside a record opens (the document's root and its sections),
  // with its depth (the root is 0).
  std::function<void(const XmlNode& open, int depth)> on_open;
  size_t max_record_bytes = 64u << 20;
  int max_depth = 256;
};

// A document: a file read in chunks (`path` set) or a text in memory; `name` is what errors
// say (the uploaded file's name), the path when empty.
struct XmlInput {
  std::string path;
  std::string_view text;
  std::string name;
  const std::string& label() const { return name.empty() ? path : name; }
};
// Errors name the input, the line and column.
Status read_xml(const XmlInput& in, XmlReader& r);

// The trimmed text of a node (the text inside, spaces and line breaks at either end removed).
std::string trimmed(std::string_view s);

}  // namespace wardsec::vuln
