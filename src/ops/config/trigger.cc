#include "ops/config/trigger.h"

#include <algorithm>

#include "core/fields.h"
#include "core/strutil.h"
#include "parse/source_zones.h"

namespace wardsec::ops::config {

namespace {

bool in(std::string_view v, std::initializer_list<std::string_view> set) {
  return std::any_of(set.begin(), set.end(), [&](std::string_view s) { return iequals(v, s); });
}

// The vendors' "the configuration changed" records.
bool change_action(std::string_view a) {
  return in(a, {"CONFIG_I", "CONFIG", "CFGLOG_LOGGEDCMD", "CFG_FILE_CHANGE", "NETCONF_CONFIG_CHANGE_EVENT", "CFGCHANGE",
                "CFGMAN_CFGCHANGED", "CFG_CHANGE", "CONFIG_CHANGED", "CFGCHG", "CONFIG_CHANGE"});
}

// Command records: the command decides.
bool command_action(std::string_view a) {
  return in(a, {"CMDRECORD", "SHELL_CMD", "CMD", "CLI_CMD", "CMDLOG", "CLI_COMMAND", "SHELL_CMD_CONFIG"});
}

}  // namespace

bool read_only_command(std::string_view command) {
  size_t b = command.find_first_not_of(" \t");
  if (b == std::string_view::npos) return true;
  command.remove_prefix(b);
  size_t e = command.find_first_of(" \t|");
  std::string_view w = command.substr(0, e);
  if (w.empty()) return true;
  // A prefix of these (the CLIs take abbreviations: "dis cur", "sh run") reads only.
  for (std::string_view r : {"display",   "show",          "dir",      "ping",      "tracert", "traceroute",    "more",  "cd",
                             "pwd",       "screen-length", "terminal", "quit",      "return",  "exit",          "end",   "system-view",
                             "configure", "help",          "history",  "debugging", "undo",    "language-mode", "super", "enable",
                             "disable",   "logout",        "telnet",   "ssh",       "stelnet", "clock",         "cls"}) {
    if (w.size() <= r.size() && iequals(w, r.substr(0, w.size()))) {
      // "undo" changes configuration unless it is "undo terminal ..." / "undo debugging ..."
      if (iequals(r, "undo")) {
        std::string_view rest = command.substr(w.size());
        size_t nb = rest.find_first_not_of(" \t");
        rest = nb == std::string_view::npos ? std::string_view{} : rest.substr(nb);
        return rest.substr(0, 8) == "terminal" || rest.substr(0, 5) == "debug";
      }
      // abbreviations shorter than 2 letters are ambiguous with configuration commands
      if (w.size() < 2 && !iequals(w, "?")) continue;
      return true;
    }
  }
  return w == "?";
}

std::optional<Trigger> config_trigger(const Event& ev) {
  static const FieldId kLogSource = FieldRegistry::intern("log.source.address"), kCommand = FieldRegistry::intern("process.command_line");
  // On the ingest path for every line: a line with no event.action is looked at only when no
  // parser understood it (then its text may still say "Configured from").
  if (!(ev.seen & (1ull << (kEventAction % 64))) && !(ev.flags & kParseError)) return std::nullopt;
  std::string_view action, ds, host, sender, user, ip, command, message;
  for (const auto& f : ev.fields) {
    if (f.id == kEventAction)
      action = ev.value(f);
    else if (f.id == kEventDataset)
      ds = ev.value(f);
    else if (f.id == kHostName)
      host = ev.value(f);
    else if (f.id == kLogSource)
      sender = ev.value(f);
    else if (f.id == kUserName)
      user = ev.value(f);
    else if (f.id == kSourceIp)
      ip = ev.value(f);
    else if (f.id == kCommand)
      command = ev.value(f);
    else if (f.id == kMessage)
      message = ev.value(f);
  }
  if (ds.substr(0, 8) == "wardsec.") return std::nullopt;  // the center's own records
  bool change = false;
  if (!action.empty() && change_action(action))
    change = true;
  else if (!action.empty() && command_action(action))
    change = !command.empty() && !read_only_command(command);
  else if (action.empty()) {
    std::string_view body = message.empty() ? std::string_view(ev.raw) : message;
    change = body.find("Configured from ") != std::string_view::npos || body.find("%SYS-5-CONFIG_I") != std::string_view::npos;
  }
  if (!change) return std::nullopt;
  Trigger t;
  // When the center heard it: a device's clock (often wrong, and settable by whoever changes it)
  // does not decide whether a ticket or a window covers the change.
  t.ts = ev.received ? ev.received : ev.ts;
  t.host = std::string(host);
  t.address = std::string(address_of(sender));
  if (t.host.empty() && t.address.empty()) return std::nullopt;
  t.user = std::string(user.substr(0, 128));
  t.ip = std::string(ip.substr(0, 64));
  t.action = std::string(action.substr(0, 64));
  t.command = std::string(command.substr(0, 512));
  return t;
}

}  // namespace wardsec::ops::config
