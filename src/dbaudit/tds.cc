// Microsoft SQL Server's Tabular Data Stream (TDS 7.x, [MS-TDS]): pre-login (encryption
// negotiation), Login7 (user, application, host, database), SQL batches, RPC requests
// (sp_executesql, sp_prepare/sp_prepexec/sp_execute, named procedures), and the token stream
// of the answers (row counts from ROW tokens or DONE counts, ERROR tokens, ENVCHANGE database).
#include <algorithm>
#include <map>

#include "dbaudit/session_decoder.h"

namespace wardsec::dbaudit {

namespace {

constexpr size_t kMaxMessage = 64u << 20;
enum : uint8_t {
  kBatch = 0x01,
  kRpc = 0x03,
  kReply = 0x04,
  kAttention = 0x06,
  kBulk = 0x07,
  kTxn = 0x0e,
  kLogin7 = 0x10,
  kPrelogin = 0x12
};

uint64_t le64(std::string_view p, size_t at) { return le(p, at, 4) | (uint64_t(le(p, at + 4, 4)) << 32); }

// UTF-16LE to UTF-8 (unpaired surrogates become U+FFFD).
std::string utf16(std::string_view p) {
  std::string out;
  out.reserve(p.size() / 2);
  for (size_t i = 0; i + 1 < p.size(); i += 2) {
    uint32_t c = le(p, i, 2);
    if (c >= 0xd800 && c < 0xdc00 && i + 3 < p.size()) {
      uint32_t d = le(p, i + 2, 2);
      if (d >= 0xdc00 && d < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i += 2;
      } else {
        c = 0xfffd;
      }
    } else if (c >= 0xd800 && c < 0xe000) {
      c = 0xfffd;
    }
    if (c < 0x80)
      out += static_cast<char>(c);
    else if (c < 0x800)
      out += {static_cast<char>(0xc0 | (c >> 6)), static_cast<char>(0x80 | (c & 0x3f))};
    else if (c < 0x10000)
      out += {static_cast<char>(0xe0 | (c >> 12)), static_cast<char>(0x80 | ((c >> 6) & 0x3f)), static_cast<char>(0x80 | (c & 0x3f))};
    else
      out += {static_cast<char>(0xf0 | (c >> 18)), static_cast<char>(0x80 | ((c >> 12) & 0x3f)),
              static_cast<char>(0x80 | ((c >> 6) & 0x3f)), static_cast<char>(0x80 | (c & 0x3f))};
  }
  return out;
}

// A bounds-checked reader over one message; any overrun sets `bad` and reads zeros.
struct Reader {
  std::string_view p;
  size_t at = 0;
  bool bad = false;
  bool need(size_t n) {
    if (bad || p.size() - at < n) bad = true;
    return !bad;
  }
  uint32_t u(int n) {
    if (!need(static_cast<size_t>(n))) return 0;
    uint32_t v = le(p, at, n);
    at += static_cast<size_t>(n);
    return v;
  }
  uint64_t u64() {
    if (!need(8)) return 0;
    uint64_t v = le64(p, at);
    at += 8;
    return v;
  }
  std::string_view bytes(size_t n) {
    if (!need(n)) return {};
    std::string_view v = p.substr(at, n);
    at += n;
    return v;
  }
  void skip(size_t n) { bytes(n); }
  bool end() const { return bad || at >= p.size(); }
};

// A column's or parameter's TYPE_INFO: how its values are laid out.
struct TypeInfo {
  enum Len { kFixed, kByte, kUShort, kLong, kPlp, kVariant } len = kFixed;
  size_t fixed = 0;    // kFixed: the size
  bool text = false;   // TEXT/NTEXT/IMAGE: a text pointer precedes the value
  bool wide = false;   // UTF-16 characters
  bool chars = false;  // a character type (its value is text)
};

bool read_type(Reader& r, TypeInfo& t) {
  uint8_t type = static_cast<uint8_t>(r.u(1));
  switch (type) {
    case 0x1f: t.len = TypeInfo::kFixed, t.fixed = 0; break;  // NULL
    case 0x30:
    case 0x32: t.len = TypeInfo::kFixed, t.fixed = 1; break;  // INT1, BIT
    case 0x34: t.len = TypeInfo::kFixed, t.fixed = 2; break;  // INT2
    case 0x38:
    case 0x3a:
    case 0x3b:
    case 0x7a: t.len = TypeInfo::kFixed, t.fixed = 4; break;  // INT4, DATETIM4, FLT4, MONEY4
    case 0x3c:
    case 0x3d:
    case 0x3e:
    case 0x7f: t.len = TypeInfo::kFixed, t.fixed = 8; break;  // MONEY, DATETIME, FLT8, INT8
    case 0x24:
    case 0x26:
    case 0x68:
    case 0x6d:
    case 0x6e:
    case 0x6f:  // GUID, INTN, BITN, FLTN, MONEYN, DATETIMN
      t.len = TypeInfo::kByte;
      r.skip(1);
      break;
    case 0x28: t.len = TypeInfo::kByte; break;  // DATEN
    case 0x29:
    case 0x2a:
    case 0x2b: t.len = TypeInfo::kByte, r.skip(1); break;  // TIMEN, DATETIME2N, DATETIMEOFFSETN: scale
    case 0x37:
    case 0x3f:
    case 0x6a:
    case 0x6c: t.len = TypeInfo::kByte, r.skip(3); break;  // DECIMAL(N), NUMERIC(N): len, precision, scale
    case 0x2f:
    case 0x27: t.len = TypeInfo::kByte, t.chars = true, r.skip(1); break;  // CHAR, VARCHAR (legacy)
    case 0x2d:
    case 0x25: t.len = TypeInfo::kByte, r.skip(1); break;  // BINARY, VARBINARY (legacy)
    case 0xa5:
    case 0xad: {  // BIGVARBINARY, BIGBINARY
      uint32_t max = r.u(2);
      t.len = max == 0xffff ? TypeInfo::kPlp : TypeInfo::kUShort;
      break;
    }
    case 0xa7:
    case 0xaf:
    case 0xe7:
    case 0xef: {  // BIGVARCHAR, BIGCHAR, NVARCHAR, NCHAR
      uint32_t max = r.u(2);
      r.skip(5);  // collation
      t.len = max == 0xffff ? TypeInfo::kPlp : TypeInfo::kUShort;
      t.chars = true;
      t.wide = type == 0xe7 || type == 0xef;
      break;
    }
    case 0x23:
    case 0x63:
    case 0x22: {  // TEXT, NTEXT, IMAGE
      r.skip(4);
      if (type != 0x22) r.skip(5);
      // table name: parts (TDS 7.2+)
      uint32_t parts = r.u(1);
      for (uint32_t i = 0; i < parts && !r.bad; i++) r.skip(2 * r.u(2));
      t.len = TypeInfo::kLong;
      t.text = true;
      t.chars = type != 0x22;
      t.wide = type == 0x63;
      break;
    }
    case 0xf1: {  // XML: schema present?
      if (r.u(1)) {
        r.skip(2 * r.u(1));
        r.skip(2 * r.u(1));
        r.skip(2 * r.u(2));
      }
      t.len = TypeInfo::kPlp;
      t.chars = true;
      t.wide = true;
      break;
    }
    case 0x62: t.len = TypeInfo::kVariant, r.skip(4); break;  // SQL_VARIANT
    default: return false;                                    // UDT, TVP and the like: the rest of this stream is not read
  }
  return !r.bad;
}

// One value laid out by `t`; returns its bytes (PLP chunks joined, capped) when `keep`.
std::string read_value(Reader& r, const TypeInfo& t, bool keep) {
  std::string out;
  switch (t.len) {
    case TypeInfo::kFixed: r.skip(t.fixed); break;
    case TypeInfo::kByte: {
      auto v = r.bytes(r.u(1));
      if (keep) out.assign(v);
      break;
    }
    case TypeInfo::kUShort: {
      uint32_t n = r.u(2);
      if (n == 0xffff) break;  // NULL
      auto v = r.bytes(n);
      if (keep) out.assign(v);
      break;
    }
    case TypeInfo::kLong: {
      uint32_t ptr = r.u(1);
      if (ptr == 0) break;  // NULL
      r.skip(ptr + 8);      // text pointer, timestamp
      auto v = r.bytes(r.u(4));
      if (keep) out.assign(v);
      break;
    }
    case TypeInfo::kVariant: {
      auto v = r.bytes(r.u(4));
      if (keep) out.assign(v);
      break;
    }
    case TypeInfo::kPlp: {
      uint64_t total = r.u64();
      if (total == ~uint64_t(0)) break;  // PLP NULL
      for (;;) {
        uint32_t n = r.u(4);
        if (r.bad || n == 0) break;
        auto v = r.bytes(n);
        if (keep && out.size() < (1u << 20)) out.append(v);
      }
      break;
    }
  }
  return out;
}

class Tds : public SessionDecoder {
 public:
  Tds(const capture::FlowInfo& info, StatementSink s, SessionSink e, DecoderStats& st)
      : SessionDecoder("mssql", info, std::move(s), std::move(e), st) {
    if (info.midstream) login_done_ = true;
  }
  ~Tds() override { closed(); }

