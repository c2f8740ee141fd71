#include "ops/probe/checks.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <random>

#include "ops/probe/checks_impl.h"
#include "ops/probe/pinger.h"
#include "ops/probe/snmp_pool.h"
#include "ops/probe/wire.h"

namespace wardsec::ops::probe {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using udp = asio::ip::udp;

Checks::Impl::Impl(asio::io_context& i) : io(i) {}
Checks::Impl::~Impl() = default;

Checks::Checks(asio::io_context& io, int snmp_threads) : impl_(std::make_unique<Impl>(io)) {
  impl_->pinger = std::make_unique<Pinger>(io);
  if (snmp_threads > 0) impl_->snmp = std::make_unique<SnmpPool>(io, snmp_threads);
}

Checks::~Checks() { stop(); }

void Checks::stop() {
  if (impl_->snmp) impl_->snmp->stop();
  impl_->pinger->stop();
}

std::string Checks::icmp_mode() const { return impl_->pinger->mode(); }
uint64_t Checks::snmp_dropped() const { return impl_->snmp ? impl_->snmp->dropped() : 0; }

void Checks::run(const Spec& s, Done done) {
  if (s.kind == "icmp") return run_icmp(*impl_, s, std::move(done));
  if (s.kind == "http") return run_http(*impl_, s, std::move(done));
  if (s.kind == "dns") return run_dns(*impl_, s, std::move(done));
  if (s.kind == "snmp") return run_snmp(*impl_, s, std::move(done));
  run_stream(*impl_, s, std::move(done));
}

std::shared_ptr<asio::ssl::context> Checks::Impl::tls_context(bool verify, const std::string& ca_file, std::string& err) {
  auto& c = tls[{verify, ca_file}];
  if (c) return c;
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  ctx->set_options(asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1);
  boost::system::error_code ec;
  if (ca_file.empty())
    ctx->set_default_verify_paths(ec);
  else
    ctx->load_verify_file(ca_file, ec);
  if (ec && verify) {
    err = "CA 文件无法读取 / cannot read the CA file " + ca_file + ": " + ec.message();
    tls.erase({verify, ca_file});
    return nullptr;
  }
  ctx->set_verify_mode(verify ? asio::ssl::verify_peer : asio::ssl::verify_none);
  c = ctx;
  return c;
}

namespace {

// A TCP run: connect, then (for the databases) send the opening message and read the first
// answer whole, which the kind's reader judges.
class StreamOp : public Op {
 public:
  StreamOp(asio::io_context& io, const Spec& s, Done d) : Op(io, std::move(d)), sock_(io), resolver_(io), s_(s) {}
  void start() {
    arm(s_.timeout_ms);
    auto self = std::static_pointer_cast<StreamOp>(shared_from_this());
    if (auto a = literal_address(s_.host)) {
      std::vector<tcp::endpoint> eps{{*a, static_cast<uint16_t>(s_.effective_port())}};
      return connect(eps);
    }
    resolver_.async_resolve(s_.host, std::to_string(s_.effective_port()),
                            [self](const boost::system::error_code& ec, const tcp::resolver::results_type& r) {
                              if (self->finished()) return;
                              if (ec) return self->fail("无法解析主机名 / cannot resolve " + self->s_.host + ": " + ec.message());
                              std::vector<tcp::endpoint> eps(r.begin(), r.end());
                              self->connect(eps);
                            });
  }

