// The targets' registry and the helpers the log targets share.
#include <cstdlib>
#include <string>

#include "fuzz.h"

namespace wardsec::fuzz {

std::vector<Target>& targets() {
  static std::vector<Target> all;
  return all;
}

const Target* find_target(std::string_view name) {
  for (const auto& t : targets())
    if (name == t.name) return &t;
  return nullptr;
}

void check(const Event& ev) {
  for (const auto& f : ev.fields) {
    const std::string& b = f.in_extra ? ev.extra : ev.raw;
    if (static_cast<size_t>(f.off) + f.len > b.size()) std::abort();
  }
}

void decode_line(const Decoder& dec, std::string_view in) {
  Event ev;
  ev.raw.assign(in);
  ParseContext ctx;
  ctx.received = 1795694400LL * 1000000000LL;
  dec.decode(ev, ctx);
  check(ev);
}

namespace {

const ParserRegistry& registry() {
  static ParserRegistry reg = [] {
    ParserRegistry r;
    register_builtin_parsers(r);
    return r;
  }();
  return reg;
}

}  // namespace

void run_envelope(const char* name, std::string_view in) {
  for (const auto& e : registry().envelopes()) {
    if (e.name != name) continue;
    Event ev;
    ev.raw.assign(in);
    ParseContext ctx;
    ctx.received = 1795694400LL * 1000000000LL;
    std::string_view prog, body;
    if (e.parser->sniff(ev.raw)) e.parser->parse(ev, ctx, prog, body);
    check(ev);
  }
}

void run_message(const char* name, const char* program, std::string_view in) {
  for (const auto& m : registry().messages()) {
    if (m.name != name) continue;
    Event ev;
    ev.raw.assign(in);
    ParseContext ctx;
    m.parser->parse(ev, program, ev.raw, ctx);
    check(ev);
  }
}

}  // namespace wardsec::fuzz
