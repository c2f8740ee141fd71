#include "agent/spool.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "core/files.h"

namespace wardsec::agent {
namespace fs = std::filesystem;

namespace {
constexpr int64_t kSegmentBytes = 16 << 20;

std::string seg_name(const std::string& dir, int64_t first) {
  char b[32];
  std::snprintf(b, sizeof b, "/%020lld.seg", static_cast<long long>(first));
  return dir + b;
}

// Reads a whole segment.
std::string slurp(const std::string& path) { return read_file(path).value_or(""); }
}  // namespace

Spool::~Spool() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<Spool>> Spool::open(const std::string& dir, int64_t max_bytes) {
  std::unique_ptr<Spool> s(new Spool());
  s->dir_ = dir;
  s->max_ = max_bytes;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error{dir + ": " + ec.message()};
  if (auto a = read_file(dir + "/acked")) s->acked_ = std::strtoll(a->c_str(), nullptr, 10);
  std::vector<int64_t> firsts;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string n = e.path().filename().string();
    if (n.size() == 24 && n.substr(20) == ".seg") firsts.push_back(std::strtoll(n.substr(0, 20).c_str(), nullptr, 10));
  }
  std::sort(firsts.begin(), firsts.end());
  for (int64_t f : firsts) {
    Segment g{f, 0, 0, seg_name(dir, f)};
    std::string data = slurp(g.path);
    size_t end = data.rfind('\n');
    size_t keep = end == std::string::npos ? 0 : end + 1;
    if (keep != data.size()) {  // a torn last record: never acknowledged, so cut
      if (::truncate(g.path.c_str(), static_cast<off_t>(keep)) != 0) return Error{g.path + ": cannot cut a torn record"};
      data.resize(keep);
    }
    g.count = static_cast<int64_t>(std::count(data.begin(), data.end(), '\n'));
    g.size = static_cast<int64_t>(data.size());
    if (g.count == 0 || g.first + g.count - 1 <= s->acked_) {  // empty or wholly acknowledged
      fs::remove(g.path, ec);
      if (g.count) s->next_ = std::max(s->next_, g.first + g.count);
      continue;
    }
    s->next_ = std::max(s->next_, g.first + g.count);
    s->bytes_ += g.size;
    s->segs_.push_back(std::move(g));
  }
  s->next_ = std::max(s->next_, s->acked_ + 1);
  // Position the reader after the acknowledged records.
  s->rseq_ = s->acked_ + 1;
  if (!s->segs_.empty()) {
    const Segment& g = s->segs_.front();
    if (g.first < s->rseq_) {
      std::string data = slurp(g.path);
      int64_t skip = s->rseq_ - g.first;
      size_t off = 0;
      for (int64_t i = 0; i < skip && off < data.size(); i++) off = data.find('\n', off) + 1;
      s->roff_ = static_cast<int64_t>(off);
    } else {
      s->rseq_ = g.first;
    }
  }
  return s;
}

Status Spool::roll() {
  if (fd_ >= 0) ::close(fd_);
  segs_.push_back({next_, 0, 0, seg_name(dir_, next_)});
  fd_ = ::open(segs_.back().path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0) return Error{segs_.back().path + ": cannot create"};
  return {};
}

