#include "detect/engine.h"

#include <hs/hs.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <map>
#include <set>
#include <memory>
#include <new>

#include "core/strutil.h"
#include "detect/engine_anchors.h"
#include "detect/engine_cache.h"
#include "detect/regex_literals.h"
#include "parse/hs_check.h"

namespace wardsec::detect {

namespace {

struct Db {
  std::shared_ptr<hs_database_t> db;  // read-only once compiled: clones share it
  // The slots an expression answers: many rules test the same value the same way
  // ("\\cmd.exe" at the end of Image), and each distinct expression is compiled once.
  // Expression (vectorscan id) i answers slots[first[i] .. first[i + 1]).
  std::vector<uint32_t> first, slots;
};

// A thread's vectorscan scratch space; a copy is a clone of it (for Engine::clone).
struct Scratch {
  hs_scratch_t* s = nullptr;
  Scratch() = default;
  Scratch(const Scratch& o) {
    if (o.s && hs_clone_scratch(o.s, &s) != HS_SUCCESS) throw std::bad_alloc();
  }
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() {
    if (s) hs_free_scratch(s);
  }
};

// Where a route looks a Sigma field up, in the reference evaluator's order.
std::vector<std::string> lookup_names(const SourceMapping* src, const std::string& field) {
  std::vector<std::string> names;
  auto add_forms = [&](const std::string& f) {
    for (const char* prefix : {"", "Event.EventData.", "Event.System.", "Event.UserData.", "EventData.", "System."})
      names.push_back(prefix + f);
  };
  if (src) {
    auto m = src->fields.find(field);
    if (m != src->fields.end()) add_forms(m->second);
  }
  add_forms(field);
  return names;
}

// A literal anywhere in the text, as a vectorscan expression.
std::string literal_regex(const std::string& lit) {
  Matcher m;
  m.segs = {{Matcher::Seg::kStar, {}}, {Matcher::Seg::kLit, lit}, {Matcher::Seg::kStar, {}}};
  return pattern_to_regex(m);
}

}  // namespace

namespace {
// Field ids a query tests; false when it tests anything else (free text, pseudo-fields).
bool query_fields(const search::Node& n, std::vector<FieldId>& out) {
  if (n.kind == search::Node::kText) return false;
  if (n.kind == search::Node::kTerm) {
    if (n.field_id == kNoField) return false;
    if (std::find(out.begin(), out.end(), n.field_id) == out.end()) out.push_back(n.field_id);
  }
  for (const auto& k : n.kids)
    if (!query_fields(*k, out)) return false;
  return true;
}
}  // namespace

struct Engine::Impl {
  const RuleSet* set = nullptr;
  std::vector<Db> dbs;
  std::unordered_map<const Matcher*, uint32_t> id_of;
  std::vector<std::vector<uint32_t>> rules_of;  // matcher id -> rules using it
  std::vector<char> compiled;                   // matcher id -> scanned by vectorscan
  // A regex left to PCRE2 (parse/hs_check.h) can still have its required literals scanned
  // (detect/regex_literals.h): prefilter[matcher id] is the slot their hits go to (kNone:
  // none), prefilter_ok[slot] whether vectorscan took them, prefilter_len[slot] the shortest.
  static constexpr uint32_t kNone = 0xffffffffu;
  std::vector<uint32_t> prefilter;
  std::vector<char> prefilter_ok;
  std::vector<size_t> prefilter_len;
  std::vector<uint32_t> test_of;  // matcher slot -> the slot of its test (FieldTest::engine_slot), kNone
  // One database per way of reading a field: the event fields it is looked up in, in order
  // (lookup_names). Routes that read a Sigma field the same way share its database, so an
  // event several routes accept has each of its fields scanned once; a hit only makes
  // candidates of the rules whose route accepted the event.
  struct FieldDb {
    int db;
    std::vector<std::string> names;
  };
  std::vector<FieldDb> field_dbs;
  std::vector<std::vector<std::pair<int, int>>> by_id;  // event field id -> (priority, field db)
  int keyword_db = -1, keyword_anchored_db = -1;        // keywords: the message and the raw line
  struct Route {
    const SourceMapping* src = nullptr;
    std::vector<int> field_dbs;  // the field databases its rules use
    bool keyword = false;        // its rules have keywords
    std::vector<size_t> always;  // rules evaluated on every event this route accepts
    bool memo_ok = false;        // its events query only tests named fields (see accepted_routes)
  };
  std::vector<uint32_t> route_of_rule;  // rule -> its route (kNone: unrouted)
  // Which routes accept an event. Route queries usually test a few low-cardinality fields
  // (event.dataset, Channel, EventID): the answers for all such routes are remembered per
  // combination of those fields' values, so an event costs one lookup, not one query per
  // route.
  std::vector<FieldId> memo_fields;
  std::unordered_map<std::string, std::vector<char>> memo;
  std::string memo_key;
  const std::vector<char>& accepted_routes(const Event& ev) {
    memo_key.clear();
    for (FieldId id : memo_fields) {
      bool found = false;
      for (const auto& f : ev.fields)
        if (f.id == id) {
          memo_key.append(ev.value(f)).push_back('\x1f');
          found = true;
          break;
        }
      if (!found) memo_key.push_back('\x1e');
    }
    auto it = memo.find(memo_key);
    if (it != memo.end()) return it->second;
    std::vector<char> acc(routes.size(), 0);
    for (size_t r = 0; r < routes.size(); r++)
      if (routes[r].memo_ok) acc[r] = routes[r].src->events->matches(ev);
    if (memo.size() >= 4096) memo.clear();
    return memo.emplace(memo_key, std::move(acc)).first->second;
  }
  static void plan_memo(Impl& im, Route& r) {
    std::vector<FieldId> f;
    r.memo_ok = query_fields(r.src->events->root(), f);
    if (r.memo_ok)
      for (FieldId id : f)
        if (std::find(im.memo_fields.begin(), im.memo_fields.end(), id) == im.memo_fields.end()) im.memo_fields.push_back(id);
  }
  std::vector<Route> routes;
  Scratch scratch;
  // per event
  mutable std::vector<char> hit;
  mutable std::vector<uint32_t> touched;
  mutable std::vector<uint32_t> mark;  // rule -> event generation when it became a candidate
  mutable uint32_t gen = 0;
  mutable std::vector<uint32_t> fdb_mark;                        // field db -> generation when chosen for scanning
  mutable std::vector<std::pair<int, std::string_view>> chosen;  // field db -> (priority, value)
  mutable std::vector<int> to_scan;
  mutable std::vector<char> accepted;
};

Engine::~Engine() = default;

std::unique_ptr<Engine> Engine::clone() const {
  std::unique_ptr<Engine> e(new Engine());
  e->impl_ = std::make_unique<Impl>(*impl_);  // shares the databases, clones the scratch
  e->stats_ = stats_;
  return e;
}

Result<std::unique_ptr<Engine>> Engine::compile(const RuleSet& set, const std::string& cache_dir) {
  if (!set.finished()) return Error{"the rule set is not finished (RuleSet::finish)"};
  std::unique_ptr<Engine> e(new Engine());
  e->impl_ = std::make_unique<Impl>();
  Impl& im = *e->impl_;
  im.set = &set;
  const auto& rules = set.rules();
  e->stats_.rules = rules.size();
  std::map<const SourceMapping*, int> route_of;
  // Expressions per (route, field): field "" is the keyword database.
  struct Expr {
    std::string re;
    unsigned flags;
    uint32_t matcher;
  };
  // Expressions per way of reading a field (its lookup names, joined; "" for keywords), and
  // which of those each route uses.
  std::map<std::string, std::vector<Expr>> exprs;
  struct Pending {
    std::string key;
    Expr x;
    const Matcher* m;
  };
  std::vector<Pending> pending;  // every expression that could be scanned; exprs gets those that are
  std::map<std::string, std::vector<std::string>> names_of;
  std::vector<std::set<std::string>> route_keys;
  // Keywords go to two databases: expressions that match a text whenever they match a part of
  // it (no \\A or \\z: contains-like), and the others.
  const std::string kAnchoredKeywords = "\x1e";
  auto key_of = [&](int route, const std::string& field, bool anchored = true) {
    if (field.empty()) {
      std::string k = anchored ? kAnchoredKeywords : std::string();
      route_keys[route].insert(k);
      return k;
    }
    auto names = lookup_names(im.routes[route].src, field);
    std::string k;
    for (const auto& n : names) k += n + '\x1f';
    names_of.try_emplace(k, std::move(names));
    route_keys[route].insert(k);
    return k;
  };
  auto new_slot = [&im] {
    im.compiled.push_back(0);
    im.rules_of.emplace_back();  // filled below, for anchor tests only
    im.prefilter.push_back(Impl::kNone);
    im.prefilter_ok.push_back(0);
    im.prefilter_len.push_back(0);
    return static_cast<uint32_t>(im.compiled.size() - 1);
  };
  for (size_t ri = 0; ri < rules.size(); ri++) {
    const LoadedRule& lr = rules[ri];
    if (!lr.source) continue;
    e->stats_.routed_rules++;
    auto [it, fresh] = route_of.try_emplace(lr.source, static_cast<int>(im.routes.size()));
    if (fresh) {
      im.routes.emplace_back();
      im.routes.back().src = lr.source;
      Impl::plan_memo(im, im.routes.back());
      route_keys.emplace_back();
    }
    int route = it->second;
    im.route_of_rule.resize(rules.size(), Impl::kNone);
    im.route_of_rule[ri] = static_cast<uint32_t>(route);
    for (const auto& [dname, det] : lr.rule.detections)
      for (const auto& alt : det.alternatives)
        for (const auto& test : alt)
          for (const auto& value : test.values)
            for (const auto& m : value) {
              uint32_t id = new_slot();
              im.id_of[&m] = id;
              m.engine_slot = Matcher::kNotCompiled;
              std::string re;
              unsigned flags = HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY;
              if (m.kind == Matcher::kPattern) {
                re = pattern_to_regex(m);
                flags |= HS_FLAG_DOTALL;
                if (!m.cased) flags |= HS_FLAG_CASELESS;
              } else if (m.kind == Matcher::kRegex) {
                re = m.source;
                if (!vectorscan_trusts_regexes()) {  // parse/hs_check.h: this machine's vectorscan could miss it; PCRE2 decides
                  e->stats_.pcre_fallback++;
                  auto lits = required_literals(m.source, m.re_i);
                  if (lits.empty()) continue;
                  // Its literals are scanned instead: plain literals, which vectorscan gets right.
                  uint32_t slot = new_slot();
                  im.prefilter[id] = slot;
                  im.prefilter_ok[slot] = 1;
                  im.prefilter_len[slot] = SIZE_MAX;
                  for (const auto& l : lits) {
                    im.prefilter_len[slot] = std::min(im.prefilter_len[slot], l.size());
                    pending.push_back(
                        {key_of(route, test.field, false), {literal_regex(l), HS_FLAG_SINGLEMATCH | HS_FLAG_CASELESS, slot}, &m});
                  }
                  e->stats_.prefiltered++;
                  continue;
                }
                if (m.re_i) flags |= HS_FLAG_CASELESS;
                if (m.re_m) flags |= HS_FLAG_MULTILINE;
                if (m.re_s) flags |= HS_FLAG_DOTALL;
              } else {
                continue;
              }
              im.compiled[id] = 1;  // until vectorscan refuses it (below)
              bool anchored = m.kind != Matcher::kPattern || re.starts_with("\\A") || re.ends_with("\\z");
              pending.push_back({key_of(route, test.field, anchored), {re, flags, id}, &m});
            }
  }
  e->stats_.matchers = im.id_of.size();
  // A rule is a candidate for an event only when one of its anchor tests had a hit
  // (detect/engine_anchors.h); a rule whose condition can hold without any hit is evaluated on
  // every event its route accepts.
  auto slot_of = [&im](const Matcher& m) {
    uint32_t id = im.id_of.at(&m);
    if (im.compiled[id]) return id;
    uint32_t p = im.prefilter[id];
    return p != Impl::kNone && im.prefilter_ok[p] ? p : Impl::kNone;
  };
  AnchorContext cx;
  cx.scanned = [&](const Matcher& m) { return slot_of(m) != Impl::kNone; };
  cx.literal = [&](const Matcher& m) -> size_t {
    uint32_t id = im.id_of.at(&m);
    if (!im.compiled[id]) return im.prefilter_len[slot_of(m)];
    if (m.kind == Matcher::kRegex) {
      size_t n = 0;
      for (const auto& l : required_literals(m.source, m.re_i)) n = n ? std::min(n, l.size()) : l.size();
      return n;
    }
    size_t lit = 0;
    for (const auto& sg : m.segs) lit += sg.type == Matcher::Seg::kLit ? sg.text.size() : 0;
    return lit;
  };
  for (size_t ri = 0; ri < rules.size(); ri++) {
    const LoadedRule& lr = rules[ri];
    if (!lr.source) continue;
    auto anchors = rule_anchors(lr.rule, cx);
    if (!anchors) {
      im.routes[route_of[lr.source]].always.push_back(ri);
      e->stats_.always_evaluated++;
      continue;
    }
    for (const FieldTest* t : *anchors)
      for (const auto& v : t->values)
        for (const auto& m : v) {
          auto& users = im.rules_of[slot_of(m)];
          if (users.empty() || users.back() != ri) users.push_back(static_cast<uint32_t>(ri));
        }
  }
  // Scanned: every expression an anchor test needs, and the others whose literal is long
  // enough to be cheap (4 bytes or more). The rest — short literals like "0" that match at
  // nearly every offset of every value — are evaluated directly when their rule is a candidate.
  for (auto& p : pending) {
    uint32_t slot = p.x.matcher;
    bool scan = !im.rules_of[slot].empty() || (im.compiled[slot] && cx.literal(*p.m) >= 4);
    if (scan) {
      exprs[p.key].push_back(std::move(p.x));
    } else if (im.compiled[slot]) {
      im.compiled[slot] = 0;
      e->stats_.evaluated_directly++;
    } else {
      im.prefilter_ok[slot] = 0;  // a prefilter no anchor needs
    }
  }
  pending.clear();
  // The databases: from the cache when it holds these very expressions, else compiled (and
  // saved for the next start).
  std::vector<DbSource> sources;
  std::vector<std::vector<std::vector<uint32_t>>> users;  // per database, per distinct expression: its slots
  for (const auto& [key, list] : exprs) {
    DbSource& src = sources.emplace_back();
    auto& u = users.emplace_back();
    std::map<std::pair<std::string_view, unsigned>, size_t> seen;
    for (const auto& x : list) {
      auto [it, fresh] = seen.try_emplace({x.re, x.flags}, src.patterns.size());
      if (fresh) {
        src.patterns.push_back(x.re);
        src.flags.push_back(x.flags);
        u.emplace_back();
      }
      u[it->second].push_back(x.matcher);
    }
  }
  std::vector<std::vector<uint32_t>> refused(sources.size());
  std::vector<hs_database_t*> built(sources.size(), nullptr);
  const std::string cache_key = cache_dir.empty() ? std::string() : DbCache::key(sources);
  DbCache cache(cache_dir);
  if (!cache_dir.empty()) {
    std::string why;
    if (auto cached = cache.load(cache_key, sources.size(), why)) {
      e->stats_.from_cache = load_cached(*cached, sources, built, refused, why);
      if (!e->stats_.from_cache) e->stats_.cache_note = why;
    } else {
      e->stats_.cache_note = why;
    }
  }
  if (!e->stats_.from_cache) {
    std::vector<CachedDb> save(sources.size());
    for (size_t i = 0; i < sources.size(); i++) {
      auto db = compile_db(sources[i], refused[i]);
      if (!db) {
        for (auto* d : built) hs_free_database(d);
        const std::string& k = std::next(exprs.begin(), static_cast<long>(i))->first;
        return Error{"vectorscan: cannot compile the database for " +
                     (k.empty() ? std::string("keywords") : "field '" + names_of[k].front() + "'") + ": " + db.error()};
      }
      built[i] = db.value();
      save[i].refused = refused[i];
      if (!cache_dir.empty() && built[i]) {
        char* bytes = nullptr;
        size_t len = 0;
        if (hs_serialize_database(built[i], &bytes, &len) == HS_SUCCESS) {
          save[i].bytes.assign(bytes, len);
          free(bytes);  // NOLINT(cppcoreguidelines-no-malloc): vectorscan allocates it with malloc
        }
      }
    }
    if (!cache_dir.empty())
      if (auto st = cache.save(cache_key, save); !st) e->stats_.cache_note = st.error();
  }
  size_t di = 0;
  std::map<std::string, int> db_of_key;
  for (const auto& entry : exprs) {
    const std::string& key = entry.first;
    Db db;
    if (built[di]) db.db.reset(built[di], hs_free_database);
    const auto& u = users[di];
    std::vector<char> out(u.size(), 0);
    for (uint32_t r : refused[di]) out[r] = 1;
    di++;
    for (size_t i = 0; i < u.size(); i++) {
      if (!out[i]) {
        db.first.push_back(static_cast<uint32_t>(db.slots.size()));
        db.slots.insert(db.slots.end(), u[i].begin(), u[i].end());
        continue;
      }
      for (uint32_t slot : u[i]) {
        // A rule anchored on what vectorscan refused is evaluated on every event instead.
        for (uint32_t ri : im.rules_of[slot]) {
          auto& always = im.routes[im.route_of_rule[ri]].always;
          if (std::find(always.begin(), always.end(), ri) == always.end()) always.push_back(ri);
        }
        if (im.prefilter_ok[slot]) {  // a prefilter literal it refused
          im.prefilter_ok[slot] = 0;
          continue;
        }
        im.compiled[slot] = 0;  // vectorscan refused it: PCRE2 decides
        e->stats_.pcre_fallback++;
      }
    }
    db.first.push_back(static_cast<uint32_t>(db.slots.size()));
    if (!db.db) continue;  // every expression of this field fell back to PCRE2
    for (uint32_t m : db.slots) e->stats_.compiled += im.compiled[m];
    if (hs_alloc_scratch(db.db.get(), &im.scratch.s) != HS_SUCCESS) {
      for (size_t k = di; k < built.size(); k++) hs_free_database(built[k]);
      return Error{"vectorscan: cannot allocate scratch"};
    }
    int dbi = static_cast<int>(im.dbs.size());
    im.dbs.push_back(std::move(db));
    if (key.empty() || key == kAnchoredKeywords) {
      (key.empty() ? im.keyword_db : im.keyword_anchored_db) = dbi;
      continue;
    }
    int fi = static_cast<int>(im.field_dbs.size());
    Impl::FieldDb fd{dbi, names_of[key]};
    for (size_t p = 0; p < fd.names.size(); p++) {
      FieldId id = FieldRegistry::intern(fd.names[p]);
      if (id == kNoField) continue;
      if (id >= im.by_id.size()) im.by_id.resize(id + 1u);
      im.by_id[id].push_back({static_cast<int>(p), fi});
    }
    im.field_dbs.push_back(std::move(fd));
    db_of_key[key] = fi;
  }
  for (size_t r = 0; r < im.routes.size(); r++)
    for (const auto& k : route_keys[r]) {
      if (k.empty() || k == kAnchoredKeywords) {
        im.routes[r].keyword = im.routes[r].keyword || im.keyword_db >= 0 || im.keyword_anchored_db >= 0;
      } else if (auto it = db_of_key.find(k); it != db_of_key.end()) {
        im.routes[r].field_dbs.push_back(it->second);
      }
    }
  e->stats_.databases = im.dbs.size();
  for (const auto& [m, id] : im.id_of)
    if (im.compiled[id]) m->engine_slot = id;
  // Tests answered by one slot: set when any of their matchers hits (on_match).
  std::vector<std::pair<const FieldTest*, uint32_t>> test_slots;
  for (const auto& lr : rules)
    for (const auto& [dname, det] : lr.rule.detections)
      for (const auto& alt : det.alternatives)
        for (const auto& t : alt) {
          t.engine_slot = Matcher::kNotCompiled;
          if (!lr.source || t.negate || t.all || t.values.empty()) continue;
          bool scanned = true;
          for (const auto& v : t.values)
            for (const auto& m : v) scanned = scanned && m.engine_slot != Matcher::kNotCompiled;
          if (scanned) test_slots.emplace_back(&t, new_slot());
        }
  im.test_of.assign(im.compiled.size(), Impl::kNone);
  for (auto [t, slot] : test_slots) {
    t->engine_slot = slot;
    for (const auto& v : t->values)
      for (const auto& m : v) im.test_of[m.engine_slot] = slot;
  }
  im.hit.assign(im.compiled.size(), 0);
  im.fdb_mark.assign(im.field_dbs.size(), 0);
  im.chosen.assign(im.field_dbs.size(), {});
  im.mark.assign(rules.size(), 0);
  return e;
}

std::vector<size_t> Engine::match(const Event& ev) const {
  Impl& im = *impl_;
  const auto& rules = im.set->rules();
  for (uint32_t id : im.touched) im.hit[id] = 0;
  im.touched.clear();
  if (++im.gen == 0) {
    std::fill(im.mark.begin(), im.mark.end(), 0);
    im.gen = 1;
  }
  std::vector<size_t> candidates;
  struct Ctx {
    Impl* im;
    const Db* db;
  } ctx{&im, nullptr};
  auto on_match = [](unsigned int id, unsigned long long, unsigned long long, unsigned int, void* p) -> int {
    auto* c = static_cast<Ctx*>(p);
    Impl& im = *c->im;
    for (uint32_t k = c->db->first[id]; k < c->db->first[id + 1]; k++) {
      uint32_t m = c->db->slots[k];
      if (im.hit[m]) continue;
      im.hit[m] = 1;
      im.touched.push_back(m);
      uint32_t t = im.test_of[m];
      if (t != Impl::kNone && !im.hit[t]) {
        im.hit[t] = 1;
        im.touched.push_back(t);
      }
    }
    return 0;
  };
  auto scan = [&](int dbi, std::string_view v) {
    ctx.db = &im.dbs[dbi];
    hs_scan(ctx.db->db.get(), v.data(), static_cast<unsigned>(v.size()), 0, im.scratch.s, on_match, &ctx);
  };
  // The routes that accept the event, and the field databases their rules use (each once).
  im.accepted.assign(im.routes.size(), 0);
  im.to_scan.clear();
  bool keyword = false;
  const std::vector<char>& memo_acc = im.accepted_routes(ev);
  for (size_t r = 0; r < im.routes.size(); r++) {
    const Impl::Route& route = im.routes[r];
    if (route.memo_ok ? !memo_acc[r] : !route.src->events->matches(ev)) continue;
    im.accepted[r] = 1;
    for (int fdb : route.field_dbs)
      if (im.fdb_mark[fdb] != im.gen) {
        im.fdb_mark[fdb] = im.gen;
        im.chosen[fdb] = {1 << 30, std::string_view()};
        im.to_scan.push_back(fdb);
      }
    keyword = keyword || route.keyword;
    for (size_t ri : route.always)
      if (im.mark[ri] != im.gen) {
        im.mark[ri] = im.gen;
        candidates.push_back(ri);
      }
  }
  // Each database scans the first of its names the event has.
  for (const auto& f : ev.fields) {
    if (f.id >= im.by_id.size()) continue;
    for (auto [prio, fdb] : im.by_id[f.id])
      if (im.fdb_mark[fdb] == im.gen && prio < im.chosen[fdb].first) im.chosen[fdb] = {prio, ev.value(f)};
  }
  for (int fdb : im.to_scan)
    if (im.chosen[fdb].first < (1 << 30)) scan(im.field_dbs[fdb].db, im.chosen[fdb].second);
  if (keyword) {
    // Keywords match the message or the raw line. A contains-like expression that matches the
    // message also matches a raw line holding it, so where the message lies inside the raw
    // line, the raw line alone is scanned for those.
    std::string_view msg = ev.get(kMessage);
    auto at = reinterpret_cast<uintptr_t>(msg.data()), raw = reinterpret_cast<uintptr_t>(ev.raw.data());
    bool inside = msg.empty() || (at >= raw && at + msg.size() <= raw + ev.raw.size());
    if (im.keyword_db >= 0) {
      if (!inside) scan(im.keyword_db, msg);
      scan(im.keyword_db, ev.raw);
    }
    if (im.keyword_anchored_db >= 0) {
      if (!msg.empty()) scan(im.keyword_anchored_db, msg);
      scan(im.keyword_anchored_db, ev.raw);
    }
  }
  for (uint32_t m : im.touched)
    for (uint32_t ri : im.rules_of[m])
      if (im.mark[ri] != im.gen && im.accepted[im.route_of_rule[ri]]) {
        im.mark[ri] = im.gen;
        candidates.push_back(ri);
      }
  std::sort(candidates.begin(), candidates.end());
  events_++;
  evaluated_ += candidates.size();
  std::vector<size_t> out;
  for (size_t ri : candidates) {
    const RuleSet* set = im.set;
    FieldLookup lookup = [set, ri](const Event& e, const std::string& field) { return set->lookup(ri, e, field); };
    if (match_with_hits(rules[ri].rule, ev, lookup, im.hit.data())) out.push_back(ri);
  }
  return out;
}

}  // namespace wardsec::detect
