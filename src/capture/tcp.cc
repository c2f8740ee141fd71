#include "capture/tcp.h"

#include <algorithm>
#include <vector>

namespace wardsec::capture {

namespace {
// Sequence arithmetic modulo 2^32.
inline int32_t diff(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b); }
std::string key_of(const Endpoint& e) { return e.ip + "|" + std::to_string(e.port); }
}  // namespace

Reassembler::~Reassembler() { flush(); }

void Reassembler::add(const Segment& s) {
  stats_.segments++;
  std::string ks = key_of(s.src), kd = key_of(s.dst);
  FlowKey key = ks < kd ? FlowKey{ks, kd} : FlowKey{kd, ks};
  auto it = flows_.find(key);
  if (it == flows_.end()) {
    // A bare ACK, FIN or RST of a connection we do not track (closed, or never seen) opens nothing.
    if (s.rst || (!s.syn && s.payload.empty())) return;
    if (flows_.size() >= lim_.max_flows) {
      // Evict the idlest flow (what it had is delivered first).
      auto victim =
          std::min_element(flows_.begin(), flows_.end(), [](const auto& a, const auto& b) { return a.second.last < b.second.last; });
      close(victim->second);
      flows_.erase(victim);
      stats_.evicted++;
    }
    Flow f;
    // The client sent SYN (without ACK we cannot tell here; SYN from either side opens the
    // flow with that side as client), or, joined mid-stream, sent the first segment we saw.
    f.info.client = s.src;
    f.info.server = s.dst;
    f.info.midstream = !s.syn;
    f.client_key = ks;
    if (f.info.midstream) stats_.midstream++;
    f.h = factory_ ? factory_(f.info) : nullptr;
    stats_.flows++;
    it = flows_.emplace(key, std::move(f)).first;
  }
  Flow& f = it->second;
  f.last = std::max(f.last, s.ts);
  if (f.closed) return;
  int d = ks == f.client_key ? 0 : 1;
  Dir& dr = f.dir[d];
  uint32_t seq = s.seq;
  if (s.syn) {
    dr.started = true;
    dr.next = seq + 1;
    seq += 1;
  }
  if (!s.payload.empty()) {
    stats_.bytes += s.payload.size();
    if (!dr.started) {  // mid-stream: this is where the direction starts
      dr.started = true;
      dr.next = seq;
    }
    deliver(f, d, seq, s.payload, s.ts);
  }
  if (s.fin) dr.fin = true;
  if (s.rst || (f.dir[0].fin && f.dir[1].fin)) {
    close(f);
    flows_.erase(it);
  }
}

void Reassembler::deliver(Flow& f, int d, uint32_t seq, std::string_view data, int64_t ts) {
  Dir& dr = f.dir[d];
  int32_t off = diff(dr.next, seq);
  if (off > 0) {  // starts before what we already delivered: retransmission (or overlap)
    if (static_cast<size_t>(off) >= data.size()) {
      stats_.retransmitted_bytes += data.size();
      return;
    }
    stats_.retransmitted_bytes += static_cast<size_t>(off);
    data.remove_prefix(static_cast<size_t>(off));
    seq = dr.next;
  }
  if (seq == dr.next) {
    if (f.h) f.h->data(d, data, ts);
    dr.next += static_cast<uint32_t>(data.size());
    drain(f, d, ts, false);
    return;
  }
  // Ahead of a hole: keep it until the hole fills, within bounds.
  stats_.out_of_order++;
  auto [pos, fresh] = dr.pending.emplace(seq, std::string(data));
  if (fresh)
    dr.pending_bytes += data.size();
  else if (pos->second.size() < data.size()) {
    dr.pending_bytes += data.size() - pos->second.size();
    pos->second.assign(data);
  }
  if (dr.pending_bytes > lim_.max_pending_bytes) drain(f, d, ts, true);
}

void Reassembler::drain(Flow& f, int d, int64_t ts, bool force) {
  Dir& dr = f.dir[d];
  while (!dr.pending.empty()) {
    // The pending segment nearest to `next` in sequence space.
    auto best = dr.pending.begin();
    int32_t bd = diff(best->first, dr.next);
    for (auto i = dr.pending.begin(); i != dr.pending.end(); ++i)
      if (diff(i->first, dr.next) < bd) {
        best = i;
        bd = diff(i->first, dr.next);
      }
    if (bd > 0) {
      if (!force) return;
      // The hole will not fill: skip it.
      stats_.gaps++;
      stats_.gap_bytes += static_cast<uint32_t>(bd);
      if (f.h) f.h->gap(d, static_cast<uint32_t>(bd));
      dr.next = best->first;
      force = dr.pending_bytes > lim_.max_pending_bytes / 2 || force;
    }
    std::string data = std::move(best->second);
    uint32_t seq = best->first;
    dr.pending_bytes -= data.size();
    dr.pending.erase(best);
    std::string_view v = data;
    int32_t off = diff(dr.next, seq);
    if (off > 0) {
      if (static_cast<size_t>(off) >= v.size()) {
        stats_.retransmitted_bytes += v.size();
        continue;
      }
      v.remove_prefix(static_cast<size_t>(off));
    }
    if (f.h) f.h->data(d, v, ts);
    dr.next += static_cast<uint32_t>(v.size());
  }
}

void Reassembler::close(Flow& f) {
  if (f.closed) return;
  for (int d = 0; d < 2; d++) drain(f, d, f.last, true);
  f.closed = true;
  if (f.h) f.h->closed();
}

void Reassembler::flush() {
  for (auto& [k, f] : flows_) close(f);
  flows_.clear();
}

void Reassembler::expire(int64_t now) {
  for (auto it = flows_.begin(); it != flows_.end();) {
    if (now - it->second.last > lim_.idle_ns) {
      close(it->second);
      it = flows_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace wardsec::capture
