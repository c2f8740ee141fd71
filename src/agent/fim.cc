#include "agent/fim.h"

#include <algorithm>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <sqlite3.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "agent/whodata.h"
#include "core/files.h"
#include "core/sqlite.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "store/crypto.h"

namespace wardsec::agent {
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kMaxHash = 1LL << 30;     // larger files: metadata only
constexpr int64_t kMaxText = 256 << 10;     // larger files: no diff
constexpr size_t kMaxPending = 10000;       // paths waiting to be checked
constexpr size_t kMaxScanEvents = 10000;    // differences one scan itemises; the rest are counted
constexpr int64_t kQuietNs = 200000000;     // a path is checked this long after its first change
constexpr int64_t kRecheckNs = 1000000000;  // and not again within a second

const char* kSchema =
    "CREATE TABLE IF NOT EXISTS files(path TEXT PRIMARY KEY, size INTEGER, mtime INTEGER, ctime INTEGER, ino INTEGER, mode INTEGER,"
    " uid INTEGER, gid INTEGER, sm3 TEXT, sha256 TEXT, seen INTEGER);"
    "CREATE TABLE IF NOT EXISTS texts(path TEXT PRIMARY KEY, content BLOB);"
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT);";

bool matches(const std::string& path, const std::vector<std::string>& pats) {
  for (const auto& p : pats) {
    if (p.find_first_of("*?[") == std::string::npos) {
      if (path == p || (path.size() > p.size() && path.compare(0, p.size(), p) == 0 && path[p.size()] == '/')) return true;
    } else if (fnmatch(p.c_str(), path.c_str(), 0) == 0 || (p[0] == '*' && fnmatch(p.c_str(), fs::path(path).filename().c_str(), 0) == 0)) {
      return true;
    }
  }
  return false;
}

std::string hexd(const Digest32& d) { return hex(d.data(), d.size()); }

std::optional<FileMeta> row_meta(sqlite3* db, const std::string& path) {
  sqlite::Stmt s(db, "SELECT size, mtime, ctime, ino, mode, uid, gid, sm3, sha256 FROM files WHERE path=?");
  s.bind(1, path);
  if (!s.row()) return std::nullopt;
  FileMeta m;
  m.size = s.i64(0);
  m.mtime = s.i64(1);
  m.ctime = s.i64(2);
  m.ino = static_cast<uint64_t>(s.i64(3));
  m.mode = static_cast<uint32_t>(s.i64(4));
  m.uid = static_cast<uint32_t>(s.i64(5));
  m.gid = static_cast<uint32_t>(s.i64(6));
  m.sm3 = s.text(7);
  m.sha256 = s.text(8);
  return m;
}

void put_row(sqlite3* db, const std::string& path, const FileMeta& m, int64_t seen) {
  sqlite::Stmt s(
      db, "INSERT OR REPLACE INTO files(path, size, mtime, ctime, ino, mode, uid, gid, sm3, sha256, seen) VALUES(?,?,?,?,?,?,?,?,?,?,?)");
  s.bind(1, path)
      .bind(2, m.size)
      .bind(3, m.mtime)
      .bind(4, m.ctime)
      .bind(5, static_cast<int64_t>(m.ino))
      .bind(6, static_cast<int64_t>(m.mode));
  s.bind(7, static_cast<int64_t>(m.uid)).bind(8, static_cast<int64_t>(m.gid)).bind(9, m.sm3).bind(10, m.sha256).bind(11, seen);
  (void)s.run();
}

std::vector<std::string> changed_fields(const FileMeta& a, const FileMeta& b) {
  std::vector<std::string> c;
  if (a.sha256 != b.sha256 || a.sm3 != b.sm3) c.push_back("content");
  if (a.size != b.size) c.push_back("size");
  if ((a.mode & 07777) != (b.mode & 07777) || (a.mode & S_IFMT) != (b.mode & S_IFMT)) c.push_back("mode");
  if (a.uid != b.uid) c.push_back("uid");
  if (a.gid != b.gid) c.push_back("gid");
  if (a.ino != b.ino) c.push_back("inode");
  return c;
}

}  // namespace

json FileMeta::to_json() const {
  char m[16];
  std::snprintf(m, sizeof m, "%04o", mode & 07777);
  json j = {{"size", size}, {"mtime", mtime}, {"inode", ino}, {"mode", m}, {"uid", uid}, {"gid", gid}};
  if (!sm3.empty()) j["sm3"] = sm3;
  if (!sha256.empty()) j["sha256"] = sha256;
  if (S_ISLNK(mode)) j["type"] = "symlink";
  return j;
}

