// The primitives of the center's accounts (tested against published vectors) and the
// password policy.
#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pwquality.h>

#include <algorithm>
#include <cstring>

#include "core/strutil.h"
#include "server/auth.h"

namespace wardsec::server {

// ---- primitives -----------------------------------------------------------------------------

std::string random_bytes(size_t n) {
  std::string s(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(s.data()), static_cast<int>(n)) != 1) std::abort();  // no entropy: cannot go on safely
  return s;
}

std::string to_hex(std::string_view b) {
  static const char* d = "0123456789abcdef";
  std::string out;
  out.reserve(b.size() * 2);
  for (unsigned char c : b) {
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
  }
  return out;
}

std::optional<std::string> from_hex(std::string_view h) {
  if (h.size() % 2) return std::nullopt;
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(h.size() / 2);
  for (size_t i = 0; i < h.size(); i += 2) {
    int a = nib(h[i]), b = nib(h[i + 1]);
    if (a < 0 || b < 0) return std::nullopt;
    out.push_back(static_cast<char>(a << 4 | b));
  }
  return out;
}

std::string base32_encode(std::string_view b) {
  static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  uint32_t buf = 0;
  int bits = 0;
  for (unsigned char c : b) {
    buf = (buf << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out.push_back(a[(buf >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(a[(buf << (5 - bits)) & 31]);
  return out;
}

std::optional<std::string> base32_decode(std::string_view t) {
  std::string out;
  uint32_t buf = 0;
  int bits = 0;
  for (char c : t) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a';
    else if (c >= '2' && c <= '7')
      v = c - '2' + 26;
    else if (c == ' ' || c == '=' || c == '-')
      continue;
    else
      return std::nullopt;
    buf = (buf << 5) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<char>((buf >> (bits - 8)) & 0xff));
      bits -= 8;
    }
  }
  return out;
}

std::string totp_code(std::string_view secret, int64_t step, int digits) {
  unsigned char msg[8];
  for (int i = 7; i >= 0; i--) {
    msg[i] = static_cast<unsigned char>(step & 0xff);
    step >>= 8;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()), msg, sizeof msg, mac, &len);
  int off = mac[len - 1] & 0x0f;
  uint32_t bin = (static_cast<uint32_t>(mac[off] & 0x7f) << 24) | (static_cast<uint32_t>(mac[off + 1]) << 16) |
                 (static_cast<uint32_t>(mac[off + 2]) << 8) | mac[off + 3];
  uint32_t mod = 1;
  for (int i = 0; i < digits; i++) mod *= 10;
  std::string s = std::to_string(bin % mod);
  return std::string(static_cast<size_t>(digits) - s.size(), '0') + s;
}

namespace {
// argon2id as OWASP recommends for interactive logins: 19 MiB, 2 passes, 1 lane.
constexpr uint32_t kArgonT = 2, kArgonM = 19456, kArgonP = 1;
}  // namespace

Result<std::string> hash_password(std::string_view pw) {
  std::string salt = random_bytes(16);
  std::string enc(argon2_encodedlen(kArgonT, kArgonM, kArgonP, 16, 32, Argon2_id) + 1, '\0');
  int rc = argon2id_hash_encoded(kArgonT, kArgonM, kArgonP, pw.data(), pw.size(), salt.data(), salt.size(), 32, enc.data(), enc.size());
  if (rc != ARGON2_OK) return Error{std::string("password hashing failed: ") + argon2_error_message(rc)};
  enc.resize(std::strlen(enc.c_str()));
  return enc;
}

bool verify_password(const std::string& encoded, std::string_view pw) {
  if (encoded.rfind("$argon2id$", 0) != 0) return false;
  return argon2id_verify(encoded.c_str(), pw.data(), pw.size()) == ARGON2_OK;
}

std::string sha256_hex(std::string_view s) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), md, &n, EVP_sha256(), nullptr);
  return to_hex(std::string_view(reinterpret_cast<char*>(md), n));
}

