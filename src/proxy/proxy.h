// `wardsec proxy`: a reverse proxy (Boost.Beast) in front of one upstream web server that
// inspects every request with the web-attack inspector and, per route, only reports
// (detect) or refuses attacks with 403 (block). Every request with a finding, and every
// refused one, is written as one line of wardsec's JSON access-log format (with the verdict)
// to a log file and/or a syslog receiver, so that the management center stores and alerts
// on it like any other web log. Malformed requests get 400 and are reported, never dropped.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "web/inspect.h"

namespace wardsec::proxy {

struct RouteMode {
  std::string path_prefix;
  bool block = false;
};

struct Options {
  std::string listen = "127.0.0.1:8088";
  std::string upstream;              // host:port (HTTP)
  bool block = false;                // default mode: detect
  std::vector<RouteMode> routes;     // longest prefix wins
  std::string log_file;              // JSON lines; "" = none
  std::string syslog;                // udp host:port of a wardsec (or any syslog) receiver; "" = none
  size_t max_connections = 1024;     // over this, new connections get 503
  size_t max_body = 16u << 20;       // request body limit (413 over it)
  size_t max_response = 256u << 20;  // upstream response limit (502 over it)
  int timeout_sec = 60;
  web::Policy policy;
};

struct Stats {
  std::atomic<uint64_t> requests{0}, attacks{0}, blocked{0}, malformed{0}, upstream_errors{0}, refused_busy{0};
};

// Runs until SIGINT/SIGTERM. Returns a process exit code; errors (cannot listen, no
// upstream) are printed naming what.
int run(const Options& opt);

}  // namespace wardsec::proxy
