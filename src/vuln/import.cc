// Importing a scan: matching its hosts to assets, de-duplicating its findings against what the
// store knows, marking fixed what a covering re-scan no longer reports, reopening what comes
// back, the hosts' services, and each touched finding's priority. One transaction: a report
// is taken whole or not at all.
#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "core/timeutil.h"
#include "vuln/store.h"
#include "vuln/store_detail.h"

namespace wardsec::vuln {

using sqlite::Stmt;

namespace detail {

Ranked rank(const Scores& s, const AssetRef& a, const PriorityPolicy& policy, int64_t opened_at, int tz_sec) {
  Ranked r;
  r.p = prioritize(s, a.ctx);
  int days = policy.sla_days[static_cast<size_t>(r.p.level - 1)];
  r.due = local_time(opened_at + days * 86400 * kSec, tz_sec).substr(0, 10);
  return r;
}

}  // namespace detail

namespace {

struct Known {
  int64_t id = 0;
  int port = 0;
  std::string status;
  std::vector<std::string> cves, cnvd, cnnvd;
  std::vector<std::string> scanners;  // the scanners that reported it
  std::vector<int> source_ports;
  int64_t rectification = 0;
};

// cvss2, cvss3, cvss4, severity, exploit, kev in the row's columns from `c` on.
Scores scores_at(const Stmt& st, int c) {
  Scores s;
  for (auto* o : {&s.cvss2, &s.cvss3, &s.cvss4}) {
    if (!st.is_null(c)) *o = st.dbl(c);
    ++c;
  }
  s.severity = static_cast<int>(st.i64(c));
  s.exploit = st.i64(c + 1) != 0;
  s.kev = st.i64(c + 2) != 0;
  return s;
}

bool overlap(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (const auto& x : a)
    if (std::binary_search(b.begin(), b.end(), x)) return true;
  return false;
}

struct Importer {
  sqlite3* db;
  const ScanReport& rep;
  const AssetMap& assets;
  const ImportMeta& meta;
  const std::set<std::string>& kev;
  int64_t scan = 0, t = 0;
  ImportResult res;
  std::unordered_map<std::string, AssetRef> refs;      // by ip
  std::map<std::string, std::vector<Known>> known;     // by asset key
  std::unordered_map<std::string, int64_t> by_source;  // akey \x1f scanner \x1f plugin \x1f port
  std::unordered_set<int64_t> seen, touched;

  const AssetRef& ref(const std::string& ip, const std::string& host) {
    auto it = refs.find(ip);
    if (it == refs.end()) it = refs.emplace(ip, assets.resolve(ip, host)).first;
    return it->second;
  }
  static std::string src_key(const std::string& akey, const std::string& scanner, const std::string& plugin, int port) {
    return akey + '\x1f' + scanner + '\x1f' + plugin + '\x1f' + std::to_string(port);
  }

  Status load(const std::string& akey) {
    if (known.count(akey)) return {};
    auto& v = known[akey];
    Status st = sqlite::query(db, "SELECT id, port, status, cves, rectification, cnvd, cnnvd FROM findings WHERE akey = ?", {akey},
                              [&](const Stmt& s) {
                                v.push_back(Known{s.i64(0),
                                                  static_cast<int>(s.i64(1)),
                                                  s.text(2),
                                                  split_words(s.text(3)),
                                                  split_words(s.text(5)),
                                                  split_words(s.text(6)),
                                                  {},
                                                  {},
                                                  s.i64(4)});
                              });
    if (!st) return st;
    std::unordered_map<int64_t, size_t> at;
    for (size_t i = 0; i < v.size(); ++i) at[v[i].id] = i;
    return sqlite::query(db, "SELECT finding, scanner, plugin, port FROM finding_sources WHERE akey = ?", {akey}, [&](const Stmt& s) {
      by_source[src_key(akey, s.text(1), s.text(2), static_cast<int>(s.i64(3)))] = s.i64(0);
      if (auto it = at.find(s.i64(0)); it != at.end()) {
        v[it->second].scanners.push_back(s.text(1));
        v[it->second].source_ports.push_back(static_cast<int>(s.i64(3)));
      }
    });
  }

