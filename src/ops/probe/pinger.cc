#include "ops/probe/pinger.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/ip/udp.hpp>
#include <cerrno>
#include <cstring>
#include <random>

#include "ops/probe/checks_impl.h"
#include "ops/probe/wire.h"

namespace wardsec::ops::probe {

namespace asio = boost::asio;

Pinger::Pinger(asio::io_context& io) : io_(io) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
  if (fd >= 0) {
    mode_ = "ping socket";
  } else {
    int dgram_errno = errno;
    fd = ::socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
    if (fd < 0) {
      mode_ = std::string("unavailable: ping sockets (") + std::strerror(dgram_errno) + ") and raw sockets (" + std::strerror(errno) +
              "); allow net.ipv4.ping_group_range for the service's group or grant CAP_NET_RAW";
      return;
    }
    raw_ = true;
    mode_ = "raw socket";
  }
  sock_ = std::make_unique<asio::posix::stream_descriptor>(io, fd);
  id_ = static_cast<uint16_t>(std::random_device{}());
  receive();
}

Pinger::~Pinger() { stop(); }

void Pinger::stop() {
  if (sock_) {
    boost::system::error_code ec;
    sock_->close(ec);
  }
}

void Pinger::ping(uint32_t addr, int timeout_ms, Done done) {
  auto fail = [&](const std::string& why) {
    Outcome o;
    o.error = why;
    asio::post(io_, [done = std::move(done), o = std::move(o)]() mutable { done(std::move(o)); });
  };
  if (!sock_) return fail("ICMP 不可用 / ICMP " + mode_);
  if (pending_.size() >= 60000) return fail("ICMP 待应答过多 / too many echoes in flight");
  uint16_t seq = ++seq_;
  while (pending_.count(seq)) seq = ++seq_;
  std::string pkt = icmp_echo(id_, seq, "wardsec-probe");
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = addr;
  if (::sendto(sock_->native_handle(), pkt.data(), pkt.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0)
    return fail(std::string("发送失败 / cannot send: ") + std::strerror(errno));
  auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(timeout_ms));
  pending_[seq] = {addr, std::chrono::steady_clock::now(), timer, std::move(done)};
  timer->async_wait([this, seq, timeout_ms](const boost::system::error_code& ec) {
    if (ec) return;
    Outcome o;
    o.error = "无应答（超时 " + std::to_string(timeout_ms) + " ms） / no echo reply within " + std::to_string(timeout_ms) + " ms";
    finish(seq, std::move(o));
  });
}

void Pinger::finish(uint16_t seq, Outcome o) {
  auto it = pending_.find(seq);
  if (it == pending_.end()) return;
  Pending p = std::move(it->second);
  pending_.erase(it);
  p.timer->cancel();
  o.rtt_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - p.t0).count();
  p.done(std::move(o));
}

void Pinger::receive() {
  sock_->async_wait(asio::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& ec) {
    if (ec) return;
    char buf[2048];
    for (int n = 0; n < 256; n++) {
      sockaddr_in from{};
      socklen_t fl = sizeof from;
      ssize_t got = ::recvfrom(sock_->native_handle(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fl);
      if (got < 0) break;
      auto r = read_icmp(std::string_view(buf, static_cast<size_t>(got)), raw_);
      if (!r || r->type != 0) continue;    // not an echo reply (a raw socket also sees requests)
      if (raw_ && r->id != id_) continue;  // another program's ping
      auto it = pending_.find(r->seq);
      if (it == pending_.end() || it->second.addr != from.sin_addr.s_addr) continue;
      Outcome o;
      o.ok = true;
      o.detail = "echo reply";
      finish(r->seq, std::move(o));
    }
    receive();
  });
}

void run_icmp(Checks::Impl& c, const Spec& s, Done done) {
  auto a = literal_address(s.host);
  if (a && a->is_v4()) return c.pinger->ping(htonl(a->to_v4().to_uint()), s.timeout_ms, std::move(done));
  if (a) {
    Outcome o;
    o.error = "ICMP 探测仅支持 IPv4 / ICMP probes are IPv4 only";
    return done(std::move(o));
  }
  auto resolver = std::make_shared<asio::ip::udp::resolver>(c.io);
  Checks::Impl* cp = &c;
  int timeout = s.timeout_ms;
  std::string host = s.host;
  resolver->async_resolve(asio::ip::udp::v4(), host, "",
                          [resolver, cp, timeout, host, done = std::move(done)](const boost::system::error_code& ec,
                                                                                const asio::ip::udp::resolver::results_type& r) mutable {
                            if (ec || r.empty()) {
                              Outcome o;
                              o.error = "无法解析主机名 / cannot resolve " + host + (ec ? ": " + ec.message() : "");
                              return done(std::move(o));
                            }
                            cp->pinger->ping(htonl(r.begin()->endpoint().address().to_v4().to_uint()), timeout, std::move(done));
                          });
}

}  // namespace wardsec::ops::probe
