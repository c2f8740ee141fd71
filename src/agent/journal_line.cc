#include <ctime>

#include "agent/journal.h"

namespace wardsec::agent {

namespace {

std::string field(const std::map<std::string, std::string>& f, const char* k) {
  auto it = f.find(k);
  return it == f.end() ? std::string() : it->second;
}

int number(const std::string& s, int lo, int hi, int dflt) {
  if (s.empty() || s.size() > 3 || s.find_first_not_of("0123456789") != std::string::npos) return dflt;
  int v = std::stoi(s);
  return v < lo || v > hi ? dflt : v;
}

// A header field of RFC 5424: printable ASCII without spaces, at most `max`, "-" when empty.
std::string header(const std::string& s, size_t max) {
  std::string out;
  for (char c : s) {
    if (out.size() >= max) break;
    if (c > 32 && c < 127) out += c;
  }
  return out.empty() ? "-" : out;
}

}  // namespace

std::string journal_line(const std::map<std::string, std::string>& f, uint64_t realtime_us, bool& cut) {
  bool kernel = field(f, "_TRANSPORT") == "kernel";
  int facility = number(field(f, "SYSLOG_FACILITY"), 0, 23, kernel ? 0 : 1);
  int severity = number(field(f, "PRIORITY"), 0, 7, 6);
  std::string app = field(f, "SYSLOG_IDENTIFIER");
  if (app.empty()) app = kernel ? "kernel" : field(f, "_COMM");
  std::string pid = field(f, "SYSLOG_PID");
  if (pid.empty()) pid = field(f, "_PID");
  time_t secs = static_cast<time_t>(realtime_us / 1000000);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char ts[48];
  snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
           tm.tm_sec, static_cast<unsigned>(realtime_us % 1000000));
  std::string line = "<" + std::to_string(facility * 8 + severity) + ">1 " + ts + " " + header(field(f, "_HOSTNAME"), 255) + " " +
                     header(app, 48) + " " + header(pid, 128) + " - - ";
  std::string msg = field(f, "MESSAGE");
  cut = msg.size() > Tailer::kMaxLine;
  if (cut) msg.resize(Tailer::kMaxLine);
  for (char& c : msg)
    if (static_cast<unsigned char>(c) < 32 || c == 127) c = ' ';
  return line + msg;
}

}  // namespace wardsec::agent