  Status add_cves(int64_t id, const std::vector<std::string>& cves) {
    Stmt ins(db, "INSERT OR IGNORE INTO finding_cves(finding, cve) VALUES(?, ?)");
    for (const auto& c : cves) {
      ins.reset();
      ins.bind(1, id).bind(2, c);
      if (Status st = ins.run(); !st) return st;
    }
    return {};
  }

  Status add_source(int64_t id, const std::string& akey, const Finding& f) {
    std::string k = src_key(akey, rep.scanner, f.plugin, f.port);
    if (by_source.count(k)) {
      Stmt up(db,
              "UPDATE finding_sources SET last_seen = max(last_seen, ?), last_scan = ? WHERE akey = ? AND scanner = ? AND plugin = ? AND "
              "port = ?");
      up.bind(1, t).bind(2, scan).bind(3, akey).bind(4, rep.scanner).bind(5, f.plugin).bind(6, static_cast<int64_t>(f.port));
      return up.run();
    }
    by_source[k] = id;
    Stmt ins(db,
             "INSERT INTO finding_sources(finding, akey, scanner, plugin, port, first_seen, last_seen, last_scan) VALUES(?,?,?,?,?,?,?,?)");
    ins.bind(1, id)
        .bind(2, akey)
        .bind(3, rep.scanner)
        .bind(4, f.plugin)
        .bind(5, static_cast<int64_t>(f.port))
        .bind(6, t)
        .bind(7, t)
        .bind(8, scan);
    if (Status st = ins.run(); !st) return st;
    Stmt up(db, "UPDATE findings SET sources = trim(sources || ' ' || ?) WHERE id = ?");
    up.bind(1, rep.scanner + ":" + f.plugin).bind(2, id);
    return up.run();
  }

  Status insert(const Finding& f, const AssetRef& a, int64_t& id) {
    Stmt ins(db,
             "INSERT INTO findings(akey, asset, ip, hostname, system, zone, port, proto, service, title, description, solution, "
             "evidence, cves, cnvd, cnnvd, sources, cvss2, cvss3, cvss4, v3vec, v4vec, severity, exploit, kev, scanner_kev, "
             "first_seen, last_seen, opened_at, status, unpatchable) "
             "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'',?,?,?,?,?,?,?,?,?,?,?,?,'open',?)");
    int c = 1;
    for (const std::string* s : {&a.key, &a.asset, &f.ip, &f.hostname, &a.system, &a.zone}) ins.bind(c++, *s);
    ins.bind(c++, static_cast<int64_t>(f.port));
    for (const std::string* s : {&f.proto, &f.service, &f.title, &f.description, &f.solution, &f.evidence}) ins.bind(c++, *s);
    ins.bind(c++, join_words(f.cves));
    ins.bind(c++, join_words(f.cnvd));
    ins.bind(c++, join_words(f.cnnvd));
    for (const auto* o : {&f.cvss2, &f.cvss3, &f.cvss4}) {
      if (*o)
        ins.bind(c++, **o);
      else
        ins.bind_null(c++);
    }
    bool on_kev = f.kev || std::any_of(f.cves.begin(), f.cves.end(), [&](const std::string& x) { return kev.count(x) > 0; });
    ins.bind(c++, f.cvss3_vector);
    ins.bind(c++, f.cvss4_vector);
    ins.bind(c++, static_cast<int64_t>(f.severity));
    ins.bind(c++, static_cast<int64_t>(f.exploit));
    ins.bind(c++, static_cast<int64_t>(on_kev));
    ins.bind(c++, static_cast<int64_t>(f.kev));
    ins.bind(c++, t);
    ins.bind(c++, t);
    ins.bind(c++, t);
    ins.bind(c++, static_cast<int64_t>(a.ctx.unpatchable));
    if (Status st = ins.run(); !st) return st;
    id = sqlite::last_insert_id(db);
    if (Status st = add_cves(id, f.cves); !st) return st;
    known[a.key].push_back(Known{id, f.port, "open", f.cves, f.cnvd, f.cnnvd, {rep.scanner}, {f.port}, 0});
    ++res.scan.added;
    return detail::log_event(db, id, t, "found", "", scan, rep.scanner + ":" + f.plugin);
  }

