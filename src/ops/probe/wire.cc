#include "ops/probe/wire.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace wardsec::ops::probe {

namespace {

uint8_t u8(std::string_view s, size_t i) { return static_cast<uint8_t>(s[i]); }
uint16_t be16(std::string_view s, size_t i) { return static_cast<uint16_t>(u8(s, i) << 8 | u8(s, i + 1)); }
uint32_t be32(std::string_view s, size_t i) { return static_cast<uint32_t>(be16(s, i)) << 16 | be16(s, i + 2); }
void put16(std::string& s, uint16_t v) {
  s += static_cast<char>(v >> 8);
  s += static_cast<char>(v & 0xff);
}
void put32(std::string& s, uint32_t v) {
  put16(s, static_cast<uint16_t>(v >> 16));
  put16(s, static_cast<uint16_t>(v & 0xffff));
}

uint16_t checksum(std::string_view s) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < s.size(); i += 2) sum += be16(s, i);
  if (s.size() % 2) sum += static_cast<uint32_t>(u8(s, s.size() - 1)) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// A C string of at most `max` bytes at `i` (the server's version): up to the NUL or the end.
std::string cstr(std::string_view s, size_t i, size_t max) {
  if (i >= s.size()) return {};
  auto rest = s.substr(i, max);
  return std::string(rest.substr(0, rest.find('\0')));
}

}  // namespace

namespace {
// An echo request of `type` (8 ICMP, 128 ICMPv6) with its checksum field 0.
std::string echo(char type, uint16_t id, uint16_t seq, std::string_view payload) {
  std::string p;
  p += type;
  p += '\x00';
  put16(p, 0);
  put16(p, id);
  put16(p, seq);
  p += payload;
  return p;
}
}  // namespace

std::string icmp_echo(uint16_t id, uint16_t seq, std::string_view payload) {
  std::string p = echo('\x08', id, seq, payload);
  uint16_t c = checksum(p);
  p[2] = static_cast<char>(c >> 8);
  p[3] = static_cast<char>(c & 0xff);
  return p;
}

std::string icmp6_echo(uint16_t id, uint16_t seq, std::string_view payload) { return echo('\x80', id, seq, payload); }

std::optional<IcmpReply> read_icmp(std::string_view pkt, bool ip_header) {
  if (ip_header) {
    if (pkt.empty() || (u8(pkt, 0) >> 4) != 4) return std::nullopt;
    size_t ihl = static_cast<size_t>(u8(pkt, 0) & 0x0f) * 4;
    if (ihl < 20 || pkt.size() < ihl) return std::nullopt;
    pkt.remove_prefix(ihl);
  }
  if (pkt.size() < 8) return std::nullopt;
  return IcmpReply{u8(pkt, 0), u8(pkt, 1), be16(pkt, 4), be16(pkt, 6)};
}

Result<std::string> dns_query(uint16_t id, std::string_view name, uint16_t qtype) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > 253) return Error{"DNS name '" + std::string(name) + "': empty or longer than 253 characters"};
  std::string q;
  put16(q, id);
  put16(q, 0x0100);  // a standard query, recursion desired
  put16(q, 1);
  put16(q, 0);
  put16(q, 0);
  put16(q, 0);
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string_view::npos) dot = name.size();
    auto label = name.substr(start, dot - start);
    if (label.empty() || label.size() > 63) return Error{"DNS name '" + std::string(name) + "': a label is empty or longer than 63"};
    for (char c : label)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'))
        return Error{"DNS name '" + std::string(name) + "': '" + std::string(1, c) + "' is not allowed"};
    q += static_cast<char>(label.size());
    q += label;
    start = dot + 1;
  }
  q += '\0';
  put16(q, qtype);
  put16(q, 1);  // IN
  return q;
}

namespace {
// The position after the (possibly compressed) name at `i`; nullopt when it runs off the end.
std::optional<size_t> skip_name(std::string_view p, size_t i) {
  for (int n = 0; n < 128; n++) {
    if (i >= p.size()) return std::nullopt;
    uint8_t len = u8(p, i);
    if ((len & 0xc0) == 0xc0) return i + 2 <= p.size() ? std::optional<size_t>(i + 2) : std::nullopt;
    if (len & 0xc0) return std::nullopt;
    if (len == 0) return i + 1;
    i += 1 + len;
  }
  return std::nullopt;
}
}  // namespace

