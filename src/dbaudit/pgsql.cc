// PostgreSQL frontend/backend protocol v3: startup, simple and extended query.
#include <algorithm>
#include <deque>
#include <map>

#include "core/strutil.h"
#include "dbaudit/session_decoder.h"

namespace wardsec::dbaudit {

namespace {

constexpr size_t kMaxMessage = 64u << 20;

uint32_t be32(std::string_view p, size_t at) {
  return (uint32_t(static_cast<unsigned char>(p[at])) << 24) | (uint32_t(static_cast<unsigned char>(p[at + 1])) << 16) |
         (uint32_t(static_cast<unsigned char>(p[at + 2])) << 8) | static_cast<unsigned char>(p[at + 3]);
}

std::string_view cstr(std::string_view p, size_t& at) {
  size_t from = std::min(at, p.size());
  size_t e = p.find('\0', from);
  if (e == std::string_view::npos) e = p.size();
  at = e + 1;
  return p.substr(from, e - from);
}

class Postgres : public SessionDecoder {
 public:
  Postgres(const capture::FlowInfo& info, StatementSink s, SessionSink e, DecoderStats& st)
      : SessionDecoder("postgresql", info, std::move(s), std::move(e), st) {
    startup_ = !info.midstream;
  }
  ~Postgres() override { closed(); }

  void data(int dir, std::string_view bytes, int64_t ts) override {
    if (dead_) return;
    std::string& b = buf_[dir];
    b.append(bytes);
    size_t at = 0;
    for (;;) {
      if (dead_) break;
      if (dir == 0 && startup_) {
        // Untyped: int32 length, int32 code (3.0 startup, SSL/GSS request, cancel).
        if (b.size() - at < 8) break;
        uint32_t len = be32(b, at), code = be32(b, at + 4);
        if (len < 8 || len > 10000) return fail();
        if (b.size() - at < len) break;
        std::string_view m = std::string_view(b).substr(at + 8, len - 8);
        at += len;
        if (code == 80877103 || code == 80877104) {  // SSLRequest / GSSENCRequest: answered with one byte
          await_ssl_answer_ = true;
          continue;
        }
        if (code == 80877102) {  // CancelRequest
          startup_ = false;
          continue;
        }
        if (code >> 16 != 3) return fail();
        size_t p = 0;
        while (p < m.size()) {
          std::string_view k = cstr(m, p);
          if (k.empty()) break;
          std::string_view v = cstr(m, p);
          if (k == "user")
            sess_->user = std::string(v);
          else if (k == "database")
            sess_->database = std::string(v);
          else if (k == "application_name")
            sess_->program = std::string(v);
        }
        startup_ = false;
        continue;
      }
      if (dir == 1 && await_ssl_answer_) {
        if (b.size() - at < 1) break;
        char c = b[at++];
        await_ssl_answer_ = false;
        if (c == 'S' || c == 'G') {  // the rest of the connection is encrypted
          sess_->tls = true;
          st_.tls_sessions++;
          dead_ = true;
          break;
        }
        continue;  // 'N': the startup message follows in the clear
      }
      if (b.size() - at < 5) break;
      char type = b[at];
      uint32_t len = be32(b, at + 1);
      if (len < 4 || len > kMaxMessage) return fail();
      if (b.size() - at - 1 < len) break;
      std::string_view m = std::string_view(b).substr(at + 5, len - 4);
      at += 1 + len;
      if (dir == 0)
        client(type, m, ts);
      else
        server(type, m, ts);
    }
    b.erase(0, std::min(at, b.size()));
    if (b.size() > 2 * kMaxMessage) fail();
  }
  void gap(int, uint64_t) override {
    flush_pending();
    buf_[0].clear();
    buf_[1].clear();
    dead_ = true;  // message boundaries are gone; a later session on this flow would be a new flow
    st_.malformed++;
  }

