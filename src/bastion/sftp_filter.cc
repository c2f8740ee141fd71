#include "bastion/sftp_filter.h"

#include <cstring>

namespace wardsec::bastion {

namespace {

// Packet types (draft-ietf-secsh-filexfer-02, section 3).
enum : uint8_t {
  kInit = 1,
  kVersion = 2,
  kOpen = 3,
  kClose = 4,
  kRead = 5,
  kWrite = 6,
  kLstat = 7,
  kFstat = 8,
  kSetstat = 9,
  kFsetstat = 10,
  kOpendir = 11,
  kReaddir = 12,
  kRemove = 13,
  kMkdir = 14,
  kRmdir = 15,
  kRealpath = 16,
  kStat = 17,
  kRename = 18,
  kReadlink = 19,
  kSymlink = 20,
  kStatus = 101,
  kHandle = 102,
  kData = 103,
  kExtended = 200,
};
constexpr uint32_t kPermissionDenied = 3, kOpUnsupported = 8;
constexpr uint32_t kOpenRead = 1, kOpenWrite = 2, kOpenAppend = 4, kOpenCreate = 8, kOpenTrunc = 0x10;

// A cursor over one packet's body; every read fails once the body is short.
struct Reader {
  std::string_view p;
  bool ok = true;
  uint32_t u32() {
    if (p.size() < 4) return ok = false, 0;
    uint32_t v = static_cast<uint32_t>(static_cast<uint8_t>(p[0])) << 24 | static_cast<uint32_t>(static_cast<uint8_t>(p[1])) << 16 |
                 static_cast<uint32_t>(static_cast<uint8_t>(p[2])) << 8 | static_cast<uint8_t>(p[3]);
    p.remove_prefix(4);
    return v;
  }
  uint64_t u64() {
    uint64_t hi = u32();
    return hi << 32 | u32();
  }
  std::string_view str() {
    uint32_t n = u32();
    if (!ok || p.size() < n) return ok = false, std::string_view{};
    auto s = p.substr(0, n);
    p.remove_prefix(n);
    return s;
  }
};

void put32(std::string& o, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) o.push_back(static_cast<char>(v >> s & 0xff));
}
void put_str(std::string& o, std::string_view s) {
  put32(o, static_cast<uint32_t>(s.size()));
  o.append(s);
}

// Printable path for the record (SFTP names are bytes; control characters would forge lines).
std::string name(std::string_view s) {
  std::string o;
  for (char c : s.substr(0, 4096)) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      static const char* hex = "0123456789abcdef";
      o += "\\x";
      o += hex[u >> 4];
      o += hex[u & 15];
    } else {
      o += c;
    }
  }
  return o;
}

// Whether a whole packet is buffered: its length (without the 4-byte prefix), 0 when not yet.
// A length over the limit or of zero is an error (-1).
int64_t whole(std::string_view buf) {
  if (buf.size() < 4) return 0;
  Reader r{buf};
  uint32_t n = r.u32();
  if (n == 0 || n > SftpFilter::kMaxPacket) return -1;
  return buf.size() >= 4 + static_cast<size_t>(n) ? n : 0;
}

}  // namespace

struct SftpFilter::Stream {
  std::string path;
  int mode = 0;  // 1 read (download), 2 write (upload), 3 both
  EVP_MD_CTX* md = nullptr;
  uint64_t next = 0;                      // the offset the digest has reached
  std::map<uint64_t, std::string> ahead;  // data beyond `next`, held until the gap fills
  size_t held = 0;
  int64_t bytes = 0;
  std::string broken;  // why the digest cannot stand for the file
  ~Stream() { EVP_MD_CTX_free(md); }
};

SftpFilter::SftpFilter(bool may_upload, bool may_download, Log log) : up_(may_upload), down_(may_download), log_(std::move(log)) {}

SftpFilter::~SftpFilter() = default;

