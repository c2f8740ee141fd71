// SFTP through the bastion (the `sftp` subsystem; OpenSSH's scp uses it too since 9.0): the
// filter sits between the operator's client and the target's sftp-server, reads every packet
// (SFTP version 3, draft-ietf-secsh-filexfer-02, as OpenSSH speaks it) and
// - refuses what the grant does not allow: reading a file needs `sftp_download`; writing,
//   creating, removing, renaming, linking and changing attributes need `sftp_upload`; listing
//   needs either. A refused request never reaches the target: the client gets
//   SSH_FX_PERMISSION_DENIED with the reason. Unknown extensions are refused too.
// - logs every operation: each file read or written with its name, the bytes moved and the
//   SHA-256 of those bytes (computed on the fly from the in-order data; data written out of
//   order beyond a bounded window, or a file both read and written, is logged without a
//   digest and says why), and every change (remove, rename, mkdir, ...) with its names.
// Pure: no I/O; the caller moves the bytes (fuzzed as bastion_sftp).
#pragma once
#include <openssl/evp.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace wardsec::bastion {

struct FileOp {
  std::string op;           // upload, download, remove, rename, mkdir, rmdir, setstat, symlink, link, copy
  std::string path, path2;  // path2: the new name (rename), the link's target (symlink, link)
  int64_t bytes = -1;       // bytes moved (upload, download)
  std::string sha256;       // hex, when the whole stream was seen in order
  std::string note;         // why there is no digest; the refusal
  bool allowed = true;
  bool complete = true;  // false: the session ended with the file still open
};

class SftpFilter {
 public:
  using Log = std::function<void(const FileOp&)>;
  SftpFilter(bool may_upload, bool may_download, Log log);
  ~SftpFilter();
  SftpFilter(const SftpFilter&) = delete;
  SftpFilter& operator=(const SftpFilter&) = delete;

  // The client's bytes: what goes on to the target is appended to `to_target`, refusals for
  // the client to `to_client`. False on a protocol error (the session must end; error()).
  bool from_client(std::string_view bytes, std::string& to_target, std::string& to_client);
  // The target's bytes, passed on unchanged once whole packets are seen (appended to
  // `to_client`). False on a protocol error.
  bool from_target(std::string_view bytes, std::string& to_client);
  // The session ends: files still open are logged as incomplete.
  void finish();
  const std::string& error() const { return error_; }

  static constexpr uint32_t kMaxPacket = 1u << 20;     // OpenSSH sends at most 256 KiB
  static constexpr size_t kReorderWindow = 16u << 20;  // out-of-order data held for the digest
  static constexpr size_t kMaxOpen = 4096;             // handles and requests in flight

 private:
  struct Stream;  // one open file: its direction, digest and data seen
  bool client_packet(std::string_view p, std::string& to_target, std::string& to_client);
  bool target_packet(std::string_view p);
  void deny(uint32_t id, const std::string& why, std::string& to_client, uint32_t code);
  void data(Stream& s, uint64_t offset, std::string_view d);
  void close_stream(const std::string& handle, bool complete);

  bool up_, down_;
  Log log_;
  std::string in_client_, in_target_, error_;
  std::map<uint32_t, std::pair<std::string, int>> opening_;     // request id -> path, 1 read 2 write 3 both
  std::map<std::string, std::unique_ptr<Stream>> open_;         // handle -> stream
  std::map<uint32_t, std::pair<std::string, uint64_t>> reads_;  // request id -> handle, offset
};

}  // namespace wardsec::bastion
