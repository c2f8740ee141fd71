#include "alert/detector.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "core/timeutil.h"
#include "search/search.h"
#include "store/store.h"

namespace wardsec::alert {

namespace {

// Sigma and ECS names under which events carry the asset, the remote address and the user.
const char* const kAssetFields[] = {"host.name", "Computer", "ComputerName", "Hostname", "host", "hostname", "host.ip"};
const char* const kSourceFields[] = {"source.ip", "src_ip", "SourceIp", "IpAddress", "c-ip", "SourceAddress", "client.ip"};
const char* const kUserFields[] = {"user.name", "db.user.name", "TargetUserName", "User", "user", "SubjectUserName", "AccountName"};

bool one_of(const std::string& name, const char* const* list, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (name == list[i]) return true;
  return false;
}

void split_tags(const std::vector<std::string>& tags, Alert& a) {
  for (const auto& t : tags) {
    if (t.rfind("attack.", 0) == 0)
      a.attack.push_back(t);
    else if (t.rfind("mlps.", 0) == 0)
      a.mlps.push_back(t.substr(5));
  }
}

}  // namespace

Result<std::unique_ptr<Detector>> Detector::create(const DetectorOptions& opt, AlertStore& alerts, Outputs& outputs,
                                                   std::function<bool(std::vector<Event>&&)> emit) {
  auto mapping = detect::Mapping::load(opt.mapping);
  if (!mapping) return Error{"detection: " + mapping.error()};
  std::unique_ptr<Detector> d(new Detector());
  d->opt_ = opt;
  d->alerts_ = &alerts;
  d->outputs_ = &outputs;
  d->emit_ = std::move(emit);
  auto set = std::make_shared<detect::RuleSet>(std::move(mapping.value()));
  for (const auto& p : opt.rule_paths) {
    std::error_code ec;
    if (!std::filesystem::exists(p, ec)) {
      spdlog::warn("detection: rule path {} does not exist; skipped", p);
      continue;
    }
    set->add_path(p, opt.load);
  }
  set->finish();
  for (const auto& e : set->errors()) spdlog::warn("rule skipped: {}", e.to_string());
  d->set_ = set;
  int64_t t0 = now_ns();
  auto engine = detect::Engine::compile(*d->set_, opt.cache_dir);
  if (!engine) return Error{"detection: " + engine.error()};
  d->engine_ = std::move(engine.value());
  detect::Correlator::Options co;
  co.max_groups = opt.max_groups;
  d->correlator_ = std::make_unique<detect::Correlator>(*d->set_, co);
  const auto& st = d->engine_->stats();
  spdlog::info("detection: {} rules ({} routed), {} correlations, {} filters, {} errors; {} in {} ms ({} databases, {} PCRE2 fallbacks)",
               st.rules, st.routed_rules, d->set_->correlations().size(), d->set_->filters().size(), d->set_->errors().size(),
               st.from_cache ? "loaded from the cache" : "compiled", (now_ns() - t0) / 1000000, st.databases, st.pcre_fallback);
  if (!st.cache_note.empty()) spdlog::warn("detection: compiled-rule cache: {}", st.cache_note);
  return d;
}

std::unique_ptr<Detector> Detector::sibling(std::function<bool(std::vector<Event>&&)> emit) const {
  std::unique_ptr<Detector> d(new Detector());
  d->opt_ = opt_;
  d->alerts_ = alerts_;
  d->outputs_ = outputs_;
  d->emit_ = std::move(emit);
  d->set_ = set_;
  d->engine_ = engine_->clone();
  detect::Correlator::Options co;
  co.max_groups = opt_.max_groups;
  d->correlator_ = std::make_unique<detect::Correlator>(*d->set_, co);
  return d;
}

std::string Detector::zone_of(std::string_view ip) const {
  const enrich::Zone* z = opt_.places ? opt_.places->zone_of(ip) : nullptr;
  return z ? z->label() : std::string();
}

void Detector::process(const std::vector<Event>& events, size_t count, const std::vector<uint64_t>& refs) {
  for (size_t i = 0; i < count; i++) {
    const Event& ev = events[i];
    stats_.events++;
    max_ts_ = std::max(max_ts_, ev.ts);
    // One event, one alert: of the stand-alone rules it matched, the worst raises and names
    // the others (a SQL injection matched by two rules is one attack).
    std::optional<size_t> worst;
    std::vector<size_t> also;
    for (size_t r : engine_->match(ev)) {
      stats_.rule_matches++;
      const auto& lr = set_->rules()[r];
      if (lr.standalone) {
        if (worst && level_rank(lr.rule.level) <= level_rank(set_->rules()[*worst].rule.level)) {
          also.push_back(r);
        } else {
          if (worst) also.push_back(*worst);
          worst = r;
        }
      }
      if (!lr.correlations.empty()) correlator_->on_rule_match(r, ev, refs[i], hits_);
    }
    if (worst) raise_rule(*worst, ev, refs[i], also);
    for (const auto& h : hits_) raise_correlation(h, &ev);
    hits_.clear();
  }
  if (count) {
    next_ref_ = std::max(next_ref_, refs[count - 1] + 1);
    cursor_dirty_ = true;
  }
  if (now_ns() - cursor_saved_at_ > 1000000000LL) save_cursor();
  // Windows close on event time; when the stream is idle, on the clock (less the usual lag).
  correlator_->advance(count ? max_ts_ : std::max<int64_t>(max_ts_, now_ns() - 5LL * 1000000000LL), hits_);
  for (const auto& h : hits_) raise_correlation(h, nullptr);
  hits_.clear();
  if (!pending_mirror_.empty() && emit_) {
    std::vector<Event> batch;
    batch.swap(pending_mirror_);
    // emit_ leaves the batch as it was when it refuses it (queue full).
    // NOLINTBEGIN(bugprone-use-after-move)
    if (!emit_(std::move(batch))) {
      // Queue full: keep them for the next batch, up to a bound (the alerts are in SQLite).
      if (batch.size() > 10000) {
        stats_.mirror_dropped += batch.size();
        spdlog::warn("alert records: event store queue full, {} alert record(s) not mirrored", batch.size());
      } else {
        pending_mirror_.swap(batch);
      }
    }
    // NOLINTEND(bugprone-use-after-move)
  }
}

void Detector::start_live_at(uint64_t end) {
  next_ref_ = end;
  cursor_held_ = true;
}

void Detector::save_cursor() {
  cursor_saved_at_ = now_ns();
  flush_repeats();
  if (!cursor_dirty_ || cursor_held_) return;
  if (Status s = alerts_->set_cursor(next_ref_); !s) spdlog::error("detection cursor not saved: {}", s.error());
  cursor_dirty_ = false;
  cursor_saved_at_ = now_ns();
}

Result<uint64_t> Detector::catch_up(const std::string& data_dir, uint64_t end, uint64_t max_events, Progress* progress,
                                    const std::atomic<bool>* stop) {
  auto cur = alerts_->cursor();
  if (!cur) return Error{cur.error()};
  if (!cur->has_value() || **cur > end) {
    // First start (or a store that was replaced): start from now.
    next_ref_ = end;
    cursor_dirty_ = true;
    save_cursor();
    return uint64_t{0};
  }
  uint64_t from = **cur;
  next_ref_ = from;
  if (from == end) return uint64_t{0};
  // Count first, so that a huge backlog is cut to its newest part, and say so.
  auto for_each_block = [&](const std::function<Status(store::SegmentReader&, const store::BlockRef&)>& fn) -> Status {
    auto segs = store::list_segments(data_dir);
    for (size_t i = 0; i < segs.size(); i++) {
      auto rd = store::SegmentReader::open(segs[i]);
      if (!rd) continue;
      if (i + 1 < segs.size()) {
        auto nx = store::SegmentReader::open(segs[i + 1]);
        if (nx && nx->header().first_seq <= (from >> store::kRefRowBits)) continue;
      }
      while (auto b = rd->next()) {
        uint64_t first = b->header.seq << store::kRefRowBits, last = first + b->header.n_events;
        if (last <= from || first >= end) continue;
        if (Status s = fn(*rd, *b); !s) return s;
      }
    }
    return {};
  };
  uint64_t backlog = 0;
  Status s = for_each_block([&](store::SegmentReader&, const store::BlockRef& b) {
    uint64_t first = b.header.seq << store::kRefRowBits;
    for (uint64_t r = first; r < first + b.header.n_events; r++) backlog += r >= from && r < end;
    return Status{};
  });
  if (!s) return Error{s.error()};
  uint64_t skip = backlog > max_events ? backlog - max_events : 0;
  if (skip)
    spdlog::warn("detection: {} stored events were never examined; examining the newest {}, skipping {} (search them)", backlog, max_events,
                 skip);
  else if (backlog)
    spdlog::info("detection: examining {} stored event(s) that were not examined before the last stop", backlog);
  if (progress) progress->total = backlog - skip;
  uint64_t seen = 0, examined = 0;
  std::vector<Event> evs, batch;
  std::vector<uint64_t> refs;
  s = for_each_block([&](store::SegmentReader& rd, const store::BlockRef& b) {
    evs.clear();
    if (Status e = rd.read_events(b, evs); !e) {
      spdlog::error("detection catch-up: {}: its events are not examined", e.error());  // damage: the start and verify name it too
      return Status{};
    }
    batch.clear();
    refs.clear();
    uint64_t first = b.header.seq << store::kRefRowBits;
    for (size_t row = 0; row < evs.size(); row++) {
      uint64_t ref = first + row;
      if (ref < from || ref >= end) continue;
      if (seen++ < skip) continue;
      // Alert records detection itself stored (their dataset is the center's own, which no
      // input can claim: parse/guard.cc) are history, not events to examine.
      if (evs[row].get(kEventDataset) == "wardsec.alert") continue;
      batch.push_back(std::move(evs[row]));
      refs.push_back(ref);
    }
    process(batch, batch.size(), refs);
    examined += batch.size();
    if (progress) progress->done = examined;
    if (stop && stop->load()) return Status{Error{"stopped"}};
    return Status{};
  });
  if (!s) {
    save_cursor();  // how far it got
    if (stop && stop->load()) return examined;
    return Error{s.error()};
  }
  next_ref_ = end;
  cursor_dirty_ = true;
  save_cursor();
  return examined;
}

// The target of an event that describes a connection: the hospital's end of it (the
// destination when it is inside, else an inside source talking out). A firewall's or a
// database monitor's line is about the server it names, not about the device that logged it.
// "" when the event names no such end.
std::string_view Detector::inside_end(const Event& ev) const {
  auto inside = [&](std::string_view ip) {
    auto addr = parse_ip(ip);
    if (!addr) return false;
    std::string key = opt_.places ? opt_.places->zone_key_of(ip) : std::string();
    return key.empty() ? enrich::is_private(*addr) : key != "public";
  };
  std::string_view dst = ev.get(kDestinationIp), src = ev.get(kSourceIp);
  return inside(dst) ? dst : !dst.empty() && inside(src) ? src : std::string_view();
}

void Detector::fill_from_event(Alert& a, const Event& ev, size_t rule) {
  auto first = [&](const char* const* names, size_t n) -> std::string {
    for (size_t k = 0; k < n; k++)
      if (auto v = set_->lookup(rule, ev, names[k]); v && !v->empty()) return std::string(*v);
    return {};
  };
  if (std::string_view end = a.asset.empty() ? inside_end(ev) : std::string_view(); !end.empty()) {
    auto hit = opt_.places ? opt_.places->asset("", end) : std::nullopt;
    a.asset = hit ? hit->asset->name : std::string(end);
    if (a.zone.empty()) a.zone = zone_of(end);  // the target's zone, not the logging device's
  }
  if (a.asset.empty()) a.asset = first(kAssetFields, std::size(kAssetFields));
  if (a.source_ip.empty()) a.source_ip = first(kSourceFields, std::size(kSourceFields));
  if (a.user.empty()) a.user = first(kUserFields, std::size(kUserFields));
  std::string_view sender = enrich::sender_ip(ev.get(kLogSourceAddress));
  if (a.asset.empty()) a.asset = std::string(sender);
  if (a.zone.empty() && opt_.places) {
    // The asset stage wrote the zone of the host that logged (src/enrich/places.h).
    // Events stored before that stage existed get the same lookup here.
    static const FieldId host_zone = FieldRegistry::intern("host.zone");
    const enrich::Zone* z =
        ev.has(host_zone) ? opt_.places->zone(ev.get(host_zone)) : opt_.places->zone_of(ev.has(kHostIp) ? ev.get(kHostIp) : sender);
    if (z) a.zone = z->label();
  }
  if (a.summary.empty()) {
    std::string_view text = ev.get(kMessage);
    if (text.empty()) text = ev.raw;
    a.summary = search::display_text(text.substr(0, 400));
  }
}

void Detector::raise_rule(size_t r, const Event& ev, uint64_t ref, const std::vector<size_t>& also) {
  const auto& rule = set_->rules()[r].rule;
  Alert a;
  a.rule_id = rule.id.empty() ? rule.title : rule.id;
  a.rule_title = rule.title;
  a.rule_title_zh = rule.zh.title;
  a.rule_kind = "rule";
  a.level = rule.level.empty() ? "medium" : rule.level;
  split_tags(rule.tags, a);
  fill_from_event(a, ev, r);
  if (!also.empty()) {
    std::string names;
    for (size_t k : also) {
      const auto& o = set_->rules()[k].rule;
      names += (names.empty() ? "" : "、") + (o.zh.title.empty() ? o.title : o.zh.title + " (" + o.title + ")");
    }
    a.summary = "同一事件另命中 / also matched: " + names + " — " + a.summary;
  }
  a.first_ts = a.last_ts = ev.ts;
  a.events.push_back(ref);
  // One alert per rule and target, its sources counted (a scan from 800 addresses is one
  // alert, not 800); a host's own events (no source) stay apart per account.
  a.dedup_key = a.rule_id + "|" + a.asset + (a.source_ip.empty() ? "|" + a.user : "");
  if (!a.source_ip.empty()) a.sources = {{a.source_ip, 1}};
  raise(a);
}

void Detector::raise_correlation(const detect::CorrelationHit& h, const Event* ev) {
  stats_.correlation_hits++;
  const auto& lc = set_->correlations()[h.correlation];
  if (!lc.standalone) return;
  const auto& c = lc.corr;
  Alert a;
  a.rule_id = c.id.empty() ? c.title : c.id;
  a.rule_title = c.title;
  a.rule_title_zh = c.zh.title;
  a.rule_kind = detect::Correlation::type_name(c.type);
  a.level = c.level.empty() ? "high" : c.level;
  split_tags(c.tags, a);
  a.group = h.group;
  for (const auto& [k, v] : h.group) {
    if (a.asset.empty() && one_of(k, kAssetFields, std::size(kAssetFields))) a.asset = v;
    if (a.source_ip.empty() && one_of(k, kSourceFields, std::size(kSourceFields))) a.source_ip = v;
    if (a.user.empty() && one_of(k, kUserFields, std::size(kUserFields))) a.user = v;
  }
  // The event that completed the correlation fills in the rest (it matched one of the
  // correlation's rules, so that rule's field mapping applies).
  if (ev) {
    size_t rule = 0;
    for (const auto& ref : lc.refs)
      if (!ref.is_correlation) {
        rule = ref.index;
        break;
      }
    fill_from_event(a, *ev, rule);
  }
  if (a.zone.empty()) a.zone = zone_of(a.asset);
  if (a.zone.empty()) a.zone = zone_of(a.source_ip);
  std::string value = fmt::format("{}", h.value);
  std::string group;
  for (const auto& [k, v] : h.group) group += (group.empty() ? "" : ", ") + k + "=" + v;
  a.summary = std::string(detect::Correlation::type_name(c.type)) + " = " + value + " (" + std::to_string(h.event_count) + " events" +
              (group.empty() ? "" : "; " + group) + ")" + (a.summary.empty() ? "" : " — " + a.summary);
  a.first_ts = h.first_ts;
  a.last_ts = h.last_ts;
  a.events = h.events;
  a.dedup_key = a.rule_id + "|" + group;
  if (!a.source_ip.empty()) a.sources = {{a.source_ip, a.count}};
  raise(a);
}

void Detector::flush_repeats() {
  std::vector<AlertStore::Repeat> reps;
  std::vector<std::string> keys;
  for (auto& [k, c] : open_)
    if (c.pending) {
      reps.push_back({c.id, c.pending, c.last_ts, std::move(c.refs), std::move(c.sources)});
      keys.push_back(k);
      c.pending = 0;
      c.refs.clear();
      c.sources.clear();
    }
  flushed_at_ = now_ns();
  if (!reps.empty()) {
    auto applied = alerts_->add_repeats(reps, flushed_at_);
    if (!applied) {
      stats_.alert_errors++;
      spdlog::error("alert repeats not stored: {}", applied.error());
    } else {
      for (size_t i = 0; i < keys.size(); i++) {
        if ((*applied)[i]) continue;
        // Closed meanwhile: the repeats are a new alert.
        Alert a = open_[keys[i]].draft;
        a.count = reps[i].count;
        a.events = reps[i].events;
        a.sources = reps[i].sources;
        open_.erase(keys[i]);
        raise(a);
      }
    }
  }
  // Forget what can no longer absorb repeats; keep the map bounded.
  for (auto it = open_.begin(); it != open_.end();)
    it = (max_ts_ - it->second.last_ts >= opt_.dedup_ns || open_.size() > 100000) && !it->second.pending ? open_.erase(it) : std::next(it);
}

void Detector::fill_system(Alert& a) const {
  if (!opt_.places || a.asset.empty()) return;
  auto hit = opt_.places->asset(a.asset, parse_ip(a.asset) ? std::string_view(a.asset) : std::string_view());
  if (!hit) return;
  if (hit->system)
    a.system = hit->system->id + " " + hit->system->name + (hit->system->level ? " L" + std::to_string(hit->system->level) : "");
  if (a.zone.empty())
    if (const enrich::Zone* z = opt_.places->zone(hit->asset->zone)) a.zone = z->label();
  if (a.zone.empty()) a.zone = hit->asset->zone;
}

void Detector::raise(Alert& a) {
  int64_t now = now_ns();
  fill_system(a);
  // A suppressed raise never merges into an open alert in memory (nor the other way round).
  const std::string key = alerts_->suppressed(a, now) ? a.dedup_key + "\x1fsuppressed" : a.dedup_key;
  if (auto it = open_.find(key); it != open_.end() && a.first_ts - it->second.last_ts < opt_.dedup_ns) {
    Cached& c = it->second;
    c.pending += a.count;
    merge_counts(c.sources, a.sources, 1000);  // wide between flushes: a busy source arriving late is still counted by name
    c.last_ts = std::max(c.last_ts, a.last_ts);
    c.refs.insert(c.refs.end(), a.events.begin(), a.events.end());
    if (c.refs.size() > 64) c.refs.erase(c.refs.begin(), c.refs.end() - 64);
    c.draft = a;
    stats_.alerts_merged++;
    return;
  }
  auto r = alerts_->raise(a, opt_.dedup_ns, now);
  if (!r) {
    stats_.alert_errors++;
    spdlog::error("alert for rule '{}' not stored: {}", a.rule_title, r.error());
    return;
  }
  a.id = r->id;
  a.created = a.updated = now;
  Cached& c = open_[key];
  c.id = r->id;
  c.last_ts = std::max(c.last_ts, a.last_ts);
  c.draft = a;
  if (r->suppressed) {
    stats_.alerts_suppressed++;
    return;
  }
  if (!r->created) {
    stats_.alerts_merged++;
    return;
  }
  stats_.alerts_created++;
  outputs_->notify(a);
  if (opt_.on_alert) opt_.on_alert(a);
  pending_mirror_.push_back(alert_event(a, "alert_raised", "wardsec", now));
}

Event alert_event(const Alert& a, const std::string& action, const std::string& who, int64_t now) {
  static const FieldId kind = FieldRegistry::intern("event.kind"), rule_id = FieldRegistry::intern("rule.id"),
                       sev = FieldRegistry::intern("event.severity_name"), alert_id = FieldRegistry::intern("alert.id"),
                       state = FieldRegistry::intern("alert.state"), zone = FieldRegistry::intern("network.zone");
  Event ev;
  ev.raw = alert_to_json(a);
  ev.ts = now;
  ev.received = now;
  ev.set(kind, "alert");
  ev.set(kEventDataset, "wardsec.alert");
  ev.set(kEventAction, action);
  ev.set(alert_id, std::to_string(a.id));
  ev.set(rule_id, a.rule_id);
  ev.set(kRuleName, a.rule_title);
  ev.set(sev, a.level);
  ev.set(state, state_name(a.state));
  if (!a.asset.empty()) ev.set(kHostName, a.asset);
  if (!a.zone.empty()) ev.set(zone, a.zone);
  if (!a.source_ip.empty()) ev.set(kSourceIp, a.source_ip);
  ev.set(kUserName, who == "wardsec" ? a.user : who);
  ev.set(kMessage, "[" + a.level + "] " + bilingual_title(a) + (a.asset.empty() ? "" : " @ " + a.asset));
  return ev;
}

}  // namespace wardsec::alert
