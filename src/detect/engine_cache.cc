#include "detect/engine_cache.h"

#include <hs/hs.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <atomic>
#include <cstring>
#include <filesystem>

#include "core/files.h"
#include "core/strutil.h"

namespace wardsec::detect {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kMagic = "wardsec-hsdb v1\n";

std::string sha256(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(md), len);
}

template <typename T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

// Reads from a byte string; every read checks the length first.
struct Reader {
  std::string_view s;
  bool ok = true;
  template <typename T>
  T get() {
    T v{};
    if (s.size() < sizeof v) {
      ok = false;
      return v;
    }
    std::memcpy(&v, s.data(), sizeof v);
    s.remove_prefix(sizeof v);
    return v;
  }
  std::string_view take(uint64_t n) {
    if (s.size() < n) {
      ok = false;
      return {};
    }
    auto v = s.substr(0, n);
    s.remove_prefix(n);
    return v;
  }
};

}  // namespace

// Compiles one database. An expression vectorscan refuses (it says which) is left out and
// named in `refused` (its index in `src`), and the rest is compiled again; nullptr when it
// refused them all.
Result<hs_database_t*> compile_db(const DbSource& src, std::vector<uint32_t>& refused) {
  std::vector<const char*> pats;
  std::vector<unsigned> flags, ids;
  std::vector<uint32_t> pos;  // index in src of each expression still in
  for (size_t i = 0; i < src.patterns.size(); i++) {
    pats.push_back(src.patterns[i].c_str());
    flags.push_back(src.flags[i]);
    ids.push_back(static_cast<unsigned>(i));
    pos.push_back(static_cast<uint32_t>(i));
  }
  refused.clear();
  while (!pats.empty()) {
    hs_compile_error_t* err = nullptr;
    hs_database_t* db = nullptr;
    if (hs_compile_multi(pats.data(), flags.data(), ids.data(), static_cast<unsigned>(pats.size()), HS_MODE_BLOCK, nullptr, &db, &err) ==
        HS_SUCCESS)
      return db;
    int bad = err ? err->expression : -1;
    std::string msg = err && err->message ? err->message : "unknown error";
    hs_free_compile_error(err);
    if (bad < 0 || static_cast<size_t>(bad) >= pats.size()) return Error{msg};
    refused.push_back(pos[bad]);
    pats.erase(pats.begin() + bad);
    flags.erase(flags.begin() + bad);
    pos.erase(pos.begin() + bad);
    ids.pop_back();  // ids are 0..n-1
  }
  std::sort(refused.begin(), refused.end());
  return static_cast<hs_database_t*>(nullptr);
}

// The cached databases, deserialized; false (and every one freed) when any cannot be used.
bool load_cached(const std::vector<CachedDb>& cached, const std::vector<DbSource>& sources, std::vector<hs_database_t*>& built,
                 std::vector<std::vector<uint32_t>>& refused, std::string& why) {
  for (size_t i = 0; i < cached.size(); i++) {
    bool ok = std::all_of(cached[i].refused.begin(), cached[i].refused.end(), [&](uint32_t r) { return r < sources[i].patterns.size(); });
    ok = ok && (cached[i].bytes.empty() == (cached[i].refused.size() == sources[i].patterns.size()));
    if (ok && !cached[i].bytes.empty())
      ok = hs_deserialize_database(cached[i].bytes.data(), cached[i].bytes.size(), &built[i]) == HS_SUCCESS;
    if (!ok) {
      for (auto*& d : built) {
        hs_free_database(d);
        d = nullptr;
      }
      why = "a cached database could not be used; compiling";
      return false;
    }
    refused[i] = cached[i].refused;
  }
  return true;
}

std::string DbCache::key(const std::vector<DbSource>& sources) {
  std::string in(kMagic);
  in += hs_version();
  in.push_back('\0');
  hs_platform_info_t plat{};
  if (hs_populate_platform(&plat) == HS_SUCCESS) {
    put(in, plat.tune);
    put(in, plat.cpu_features);
  }
  put(in, static_cast<uint64_t>(sources.size()));
  for (const auto& s : sources) {
    put(in, static_cast<uint64_t>(s.patterns.size()));
    for (size_t i = 0; i < s.patterns.size(); i++) {
      put(in, static_cast<uint64_t>(s.patterns[i].size()));
      in += s.patterns[i];
      put(in, s.flags[i]);
    }
  }
  std::string digest = sha256(in);
  return hex(digest.data(), digest.size());
}

std::optional<std::vector<CachedDb>> DbCache::load(const std::string& key, size_t count, std::string& why) const {
  why.clear();
  std::error_code ec;
  if (dir_.empty() || !fs::exists(path(key), ec)) return std::nullopt;
  auto body = read_file(path(key));
  if (!body) {
    why = "cannot read " + path(key);
    return std::nullopt;
  }
  // The last 32 bytes are the SHA-256 of the rest: a torn or damaged file is not used.
  if (body->size() < kMagic.size() + 32 ||
      sha256(std::string_view(*body).substr(0, body->size() - 32)) != body->substr(body->size() - 32)) {
    why = path(key) + " is damaged (its digest does not match)";
    return std::nullopt;
  }
  Reader r{std::string_view(*body).substr(0, body->size() - 32)};
  if (r.take(kMagic.size()) != kMagic || r.take(key.size()) != key || r.get<uint64_t>() != count) {
    why = path(key) + " was written for other rules or by another version";
    return std::nullopt;
  }
  std::vector<CachedDb> out(count);
  for (auto& db : out) {
    uint64_t n = r.get<uint64_t>();
    if (!r.ok || n > r.s.size() / 4) break;
    for (uint64_t i = 0; i < n; i++) db.refused.push_back(r.get<uint32_t>());
    uint64_t len = r.get<uint64_t>();
    db.bytes = std::string(r.take(len));
  }
  if (!r.ok || !r.s.empty()) {
    why = path(key) + " is malformed";
    return std::nullopt;
  }
  return out;
}

Status DbCache::save(const std::string& key, const std::vector<CachedDb>& dbs) const {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return Error{"cannot create " + dir_ + ": " + ec.message()};
  fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::replace, ec);
  std::string out(kMagic);
  out += key;
  put(out, static_cast<uint64_t>(dbs.size()));
  for (const auto& db : dbs) {
    put(out, static_cast<uint64_t>(db.refused.size()));
    for (uint32_t i : db.refused) put(out, i);
    put(out, static_cast<uint64_t>(db.bytes.size()));
    out += db.bytes;
  }
  out += sha256(out);
  // Two detectors of one process (live and catch-up) may save the same key at once: each
  // writes its own temporary file and renames it into place.
  static std::atomic<uint64_t> seq{0};
  std::string tmp = path(key) + "." + std::to_string(::getpid()) + "-" + std::to_string(seq++);
  if (auto st = write_file_atomic(tmp, out); !st) return st;
  fs::rename(tmp, path(key), ec);
  if (ec) {
    fs::remove(tmp, ec);
    return Error{"cannot write " + path(key) + ": " + ec.message()};
  }
  // Only the newest few stay.
  std::vector<std::pair<fs::file_time_type, fs::path>> files;
  for (const auto& e : fs::directory_iterator(dir_, ec))
    if (e.path().extension() == ".hsdb") files.emplace_back(e.last_write_time(ec), e.path());
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = keep_; i < files.size(); i++)
    if (files[i].second != fs::path(path(key))) fs::remove(files[i].second, ec);
  return {};
}

}  // namespace wardsec::detect
