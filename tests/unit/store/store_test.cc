// The tamper-evident store: round trip, every kind of tampering named, witness, retention,
// torn-tail recovery, both algorithm suites.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/strutil.h"
#include "demo/generator.h"
#include "search/search.h"
#include "store/store.h"
#include "store/verify.h"
#include "test_util.h"

using namespace wardsec;
using namespace wardsec::store;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kDay = 86400LL * 1000000000LL;

StoreOptions small_opts(const std::string& dir) {
  StoreOptions o;
  o.data_dir = dir + "/data";
  o.key_dir = dir + "/keys";
  o.block_events = 40;
  o.segment_bytes = 40 * 1024;
  o.checkpoint_every_blocks = 3;
  return o;
}

// Writes n generated events starting at ts0, one second apart.
void fill(StoreWriter& w, int n, int64_t ts0, uint64_t seed = 7) {
  demo::Generator g(seed);
  for (int i = 0; i < n; i++) {
    Event ev = test::decode(g.next(ts0 + i * 1000000000LL), ts0 + i * 1000000000LL);
    ev.ts = ts0 + i * 1000000000LL;  // deterministic ordering regardless of the line's own time
    ASSERT_TRUE(w.add(ev).ok());
  }
}

std::string make_store(const std::string& dir, int n = 1500, int64_t ts0 = 0, StoreOptions* out = nullptr) {
  StoreOptions o = small_opts(dir);
  if (out) o = *out;
  auto w = StoreWriter::open(o);
  EXPECT_TRUE(w.ok()) << (w.ok() ? "" : w.error());
  fill(**w, n, ts0 ? ts0 : now_ns() - 3600LL * 1000000000LL);
  EXPECT_TRUE((*w)->close().ok());
  return o.data_dir;
}

VerifyReport verify(const std::string& dir, const std::string& witness = "") {
  VerifyOptions v;
  v.data_dir = dir + "/data";
  v.key_dir = dir + "/keys";
  v.witness_path = witness;
  return verify_store(v);
}

struct Rec {
  uint64_t offset, size, seq;
};
std::vector<Rec> blocks_of(const std::string& seg_path) {
  SegmentInfo info{0, seg_path, fs::file_size(seg_path)};
  auto r = SegmentReader::open(info);
  std::vector<Rec> out;
  while (auto b = r->next()) out.push_back({b->offset, b->header.record_size(), b->header.seq});
  return out;
}

std::string read_file(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
void write_file(const std::string& p, const std::string& s) { std::ofstream(p, std::ios::binary | std::ios::trunc) << s; }

std::string seg(const std::string& dir, int id) { return dir + "/data/segments/" + segment_file_name(id); }

// Writes n events and commits without close() (as if killed), then a half-written block lands
// at the end of the last segment.
void write_then_tear(const StoreOptions& o, int n) {
  {
    auto w = StoreWriter::open(o);
    fill(**w, n, now_ns());
    ASSERT_TRUE((*w)->commit(true).ok());
  }
  auto segs = list_segments(o.data_dir);
  std::ofstream f(segs.back().path, std::ios::binary | std::ios::app);
  std::string junk(300, '\x5a');
  std::memcpy(junk.data(), "WBLK", 4);
  f << junk;
}

bool first_problem_has(const VerifyReport& r, std::initializer_list<const char*> parts) {
  if (r.problems.empty()) return false;
  for (const char* p : parts)
    if (r.problems.front().find(p) == std::string::npos) return false;
  return true;
}

}  // namespace

TEST(Store, RoundTripAndIntact) {
  test::TempDir t;
  make_store(t.path());
  auto segs = list_segments(t.path() + "/data");
  EXPECT_GE(segs.size(), 4u);
  for (size_t i = 0; i + 1 < segs.size(); i++) EXPECT_GE(blocks_of(segs[i].path).size(), 3u) << segs[i].path;
  auto r = verify(t.path());
  EXPECT_TRUE(r.intact) << r.summary();
  EXPECT_EQ(r.events, 1500u);
  EXPECT_GT(r.checkpoints, 5u);
  // Every event reads back with its fields.
  auto q = search::Query::parse("").value();
  search::SearchStats st;
  uint64_t n = 0;
  ASSERT_TRUE(search::run_search(
                  t.path() + "/data", q, {},
                  [&](const Event& ev) {
                    n++;
                    EXPECT_FALSE(ev.raw.empty());
                    return true;
                  },
                  st)
                  .ok());
  EXPECT_EQ(n, 1500u);
}

