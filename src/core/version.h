// The release, one place: the CLI's --version, the start-up banner, the console's 系统状态.
#pragma once

namespace wardsec {

inline constexpr const char* kVersion = "0.1.0";

}  // namespace wardsec
