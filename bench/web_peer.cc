// Side by side on the same requests in one run: wardsec's web-attack inspector and
// ModSecurity v3 + OWASP CRS (Debian's libmodsecurity3 and modsecurity-crs) at paranoia
// levels 1 and 2. For each: detection per attack class, false positives per benign source,
// and requests/s on one core (one thread, wall clock). Writes a Markdown table.
//
//   bench_web_peer --shared ../shared [--set classic|dev|holdout] [--pl 1,2] [--hospital 5000]
//                  [--md out.md] [--limit N]
// --set dev|holdout: the generalization set of issue #21 (webeval/payloads.h) instead of the
// classic blazehttp + gotestwaf corpus.
// --why SOURCE: which CRS rules flag that benign source's requests at the first paranoia level
// given (to stderr, the most frequent first); ModSecurity's log is read for it, which slows it.
#include <cstddef>
#include <cstdlib>
// (intervention.h uses NULL and free without including their headers)
#include <modsecurity/intervention.h>
#include <modsecurity/modsecurity.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "web/inspect.h"
#include "webeval/corpus.h"
#include "webeval/payloads.h"

using namespace wardsec;
using Clock = std::chrono::steady_clock;

namespace {

struct Engine {
  std::string name;
  webeval::Score score;
};

// The rule ids ModSecurity logged for the transaction being run (--why).
std::vector<std::string>& rule_ids() {
  static std::vector<std::string> v;
  return v;
}

std::string read_file(const std::string& p) {
  std::ifstream f(p);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool modsec_blocks(modsecurity::ModSecurity* ms, modsecurity::RulesSet* rules, const web::Request& r) {
  modsecurity::Transaction t(ms, rules, nullptr);
  t.processConnection("10.99.0.7", 40000, "10.20.0.10", 80);
  std::string version = r.version.empty() ? "1.1" : r.version;
  t.processURI(r.target.c_str(), r.method.c_str(), version.c_str());
  for (const auto& [k, v] : r.headers) t.addRequestHeader(k, v);
  t.processRequestHeaders();
  modsecurity::ModSecurityIntervention it;
  modsecurity::intervention::clean(&it);
  bool blocked = false;
  if (t.intervention(&it)) blocked = it.disruptive;
  modsecurity::intervention::free(&it);
  if (!blocked) {
    if (!r.body.empty()) t.appendRequestBody(reinterpret_cast<const unsigned char*>(r.body.data()), r.body.size());
    t.processRequestBody();
    modsecurity::intervention::clean(&it);
    if (t.intervention(&it)) blocked = it.disruptive;
    modsecurity::intervention::free(&it);
  }
  t.processLogging();
  return blocked;
}

}  // namespace

int main(int argc, char** argv) {
  std::string shared = "../shared", md, pls = "1,2", set = "classic", why, src_dir = WARDSEC_SOURCE_DIR;
  std::map<std::string, size_t> why_count;
  size_t hospital = 5000, limit = 0, passes = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--shared")
      shared = v;
    else if (k == "--md")
      md = v;
    else if (k == "--set")
      set = v;
    else if (k == "--why")
      why = v;
    else if (k == "--pl")
      pls = v;
    else if (k == "--hospital")
      hospital = std::stoul(v);
    else if (k == "--limit")
      limit = std::stoul(v);
    else if (k == "--passes")
      passes = std::max<size_t>(1, std::stoul(v));
  }
  if (set != "classic" && set != "dev" && set != "holdout") {
    std::fprintf(stderr, "--set: classic, dev or holdout, not %s\n", set.c_str());
    return 2;
  }
  auto corpus = set == "classic" ? webeval::load(shared, hospital)
                                 : webeval::load_generalization(shared, set == "dev" ? webeval::Split::kDev : webeval::Split::kHoldout);
  if (limit && corpus.samples.size() > limit) {
    // Every n-th sample: a smaller run keeps the mix.
    std::vector<webeval::Sample> keep;
    size_t step = corpus.samples.size() / limit + 1;
    for (size_t i = 0; i < corpus.samples.size(); i += step) keep.push_back(corpus.samples[i]);
    corpus.samples = std::move(keep);
  }
  std::vector<web::Request> reqs;
  reqs.reserve(corpus.samples.size());
  for (const auto& s : corpus.samples) reqs.push_back(web::parse_raw(s.raw));
  std::fprintf(stderr, "%zu requests (%zu attacks)\n", reqs.size(),
               static_cast<size_t>(std::count_if(corpus.samples.begin(), corpus.samples.end(), [](auto& s) { return s.attack; })));