TEST(Store, FlippedByteIsNamed) {
  test::TempDir t;
  make_store(t.path());
  auto b = blocks_of(seg(t.path(), 2));
  ASSERT_GE(b.size(), 3u);
  std::string s = read_file(seg(t.path(), 2));
  s[b[2].offset + b[2].size - 10] ^= 0x01;
  write_file(seg(t.path(), 2), s);
  auto r = verify(t.path());
  EXPECT_FALSE(r.intact);
  EXPECT_TRUE(first_problem_has(r, {"segment 2", "block #3", "altered"})) << r.summary();
}

TEST(Store, FlippedHeaderByteIsNamed) {
  test::TempDir t;
  make_store(t.path());
  auto b = blocks_of(seg(t.path(), 3));
  std::string s = read_file(seg(t.path(), 3));
  s[b[1].offset + 17] ^= 0x40;  // n_events
  write_file(seg(t.path(), 3), s);
  auto r = verify(t.path());
  EXPECT_FALSE(r.intact);
  EXPECT_TRUE(first_problem_has(r, {"segment 3", "block #2"})) << r.summary();
}

TEST(Store, DeletedBlockIsNamed) {
  test::TempDir t;
  make_store(t.path());
  auto b = blocks_of(seg(t.path(), 2));
  std::string s = read_file(seg(t.path(), 2));
  s.erase(b[1].offset, b[1].size);
  write_file(seg(t.path(), 2), s);
  auto r = verify(t.path());
  EXPECT_FALSE(r.intact);
  EXPECT_TRUE(first_problem_has(r, {"segment 2", "block #2", std::to_string(b[1].seq).c_str(), "removed"})) << r.summary();
}

TEST(Store, SwappedBlocksAreNamed) {
  test::TempDir t;
  make_store(t.path());
  auto b = blocks_of(seg(t.path(), 2));
  std::string s = read_file(seg(t.path(), 2));
  std::string a = s.substr(b[1].offset, b[1].size), c = s.substr(b[2].offset, b[2].size);
  s.replace(b[1].offset, b[1].size + b[2].size, c + a);
  write_file(seg(t.path(), 2), s);
  auto r = verify(t.path());
  EXPECT_FALSE(r.intact);
  EXPECT_TRUE(first_problem_has(r, {"segment 2", "block #2", "reordered"})) << r.summary();
}

TEST(Store, TruncatedSegmentIsNamed) {
  test::TempDir t;
  make_store(t.path());
  // Mid-block in the middle of the store.
  auto b = blocks_of(seg(t.path(), 2));
  fs::resize_file(seg(t.path(), 2), b.back().offset + 50);
  auto r = verify(t.path());
  EXPECT_FALSE(r.intact);
  EXPECT_TRUE(first_problem_has(r, {"segment 2", "truncated"})) << r.summary();
}

TEST(Store, TruncatedAtBlockBoundaryAtTheEndIsNamed) {
  test::TempDir t;
  make_store(t.path());
  auto segs = list_segments(t.path() + "/data");
  auto b = blocks_of(segs.back().path);
  fs::resize_file(segs.back().path, b.back().offset);  // drop the last whole block
  auto r = verify(t.path());
  EXPECT_FALSE(r.intact);
  EXPECT_TRUE(first_problem_has(r, {"checkpoint", "store ends at block", "truncated"})) << r.summary();
}

TEST(Store, DeletedSegmentIsNamed) {
  test::TempDir t;
  make_store(t.path());
  fs::remove(seg(t.path(), 3));
  auto r = verify(t.path());
  EXPECT_FALSE(r.intact);
  EXPECT_TRUE(first_problem_has(r, {"segment 3", "missing", "deleted"})) << r.summary();
}

TEST(Store, ReplacedCheckpointIsNamed) {
  test::TempDir t;
  make_store(t.path());
  std::string log = t.path() + "/data/checkpoints.log";
  auto lines = read_lines(log);
  ASSERT_GT(lines.size(), 3u);
  // Replace checkpoint 3 with one claiming another head (the signature cannot follow).
  std::string& l = lines[2];
  size_t h = l.find(" head=");
  l[h + 6] = l[h + 6] == 'a' ? 'b' : 'a';
  std::string out;
  for (auto& x : lines) out += x + "\n";
  write_file(log, out);
  auto r = verify(t.path());
  EXPECT_FALSE(r.intact);
  EXPECT_TRUE(first_problem_has(r, {"checkpoints.log line 3", "signature", "replaced"})) << r.summary();
}