  void data(int dir, std::string_view bytes, int64_t ts) override {
    if (dead_) return;
    std::string& b = buf_[dir];
    b.append(bytes);
    size_t at = 0;
    while (!dead_) {
      if (b.size() - at < 8) break;
      uint8_t type = static_cast<uint8_t>(b[at]);
      // A TLS record outside a TDS packet: TDS 8.0 (the whole connection is TLS) or the
      // encrypted Login7 of a login-only encryption.
      if ((type >= 0x14 && type <= 0x17) && b[at + 1] == 0x03) {
        if (!seen_packet_[0] && !seen_packet_[1] && type == 0x16) return encrypted();
        size_t n = 5 + ((static_cast<unsigned char>(b[at + 3]) << 8) | static_cast<unsigned char>(b[at + 4]));
        if (b.size() - at < n) break;
        at += n;
        if (dir == 0 && !login_done_) login_encrypted_ = true, await_ = kLogin7;
        continue;
      }
      size_t len = (static_cast<unsigned char>(b[at + 2]) << 8) | static_cast<unsigned char>(b[at + 3]);
      if (len < 8 || (type != kBatch && type != kRpc && type != kReply && type != kAttention && type != kBulk && type != kTxn &&
                      type != kLogin7 && type != kPrelogin))
        return fail();
      if (b.size() - at < len) break;
      bool eom = b[at + 1] & 0x01;
      seen_packet_[dir] = true;
      msg_[dir].append(b, at + 8, len - 8);
      if (msg_type_[dir] == 0) msg_type_[dir] = type;
      at += len;
      if (msg_[dir].size() > kMaxMessage) return fail();
      if (!eom) continue;
      std::string m = std::move(msg_[dir]);
      msg_[dir].clear();
      uint8_t mt = msg_type_[dir];
      msg_type_[dir] = 0;
      if (dir == 0)
        client(mt, m, ts);
      else
        server(mt, m, ts);
    }
    b.erase(0, std::min(at, b.size()));
    if (b.size() > 2 * kMaxMessage) fail();
  }
  void gap(int, uint64_t) override {
    flush_pending();
    dead_ = true;
    st_.malformed++;
  }

