#include "ingest/multiline.h"

#include <algorithm>

#include "core/strutil.h"
#include "parse/regex.h"
#include "parse/source_zones.h"

namespace wardsec::ingest {

struct MultilineRules::Rule {
  MultilineSpec spec;
  RegexPtr start, cont, end;  // null: none
  std::vector<Cidr> nets;
  std::vector<std::string> path_globs, programs;  // lower case
};

MultilineRules::~MultilineRules() = default;

Result<std::shared_ptr<const MultilineRules>> MultilineRules::compile(const std::vector<MultilineSpec>& specs) {
  std::shared_ptr<MultilineRules> rules(new MultilineRules());
  for (const auto& s : specs) {
    auto r = std::make_unique<Rule>();
    r->spec = s;
    if (s.start.empty() == s.cont.empty()) return Error{s.where + ": multiline takes 'start' or 'continue', one of them"};
    if (s.programs.empty() && s.sources.empty())
      return Error{s.where + ": multiline names 'programs' or 'sources' (a rule for every line would hold every line)"};
    for (auto [pat, re, what] : {std::tuple{&s.start, &r->start, "start"}, {&s.cont, &r->cont, "continue"}, {&s.end, &r->end, "end"}}) {
      if (pat->empty()) continue;
      auto c = Regex::compile(*pat, s.where + ": multiline." + what);
      if (!c) return Error{c.error()};
      *re = *c;
    }
    for (const auto& src : s.sources) {
      if (auto c = parse_cidr(src))
        r->nets.push_back(*c);
      else if (src.find('/') != std::string::npos || src.find('*') != std::string::npos)
        r->path_globs.push_back(to_lower(src));
      else
        return Error{s.where + ": multiline.sources: '" + src + "' is neither an address, a CIDR nor a file path (glob)"};
    }
    for (const auto& p : s.programs) r->programs.push_back(to_lower(p));
    rules->has_sources_ |= !s.sources.empty();
    rules->rules_.push_back(std::move(r));
  }
  return std::shared_ptr<const MultilineRules>(std::move(rules));
}

const MultilineRules::Rule* MultilineRules::find(std::string_view source, std::string_view program) const {
  for (const auto& r : rules_) {
    if (!r->programs.empty() &&
        std::none_of(r->programs.begin(), r->programs.end(), [&](const std::string& g) { return glob_match(program, g); }))
      continue;
    if (!r->nets.empty() || !r->path_globs.empty()) {
      bool hit = false;
      if (!r->nets.empty())
        if (auto ip = parse_ip(address_of(source)))
          hit = std::any_of(r->nets.begin(), r->nets.end(), [&](const Cidr& c) { return c.contains(*ip); });
      if (!hit) hit = std::any_of(r->path_globs.begin(), r->path_globs.end(), [&](const std::string& g) { return glob_match(source, g); });
      if (!hit) continue;
    }
    return r.get();
  }
  return nullptr;
}

const MultilineSpec& MultilineRules::spec(const Rule& r) { return r.spec; }

bool MultilineRules::starts(const Rule& r, std::string_view body) { return r.start ? r.start->search(body) : !r.cont->search(body); }

bool MultilineRules::ends(const Rule& r, std::string_view body) { return r.end && r.end->search(body); }

// ---- the joiner ------------------------------------------------------------------------------

void Joiner::release(std::unordered_map<std::string, Held>::iterator it, std::vector<JoinedEvent>& out, bool cut) {
  Held& h = it->second;
  if (h.j.lines > 1) {
    stats_.joined++;
    stats_.lines += h.j.lines;
  }
  if (cut) stats_.cut++;
  held_bytes_ -= std::min(held_bytes_, h.bytes);
  out.push_back(std::move(h.j));
  held_.erase(it);
}

void Joiner::make_room(size_t bytes, std::vector<JoinedEvent>& out) {
  while (!held_.empty() && (held_.size() >= kMaxHeld || held_bytes_ + bytes > kMaxHeldBytes)) {
    auto oldest = std::min_element(held_.begin(), held_.end(), [](const auto& a, const auto& b) { return a.second.seq < b.second.seq; });
    release(oldest, out, true);
  }
}

bool Joiner::offer(Event& ev, std::string_view input, std::string_view source, const AckSource& ack, uint32_t index, int64_t now,
                   std::vector<JoinedEvent>& out) {
  std::string_view program = ev.get(kProcessName);
  lookup_.assign(program);
  if (rules_->has_sources()) lookup_.append(1, '\0').append(source);
  const MultilineRules::Rule* rule;
  if (auto hit = rule_of_.find(lookup_); hit != rule_of_.end()) {
    rule = hit->second;
  } else {
    rule = rules_->find(source, program);
    if (rule_of_.size() >= 4096) rule_of_.clear();
    rule_of_.emplace(lookup_, rule);
  }
  if (!rule) return false;
  const MultilineSpec& spec = MultilineRules::spec(*rule);
  std::string_view host = ev.get(kHostName);
  std::string_view body = std::string_view(ev.raw).substr(std::min<size_t>(ev.body_off, ev.raw.size()));
  key_.assign(input).append(1, '\0').append(source).append(1, '\0').append(host).append(1, '\0').append(program);
  auto it = held_.find(key_);
  bool start = MultilineRules::starts(*rule, body), cut = false;
  if (it != held_.end() && !start) {
    Held& h = it->second;
    size_t joined = h.j.lines == 1 ? h.j.ev.raw.size() : h.j.raw.size();  // max_bytes bounds the whole text
    if (h.j.lines + 1 > spec.max_lines || joined + 1 + body.size() > spec.max_bytes) {
      release(it, out, true);  // the rest goes on as a new event, from this line (below)
      it = held_.end();
      cut = true;
    } else {
      if (h.j.lines == 1) {  // the first line's text, then the bodies of the lines after it; decoded again
        h.j.raw = std::move(h.j.ev.raw);
        h.j.ev.clear();
      }
      h.j.raw.append(1, '\n').append(body);
      h.bytes += body.size() + 1;
      held_bytes_ += body.size() + 1;
      h.j.lines++;
      if (ev.flags & kTruncated) h.j.truncated = true;
      if (ev.flags & kParseError) h.j.unparsed++;
      if (auto a = ack.of(index)) h.j.acks.push_back(std::move(a));
      h.deadline = now + spec.timeout_ms * 1000000LL;
      if (MultilineRules::ends(*rule, body)) release(it, out, false);
      return true;
    }
  }
  if (it != held_.end()) release(it, out, false);  // a new event starts: the one before is whole
  // A line that does not start an event, with nothing held (its event was let go, or the
  // sender's lines are not multi-line at all), is an event of its own; so is one that ends
  // where it starts. The line after a cut is held: the rest of a long trace stays together.
  if ((!start && !cut) || MultilineRules::ends(*rule, body)) return false;
  make_room(ev.raw.size(), out);
  Held h;
  h.rule = rule;
  h.j.ev = std::move(ev);
  h.j.received = h.j.ev.received;
  h.j.truncated = h.j.ev.flags & kTruncated;
  h.j.unparsed = (h.j.ev.flags & kParseError) ? 1 : 0;
  h.j.input.assign(input);
  h.j.source.assign(source);
  if (auto a = ack.of(index)) h.j.acks.push_back(std::move(a));
  h.deadline = now + spec.timeout_ms * 1000000LL;
  h.seq = ++seq_;
  h.bytes = h.j.ev.raw.size() + h.j.ev.extra.size();
  held_bytes_ += h.bytes;
  if (next_expiry_ == 0 || h.deadline < next_expiry_) next_expiry_ = h.deadline;
  held_.emplace(key_, std::move(h));
  return true;
}

void Joiner::expire(int64_t now, std::vector<JoinedEvent>& out) {
  if (held_.empty() || now < next_expiry_) return;
  next_expiry_ = 0;
  for (auto it = held_.begin(); it != held_.end();) {
    auto next = std::next(it);
    if (it->second.deadline <= now)
      release(it, out, false);
    else if (next_expiry_ == 0 || it->second.deadline < next_expiry_)
      next_expiry_ = it->second.deadline;
    it = next;
  }
}

void Joiner::flush(std::vector<JoinedEvent>& out) {
  std::vector<std::pair<uint64_t, std::string>> order;  // in the order they arrived
  for (const auto& [k, h] : held_) order.emplace_back(h.seq, k);
  std::sort(order.begin(), order.end());
  for (const auto& [seq, k] : order) release(held_.find(k), out, false);
  next_expiry_ = 0;
}

}  // namespace wardsec::ingest