void SftpFilter::deny(uint32_t id, const std::string& why, std::string& to_client, uint32_t code) {
  std::string body;
  body.push_back(static_cast<char>(kStatus));
  put32(body, id);
  put32(body, code);
  put_str(body, why);
  put_str(body, "");
  put32(to_client, static_cast<uint32_t>(body.size()));
  to_client += body;
}

bool SftpFilter::from_client(std::string_view bytes, std::string& to_target, std::string& to_client) {
  in_client_.append(bytes);
  size_t used = 0;
  while (true) {
    int64_t n = whole(std::string_view(in_client_).substr(used));
    if (n < 0) return error_ = "SFTP: a client packet's length is out of range", false;
    if (n == 0) break;
    if (!client_packet(std::string_view(in_client_).substr(used, 4 + static_cast<size_t>(n)), to_target, to_client)) return false;
    used += 4 + static_cast<size_t>(n);
  }
  in_client_.erase(0, used);
  return true;
}

bool SftpFilter::from_target(std::string_view bytes, std::string& to_client) {
  in_target_.append(bytes);
  size_t used = 0;
  while (true) {
    int64_t n = whole(std::string_view(in_target_).substr(used));
    if (n < 0) return error_ = "SFTP: a target packet's length is out of range", false;
    if (n == 0) break;
    if (!target_packet(std::string_view(in_target_).substr(used + 4, static_cast<size_t>(n)))) return false;
    used += 4 + static_cast<size_t>(n);
  }
  to_client.append(in_target_, 0, used);
  in_target_.erase(0, used);
  return true;
}

