// Reading segments: block by block, past damage. A stretch of bytes that is not a block (a
// flipped bit in a header, a torn write) is skipped by finding the next whole block, and
// named: gaps() in the middle, truncated() at the end.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/datadir.h"
#include "store/store.h"

namespace wardsec::store {
namespace fs = std::filesystem;

bool pread_all(int fd, char* p, size_t n, uint64_t off) {
  while (n > 0) {
    ssize_t r = ::pread(fd, p, n, static_cast<off_t>(off));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
    off += static_cast<uint64_t>(r);
  }
  return true;
}

std::vector<SegmentInfo> list_segments(const std::string& data_dir) {
  std::vector<SegmentInfo> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(DataDir(data_dir).segments(), ec)) {
    uint64_t id;
    if (!e.is_regular_file(ec) || !parse_segment_file_name(e.path().filename().string(), id)) continue;
    out.push_back({id, e.path().string(), static_cast<uint64_t>(e.file_size(ec))});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

Result<SegmentReader> SegmentReader::open(const SegmentInfo& info) {
  SegmentReader r;
  r.fd_ = ::open(info.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (r.fd_ < 0) return Error{"cannot open " + info.path + ": " + std::strerror(errno)};
  struct stat st {};
  ::fstat(r.fd_, &st);
  r.size_ = static_cast<uint64_t>(st.st_size);
  char buf[kSegmentHeaderSize];
  if (r.size_ < kSegmentHeaderSize || !pread_all(r.fd_, buf, sizeof buf, 0)) return Error{"segment header truncated"};
  auto h = decode_segment_header(std::string_view(buf, sizeof buf));
  if (!h) return Error{h.error()};
  r.header_ = *h;
  r.pos_ = kSegmentHeaderSize;
  return r;
}

SegmentReader::SegmentReader(SegmentReader&& o) noexcept
    : fd_(o.fd_),
      header_(o.header_),
      pos_(o.pos_),
      size_(o.size_),
      truncated_(o.truncated_),
      blocks_read_(o.blocks_read_),
      last_start_(o.last_start_),
      gaps_(std::move(o.gaps_)) {
  o.fd_ = -1;
}

SegmentReader::~SegmentReader() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<BlockRef> SegmentReader::block_at(uint64_t off) {
  if (off + kBlockHeaderSize > size_) return std::nullopt;
  char hb[kBlockHeaderSize];
  if (!pread_all(fd_, hb, sizeof hb, off)) return std::nullopt;
  auto h = decode_block_header(std::string_view(hb, sizeof hb));
  if (!h || off + h->record_size() > size_) return std::nullopt;
  BlockRef b;
  b.header = *h;
  std::memcpy(b.raw_header.data(), hb, kBlockHeaderSize);
  b.offset = off;
  b.index.resize(h->index_len);
  if (h->index_len && !pread_all(fd_, b.index.data(), h->index_len, off + kBlockHeaderSize)) return std::nullopt;
  return b;
}

// The first offset at or after `from` where a whole block record starts (its magic, a header
// that decodes, sizes that fit in the file); size_ if none. Whether its digest checks is the
// caller's to find out.
uint64_t SegmentReader::find_block(uint64_t from) {
  static constexpr char kPattern[8] = {'W', 'B', 'L', 'K', static_cast<char>(kBlockHeaderSize), 0, 0, 0};
  constexpr size_t kChunk = 1u << 20;
  std::string buf;
  for (uint64_t at = from; at + sizeof kPattern <= size_;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk + sizeof kPattern - 1, size_ - at));
    buf.resize(n);
    if (!pread_all(fd_, buf.data(), n, at)) return size_;
    for (size_t p = 0; p + sizeof kPattern <= n;) {
      const void* hit = ::memmem(buf.data() + p, n - p, kPattern, sizeof kPattern);
      if (!hit) break;
      size_t q = static_cast<size_t>(static_cast<const char*>(hit) - buf.data());
      if (block_at(at + q)) return at + q;
      p = q + 1;
    }
    if (n <= sizeof kPattern - 1) break;
    at += n - (sizeof kPattern - 1);
  }
  return size_;
}

std::optional<BlockRef> SegmentReader::next() {
  while (pos_ < size_ && !truncated_) {
    if (auto b = block_at(pos_)) {
      last_start_ = pos_;
      pos_ += b->header.record_size();
      return b;
    }
    // Not a block here. Look again from just after the last block's header (its own size
    // field may be what was damaged), else from here.
    uint64_t from = last_start_ ? last_start_ + kBlockHeaderSize : pos_ + 1;
    uint64_t found = find_block(from);
    if (found >= size_) {
      truncated_ = true;  // a partial record at the end: torn, being written, or damaged
      return std::nullopt;
    }
    if (found > pos_) gaps_.push_back({pos_, found});
    pos_ = found;
  }
  return std::nullopt;
}

std::string SegmentReader::where(const BlockRef& b) const {
  return "segment " + std::to_string(header_.id) + " block " + std::to_string(b.header.seq) + " (offset " + std::to_string(b.offset) + ")";
}

Result<std::string> SegmentReader::read_payload(const BlockRef& b, bool* digest_ok) {
  std::string comp(b.header.comp_len, '\0');
  if (!pread_all(fd_, comp.data(), comp.size(), b.offset + kBlockHeaderSize + b.header.index_len)) return Error{"short read"};
  if (digest_ok) {
    *digest_ok = block_digest(header_.alg, b.raw_header.data(), b.index, comp) == b.header.digest;
  }
  blocks_read_++;
  return comp;
}

Result<std::string> zstd_decompress(std::string_view comp, size_t raw_len) {
  std::string raw(raw_len, '\0');
  size_t n = ZSTD_decompress(raw.data(), raw.size(), comp.data(), comp.size());
  if (ZSTD_isError(n)) return Error{std::string("zstd: ") + ZSTD_getErrorName(n)};
  if (n != raw_len) return Error{"decompressed size differs from the header"};
  return raw;
}

Status SegmentReader::read_events(const BlockRef& b, std::vector<Event>& out) {
  bool ok = false;
  auto comp = read_payload(b, &ok);
  if (!comp) return Error{where(b) + ": " + comp.error()};
  if (!ok) return Error{where(b) + ": digest mismatch: the block is damaged or was altered (wardsec verify names it)"};
  auto raw = zstd_decompress(*comp, b.header.raw_len);
  if (!raw) return Error{where(b) + ": " + raw.error()};
  Status s = decode_payload(*raw, out);
  if (!s) return Error{where(b) + ": " + s.error()};
  return {};
}

}  // namespace wardsec::store
