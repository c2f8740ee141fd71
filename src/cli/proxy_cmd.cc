// `wardsec proxy`: a reverse proxy in front of a web server that inspects every request and
// detects or blocks attacks (docs/web.md).
#include <cstdio>

#include "cli/cli.h"
#include "proxy/proxy.h"

namespace wardsec::cli {

namespace {

struct ProxyArgs {
  std::string listen, upstream, mode, log, syslog;
};

int run_proxy(const Config& cfg, const ProxyArgs& a) {
  proxy::Options o = cfg.proxy;
  o.policy = cfg.web;
  if (!a.listen.empty()) o.listen = a.listen;
  if (!a.upstream.empty()) o.upstream = a.upstream;
  if (!a.mode.empty()) {
    if (a.mode != "detect" && a.mode != "block") {
      std::fprintf(stderr, "wardsec proxy: --mode is detect or block, not %s\n", a.mode.c_str());
      return 2;
    }
    o.block = a.mode == "block";
  }
  if (!a.log.empty()) o.log_file = a.log;
  if (!a.syslog.empty()) o.syslog = a.syslog;
  if (o.upstream.empty()) {
    std::fprintf(stderr, "wardsec proxy: no upstream (--upstream host:port, or proxy.upstream in the config)\n");
    return 2;
  }
  return proxy::run(o);
}

}  // namespace

void add_proxy_command(Cli& cli) {
  auto a = std::make_shared<ProxyArgs>();
  auto* px = cli.command(nullptr, "proxy", "reverse proxy in front of a web server: inspect every request, detect or block attacks",
                         [a](Config& cfg) { return run_proxy(cfg, *a); });
  px->add_option("--listen", a->listen, "address to listen on (default 127.0.0.1:8088)");
  px->add_option("--upstream", a->upstream, "the web server, host:port (HTTP)");
  px->add_option("--mode", a->mode, "detect (report only) or block (403); per-route modes in the config's proxy.routes");
  px->add_option("--log", a->log, "append findings as JSON access-log lines to this file");
  px->add_option("--syslog", a->syslog, "send findings to this syslog receiver (UDP host:port), e.g. the wardsec server");
}

}  // namespace wardsec::cli
