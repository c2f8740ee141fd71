// MySQL / MariaDB client/server protocol (protocol 10, HandshakeResponse41).
#include <algorithm>
#include <deque>

#include "dbaudit/session_decoder.h"

namespace wardsec::dbaudit {

namespace {

constexpr uint32_t kConnectWithDb = 0x8, kSsl = 0x800, kSecureConn = 0x8000, kPluginAuth = 0x80000, kConnectAttrs = 0x100000,
                   kLenencAuth = 0x200000, kDeprecateEof = 0x1000000;
constexpr size_t kMaxPacket = 16u << 20;

// Length-encoded integer; false when it runs past the end.
bool lenenc(std::string_view p, size_t& at, uint64_t& v) {
  if (at >= p.size()) return false;
  unsigned char c = static_cast<unsigned char>(p[at]);
  int n = c < 0xfb ? 0 : c == 0xfc ? 2 : c == 0xfd ? 3 : c == 0xfe ? 8 : -1;
  if (n < 0 || at + 1 + static_cast<size_t>(n) > p.size()) return false;
  if (n == 0) {
    v = c;
    at += 1;
    return true;
  }
  v = 0;
  for (int i = n; i >= 1; i--) v = (v << 8) | static_cast<unsigned char>(p[at + i]);
  at += 1 + static_cast<size_t>(n);
  return true;
}

std::string_view cstr(std::string_view p, size_t& at) {
  size_t e = p.find('\0', at);
  if (e == std::string_view::npos) e = p.size();
  std::string_view s = p.substr(std::min(at, p.size()), e - std::min(at, p.size()));
  at = e + 1;
  return s;
}

class MySql : public SessionDecoder {
 public:
  MySql(const capture::FlowInfo& info, StatementSink s, SessionSink e, DecoderStats& st)
      : SessionDecoder("mysql", info, std::move(s), std::move(e), st) {
    if (info.midstream) state_ = State::kCommand;  // joined after the login: read commands from here
  }
  ~MySql() override { MySql::closed(); }

  void data(int dir, std::string_view bytes, int64_t ts) override {
    if (dead_) return;
    std::string& buf = buf_[dir];
    // Whole packets are read straight from the segment; only a packet cut by the segment's
    // end is copied to wait for the rest.
    std::string_view b = bytes;
    if (!buf.empty()) {
      buf.append(bytes);
      b = buf;
    }
    if (b.size() > 2 * kMaxPacket) return fail();
    size_t at = 0;
    while (!dead_ && b.size() - at >= 4) {
      size_t len = le(b, at, 3);
      if (b.size() - at - 4 < len) break;
      std::string_view payload = b.substr(at + 4, len);
      if (dir == 0)
        client(payload, ts);
      else
        server(payload, ts);
      at += 4 + len;
    }
    if (dead_) return;
    if (buf.empty())
      buf.assign(b.substr(std::min(at, b.size())));
    else
      buf.erase(0, at);
  }
  void gap(int, uint64_t) override {
    // Lost bytes: packet boundaries are lost too. Pending statements end without a result,
    // and the loss is counted (as the PostgreSQL decoder counts it).
    flush_pending();
    resp_ = Resp::kNone;
    buf_[0].clear();
    buf_[1].clear();
    resync_ = true;
    st_.malformed++;
  }
  void closed() override {
    // A packet the connection ended inside of: counted, not silently dropped.
    if (!done_ && !dead_ && (!buf_[0].empty() || !buf_[1].empty())) st_.malformed++;
    buf_[0].clear();
    buf_[1].clear();
    SessionDecoder::closed();
  }

 private:
  enum class State { kGreeting, kLogin, kAuth, kCommand };
  enum class Resp { kNone, kFirst, kColumns, kRows, kPrepare };

  void client(std::string_view p, int64_t ts) {
    if (p.empty()) return;
    if (state_ == State::kLogin || (state_ == State::kGreeting && p.size() >= 32)) {
      login(p);
      return;
    }
    if (state_ == State::kAuth) return;  // auth switch / more data
    if (resync_) {
      // After a gap, only a plausible command start resynchronizes.
      unsigned char c = static_cast<unsigned char>(p[0]);
      if (c != 0x03 && c != 0x16 && c != 0x17 && c != 0x02) return;
      resync_ = false;
    }
    unsigned char cmd = static_cast<unsigned char>(p[0]);
    std::string_view rest = p.substr(1);
    switch (cmd) {
      case 0x03:  // COM_QUERY
        begin(std::string(rest), "query", ts);
        break;
      case 0x16:  // COM_STMT_PREPARE
        begin(std::string(rest), "prepare", ts);
        break;
      case 0x17: {  // COM_STMT_EXECUTE
        uint32_t id = rest.size() >= 4 ? le(rest, 0, 4) : 0;
        auto it = std::find_if(prepared_.begin(), prepared_.end(), [&](const auto& x) { return x.first == id; });
        begin(it == prepared_.end() ? std::string("/* prepared statement ") + std::to_string(id) + " */" : it->second, "execute", ts);
        break;
      }
      case 0x02:  // COM_INIT_DB
        sess_->database = std::string(rest);
        break;
      case 0x19: {  // COM_STMT_CLOSE: no response
        uint32_t id = rest.size() >= 4 ? le(rest, 0, 4) : 0;
        std::erase_if(prepared_, [&](const auto& x) { return x.first == id; });
        break;
      }
      default: break;  // ping, quit, statistics...: not statements
    }
  }