 private:
  void encrypted() {
    sess_->tls = true;
    st_.tls_sessions++;
    dead_ = true;
  }

  static uint8_t prelogin_encryption(std::string_view m) {
    Reader r{m};
    while (!r.end()) {
      uint8_t tok = static_cast<uint8_t>(r.u(1));
      if (tok == 0xff) break;
      uint32_t off = (r.u(1) << 8) | r.u(1);
      uint32_t n = (r.u(1) << 8) | r.u(1);
      if (tok == 0x01 && n >= 1 && off < m.size()) return static_cast<uint8_t>(m[off]);
    }
    return 2;  // not said: not supported
  }

  void client(uint8_t type, std::string_view m, int64_t ts) {
    switch (type) {
      case kPrelogin:
        if (!prelogin_seen_) {
          prelogin_seen_ = true;
          await_ = kPrelogin;
        }
        break;  // later PRELOGIN packets carry the TLS handshake
      case kLogin7:
        login7(m);
        await_ = kLogin7;
        break;
      case kBatch: {
        Reader r{m};
        skip_all_headers(r);
        if (r.bad) return fail();
        begin(utf16(m.substr(r.at)), "query", ts);
        break;
      }
      case kRpc: rpc(m, ts); break;
      case kBulk: break;  // rows of an INSERT BULK the batch before announced
      default: break;
    }
  }

  // ALL_HEADERS (TDS 7.2+): a total length, then headers; older clients send none.
  static void skip_all_headers(Reader& r) {
    if (r.p.size() < 4) return;
    uint32_t total = le(r.p, 0, 4);
    if (total >= 4 && total <= r.p.size() && (total == 4 || (total >= 10 && le(r.p, 4, 4) <= total - 4))) r.at = total;
  }