  Status update(int64_t id, const Finding& f, const AssetRef& a) {
    Known* k = nullptr;
    for (auto& x : known[a.key])
      if (x.id == id) k = &x;
    if (!k) return Error{"finding #" + std::to_string(id) + " not loaded"};
    add_unique(k->cves, f.cves);
    add_unique(k->cnvd, f.cnvd);
    add_unique(k->cnnvd, f.cnnvd);
    bool reopen = k->status == "fixed";
    bool on_kev = f.kev || std::any_of(f.cves.begin(), f.cves.end(), [&](const std::string& x) { return kev.count(x) > 0; });
    Stmt up(db,
            "UPDATE findings SET last_seen = max(last_seen, ?), cves = ?, cnvd = ?, cnnvd = ?, "
            "cvss2 = coalesce(?, cvss2), cvss3 = coalesce(?, cvss3), cvss4 = coalesce(?, cvss4), "
            "v3vec = CASE WHEN ? != '' THEN ? ELSE v3vec END, v4vec = CASE WHEN ? != '' THEN ? ELSE v4vec END, "
            "severity = max(severity, ?), exploit = exploit OR ?, kev = kev OR ?, scanner_kev = scanner_kev OR ?, "
            "evidence = CASE WHEN ? != '' THEN ? ELSE evidence END, "
            "description = CASE WHEN description = '' THEN ? ELSE description END, "
            "solution = CASE WHEN solution = '' THEN ? ELSE solution END, "
            "status = CASE WHEN status = 'fixed' THEN 'open' ELSE status END, "
            "reopened = reopened + (status = 'fixed'), opened_at = CASE WHEN status = 'fixed' THEN ? ELSE opened_at END, "
            "fixed_at = CASE WHEN status = 'fixed' THEN 0 ELSE fixed_at END WHERE id = ?");
    int c = 1;
    up.bind(c++, t);
    up.bind(c++, join_words(k->cves));
    up.bind(c++, join_words(k->cnvd));
    up.bind(c++, join_words(k->cnnvd));
    for (const auto* o : {&f.cvss2, &f.cvss3, &f.cvss4}) {
      if (*o)
        up.bind(c++, **o);
      else
        up.bind_null(c++);
    }
    up.bind(c++, f.cvss3_vector);
    up.bind(c++, f.cvss3_vector);
    up.bind(c++, f.cvss4_vector);
    up.bind(c++, f.cvss4_vector);
    up.bind(c++, static_cast<int64_t>(f.severity));
    up.bind(c++, static_cast<int64_t>(f.exploit));
    up.bind(c++, static_cast<int64_t>(on_kev));
    up.bind(c++, static_cast<int64_t>(f.kev));
    up.bind(c++, f.evidence);
    up.bind(c++, f.evidence);
    up.bind(c++, f.description);
    up.bind(c++, f.solution);
    up.bind(c++, t);
    up.bind(c++, id);
    if (Status st = up.run(); !st) return st;
    if (Status st = add_cves(id, f.cves); !st) return st;
    if (std::find(k->scanners.begin(), k->scanners.end(), rep.scanner) == k->scanners.end()) k->scanners.push_back(rep.scanner);
    k->source_ports.push_back(f.port);
    if (reopen) {
      k->status = "open";
      ++res.scan.reopened;
      return detail::log_event(db, id, t, "reopened", "", scan, rep.scanner + ":" + f.plugin);
    }
    return {};
  }

  Status finding(const Finding& f) {
    const AssetRef& a = ref(f.ip, f.hostname);
    if (Status st = load(a.key); !st) return st;
    int64_t id = 0;
    if (auto it = by_source.find(src_key(a.key, rep.scanner, f.plugin, f.port)); it != by_source.end()) id = it->second;
    if (!id && !f.cves.empty()) {
      const Known* best = nullptr;
      for (const auto& k : known[a.key]) {
        if (!(k.port == f.port || k.port == 0 || f.port == 0) || !overlap(k.cves, f.cves)) continue;
        if (!best || (best->status == "fixed" && k.status != "fixed")) best = &k;
      }
      if (best) id = best->id;
    }
    Status st = id ? update(id, f, a) : insert(f, a, id);
    if (!st) return st;
    seen.insert(id);
    touched.insert(id);
    return add_source(id, a.key, f);
  }