Result<DnsAnswer> read_dns(std::string_view p) {
  if (p.size() < 12) return Error{"DNS answer shorter than its header (" + std::to_string(p.size()) + " bytes)"};
  DnsAnswer a;
  a.id = be16(p, 0);
  uint16_t flags = be16(p, 2);
  if (!(flags & 0x8000)) return Error{"not a DNS answer (the response bit is not set)"};
  a.truncated = flags & 0x0200;
  a.rcode = flags & 0x0f;
  uint16_t qd = be16(p, 4), an = be16(p, 6);
  size_t i = 12;
  for (uint16_t k = 0; k < qd; k++) {
    auto e = skip_name(p, i);
    if (!e || *e + 4 > p.size()) return Error{"DNS answer: the question section is cut short"};
    i = *e + 4;
  }
  for (uint16_t k = 0; k < an; k++) {
    auto e = skip_name(p, i);
    if (!e || *e + 10 > p.size()) return Error{"DNS answer: record " + std::to_string(k + 1) + " is cut short"};
    uint16_t type = be16(p, *e), cls = be16(p, *e + 2), rdlen = be16(p, *e + 8);
    size_t rd = *e + 10;
    if (rd + rdlen > p.size()) return Error{"DNS answer: record " + std::to_string(k + 1) + "'s data is cut short"};
    char buf[INET6_ADDRSTRLEN] = {};
    if (cls == 1 && type == 1 && rdlen == 4 && inet_ntop(AF_INET, p.data() + rd, buf, sizeof buf)) a.addresses.emplace_back(buf);
    if (cls == 1 && type == 28 && rdlen == 16 && inet_ntop(AF_INET6, p.data() + rd, buf, sizeof buf)) a.addresses.emplace_back(buf);
    i = rd + rdlen;
  }
  return a;
}

const char* dns_rcode_name(int rcode) {
  switch (rcode) {
    case 0: return "NOERROR";
    case 1: return "FORMERR";
    case 2: return "SERVFAIL";
    case 3: return "NXDOMAIN";
    case 4: return "NOTIMP";
    case 5: return "REFUSED";
    default: return "RCODE";
  }
}

size_t mysql_frame(std::string_view got) {
  if (got.size() < 4) return 0;
  return 4 + (static_cast<size_t>(u8(got, 0)) | static_cast<size_t>(u8(got, 1)) << 8 | static_cast<size_t>(u8(got, 2)) << 16);
}

Result<DbHello> read_mysql(std::string_view pkt) {
  if (pkt.size() < 5) return Error{"MySQL: the first packet is empty"};
  auto body = pkt.substr(4);
  DbHello h;
  uint8_t first = u8(body, 0);
  if (first == 10 || first == 9) {  // a greeting (protocol 10; 9 before MySQL 3.21)
    h.up = true;
    h.version = cstr(body, 1, 64);
    return h;
  }
  if (first != 0xff) return Error{"MySQL: the first packet is neither a greeting nor an error (byte " + std::to_string(first) + ")"};
  if (body.size() < 3) return Error{"MySQL: the error packet is cut short"};
  unsigned code = static_cast<unsigned>(u8(body, 1)) | static_cast<unsigned>(u8(body, 2)) << 8;
  size_t m = 3;
  if (body.size() > 9 && body[3] == '#') m = 9;  // a SQLSTATE marker and 5 characters
  h.message = "ERROR " + std::to_string(code) + ": " + std::string(body.substr(m, 256));
  // Too many connections, shutting down: the server cannot take clinical connections either.
  // Anything else (this host not allowed, blocked after errors) is a server that answers.
  h.up = !(code == 1040 || code == 1053 || code == 1203);
  return h;
}