TEST(Store, CheckpointSignedByAnotherKeyIsRejected) {
  test::TempDir t, other;
  make_store(t.path());
  make_store(other.path());
  auto mine = read_lines(t.path() + "/data/checkpoints.log");
  auto theirs = read_lines(other.path() + "/data/checkpoints.log");
  mine[1] = theirs[1];
  std::string out;
  for (auto& x : mine) out += x + "\n";
  write_file(t.path() + "/data/checkpoints.log", out);
  auto r = verify(t.path());
  EXPECT_FALSE(r.intact);
  EXPECT_TRUE(first_problem_has(r, {"line 2", "signature"})) << r.summary();
}

TEST(Store, WitnessCatchesHistoryReSignedWithTheInstanceKey) {
  test::TempDir t;
  std::string witness = t.path() + "/witness.log";
  int64_t ts0 = now_ns() - 3600LL * 1000000000LL;
  StoreOptions o = small_opts(t.path() + "/a");
  o.key_dir = t.path() + "/keys";
  o.witness_files = {witness};
  {
    auto w = StoreWriter::open(o);
    ASSERT_TRUE(w.ok());
    fill(**w, 1000, ts0);
    ASSERT_TRUE((*w)->close().ok());
  }
  // Root rewrites history: same key, same first 400 events, then different ones.
  StoreOptions f = small_opts(t.path() + "/b");
  f.key_dir = t.path() + "/keys";
  {
    auto w = StoreWriter::open(f);
    ASSERT_TRUE(w.ok());
    fill(**w, 400, ts0);
    fill(**w, 600, ts0 + 400LL * 1000000000LL, 99);
    ASSERT_TRUE((*w)->close().ok());
  }
  VerifyOptions v;
  v.data_dir = f.data_dir;
  v.key_dir = f.key_dir;
  EXPECT_TRUE(verify_store(v).intact) << "a forged store re-signed with the instance key verifies on its own";
  v.witness_path = witness;
  auto r = verify_store(v);
  EXPECT_FALSE(r.intact);
  EXPECT_TRUE(first_problem_has(r, {"witness", "part at checkpoint seq"})) << r.summary();
  // The original agrees with its witness.
  v.data_dir = o.data_dir;
  EXPECT_TRUE(verify_store(v).intact);
}

TEST(Store, CheckpointLinesGoToTheSyslogWitness) {
  test::TempDir t;
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  StoreOptions o = small_opts(t.path());
  o.witness_syslog = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  {
    auto w = StoreWriter::open(o);
    ASSERT_TRUE(w.ok());
    fill(**w, 100, now_ns());
    ASSERT_TRUE((*w)->close().ok());
  }
  char buf[4096];
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  ::close(fd);
  ASSERT_GT(n, 0);
  std::string msg(buf, static_cast<size_t>(n));
  EXPECT_TRUE(starts_with(msg, "<110>1 "));
  size_t at = msg.find("wardsec-checkpoint ");
  ASSERT_NE(at, std::string::npos) << msg;
  // The line sent is the line logged, signature included.
  auto lines = read_lines(o.data_dir + "/checkpoints.log");
  EXPECT_EQ(msg.substr(at), lines.front());
}

TEST(Store, RetentionExpiredIsToldApartFromDeleted) {
  test::TempDir t;
  StoreOptions o = small_opts(t.path());
  int64_t now = now_ns();
  {
    auto w = StoreWriter::open(o);
    ASSERT_TRUE(w.ok());
    fill(**w, 600, now - 300 * kDay);  // sent with old times, stored now
    ASSERT_TRUE((*w)->checkpoint(true).ok());
    // Age counts from storage: nothing stored today is old, whatever its events say.
    auto kept = (*w)->apply_retention(180 * kDay, now);
    ASSERT_TRUE(kept.ok());
    EXPECT_EQ(*kept, 0);
    fill(**w, 900, now - 2 * kDay);
    auto removed = (*w)->apply_retention(180 * kDay, now + 181 * kDay);  // half a year on
    ASSERT_TRUE(removed.ok());
    EXPECT_GE(*removed, 1);
    fill(**w, 900, now);  // later segments, kept
    ASSERT_TRUE((*w)->close().ok());
  }
  auto r = verify(t.path());
  EXPECT_TRUE(r.intact) << r.summary();
  EXPECT_GE(r.expired_segments, 1u);
  EXPECT_GT(r.expired_events, 0u);
  EXPECT_NE(r.summary().find("expired by retention"), std::string::npos);
  // Now delete a segment that was not expired.
  auto segs = list_segments(t.path() + "/data");
  fs::remove(segs[1].path);
  auto r2 = verify(t.path());
  EXPECT_FALSE(r2.intact);
  EXPECT_TRUE(first_problem_has(r2, {"missing", "no retention receipt", "deleted"})) << r2.summary();
}

