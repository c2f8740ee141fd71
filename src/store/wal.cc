// Group commit without a block per acknowledgement: while the open block is small and young,
// a commit makes its new events durable by appending them to <data>/wal (and fdatasync)
// instead of sealing the block. Blocks are sealed by size and age; a slow sender no longer
// gets one block (and one bloom filter) per message. The log is cut back to empty whenever
// everything in it is in a sealed, synced block. At a start (and after a failed write) its
// records for blocks the segments do not hold are added to the open block again.
//
//   record = "WWAL" | u32 payload length | u64 block | u32 events | u32 crc32(all before it
//            and the payload) | payload (the block payload encoding of those events)
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cstring>

#include "core/datadir.h"
#include "core/timeutil.h"
#include "store/fileio.h"
#include "store/store.h"

namespace wardsec::store {
namespace {

constexpr char kWalMagic[4] = {'W', 'W', 'A', 'L'};
constexpr size_t kWalHeader = 24;

template <class T>
void put(std::string& s, T v) {
  s.append(reinterpret_cast<const char*>(&v), sizeof v);
}
template <class T>
T get(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

Status StoreWriter::wal_open() {
  std::string path = DataDir(opt_.data_dir).wal();
  wal_fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (wal_fd_ < 0) return Error{"cannot open " + path + ": " + errno_text()};
  return {};
}

// Appends the events added since the last record (kept in wal_enc_) and syncs.
Status StoreWriter::wal_append() {
  uint32_t n = wal_enc_.count();
  if (!n) return {};
  std::string payload = wal_enc_.finish();
  std::string rec(kWalMagic, 4);
  put<uint32_t>(rec, static_cast<uint32_t>(payload.size()));
  put<uint64_t>(rec, open_block_seq_);
  put<uint32_t>(rec, n);
  uLong crc = crc32(0, reinterpret_cast<const Bytef*>(rec.data()), static_cast<uInt>(rec.size()));
  crc = crc32(crc, reinterpret_cast<const Bytef*>(payload.data()), static_cast<uInt>(payload.size()));
  put<uint32_t>(rec, static_cast<uint32_t>(crc));
  rec += payload;
  off_t before = ::lseek(wal_fd_, 0, SEEK_END);
  if (!write_all(wal_fd_, rec.data(), rec.size()) || ::fdatasync(wal_fd_) != 0) {
    Error e{"cannot append to the commit log (wal): " + errno_text()};
    if (before >= 0) (void)::ftruncate(wal_fd_, before);
    return e;
  }
  wal_logged_ += n;
  return {};
}

Status StoreWriter::wal_clear() {
  if (wal_fd_ < 0) return {};
  off_t size = ::lseek(wal_fd_, 0, SEEK_END);
  if (size == 0) return {};
  if (::ftruncate(wal_fd_, 0) != 0 || ::fdatasync(wal_fd_) != 0) return Error{"cannot empty the commit log (wal): " + errno_text()};
  return {};
}

// Adds the events of every whole record for block `from` or later back into the open block.
// A torn last record (a crash while appending: never acknowledged) ends the walk.
Result<uint64_t> StoreWriter::wal_replay(uint64_t from) {
  off_t size = ::lseek(wal_fd_, 0, SEEK_END);
  if (size <= 0) return uint64_t{0};
  std::string all(static_cast<size_t>(size), '\0');
  if (!pread_all(wal_fd_, all.data(), all.size(), 0)) return Error{"cannot read the commit log (wal): " + errno_text()};
  uint64_t added = 0;
  std::vector<Event> evs;
  bool was = wal_mode_;
  wal_mode_ = false;  // the records are in the file already
  for (size_t p = 0; p + kWalHeader <= all.size();) {
    const char* h = all.data() + p;
    uint32_t len = get<uint32_t>(h + 4);
    if (std::memcmp(h, kWalMagic, 4) != 0 || p + kWalHeader + len > all.size()) break;
    uint64_t block = get<uint64_t>(h + 8);
    uLong crc = crc32(0, reinterpret_cast<const Bytef*>(h), 20);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(h + kWalHeader), len);
    if (static_cast<uint32_t>(crc) != get<uint32_t>(h + 20)) break;
    if (block >= from) {
      evs.clear();
      if (Status s = decode_payload(std::string_view(h + kWalHeader, len), evs); !s)
        return Error{"commit log (wal) record at offset " + std::to_string(p) + ": " + s.error()};
      for (const auto& ev : evs) {
        if (Status s = add(ev); !s) return Error{s.error()};
        added++;
      }
    }
    p += kWalHeader + len;
  }
  wal_mode_ = was;
  wal_logged_ = enc_.count();  // what is in the open block is in the log
  return added;
}

}  // namespace wardsec::store