  void login7(std::string_view m) {
    if (m.size() < 94) return fail();
    auto field = [&](size_t at) -> std::string {
      uint32_t off = le(m, at, 2), n = le(m, at + 2, 2);
      if (off + 2ull * n > m.size()) return {};
      return utf16(m.substr(off, 2ull * n));
    };
    sess_->user = field(40);
    sess_->program = field(48);
    sess_->database = field(68);
    sess_->client_host = field(36);
  }

  void rpc(std::string_view m, int64_t ts) {
    Reader r{m};
    skip_all_headers(r);
    uint32_t name_len = r.u(2);
    std::string proc;
    int proc_id = 0;
    if (name_len == 0xffff)
      proc_id = static_cast<int>(r.u(2));
    else
      proc = utf16(r.bytes(2ull * name_len));
    r.skip(2);  // option flags
    if (r.bad) return fail();
    // Parameters: name, status, TYPE_INFO, value.
    std::vector<std::string> texts;
    int64_t handle = -1;
    for (int i = 0; i < 8 && !r.end(); i++) {
      r.skip(2ull * r.u(1));
      r.skip(1);
      TypeInfo t;
      if (!read_type(r, t)) break;
      std::string v = read_value(r, t, true);
      if (r.bad) break;
      if (t.chars)
        texts.push_back(t.wide ? utf16(v) : v);
      else
        texts.emplace_back();
      if (i == 0 && !t.chars && v.size() == 4) handle = le(v, 0, 4);
      if (proc_id == 10 && i == 0) break;  // sp_executesql: the statement is the first parameter
    }
    // Parameter values hold patient data; only the statements are kept.
    switch (proc_id) {
      case 10:  // sp_executesql @stmt, @params, values...
        begin(texts.empty() ? std::string("/* sp_executesql */") : texts[0], "execute", ts);
        break;
      case 11:    // sp_prepare @handle OUTPUT, @params, @stmt
      case 13: {  // sp_prepexec @handle OUTPUT, @params, @stmt, values...
        std::string text = texts.size() >= 3 ? texts[2] : std::string();
        if (text.empty()) text = "/* prepared statement */";
        begin(std::move(text), proc_id == 11 ? "prepare" : "execute", ts);
        break;
      }
      case 12: {  // sp_execute @handle, values...
        auto it = prepared_.find(handle);
        begin(it == prepared_.end() ? "/* prepared statement " + std::to_string(handle) + " */" : it->second, "execute", ts);
        break;
      }
      default:
        if (proc_id)
          begin("/* system procedure " + std::to_string(proc_id) + " */", "call", ts);
        else
          begin("EXEC " + proc, "call", ts);
    }
  }

  void server(uint8_t type, std::string_view m, int64_t ts) {
    if (type != kReply) return;
    if (await_ == kPrelogin) {
      await_ = 0;
      uint8_t s = prelogin_encryption(m);
      // Server ON/REQ: everything is TLS; OFF with a client that can: only the login is.
      if (s == 1 || s == 3) return encrypted();
      return;
    }
    Reader r{m};
    Answer a;
    tokens(r, a);
    if (await_ == kLogin7) {
      await_ = 0;
      login_done_ = true;
      if (!a.database.empty()) sess_->database = a.database;
      if (!a.server_version.empty()) sess_->server_version = a.server_version;
      sess_->login_encrypted = login_encrypted_;
      return;
    }
    if (!a.database.empty()) sess_->database = a.database;
    if (pending_.empty()) return;
    Statement& s = pending_.front();
    if (a.rows_seen)
      s.rows = a.rows;
    else if (a.select_count >= 0)
      s.rows = a.select_count;
    if (a.affected >= 0) s.affected = a.affected;
    s.error_code = a.error_code;
    s.error_message = a.error_message;
    if (a.handle >= 0 && !s.text.empty() && s.text[0] != '/') {  // sp_prepare/sp_prepexec: the handle for later sp_execute
      prepared_[a.handle] = s.text;
      if (prepared_.size() > 4096) prepared_.erase(prepared_.begin());
    }
    emit_front(ts);
  }

  struct Answer {
    int64_t rows = 0, select_count = -1, affected = -1, handle = -1;
    bool rows_seen = false;
    std::string error_code, error_message, database, server_version;
  };

