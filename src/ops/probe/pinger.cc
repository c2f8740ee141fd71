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
  id_ = static_cast<uint16_t>(std::random_device{}());
  open(v4_, false);
  open(v6_, true);
}

void Pinger::open(Family& f, bool v6) {
  f.v6 = v6;
  int af = v6 ? AF_INET6 : AF_INET, proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
  int fd = ::socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
  if (fd >= 0) {
    f.mode = "ping socket";
  } else {
    int dgram_errno = errno;
    fd = ::socket(af, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
    if (fd < 0) {
      f.mode = std::string("unavailable: ping sockets (") + std::strerror(dgram_errno) + ") and raw sockets (" + std::strerror(errno) +
               "); allow net.ipv4.ping_group_range for the service's group or grant CAP_NET_RAW";
      return;
    }
    f.raw = true;
    f.mode = "raw socket";
  }
  f.sock = std::make_unique<asio::posix::stream_descriptor>(io_, fd);
  receive(f);
}

Pinger::~Pinger() { stop(); }

void Pinger::stop() {
  for (Family* f : {&v4_, &v6_})
    if (f->sock) {
      boost::system::error_code ec;
      f->sock->close(ec);
    }
}

void Pinger::ping(const asio::ip::address& addr, int timeout_ms, Done done) {
  auto fail = [&](const std::string& why) {
    Outcome o;
    o.error = why;
    asio::post(io_, [done = std::move(done), o = std::move(o)]() mutable { done(std::move(o)); });
  };
  Family& f = addr.is_v6() ? v6_ : v4_;
  if (!f.sock) return fail(std::string("ICMP") + (f.v6 ? "v6" : "") + " 不可用 / ICMP " + f.mode);
  if (pending_.size() >= 60000) return fail("ICMP 待应答过多 / too many echoes in flight");
  uint16_t seq = ++seq_;
  while (pending_.count(seq)) seq = ++seq_;
  std::string pkt = f.v6 ? icmp6_echo(id_, seq, "wardsec-probe") : icmp_echo(id_, seq, "wardsec-probe");
  ssize_t sent;
  if (f.v6) {
    sockaddr_in6 to{};
    to.sin6_family = AF_INET6;
    auto b = addr.to_v6().to_bytes();
    std::memcpy(&to.sin6_addr, b.data(), b.size());
    to.sin6_scope_id = addr.to_v6().scope_id();
    sent = ::sendto(f.sock->native_handle(), pkt.data(), pkt.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  } else {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(addr.to_v4().to_uint());
    sent = ::sendto(f.sock->native_handle(), pkt.data(), pkt.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  }
  if (sent < 0) return fail(std::string("发送失败 / cannot send: ") + std::strerror(errno));
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

void Pinger::receive(Family& f) {
  f.sock->async_wait(asio::posix::stream_descriptor::wait_read, [this, &f](const boost::system::error_code& ec) {
    if (ec) return;
    char buf[2048];
    for (int n = 0; n < 256; n++) {
      sockaddr_storage from{};
      socklen_t fl = sizeof from;
      ssize_t got = ::recvfrom(f.sock->native_handle(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fl);
      if (got < 0) break;
      // IPv4 raw sockets hand over the IP header; ICMPv6 sockets never do.
      auto r = read_icmp(std::string_view(buf, static_cast<size_t>(got)), f.raw && !f.v6);
      if (!r || r->type != (f.v6 ? 129 : 0)) continue;  // not an echo reply (a raw socket also sees requests)
      if (f.raw && r->id != id_) continue;              // another program's ping
      auto it = pending_.find(r->seq);
      if (it == pending_.end()) continue;
      asio::ip::address src;
      if (from.ss_family == AF_INET6) {
        const auto* s6 = reinterpret_cast<const sockaddr_in6*>(&from);
        asio::ip::address_v6::bytes_type b;
        std::memcpy(b.data(), &s6->sin6_addr, b.size());
        src = asio::ip::address_v6(b, it->second.addr.is_v6() ? it->second.addr.to_v6().scope_id() : 0);
      } else if (from.ss_family == AF_INET) {
        src = asio::ip::address_v4(ntohl(reinterpret_cast<const sockaddr_in*>(&from)->sin_addr.s_addr));
      }
      if (src != it->second.addr) continue;
      Outcome o;
      o.ok = true;
      o.detail = "echo reply";
      finish(r->seq, std::move(o));
    }
    receive(f);
  });
}

void run_icmp(Checks::Impl& c, const Spec& s, Done done) {
  auto a = literal_address(s.host);
  if (a) return c.pinger->ping(*a, s.timeout_ms, std::move(done));
  auto resolver = std::make_shared<asio::ip::udp::resolver>(c.io);
  Checks::Impl* cp = &c;
  int timeout = s.timeout_ms;
  std::string host = s.host;
  resolver->async_resolve(host, "",
                          [resolver, cp, timeout, host, done = std::move(done)](const boost::system::error_code& ec,
                                                                                const asio::ip::udp::resolver::results_type& r) mutable {
                            if (ec || r.empty()) {
                              Outcome o;
                              o.error = "无法解析主机名 / cannot resolve " + host + (ec ? ": " + ec.message() : "");
                              return done(std::move(o));
                            }
                            // An IPv4 address when the name has one, else its IPv6 address.
                            auto pick = r.begin()->endpoint().address();
                            for (const auto& e : r)
                              if (e.endpoint().address().is_v4()) {
                                pick = e.endpoint().address();
                                break;
                              }
                            cp->pinger->ping(pick, timeout, std::move(done));
                          });
}

}  // namespace wardsec::ops::probe