bool const_time_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string one_time_password(size_t n) {
  static const char* sets[] = {"abcdefghijkmnpqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ", "23456789", "@#%+=!?"};
  std::string rnd = random_bytes(n), out;
  for (size_t i = 0; i < n; i++) {
    const char* set = sets[i % 4];
    out.push_back(set[static_cast<unsigned char>(rnd[i]) % std::strlen(set)]);
  }
  return out;
}

// ---- policy ---------------------------------------------------------------------------------

namespace {

// Words a guesser tries first against a hospital, in English and pinyin, beside cracklib's
// dictionary (which knows neither the pinyin nor the product): a password that is one of them
// with digits and symbols around it is refused.
constexpr const char* kHospitalWords[] = {"hospital", "yiyuan", "huanzhe", "yisheng", "hushi",    "menzhen",  "zhuyuan",  "jizhen",
                                          "yaofang",  "yaoku",  "xinxike", "xinxi",   "weijian",  "weisheng", "jiankang", "yiliao",
                                          "yihu",     "keshi",  "guahao",  "shoufei", "bingli",   "chufang",  "jianyan",  "yingxiang",
                                          "zhiban",   "anquan", "dengbao", "mima",    "kouling",  "denglu",   "doctor",   "nurse",
                                          "patient",  "clinic", "medical", "health",  "pharmacy", "wardsec",  "beijing",  "shanghai",
                                          "zhongguo", "china",  "renmin",  "sanjia",  "fuyou",    "zhongyi",  "shequ",    "weishengju"};

// The password's letters with the usual substitutions undone (P@ssw0rd -> password).
std::string plain_letters(std::string_view low) {
  static const std::string from = "@4031!$57", to = "aaoeiisst";
  std::string out;
  for (char c : low) {
    auto k = from.find(c);
    if (c >= 'a' && c <= 'z')
      out.push_back(c);
    else if (k != std::string::npos)
      out.push_back(to[k]);
  }
  return out;
}

std::string problem_of(const AuthOptions& o, std::string_view user, std::string_view pw, std::string_view display) {
  size_t chars = 0;  // code points, so a Chinese pass phrase counts its characters, not bytes
  bool lower = false, upper = false, digit = false, other = false;
  for (unsigned char c : pw) {
    if ((c & 0xc0) != 0x80) chars++;
    if (c >= 'a' && c <= 'z')
      lower = true;
    else if (c >= 'A' && c <= 'Z')
      upper = true;
    else if (c >= '0' && c <= '9')
      digit = true;
    else
      other = true;
  }
  if (chars < static_cast<size_t>(o.password_min_length))
    return "密码至少 " + std::to_string(o.password_min_length) + " 个字符 / at least " + std::to_string(o.password_min_length) +
           " characters";
  if (pw.size() > 256) return "密码过长 / longer than 256 bytes";
  int classes = lower + upper + digit + other;
  if (classes < o.password_classes)
    return "密码须包含大写字母、小写字母、数字、符号中的至少 " + std::to_string(o.password_classes) + " 类 / needs " +
           std::to_string(o.password_classes) + " of: lower case, upper case, digits, symbols";
  auto lc = [](std::string_view s) {
    std::string r(s);
    for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return r;
  };
  std::string low = lc(pw);
  if (!user.empty() && low.find(lc(user)) != std::string::npos) return "密码不能包含用户名 / must not contain the account name";
  // The person's own name: the display name as written (王芳), and each Latin word of it
  // (Wang Fang) of three letters or more.
  if (display.size() >= 4 && low.find(lc(display)) != std::string::npos) return "密码不能包含本人姓名 / must not contain your name";
  const std::string display_low = lc(display);
  for (auto part : split_view(display_low, ' '))
    if (part.size() >= 3 && std::all_of(part.begin(), part.end(), [](char c) { return c >= 'a' && c <= 'z'; }) &&
        plain_letters(low).find(part) != std::string::npos)
      return "密码不能包含本人姓名 / must not contain your name";
  {
    // A hospital word with little else: fewer than four letters beside it.
    std::string letters = plain_letters(low);
    for (const char* w : kHospitalWords) {
      auto at = letters.find(w);
      if (at == std::string::npos) continue;
      if (letters.size() - std::strlen(w) < 4) return "密码基于常见词 / based on a word guessers try first (" + std::string(w) + ")";
    }
  }
  // Patterns guessers try first: few distinct characters, long runs, keyboard and alphabet walks.
  std::string distinct(low);
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  if (distinct.size() < 5) return "密码中不同字符太少 / too few different characters";
  static const char* walks[] = {
      "abcdefghijklmnopqrstuvwxyz", "01234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "1qaz2wsx3edc", "!@#$%^&*()"};
  for (size_t i = 0; i + 4 <= low.size(); i++) {
    std::string_view four(low.data() + i, 4);
    if (four[0] == four[1] && four[1] == four[2] && four[2] == four[3]) return "密码含有连续重复字符 / four identical characters in a row";
    for (const char* w : walks) {
      std::string fw(w), rev(fw.rbegin(), fw.rend());
      if (fw.find(four) != std::string::npos || rev.find(four) != std::string::npos)
        return "密码含有键盘或字母数字顺序 / contains a keyboard, alphabet or digit sequence (" + std::string(four) + ")";
    }
  }
  // Dictionary words, with the usual disguises (capitals, digits and symbols around them), by
  // cracklib through libpwquality: "Password1!" and "Welcome2026" are what guessers try first.
  auto guessable = [&](const std::string& text) -> std::string {
    pwquality_settings_t* pq = pwquality_default_settings();
    if (!pq) return "";
    pwquality_set_int_value(pq, PWQ_SETTING_MIN_LENGTH, 6);
    pwquality_set_int_value(pq, PWQ_SETTING_DICT_CHECK, 1);
    void* aux = nullptr;
    std::string us(user);
    int rc = pwquality_check(pq, text.c_str(), nullptr, us.empty() ? nullptr : us.c_str(), &aux);
    std::string why;
    if (rc == PWQ_ERROR_CRACKLIB_CHECK || rc == PWQ_ERROR_PALINDROME || rc == PWQ_ERROR_CASE_CHANGES_ONLY || rc == PWQ_ERROR_USER_CHECK ||
        rc == PWQ_ERROR_BAD_WORDS) {
      char buf[PWQ_MAX_ERROR_MESSAGE_LEN];
      why = pwquality_strerror(buf, sizeof buf, rc, aux);
    }
    pwquality_free_settings(pq);
    return why;
  };
  if (std::string why = guessable(std::string(pw)); !why.empty()) return "密码过于常见或基于字典单词 / too easy to guess: " + why;
  // A dictionary word dressed up: letters with the usual substitutions undone ("P@ssw0rd2026"
  // -> "password"), when the rest is only digits and symbols ("Welcome@2026").
  size_t first = low.find_first_of("abcdefghijklmnopqrstuvwxyz"), last = low.find_last_of("abcdefghijklmnopqrstuvwxyz");
  if (first != std::string::npos) {
    static const std::string from = "@4031!$57", to = "aaoeiisst";
    std::string core;
    for (size_t i = first; i <= last; i++) {
      char c = low[i];
      auto k = from.find(c);
      if (c >= 'a' && c <= 'z')
        core.push_back(c);
      else if (k != std::string::npos)
        core.push_back(to[k]);
      else {
        core.clear();
        break;
      }
    }
    if (core.size() >= 5)
      if (std::string why = guessable(core); !why.empty()) return "密码基于字典单词 / based on a dictionary word (" + core + ")";
  }
  return "";
}

}  // namespace

Status check_password(const AuthOptions& o, std::string_view user, std::string_view pw, std::string_view display) {
  std::string p = problem_of(o, user, pw, display);
  if (p.empty()) return {};
  return Error{p};
}

}  // namespace wardsec::server
