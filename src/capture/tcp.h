// TCP stream reassembly for passive capture (mirror port or pcap file), shared by every
// protocol decoder that reads what a capture saw: web requests here, database protocols next.
// Each connection is one Flow with two directions; each direction delivers its bytes in
// sequence order exactly once: retransmitted and overlapping data are trimmed, segments that
// arrive early wait (bounded), a hole that never fills is skipped and reported as a gap, and a
// connection joined mid-stream (no SYN seen) starts at the first byte seen. Memory is bounded:
// per-direction out-of-order bytes and the number of flows (the idlest flows are evicted).
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace wardsec::capture {

struct Endpoint {
  std::string ip;  // text form (IPv4 or IPv6)
  uint16_t port = 0;
};

struct FlowKey {
  std::string a, b;  // "ip|port" of each side, a < b
  bool operator==(const FlowKey& o) const { return a == o.a && b == o.b; }
};
struct FlowKeyHash {
  size_t operator()(const FlowKey& k) const { return std::hash<std::string>()(k.a) ^ (std::hash<std::string>()(k.b) << 1); }
};

// One side of the segment, as decoded from a packet.
struct Segment {
  Endpoint src, dst;
  uint32_t seq = 0;
  bool syn = false, fin = false, rst = false;
  std::string_view payload;
  int64_t ts = 0;  // ns
};

struct ReassemblyLimits {
  size_t max_flows = 100000;
  size_t max_pending_bytes = 1 << 20;  // per direction, waiting for a hole to fill
  int64_t idle_ns = 300LL * 1000000000LL;
};

struct ReassemblyStats {
  uint64_t segments = 0, bytes = 0, retransmitted_bytes = 0, out_of_order = 0, gaps = 0, gap_bytes = 0, flows = 0, evicted = 0,
           midstream = 0;
};

// What consumers see. `dir` is 0 for data sent by the flow's client (the side that sent SYN,
// or, joined mid-stream, the side that sent first) and 1 for the server.
class FlowHandler {
 public:
  virtual ~FlowHandler() = default;
  virtual void data(int dir, std::string_view bytes, int64_t ts) = 0;
  virtual void gap(int dir, uint64_t missing) = 0;  // bytes lost before the next data
  virtual void closed() {}
};

struct FlowInfo {
  Endpoint client, server;
  bool midstream = false;
};

class Reassembler {
 public:
  // Called for each new flow; returns its handler (nullptr: ignore the flow).
  using Factory = std::function<std::unique_ptr<FlowHandler>(const FlowInfo&)>;
  Reassembler(Factory f, ReassemblyLimits lim = {}) : factory_(std::move(f)), lim_(lim) {}
  ~Reassembler();
  void add(const Segment& s);
  // Delivers what is pending (holes skipped as gaps) and closes every flow: end of a file.
  void flush();
  // Closes flows idle since before `now - idle_ns`.
  void expire(int64_t now);
  const ReassemblyStats& stats() const { return stats_; }
  size_t flows() const { return flows_.size(); }

 private:
  struct Dir {
    bool started = false;
    uint32_t next = 0;                        // next expected sequence number
    std::map<uint32_t, std::string> pending;  // seq -> bytes, ahead of `next` (relative order by seq - next)
    size_t pending_bytes = 0;
    bool fin = false;
  };
  struct Flow {
    FlowInfo info;
    std::string client_key;
    Dir dir[2];
    std::unique_ptr<FlowHandler> h;
    int64_t last = 0;
    bool closed = false;
  };
  void deliver(Flow& f, int d, uint32_t seq, std::string_view data, int64_t ts);
  void drain(Flow& f, int d, int64_t ts, bool force);
  void close(Flow& f);
  Factory factory_;
  ReassemblyLimits lim_;
  std::unordered_map<FlowKey, Flow, FlowKeyHash> flows_;
  ReassemblyStats stats_;
};

}  // namespace wardsec::capture