  // Open (and accepted) findings on a covered asset that this scanner had reported and no
  // longer does.
  Status fixed(const std::string& akey) {
    if (!rep.judges) return {};
    for (auto& k : known[akey]) {
      if (seen.count(k.id) || (k.status != "open" && k.status != "accepted")) continue;
      if (std::find(k.scanners.begin(), k.scanners.end(), rep.scanner) == k.scanners.end()) continue;
      bool judged = std::any_of(k.source_ports.begin(), k.source_ports.end(), [&](int p) { return rep.scanned(p); });
      if (!judged) continue;
      Stmt up(db, "UPDATE findings SET status = 'fixed', fixed_at = ?, fixed_scan = ? WHERE id = ?");
      up.bind(1, t).bind(2, scan).bind(3, k.id);
      if (Status st = up.run(); !st) return st;
      if (Status st = detail::log_event(db, k.id, t, "fixed", "", scan, rep.scanner); !st) return st;
      k.status = "fixed";
      ++res.scan.fixed;
      if (k.rectification) res.fixed_tasks.emplace_back(k.id, k.rectification);
    }
    return {};
  }

  Status host(const ScanHost& h) {
    const AssetRef& a = ref(h.ip, h.hostname);
    if (!a.registered()) res.unregistered.push_back(h.ip);
    Stmt sh(db, "INSERT INTO scan_hosts(scan, ip, akey) VALUES(?,?,?)");
    sh.bind(1, scan).bind(2, h.ip).bind(3, a.key);
    if (Status st = sh.run(); !st) return st;
    Stmt up(
        db,
        "INSERT INTO hosts(ip, akey, hostname, mac, os, source, first_seen, last_seen) VALUES(?,?,?,?,?,?,?,?) "
        "ON CONFLICT(ip) DO UPDATE SET akey = excluded.akey, hostname = CASE WHEN excluded.hostname != '' THEN excluded.hostname ELSE "
        "hostname END, "
        "mac = CASE WHEN excluded.mac != '' THEN excluded.mac ELSE mac END, os = CASE WHEN excluded.os != '' THEN excluded.os ELSE os END, "
        "source = excluded.source, last_seen = max(last_seen, excluded.last_seen)");
    up.bind(1, h.ip).bind(2, a.key).bind(3, h.hostname).bind(4, h.mac).bind(5, h.os).bind(6, rep.scanner).bind(7, t).bind(8, t);
    if (Status st = up.run(); !st) return st;
    return services(h, a);
  }

  Status services(const ScanHost& h, const AssetRef& a) {
    std::map<std::pair<int, std::string>, bool> before;  // (port, proto) -> gone
    bool had_any = false;
    Status st = sqlite::query(db, "SELECT port, proto, gone FROM services WHERE ip = ?", {h.ip}, [&](const Stmt& s) {
      before[{static_cast<int>(s.i64(0)), s.text(1)}] = s.i64(2) != 0;
      had_any = true;
    });
    if (!st) return st;
    Stmt up(db,
            "INSERT INTO services(ip, port, proto, name, product, version, first_seen, last_seen, gone) VALUES(?,?,?,?,?,?,?,?,0) "
            "ON CONFLICT(ip, port, proto) DO UPDATE SET name = excluded.name, product = CASE WHEN excluded.product != '' "
            "THEN excluded.product ELSE product END, version = CASE WHEN excluded.version != '' THEN excluded.version ELSE version END, "
            "last_seen = max(last_seen, excluded.last_seen), gone = 0");
    std::set<std::pair<int, std::string>> now;
    for (const auto& s : h.services) {
      now.insert({s.port, s.proto});
      up.reset();
      up.bind(1, h.ip).bind(2, static_cast<int64_t>(s.port)).bind(3, s.proto).bind(4, s.name).bind(5, s.product).bind(6, s.version);
      up.bind(7, t).bind(8, t);
      if (st = up.run(); !st) return st;
      auto it = before.find({s.port, s.proto});
      if (h.services_known && had_any && (it == before.end() || it->second))
        res.changes.push_back(ServiceChange{h.ip, a.key, s.port, s.proto, s.name, "added"});
    }
    if (!h.services_known) return {};
    Stmt gone(db, "UPDATE services SET gone = 1 WHERE ip = ? AND port = ? AND proto = ?");
    for (const auto& [key, was_gone] : before) {
      if (was_gone || now.count(key) || !rep.scanned(key.first)) continue;
      gone.reset();
      gone.bind(1, h.ip).bind(2, static_cast<int64_t>(key.first)).bind(3, key.second);
      if (st = gone.run(); !st) return st;
      res.changes.push_back(ServiceChange{h.ip, a.key, key.first, key.second, "", "removed"});
    }
    return {};
  }

