#include "ingest/net.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <filesystem>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

#include "core/strutil.h"
#include "core/timeutil.h"
#include "ingest/framing.h"

namespace wardsec::ingest {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using udp = asio::ip::udp;

Result<tcp::endpoint> parse_endpoint(const std::string& s) {
  size_t c = s.rfind(':');
  if (c == std::string::npos) return Error{"'" + s + "' is not host:port"};
  std::string host = s.substr(0, c), port = s.substr(c + 1);
  if (!host.empty() && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty() || host == "*") host = "0.0.0.0";
  if (host == "localhost") host = "127.0.0.1";
  uint64_t p;
  if (!parse_u64(port, p) || p > 65535) return Error{"'" + s + "': bad port"};
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) return Error{"'" + s + "': bad address (use an IP address)"};
  return tcp::endpoint(addr, static_cast<uint16_t>(p));
}

Status ensure_self_signed(const std::string& key_dir, std::string& cert, std::string& key, const char* setting) {
  namespace fs = std::filesystem;
  cert = key_dir + "/tls.crt";
  key = key_dir + "/tls.key";
  if (fs::exists(cert) && fs::exists(key)) {
    spdlog::info("{}: using the self-signed TLS certificate {} (install a real one with {}.tls_cert and {}.tls_key)", setting, cert,
                 setting, setting);
    return {};
  }
  std::error_code ec;
  fs::create_directories(key_dir, ec);
  EVP_PKEY* pk = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (!pk) return Error{"TLS key generation failed"};
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), static_cast<long>(now_ns() / 1000000000));
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 86400);
  X509_set_pubkey(x, pk);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("wardsec"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("wardsec self-signed"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  // Names browsers and clients check: this host's name, localhost and the loopback addresses.
  char host[256] = "localhost";
  ::gethostname(host, sizeof host - 1);
  std::string san = "DNS:localhost,IP:127.0.0.1,IP:::1";
  if (std::string(host) != "localhost") san += std::string(",DNS:") + host;
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, x, x, nullptr, nullptr, 0);
  if (X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, san.c_str())) {
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(x, pk, EVP_sha256());
  FILE* f = std::fopen(key.c_str(), "w");
  if (!f) return Error{"cannot write " + key};
  ::chmod(key.c_str(), 0600);
  PEM_write_PrivateKey(f, pk, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  f = std::fopen(cert.c_str(), "w");
  if (!f) return Error{"cannot write " + cert};
  PEM_write_X509(f, x);
  std::fclose(f);
  X509_free(x);
  EVP_PKEY_free(pk);
  spdlog::info("created a self-signed TLS certificate {} (install a real one with {}.tls_cert and {}.tls_key)", cert, setting, setting);
  return {};
}

struct Inputs::State {
  asio::io_context& io;
  Pipeline& pipeline;
  InputOptions opt;
  std::unique_ptr<udp::socket> udp_sock;
  std::unique_ptr<tcp::acceptor> tcp_acc, tls_acc, relp_acc;
  std::unique_ptr<asio::ssl::context> ssl;
  std::atomic<uint64_t> connections{0};
  std::atomic<uint64_t> relp_errors{0}, framing_errors{0};
  std::mutex src_mu;
  std::map<std::string, uint64_t> framing_by_source;  // sender address -> framing errors (at most 1000 senders)
  void count_framing(const std::string& peer, uint64_t n) {
    framing_errors += n;
    std::string ip = peer.substr(0, peer.rfind(':'));
    std::lock_guard lk(src_mu);
    if (framing_by_source.size() < 1000 || framing_by_source.count(ip)) framing_by_source[ip] += n;
  }
  std::atomic<bool> stopping{false};
  std::array<char, 65536> udp_buf{};
  udp::endpoint udp_from;
  State(asio::io_context& i, Pipeline& p, InputOptions o) : io(i), pipeline(p), opt(std::move(o)) {}
};

namespace {

using StatePtr = std::shared_ptr<Inputs::State>;

std::string peer_of(const tcp::socket& s) {
  boost::system::error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (ec) return "?";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

tcp::socket& lowest(tcp::socket& s) { return s; }
tcp::socket& lowest(asio::ssl::stream<tcp::socket>& s) { return s.next_layer(); }

// Syslog over a byte stream (TCP or TLS).
template <class Stream>
class SyslogSession : public std::enable_shared_from_this<SyslogSession<Stream>> {
 public:
  SyslogSession(StatePtr st, Stream stream, std::string input)
      : st_(std::move(st)), stream_(std::move(stream)), timer_(st_->io), input_(std::move(input)) {
    peer_ = peer_of(lowest(stream_));
    st_->connections++;
  }
  ~SyslogSession() { st_->connections--; }
  void start() {
    if constexpr (std::is_same_v<Stream, asio::ssl::stream<tcp::socket>>) {
      auto self = this->shared_from_this();
      stream_.async_handshake(asio::ssl::stream_base::server, [self](boost::system::error_code ec) {
        if (ec) {
          spdlog::warn("tls syslog from {}: handshake failed: {}", self->peer_, ec.message());
          return;
        }
        self->read();
      });
    } else {
      read();
    }
  }

 private:
  void read() {
    auto self = this->shared_from_this();
    stream_.async_read_some(asio::buffer(buf_), [self](boost::system::error_code ec, size_t n) {
      int64_t now = now_ns();
      auto emit = [&](std::string_view m, bool cut) { self->batch_.add(m, now, cut); };
      if (n) self->framer_.feed(std::string_view(self->buf_.data(), n), emit);
      if (ec) {
        self->framer_.finish(emit);
        self->closed_ = true;
      }
      if (uint64_t e = self->framer_.framing_errors(); e > self->errors_counted_) {
        if (!self->errors_counted_)
          spdlog::warn(
              "{} syslog from {}: a frame's length did not match its data (resynchronized at the next frame or line; counted per sender in "
              "/api/v1/metrics)",
              self->input_, self->peer_);
        self->st_->count_framing(self->peer_, e - self->errors_counted_);
        self->errors_counted_ = e;
      }
      self->submit();
    });
  }
  void submit() {
    if (!batch_.msgs.empty()) {
      batch_.source = peer_;
      batch_.input = input_;
      if (!st_->pipeline.try_submit(batch_)) {
        // Queue full: stop reading (TCP back-pressure) and retry shortly.
        auto self = this->shared_from_this();
        timer_.expires_after(std::chrono::milliseconds(5));
        timer_.async_wait([self](boost::system::error_code) { self->submit(); });
        return;
      }
      batch_ = RawBatch{};
    }
    if (!closed_ && !st_->stopping) read();
  }

  StatePtr st_;
  Stream stream_;
  asio::steady_timer timer_;
  std::string input_, peer_;
  std::array<char, 65536> buf_{};
  SyslogFramer framer_;
  uint64_t errors_counted_ = 0;
  RawBatch batch_;
  bool closed_ = false;
};

// RELP: each syslog frame is acknowledged only after its event is durable in the store.
class RelpSession : public std::enable_shared_from_this<RelpSession> {
 public:
  RelpSession(StatePtr st, tcp::socket s) : st_(std::move(st)), sock_(std::move(s)), timer_(st_->io) {
    peer_ = peer_of(sock_);
    st_->connections++;
  }
  ~RelpSession() { st_->connections--; }
  void start() {
    boost::system::error_code ig;
    sock_.set_option(tcp::no_delay(true), ig);  // answers go out at once (the sender's window waits on them)
    read();
  }

 private:
  void read() {
    auto self = shared_from_this();
    sock_.async_read_some(asio::buffer(buf_), [self](boost::system::error_code ec, size_t n) {
      if (n) {
        int64_t now = now_ns();
        bool ok = self->parser_.feed(std::string_view(self->buf_.data(), n), [&](RelpFrame&& f) { self->on_frame(std::move(f), now); });
        if (!ok) {
          spdlog::warn("relp from {}: {}; closing", self->peer_, self->parser_.error());
          self->closed_ = true;
        }
      }
      if (ec) self->closed_ = true;
      self->submit();
    });
  }
  void on_frame(RelpFrame&& f, int64_t now) {
    if (aborted_) return;
    // RFC-less but librelp's rule: transaction numbers count up by one from the open (and
    // wrap after 999999999). A repeated or skipped number is a broken or forged stream.
    if (last_txnr_ && f.txnr != (last_txnr_ >= 999999999 ? 1 : last_txnr_ + 1)) {
      protocol_error(f.txnr, "transaction number " + std::to_string(f.txnr) + " after " + std::to_string(last_txnr_));
      return;
    }
    last_txnr_ = f.txnr;
    if (!opened_ && f.command != "open") {
      protocol_error(f.txnr, "'" + f.command.substr(0, 32) + "' before 'open'");
      return;
    }
    if (f.command == "open") {
      if (opened_) {
        protocol_error(f.txnr, "a second 'open'");
        return;
      }
      opened_ = true;
      respond(f.txnr, "200 OK\nrelp_version=0\nrelp_software=wardsec,0.1.0\ncommands=syslog");
    } else if (f.command == "syslog") {
      batch_.add(f.data, now);
      txnrs_.push_back(f.txnr);
    } else if (f.command == "close") {
      close_txnr_ = f.txnr;
    } else {
      respond(f.txnr, "500 unknown command");
    }
  }
  void submit() {
    if (aborted_) {
      batch_ = RawBatch{};  // never acknowledged: the sender resends
      txnrs_.clear();
      if (closing_ && !writing_ && pending_.empty()) shutdown();
      return;
    }
    if (!batch_.msgs.empty()) {
      batch_.source = peer_;
      batch_.input = "relp";
      auto self = shared_from_this();
      // Frame by frame: a frame that is a line of a multi-line event is answered with that
      // event (the others of the batch need not wait for it, nor the sender's window).
      batch_.on_durable_each = [self, txnrs = txnrs_](const std::vector<uint32_t>& msgs, bool ok) {
        std::vector<uint64_t> mine;
        mine.reserve(msgs.size());
        for (uint32_t i : msgs)
          if (i < txnrs.size()) mine.push_back(txnrs[i]);
        asio::post(self->sock_.get_executor(), [self, mine = std::move(mine), ok] {
          if (!ok) {
            // The store could not make these durable. librelp drops a frame answered with
            // anything but 200 and never sends it again; a session that ends with frames
            // unanswered makes the sender keep them and resend them after reconnecting.
            self->abort("the event store cannot write (see the server log); closing so the sender resends");
            return;
          }
          for (uint64_t t : mine) self->respond(t, "200 OK");
          self->outstanding_ -= mine.size();
          self->maybe_close();
        });
      };
      if (!st_->pipeline.try_submit(batch_)) {
        batch_.on_durable_each = nullptr;
        timer_.expires_after(std::chrono::milliseconds(5));
        timer_.async_wait([self](boost::system::error_code) { self->submit(); });
        return;
      }
      outstanding_ += txnrs_.size();
      batch_ = RawBatch{};
      txnrs_.clear();
    }
    maybe_close();
    if (!closed_ && !close_txnr_ && !st_->stopping) read();
  }
  void protocol_error(uint64_t txnr, const std::string& what) {
    respond(txnr, "500 " + what);  // said, then closed: nothing after it is taken
    st_->relp_errors++;
    spdlog::warn("relp from {}: protocol error: {}; closing", peer_, what);
    aborted_ = closed_ = true;
    closing_ = true;
  }
  void abort(const char* why) {
    if (aborted_) return;
    aborted_ = closed_ = true;
    pending_.clear();
    // Many senders reconnect and fail again while the store cannot write: one line a minute.
    static std::atomic<int64_t> last_log{0};
    static std::atomic<uint64_t> quiet{0};
    int64_t now = now_ns(), prev = last_log.load();
    if (now - prev >= 60 * kSec && last_log.compare_exchange_strong(prev, now)) {
      uint64_t n = quiet.exchange(0);
      spdlog::warn("relp from {}: {}{}", peer_, why,
                   n ? " (and " + std::to_string(n) + " more sessions since the last such line)" : std::string());
    } else {
      quiet++;
    }
    boost::system::error_code ig;  // a write under way ends with an error; its buffer stays valid until then
    sock_.shutdown(tcp::socket::shutdown_both, ig);
    sock_.close(ig);
    timer_.cancel();
  }
  void maybe_close() {
    if (close_txnr_ && outstanding_ == 0) {
      respond(*close_txnr_, "");
      close_txnr_.reset();
      closing_ = true;
    }
  }
  void shutdown() {
    boost::system::error_code ig;
    sock_.shutdown(tcp::socket::shutdown_both, ig);
  }
  void respond(uint64_t txnr, std::string_view data) {
    if (aborted_ && !closing_) return;
    std::string r = std::to_string(txnr) + " rsp " + std::to_string(data.size());
    if (!data.empty()) r.append(" ").append(data);
    r.push_back('\n');
    pending_ += r;
    if (!writing_) write();
  }
  // Every answer queued while a write was under way goes out in the next one: a window of
  // acknowledgements is one segment, not one each (the sender waits for them).
  void write() {
    if (pending_.empty()) {
      if (closing_) shutdown();
      return;
    }
    writing_ = true;
    out_.swap(pending_);
    pending_.clear();
    auto self = shared_from_this();
    asio::async_write(sock_, asio::buffer(out_), [self](boost::system::error_code ec, size_t) {
      self->writing_ = false;
      self->out_.clear();
      if (ec) {
        self->pending_.clear();
        return;
      }
      self->write();
    });
  }

  StatePtr st_;
  tcp::socket sock_;
  asio::steady_timer timer_;
  std::string peer_;
  std::array<char, 65536> buf_{};
  RelpParser parser_;
  RawBatch batch_;
  std::vector<uint64_t> txnrs_;
  std::string out_, pending_;  // being written; queued behind it
  bool writing_ = false;
  std::optional<uint64_t> close_txnr_;
  size_t outstanding_ = 0;
  bool closed_ = false, closing_ = false, aborted_ = false, opened_ = false;
  uint64_t last_txnr_ = 0;
};

}  // namespace

std::string Inputs::metrics_json() const {
  std::string out = "\"framing_errors\":" + std::to_string(st_->framing_errors.load()) +
                    ",\"relp_protocol_errors\":" + std::to_string(st_->relp_errors.load()) + ",\"framing_errors_by_source\":{";
  std::lock_guard lk(st_->src_mu);
  bool first = true;
  for (const auto& [ip, n] : st_->framing_by_source) {
    if (!first) out += ",";
    first = false;
    out += "\"" + ip + "\":" + std::to_string(n);
  }
  return out + "}";
}

namespace {

void udp_receive(const StatePtr& st) {
  st->udp_sock->async_receive_from(asio::buffer(st->udp_buf), st->udp_from, [st](boost::system::error_code ec, size_t n) {
    if (ec == asio::error::operation_aborted || st->stopping) return;
    if (!ec && n) {
      RawBatch b;
      b.input = "udp";
      b.source = st->udp_from.address().to_string() + ":" + std::to_string(st->udp_from.port());
      b.add(std::string_view(st->udp_buf.data(), n), now_ns());
      if (!st->pipeline.try_submit(b)) st->pipeline.drop(1);
    }
    udp_receive(st);
  });
}

template <class Make>
void accept_loop(StatePtr st, tcp::acceptor* acc, Make make) {
  acc->async_accept([st, acc, make](boost::system::error_code ec, tcp::socket s) {
    if (ec == asio::error::operation_aborted || st->stopping) return;
    if (!ec) {
      if (st->connections >= st->opt.max_connections) {
        spdlog::warn("connection limit {} reached; refusing {}", st->opt.max_connections, peer_of(s));
      } else {
        make(std::move(s));
      }
    }
    accept_loop(st, acc, make);
  });
}

}  // namespace

Result<std::unique_ptr<tcp::acceptor>> open_acceptor(asio::io_context& io, const std::string& where, const char* what) {
  auto ep = parse_endpoint(where);
  if (!ep) return Error{std::string(what) + " input: " + ep.error()};
  auto acc = std::make_unique<tcp::acceptor>(io);
  boost::system::error_code ec;
  acc->open(ep->protocol(), ec);
  if (!ec) acc->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc->bind(*ep, ec);
  if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Error{std::string(what) + " input: cannot listen on " + where + ": " + ec.message()};
  return acc;
}

Inputs::Inputs(asio::io_context& io, Pipeline& pipeline, InputOptions opt) : st_(std::make_shared<State>(io, pipeline, std::move(opt))) {}

Inputs::~Inputs() { stop(); }

uint64_t Inputs::connections() const { return st_->connections; }

Status Inputs::start() {
  auto& o = st_->opt;
  if (!o.udp.empty()) {
    auto ep = parse_endpoint(o.udp);
    if (!ep) return Error{"udp input: " + ep.error()};
    udp::endpoint uep(ep->address(), ep->port());
    st_->udp_sock = std::make_unique<udp::socket>(st_->io);
    boost::system::error_code ec;
    st_->udp_sock->open(uep.protocol(), ec);
    if (!ec) st_->udp_sock->set_option(asio::socket_base::receive_buffer_size(8 << 20), ec);
    ec.clear();
    st_->udp_sock->bind(uep, ec);
    if (ec) return Error{"udp input: cannot bind " + o.udp + ": " + ec.message()};
    udp_port_ = st_->udp_sock->local_endpoint().port();
    udp_receive(st_);
  }
  if (!o.tcp.empty()) {
    auto acc = open_acceptor(st_->io, o.tcp, "tcp");
    if (!acc) return Error{acc.error()};
    st_->tcp_acc = std::move(acc.value());
    tcp_port_ = st_->tcp_acc->local_endpoint().port();
    auto st = st_;
    accept_loop(st_, st_->tcp_acc.get(),
                [st](tcp::socket s) { std::make_shared<SyslogSession<tcp::socket>>(st, std::move(s), "tcp")->start(); });
  }
  if (!o.tls.empty()) {
    std::string cert = o.tls_cert, key = o.tls_key;
    if (cert.empty() || key.empty()) {
      Status s = ensure_self_signed(o.key_dir, cert, key, "inputs");
      if (!s) return s;
    }
    st_->ssl = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    boost::system::error_code ec;
    st_->ssl->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                          asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    // No TLS 1.3 session tickets: a fire-and-forget sender that never reads would otherwise
    // close with unread tickets in its buffer, and its kernel's RST discards what we have not
    // read yet.
    SSL_CTX_set_num_tickets(st_->ssl->native_handle(), 0);
    SSL_CTX_set_options(st_->ssl->native_handle(), SSL_OP_NO_TICKET);
    st_->ssl->use_certificate_chain_file(cert, ec);
    if (ec) return Error{"tls input: cannot load certificate " + cert + ": " + ec.message()};
    st_->ssl->use_private_key_file(key, asio::ssl::context::pem, ec);
    if (ec) return Error{"tls input: cannot load key " + key + ": " + ec.message()};
    auto acc = open_acceptor(st_->io, o.tls, "tls");
    if (!acc) return Error{acc.error()};
    st_->tls_acc = std::move(acc.value());
    tls_port_ = st_->tls_acc->local_endpoint().port();
    auto st = st_;
    accept_loop(st_, st_->tls_acc.get(), [st](tcp::socket s) {
      std::make_shared<SyslogSession<asio::ssl::stream<tcp::socket>>>(st, asio::ssl::stream<tcp::socket>(std::move(s), *st->ssl), "tls")
          ->start();
    });
  }
  if (!o.relp.empty()) {
    auto acc = open_acceptor(st_->io, o.relp, "relp");
    if (!acc) return Error{acc.error()};
    st_->relp_acc = std::move(acc.value());
    relp_port_ = st_->relp_acc->local_endpoint().port();
    auto st = st_;
    accept_loop(st_, st_->relp_acc.get(), [st](tcp::socket s) { std::make_shared<RelpSession>(st, std::move(s))->start(); });
  }
  return {};
}

void Inputs::stop() {
  st_->stopping = true;
  boost::system::error_code ec;
  if (st_->udp_sock) st_->udp_sock->close(ec);
  if (st_->tcp_acc) st_->tcp_acc->close(ec);
  if (st_->tls_acc) st_->tls_acc->close(ec);
  if (st_->relp_acc) st_->relp_acc->close(ec);
}

}  // namespace wardsec::ingest
