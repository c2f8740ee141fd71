// The SFTP filter: grants enforced per request, file digests from in-order and reordered data,
// refusals answered to the client without reaching the target, malformed input an error.
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include "bastion/sftp_filter.h"

namespace wardsec::bastion {
namespace {

void u32(std::string& o, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) o.push_back(static_cast<char>(v >> s & 0xff));
}
void u64(std::string& o, uint64_t v) {
  u32(o, static_cast<uint32_t>(v >> 32));
  u32(o, static_cast<uint32_t>(v));
}
void str(std::string& o, std::string_view s) {
  u32(o, static_cast<uint32_t>(s.size()));
  o.append(s);
}
std::string packet(uint8_t type, const std::string& body) {
  std::string o;
  u32(o, static_cast<uint32_t>(body.size() + 1));
  o.push_back(static_cast<char>(type));
  return o + body;
}
std::string req(uint8_t type, uint32_t id, const std::string& rest) {
  std::string b;
  u32(b, id);
  return packet(type, b + rest);
}
std::string hex_sha(std::string_view d) {
  unsigned char md[32];
  SHA256(reinterpret_cast<const unsigned char*>(d.data()), d.size(), md);
  std::string o;
  for (unsigned char c : md) o += {"0123456789abcdef"[c >> 4], "0123456789abcdef"[c & 15]};
  return o;
}

struct Harness {
  std::vector<FileOp> ops;
  SftpFilter f;
  std::string to_target, to_client;
  Harness(bool up, bool down) : f(up, down, [this](const FileOp& o) { ops.push_back(o); }) {}
  bool client(const std::string& p) {
    to_target.clear(), to_client.clear();
    return f.from_client(p, to_target, to_client);
  }
  bool target(const std::string& p) {
    to_client.clear();
    return f.from_target(p, to_client);
  }
  // OPEN path with flags; the target answers with `handle`.
  void open(uint32_t id, const std::string& path, uint32_t flags, const std::string& handle) {
    std::string b;
    str(b, path);
    u32(b, flags);
    u32(b, 0);  // attrs: no fields
    ASSERT_TRUE(client(req(3, id, b)));
    ASSERT_FALSE(to_target.empty());
    std::string h;
    str(h, handle);
    ASSERT_TRUE(target(req(102, id, h)));
  }
};

std::string write_req(uint32_t id, const std::string& handle, uint64_t off, std::string_view data) {
  std::string b;
  str(b, handle);
  u64(b, off);
  str(b, data);
  return req(6, id, b);
}

std::string close_req(uint32_t id, const std::string& handle) {
  std::string b;
  str(b, handle);
  return req(4, id, b);
}

TEST(Sftp, UploadDigestInOrderAndReordered) {
  Harness h(true, false);
  h.open(1, "/tmp/a.bin", 0x1a, "H1");  // WRITE|CREAT|TRUNC
  std::string data(100000, 'x');
  for (size_t i = 0; i < data.size(); i++) data[i] = static_cast<char>(i * 7);
  // Chunks sent out of order (as a pipelining client may): 2, 0, 1, 3.
  const size_t c = 25000;
  for (size_t k : {2u, 0u, 1u, 3u}) ASSERT_TRUE(h.client(write_req(10 + k, "H1", k * c, std::string_view(data).substr(k * c, c))));
  ASSERT_TRUE(h.client(close_req(20, "H1")));
  ASSERT_EQ(h.ops.size(), 1u);
  EXPECT_EQ(h.ops[0].op, "upload");
  EXPECT_EQ(h.ops[0].path, "/tmp/a.bin");
  EXPECT_EQ(h.ops[0].bytes, 100000);
  EXPECT_EQ(h.ops[0].sha256, hex_sha(data));
  EXPECT_TRUE(h.ops[0].complete);
}

TEST(Sftp, RewriteLeavesNoFalseDigest) {
  Harness h(true, false);
  h.open(1, "/tmp/b", 0x1a, "H");
  ASSERT_TRUE(h.client(write_req(2, "H", 0, "hello")));
  ASSERT_TRUE(h.client(write_req(3, "H", 0, "HELLO")));  // the same range again: the file is not the stream
  ASSERT_TRUE(h.client(close_req(4, "H")));
  ASSERT_EQ(h.ops.size(), 1u);
  EXPECT_TRUE(h.ops[0].sha256.empty());
  EXPECT_FALSE(h.ops[0].note.empty());
}

TEST(Sftp, DownloadNeedsItsGrantAndIsAnsweredLocally) {
  Harness h(true, false);
  std::string b;
  str(b, "/etc/shadow");
  u32(b, 1);  // READ
  u32(b, 0);
  ASSERT_TRUE(h.client(req(3, 7, b)));
  EXPECT_TRUE(h.to_target.empty());   // never reaches the target
  ASSERT_GE(h.to_client.size(), 9u);  // a STATUS for request 7
  EXPECT_EQ(static_cast<uint8_t>(h.to_client[4]), 101);
  EXPECT_EQ(h.to_client.substr(5, 4), std::string("\0\0\0\x07", 4));
  EXPECT_EQ(h.to_client.substr(9, 4), std::string("\0\0\0\x03", 4));  // SSH_FX_PERMISSION_DENIED
  ASSERT_EQ(h.ops.size(), 1u);
  EXPECT_FALSE(h.ops[0].allowed);
  EXPECT_EQ(h.ops[0].op, "download");
}

TEST(Sftp, ChangesNeedUploadAndUnknownExtensionsAreRefused) {
  Harness h(false, true);
  std::string b;
  str(b, "/etc/passwd");
  ASSERT_TRUE(h.client(req(13, 1, b)));  // REMOVE
  EXPECT_TRUE(h.to_target.empty());
  std::string e;
  str(e, "posix-rename@openssh.com");
  str(e, "/a");
  str(e, "/b");
  ASSERT_TRUE(h.client(req(200, 2, e)));
  EXPECT_TRUE(h.to_target.empty());
  std::string x;
  str(x, "evil@example.com");
  ASSERT_TRUE(h.client(req(200, 3, x)));
  EXPECT_TRUE(h.to_target.empty());
  ASSERT_EQ(h.ops.size(), 3u);
  EXPECT_EQ(h.ops[1].op, "rename");
  EXPECT_EQ(h.ops[1].path2, "/b");
  EXPECT_EQ(h.ops[2].op, "extension");
  // Listing is allowed with either grant.
  std::string d;
  str(d, "/var/log");
  ASSERT_TRUE(h.client(req(11, 4, d)));  // OPENDIR
  EXPECT_FALSE(h.to_target.empty());
}

TEST(Sftp, DownloadDigestFromDataReplies) {
  Harness h(false, true);
  h.open(1, "/var/log/messages", 1, "R");
  std::string content = "line one\nline two\n";
  for (uint32_t i = 0; i < 2; i++) {
    std::string b;
    str(b, "R");
    u64(b, i * 9);
    u32(b, 9);
    ASSERT_TRUE(h.client(req(5, 10 + i, b)));
  }
  // Replies arrive in one buffer, split in an odd place.
  std::string both;
  for (uint32_t i = 0; i < 2; i++) {
    std::string b;
    str(b, content.substr(i * 9, 9));
    both += req(103, 10 + i, b);
  }
  ASSERT_TRUE(h.target(both.substr(0, 7)));
  EXPECT_TRUE(h.to_client.empty());  // not whole yet
  ASSERT_TRUE(h.target(both.substr(7)));
  EXPECT_EQ(h.to_client, both);  // passed on unchanged once whole
  ASSERT_TRUE(h.client(close_req(30, "R")));
  ASSERT_EQ(h.ops.size(), 1u);
  EXPECT_EQ(h.ops[0].sha256, hex_sha(content));
  EXPECT_EQ(h.ops[0].bytes, 18);
}

TEST(Sftp, MalformedInputIsAnErrorNotACrash) {
  Harness h(true, true);
  std::string huge;
  u32(huge, 0x7fffffff);
  EXPECT_FALSE(h.client(huge));
  EXPECT_NE(h.f.error().find("length"), std::string::npos);
  Harness g(true, true);
  EXPECT_FALSE(g.client(packet(3, "\0\0")));  // an OPEN without an id
  Harness k(true, true);
  h.f.finish();
  k.open(1, "/x", 0x1a, "H");
  k.f.finish();  // the session ends with the file open
  ASSERT_EQ(k.ops.size(), 1u);
  EXPECT_FALSE(k.ops[0].complete);
}

TEST(Sftp, ControlCharactersInNamesCannotForgeRecordLines) {
  Harness h(false, false);
  std::string b;
  str(b, "/tmp/x\nsftp upload /fake (1 B)");
  ASSERT_TRUE(h.client(req(13, 1, b)));
  ASSERT_EQ(h.ops.size(), 1u);
  EXPECT_EQ(h.ops[0].path.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace wardsec::bastion