TEST(Store, TornTailIsCutOnRestartAndNothingAcknowledgedIsLost) {
  test::TempDir t;
  StoreOptions o = small_opts(t.path());
  write_then_tear(o, 500);
  {
    std::ofstream f(o.data_dir + "/checkpoints.log", std::ios::app);
    f << "wardsec-checkpoint v=1 seq=";  // torn checkpoint line
  }
  auto w = StoreWriter::open(o);
  ASSERT_TRUE(w.ok()) << w.error();
  fill(**w, 100, now_ns());
  ASSERT_TRUE((*w)->close().ok());
  auto r = verify(t.path());
  EXPECT_TRUE(r.intact) << r.summary();
  EXPECT_EQ(r.events, 600u);
  EXPECT_EQ(r.recoveries, 1u);
  EXPECT_NE(r.summary().find("recovered after a crash"), std::string::npos) << r.summary();
  EXPECT_FALSE(fs::is_empty(o.data_dir + "/quarantine"));  // the cut bytes are kept
}

// A checkpoint written right after a torn tail was cut (here: the segment closed before any new
// block) names the block the chain continues from, not the number the cut block would have had.
TEST(Store, CheckpointRightAfterATornTailNamesTheChainHead) {
  test::TempDir t;
  StoreOptions o = small_opts(t.path());
  write_then_tear(o, 200);  // 5 whole blocks, then the torn one
  {
    auto w = StoreWriter::open(o);
    ASSERT_TRUE(w.ok()) << w.error();
    ASSERT_TRUE((*w)->rotate().ok());  // a closing checkpoint before any new block
    fill(**w, 80, now_ns());
    ASSERT_TRUE((*w)->close().ok());
  }
  auto r = verify(t.path());
  EXPECT_TRUE(r.intact) << r.summary();
  EXPECT_EQ(r.events, 280u);
}

// Retention must not stop at a segment that holds one event dated far in the future.
TEST(Store, FutureDatedEventDoesNotPinRetention) {
  test::TempDir t;
  StoreOptions o = small_opts(t.path());
  int64_t now = now_ns();
  auto w = StoreWriter::open(o);
  ASSERT_TRUE(w.ok());
  Event future = test::decode("<13>1 2099-01-01T00:00:00Z pinhost app - - - from the future", now);
  future.ts = now + 70 * 365 * kDay;  // as a parser would have had it before times were bounded
  ASSERT_TRUE((*w)->add(future).ok());
  fill(**w, 300, now);
  ASSERT_TRUE((*w)->rotate().ok());
  fill(**w, 300, now);
  ASSERT_TRUE((*w)->rotate().ok());
  fill(**w, 50, now);
  auto removed = (*w)->apply_retention(180 * kDay, now + 200 * kDay);
  ASSERT_TRUE(removed.ok()) << removed.error();
  EXPECT_GE(*removed, 2);
  ASSERT_TRUE((*w)->close().ok());
  auto r = verify(t.path());
  EXPECT_TRUE(r.intact) << r.summary();
}