  // The engines run interleaved, slice by slice (wardsec, then each ModSecurity level, on the
  // same slice of requests), so that a change in the machine's speed during the run (this is
  // a shared VM) weighs on all of them alike and the ratio stays meaningful.
  std::vector<Engine> engines;
  engines.push_back({"wardsec", {}});
  web::Inspector insp;
  struct Peer {
    std::unique_ptr<modsecurity::ModSecurity> ms;
    std::unique_ptr<modsecurity::RulesSet> rules;
  };
  std::vector<Peer> peers;
  std::string base_conf = read_file(src_dir + "/bench/modsec/modsecurity.conf");
  for (char c : pls) {
    if (c < '1' || c > '4') continue;
    std::string conf = base_conf + "\nSecAction \"id:900000,phase:1,nolog,pass,t:none,setvar:tx.paranoia_level=" + std::string(1, c) +
                       "\"\nInclude /etc/modsecurity/crs/crs-setup.conf\nInclude /usr/share/modsecurity-crs/rules/*.conf\n";
    Peer pe{std::make_unique<modsecurity::ModSecurity>(), std::make_unique<modsecurity::RulesSet>()};
    if (why.empty()) {
      pe.ms->setServerLogCb([](void*, const void*) {});  // the verdict is read from the intervention, not the log
    } else {
      pe.ms->setServerLogCb(
          [](void*, const void* msg) {
            std::string_view m(static_cast<const char*>(msg));
            size_t at = m.find("[id \"");
            if (at != std::string_view::npos) rule_ids().emplace_back(m.substr(at + 5, m.find('"', at + 5) - at - 5));
          },
          modsecurity::TextLogProperty);
    }
    if (pe.rules->load(conf.c_str()) < 0) {
      std::fprintf(stderr, "ModSecurity rules: %s\n", pe.rules->getParserError().c_str());
      return 2;
    }
    peers.push_back(std::move(pe));
    engines.push_back({std::string("ModSecurity+CRS PL") + c, {}});
  }
  const size_t slices = 20, n = corpus.samples.size();
  for (size_t sl = 0; sl < slices; sl++) {
    size_t a = n * sl / slices, b = n * (sl + 1) / slices;
    // wardsec: parse from raw bytes and inspect; the best of `passes` runs of the slice.
    double best = 1e18;
    for (size_t pass = 0; pass < passes; pass++) {
      auto t0 = Clock::now();
      size_t attacks = 0;
      for (size_t i = a; i < b; i++) attacks += insp.inspect(web::parse_raw(corpus.samples[i].raw)).verdict == "attack";
      best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
      (void)attacks;
    }
    engines[0].score.seconds += best;
    for (size_t i = a; i < b; i++)
      engines[0].score.add(corpus.samples[i], insp.inspect(web::parse_raw(corpus.samples[i].raw)).verdict == "attack");
    for (size_t p = 0; p < peers.size(); p++) {
      auto t0 = Clock::now();
      for (size_t i = a; i < b; i++) {
        rule_ids().clear();
        bool blocked = modsec_blocks(peers[p].ms.get(), peers[p].rules.get(), reqs[i]);
        engines[p + 1].score.add(corpus.samples[i], blocked);
        if (p == 0 && blocked && !corpus.samples[i].attack && corpus.samples[i].source == why)
          for (const auto& id : rule_ids())
            if (id != "949110" && id != "980130") why_count[id]++;  // the anomaly-score totals, not a reason
      }
      engines[p + 1].score.seconds += std::chrono::duration<double>(Clock::now() - t0).count();
    }
  }