 private:
  void client(char type, std::string_view m, int64_t ts) {
    size_t p = 0;
    switch (type) {
      case 'Q': {
        // One Query message may hold several statements; one record, the tags count rows.
        begin(std::string(cstr(m, p)), "query", ts);
        break;
      }
      case 'P': {  // Parse: name, query
        std::string name(cstr(m, p));
        std::string q(cstr(m, p));
        prepared_[name] = q;
        if (prepared_.size() > 4096) prepared_.erase(prepared_.begin());
        break;
      }
      case 'B': {  // Bind: portal, statement
        std::string portal(cstr(m, p));
        std::string stmt(cstr(m, p));
        auto it = prepared_.find(stmt);
        portals_[portal] = it == prepared_.end() ? "/* prepared statement " + stmt + " */" : it->second;
        if (portals_.size() > 4096) portals_.erase(portals_.begin());
        break;
      }
      case 'E': {  // Execute: portal
        std::string portal(cstr(m, p));
        auto it = portals_.find(portal);
        begin(it == portals_.end() ? std::string("/* portal */") : it->second, "execute", ts);
        break;
      }
      default: break;
    }
  }
  void server(char type, std::string_view m, int64_t ts) {
    if (pending_.empty()) return;
    Statement& s = pending_.front();
    switch (type) {
      case 'D': s.rows = std::max<int64_t>(s.rows, 0) + 1; break;
      case 'C': {  // CommandComplete: "SELECT 5", "INSERT 0 1", "UPDATE 3", "COPY 10"
        size_t p = 0;
        std::string_view tag = cstr(m, p);
        size_t sp = tag.rfind(' ');
        uint64_t n = 0;
        if (sp != std::string_view::npos && parse_u64(tag.substr(sp + 1), n)) {
          if (starts_with(tag, "SELECT") || starts_with(tag, "FETCH"))
            s.rows = static_cast<int64_t>(n);
          else
            s.affected = std::max<int64_t>(s.affected, 0) + static_cast<int64_t>(n);
        }
        if (s.kind == "execute") finish(ts);
        break;
      }
      case 'E': {  // ErrorResponse: fields
        size_t p = 0;
        while (p < m.size() && m[p] != '\0') {
          char f = m[p++];
          std::string_view v = cstr(m, p);
          if (f == 'C')
            s.error_code = std::string(v);
          else if (f == 'M')
            s.error_message = std::string(v.substr(0, 512));
        }
        if (s.kind == "execute") finish(ts);
        break;
      }
      case 'I':  // EmptyQueryResponse
        break;
      case 'Z':  // ReadyForQuery: the simple query's end
        if (s.kind == "query") finish(ts);
        break;
      default: break;
    }
  }
  void finish(int64_t ts) { emit_front(ts); }

  bool startup_ = true, await_ssl_answer_ = false;
  std::string buf_[2];
  std::map<std::string, std::string> prepared_, portals_;
};

// Flips the directions of a flow whose first segment came from the server (joined mid-stream).
class Flipped : public capture::FlowHandler {
 public:
  explicit Flipped(std::unique_ptr<capture::FlowHandler> h) : h_(std::move(h)) {}
  void data(int dir, std::string_view b, int64_t ts) override { h_->data(1 - dir, b, ts); }
  void gap(int dir, uint64_t n) override { h_->gap(1 - dir, n); }
  void closed() override { h_->closed(); }

