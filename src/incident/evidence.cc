#include "incident/evidence.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstring>
#include <ctime>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "alert/alert_store.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "incident/json.h"
#include "search/query.h"
#include "search/search.h"
#include "store/crypto.h"
#include "store/store.h"

namespace wardsec::incident {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr int64_t kHour = 3600LL * 1000000000LL;

Status write_file(const fs::path& p, std::string_view data) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
  f.close();
  if (!f) return Error{"cannot write " + p.string()};
  fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
  return {};
}

Result<std::string> read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) return Error{"cannot read " + p.string()};
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// A search value in quotes (the query language's phrase form).
std::string quoted(const std::string& v) {
  std::string o = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') o += '\\';
    o += c;
  }
  return o + "\"";
}

// "block:row" (store::ref_to_string) back to a reference.
std::optional<uint64_t> parse_ref(const std::string& s) {
  auto c = s.find(':');
  uint64_t b = 0, r = 0;
  if (c == std::string::npos || !parse_u64(std::string_view(s).substr(0, c), b) || !parse_u64(std::string_view(s).substr(c + 1), r) ||
      r >= (1u << store::kRefRowBits))
    return std::nullopt;
  return (b << store::kRefRowBits) | r;
}

bool plain_name(const std::string& n) {
  return !n.empty() && n.find('/') == std::string::npos && n != "." && n != ".." && n.find('\0') == std::string::npos;
}

}  // namespace

Result<SealedFolder> SealedFolder::begin(const std::string& dir) {
  SealedFolder f;
  f.dir_ = dir;
  f.tmp_ = dir + ".partial";
  f.files_ = json::array();
  std::error_code ec;
  fs::remove_all(f.tmp_, ec);
  fs::create_directories(fs::path(dir).parent_path(), ec);
  if (!fs::create_directory(f.tmp_, ec)) return Error{"cannot make " + f.tmp_ + ": " + ec.message()};
  fs::permissions(f.tmp_, fs::perms::owner_all, fs::perm_options::replace, ec);
  return f;
}

Status SealedFolder::add(const std::string& rel, std::string_view data) {
  std::error_code ec;
  fs::create_directories((fs::path(tmp_) / rel).parent_path(), ec);
  if (auto st = write_file(fs::path(tmp_) / rel, data); !st) return st;
  files_.push_back({{"path", rel}, {"sha256", sha256_hex(data)}, {"bytes", data.size()}});
  return {};
}