Fim::Fim(fleet::AgentConfig cfg, std::string state_dir) : cfg_(std::move(cfg)), state_(std::move(state_dir)) {}

Fim::~Fim() {
  if (ino_fd_ >= 0) ::close(ino_fd_);
  if (db_) sqlite3_close(db_);
}

Status Fim::open() {
  if (Status s = sqlite::open(state_ + "/fim.db", &db_, {kSchema}); !s) return s;
  (void)sqlite::exec(db_, "PRAGMA synchronous=NORMAL");
  if (cfg_.whodata) {
    who_ = std::make_unique<WhoData>(cfg_.audit_log);
    who_->arm(cfg_.fim_paths);
  }
  return {};
}

bool Fim::whodata_active() const { return who_ && who_->active(); }
std::string Fim::whodata_state() const { return who_ ? who_->state() : "off"; }

bool Fim::excluded(const std::string& path) const { return matches(path, cfg_.fim_exclude); }
bool Fim::diffable(const std::string& path) const { return matches(path, cfg_.diff_paths) && !matches(path, cfg_.no_diff); }

std::optional<FileMeta> Fim::meta(const std::string& path, bool hash) const {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
  FileMeta m;
  m.size = st.st_size;
  m.mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
  m.ctime = static_cast<int64_t>(st.st_ctim.tv_sec) * 1000000000LL + st.st_ctim.tv_nsec;
  m.ino = st.st_ino;
  m.mode = st.st_mode;
  m.uid = st.st_uid;
  m.gid = st.st_gid;
  if (!hash) return m;
  if (S_ISLNK(st.st_mode)) {  // a link's digest is its target's name: a swapped link shows
    char buf[4096];
    ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
    std::string t(buf, n > 0 ? static_cast<size_t>(n) : 0);
    m.sm3 = hexd(digest(DigestAlg::kSm3, t));
    m.sha256 = hexd(digest(DigestAlg::kSha256, t));
  } else if (S_ISREG(st.st_mode) && st.st_size <= kMaxHash) {
    int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return m;
    Hasher h3(DigestAlg::kSm3), h2(DigestAlg::kSha256);
    std::string buf(1 << 16, '\0');
    ssize_t n;
    while ((n = ::read(fd, buf.data(), buf.size())) > 0) {
      h3.update(buf.data(), static_cast<size_t>(n));
      h2.update(buf.data(), static_cast<size_t>(n));
    }
    ::close(fd);
    m.sm3 = hexd(h3.finish());
    m.sha256 = hexd(h2.finish());
  }
  return m;
}

void Fim::check(const std::string& path, bool realtime, int64_t count, std::vector<json>& out) {
  auto now_m = meta(path, true);
  auto old = row_meta(db_, path);
  if (now_m && S_ISDIR(now_m->mode)) return;
  if (!now_m && !old) return;
  json e = {{"path", path}, {"at", now_ns()}, {"realtime", realtime}};
  if (count > 1) e["count"] = count;
  std::string old_text;
  bool text = diffable(path);
  if (text && old) {
    sqlite::Stmt s(db_, "SELECT content FROM texts WHERE path=?");
    s.bind(1, path);
    if (s.row()) old_text = s.text(0);
  }
  if (!now_m) {
    e["action"] = "deleted";
    e["before"] = old->to_json();
    sqlite::Stmt d(db_, "DELETE FROM files WHERE path=?");
    d.bind(1, path);
    (void)d.run();
  } else {
    if (old) {
      auto c = changed_fields(*old, *now_m);
      if (c.empty()) {
        put_row(db_, path, *now_m, now_ns());
        return;
      }
      e["action"] = std::find(c.begin(), c.end(), "content") != c.end() ? "modified" : "attributes";
      e["changed"] = c;
      e["before"] = old->to_json();
    } else {
      e["action"] = "added";
    }
    e["after"] = now_m->to_json();
    put_row(db_, path, *now_m, now_ns());
    if (text && S_ISREG(now_m->mode) && now_m->size <= kMaxText) {
      auto cur = read_file(path);
      if (cur && cur->find('\0') == std::string::npos) {
        if (old && e["action"] == "modified") e["diff"] = text_diff(old_text, *cur);
        sqlite::Stmt s(db_, "INSERT OR REPLACE INTO texts(path, content) VALUES(?,?)");
        s.bind(1, path).bind(2, *cur);
        (void)s.run();
      }
    }
  }
  if (realtime && who_)
    if (auto w = who_->who(path)) e["who"] = *w;
  stats_.events++;
  out.push_back(std::move(e));
}

