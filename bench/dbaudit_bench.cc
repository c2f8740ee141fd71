// Database-audit capture decode rate and memory (issue #6, "Measured"): writes a pcap file of
// synthetic MySQL traffic (Ethernet/IPv4/TCP frames with real MySQL protocol 10 handshakes,
// logins, COM_QUERY statements in the shapes a HIS sends, and result sets), then replays it
// through the whole capture path on one core: libpcap file read, frame decoding, TCP
// reassembly, the MySQL decoder, SQL analysis and the 防统方 policy. Prints MB/s, Gbit/s and
// statements/s, and the peak resident memory with many sessions open at once.
//
//   bench_dbaudit [--sessions N] [--statements-per-session M] [--rows R] [--concurrent] [--policy FILE]
//                 [--pcap OUT (kept)] [--replay FILE]
//
// --concurrent opens every session before any statement is sent (10 000 sessions open at the
// same time), instead of one after another.
#include <pcap/pcap.h>
#include <sys/resource.h>

#include <chrono>
#include <filesystem>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "capture/pcap.h"
#include "dbaudit/policy.h"
#include "dbaudit/protocol.h"

using namespace wardsec;

namespace {

std::string le(uint64_t v, int n) {
  std::string s;
  for (int i = 0; i < n; i++) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return s;
}
std::string lenenc(const std::string& s) { return std::string(1, static_cast<char>(s.size())) + s; }
std::string packet(uint8_t seq, const std::string& p) { return le(p.size(), 3) + std::string(1, static_cast<char>(seq)) + p; }

uint16_t csum(const uint8_t* p, size_t n) {
  uint32_t s = 0;
  for (size_t i = 0; i + 1 < n; i += 2) s += (p[i] << 8) | p[i + 1];
  if (n & 1) s += p[n - 1] << 8;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<uint16_t>(~s);
}

struct Writer {
  pcap_dumper_t* d;
  uint64_t bytes = 0;
  int64_t ts_us = 1796004000LL * 1000000;
  // One TCP segment (split at 1448 bytes like a real MSS) from a to b.
  void send(uint32_t a_ip, uint16_t a_port, uint32_t b_ip, uint16_t b_port, uint32_t& seq, uint32_t ack, const std::string& payload,
            uint8_t flags = 0x18) {
    size_t at = 0;
    do {
      size_t n = std::min<size_t>(1448, payload.size() - at);
      uint8_t f[14 + 20 + 20 + 1448] = {};
      f[12] = 0x08;  // IPv4
      uint8_t* ip = f + 14;
      ip[0] = 0x45;
      uint16_t tot = static_cast<uint16_t>(40 + n);
      ip[2] = tot >> 8, ip[3] = tot & 0xff;
      ip[8] = 64, ip[9] = 6;
      for (int i = 0; i < 4; i++) ip[12 + i] = (a_ip >> (24 - 8 * i)) & 0xff, ip[16 + i] = (b_ip >> (24 - 8 * i)) & 0xff;
      uint16_t c = csum(ip, 20);
      ip[10] = c >> 8, ip[11] = c & 0xff;
      uint8_t* tcp = ip + 20;
      tcp[0] = a_port >> 8, tcp[1] = a_port & 0xff, tcp[2] = b_port >> 8, tcp[3] = b_port & 0xff;
      for (int i = 0; i < 4; i++) tcp[4 + i] = (seq >> (24 - 8 * i)) & 0xff, tcp[8 + i] = (ack >> (24 - 8 * i)) & 0xff;
      tcp[12] = 0x50, tcp[13] = flags, tcp[14] = 0xff, tcp[15] = 0xff;
      std::memcpy(tcp + 20, payload.data() + at, n);
      pcap_pkthdr h{};
      ts_us += 7;
      h.ts.tv_sec = ts_us / 1000000;
      h.ts.tv_usec = ts_us % 1000000;
      h.caplen = h.len = static_cast<bpf_u_int32>(54 + n);
      pcap_dump(reinterpret_cast<u_char*>(d), &h, f);
      bytes += h.len;
      seq += static_cast<uint32_t>(n) + ((flags & 0x03) ? 1 : 0);
      at += n;
    } while (at < payload.size());
  }
};

struct Conn {
  uint32_t cip;
  uint16_t cport;
  uint32_t cseq = 1000, sseq = 5000;
};

const uint32_t kServer = (10u << 24) | (20u << 16) | 50;
constexpr uint16_t kPort = 3306;

void open_session(Writer& w, Conn& c, int i) {
  w.send(c.cip, c.cport, kServer, kPort, c.cseq, 0, "", 0x02);  // SYN
  w.send(kServer, kPort, c.cip, c.cport, c.sseq, c.cseq, "", 0x12);
  std::string greet = std::string("\x0a", 1) + "10.11.6-MariaDB" + std::string(1, '\0') + le(static_cast<uint64_t>(i), 4) +
                      std::string(8, 'a') + std::string(1, '\0') + le(0xf7fe, 2) + "\x21" + le(2, 2) + le(0x81bf, 2) + "\x15" +
                      std::string(10, '\0') + std::string(13, 'b');
  w.send(kServer, kPort, c.cip, c.cport, c.sseq, c.cseq, packet(0, greet));
  uint32_t caps = 0x8 | 0x200 | 0x8000 | 0x80000 | 0x100000;
  std::string attrs = lenenc("_client_name") + lenenc("libmariadb") + lenenc("program_name") + lenenc(i % 50 == 0 ? "Navicat" : "HIS.exe");
  std::string login = le(caps, 4) + le(16777216, 4) + "\x21" + std::string(23, '\0') + (i % 50 == 0 ? "tongji" : "his_app") +
                      std::string(1, '\0') + "\x14" + std::string(20, 'x') + "his" + std::string(1, '\0') + "mysql_native_password" +
                      std::string(1, '\0') + lenenc(attrs);
  w.send(c.cip, c.cport, kServer, kPort, c.cseq, c.sseq, packet(1, login));
  w.send(kServer, kPort, c.cip, c.cport, c.sseq, c.cseq, packet(2, std::string("\x00\x00\x00\x02\x00\x00\x00", 7)));
}

int g_rows = 4;  // rows in each SELECT's result

void statement(Writer& w, Conn& c, uint64_t n) {
  static const char* kQueries[] = {
      "SELECT XM, SFZH, DH FROM BR_JBXX WHERE BRID = %llu", "SELECT CFH, YPDM, SL, JE FROM MZ_CFMX WHERE BRID = %llu ORDER BY KFRQ DESC",
      "INSERT INTO MZ_CFMX (CFH, BRID, YSDM, YPDM, SL, JE, KFRQ) VALUES (%llu, 1001, 'D01', 'Y001', 1, 20.00, '2026-11-29')",
      "SELECT YPMC, DJ FROM YP_ZD WHERE YPDM = 'Y%03llu'", "UPDATE ZY_BRXX SET CWH = '12-3' WHERE ZYH = %llu"};
  char q[256];
  int k = static_cast<int>(n % 5);
  std::snprintf(q, sizeof q, kQueries[k], static_cast<unsigned long long>(n % 100000));
  w.send(c.cip, c.cport, kServer, kPort, c.cseq, c.sseq, packet(0, "\x03" + std::string(q)));
  std::string rs;
  if (k == 2 || k == 4) {
    rs = packet(1, std::string("\x00\x01\x00\x02\x00\x00\x00", 7));
  } else {
    int cols = 3, rows = k == 3 ? 1 : g_rows;
    rs = packet(1, std::string(1, static_cast<char>(cols)));
    uint8_t seq = 2;
    for (int i = 0; i < cols; i++)
      rs += packet(seq++,
                   "\x03"
                   "def"
                   "\x03his"
                   "\x07MZ_CFMX"
                   "\x07MZ_CFMX"
                   "\x03COL"
                   "\x03COL"
                   "\x0c\x21\x00\x28\x00\x00\x00\xfd\x00\x00\x00\x00\x00");
    rs += packet(seq++, std::string("\xfe\x00\x00\x22\x00", 5));
    for (int r = 0; r < rows; r++) rs += packet(seq++, lenenc("Y00" + std::to_string(r)) + lenenc("阿莫西林胶囊") + lenenc("12.50"));
    rs += packet(seq++, std::string("\xfe\x00\x00\x22\x00", 5));
  }
  w.send(kServer, kPort, c.cip, c.cport, c.sseq, c.cseq, rs);
}

long maxrss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  int sessions = 2000, per = 200;
  bool concurrent = false, replay_only = false;
  std::string policy_file = WARDSEC_SOURCE_DIR "/config/dbaudit/policy.yaml", out = "/tmp/wardsec-bench-mysql.pcap";
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--sessions" && i + 1 < argc)
      sessions = std::atoi(argv[++i]);
    else if (a == "--statements-per-session" && i + 1 < argc)
      per = std::atoi(argv[++i]);
    else if (a == "--concurrent")
      concurrent = true;
    else if (a == "--rows" && i + 1 < argc)
      g_rows = std::atoi(argv[++i]);
    else if (a == "--policy" && i + 1 < argc)
      policy_file = argv[++i];
    else if (a == "--pcap" && i + 1 < argc)
      out = argv[++i];
    else if (a == "--replay" && i + 1 < argc)
      out = argv[++i], replay_only = true;  // an existing capture (kept)
    else {
      std::fprintf(stderr,
                   "usage: bench_dbaudit [--sessions N] [--statements-per-session M] [--rows R] [--concurrent] [--policy FILE] [--pcap "
                   "OUT] [--replay FILE]\n");
      return 2;
    }
  }
  // 1. The capture file.
  Writer w{nullptr};
  uint64_t n = 0;
  if (!replay_only) {
    pcap_t* dead = pcap_open_dead(DLT_EN10MB, 65535);
    w.d = pcap_dump_open(dead, out.c_str());
    if (!w.d) {
      std::fprintf(stderr, "bench_dbaudit: %s: %s\n", out.c_str(), pcap_geterr(dead));
      return 1;
    }
    std::vector<Conn> conns(static_cast<size_t>(sessions));
    for (int i = 0; i < sessions; i++)
      conns[static_cast<size_t>(i)] = {(10u << 24) | (50u << 16) | static_cast<uint32_t>(1 + i / 60000),
                                       static_cast<uint16_t>(1024 + i % 60000)};
    if (concurrent) {
      for (int i = 0; i < sessions; i++) open_session(w, conns[static_cast<size_t>(i)], i);
      for (int k = 0; k < per; k++)
        for (auto& c : conns) statement(w, c, n++);
    } else {
      for (int i = 0; i < sessions; i++) {
        open_session(w, conns[static_cast<size_t>(i)], i);
        for (int k = 0; k < per; k++) statement(w, conns[static_cast<size_t>(i)], n++);
      }
    }
    pcap_dump_close(w.d);
    pcap_close(dead);
  }
  long rss_before = maxrss_kib();

  // 2. The replay, on this one thread.
  dbaudit::Policy policy;
  if (Status e = dbaudit::load_policy(policy_file, policy); !e) {
    std::fprintf(stderr, "bench_dbaudit: %s\n", e.error().c_str());
    return 1;
  }
  dbaudit::Auditor auditor(policy);
  dbaudit::DecoderStats ds;
  uint64_t alerts = 0, statements = 0;
  capture::Reassembler reasm(dbaudit::db_factory(
      [&](dbaudit::Statement&& s) {
        statements++;
        alerts += auditor.check(s).size();
      },
      nullptr, ds));
  capture::CaptureOptions co;
  co.file = out;
  capture::PacketStats ps;
  auto t0 = std::chrono::steady_clock::now();
  auto st = capture::capture(co, reasm, ps);
  double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!st.ok()) {
    std::fprintf(stderr, "bench_dbaudit: %s\n", st.error().c_str());
    return 1;
  }
  std::printf("capture file: %s, %.1f MB on the wire, %llu packets, %d sessions%s, %llu statements sent\n", out.c_str(),
              static_cast<double>(w.bytes) / 1e6, static_cast<unsigned long long>(ps.packets), sessions, concurrent ? " open at once" : "",
              static_cast<unsigned long long>(n));
  std::printf("decoded: %llu statements (%llu malformed), %llu alerts, in %.2f s on one core\n",
              static_cast<unsigned long long>(statements), static_cast<unsigned long long>(ds.malformed),
              static_cast<unsigned long long>(alerts), sec);
  if (replay_only) w.bytes = std::filesystem::file_size(out) - 24 - 16 * ps.packets;  // pcap file and record headers off
  std::printf("rate: %.0f MB/s = %.2f Gbit/s, %.0f statements/s\n", static_cast<double>(w.bytes) / 1e6 / sec,
              static_cast<double>(w.bytes) * 8 / 1e9 / sec, static_cast<double>(statements) / sec);
  std::printf("peak RSS: %.1f MiB (%.1f MiB before the replay)\n", static_cast<double>(maxrss_kib()) / 1024,
              static_cast<double>(rss_before) / 1024);
  if (replay_only) return 0;
  if (out == "/tmp/wardsec-bench-mysql.pcap") std::remove(out.c_str());  // a file named with --pcap is kept
  return statements == n ? 0 : 1;
}