  void login(std::string_view p) {
    size_t at = 0;
    if (p.size() < 32) return fail();
    uint32_t caps = le(p, 0, 4);
    caps_ = caps;
    if (p.size() == 32 && (caps & kSsl)) {  // SSLRequest: the rest is TLS
      sess_->tls = true;
      st_.tls_sessions++;
      dead_ = true;
      return;
    }
    at = 32;
    sess_->user = std::string(cstr(p, at));
    if (caps & kLenencAuth) {
      uint64_t n;
      if (!lenenc(p, at, n) || at + n > p.size()) return fail();
      at += n;
    } else if (caps & kSecureConn) {
      if (at >= p.size()) return fail();
      size_t n = static_cast<unsigned char>(p[at]);
      at += 1 + n;
    } else {
      cstr(p, at);
    }
    if ((caps & kConnectWithDb) && at < p.size()) sess_->database = std::string(cstr(p, at));
    if ((caps & kPluginAuth) && at < p.size()) cstr(p, at);
    if ((caps & kConnectAttrs) && at < p.size()) {
      uint64_t total;
      if (lenenc(p, at, total)) {
        size_t end = std::min(p.size(), at + static_cast<size_t>(total));
        while (at < end) {
          uint64_t kl, vl;
          if (!lenenc(p, at, kl) || at + kl > end) break;
          std::string_view k = p.substr(at, kl);
          at += kl;
          if (!lenenc(p, at, vl) || at + vl > end) break;
          std::string_view v = p.substr(at, vl);
          at += vl;
          if (k == "program_name" || (k == "_client_name" && sess_->program.empty())) sess_->program = std::string(v);
        }
      }
    }
    state_ = State::kAuth;
  }

  void server(std::string_view p, int64_t ts) {
    if (p.empty()) return;
    unsigned char c = static_cast<unsigned char>(p[0]);
    if (state_ == State::kGreeting) {
      if (c == 0x0a) {
        size_t at = 1;
        sess_->server_version = std::string(cstr(p, at));
        state_ = State::kLogin;
      } else if (c == 0xff) {
        state_ = State::kCommand;  // refused before login (too many connections...)
      }
      return;
    }
    if (state_ == State::kAuth || state_ == State::kLogin) {
      if (c == 0x00)
        state_ = State::kCommand;  // logged in
      else if (c == 0xff)
        state_ = State::kCommand;  // login failed: the session ends
      return;
    }
    if (pending_.empty()) return;
    Statement& s = pending_.front();
    switch (resp_) {
      case Resp::kNone:
      case Resp::kFirst:
        if (c == 0x00 && s.kind == "prepare") {
          if (p.size() >= 5) prepared_.emplace_back(le(p, 1, 4), s.text);
          if (prepared_.size() > 1024) prepared_.erase(prepared_.begin());
          finish(ts);
        } else if (c == 0x00 || (c == 0xfe && p.size() < 9)) {
          size_t at = 1;
          uint64_t affected = 0, id;
          if (c == 0x00 && lenenc(p, at, affected) && lenenc(p, at, id)) s.affected = static_cast<int64_t>(affected);
          bool more = p.size() >= at + 2 && (le(p, at, 2) & 0x0008);
          if (!more) finish(ts);
        } else if (c == 0xff) {
          error(p);
          finish(ts);
        } else if (c == 0xfb) {
          finish(ts);  // LOCAL INFILE request: the file follows from the client
        } else {
          size_t at = 0;
          uint64_t n;
          if (!lenenc(p, at, n)) return fail();
          columns_left_ = n;
          resp_ = n ? Resp::kColumns : Resp::kRows;
          if (s.rows < 0) s.rows = 0;
        }
        break;
      case Resp::kColumns:
        if (columns_left_ > 0) {
          columns_left_--;
          if (columns_left_ == 0 && (caps_ & kDeprecateEof)) resp_ = Resp::kRows;
        } else if (c == 0xfe && p.size() < 9) {
          resp_ = Resp::kRows;  // the EOF after the column definitions
        }
        break;
      case Resp::kRows:
        if ((c == 0xfe && p.size() < 0xffffff && (p.size() < 9 || (caps_ & kDeprecateEof))) || c == 0xff) {
          if (c == 0xff) error(p);
          // The status flags say whether another result set follows (multi-statements).
          size_t at = 1;
          uint16_t status = 0;
          if (c == 0xfe && p.size() < 9 && p.size() >= 5)
            status = static_cast<uint16_t>(le(p, 3, 2));
          else if (c == 0xfe) {
            uint64_t x;
            if (lenenc(p, at, x) && lenenc(p, at, x) && p.size() >= at + 2) status = static_cast<uint16_t>(le(p, at, 2));
          }
          resp_ = Resp::kFirst;
          if (!(status & 0x0008) || c == 0xff) finish(ts);
        } else {
          s.rows++;
        }
        break;
      case Resp::kPrepare: break;
    }
  }

  void error(std::string_view p) {
    Statement& s = pending_.front();
    if (p.size() >= 3) s.error_code = std::to_string(le(p, 1, 2));
    size_t at = 3;
    if (p.size() > at && p[at] == '#') at += 6;
    s.error_message = std::string(p.substr(std::min(at, p.size()), 512));
  }

  void finish(int64_t ts) {
    resp_ = Resp::kNone;
    emit_front(ts);
  }

  State state_ = State::kGreeting;
  Resp resp_ = Resp::kNone;
  uint32_t caps_ = 0;
  uint64_t columns_left_ = 0;
  std::string buf_[2];
  std::vector<std::pair<uint32_t, std::string>> prepared_;
  bool resync_ = false;
};

}  // namespace

std::unique_ptr<capture::FlowHandler> make_mysql_decoder(const capture::FlowInfo& info, StatementSink s, SessionSink e, DecoderStats& st) {
  return std::make_unique<MySql>(info, std::move(s), std::move(e), st);
}

}  // namespace wardsec::dbaudit