std::vector<json> Fim::scan(const std::atomic<bool>& stop) {
  std::vector<json> out;
  bool first = true;
  {
    sqlite::Stmt s(db_, "SELECT v FROM meta WHERE k='baseline'");
    if (s.row()) first = false;
  }
  int64_t gen = now_ns(), files = 0, skipped = 0;
  std::map<std::string, int64_t> more;  // root -> differences not itemised
  // Past the limit, the difference just added is counted under its watched path instead.
  auto cap = [&](const std::string& root) {
    if (out.size() <= kMaxScanEvents) return;
    out.pop_back();
    more[root]++;
  };
  (void)sqlite::exec(db_, "BEGIN");
  int64_t in_tx = 0;
  std::vector<json> scratch;
  for (const auto& root : cfg_.fim_paths) {
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(root, ec))) continue;
    auto visit = [&](const std::string& p) {
      if (excluded(p)) return;
      if (files >= cfg_.fim_max_files) {
        skipped++;
        return;
      }
      files++;
      auto m = meta(p, false);
      if (!m || S_ISDIR(m->mode)) return;
      auto old = row_meta(db_, p);
      if (old && old->size == m->size && old->mtime == m->mtime && old->ctime == m->ctime && old->ino == m->ino && old->mode == m->mode &&
          old->uid == m->uid && old->gid == m->gid) {
        sqlite::Stmt u(db_, "UPDATE files SET seen=? WHERE path=?");
        u.bind(1, gen).bind(2, p);
        (void)u.run();
      } else {
        check(p, false, 0, first ? scratch : out);
        scratch.clear();
        cap(root);
        sqlite::Stmt u(db_, "UPDATE files SET seen=? WHERE path=?");
        u.bind(1, gen).bind(2, p);
        (void)u.run();
      }
      if (++in_tx >= 5000) {
        (void)sqlite::exec(db_, "COMMIT");
        (void)sqlite::exec(db_, "BEGIN");
        in_tx = 0;
      }
    };
    if (fs::is_directory(fs::symlink_status(root, ec))) {
      for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
           it != fs::recursive_directory_iterator() && !stop; it.increment(ec)) {
        if (ec) break;
        if (excluded(it->path().string()) && it->is_directory(ec)) {
          it.disable_recursion_pending();
          continue;
        }
        visit(it->path().string());
      }
    } else {
      visit(root);
    }
  }
  // What the baseline has and the walk did not see: deleted (under the roots walked).
  // (Not when the file limit left some out: those are not known to be gone.)
  if (!stop && skipped == 0) {
    std::vector<std::string> gone;
    sqlite::Stmt s(db_, "SELECT path FROM files WHERE seen<>?");
    s.bind(1, gen);
    while (s.row()) gone.push_back(s.text(0));
    for (const auto& p : gone) {
      if (excluded(p)) continue;
      check(p, false, 0, first ? scratch : out);
      if (out.size() > kMaxScanEvents) {
        auto root = std::find_if(cfg_.fim_paths.begin(), cfg_.fim_paths.end(), [&](const std::string& r) { return p.rfind(r, 0) == 0; });
        cap(root == cfg_.fim_paths.end() ? p.substr(0, p.rfind('/')) : *root);
      }
    }
    scratch.clear();
  }
  // A flood (a million files unpacked under a watched path): the first differences itemised,
  // the rest counted in one event per watched path, and the baseline brought up to date.
  for (const auto& [root, n] : more) {
    out.push_back({{"path", root}, {"action", "more"}, {"count", n}});
    stats_.not_itemised += n;
  }
  sqlite::Stmt m(db_, "INSERT OR REPLACE INTO meta(k, v) VALUES('baseline', ?)");
  m.bind(1, std::to_string(gen));
  (void)m.run();
  (void)sqlite::exec(db_, "COMMIT");
  stats_.files = files;
  stats_.skipped = skipped;
  stats_.scans++;
  if (first)
    out.push_back({{"path", cfg_.fim_paths.empty() ? "" : cfg_.fim_paths.front()},
                   {"action", "baseline"},
                   {"files", files},
                   {"skipped", skipped},
                   {"at", now_ns()}});
  else if (skipped)
    out.push_back({{"path", cfg_.fim_paths.front()}, {"action", "limit"}, {"files", files}, {"skipped", skipped}, {"at", now_ns()}});
  return out;
}

