// 系统状态: the center's health as a hospital's system administrator reads it — processor,
// memory, disk and the days of storage left, what came in and what was lost, the store's
// integrity with its last background check, the console certificate's expiry, whether the
// clock is synchronized, and the version — each with a verdict (ok, warn, bad), from the
// pipeline's counters, the center's own (extra_metrics) and the system (/proc, statvfs,
// adjtimex, the certificate file).
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/statvfs.h>
#include <sys/timex.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>

#include "core/timeutil.h"
#include "core/version.h"
#include "server/api.h"

namespace wardsec::server {

namespace {

using json = nlohmann::json;

const char* verdict(bool bad, bool warn) { return bad ? "bad" : warn ? "warn" : "ok"; }

const double kStartWall = static_cast<double>(now_ns()) / 1e9;  // about when the process started

// The process's processor share since the previous call (all cores = 100 × cores).
double process_cpu_percent() {
  static std::mutex mu;
  static double last_cpu = 0, last_wall = kStartWall;  // the first answer: the average since start
  std::ifstream f("/proc/self/stat");
  std::string line;
  std::getline(f, line);
  auto close = line.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream in(line.substr(close + 2));
  std::string x;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> x; i++)
    if (i == 14)
      utime = std::stoull(x);
    else if (i == 15)
      stime = std::stoull(x);
  double cpu = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  double wall = static_cast<double>(now_ns()) / 1e9;
  std::lock_guard lk(mu);
  double pct = 0;
  if (wall > last_wall) pct = 100.0 * (cpu - last_cpu) / (wall - last_wall);
  last_cpu = cpu;
  last_wall = wall;
  return pct;
}

uint64_t meminfo(const char* key) {  // kB in /proc/meminfo -> bytes
  std::ifstream f("/proc/meminfo");
  std::string k;
  uint64_t v = 0;
  std::string unit;
  while (f >> k >> v) {
    std::getline(f, unit);
    if (k == key) return v * 1024;
  }
  return 0;
}

uint64_t rss_bytes() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  return 0;
}

json certificate(const HttpOptions& o) {
  std::string path = o.tls_cert.empty() ? o.key_dir + "/tls.crt" : o.tls_cert;
  json c = {{"file", path}, {"self_signed", o.tls_cert.empty()}};
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) {
    c["error"] = "cannot read " + path;
    c["status"] = "bad";
    return c;
  }
  X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (!x) {
    c["error"] = "not a PEM certificate: " + path;
    c["status"] = "bad";
    return c;
  }
  int days = 0, secs = 0;
  ASN1_TIME_diff(&days, &secs, nullptr, X509_get0_notAfter(x));
  char subject[256] = "";
  X509_NAME_oneline(X509_get_subject_name(x), subject, sizeof subject);
  struct tm t {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &t) == 1) c["not_after"] = format_rfc3339(static_cast<int64_t>(timegm(&t)) * kSec);
  X509_free(x);
  c["subject"] = subject;
  c["days_left"] = days;
  c["status"] = verdict(days < 7, days < 30);
  return c;
}

// The kernel's view of the clock discipline (NTP, chrony or systemd-timesyncd all set it).
json clock_sync() {
  struct timex tx {};
  int state = adjtimex(&tx);
  bool synced = state != TIME_ERROR && !(tx.status & STA_UNSYNC);
  return {{"synchronized", synced}, {"max_error_ms", tx.maxerror / 1000.0}, {"status", verdict(false, !synced)}};
}

