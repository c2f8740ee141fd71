// Packets from libpcap (a pcap/pcapng file, or a live interface on a mirror port) decoded down
// to TCP segments for the reassembler: Ethernet (with 802.1Q/QinQ tags), Linux cooked capture
// (v1, v2), BSD loopback, raw IP; IPv4 and IPv6. Fragments and malformed packets are counted,
// never trusted.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "capture/tcp.h"
#include "core/result.h"

namespace wardsec::capture {

struct PacketStats {
  uint64_t packets = 0, tcp = 0, not_tcp = 0, malformed = 0, fragments = 0, truncated = 0;
};

// Decodes one link-layer frame (DLT `linktype`) into `seg`; false when it is not TCP or is
// malformed (the reason is counted in `st`). seg.payload points into `frame`.
bool decode_frame(int linktype, const uint8_t* frame, size_t caplen, size_t wirelen, Segment& seg, PacketStats& st);

struct CaptureOptions {
  std::string file;         // a pcap/pcapng file, or
  std::string interface;    // a live interface
  std::string filter;       // BPF, e.g. "tcp port 80"
  int64_t max_packets = 0;  // 0: all (live: until stopped)
};

// Reads packets and feeds TCP segments to `r`. Live capture runs until `stop` returns true.
Status capture(const CaptureOptions& opt, Reassembler& r, PacketStats& st, const std::function<bool()>& stop = {});

}  // namespace wardsec::capture
