// What the protocol decoders share (private to src/dbaudit): the session, the statements
// waiting for their answers (bounded), and handing finished statements and the ended
// session to the sinks.
#pragma once
#include <deque>
#include <memory>

#include "dbaudit/protocol.h"

namespace wardsec::dbaudit {

// A little-endian unsigned integer of `n` bytes at `at` (the caller checked the bounds): MySQL
// and TDS lengths.
inline uint32_t le(std::string_view p, size_t at, int n) {
  uint32_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = (v << 8) | static_cast<unsigned char>(p[at + i]);
  return v;
}

class SessionDecoder : public capture::FlowHandler {
 public:
  SessionDecoder(const char* system, const capture::FlowInfo& info, StatementSink s, SessionSink e, DecoderStats& st)
      : sink_(std::move(s)), end_(std::move(e)), st_(st), sess_(std::make_shared<Session>()) {
    sess_->system = system;
    sess_->client = info.client;
    sess_->server = info.server;
    sess_->midstream = info.midstream;
    st_.sessions++;
    if (info.midstream) st_.midstream++;
  }
  void closed() override {
    if (done_) return;
    done_ = true;
    flush_pending();
    if (end_) end_(*sess_);
  }

 protected:
  void fail() {
    st_.malformed++;
    dead_ = true;
  }
  // A statement sent; its answer comes later (pipelined requests queue, bounded).
  void begin(std::string text, const char* kind, int64_t ts) {
    Statement s;
    s.session = sess_;
    s.sql = analyze_sql(text);
    s.text = std::move(text);
    s.kind = kind;
    s.ts = ts;
    pending_.push_back(std::move(s));
    if (pending_.size() > 4096) emit_front(-1);  // a server that never answers
  }
  // The oldest statement's answer is complete at `ts` (-1: it never came).
  void emit_front(int64_t ts) {
    Statement s = std::move(pending_.front());
    pending_.pop_front();
    if (ts >= 0) s.latency_ns = ts >= s.ts ? ts - s.ts : 0;
    st_.statements++;
    sink_(std::move(s));
  }
  void flush_pending() {
    while (!pending_.empty()) emit_front(-1);
  }

  StatementSink sink_;
  SessionSink end_;
  DecoderStats& st_;
  std::shared_ptr<Session> sess_;
  std::deque<Statement> pending_;
  bool dead_ = false, done_ = false;
};

}  // namespace wardsec::dbaudit