Status SealedFolder::add_written(const std::string& rel) {
  std::ifstream f(fs::path(tmp_) / rel, std::ios::binary);
  if (!f) return Error{"cannot read " + (fs::path(tmp_) / rel).string()};
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> c(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(c.get(), EVP_sha256(), nullptr);
  std::vector<char> buf(1 << 16);
  size_t total = 0;
  while (f) {
    f.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    auto n = static_cast<size_t>(f.gcount());
    EVP_DigestUpdate(c.get(), buf.data(), n);
    total += n;
  }
  unsigned char d[SHA256_DIGEST_LENGTH];
  EVP_DigestFinal_ex(c.get(), d, nullptr);
  files_.push_back({{"path", rel}, {"sha256", hex(d, sizeof d)}, {"bytes", total}});
  return {};
}

Result<std::string> SealedFolder::finish(json manifest, const KeyPair& key) {
  manifest["signature"] = {{"algorithm", std::string(sign_alg_name(key.alg()))}, {"key_fingerprint", key.fingerprint()}};
  manifest["files"] = files_;
  std::string mtext = manifest.dump(2, ' ', false, json::error_handler_t::replace);
  auto sig = key.sign(mtext);
  if (!sig) return Error{"signing the manifest: " + sig.error()};
  std::string sums;
  for (const auto& f : files_) sums += f["sha256"].get<std::string>() + "  " + f["path"].get<std::string>() + "\n";
  const std::string pem = key.public_pem();
  for (auto [name, data] : {std::pair<const char*, std::string_view>{"manifest.json", mtext},
                            {"manifest.sig", *sig},
                            {"public-key.pem", pem},
                            {"SHA256SUMS", sums}})
    if (auto st = write_file(fs::path(tmp_) / name, data); !st) return Error{st.error()};
  std::error_code ec;
  fs::rename(tmp_, dir_, ec);
  if (ec) return Error{"cannot finish " + dir_ + ": " + ec.message()};
  return sha256_hex(mtext);
}

Result<Sealed> seal(Store& store, int64_t id, const SealInput& in) {
  if (!in.key || !in.key->has_private()) return Error{"sealing needs the center's instance key"};
  auto inc = store.get(id);
  if (!inc) return Error{inc.error()};
  int64_t now = store.now();
  int64_t from = in.from ? in.from : inc->discovered - kHour, to = in.to ? in.to : now + 1;
  if (to <= from) return Error{"the window must end after it starts"};
  Sealed out;
  out.name = fmt::format("incident-{}-{}", id, format_rfc3339(now).substr(0, 19));
  for (char& c : out.name)
    if (c == ':') c = '-';
  std::error_code ec;
  fs::create_directories(fs::path(in.data_dir) / "evidence", ec);
  fs::permissions(fs::path(in.data_dir) / "evidence", fs::perms::owner_all, fs::perm_options::replace, ec);
  // Two seals within a second get -2, -3 ...
  std::string base = out.name;
  for (int n = 2; fs::exists(fs::path(in.data_dir) / "evidence" / out.name); ++n) out.name = base + "-" + std::to_string(n);
  fs::path dir = fs::path(in.data_dir) / "evidence" / out.name;
  auto folder = SealedFolder::begin(dir.string());
  if (!folder) return Error{folder.error()};
  auto add = [&](const std::string& name, std::string_view data) { return folder->add(name, data); };
  // The incident record.
  auto rec = record_json(store, id);
  if (!rec) return Error{rec.error()};
  auto lk = store.links(id);
  if (!lk) return Error{lk.error()};
  if (auto st = add("incident.json", rec->dump(2, ' ', false, json::error_handler_t::replace)); !st) return Error{st.error()};
  // The linked alerts, and the stored events they point at.
  std::string alerts_text, events_text;
  std::set<uint64_t> refs;
  std::vector<std::string> hosts;
  for (const auto& l : *lk) {
    if (l.kind == "asset" && l.ref.find(' ') == std::string::npos) hosts.push_back(l.ref);
    if (l.kind == "event") {
      if (auto r = parse_ref(l.ref)) refs.insert(*r);
    }
    if (l.kind != "alert" || !in.alerts) continue;
    int64_t aid = 0;
    if (!parse_i64(l.ref, aid)) continue;
    auto a = in.alerts->get(aid);
    if (!a) continue;
    alerts_text += alert::alert_to_json(*a) + "\n";
    out.alerts++;
    for (uint64_t r : a->events) refs.insert(r);
    if (!a->asset.empty()) hosts.push_back(a->asset);
    if (!a->source_ip.empty()) hosts.push_back(a->source_ip);
  }
  std::set<uint64_t> seen;
  std::vector<std::string> unreadable;
  for (uint64_t r : refs) {
    auto ev = search::read_event_by_ref(in.data_dir, r);
    if (!ev) {
      unreadable.push_back(store::ref_to_string(r) + ": " + ev.error());
      continue;
    }
    seen.insert(r);
    events_text += search::event_to_json(*ev) + "\n";
    out.events++;
  }
  // Every stored event of the linked hosts and addresses in the window.
  std::sort(hosts.begin(), hosts.end());
  hosts.erase(std::unique(hosts.begin(), hosts.end()), hosts.end());
  if (!hosts.empty()) {
    std::string q;
    for (const auto& h : hosts) {
      std::string v = quoted(h);
      q += (q.empty() ? "" : " OR ") + (looks_like_ip(h) ? "source.ip:" + v + " OR destination.ip:" + v + " OR host.ip:" + v
                                                         : "host.name:" + v + " OR host.hostname:" + v);
    }
    auto query = search::Query::parse(q);
    if (!query) return Error{"the evidence search: " + query.failure().message};
    search::SearchOptions so;
    so.from = from;
    so.to = to;
    search::SearchStats stats;
    auto st = search::run_search(
        in.data_dir, *query, so,
        [&](const Event& ev) {
          if (out.events >= in.max_events) {
            out.truncated = true;
            return false;
          }
          events_text += search::event_to_json(ev) + "\n";
          out.events++;
          return true;
        },
        stats);
    if (!st) return Error{"the evidence search: " + st.error()};
    for (const auto& d : stats.damaged) unreadable.push_back(d);
  }
  if (auto st = add("alerts.ndjson", alerts_text); !st) return Error{st.error()};
  if (auto st = add("events.ndjson", events_text); !st) return Error{st.error()};
  // Bastion recordings.
  json recs = json::array();
  for (const auto& r : in.recordings) {
    if (!plain_name(r)) continue;
    auto data = read_file(fs::path(in.data_dir) / "recordings" / r);
    if (!data) {
      unreadable.push_back("recording " + r + ": " + data.error());
      continue;
    }
    if (auto st = add("recordings/" + r, *data); !st) return Error{st.error()};
    out.recordings++;
  }
  // The manifest, signed.
  json manifest{{"format", "wardsec-evidence-1"},
                {"incident", id},
                {"title", inc->title},
                {"sealed_at", format_rfc3339(now)},
                {"sealed_by", in.who},
                {"window", {{"from", format_rfc3339(from)}, {"to", format_rfc3339(to)}}},
                {"events", out.events},
                {"alerts", out.alerts},
                {"recordings", out.recordings},
                {"truncated", out.truncated},
                {"unreadable", unreadable}};
  out.files = folder->files();
  auto sha = folder->finish(std::move(manifest), *in.key);
  if (!sha) return Error{sha.error()};
  out.dir = dir.string();
  out.manifest_sha256 = *sha;
  if (auto st = store.note(id,
                           fmt::format("封存证据包 {}：{} 个事件、{} 条告警、{} 个会话录像，清单 SHA-256 {}", out.name, out.events,
                                       out.alerts, out.recordings, out.manifest_sha256),
                           in.who, "evidence");
      !st)
    return Error{st.error()};
  return out;
}

std::string BundleCheck::summary() const {
  std::string s = ok ? fmt::format("{} intact: {} files, signature by key {}\n", what, files, fingerprint)
                     : fmt::format("{} NOT INTACT ({} problems):\n", what, problems.size());
  for (const auto& p : problems) s += "  " + p + "\n";
  return s;
}

BundleCheck verify_bundle(const std::string& d, const std::string& trusted_pubkey) {
  BundleCheck c;
  fs::path dir(d);
  auto mtext = read_file(dir / "manifest.json");
  auto sig = read_file(dir / "manifest.sig");
  if (!mtext || !sig) {
    c.problems.push_back("manifest.json or manifest.sig is missing: not a sealed wardsec folder (" + d + ")");
    return c;
  }
  auto key = trusted_pubkey.empty() ? KeyPair::load_public((dir / "public-key.pem").string()) : KeyPair::load_public(trusted_pubkey);
  if (!key) {
    c.problems.push_back("the public key: " + key.error());
    return c;
  }
  c.fingerprint = key->fingerprint();
  if (!key->verify(*mtext, *sig))
    c.problems.push_back("manifest.json: the signature does not verify (the manifest was changed, or signed by another key)");
  auto files = parse_manifest(*mtext);
  if (!files) {
    c.problems.push_back(files.error());
    return c;
  }
  std::set<std::string> listed{"manifest.json", "manifest.sig", "public-key.pem", "SHA256SUMS"};
  for (const auto& f : *files) {
    listed.insert(f.path);
    c.files++;
    auto data = read_file(dir / f.path);
    if (!data) {
      c.problems.push_back(f.path + ": missing");
      continue;
    }
    if (sha256_hex(*data) != f.sha256)
      c.problems.push_back(f.path + ": its SHA-256 differs from the manifest's (changed)");
    else if (f.bytes >= 0 && static_cast<size_t>(f.bytes) != data->size())
      c.problems.push_back(f.path + ": its size differs from the manifest's");
  }
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    std::string rel = fs::relative(it->path(), dir).string();
    if (!listed.count(rel)) c.problems.push_back(rel + ": a file the manifest does not list (added)");
  }
  c.ok = c.problems.empty();
  return c;
}