 private:
  void cancel() override {
    boost::system::error_code ec;
    resolver_.cancel();
    sock_.close(ec);
  }
  void connect(const std::vector<tcp::endpoint>& eps) {
    auto self = std::static_pointer_cast<StreamOp>(shared_from_this());
    asio::async_connect(sock_, eps, [self](const boost::system::error_code& ec, const tcp::endpoint&) {
      if (self->finished()) return;
      if (ec) return self->fail("连接失败 / cannot connect: " + ec.message());
      self->opened();
    });
  }
  void opened() {
    const auto& k = s_.kind;
    if (k == "tcp") {
      Outcome o;
      o.ok = true;
      o.detail = "connected";
      return finish(std::move(o));
    }
    if (k == "mysql") return read();  // the server speaks first
    out_ = k == "postgresql" ? pg_startup(s_.db_user, s_.db_name) : tds_prelogin();
    auto self = std::static_pointer_cast<StreamOp>(shared_from_this());
    asio::async_write(sock_, asio::buffer(out_), [self](const boost::system::error_code& ec, size_t) {
      if (self->finished()) return;
      if (ec) return self->fail("发送失败 / cannot send: " + ec.message());
      self->read();
    });
  }
  size_t frame() const {
    if (s_.kind == "mysql") return mysql_frame(buf_);
    if (s_.kind == "postgresql") return pg_frame(buf_);
    return tds_frame(buf_);
  }
  void read() {
    size_t want = frame();
    if (want && buf_.size() >= want) return judge(std::string_view(buf_).substr(0, want));
    if (want > kMax || buf_.size() >= kMax) return fail("应答过长 / the first answer is longer than 64 KiB: not a " + s_.kind + " server");
    auto self = std::static_pointer_cast<StreamOp>(shared_from_this());
    sock_.async_read_some(asio::buffer(chunk_), [self](const boost::system::error_code& ec, size_t n) {
      if (self->finished()) return;
      self->buf_.append(self->chunk_.data(), n);
      if (ec) {
        size_t want = self->frame();
        if (want && self->buf_.size() >= want) return self->judge(std::string_view(self->buf_).substr(0, want));
        return self->fail(self->buf_.empty() ? "服务器关闭了连接 / the server closed the connection: " + ec.message()
                                             : "应答不完整 / the answer is cut short: " + ec.message());
      }
      self->read();
    });
  }
  void judge(std::string_view pkt) {
    auto h = s_.kind == "mysql" ? read_mysql(pkt) : s_.kind == "postgresql" ? read_pg(pkt) : read_tds(pkt);
    Outcome o;
    if (!h) {
      o.error = h.error();
      return finish(std::move(o));
    }
    o.ok = h->up;
    o.detail = h->version.empty() ? h->message : h->version + (h->message.empty() ? "" : " " + h->message);
    if (!h->up) o.error = "数据库拒绝连接 / the database refuses connections: " + h->message;
    finish(std::move(o));
  }
  static constexpr size_t kMax = 64 * 1024;
  tcp::socket sock_;
  tcp::resolver resolver_;
  Spec s_;
  std::string out_, buf_;
  std::array<char, 4096> chunk_{};
};

// A DNS run: one UDP query to the server, the answer with the query's id judged.
class DnsOp : public Op {
 public:
  DnsOp(asio::io_context& io, const Spec& s, Done d) : Op(io, std::move(d)), sock_(io), s_(s) {}
  void start(uint16_t id) {
    id_ = id;
    arm(s_.timeout_ms);
    auto a = literal_address(s_.host);
    if (!a) return fail("DNS 服务器须写地址 / the DNS server must be given as an address: " + s_.host);
    auto q = dns_query(id, s_.dns_name, s_.dns_type == "AAAA" ? 28 : 1);
    if (!q) return fail(q.error());
    query_ = std::move(*q);
    udp::endpoint to(*a, static_cast<uint16_t>(s_.effective_port()));
    boost::system::error_code ec;
    sock_.open(to.protocol(), ec);
    if (!ec) sock_.connect(to, ec);
    if (ec) return fail("无法打开套接字 / cannot open a socket: " + ec.message());
    auto self = std::static_pointer_cast<DnsOp>(shared_from_this());
    sock_.async_send(asio::buffer(query_), [self](const boost::system::error_code& ec, size_t) {
      if (self->finished()) return;
      if (ec) return self->fail("发送失败 / cannot send: " + ec.message());
      self->receive();
    });
  }

 private:
  void cancel() override {
    boost::system::error_code ec;
    sock_.close(ec);
  }
  void receive() {
    auto self = std::static_pointer_cast<DnsOp>(shared_from_this());
    sock_.async_receive(asio::buffer(buf_), [self](const boost::system::error_code& ec, size_t n) {
      if (self->finished()) return;
      if (ec) return self->fail("无应答 / no answer: " + ec.message());
      auto a = read_dns(std::string_view(self->buf_.data(), n));
      if (!a) return self->fail(a.error());
      if (a->id != self->id_) return self->receive();  // a stray or forged answer: keep waiting
      self->judge(*a);
    });
  }
  void judge(const DnsAnswer& a) {
    Outcome o;
    std::string addrs;
    for (const auto& x : a.addresses) addrs += (addrs.empty() ? "" : ",") + x;
    o.detail = std::string(dns_rcode_name(a.rcode)) + (addrs.empty() ? "" : " " + addrs);
    if (a.rcode != 0)
      o.error = "解析失败 / the name did not resolve: " + std::string(dns_rcode_name(a.rcode));
    else if (a.addresses.empty())
      o.error = "无 " + s_.dns_type + " 记录 / no " + s_.dns_type + " record" + (a.truncated ? " (truncated)" : "");
    else if (!s_.expect_address.empty() && std::find(a.addresses.begin(), a.addresses.end(), s_.expect_address) == a.addresses.end())
      o.error = "解析结果不含 " + s_.expect_address + " / the answer does not hold " + s_.expect_address + ": " + addrs;
    o.ok = o.error.empty();
    finish(std::move(o));
  }
  udp::socket sock_;
  Spec s_;
  uint16_t id_ = 0;
  std::string query_;
  std::array<char, 4096> buf_{};
};

}  // namespace

void run_stream(Checks::Impl& c, const Spec& s, Done done) { std::make_shared<StreamOp>(c.io, s, std::move(done))->start(); }

void run_dns(Checks::Impl& c, const Spec& s, Done done) {
  thread_local std::mt19937 rng{std::random_device{}()};
  std::make_shared<DnsOp>(c.io, s, std::move(done))->start(static_cast<uint16_t>(rng()));
}

}  // namespace wardsec::ops::probe