bool SftpFilter::client_packet(std::string_view packet, std::string& to_target, std::string& to_client) {
  Reader r{packet.substr(4)};
  auto type = static_cast<uint8_t>(r.p.empty() ? 0 : r.p[0]);
  r.p.remove_prefix(r.p.empty() ? 0 : 1);
  if (type == kInit) {
    to_target.append(packet);
    return true;
  }
  uint32_t id = r.u32();
  if (!r.ok) return error_ = "SFTP: a client request without an id", false;
  FileOp op;
  int need = 0;  // 1 download, 2 upload, 3 both, 4 either
  switch (type) {
    case kOpen: {
      std::string path = name(r.str());
      uint32_t flags = r.u32();
      if (!r.ok) return error_ = "SFTP: a malformed OPEN", false;
      int mode = (flags & kOpenRead ? 1 : 0) | (flags & (kOpenWrite | kOpenAppend | kOpenCreate | kOpenTrunc) ? 2 : 0);
      if (mode == 0) mode = 1;
      need = mode;
      op.op = mode == 1 ? "download" : "upload";
      op.path = path;
      if ((need & 1 && !down_) || (need & 2 && !up_)) break;
      if (opening_.size() >= kMaxOpen) return error_ = "SFTP: too many requests in flight", false;
      opening_[id] = {path, mode};
      to_target.append(packet);
      return true;
    }
    case kRead: {
      std::string h(r.str());
      uint64_t off = r.u64();
      if (!r.ok) return error_ = "SFTP: a malformed READ", false;
      if (open_.count(h)) {
        if (reads_.size() >= kMaxOpen) return error_ = "SFTP: too many reads in flight", false;
        reads_[id] = {h, off};
      }
      to_target.append(packet);
      return true;
    }
    case kWrite: {
      std::string h(r.str());
      uint64_t off = r.u64();
      std::string_view d = r.str();
      if (!r.ok) return error_ = "SFTP: a malformed WRITE", false;
      if (auto it = open_.find(h); it != open_.end()) data(*it->second, off, d);
      to_target.append(packet);
      return true;
    }
    case kClose: {
      std::string h(r.str());
      if (!r.ok) return error_ = "SFTP: a malformed CLOSE", false;
      close_stream(h, true);
      to_target.append(packet);
      return true;
    }
    case kFstat:
    case kLstat:
    case kStat:
    case kOpendir:
    case kReaddir:
    case kRealpath:
    case kReadlink: need = 4; break;
    case kSetstat: op.op = "setstat", op.path = name(r.str()), need = 2; break;
    case kFsetstat: {
      auto it = open_.find(std::string(r.str()));
      op.op = "setstat", op.path = it == open_.end() ? "(handle)" : it->second->path, need = 2;
      break;
    }
    case kRemove: op.op = "remove", op.path = name(r.str()), need = 2; break;
    case kMkdir: op.op = "mkdir", op.path = name(r.str()), need = 2; break;
    case kRmdir: op.op = "rmdir", op.path = name(r.str()), need = 2; break;
    case kRename: op.op = "rename", op.path = name(r.str()), op.path2 = name(r.str()), need = 2; break;
    case kSymlink: op.op = "symlink", op.path = name(r.str()), op.path2 = name(r.str()), need = 2; break;
    case kExtended: {
      std::string ext(r.str());
      if (ext == "posix-rename@openssh.com") {
        op.op = "rename", op.path = name(r.str()), op.path2 = name(r.str()), need = 2;
      } else if (ext == "hardlink@openssh.com") {
        op.op = "link", op.path = name(r.str()), op.path2 = name(r.str()), need = 2;
      } else if (ext == "lsetstat@openssh.com") {
        op.op = "setstat", op.path = name(r.str()), need = 2;
      } else if (ext == "copy-data") {
        // A copy inside the target: the bytes never pass here, so no digest.
        auto rh = open_.find(std::string(r.str()));
        r.u64(), r.u64();
        auto wh = open_.find(std::string(r.str()));
        op.op = "copy", op.path = rh == open_.end() ? "(handle)" : rh->second->path;
        op.path2 = wh == open_.end() ? "(handle)" : wh->second->path, need = 2;
        op.note = "目标内部复制，无摘要 / copied inside the target: no digest";
      } else if (ext == "fsync@openssh.com" || ext == "statvfs@openssh.com" || ext == "fstatvfs@openssh.com" ||
                 ext == "limits@openssh.com" || ext == "expand-path@openssh.com" || ext == "home-directory" ||
                 ext == "users-groups-by-id@openssh.com") {
        need = 4;
      } else {
        op.op = "extension", op.path = name(ext), op.allowed = false;
        op.note = "未知的 SFTP 扩展，已拒绝 / unknown SFTP extension refused";
        log_(op);
        deny(id, op.note, to_client, kOpUnsupported);
        return true;
      }
      break;
    }
    default: {
      op.op = "request", op.path = std::to_string(type), op.allowed = false;
      op.note = "未知的 SFTP 请求，已拒绝 / unknown SFTP request refused";
      log_(op);
      deny(id, op.note, to_client, kOpUnsupported);
      return true;
    }
  }
  if (!r.ok) return error_ = "SFTP: a malformed request (type " + std::to_string(type) + ")", false;
  bool ok = need == 4 ? up_ || down_ : !((need & 1 && !down_) || (need & 2 && !up_));
  if (!op.op.empty()) {
    op.allowed = ok;
    if (!ok) op.note = need & 2 && !up_ ? "未授权上传或修改 / not granted sftp_upload" : "未授权下载 / not granted sftp_download";
    if (op.op != "download" && op.op != "upload")
      log_(op);
    else if (!ok)
      log_(op);
  }
  if (!ok) {
    deny(id, op.note.empty() ? "未授权 / not granted" : op.note, to_client, kPermissionDenied);
    return true;
  }
  to_target.append(packet);
  return true;
}

