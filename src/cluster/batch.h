// A batch: the unit a collector publishes and a sink inserts (docs/cluster.md).
//
//   wardsec-batch v1 site=<site> first=<ref> last=<ref> count=<n> alg=sm3 prev=<hex> digest=<hex> key=<fp> sig=<hex>\n
//   <wire row>\n ...   (rows.h: ref, ts, received, flags, raw, attrs.k, attrs.v)
//
// The digests chain the site's batches: digest = H(prev | "wardsec-batch v1" | site | first |
// last | count | canonical rows). The signature (the site's store key) covers the header line
// up to " sig=", so a batch row in ClickHouse cannot be rewritten without the site's key.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/rows.h"
#include "core/result.h"
#include "store/crypto.h"

namespace wardsec::cluster {

struct BatchHeader {
  std::string site;
  uint64_t first = 0, last = 0, count = 0;
  DigestAlg alg = DigestAlg::kSm3;
  std::string prev, digest;  // hex
  std::string key;           // fingerprint of the site's public key
  std::string sig;           // hex
  std::string id() const { return site + ":" + std::to_string(first) + "-" + std::to_string(last); }
  std::string signed_text() const;  // the header line up to " sig="
};

// A site name: 1..64 of [a-z0-9_-], starting with a letter or digit (it is a NATS subject token).
bool valid_site(std::string_view site);
// Exactly `n` lower-case hex digits.
bool valid_hex(std::string_view s, size_t n);

// The chained digest of a batch's rows after `prev` (hex).
Result<std::string> batch_digest(const BatchHeader& h, const std::vector<Row>& rows);

// Builds and signs a batch of rows (ordered by ref) after `prev`.
Result<std::string> make_batch(std::string_view site, DigestAlg alg, std::string_view prev, const std::vector<Row>& rows,
                               const KeyPair& key, BatchHeader* header = nullptr);

struct Batch {
  BatchHeader header;
  std::vector<Row> rows;
};
// Parses a message: the header, then the rows, each within [first, last], increasing, and
// `count` of them. Errors name the line. Does not check the digest or the signature.
Result<Batch> parse_batch(std::string_view msg);
Result<BatchHeader> parse_batch_header(std::string_view line);
// Digest and signature (under `key`) of a parsed batch; "" when both hold.
std::string check_batch(const Batch& b, const KeyPair& key);

}  // namespace wardsec::cluster
