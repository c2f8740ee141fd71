// The settings a hospital changes in the console (系统设置): which keys, how they go over the
// configuration file's (<data>/settings.json), and their values as the console shows them.
#pragma once
#include <string>
#include <vector>

#include "center/config.h"
#include "core/result.h"

namespace YAML {
class Node;
}

namespace wardsec {

// The keys the console may set, dotted ("auth.lockout_failures", "alerts.smtp.to").
const std::vector<std::string>& console_setting_keys();
// Lays the console's settings over the file's tree; an error names `where` and a key the
// console may not set.
Status apply_console_settings(YAML::Node& root, const YAML::Node& overlay, const std::string& where);
// The console-settable values of a loaded configuration, as a JSON object in the file's shape.
std::string console_settings_json(const Config& c);

}  // namespace wardsec
