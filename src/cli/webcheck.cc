#include "cli/webcheck.h"

#include "cli/cli.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/strutil.h"
#include "capture/pcap.h"
#include "core/timeutil.h"
#include "web/request.h"
#include "web/stream.h"

#include <atomic>
#include <csignal>

namespace wardsec {

namespace {

void print(const web::Verdict& v, const web::Request& r, const std::string& format, const std::string& key, const nlohmann::json& where) {
  if (format == "json") {
    auto j = nlohmann::json::parse(web::verdict_json_fields(v));
    j[key] = where;
    j["method"] = r.method;
    j["target"] = r.target;
    if (!r.source_ip.empty()) j["source.ip"] = r.source_ip;
    std::puts(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return;
  }
  std::string w = where.is_string() ? where.get<std::string>() : where.dump();
  std::string line = key + " " + w + "  " + v.verdict;
  if (!v.classes.empty()) {
    line += "  ";
    for (size_t i = 0; i < v.classes.size(); i++) line += (i ? "," : "") + v.classes[i];
  }
  if (!v.findings.empty()) {
    const auto& f = v.findings.front();
    line += "  [" + f.kind + " in " + f.where + (f.param.empty() ? "" : " " + f.param) + ", " + std::to_string(f.confidence) + "] " +
            f.fragment;
  }
  if (!v.malformed_reason.empty()) line += "  " + v.malformed_reason;
  // One request, one line: control characters of the evidence are shown escaped.
  std::string out;
  for (unsigned char c : line) {
    if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else if (c < 0x20 || c == 0x7f)
      out += "\\x" + hex(&c, 1);
    else
      out.push_back(static_cast<char>(c));
  }
  line = std::move(out);
  std::puts(line.c_str());
}

}  // namespace

int run_webcheck(const std::vector<std::string>& files, bool raw, const std::string& format, const web::Policy& policy) {
  if (format != "json" && format != "text") {
    std::fprintf(stderr, "wardsec webcheck: --format is json or text, not %s\n", format.c_str());
    return 2;
  }
  web::Inspector insp(policy);
  size_t attacks = 0, total = 0, malformed = 0;
  int rc = 0;
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    if (path != "-" && !in) {
      std::fprintf(stderr, "wardsec webcheck: cannot read %s\n", path.c_str());
      rc = 2;
      continue;
    }
    std::istream& is = path == "-" ? std::cin : in;
    if (raw) {
      std::ostringstream ss;
      ss << is.rdbuf();
      auto r = web::parse_raw(ss.str());
      auto v = insp.inspect(r);
      total++;
      attacks += v.verdict == "attack";
      malformed += v.verdict == "malformed";
      print(v, r, format, "file", path);
      continue;
    }
    std::string line;
    size_t n = 0;
    while (std::getline(is, line)) {
      n++;
      if (trim(line).empty()) continue;
      auto r = web::parse_log_line(line);
      web::Verdict v;
      web::Request req;
      if (!r) {
        // Not an access-log line at all: reported, never skipped silently.
        req.malformed = true;
        req.malformed_reason = "not an access-log line (combined format or wardsec JSON)";
        v.verdict = "malformed";
        v.malformed_reason = req.malformed_reason;
      } else {
        req = std::move(*r);
        v = insp.inspect(req);
      }
      total++;
      attacks += v.verdict == "attack";
      malformed += v.verdict == "malformed";
      nlohmann::json where = n;
      print(v, req, format, "line", where);
    }
  }
  std::fprintf(stderr, "%zu requests, %zu attacks, %zu malformed\n", total, attacks, malformed);
  return rc;
}

namespace {
std::atomic<bool> g_stop_capture{false};
}

int run_webcheck_capture(const std::string& pcap_file, const std::string& interface, const std::string& filter, const std::string& format,
                         const web::Policy& policy) {
  if (format != "json" && format != "text") {
    std::fprintf(stderr, "wardsec webcheck: --format is json or text, not %s\n", format.c_str());
    return 2;
  }
  web::Inspector insp(policy);
  size_t n = 0, attacks = 0, malformed = 0, incomplete = 0;
  capture::Reassembler reasm(web::http_request_factory([&](web::StreamRequest&& sr) {
    n++;
    auto r = web::parse_raw(sr.raw);
    r.source_ip = sr.client.ip;
    auto v = insp.inspect(r, sr.ts);
    attacks += v.verdict == "attack";
    malformed += v.verdict == "malformed";
    incomplete += sr.incomplete;
    nlohmann::json where = {{"client", sr.client.ip + ":" + std::to_string(sr.client.port)},
                            {"server", sr.server.ip + ":" + std::to_string(sr.server.port)},
                            {"time", format_rfc3339(sr.ts)},
                            {"incomplete", sr.incomplete}};
    if (format == "json") {
      auto j = nlohmann::json::parse(web::verdict_json_fields(v));
      j["request"] = n;
      j["flow"] = where;
      j["method"] = r.method;
      j["target"] = r.target;
      j["source.ip"] = sr.client.ip;
      std::puts(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    } else {
      print(v, r, format, "request",
            std::to_string(n) + " " + where["client"].get<std::string>() + " -> " + where["server"].get<std::string>());
    }
  }));
  capture::CaptureOptions co;
  co.file = pcap_file;
  co.interface = interface;
  co.filter = filter;
  capture::PacketStats ps;
  std::signal(SIGINT, [](int) { g_stop_capture = true; });
  std::signal(SIGTERM, [](int) { g_stop_capture = true; });
  auto st = capture::capture(co, reasm, ps, [] { return g_stop_capture.load(); });
  std::fflush(stdout);
  const auto& rs = reasm.stats();
  std::fprintf(stderr,
               "%llu packets (%llu tcp, %llu malformed, %llu fragments), %llu flows (%llu joined mid-stream), %llu retransmitted bytes, "
               "%llu gaps; %zu requests, %zu attacks, %zu malformed, %zu incomplete\n",
               (unsigned long long)ps.packets, (unsigned long long)ps.tcp, (unsigned long long)ps.malformed,
               (unsigned long long)ps.fragments, (unsigned long long)rs.flows, (unsigned long long)rs.midstream,
               (unsigned long long)rs.retransmitted_bytes, (unsigned long long)rs.gaps, n, attacks, malformed, incomplete);
  if (!st.ok()) {
    std::fprintf(stderr, "wardsec webcheck: %s\n", st.error().c_str());
    return 1;
  }
  return 0;
}

namespace cli {

void add_webcheck_command(Cli& cli) {
  struct Args {
    std::vector<std::string> files;
    bool raw = false;
    std::string format = "text", pcap, interface, filter;
  };
  auto a = std::make_shared<Args>();
  auto* wc =
      cli.command(nullptr, "webcheck", "inspect access-log lines (or raw HTTP requests with --raw) for web attacks", [a](Config& cfg) {
        if (!a->pcap.empty() || !a->interface.empty()) return run_webcheck_capture(a->pcap, a->interface, a->filter, a->format, cfg.web);
        if (a->files.empty()) {
          std::fprintf(stderr,
                       "wardsec webcheck: name access-log files (or - for stdin), raw requests with --raw, or --pcap/--interface\n");
          return 2;
        }
        return run_webcheck(a->files, a->raw, a->format, cfg.web);
      });
  wc->add_option("files", a->files, "access logs (combined or wardsec JSON format), or raw requests with --raw; - for stdin");
  wc->add_flag("--raw", a->raw, "each file is one raw HTTP/1.1 request");
  wc->add_option("--format", a->format, "text or json (one object per request)");
  wc->add_option("--pcap", a->pcap, "read mirrored traffic from this pcap file instead of files (HTTP/1.1 requests reassembled)");
  wc->add_option("--interface", a->interface, "capture mirrored traffic live on this interface (until Ctrl-C)");
  wc->add_option("--filter", a->filter, "BPF filter for --pcap/--interface, e.g. 'tcp port 80'");
}

}  // namespace cli

}  // namespace wardsec
