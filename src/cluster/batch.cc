#include "cluster/batch.h"

#include "core/strutil.h"

namespace wardsec::cluster {

namespace {

constexpr std::string_view kMagic = "wardsec-batch v1";

}  // namespace

bool valid_hex(std::string_view s, size_t n) {
  if (s.size() != n) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool valid_site(std::string_view s) {
  if (s.empty() || s.size() > 64 || s[0] == '-' || s[0] == '_') return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  return true;
}

std::string BatchHeader::signed_text() const {
  return std::string(kMagic) + " site=" + site + " first=" + std::to_string(first) + " last=" + std::to_string(last) +
         " count=" + std::to_string(count) + " alg=" + std::string(digest_alg_name(alg)) + " prev=" + prev + " digest=" + digest +
         " key=" + key;
}

Result<std::string> batch_digest(const BatchHeader& h, const std::vector<Row>& rows) {
  std::string prev;
  if (!unhex(h.prev, prev) || prev.size() != 32) return Error{"prev: not a 32-byte digest"};
  Hasher hs(h.alg);
  hs.update(prev);
  std::string buf(kMagic);
  buf += '\0';
  buf += h.site;
  buf += '\0';
  buf += std::to_string(h.first) + ' ' + std::to_string(h.last) + ' ' + std::to_string(h.count);
  buf += '\0';
  hs.update(buf);
  for (const auto& r : rows) {
    buf.clear();
    canonical(r, buf);
    hs.update(buf);
  }
  Digest32 d = hs.finish();
  return hex(d.data(), d.size());
}

Result<std::string> make_batch(std::string_view site, DigestAlg alg, std::string_view prev, const std::vector<Row>& rows,
                               const KeyPair& key, BatchHeader* out_header) {
  if (rows.empty()) return Error{"a batch needs at least one event"};
  BatchHeader h;
  h.site = site;
  h.first = rows.front().ref;
  h.last = rows.back().ref;
  h.count = rows.size();
  h.alg = alg;
  h.prev = prev;
  h.key = key.fingerprint();
  auto d = batch_digest(h, rows);
  if (!d) return Error{d.error()};
  h.digest = *d;
  auto sig = key.sign(h.signed_text());
  if (!sig) return Error{"signing the batch: " + sig.error()};
  h.sig = hex(sig->data(), sig->size());
  std::string msg = h.signed_text() + " sig=" + h.sig + "\n";
  for (const auto& r : rows) write_wire_row(r, msg);
  if (out_header) *out_header = std::move(h);
  return msg;
}

Result<BatchHeader> parse_batch_header(std::string_view line) {
  if (!starts_with(line, kMagic) || line.size() == kMagic.size() || line[kMagic.size()] != ' ')
    return Error{"not a wardsec batch (the first line must start with \"wardsec-batch v1\")"};
  BatchHeader h;
  std::string_view rest = line.substr(kMagic.size() + 1);
  // exactly these keys, in this order: the signed text is rebuilt from them
  static constexpr std::string_view kKeys[] = {"site", "first", "last", "count", "alg", "prev", "digest", "key", "sig"};
  auto parts = split_view(rest, ' ');
  if (parts.size() != std::size(kKeys)) return Error{"the header has " + std::to_string(parts.size()) + " fields, not 9"};
  for (size_t i = 0; i < parts.size(); i++) {
    auto eq = parts[i].find('=');
    if (eq == std::string_view::npos || parts[i].substr(0, eq) != kKeys[i])
      return Error{"header field " + std::to_string(i + 1) + " must be " + std::string(kKeys[i]) + "="};
    std::string_view v = parts[i].substr(eq + 1);
    switch (i) {
      case 0:
        if (!valid_site(v)) return Error{"site: not a site name ([a-z0-9_-], at most 64)"};
        h.site = v;
        break;
      case 1:
      case 2:
      case 3: {
        uint64_t n = 0;
        if (!parse_u64(v, n)) return Error{std::string(kKeys[i]) + ": not a number"};
        (i == 1 ? h.first : i == 2 ? h.last : h.count) = n;
        break;
      }
      case 4: {
        auto a = digest_alg_from_name(v);
        if (!a) return Error{"alg: " + a.error()};
        h.alg = *a;
        break;
      }
      case 5:
      case 6:
        if (!valid_hex(v, 64)) return Error{std::string(kKeys[i]) + ": not a 32-byte hex digest"};
        (i == 5 ? h.prev : h.digest) = v;
        break;
      case 7:
        if (v.empty() || v.size() > 64) return Error{"key: not a key fingerprint"};
        h.key = v;
        break;
      default:
        if (v.empty() || v.size() > 512 || v.size() % 2 || !valid_hex(v, v.size())) return Error{"sig: not a hex signature"};
        h.sig = v;
    }
  }
  if (h.count == 0 || h.first > h.last) return Error{"the batch's range or count is empty"};
  return h;
}

Result<Batch> parse_batch(std::string_view msg) {
  auto nl = msg.find('\n');
  if (nl == std::string_view::npos) return Error{"line 1: no end of line after the header"};
  auto h = parse_batch_header(msg.substr(0, nl));
  if (!h) return Error{"line 1: " + h.error()};
  Batch b;
  b.header = std::move(*h);
  std::string_view rest = msg.substr(nl + 1);
  size_t line_no = 1;
  while (!rest.empty()) {
    line_no++;
    auto e = rest.find('\n');
    if (e == std::string_view::npos) return Error{"line " + std::to_string(line_no) + ": no end of line"};
    auto r = parse_wire_row(rest.substr(0, e));
    if (!r) return Error{"line " + std::to_string(line_no) + ": " + r.error()};
    if (r->ref < b.header.first || r->ref > b.header.last || (!b.rows.empty() && r->ref <= b.rows.back().ref))
      return Error{"line " + std::to_string(line_no) + ": ref " + std::to_string(r->ref) + " is outside the batch or out of order"};
    if (b.rows.size() >= b.header.count) return Error{"line " + std::to_string(line_no) + ": more rows than count"};
    b.rows.push_back(std::move(*r));
    rest.remove_prefix(e + 1);
  }
  if (b.rows.size() != b.header.count)
    return Error{"the batch says " + std::to_string(b.header.count) + " rows and holds " + std::to_string(b.rows.size())};
  if (b.rows.front().ref != b.header.first || b.rows.back().ref != b.header.last)
    return Error{"the rows do not start and end where the header says"};
  return b;
}

std::string check_batch(const Batch& b, const KeyPair& key) {
  auto d = batch_digest(b.header, b.rows);
  if (!d) return d.error();
  if (*d != b.header.digest) return "its rows do not match its digest";
  std::string sig;
  if (!unhex(b.header.sig, sig) || !key.verify(b.header.signed_text(), sig)) return "its signature does not verify under the site's key";
  return {};
}

}  // namespace wardsec::cluster