void Fim::add_watch(const std::string& dir) {
  if (ino_fd_ < 0 || excluded(dir)) return;
  std::error_code ec;
  std::vector<std::string> dirs{dir};
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_directory(ec) && !it->is_symlink(ec)) {
      if (excluded(it->path().string())) {
        it.disable_recursion_pending();
        continue;
      }
      dirs.push_back(it->path().string());
    }
  }
  for (const auto& d : dirs) {
    if (stats_.watches >= cfg_.fim_max_watches) {
      stats_.unwatched++;
      continue;
    }
    int wd = inotify_add_watch(
        ino_fd_, d.c_str(),
        IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DONT_FOLLOW | IN_EXCL_UNLINK);
    if (wd < 0) {
      stats_.unwatched++;  // the kernel's limit (max_user_watches) or a vanished folder
      continue;
    }
    if (!wd_.count(wd)) stats_.watches++;
    wd_[wd] = d;
  }
}

void Fim::watch() {
  if (!cfg_.fim_realtime) return;
  ino_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (ino_fd_ < 0) return;
  for (const auto& root : cfg_.fim_paths) {
    std::error_code ec;
    if (fs::is_directory(fs::symlink_status(root, ec)))
      add_watch(root);
    else if (fs::exists(fs::symlink_status(root, ec)))
      add_watch(fs::path(root).parent_path().string());
  }
}

std::vector<json> Fim::poll(int wait_ms) {
  std::vector<json> out;
  if (ino_fd_ < 0) {
    usleep(static_cast<useconds_t>(wait_ms) * 1000);
    return out;
  }
  pollfd p{ino_fd_, POLLIN, 0};
  ::poll(&p, 1, pending_.empty() ? wait_ms : std::min(wait_ms, 100));
  alignas(inotify_event) char buf[65536];
  int64_t now = now_ns();
  ssize_t n;
  while ((n = ::read(ino_fd_, buf, sizeof buf)) > 0) {
    for (char* q = buf; q < buf + n;) {
      auto* ev = reinterpret_cast<inotify_event*>(q);
      q += sizeof(inotify_event) + ev->len;
      if (ev->mask & IN_Q_OVERFLOW) {
        rescan_ = true;
        stats_.dropped++;
        continue;
      }
      auto it = wd_.find(ev->wd);
      if (it == wd_.end()) continue;
      if (ev->mask & IN_IGNORED) {
        wd_.erase(it);
        stats_.watches--;
        continue;
      }
      std::string path = ev->len ? it->second + "/" + ev->name : it->second;
      if (excluded(path)) continue;
      if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO))) {
        add_watch(path);
        std::error_code ec;
        for (auto f = fs::recursive_directory_iterator(path, ec); f != fs::recursive_directory_iterator(); f.increment(ec)) {
          if (ec || pending_.size() >= kMaxPending) break;
          pending_.emplace(f->path().string(), std::make_pair(now, 1));
        }
        continue;
      }
      if (ev->mask & IN_ISDIR) continue;
      auto pit = pending_.find(path);
      if (pit != pending_.end()) {
        pit->second.second++;
        stats_.coalesced++;
      } else if (pending_.size() >= kMaxPending) {
        stats_.dropped++;
        rescan_ = true;  // what did not fit is found by a scan
      } else {
        pending_.emplace(path, std::make_pair(now, 1));
      }
    }
  }
  static thread_local std::map<std::string, int64_t> last_check;
  for (auto it = pending_.begin(); it != pending_.end();) {
    auto lc = last_check.find(it->first);
    if (now - it->second.first < kQuietNs || (lc != last_check.end() && now - lc->second < kRecheckNs)) {
      ++it;
      continue;
    }
    check(it->first, true, it->second.second, out);
    last_check[it->first] = now;
    it = pending_.erase(it);
  }
  if (last_check.size() > 2 * kMaxPending)
    for (auto it = last_check.begin(); it != last_check.end();) it = now - it->second > kRecheckNs ? last_check.erase(it) : std::next(it);
  return out;
}

}  // namespace wardsec::agent