Response status(Api& api, Request&) {
  json m = json::parse(api.metrics_json(), nullptr, false);
  if (!m.is_object()) m = json::object();
  auto num = [&](const char* k) { return m.contains(k) && m[k].is_number() ? m[k].get<double>() : 0.0; };
  auto u64 = [&](const char* k) { return m.contains(k) && m[k].is_number_unsigned() ? m[k].get<uint64_t>() : uint64_t{0}; };
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  double load1 = 0;
  if (std::ifstream lf("/proc/loadavg"); lf) lf >> load1;
  double cpu = process_cpu_percent();
  uint64_t mem_total = meminfo("MemTotal:"), mem_avail = meminfo("MemAvailable:"), rss = rss_bytes();

  struct statvfs vfs {};
  uint64_t free_b = 0, total_b = 0;
  if (statvfs(api.opt.data_dir.c_str(), &vfs) == 0) {
    free_b = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
    total_b = static_cast<uint64_t>(vfs.f_blocks) * vfs.f_frsize;
  }
  double days_left = m.contains("disk_days_left") ? num("disk_days_left") : -1;
  double free_pct = total_b ? 100.0 * static_cast<double>(free_b) / static_cast<double>(total_b) : 0;

  uint64_t dropped = u64("dropped"), store_errors = u64("store_errors"), discarded = u64("store_discarded");
  bool failing = m.contains("store_failing") && m["store_failing"].is_boolean() && m["store_failing"].get<bool>();
  uint64_t damaged = u64("scrub_damaged");
  int64_t last_scrub = m.contains("scrub_last_run_ns") && m["scrub_last_run_ns"].is_number() ? m["scrub_last_run_ns"].get<int64_t>() : 0;

  json out = {
      {"version", kVersion},
      {"time", format_rfc3339(now_ns())},
      {"cpu",
       {{"process_percent", cpu},
        {"cores", cores},
        {"load1", load1},
        {"status", verdict(false, cores > 0 && load1 > static_cast<double>(cores))}}},
      {"memory",
       {{"process_rss_bytes", rss},
        {"total_bytes", mem_total},
        {"available_bytes", mem_avail},
        {"status", verdict(mem_total && mem_avail * 20 < mem_total, mem_total && mem_avail * 10 < mem_total)}}},
      {"disk",
       {{"path", api.opt.data_dir},
        {"free_bytes", free_b},
        {"total_bytes", total_b},
        {"free_percent", free_pct},
        {"bytes_per_day", num("store_bytes_per_day")},
        {"days_left", days_left},
        {"status", verdict(free_pct < 5 || (days_left >= 0 && days_left < 7), free_pct < 15 || (days_left >= 0 && days_left < 30))}}},
      {"ingest",
       {{"received", u64("received")},
        {"stored", u64("stored")},
        {"events_per_second", api.events_per_second()},
        {"dropped", dropped},
        {"blocked", u64("blocked")},
        {"parse_errors", u64("parse_errors")},
        {"queued_bytes", u64("queued_bytes")},
        {"status", verdict(dropped > 0, u64("blocked") > 0)}}},
      {"integrity",
       {{"store_failing", failing},
        {"store_errors", store_errors},
        {"store_discarded", discarded},
        {"scrub_runs", u64("scrub_runs")},
        {"scrub_blocks", u64("scrub_blocks")},
        {"damaged", damaged},
        {"last_verify", last_scrub ? format_rfc3339(last_scrub) : std::string()},
        {"status", verdict(failing || damaged > 0 || discarded > 0, store_errors > 0 || last_scrub == 0)}}},
      {"certificate", certificate(api.opt)},
      {"clock", clock_sync()},
      {"alerts",
       {{"created", u64("alerts_created")},
        {"outputs_failed", u64("outputs_failed")},
        {"outputs_dropped", u64("outputs_dropped")},
        {"status", verdict(u64("outputs_dropped") > 0, u64("outputs_failed") > 0)}}},
  };
  return ok(out);
}

}  // namespace

void add_status_routes(std::vector<Route>& t, Api* api) {
  t.push_back({"GET", "/api/v1/status", Perm::kSystemRead, false, [api](Request& r) { return status(*api, r); },
               "系统状态: processor, memory, disk and days left, ingest and loss, integrity and the last check, certificate expiry, "
               "clock sync, version; each with a verdict"});
}

}  // namespace wardsec::server
