// The configuration record, <data>/ops/configs.db (SQLite): the devices whose running
// configuration the center keeps (each tied to an inventory asset and, for fetching over SSH,
// to a host account in the bastion's credential vault), every version of each (never deleted:
// there is no call that does), the change log lines that led to a fetch, the change tickets
// (变更单) that plan changes, and the weekly change windows.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "ops/config/trigger.h"

struct sqlite3;

namespace wardsec::ops::config {

struct Device {
  std::string id;             // short stable key: core-sw-01
  std::string name;           // shown
  std::string asset;          // the inventory's host name (log lines and bastion sessions are matched by it)
  std::string host;           // where its logs come from and where to connect (address or name); "" the asset's
  int64_t account = 0;        // the bastion's host account to log in with; 0: uploads only
  std::string vendor;         // huawei, h3c, cisco, ruijie, other: the paging command of a shell fetch
  std::string command;        // "display current-configuration", "show running-config"
  std::string mode = "exec";  // exec (a command channel) or shell (an interactive shell)
  int interval_hours = 24;    // the scheduled fetch; 0: only on a change log line or by hand
  bool enabled = true;
  int64_t created = 0;
  // the fetches
  int64_t last_try = 0, last_ok = 0;
  std::string last_error;
  int64_t fetch_alert = 0;  // the open "fetch failed" alert
};

struct Version {
  int64_t id = 0;
  std::string device;
  int64_t ts = 0;          // when the center got it
  int64_t changed_at = 0;  // the change's time: the first change log line, else 0 (between the previous fetch and ts)
  std::string sha256;
  int64_t bytes = 0;
  std::string source;                             // baseline, schedule, log, manual, upload
  std::string by;                                 // who fetched or uploaded (the center: "wardsec")
  std::vector<std::string> users, ips, commands;  // from the device's change log lines
  std::vector<std::string> sessions;              // bastion sessions on the asset at the time
  std::string ticket;                             // the change ticket that covers it
  std::string planned;                            // ticket, change (an approved change record), window, baseline, or "" (unplanned)
  int64_t added = 0, removed = 0;
  int64_t alert_id = 0;
  std::string note;
  std::string content;  // only when asked for
};

struct Ticket {
  std::string id;  // the hospital's change ticket number
  std::string title;
  std::vector<std::string> devices;  // ids; "*" all
  int64_t starts = 0, ends = 0;
  std::string by;
  int64_t created = 0;
  // Approved by the security administrator (三员: whoever makes the change does not approve it);
  // only an approved ticket covers a change, and only one made after the approval.
  std::string approved_by;
  int64_t approved_at = 0;
};

// A weekly change window: days (bit 0 Monday ... bit 6 Sunday) and [from, to) minutes of local
// time; to < from spans midnight.
struct Window {
  int days = 0x7f;
  int from_min = 0, to_min = 0;
};

nlohmann::json to_json(const Device& d);
nlohmann::json to_json(const Version& v);
nlohmann::json to_json(const Ticket& t);
// Checked; errors name the field.
Result<Device> device_from_json(const nlohmann::json& j);
Result<Ticket> ticket_from_json(const nlohmann::json& j, int tz_sec);
Result<std::vector<Window>> windows_from_json(const nlohmann::json& j);
nlohmann::json windows_to_json(const std::vector<Window>& w);
// Whether a device's configuration command only reads (display / show / more / get ..., nothing
// chained): the center runs it with a vault credential that no operator's grant covers.
bool config_command_ok(std::string_view cmd);
// Whether local time `local_sec` (seconds since the epoch, in local time) is inside a window.
bool in_window(const std::vector<Window>& w, int64_t local_sec);

class Store {
 public:
  static Result<std::unique_ptr<Store>> open(const std::string& path);
  ~Store();

  Result<std::vector<Device>> devices();
  Result<Device> device(const std::string& id);
  Status add_device(const Device& d);
  Status update_device(const Device& d);        // not the fetch state
  Status remove_device(const std::string& id);  // its versions stay
  Status set_fetch(const std::string& id, int64_t tried, bool ok, const std::string& error, int64_t alert_id);

  Result<std::vector<Version>> versions(const std::string& device, size_t limit = 200);
  Result<Version> version(int64_t id, bool content);
  Result<std::optional<Version>> latest(const std::string& device, bool content);
  Result<int64_t> add_version(const Version& v);
  Status set_version_alert(int64_t id, int64_t alert_id);
  // Changes (versions after the baseline) of all devices in [from, to), newest first.
  Result<std::vector<Version>> changes(int64_t from, int64_t to, size_t limit = 1000);

  // Change log lines waiting for the next fetch of a device (kept across restarts).
  Status add_trigger(const std::string& device, const Trigger& t);
  Result<std::vector<Trigger>> take_triggers(const std::string& device);
  Result<std::vector<Trigger>> pending(const std::string& device);

  Result<std::vector<Ticket>> tickets();
  Status add_ticket(const Ticket& t);
  Status remove_ticket(const std::string& id);
  Status approve_ticket(const std::string& id, const std::string& by, int64_t at);

  Result<std::vector<Window>> windows();
  Status set_windows(const std::vector<Window>& w);
  std::string meta(const std::string& key);
  Status set_meta(const std::string& key, const std::string& value);

 private:
  Store() = default;
  std::mutex mu_;
  sqlite3* db_ = nullptr;
};

}  // namespace wardsec::ops::config