bool SftpFilter::target_packet(std::string_view p) {
  Reader r{p};
  auto type = static_cast<uint8_t>(p.empty() ? 0 : p[0]);
  r.p.remove_prefix(p.empty() ? 0 : 1);
  if (type == kVersion) return true;
  uint32_t id = r.u32();
  if (!r.ok) return error_ = "SFTP: a target reply without an id", false;
  if (type == kHandle) {
    auto it = opening_.find(id);
    if (it == opening_.end()) return true;  // a directory's handle
    std::string h(r.str());
    if (!r.ok) return error_ = "SFTP: a malformed HANDLE", false;
    if (open_.size() >= kMaxOpen) return error_ = "SFTP: too many open files", false;
    auto s = std::make_unique<Stream>();
    s->path = it->second.first;
    s->mode = it->second.second;
    s->md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(s->md, EVP_sha256(), nullptr);
    if (s->mode == 3) s->broken = "读写同时打开，无摘要 / opened for reading and writing: no digest";
    close_stream(h, false);  // a handle reused without a CLOSE seen
    open_[h] = std::move(s);
    opening_.erase(it);
  } else if (type == kStatus) {
    opening_.erase(id);  // an OPEN that failed
    reads_.erase(id);    // EOF or an error on a read
  } else if (type == kData) {
    auto it = reads_.find(id);
    if (it == reads_.end()) return true;
    std::string_view d = r.str();
    if (!r.ok) return error_ = "SFTP: a malformed DATA", false;
    if (auto f = open_.find(it->second.first); f != open_.end()) data(*f->second, it->second.second, d);
    reads_.erase(it);
  }
  return true;
}

void SftpFilter::data(Stream& s, uint64_t offset, std::string_view d) {
  s.bytes += static_cast<int64_t>(d.size());
  if (!s.broken.empty() || d.empty()) return;
  if (offset < s.next) {
    s.broken = "数据被覆盖或重传，无摘要 / data rewritten at an earlier offset: no digest";
    return;
  }
  if (offset > s.next) {
    if (s.held + d.size() > kReorderWindow || s.ahead.count(offset)) {
      s.broken = "数据次序过乱，无摘要 / data too far out of order: no digest";
      return;
    }
    s.held += d.size();
    s.ahead.emplace(offset, std::string(d));
    return;
  }
  EVP_DigestUpdate(s.md, d.data(), d.size());
  s.next += d.size();
  while (!s.ahead.empty() && s.ahead.begin()->first <= s.next) {
    auto node = s.ahead.extract(s.ahead.begin());
    s.held -= node.mapped().size();
    if (node.key() < s.next) {
      s.broken = "数据重叠，无摘要 / overlapping data: no digest";
      return;
    }
    EVP_DigestUpdate(s.md, node.mapped().data(), node.mapped().size());
    s.next += node.mapped().size();
  }
}

void SftpFilter::close_stream(const std::string& handle, bool complete) {
  auto it = open_.find(handle);
  if (it == open_.end()) return;
  Stream& s = *it->second;
  FileOp op;
  op.op = s.mode == 1 ? "download" : "upload";
  op.path = s.path;
  op.bytes = s.bytes;
  op.complete = complete;
  if (s.broken.empty() && !s.ahead.empty()) s.broken = "数据有缺口，无摘要 / data with gaps: no digest";
  if (s.broken.empty()) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(s.md, md, &len);
    static const char* hex = "0123456789abcdef";
    for (unsigned i = 0; i < len; i++) op.sha256 += {hex[md[i] >> 4], hex[md[i] & 15]};
  } else {
    op.note = s.broken;
  }
  if (!complete) op.note += (op.note.empty() ? "" : "; ") + std::string("会话结束时文件未关闭 / the session ended with the file open");
  open_.erase(it);
  // Reads still waiting on this handle have nothing to feed any more.
  for (auto r = reads_.begin(); r != reads_.end();) r = r->second.first == handle ? reads_.erase(r) : std::next(r);
  log_(op);
}

void SftpFilter::finish() {
  while (!open_.empty()) close_stream(open_.begin()->first, false);
}

}  // namespace wardsec::bastion