// One flipped bit inside sealed data: the start keeps the whole segment, names the damage,
// copies it to quarantine and records it; search skips only that block and says so.
TEST(Store, FlippedBitInSealedDataIsKeptNotCut) {
  test::TempDir t;
  StoreOptions o = small_opts(t.path());
  o.segment_bytes = 1 << 30;  // everything in one segment: the one the writer appends to
  std::string data = make_store(t.path(), 1200, 0, &o);
  auto segs = list_segments(data);
  ASSERT_EQ(segs.size(), 1u);
  uint64_t size_before = fs::file_size(segs[0].path);
  auto recs = blocks_of(segs[0].path);
  ASSERT_GT(recs.size(), 20u);
  std::string bytes = read_file(segs[0].path);
  bytes[recs[1].offset + kBlockHeaderSize + 40] ^= 0x10;  // one bit in block #2's index/payload
  write_file(segs[0].path, bytes);
  {
    auto w = StoreWriter::open(o);
    ASSERT_TRUE(w.ok()) << w.error();
    EXPECT_EQ(fs::file_size(segs[0].path), size_before);  // nothing cut
    ASSERT_EQ((*w)->recovery().damage.size(), 1u);
    EXPECT_NE((*w)->recovery().damage[0].find("bytes " + std::to_string(recs[1].offset)), std::string::npos);
    fill(**w, 100, now_ns());
    ASSERT_TRUE((*w)->close().ok());
  }
  EXPECT_TRUE(fs::exists(data + "/quarantine/" + segment_file_name(1) + "." + std::to_string(recs[1].offset) + "-" +
                         std::to_string(recs[1].offset + recs[1].size)));
  auto r = verify(t.path());
  EXPECT_FALSE(r.intact);
  EXPECT_TRUE(first_problem_has(r, {"block #2", "digest mismatch"})) << r.summary();
  EXPECT_EQ(r.summary().find("history rewritten"), std::string::npos) << r.summary();
  EXPECT_EQ(r.events, 1300u);
  // A second start finds the same damage and records it only once.
  {
    auto w = StoreWriter::open(o);
    ASSERT_TRUE(w.ok());
  }
  size_t records = 0;
  for (const auto& l : read_lines(data + "/checkpoints.log")) records += l.rfind("wardsec-recovered ", 0) == 0;
  EXPECT_EQ(records, 1u);
  // Search: the other blocks' events, and the damaged block named.
  search::SearchStats st;
  auto q = search::Query::parse("*", 0).value();
  ASSERT_TRUE(search::run_search(
                  data, q, {}, [](const Event&) { return true; }, st)
                  .ok());
  EXPECT_EQ(st.matched, 1300u - recs[1].size * 0 - 40u);  // block #2 held 40 events
  ASSERT_EQ(st.damaged_total, 1u);
  EXPECT_NE(st.damaged[0].find("offset " + std::to_string(recs[1].offset)), std::string::npos) << st.damaged[0];
}

// A damaged block header (its size field) does not hide the blocks after it.
TEST(Store, DamagedHeaderIsSkippedToTheNextBlock) {
  test::TempDir t;
  std::string data = make_store(t.path(), 600);
  auto segs = list_segments(data);
  auto recs = blocks_of(segs[0].path);
  ASSERT_GT(recs.size(), 5u);
  std::string bytes = read_file(segs[0].path);
  bytes[recs[2].offset + 54] ^= 0x01;  // comp_len of block #3: now larger than the file
  write_file(segs[0].path, bytes);
  SegmentInfo info{1, segs[0].path, fs::file_size(segs[0].path)};
  auto rd = SegmentReader::open(info);
  std::vector<uint64_t> seqs;
  while (auto b = rd->next()) seqs.push_back(b->header.seq);
  EXPECT_FALSE(rd->truncated());
  EXPECT_EQ(seqs.size(), recs.size() - 1);  // only block #3 is lost...
  EXPECT_EQ(seqs.back(), recs.back().seq);  // ...the ones after it are read
  ASSERT_EQ(rd->gaps().size(), 1u);
  EXPECT_EQ(rd->gaps()[0].from, recs[2].offset);
  EXPECT_EQ(rd->gaps()[0].to, recs[3].offset);
  // A smaller wrong size lands inside the block's own payload: found again the same way.
  bytes = read_file(segs[0].path);
  bytes[recs[2].offset + 54] ^= 0x01;
  bytes[recs[2].offset + 52] ^= 0x40;
  write_file(segs[0].path, bytes);
  auto rd2 = SegmentReader::open(info);
  size_t n = 0;
  while (rd2->next()) n++;
  EXPECT_EQ(n, recs.size());
}

