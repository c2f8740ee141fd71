// The checks themselves (运行监控 probes): one run of a probe, asynchronous on the prober's
// io_context, ending in exactly one Outcome — within the probe's timeout, whatever the target
// does. ICMP shares one socket for all probes; SNMP runs on a small pool of its own threads
// (net-snmp's single-session API); everything else is Boost.Asio (Beast and OpenSSL for HTTPS).
#pragma once
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ops/probe/neighbours.h"
#include "ops/probe/spec.h"

namespace wardsec::ops::probe {

struct Interface {
  int index = 0;
  std::string name;
  int oper = 0;  // ifOperStatus: 1 up, 2 down, 7 lowerLayerDown ...
  uint64_t in_octets = 0, out_octets = 0;
  bool counters = false;  // the 64-bit counters were read
};

struct Outcome {
  bool ok = false;
  double rtt_ms = 0;           // until the answer (or the failure)
  std::string error;           // why it failed
  std::string detail;          // what the target said: its version, status, answer
  int64_t cert_not_after = 0;  // https: the certificate's expiry, seconds since the epoch
  std::vector<Interface> interfaces;
  // snmp, on a run that walked the neighbour tables: whether they were read, and what they hold.
  bool neighbours_read = false;
  std::vector<Neighbour> neighbours;
};
using Done = std::function<void(Outcome)>;

class Checks {
 public:
  // `snmp_threads`: the SNMP pool's size (0: no SNMP; a probe of it fails saying so).
  Checks(boost::asio::io_context& io, int snmp_threads = 4);
  ~Checks();
  Checks(const Checks&) = delete;
  Checks& operator=(const Checks&) = delete;
  // One run; `done` is called once, on the io_context's thread. Call on that thread.
  void run(const Spec& s, Done done);
  void stop();  // ends the SNMP pool (pending SNMP runs fail)
  // How the ICMP socket was opened ("ping socket", "raw socket", or why neither).
  std::string icmp_mode() const;
  uint64_t snmp_dropped() const;  // SNMP runs refused because the pool's queue was full

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// The parts, one file each (checks_*.cc), on the shared Impl.
void run_stream(Checks::Impl& c, const Spec& s, Done done);  // tcp mysql postgresql tds
void run_dns(Checks::Impl& c, const Spec& s, Done done);
void run_http(Checks::Impl& c, const Spec& s, Done done);
void run_icmp(Checks::Impl& c, const Spec& s, Done done);
void run_snmp(Checks::Impl& c, const Spec& s, Done done);

}  // namespace wardsec::ops::probe