Status Spool::append(std::span<const std::string> records) {
  if (records.empty()) return {};
  std::string buf;
  for (const auto& r : records) {
    buf += r;
    buf += '\n';
  }
  if (!has_room(static_cast<int64_t>(buf.size()))) return Error{"spool full"};
  if (segs_.empty() || fd_ < 0 || segs_.back().size >= kSegmentBytes) {
    if (fd_ < 0 && !segs_.empty() && segs_.back().size < kSegmentBytes) {
      fd_ = ::open(segs_.back().path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
      if (fd_ < 0) return Error{segs_.back().path + ": cannot open"};
    } else if (Status s = roll(); !s) {
      return s;
    }
  }
  size_t done = 0;
  while (done < buf.size()) {
    ssize_t n = ::write(fd_, buf.data() + done, buf.size() - done);
    if (n <= 0) {
      // Nothing half-written stays counted: the segment is cut back to its last whole record.
      if (::ftruncate(fd_, segs_.back().size) != 0) {
      }
      return Error{segs_.back().path + ": write failed (disk full?)"};
    }
    done += static_cast<size_t>(n);
  }
  if (::fdatasync(fd_) != 0) {
    if (::ftruncate(fd_, segs_.back().size) != 0) {  // not durable: not counted, and not left to be read twice
    }
    return Error{segs_.back().path + ": fdatasync failed"};
  }
  segs_.back().size += static_cast<int64_t>(buf.size());
  segs_.back().count += static_cast<int64_t>(records.size());
  if (segs_.size() == 1 && segs_.back().count == static_cast<int64_t>(records.size()) && rseq_ < segs_.back().first) {
    rseg_ = 0;
    roff_ = 0;
    rseq_ = segs_.back().first;
  }
  next_ += static_cast<int64_t>(records.size());
  bytes_ += static_cast<int64_t>(buf.size());
  return {};
}

std::pair<int64_t, std::vector<std::string>> Spool::peek(size_t max_records, size_t max_bytes) {
  std::vector<std::string> out;
  int64_t first = rseq_;
  size_t seg = rseg_;
  int64_t off = roff_;
  size_t bytes = 0;
  while (seg < segs_.size() && out.size() < max_records && bytes < max_bytes) {
    const Segment& g = segs_[seg];
    int f = ::open(g.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (f < 0) break;
    // What is left of the segment, or the bytes wanted (and room for one whole last record).
    size_t want = static_cast<size_t>(std::max<int64_t>(g.size - off, 0));
    want = std::min(want, std::min<size_t>(max_bytes - bytes, size_t{1} << 32) + (size_t{1} << 20));
    std::string chunk(want, '\0');
    ssize_t n = ::pread(f, chunk.data(), chunk.size(), off);
    ::close(f);
    if (n <= 0) {
      seg++;
      off = 0;
      continue;
    }
    chunk.resize(static_cast<size_t>(n));
    size_t p = 0;
    while (out.size() < max_records && bytes < max_bytes) {
      size_t nl = chunk.find('\n', p);
      if (nl == std::string::npos) break;
      out.push_back(chunk.substr(p, nl - p));
      bytes += nl - p + 1;
      p = nl + 1;
    }
    off += static_cast<int64_t>(p);
    if (off >= g.size) {
      seg++;
      off = 0;
    } else if (p == 0) {
      break;  // one record larger than what was read: cannot happen (records are cut at 1 MiB)
    }
  }
  return {first, std::move(out)};
}

Status Spool::ack(int64_t seq) {
  if (seq <= acked_) return {};
  seq = std::min(seq, next_ - 1);
  if (Status s = write_file_atomic(dir_ + "/acked", std::to_string(seq)); !s) return s;
  acked_ = seq;
  // Move the reader past what was acknowledged, and drop whole segments.
  while (rseq_ <= acked_ && rseg_ < segs_.size()) {
    auto [first, recs] = peek(static_cast<size_t>(acked_ - rseq_ + 1), SIZE_MAX / 2);
    if (recs.empty()) break;
    int64_t bytes = 0;
    for (const auto& r : recs) bytes += static_cast<int64_t>(r.size()) + 1;
    // Advance the reader by these records.
    int64_t left = bytes;
    while (left > 0 && rseg_ < segs_.size()) {
      int64_t room = segs_[rseg_].size - roff_;
      if (left >= room) {
        left -= room;
        rseg_++;
        roff_ = 0;
      } else {
        roff_ += left;
        left = 0;
      }
    }
    rseq_ += static_cast<int64_t>(recs.size());
  }
  std::error_code ec;
  while (!segs_.empty() && rseg_ > 0) {
    bool last = segs_.size() == 1;
    if (last && fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
    bytes_ -= segs_.front().size;
    fs::remove(segs_.front().path, ec);
    segs_.erase(segs_.begin());
    rseg_--;
  }
  return {};
}

}  // namespace wardsec::agent