// Sealed (checkpointed) data cut off the end of the file: the start does not cut further,
// does not reuse the numbers the checkpoint signed, and verify does not cry "rewritten".
TEST(Store, CutBelowCheckpointIsNotCutFurtherNorRenumbered) {
  test::TempDir t;
  StoreOptions o = small_opts(t.path());
  o.segment_bytes = 1 << 30;
  std::string data = make_store(t.path(), 800, 0, &o);
  auto segs = list_segments(data);
  auto recs = blocks_of(segs[0].path);
  uint64_t cut_at = recs[recs.size() - 3].offset + 100;  // mid-block, well below the last checkpoint
  fs::resize_file(segs[0].path, cut_at);
  uint64_t last_signed = recs.back().seq;
  {
    auto w = StoreWriter::open(o);
    ASSERT_TRUE(w.ok()) << w.error();
    EXPECT_EQ(fs::file_size(segs[0].path), cut_at);  // kept as found
    EXPECT_FALSE((*w)->recovery().damage.empty());
    fill(**w, 100, now_ns());
    ASSERT_TRUE((*w)->close().ok());
  }
  auto segs2 = list_segments(data);
  ASSERT_EQ(segs2.size(), 2u);  // writing went on in a new segment
  auto recs2 = blocks_of(segs2[1].path);
  ASSERT_FALSE(recs2.empty());
  EXPECT_EQ(recs2.front().seq, last_signed + 1);
  auto r = verify(t.path());
  EXPECT_FALSE(r.intact);                                                              // the loss is real and named...
  EXPECT_EQ(r.summary().find("history rewritten"), std::string::npos) << r.summary();  // ...but not as tampering
  EXPECT_EQ(r.summary().find("out of order"), std::string::npos) << r.summary();
}

// verify while a block is half written at the end (after the last checkpoint): a note.
TEST(Store, VerifyDuringAWriteIsNotAnAlarm) {
  test::TempDir t;
  StoreOptions o = small_opts(t.path());
  auto w = StoreWriter::open(o);
  fill(**w, 500, now_ns());
  ASSERT_TRUE((*w)->checkpoint(false).ok());
  fill(**w, 100, now_ns());
  ASSERT_TRUE((*w)->commit(true).ok());
  auto segs = list_segments(o.data_dir);
  {
    std::ofstream f(segs.back().path, std::ios::binary | std::ios::app);
    std::string part(200, '\x33');
    std::memcpy(part.data(), "WBLK\x80\0\0\0", 8);
    f << part;  // as if caught mid-write
  }
  auto r = verify(t.path());
  EXPECT_TRUE(r.intact) << r.summary();
  EXPECT_NE(r.summary().find("unfinished block"), std::string::npos) << r.summary();
}

// A slow sender acknowledged one event at a time: commits go to the commit log, blocks are
// sealed by size and age (not one per commit), and what was acknowledged survives a crash.
TEST(Store, GroupCommitLogKeepsSmallCommitsOutOfBlocks) {
  test::TempDir t;
  StoreOptions o = small_opts(t.path());
  o.block_events = 32768;
  o.seal_after_ns = 3600LL * kSec;  // only size seals here
  uint64_t acked = 0;
  {
    auto w = StoreWriter::open(o);
    ASSERT_TRUE(w.ok());
    demo::Generator g(3);
    for (int i = 0; i < 300; i++) {
      Event ev = test::decode(g.next(now_ns()), now_ns());
      ASSERT_TRUE((*w)->add(ev).ok());
      ASSERT_TRUE((*w)->commit(true).ok());  // each one acknowledged
      acked++;
    }
    EXPECT_LE((*w)->stats().blocks, 3u);  // 300 commits, not 300 blocks
    // No close(): as if killed. The open block lives only in the commit log.
  }
  EXPECT_GT(fs::file_size(o.data_dir + "/wal"), 0u);
  {
    auto w = StoreWriter::open(o);
    ASSERT_TRUE(w.ok()) << w.error();
    ASSERT_TRUE((*w)->close().ok());
  }
  EXPECT_EQ(fs::file_size(o.data_dir + "/wal"), 0u);
  auto r = verify(t.path());
  EXPECT_TRUE(r.intact) << r.summary();
  EXPECT_EQ(r.events, acked);
  // A torn last record (a crash while appending it) is not replayed.
  {
    auto w = StoreWriter::open(o);
    Event ev = test::decode("<13>1 2026-12-30T10:00:00Z h app - - - torn", now_ns());
    ASSERT_TRUE((*w)->add(ev).ok());
    ASSERT_TRUE((*w)->commit(true).ok());
  }
  fs::resize_file(o.data_dir + "/wal", fs::file_size(o.data_dir + "/wal") - 3);
  {
    auto w = StoreWriter::open(o);
    ASSERT_TRUE(w.ok()) << w.error();
    ASSERT_TRUE((*w)->close().ok());
  }
  EXPECT_EQ(verify(t.path()).events, acked);
}