 private:
  std::unique_ptr<capture::FlowHandler> h_;
};

// A flow on a port we do not know: the first bytes say which protocol it is. MySQL's server
// speaks first (a greeting: protocol 10 and a version); PostgreSQL's client does (a startup,
// SSL or GSS request), and so does SQL Server's (a TDS PRELOGIN packet). Anything else is not a database session and is dropped.
class Sniffer : public capture::FlowHandler {
 public:
  Sniffer(const capture::FlowInfo& info, StatementSink s, SessionSink e, DecoderStats& st)
      : info_(info), s_(std::move(s)), e_(std::move(e)), st_(st) {}
  void data(int dir, std::string_view b, int64_t ts) override {
    if (h_) return h_->data(dir, b, ts);
    if (given_up_) return;
    seen_.push_back({dir, std::string(b), ts});
    bytes_ += b.size();
    std::string first[2];
    for (const auto& x : seen_)
      if (first[x.dir].size() < 16) first[x.dir] += x.bytes.substr(0, 16);
    const std::string& c = first[0];
    const std::string& v = first[1];
    if (v.size() >= 6 && static_cast<unsigned char>(v[3]) == 0 && v[4] == 0x0a && v[5] >= '3' && v[5] <= '9')
      h_ = make_mysql_decoder(info_, s_, e_, st_);
    else if (c.size() >= 8) {
      uint32_t code = be32(c, 4);
      if (code == 196608 || code == 80877103 || code == 80877104) h_ = make_postgres_decoder(info_, s_, e_, st_);
      // TDS: a PRELOGIN packet (type 0x12, end of message, a length that fits)
      else if (c[0] == 0x12 && c[1] == 0x01 && c[2] == 0 && static_cast<unsigned char>(c[3]) >= 8)
        h_ = make_tds_decoder(info_, s_, e_, st_);
    }
    if (h_) {
      for (const auto& x : seen_) h_->data(x.dir, x.bytes, x.ts);
      seen_.clear();
    } else if (bytes_ > 4096 || (c.size() >= 8 && v.size() >= 8)) {
      given_up_ = true;
      seen_.clear();
    }
  }
  void gap(int dir, uint64_t n) override {
    if (h_) h_->gap(dir, n);
  }
  void closed() override {
    if (h_) h_->closed();
  }

 private:
  struct Chunk {
    int dir;
    std::string bytes;
    int64_t ts;
  };
  capture::FlowInfo info_;
  StatementSink s_;
  SessionSink e_;
  DecoderStats& st_;
  std::unique_ptr<capture::FlowHandler> h_;
  std::vector<Chunk> seen_;
  size_t bytes_ = 0;
  bool given_up_ = false;
};

}  // namespace

std::unique_ptr<capture::FlowHandler> make_postgres_decoder(const capture::FlowInfo& info, StatementSink s, SessionSink e,
                                                            DecoderStats& st) {
  return std::make_unique<Postgres>(info, std::move(s), std::move(e), st);
}

capture::Reassembler::Factory db_factory(StatementSink on_statement, SessionSink on_session, DecoderStats& stats, DecoderOptions opt) {
  return [=, &stats](const capture::FlowInfo& info) -> std::unique_ptr<capture::FlowHandler> {
    auto has = [](const std::vector<uint16_t>& v, uint16_t p) { return std::find(v.begin(), v.end(), p) != v.end(); };
    capture::FlowInfo fi = info;
    bool flip = false;
    // The server is the side on a database port (a mid-stream join may have seen it first).
    auto kind = [&](uint16_t port) -> int {
      return has(opt.mysql_ports, port) ? 1 : has(opt.postgres_ports, port) ? 2 : has(opt.tds_ports, port) ? 3 : 0;
    };
    int k = kind(info.server.port);
    if (!k && (k = kind(info.client.port))) {
      flip = true;
      std::swap(fi.client, fi.server);
    }
    std::unique_ptr<capture::FlowHandler> h;
    if (k == 1)
      h = make_mysql_decoder(fi, on_statement, on_session, stats);
    else if (k == 2)
      h = make_postgres_decoder(fi, on_statement, on_session, stats);
    else if (k == 3)
      h = make_tds_decoder(fi, on_statement, on_session, stats);
    else if (!info.midstream)
      h = std::make_unique<Sniffer>(fi, on_statement, on_session, stats);
    else
      return nullptr;  // a mid-stream flow on an unknown port: no first bytes to tell
    return flip ? std::make_unique<Flipped>(std::move(h)) : std::move(h);
  };
}

}  // namespace wardsec::dbaudit
