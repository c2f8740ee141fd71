#include "fleet/channel.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "fleet/service_detail.h"
#include "ingest/net.h"

namespace wardsec::fleet {
namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct Channel::State {
  asio::io_context& io;
  Service& svc;
  ChannelOptions opt;
  ssl::context tls{ssl::context::tls_server};
  std::unique_ptr<tcp::acceptor> acc;
  asio::thread_pool pool{2};
  std::atomic<int> conns{0};
  std::atomic<uint64_t> refused{0};
  std::atomic<bool> stopping{false};
  uint16_t port = 0;
  State(asio::io_context& i, Service& s, ChannelOptions o) : io(i), svc(s), opt(std::move(o)) {}
};

namespace {

using StatePtr = std::shared_ptr<Channel::State>;

std::string peer_serial(SSL* ssl) {
  X509* x = SSL_get1_peer_certificate(ssl);
  if (!x) return "";
  std::string out;
  if (SSL_get_verify_result(ssl) == X509_V_OK)
    if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get_serialNumber(x), nullptr)) {
      char* h = BN_bn2hex(bn);
      out = h ? h : "";
      OPENSSL_free(h);
      BN_free(bn);
    }
  X509_free(x);
  return out;
}

class Conn : public std::enable_shared_from_this<Conn> {
 public:
  Conn(StatePtr st, tcp::socket s) : st_(std::move(st)), stream_(std::move(s), st_->tls) {}
  ~Conn() { st_->conns--; }
  void start() {
    beast::error_code ec;
    auto ep = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    if (!ec) ip_ = ep.address().to_string();
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(15));
    auto self = shared_from_this();
    stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code e) {
      if (e) return;  // a failed handshake (no or a forged certificate chain) ends here
      self->serial_ = peer_serial(self->stream_.native_handle());
      self->read();
    });
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(st_->opt.max_body);
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(120));
    auto self = shared_from_this();
    http::async_read(stream_, buf_, *parser_, [self](beast::error_code ec, size_t) {
      if (ec == http::error::body_limit) return self->send(413, detail::err("body too large"), false);
      if (ec) return;
      self->handle(self->parser_->release());
    });
  }
  void handle(http::request<http::string_body> req) {
    bool ka = req.keep_alive();
    if (req.method() != http::verb::post) return send(405, detail::err("use POST"), ka);
    AgentRequest r;
    r.path = std::string(req.target());
    r.body = std::move(req.body());
    r.ip = ip_;
    r.serial = serial_;
    auto self = shared_from_this();
    asio::post(st_->pool, [self, r = std::move(r), ka] {
      auto once = std::make_shared<std::atomic<bool>>(false);
      Reply reply = [self, ka, once](int status, std::string body) {
        if (once->exchange(true)) return;
        asio::post(self->stream_.get_executor(),
                   [self, status, body = std::move(body), ka]() mutable { self->send(status, std::move(body), ka); });
      };
      try {
        self->st_->svc.handle(r, reply);
      } catch (const std::exception& e) {
        spdlog::error("agent channel {}: {}", r.path, e.what());
        reply(500, detail::err(std::string("internal error: ") + e.what()));
      }
    });
  }
  void send(int status, std::string body, bool ka) {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(status), 11);
    res->set(http::field::server, "wardsec");
    res->set(http::field::content_type, "application/json");
    res->keep_alive(ka);
    res->body() = std::move(body);
    res->prepare_payload();
    auto self = shared_from_this();
    http::async_write(stream_, *res, [self, res, ka](beast::error_code ec, size_t) {
      if (ec) return;
      if (!ka || self->st_->stopping) return self->stream_.async_shutdown([self](beast::error_code) {});
      self->read();
    });
  }

  StatePtr st_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  std::string ip_, serial_;
  beast::flat_buffer buf_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

void accept(const StatePtr& st) {
  st->acc->async_accept([st](beast::error_code ec, tcp::socket s) {
    if (st->stopping) return;
    if (!ec) {
      if (st->conns.fetch_add(1) >= st->opt.max_connections) {
        st->conns--;
        st->refused++;
      } else {
        std::make_shared<Conn>(st, std::move(s))->start();
      }
    }
    accept(st);
  });
}

}  // namespace

Channel::Channel(asio::io_context& io, Service& svc, ChannelOptions opt) : st_(std::make_shared<State>(io, svc, std::move(opt))) {}
Channel::~Channel() { stop(); }

Status Channel::start() {
  if (st_->opt.listen.empty()) return {};
  std::vector<std::string> names = st_->opt.names;
  char host[256] = "";
  ::gethostname(host, sizeof host - 1);
  for (const std::string& n : {std::string("localhost"), std::string("127.0.0.1"), std::string("::1"), std::string(host)})
    names.push_back(n);
  auto sc = st_->svc.ca().server_cert(names, 397);
  if (!sc) return Error{"agents.listen: " + sc.error()};
  try {
    auto& t = st_->tls;
    t.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                  ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    t.use_certificate_chain(asio::buffer(sc->first));
    t.use_private_key(asio::buffer(sc->second), ssl::context::pem);
    t.add_certificate_authority(asio::buffer(st_->svc.ca().cert_pem()));
    // A client certificate is asked for and, when sent, must verify; enrolment comes without one.
    t.set_verify_mode(ssl::verify_peer);
    t.set_verify_callback([](bool ok, ssl::verify_context&) { return ok; });
    SSL_CTX_set_purpose(t.native_handle(), X509_PURPOSE_SSL_CLIENT);
    STACK_OF(X509_NAME)* cas = sk_X509_NAME_new_null();
    SSL_CTX_set_client_CA_list(t.native_handle(), cas);
  } catch (const std::exception& e) {
    return Error{std::string("agents.listen: TLS: ") + e.what()};
  }
  auto acc = ingest::open_acceptor(st_->io, st_->opt.listen, "agents.listen");
  if (!acc) return Error{acc.error()};
  st_->acc = std::move(*acc);
  st_->port = st_->acc->local_endpoint().port();
  accept(st_);
  spdlog::info("agent channel: mutual TLS on {} (CA fingerprint {})", st_->opt.listen, st_->svc.ca().fingerprint());
  return {};
}

void Channel::stop() {
  if (st_->stopping.exchange(true)) return;
  if (st_->acc) {
    beast::error_code ec;
    st_->acc->close(ec);
  }
  st_->pool.join();
}

uint16_t Channel::port() const { return st_->port; }
uint64_t Channel::refused_connections() const { return st_->refused; }

}  // namespace wardsec::fleet