std::string pg_startup(std::string_view user, std::string_view database) {
  std::string body;
  put32(body, 196608);  // protocol 3.0
  for (auto [k, v] :
       {std::pair<std::string_view, std::string_view>{"user", user}, {"database", database}, {"application_name", "wardsec-probe"}}) {
    body.append(k);
    body += '\0';
    body.append(v.substr(0, v.find('\0')));
    body += '\0';
  }
  body += '\0';
  std::string m;
  put32(m, static_cast<uint32_t>(body.size() + 4));
  return m + body;
}

size_t pg_frame(std::string_view got) {
  if (got.size() < 5) return 0;
  uint32_t len = be32(got, 1);
  return 1 + std::max<size_t>(len, 4);
}

Result<DbHello> read_pg(std::string_view pkt) {
  if (pkt.size() < 5) return Error{"PostgreSQL: the answer is cut short"};
  DbHello h;
  char type = pkt[0];
  if (type == 'R') {  // an authentication request: the server takes connections
    h.up = true;
    return h;
  }
  if (type != 'E')
    return Error{"PostgreSQL: the answer is neither an authentication request nor an error (type " + std::to_string(u8(pkt, 0)) + ")"};
  std::string sqlstate, text;
  size_t i = 5, end = std::min<size_t>(pkt.size(), 1 + static_cast<size_t>(be32(pkt, 1)));
  while (i < end && pkt[i] != '\0') {
    char code = pkt[i++];
    size_t z = pkt.find('\0', i);
    if (z == std::string_view::npos || z > end) z = end;
    auto v = pkt.substr(i, z - i);
    if (code == 'C') sqlstate = std::string(v.substr(0, 5));
    if (code == 'M') text = std::string(v.substr(0, 256));
    i = z + 1;
  }
  h.message = sqlstate + (sqlstate.empty() ? "" : ": ") + text;
  // Starting up, shutting down, too many connections, out of resources: not usable. A refused
  // user or an unknown database is a server that answers.
  h.up = !(sqlstate.rfind("57P", 0) == 0 || sqlstate.rfind("53", 0) == 0);
  return h;
}

std::string tds_prelogin() {
  std::string payload;
  // Options: VERSION, ENCRYPTION, INSTOPT, THREADID, MARS (token, offset, length), then 0xFF.
  const uint8_t tokens[] = {0, 1, 2, 3, 4};
  const uint16_t lens[] = {6, 1, 1, 4, 1};
  uint16_t off = 5 * 5 + 1;
  for (int k = 0; k < 5; k++) {
    payload += static_cast<char>(tokens[k]);
    put16(payload, off);
    put16(payload, lens[k]);
    off = static_cast<uint16_t>(off + lens[k]);
  }
  payload += '\xff';
  payload.append("\x0f\x00\x07\xd0\x00\x00", 6);  // the client's version (15.0.2000)
  payload += '\x02';                              // encryption not supported: the probe stops here
  payload += '\0';                                // the default instance
  put32(payload, 0);
  payload += '\0';
  std::string p;
  p += '\x12';  // PRELOGIN
  p += '\x01';  // end of message
  put16(p, static_cast<uint16_t>(8 + payload.size()));
  put16(p, 0);
  p += '\x01';
  p += '\0';
  return p + payload;
}

size_t tds_frame(std::string_view got) {
  if (got.size() < 8) return 0;
  return std::max<size_t>(be16(got, 2), 8);
}

Result<DbHello> read_tds(std::string_view pkt) {
  if (pkt.size() < 8) return Error{"TDS: the answer is cut short"};
  if (u8(pkt, 0) != 0x04) return Error{"TDS: the answer is not a tabular response (type " + std::to_string(u8(pkt, 0)) + ")"};
  auto body = pkt.substr(8, std::max<size_t>(be16(pkt, 2), 8) - 8);
  DbHello h;
  h.up = true;
  for (size_t i = 0; i + 5 <= body.size() && u8(body, i) != 0xff; i += 5) {
    if (u8(body, i) != 0) continue;  // VERSION
    size_t off = be16(body, i + 1), len = be16(body, i + 3);
    if (len >= 4 && off + 4 <= body.size())
      h.version = std::to_string(u8(body, off)) + "." + std::to_string(u8(body, off + 1)) + "." + std::to_string(be16(body, off + 2));
    break;
  }
  return h;
}

}  // namespace wardsec::ops::probe