std::vector<std::string> bundles(const std::string& data_dir, int64_t incident) {
  std::vector<std::string> out;
  std::string prefix = fmt::format("incident-{}-", incident);
  std::error_code ec;
  for (auto it = fs::directory_iterator(fs::path(data_dir) / "evidence", ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::string n = it->path().filename().string();
    if (it->is_directory() && starts_with(n, prefix) && !ends_with(n, ".partial")) out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::string> bundle_tar(const std::string& data_dir, const std::string& name) {
  if (!plain_name(name) || !starts_with(name, "incident-")) return Error{"no such bundle"};
  fs::path dir = fs::path(data_dir) / "evidence" / name;
  if (!fs::is_directory(dir)) return Error{"no such bundle: " + name};
  std::vector<std::string> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file()) files.push_back(fs::relative(it->path(), dir).string());
  std::sort(files.begin(), files.end());
  std::string tar;
  auto header = [&](const std::string& path, size_t size, char type) -> Status {
    if (path.size() > 99) return Error{"a path in the bundle is too long for tar: " + path};
    char h[512] = {0};
    std::copy(path.begin(), path.end(), h);
    std::snprintf(h + 100, 8, "%07o", type == '5' ? 0700 : 0600);
    std::snprintf(h + 108, 8, "%07o", 0);
    std::snprintf(h + 116, 8, "%07o", 0);
    std::snprintf(h + 124, 12, "%011llo", static_cast<unsigned long long>(size));
    std::snprintf(h + 136, 12, "%011llo", static_cast<unsigned long long>(std::time(nullptr)));
    std::memset(h + 148, ' ', 8);
    h[156] = type;
    const char magic[] = {'u', 's', 't', 'a', 'r', '\0', '0', '0'};  // ustar, version 00
    std::copy(std::begin(magic), std::end(magic), h + 257);
    unsigned sum = 0;
    for (unsigned char c : h) sum += c;
    std::snprintf(h + 148, 8, "%06o", sum);
    tar.append(h, 512);
    return {};
  };
  if (auto st = header(name + "/", 0, '5'); !st) return Error{st.error()};
  std::set<std::string> dirs;
  for (const auto& f : files) {
    if (auto p = f.find('/'); p != std::string::npos && dirs.insert(f.substr(0, p)).second)
      if (auto st = header(name + "/" + f.substr(0, p) + "/", 0, '5'); !st) return Error{st.error()};
    auto data = read_file(dir / f);
    if (!data) return Error{data.error()};
    if (auto st = header(name + "/" + f, data->size(), '0'); !st) return Error{st.error()};
    tar += *data;
    tar.append((512 - data->size() % 512) % 512, '\0');
  }
  tar.append(1024, '\0');
  return tar;
}

}  // namespace wardsec::incident