  // The table, headed by the machine it ran on.
  std::ostringstream o;
  {
    std::ifstream ci("/proc/cpuinfo");
    std::string line, model;
    while (std::getline(ci, line))
      if (line.rfind("model name", 0) == 0) {
        model = line.substr(line.find(':') + 2);
        break;
      }
    std::ifstream kv("/proc/sys/kernel/osrelease");
    std::string kernel;
    std::getline(kv, kernel);
    o << "machine: " << std::thread::hardware_concurrency() << " cores, " << model << ", Linux " << kernel
      << "; one thread per engine, interleaved in 20 slices\n";
    o << "set: " << set << "\n";
    o << "requests: " << reqs.size() << " (" << engines[0].score.attacks.n << " attacks, " << engines[0].score.benign.n << " benign)\n\n";
  }
  std::vector<std::string> classes, sources;
  for (const auto& [k, c] : engines[0].score.by_class) classes.push_back(k);
  for (const auto& [k, c] : engines[0].score.by_source) sources.push_back(k);
  auto rate = [](const webeval::Score& s, bool attack, const std::string& k) -> std::string {
    const auto& v = attack ? s.by_class : s.by_source;
    for (const auto& [name, c] : v)
      if (name == k) {
        char b[64];
        std::snprintf(b, sizeof b, attack ? "%.1f%% (%zu/%zu)" : "%.2f%% (%zu/%zu)", c.n ? 100.0 * c.hit / c.n : 0.0, c.hit, c.n);
        return b;
      }
    return "-";
  };
  o << "| | ";
  for (const auto& e : engines) o << e.name << " | ";
  o << "\n|---|";
  for (size_t i = 0; i < engines.size(); i++) o << "---|";
  o << "\n";
  for (const auto& k : classes) {
    o << "| detection: " << k << " | ";
    for (const auto& e : engines) o << rate(e.score, true, k) << " | ";
    o << "\n";
  }
  char b[128];
  o << "| **detection, all attacks** | ";
  for (const auto& e : engines) {
    std::snprintf(b, sizeof b, "**%.1f%%** (%zu/%zu)", 100 * e.score.tpr(), e.score.attacks.hit, e.score.attacks.n);
    o << b << " | ";
  }
  o << "\n";
  for (const auto& k : sources) {
    o << "| false positives: " << k << " | ";
    for (const auto& e : engines) o << rate(e.score, false, k) << " | ";
    o << "\n";
  }
  o << "| **false positives, all benign** | ";
  for (const auto& e : engines) {
    std::snprintf(b, sizeof b, "**%.2f%%** (%zu/%zu)", 100 * e.score.fpr(), e.score.benign.hit, e.score.benign.n);
    o << b << " | ";
  }
  o << "\n| balanced accuracy | ";
  for (const auto& e : engines) {
    std::snprintf(b, sizeof b, "%.3f", (e.score.tpr() + 1 - e.score.fpr()) / 2);
    o << b << " | ";
  }
  o << "\n| requests/s, one core | ";
  for (const auto& e : engines) {
    std::snprintf(b, sizeof b, "%.0f", reqs.size() / e.score.seconds);
    o << b << " | ";
  }
  o << "\n| wardsec speed ÷ this | ";
  for (const auto& e : engines) {
    std::snprintf(b, sizeof b, "%.0fx", e.score.seconds / engines[0].score.seconds);
    o << b << " | ";
  }
  o << "\n";
  for (const auto& n : corpus.notes)
    if (n.find("kb-") == std::string::npos) o << "\n- " << n;
  o << "\n";
  std::fputs(o.str().c_str(), stdout);
  if (!why.empty()) {
    std::vector<std::pair<size_t, std::string>> top;
    for (const auto& [id, n] : why_count) top.emplace_back(n, id);
    std::sort(top.rbegin(), top.rend());
    std::fprintf(stderr, "CRS rules on flagged %s requests (first level run):\n", why.c_str());
    for (size_t i = 0; i < top.size() && i < 20; i++) std::fprintf(stderr, "  %s  %zu\n", top[i].second.c_str(), top[i].first);
  }
  if (!md.empty()) std::ofstream(md) << o.str();
  return 0;
}