  Status rank_touched() {
    Stmt sel(db, "SELECT akey, cvss2, cvss3, cvss4, severity, exploit, kev, opened_at FROM findings WHERE id = ?");
    Stmt up(db, "UPDATE findings SET priority = ?, due = ?, why_zh = ?, why_en = ? WHERE id = ?");
    for (int64_t id : touched) {
      sel.reset();
      sel.bind(1, id);
      if (!sel.row()) return sel.status();
      Scores s = scores_at(sel, 1);
      auto r = detail::rank(s, assets.by_key(sel.text(0)), assets.policy(), sel.i64(7), meta.tz_sec);
      up.reset();
      up.bind(1, static_cast<int64_t>(r.p.level)).bind(2, r.due).bind(3, r.p.why_zh).bind(4, r.p.why_en).bind(5, id);
      if (Status st = up.run(); !st) return st;
    }
    return {};
  }

  Status run() {
    Stmt ins(db,
             "INSERT INTO scans(scanner, name, file, sha256, by, at, started, finished, hosts, findings, added, reopened, fixed, "
             "unregistered, skipped_info) VALUES(?,?,?,?,?,?,?,?,0,0,0,0,0,0,0)");
    ins.bind(1, rep.scanner).bind(2, rep.name).bind(3, meta.file).bind(4, meta.sha256).bind(5, meta.by).bind(6, meta.now);
    ins.bind(7, rep.started).bind(8, rep.finished);
    if (Status st = ins.run(); !st) return st;
    scan = sqlite::last_insert_id(db);
    for (const auto& h : rep.hosts)
      if (Status st = host(h); !st) return st;
    for (const auto& f : rep.findings)
      if (Status st = finding(f); !st) return st;
    std::set<std::string> covered;
    for (const auto& h : rep.hosts) covered.insert(ref(h.ip, h.hostname).key);
    for (const auto& akey : covered) {
      if (Status st = load(akey); !st) return st;
      if (Status st = fixed(akey); !st) return st;
    }
    if (Status st = rank_touched(); !st) return st;
    res.scan.id = scan;
    res.scan.hosts = static_cast<int64_t>(rep.hosts.size());
    res.scan.findings = static_cast<int64_t>(rep.findings.size());
    res.scan.unregistered = static_cast<int64_t>(res.unregistered.size());
    res.scan.skipped_info = static_cast<int64_t>(rep.skipped_info);
    Stmt up(
        db,
        "UPDATE scans SET hosts = ?, findings = ?, added = ?, reopened = ?, fixed = ?, unregistered = ?, skipped_info = ? WHERE id = ?");
    int c = 1;
    for (int64_t v : {res.scan.hosts, res.scan.findings, res.scan.added, res.scan.reopened, res.scan.fixed, res.scan.unregistered,
                      res.scan.skipped_info})
      up.bind(c++, v);
    up.bind(c++, scan);
    return up.run();
  }
};

}  // namespace

Result<ImportResult> Store::import(const ScanReport& rep, const AssetMap& assets, const ImportMeta& meta) {
  if (!meta.sha256.empty()) {
    std::optional<int64_t> prior;
    Status st = sqlite::query(db_, "SELECT id FROM scans WHERE sha256 = ?", {meta.sha256}, [&](const Stmt& s) { prior = s.i64(0); });
    if (!st) return Error{st.error()};
    if (prior) {
      ImportResult r;
      r.duplicate = true;
      r.scan.id = *prior;
      r.scan.sha256 = meta.sha256;
      r.scan.scanner = rep.scanner;
      return r;
    }
  }
  auto kevs = kev();
  if (!kevs) return Error{kevs.error()};
  Importer im{db_, rep, assets, meta, *kevs, 0, 0, {}, {}, {}, {}, {}, {}};
  // When the scan saw things: its end, its start, or now; never in the future.
  im.t = std::min(meta.now, rep.finished ? rep.finished : rep.started ? rep.started : meta.now);
  im.res.scan.scanner = rep.scanner;
  im.res.scan.name = rep.name;
  im.res.scan.file = meta.file;
  im.res.scan.sha256 = meta.sha256;
  im.res.scan.by = meta.by;
  im.res.scan.at = meta.now;
  im.res.scan.started = rep.started;
  im.res.scan.finished = rep.finished;
  Status st = sqlite::exec(db_, "BEGIN IMMEDIATE");
  if (!st) return Error{st.error()};
  st = sqlite::end_transaction(db_, im.run());
  if (!st) return Error{st.error()};
  return std::move(im.res);
}

Result<int64_t> Store::refresh(const AssetMap& assets, const std::string& today, int64_t now, int tz_sec) {
  Status st = sqlite::exec(db_, "BEGIN IMMEDIATE");
  if (!st) return Error{st.error()};
  int64_t changed = 0;
  std::vector<int64_t> expired;
  st = sqlite::query(db_, "SELECT id FROM findings WHERE status = 'accepted' AND accept_until != '' AND accept_until < ?", {today},
                     [&](const Stmt& s) { expired.push_back(s.i64(0)); });
  for (int64_t id : expired) {
    if (!st) break;
    Stmt up(db_, "UPDATE findings SET status = 'open', status_at = ?, status_by = '' WHERE id = ?");
    up.bind(1, now).bind(2, id);
    st = up.run();
    if (st) st = detail::log_event(db_, id, now, "acceptance_expired", "", 0, today);
    ++changed;
  }
  std::vector<std::tuple<int64_t, int, std::string, std::string, int>> updates;  // id, priority, due, why_zh|why_en, unpatchable
  std::vector<std::string> whys;
  if (st)
    st =
        sqlite::query(db_,
                      "SELECT id, akey, cvss2, cvss3, cvss4, severity, exploit, kev, opened_at, priority, due, why_zh, unpatchable, why_en "
                      "FROM findings WHERE status != 'fixed'",
                      {}, [&](const Stmt& s) {
                        Scores sc = scores_at(s, 2);
                        AssetRef a = assets.by_key(s.text(1));
                        auto r = detail::rank(sc, a, assets.policy(), s.i64(8), tz_sec);
                        if (r.p.level != s.i64(9) || r.due != s.text(10) || r.p.why_zh != s.text(11) ||
                            static_cast<int>(a.ctx.unpatchable) != s.i64(12)) {
                          updates.emplace_back(s.i64(0), r.p.level, r.due, r.p.why_zh, a.ctx.unpatchable);
                          whys.push_back(r.p.why_en);
                        }
                      });
  Stmt up(db_, "UPDATE findings SET priority = ?, due = ?, why_zh = ?, why_en = ?, unpatchable = ? WHERE id = ?");
  for (size_t i = 0; st && i < updates.size(); ++i) {
    const auto& [id, p, due, zh, unp] = updates[i];
    up.reset();
    up.bind(1, static_cast<int64_t>(p)).bind(2, due).bind(3, zh).bind(4, whys[i]).bind(5, static_cast<int64_t>(unp)).bind(6, id);
    st = up.run();
    ++changed;
  }
  st = sqlite::end_transaction(db_, st);
  if (!st) return Error{st.error()};
  return changed;
}

}  // namespace wardsec::vuln
