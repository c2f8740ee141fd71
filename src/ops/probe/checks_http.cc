// The HTTP(S) check: GET the URL, judge the status and the body, read the certificate's expiry.
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <ctime>
#include <optional>

#include "core/version.h"
#include "ops/probe/checks_impl.h"

namespace wardsec::ops::probe {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr size_t kBodyLimit = 1 << 20;

int64_t not_after(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (!cert) return 0;
  std::tm tm{};
  int64_t t = 0;
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) == 1) t = timegm(&tm);
  X509_free(cert);
  return t;
}

class HttpOp : public Op {
 public:
  HttpOp(asio::io_context& io, const Spec& s, Done d, std::shared_ptr<asio::ssl::context> tls)
      : Op(io, std::move(d)), s_(s), resolver_(io), tls_ctx_(std::move(tls)) {
    if (tls_ctx_)
      tls_.emplace(io, *tls_ctx_);
    else
      plain_.emplace(io);
    size_t p = s_.url.find('/', s_.url.find("://") + 3);
    target_ = p == std::string::npos ? "/" : s_.url.substr(p);
    target_ = target_.substr(0, target_.find('#'));
  }
  void start() {
    arm(s_.timeout_ms);
    auto self = std::static_pointer_cast<HttpOp>(shared_from_this());
    if (auto a = literal_address(s_.host)) return connect({tcp::endpoint(*a, static_cast<uint16_t>(s_.port))});
    resolver_.async_resolve(s_.host, std::to_string(s_.port),
                            [self](const boost::system::error_code& ec, const tcp::resolver::results_type& r) {
                              if (self->finished()) return;
                              if (ec) return self->fail("无法解析主机名 / cannot resolve " + self->s_.host + ": " + ec.message());
                              self->connect(std::vector<tcp::endpoint>(r.begin(), r.end()));
                            });
  }

 private:
  tcp::socket& socket() { return tls_ ? tls_->next_layer() : *plain_; }
  void cancel() override {
    boost::system::error_code ec;
    resolver_.cancel();
    socket().close(ec);
  }
  void connect(const std::vector<tcp::endpoint>& eps) {
    auto self = std::static_pointer_cast<HttpOp>(shared_from_this());
    asio::async_connect(socket(), eps, [self](const boost::system::error_code& ec, const tcp::endpoint&) {
      if (self->finished()) return;
      if (ec) return self->fail("连接失败 / cannot connect: " + ec.message());
      if (!self->tls_) return self->send();
      self->handshake();
    });
  }
  void handshake() {
    SSL* ssl = tls_->native_handle();
    if (!literal_address(s_.host)) SSL_set_tlsext_host_name(ssl, s_.host.c_str());
    if (s_.tls_verify) tls_->set_verify_callback(asio::ssl::host_name_verification(s_.host));
    auto self = std::static_pointer_cast<HttpOp>(shared_from_this());
    tls_->async_handshake(asio::ssl::stream_base::client, [self](const boost::system::error_code& ec) {
      if (self->finished()) return;
      SSL* ssl = self->tls_->native_handle();
      if (ec) {
        long v = SSL_get_verify_result(ssl);
        std::string why = v != X509_V_OK ? X509_verify_cert_error_string(v) : ec.message();
        return self->fail("TLS 握手失败 / TLS handshake failed: " + why);
      }
      self->cert_ = not_after(ssl);
      self->send();
    });
  }
  void send() {
    req_ = {http::verb::get, target_, 11};
    bool default_port = s_.port == (tls_ ? 443 : 80);
    bool v6 = s_.host.find(':') != std::string::npos;
    req_.set(http::field::host, (v6 ? "[" + s_.host + "]" : s_.host) + (default_port ? "" : ":" + std::to_string(s_.port)));
    req_.set(http::field::user_agent, std::string("wardsec-probe/") + kVersion);
    req_.set(http::field::connection, "close");
    auto self = std::static_pointer_cast<HttpOp>(shared_from_this());
    auto then = [self](const boost::system::error_code& ec, size_t) {
      if (self->finished()) return;
      if (ec) return self->fail("发送请求失败 / cannot send the request: " + ec.message());
      self->receive();
    };
    if (tls_)
      http::async_write(*tls_, req_, then);
    else
      http::async_write(*plain_, req_, then);
  }
  void receive() {
    parser_.body_limit(kBodyLimit);
    auto self = std::static_pointer_cast<HttpOp>(shared_from_this());
    auto then = [self](const boost::system::error_code& ec, size_t) {
      if (self->finished()) return;
      if (ec && ec != http::error::body_limit) return self->fail("读取应答失败 / cannot read the answer: " + ec.message());
      self->judge();
    };
    if (tls_)
      http::async_read(*tls_, buf_, parser_, then);
    else
      http::async_read(*plain_, buf_, parser_, then);
  }
  void judge() {
    const auto& res = parser_.get();
    int status = static_cast<int>(res.result_int());
    Outcome o;
    o.cert_not_after = cert_;
    o.detail = "HTTP " + std::to_string(status);
    if (s_.expect_status ? status != s_.expect_status : (status < 200 || status >= 400))
      o.error = "HTTP 状态 " + std::to_string(status) + "（期望 " + (s_.expect_status ? std::to_string(s_.expect_status) : "2xx/3xx") +
                "） / HTTP status " + std::to_string(status) + " (expected " +
                (s_.expect_status ? std::to_string(s_.expect_status) : "2xx/3xx") + ")";
    else if (!s_.expect_text.empty() && res.body().find(s_.expect_text) == std::string::npos)
      o.error = "页面不含期望内容 / the page does not hold the expected text";
    o.ok = o.error.empty();
    finish(std::move(o));
  }
  Spec s_;
  tcp::resolver resolver_;
  std::shared_ptr<asio::ssl::context> tls_ctx_;
  std::optional<asio::ssl::stream<tcp::socket>> tls_;
  std::optional<tcp::socket> plain_;
  std::string target_;
  int64_t cert_ = 0;
  http::request<http::empty_body> req_;
  boost::beast::flat_buffer buf_;
  http::response_parser<http::string_body> parser_;
};

}  // namespace

void run_http(Checks::Impl& c, const Spec& s, Done done) {
  std::shared_ptr<asio::ssl::context> tls;
  if (s.url.rfind("https://", 0) == 0) {
    std::string err;
    tls = c.tls_context(s.tls_verify, s.ca_file, err);
    if (!tls) {
      Outcome o;
      o.error = err;
      return done(std::move(o));
    }
  }
  std::make_shared<HttpOp>(c.io, s, std::move(done), std::move(tls))->start();
}

}  // namespace wardsec::ops::probe
