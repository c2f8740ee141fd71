#include "server/secretbox.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/strutil.h"
#include "server/auth.h"

namespace wardsec::server {

namespace {
std::string ctr(const std::string& key, const std::string& nonce, std::string_view in) {
  std::string out(in.size(), '\0');
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  int n = 0;
  bool ok = c &&
            EVP_EncryptInit_ex(c, EVP_sm4_ctr(), nullptr, reinterpret_cast<const unsigned char*>(key.data()),
                               reinterpret_cast<const unsigned char*>(nonce.data())) == 1 &&
            EVP_EncryptUpdate(c, reinterpret_cast<unsigned char*>(out.data()), &n, reinterpret_cast<const unsigned char*>(in.data()),
                              static_cast<int>(in.size())) == 1;
  EVP_CIPHER_CTX_free(c);
  if (!ok) std::abort();  // SM4 missing from OpenSSL: cannot keep secrets safely
  return out;
}

std::string tag(const std::string& key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sm3(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  return std::string(reinterpret_cast<char*>(mac), len);
}
}  // namespace

Result<SecretBox> SecretBox::load_or_create(const std::string& dir, const std::string& file) {
  std::string path = dir + "/" + file;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string key;
  if (std::filesystem::exists(path, ec)) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    key = ss.str();
    if (key.size() != 32) return Error{path + ": not a wardsec secrets key (32 bytes expected)"};
  } else {
    key = random_bytes(32);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || ::write(fd, key.data(), key.size()) != static_cast<ssize_t>(key.size()) || ::fsync(fd) != 0) {
      if (fd >= 0) ::close(fd);
      return Error{"cannot write " + path};
    }
    ::close(fd);
  }
  SecretBox b;
  b.enc_key_ = key.substr(0, 16);
  b.mac_key_ = key.substr(16);
  return b;
}

std::string SecretBox::seal(std::string_view plain) const {
  std::string nonce = random_bytes(16), ct = ctr(enc_key_, nonce, plain);
  return "sm4$" + to_hex(nonce) + "$" + to_hex(ct) + "$" + to_hex(tag(mac_key_, nonce + ct));
}

std::optional<std::string> SecretBox::open(std::string_view s) const {
  if (!is_sealed(s)) return std::nullopt;
  auto parts = split_view(s.substr(4), '$');
  if (parts.size() != 3) return std::nullopt;
  auto nonce = from_hex(parts[0]), ct = from_hex(parts[1]), t = from_hex(parts[2]);
  if (!nonce || !ct || !t || nonce->size() != 16) return std::nullopt;
  if (!const_time_equal(tag(mac_key_, *nonce + *ct), *t)) return std::nullopt;
  return ctr(enc_key_, *nonce, *ct);
}

}  // namespace wardsec::server
