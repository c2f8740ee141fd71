// journald (日志转发): the system journal read through sd-journal from where the agent left off
// (its cursor, kept in journal.cursor once what was read is in the spool), each entry sent as
// an RFC 5424 line so the center's parsers take its time, host, program, process and
// severity. At the very first start the journal is read from its end (no flood of history),
// as the log files are.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/tail.h"
#include "core/result.h"

typedef struct sd_journal sd_journal;

namespace wardsec::agent {

// One entry's fields (MESSAGE, PRIORITY, SYSLOG_FACILITY, SYSLOG_IDENTIFIER, _COMM,
// SYSLOG_PID, _PID, _HOSTNAME, _TRANSPORT) and its time: the line the center receives.
// Anything a process wrote is cleaned: control characters become spaces, the header's
// fields lose their spaces, the message is cut at Tailer::kMaxLine.
std::string journal_line(const std::map<std::string, std::string>& fields, uint64_t realtime_us, bool& cut);

class Journal {
 public:
  explicit Journal(std::string cursor_path);
  ~Journal();
  // Opens the local system journal and finds the place to start; an error says why (no
  // journal on this host, no permission).
  Status open();
  bool is_open() const { return j_ != nullptr; }
  // New entries, at most about `max_bytes` of them.
  std::vector<LogLine> poll(size_t max_bytes);
  // Keeps the cursor of what poll() returned (call once that is in the spool).
  Status commit();
  uint64_t entries = 0;

 private:
  std::string cursor_path_, cursor_;
  ::sd_journal* j_ = nullptr;
};

}  // namespace wardsec::agent
