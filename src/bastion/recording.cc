#include "bastion/recording.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/strutil.h"
#include "server/auth.h"

namespace wardsec::bastion {

namespace {

// The length of the longest prefix of `s` that ends on a whole UTF-8 character.
size_t whole_utf8(std::string_view s) {
  size_t n = s.size();
  for (size_t back = 1; back <= 3 && back <= n; back++) {
    unsigned char c = static_cast<unsigned char>(s[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // continuation: look further back
    size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

std::string seconds(int64_t ns) {
  char buf[32];
  snprintf(buf, sizeof buf, "%.6f", static_cast<double>(ns) / 1e9);
  return buf;
}

std::string json_str(std::string_view s) {
  return nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

Result<std::unique_ptr<Recording>> Recording::create(const std::string& path, int cols, int rows, int64_t start_ns,
                                                     const std::string& title, const std::string& term) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Error{"无法创建录像文件 / cannot create the recording " + path};
  std::unique_ptr<Recording> r(new Recording());
  r->f_ = fdopen(fd, "w");
  r->md_ = EVP_MD_CTX_new();
  EVP_DigestInit_ex(r->md_, EVP_sha256(), nullptr);
  r->start_ = start_ns;
  nlohmann::json h = {{"version", 2},
                      {"width", cols > 0 ? cols : 80},
                      {"height", rows > 0 ? rows : 24},
                      {"timestamp", start_ns / 1000000000},
                      {"title", title},
                      {"env", {{"TERM", term.empty() ? "xterm" : term}, {"SHELL", "/bin/sh"}}}};
  r->write(h.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return r;
}

Recording::~Recording() {
  if (f_) finish();
}

void Recording::write(const std::string& line) {
  if (!f_) return;
  std::string l = line + "\n";
  fwrite(l.data(), 1, l.size(), f_);
  fflush(f_);  // in the kernel's hands at once: a crash of the center loses nothing written
  EVP_DigestUpdate(md_, l.data(), l.size());
  bytes_ += static_cast<int64_t>(l.size());
}

void Recording::event(int64_t now_ns, char kind, std::string_view data, std::string& tail) {
  std::string buf = tail + std::string(data);
  size_t n = whole_utf8(buf);
  tail = buf.substr(n);
  if (tail.size() > 3) tail.clear();  // not UTF-8 after all: the replacement character covers it
  if (n == 0) return;
  write("[" + seconds(now_ns - start_) + ", \"" + kind + "\", " + json_str(std::string_view(buf).substr(0, n)) + "]");
}

void Recording::resize(int64_t now_ns, int cols, int rows) {
  write("[" + seconds(now_ns - start_) + ", \"r\", \"" + std::to_string(cols) + "x" + std::to_string(rows) + "\"]");
}

void Recording::marker(int64_t now_ns, std::string_view label) {
  write("[" + seconds(now_ns - start_) + ", \"m\", " + json_str(label) + "]");
}

std::string Recording::finish() {
  if (!f_) return {};
  fflush(f_);
  fsync(fileno(f_));
  fclose(f_);
  f_ = nullptr;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(md_, md, &len);
  EVP_MD_CTX_free(md_);
  md_ = nullptr;
  digest_ = server::to_hex(std::string_view(reinterpret_cast<char*>(md), len));
  return digest_;
}

std::string file_sha256(const std::string& path) {
  FILE* f = fopen(path.c_str(), "rb");
  if (!f) return {};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) EVP_DigestUpdate(ctx, buf, n);
  fclose(f);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  return server::to_hex(std::string_view(reinterpret_cast<char*>(md), len));
}

}  // namespace wardsec::bastion
