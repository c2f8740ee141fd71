// Server messages in both languages. The code writes English; this table gives the Chinese for
// each message a user can meet (gettext's idea: the English text is the key, here matched by a
// pattern so that names and numbers in the message carry over). Every error the API answers
// passes through it (http.cc): the console shows the half in the chosen language.
#pragma once
#include <string>
#include <string_view>

namespace wardsec::server {

// "中文 / English" for a known English message; the message unchanged when it already has
// Chinese in it or when no pattern knows it.
std::string bilingual(std::string_view en);

// Rewrites the "error" member of a JSON error body (status >= 400) with bilingual().
void translate_error_body(std::string& body);

}  // namespace wardsec::server
