// The probes' wire formats (运行监控 probes, docs/operations.md): what the center sends and how it
// reads the answer of an ICMP echo, a DNS query and the first packets of the MySQL, PostgreSQL
// and TDS (SQL Server) protocols. Pure functions over bytes, with no I/O: the answers are
// untrusted (any host on the network can answer a probe), so each reader is a fuzz target
// (tests/fuzz, probe_wire) and never reads past what it was given.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace wardsec::ops::probe {

// ---- ICMP echo (IPv4) ----
std::string icmp_echo(uint16_t id, uint16_t seq, std::string_view payload);
struct IcmpReply {
  uint8_t type = 0, code = 0;
  uint16_t id = 0, seq = 0;
};
// An ICMP message, after the IPv4 header when `ip_header` (a raw socket hands those over).
std::optional<IcmpReply> read_icmp(std::string_view pkt, bool ip_header);
// ICMPv6 echo request (type 128); its checksum covers a pseudo-header the kernel fills in, for
// ping and raw ICMPv6 sockets alike, so it is left 0. A reply is type 129; ICMPv6 sockets hand
// over no IP header, so read_icmp(pkt, false) reads it.
std::string icmp6_echo(uint16_t id, uint16_t seq, std::string_view payload);

// ---- DNS ----
// A recursive query for `name` of type `qtype` (1 A, 28 AAAA); an error for a name that is not
// a valid DNS name.
Result<std::string> dns_query(uint16_t id, std::string_view name, uint16_t qtype);
struct DnsAnswer {
  uint16_t id = 0;
  int rcode = 0;  // 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN ...
  bool truncated = false;
  std::vector<std::string> addresses;  // the A/AAAA records of the answer section, as text
};
Result<DnsAnswer> read_dns(std::string_view pkt);
const char* dns_rcode_name(int rcode);

// ---- Database handshakes (no login, no SQL) ----
// What the server said in its first packet: up (it greets or asks for authentication — a server
// that refuses this probe's made-up user is answering), or down with its reason (too many
// connections, starting up, shutting down).
struct DbHello {
  bool up = false;
  std::string version;  // the server's version when it says it
  std::string message;  // the server's error text when it sent one
};
// How many bytes the first message has in all once its header is in `got`: 0 while the header
// is incomplete. The readers below want that many bytes.
size_t mysql_frame(std::string_view got);
size_t pg_frame(std::string_view got);
size_t tds_frame(std::string_view got);
// MySQL/MariaDB: the server speaks first (a greeting, or an error packet).
Result<DbHello> read_mysql(std::string_view pkt);
// PostgreSQL: a startup message for `user`/`database`; the answer is an authentication request
// ('R') or an error ('E') whose SQLSTATE says whether the server is usable.
std::string pg_startup(std::string_view user, std::string_view database);
Result<DbHello> read_pg(std::string_view pkt);
// TDS 7.x: a PRELOGIN packet; the answer is a PRELOGIN response with the server's version.
std::string tds_prelogin();
Result<DbHello> read_tds(std::string_view pkt);

}  // namespace wardsec::ops::probe
