#include "agent/journal.h"

#include <systemd/sd-journal.h>

#include <cstring>

#include "core/files.h"

namespace wardsec::agent {

namespace {

const char* kFields[] = {"MESSAGE",    "PRIORITY", "SYSLOG_FACILITY", "SYSLOG_IDENTIFIER", "_COMM",
                         "SYSLOG_PID", "_PID",     "_HOSTNAME",       "_TRANSPORT"};

std::string sd_error(int r) { return std::strerror(r < 0 ? -r : r); }

// The cursor of the entry the journal is on ("" when it is on none).
std::string cursor_here(sd_journal* j) {
  char* c = nullptr;
  if (sd_journal_get_cursor(j, &c) < 0) return {};
  std::string out = c;
  free(c);
  return out;
}

}  // namespace

Journal::Journal(std::string cursor_path) : cursor_path_(std::move(cursor_path)) {}

Journal::~Journal() {
  if (j_) sd_journal_close(j_);
}

Status Journal::open() {
  if (j_) return {};
  int r = sd_journal_open(&j_, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
  if (r < 0) {
    j_ = nullptr;
    return Error{"journald: 打不开系统日志 / cannot open the system journal: " + sd_error(r)};
  }
  (void)sd_journal_get_fd(j_);  // inotify on the journal's folders, so new files are found
  if (auto c = read_file(cursor_path_); c && !c->empty()) {
    cursor_ = *c;
    if (sd_journal_seek_cursor(j_, cursor_.c_str()) >= 0 && sd_journal_next(j_) > 0) {
      // The entry the cursor names was sent: the next is the first to read. When it is gone
      // (the journal was vacuumed), the nearest later entry is read.
      if (sd_journal_test_cursor(j_, cursor_.c_str()) <= 0) sd_journal_previous(j_);
      return {};
    }
  }
  // The very first start: from the end.
  sd_journal_seek_tail(j_);
  sd_journal_previous(j_);
  cursor_ = cursor_here(j_);
  return {};
}

std::vector<LogLine> Journal::poll(size_t max_bytes) {
  std::vector<LogLine> out;
  if (!j_) return out;
  (void)sd_journal_process(j_);
  size_t used = 0;
  while (used < max_bytes && sd_journal_next(j_) > 0) {
    std::map<std::string, std::string> f;
    for (const char* k : kFields) {
      const void* d = nullptr;
      size_t n = 0;
      size_t kl = std::strlen(k);
      if (sd_journal_get_data(j_, k, &d, &n) >= 0 && n > kl) f[k].assign(static_cast<const char*>(d) + kl + 1, n - kl - 1);
    }
    uint64_t us = 0;
    (void)sd_journal_get_realtime_usec(j_, &us);
    LogLine l;
    l.file = "journald";
    l.text = journal_line(f, us, l.cut);
    used += l.text.size() + 1;
    out.push_back(std::move(l));
    entries++;
  }
  // The journal stays on the last entry read (sd_journal_next at the end does not move it).
  if (!out.empty())
    if (std::string c = cursor_here(j_); !c.empty()) cursor_ = std::move(c);
  return out;
}

Status Journal::commit() {
  if (cursor_.empty()) return {};
  return write_file_atomic(cursor_path_, cursor_);
}

}  // namespace wardsec::agent