TEST(Store, Sha256AndEd25519Suite) {
  test::TempDir t;
  StoreOptions o = small_opts(t.path());
  o.digest = DigestAlg::kSha256;
  o.sign = SignAlg::kEd25519;
  make_store(t.path(), 300, 0, &o);
  auto r = verify(t.path());
  EXPECT_TRUE(r.intact) << r.summary();
  EXPECT_NE(r.summary().find("ed25519"), std::string::npos);
}

TEST(Store, SecondWriterIsRefused) {
  test::TempDir t;
  StoreOptions o = small_opts(t.path());
  auto w1 = StoreWriter::open(o);
  ASSERT_TRUE(w1.ok());
  auto w2 = StoreWriter::open(o);
  ASSERT_FALSE(w2.ok());
  EXPECT_NE(w2.error().find("in use"), std::string::npos);
}

TEST(Crypto, Sm2SignVerify) {
  test::TempDir t;
  auto k = KeyPair::load_or_create(t.path() + "/k", SignAlg::kSm2);
  ASSERT_TRUE(k.ok()) << k.error();
  auto sig = k->sign("hello");
  ASSERT_TRUE(sig.ok());
  auto pub = KeyPair::load_public(t.path() + "/k/instance.pub");
  ASSERT_TRUE(pub.ok());
  EXPECT_TRUE(pub->verify("hello", *sig));
  EXPECT_FALSE(pub->verify("hellO", *sig));
  // SM3 test vector (GB/T 32905): "abc"
  Digest32 d = digest(DigestAlg::kSm3, "abc");
  EXPECT_EQ(hex(d.data(), 32), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
}

TEST(Store, FreeTextFindsEventsWithoutAMessage) {
  // A JSON or XML event has no message field: free text reads its raw text, and the block's
  // index must hold those words too or the block is skipped before it is read.
  test::TempDir t;
  StoreOptions o = small_opts(t.path());
  auto w = StoreWriter::open(o);
  ASSERT_TRUE(w.ok());
  Event a;
  a.raw = "<Event><EventData><Data Name='TargetUserName'>wangfang</Data></EventData></Event>";
  a.ts = a.received = 1700000000000000000LL;
  a.set("user.name", "wangfang");
  Event b;
  b.raw = "<13>Nov 26 08:00:00 h app: something else entirely";
  b.ts = b.received = a.ts + 1;
  b.set(kMessage, std::string_view(b.raw).substr(27));
  ASSERT_TRUE((*w)->add(a).ok());
  ASSERT_TRUE((*w)->add(b).ok());
  ASSERT_TRUE((*w)->close().ok());
  EXPECT_EQ(test::count_matches(o.data_dir, "wangfang"), 1u);
  EXPECT_EQ(test::count_matches(o.data_dir, "TargetUserName"), 1u);
  EXPECT_EQ(test::count_matches(o.data_dir, "entirely"), 1u);
  EXPECT_EQ(test::count_matches(o.data_dir, "nowhere"), 0u);
}

// Times at either end of int64 round-trip through the block codec: the deltas between events
// wrap instead of overflowing, and a crafted delta decodes without undefined behaviour.
TEST(Store, ExtremeTimesRoundTripThroughThePayloadCodec) {
  store::PayloadEncoder enc;
  std::vector<int64_t> times = {INT64_MIN, INT64_MAX, 0, INT64_MIN + 1, -44};
  for (int64_t t : times) {
    Event ev;
    ev.raw = "x";
    ev.ts = t;
    ev.received = ~t;  // -t - 1 without overflowing at INT64_MIN
    enc.add(ev);
  }
  std::vector<Event> out;
  ASSERT_TRUE(store::decode_payload(enc.finish(), out).ok());
  ASSERT_EQ(out.size(), times.size());
  for (size_t i = 0; i < times.size(); i++) {
    EXPECT_EQ(out[i].ts, times[i]);
    EXPECT_EQ(out[i].received, ~times[i]);
  }
}