  // The token stream of one answer. Reading stops at a type it cannot lay out; what was read
  // so far stands (and DONE counts, if any came, give the rows).
  void tokens(Reader& r, Answer& a) {
    std::vector<TypeInfo> cols;
    while (!r.end()) {
      uint8_t tok = static_cast<uint8_t>(r.u(1));
      switch (tok) {
        case 0x81: {  // COLMETADATA
          uint32_t n = r.u(2);
          cols.clear();
          if (n == 0xffff) break;
          for (uint32_t i = 0; i < n && !r.bad; i++) {
            r.skip(4 + 2);  // user type, flags
            TypeInfo t;
            if (!read_type(r, t)) return;
            r.skip(2ull * r.u(1));  // column name
            cols.push_back(t);
          }
          break;
        }
        case 0xd1:  // ROW
          for (const auto& t : cols) read_value(r, t, false);
          a.rows++, a.rows_seen = true;
          break;
        case 0xd2: {  // NBCROW: a null bitmap, then the non-null values
          auto bitmap = r.bytes((cols.size() + 7) / 8);
          if (r.bad) return;
          for (size_t i = 0; i < cols.size(); i++)
            if (!(static_cast<unsigned char>(bitmap[i / 8]) & (1u << (i % 8)))) read_value(r, cols[i], false);
          a.rows++, a.rows_seen = true;
          break;
        }
        case 0xfd:
        case 0xfe:
        case 0xff: {  // DONE, DONEPROC, DONEINPROC
          uint32_t status = r.u(2), cmd = r.u(2);
          uint64_t count = r.u64();
          if (status & 0x10) {
            if (cmd == 0xc1)
              a.select_count = std::max<int64_t>(a.select_count, 0) + static_cast<int64_t>(count);
            else if (cmd == 0xc3 || cmd == 0xc4 || cmd == 0xc5)  // INSERT, DELETE, UPDATE
              a.affected = std::max<int64_t>(a.affected, 0) + static_cast<int64_t>(count);
          }
          break;
        }
        case 0xaa: {  // ERROR: number, state, class, message, server, procedure, line
          Reader e{r.bytes(r.u(2))};
          uint32_t number = e.u(4);
          e.skip(2);
          std::string msg = utf16(e.bytes(2ull * e.u(2)));
          if (!r.bad && a.error_code.empty()) {
            a.error_code = std::to_string(number);
            a.error_message = msg.substr(0, 512);
          }
          break;
        }
        case 0xe3: {  // ENVCHANGE: type 1 is the database
          Reader e{r.bytes(r.u(2))};
          if (e.u(1) == 1) a.database = utf16(e.bytes(2ull * e.u(1)));
          break;
        }
        case 0xad: {  // LOGINACK: interface, TDS version, program name, version
          Reader e{r.bytes(r.u(2))};
          e.skip(1 + 4);
          std::string prog = utf16(e.bytes(2ull * e.u(1)));
          uint32_t maj = e.u(1), min = e.u(1), b1 = e.u(1), b2 = e.u(1);
          if (!e.bad)
            a.server_version = prog + " " + std::to_string(maj) + "." + std::to_string(min) + "." + std::to_string((b1 << 8) | b2);
          break;
        }
        case 0x79: r.skip(4); break;  // RETURNSTATUS
        case 0xac: {                  // RETURNVALUE: ordinal, name, status, user type, flags, TYPE_INFO, value
          r.skip(2);
          r.skip(2ull * r.u(1));
          r.skip(1 + 4 + 2);
          TypeInfo t;
          if (!read_type(r, t)) return;
          std::string v = read_value(r, t, true);
          if (v.size() == 4 && a.handle < 0) a.handle = le(v, 0, 4);
          break;
        }
        case 0xab:
        case 0xa9:
        case 0xa4:
        case 0xa5:
        case 0xed:  // INFO, ORDER, TABNAME, COLINFO, SSPI
          r.skip(r.u(2));
          break;
        case 0xe4:
        case 0xee:
        case 0xae:  // SESSIONSTATE, FEDAUTHINFO: 4-byte length; FEATUREEXTACK ends the login answer
          if (tok == 0xae) return;
          r.skip(r.u(4));
          break;
        default: return;
      }
    }
  }

  std::string buf_[2], msg_[2];
  uint8_t msg_type_[2] = {0, 0};
  bool seen_packet_[2] = {false, false};
  bool prelogin_seen_ = false, login_done_ = false, login_encrypted_ = false;
  uint8_t await_ = 0;
  std::map<int64_t, std::string> prepared_;
};

}  // namespace

std::unique_ptr<capture::FlowHandler> make_tds_decoder(const capture::FlowInfo& info, StatementSink s, SessionSink e, DecoderStats& st) {
  return std::make_unique<Tds>(info, std::move(s), std::move(e), st);
}

}  // namespace wardsec::dbaudit
