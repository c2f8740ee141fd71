// What the check files share (private to ops/probe): the io_context, the ICMP socket, the TLS
// contexts, the SNMP pool, and Op — a run's deadline and its one call of `done`.
#pragma once
#include <atomic>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "ops/probe/checks.h"

namespace wardsec::ops::probe {

class Pinger;
class SnmpPool;

struct Checks::Impl {
  boost::asio::io_context& io;
  std::unique_ptr<Pinger> pinger;
  std::unique_ptr<SnmpPool> snmp;
  std::map<std::pair<bool, std::string>, std::shared_ptr<boost::asio::ssl::context>> tls;  // by (verify, CA file)
  explicit Impl(boost::asio::io_context& i);
  ~Impl();
  std::shared_ptr<boost::asio::ssl::context> tls_context(bool verify, const std::string& ca_file, std::string& err);
};

// A run in flight: its deadline and its single ending. `cancel` is what the deadline does to
// the run's I/O (close its socket), after which the outcome is the timeout's.
class Op : public std::enable_shared_from_this<Op> {
 public:
  Op(boost::asio::io_context& io, Done d) : timer_(io), done_(std::move(d)), t0_(std::chrono::steady_clock::now()) {}
  virtual ~Op() = default;
  void arm(int timeout_ms) {
    timer_.expires_after(std::chrono::milliseconds(timeout_ms));
    timer_.async_wait([self = shared_from_this(), timeout_ms](const boost::system::error_code& ec) {
      if (ec || self->finished_) return;
      self->cancel();
      Outcome o;
      o.error = "无应答（超时 " + std::to_string(timeout_ms) + " ms） / no answer within " + std::to_string(timeout_ms) + " ms";
      self->finish(std::move(o));
    });
  }
  void finish(Outcome o) {
    if (finished_) return;
    finished_ = true;
    timer_.cancel();
    o.rtt_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0_).count();
    done_(std::move(o));
  }
  void fail(const std::string& why) {
    Outcome o;
    o.error = why;
    finish(std::move(o));
  }
  bool finished() const { return finished_; }

 protected:
  virtual void cancel() {}

 private:
  boost::asio::steady_timer timer_;
  Done done_;
  std::chrono::steady_clock::time_point t0_;
  bool finished_ = false;
};

// An address from text without a lookup, when it is one.
inline std::optional<boost::asio::ip::address> literal_address(const std::string& host) {
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(host, ec);
  if (ec) return std::nullopt;
  return a;
}

}  // namespace wardsec::ops::probe
