// Package version order as the package managers define it: dpkg's (epoch:upstream-revision,
// '~' before everything, letters before other characters, digit runs as numbers) and rpm's
// rpmvercmp (alphanumeric segments, numbers newer than letters, '~' older, '^' newer). Used to
// match installed packages against a vulnerability feed's affected ranges.
#pragma once
#include <string_view>

namespace wardsec::vuln {

// <0, 0, >0 as a is older, the same, newer than b.
int dpkg_compare(std::string_view a, std::string_view b);
int rpm_compare(std::string_view a, std::string_view b);  // [epoch:]version[-release]

// The CVSS v3.0/v3.1 base score of a vector ("CVSS:3.1/AV:N/AC:L/..."); -1 when it is not one.
double cvss3_base_score(std::string_view vector);

}  // namespace wardsec::vuln
