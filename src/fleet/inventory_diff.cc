#include "fleet/inventory_diff.h"

#include <nlohmann/json.hpp>

#include <map>

namespace wardsec::fleet {
using json = nlohmann::json;

namespace {

std::string s(const json& o, const char* k) {
  if (!o.is_object()) return "";
  auto it = o.find(k);
  if (it == o.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  return "";
}

const json& list(const json& snap, const char* k) {
  static const json empty = json::array();
  auto it = snap.find(k);
  return it != snap.end() && it->is_array() ? *it : empty;
}

// A list read as key -> detail.
using Keyed = std::map<std::string, std::string>;
using KeyFn = std::pair<std::string, std::string> (*)(const json&);

Keyed keyed(const json& snap, const char* k, KeyFn f) {
  Keyed m;
  for (const auto& e : list(snap, k)) {
    auto [key, detail] = f(e);
    if (!key.empty()) m.emplace(std::move(key), std::move(detail));
  }
  return m;
}

void compare(const Keyed& a, const Keyed& b, const char* kind, const char* sev_added, bool changed_too, std::vector<InventoryChange>& out) {
  for (const auto& [k, d] : b) {
    auto it = a.find(k);
    if (it == a.end())
      out.push_back({kind, "added", k, d, sev_added});
    else if (changed_too && it->second != d)
      out.push_back({kind, "changed", k, it->second + " -> " + d, ""});
  }
  for (const auto& [k, d] : a)
    if (!b.count(k)) out.push_back({kind, "removed", k, d, ""});
}

std::pair<std::string, std::string> pkg(const json& e) {
  return {s(e, "name") + (s(e, "arch").empty() ? "" : ":" + s(e, "arch")), s(e, "version")};
}
std::pair<std::string, std::string> user(const json& e) { return {s(e, "name"), "uid=" + s(e, "uid") + " shell=" + s(e, "shell")}; }
std::pair<std::string, std::string> str(const json& e) { return {e.is_string() ? e.get<std::string>() : "", ""}; }
std::pair<std::string, std::string> port(const json& e) {
  std::string addr = s(e, "addr");
  if (addr.find(':') != std::string::npos) addr = "[" + addr + "]";
  return {s(e, "proto") + " " + addr + ":" + s(e, "port"), s(e, "process")};
}
std::pair<std::string, std::string> task(const json& e) { return {s(e, "file") + ": " + s(e, "line"), ""}; }

}  // namespace

std::vector<InventoryChange> diff_inventory(const std::string& before, const std::string& after) {
  std::vector<InventoryChange> out;
  json a = json::parse(before, nullptr, false), b = json::parse(after, nullptr, false);
  if (!a.is_object() || !b.is_object()) return out;
  if (std::string x = s(a.value("os", json::object()), "name"), y = s(b.value("os", json::object()), "name"); x != y)
    out.push_back({"os", "changed", "os", x + " -> " + y, "low"});
  if (std::string x = s(a, "kernel"), y = s(b, "kernel"); x != y) out.push_back({"kernel", "changed", "kernel", x + " -> " + y, ""});
  compare(keyed(a, "packages", pkg), keyed(b, "packages", pkg), "package", "", true, out);
  compare(keyed(a, "users", user), keyed(b, "users", user), "user", "low", true, out);
  compare(keyed(a, "admins", str), keyed(b, "admins", str), "admin", "high", false, out);
  compare(keyed(a, "sudo", str), keyed(b, "sudo", str), "sudo", "medium", false, out);
  // A port's process may restart under another pid: the key is protocol, address and port.
  compare(keyed(a, "ports", port), keyed(b, "ports", port), "port", "medium", false, out);
  compare(keyed(a, "services", str), keyed(b, "services", str), "service", "", false, out);
  compare(keyed(a, "tasks", task), keyed(b, "tasks", task), "task", "medium", false, out);
  return out;
}

}  // namespace wardsec::fleet
