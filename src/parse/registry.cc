#include <stdexcept>

#include "core/strutil.h"
#include "core/timeutil.h"
#include "parse/parser.h"
#include "parse/source_zones.h"

namespace wardsec {

void ParserRegistry::check_new(const std::string& name) const {
  for (const auto& e : envelopes_)
    if (e.name == name) throw std::logic_error("duplicate parser name: " + name);
  for (const auto& m : messages_)
    if (m.name == name) throw std::logic_error("duplicate parser name: " + name);
}

void ParserRegistry::add_envelope(std::string name, EnvelopeParserPtr p) {
  check_new(name);
  envelopes_.push_back({std::move(name), std::move(p)});
}

void ParserRegistry::add_message(std::string name, MessageParserPtr p) {
  check_new(name);
  messages_.push_back({std::move(name), std::move(p)});
}

// The one list. Order matters: the first envelope whose sniff() and parse() succeed wins,
// and message parsers are tried in order until one recognizes the body.
void register_builtin_parsers(ParserRegistry& reg) {
  reg.add_envelope("rfc5424", make_rfc5424_parser());
  reg.add_envelope("rfc3164", make_rfc3164_parser());
  reg.add_envelope("json", make_json_parser());
  reg.add_envelope("winxml", make_winxml_parser());
  reg.add_envelope("cef", make_cef_envelope_parser());
  reg.add_envelope("auditd", make_auditd_envelope_parser());
  reg.add_envelope("apache.error", make_apache_error_parser());
  reg.add_envelope("nginx.error", make_nginx_error_parser());
  reg.add_envelope("access", make_access_log_parser());

  reg.add_message("sshd", make_sshd_parser());
  reg.add_message("sudo", make_sudo_parser());
  reg.add_message("su", make_su_parser());
  reg.add_message("pam", make_pam_parser());
  reg.add_message("netfilter", make_netfilter_parser());
  reg.add_message("mariadb-audit", make_mariadb_audit_parser());
  reg.add_message("pgaudit", make_pgaudit_parser());
  reg.add_message("auditd.msg", make_auditd_message_parser());
  reg.add_message("cef.msg", make_cef_message_parser());
  reg.add_message("access.msg", make_access_message_parser());
  reg.add_message("json.msg", make_json_message_parser());
  reg.add_message("winxml.msg", make_winxml_message_parser());
  reg.set_fallback(make_guess_parser());
}

void set_source(Event& ev, std::string_view v) {
  if (v.empty() || v == "?") return;
  ev.set(kSourceAddress, v);
  if (looks_like_ip(v)) ev.set(kSourceIp, v);
}

Decoder::Decoder() : owned_(std::make_unique<ParserRegistry>()), reg_(owned_.get()) { register_builtin_parsers(*owned_); }

Decoder::Decoder(const ParserRegistry* reg) : reg_(reg) {
  if (!reg_) {  // none given: the built-in parsers
    owned_ = std::make_unique<ParserRegistry>();
    register_builtin_parsers(*owned_);
    reg_ = owned_.get();
  }
}

void Decoder::decode(Event& ev, const ParseContext& ctx) const {
  decode_parsed(ev, ctx);
  bool ruled = ctx.zone_from_rule;
  int zone = ctx.tz_sec;
  if (ctx.zones && ctx.zones->has_host_rules() && !(ev.flags & kParseError))
    if (auto z = ctx.zones->for_host(ev.get(kHostName))) {
      ruled = true;
      if (*z != zone) {  // read again in the host's zone (the host is known only once read)
        zone = *z;
        ParseContext again = ctx;
        again.tz_sec = zone;
        uint32_t keep = ev.flags & kTruncated;  // the raw text is cut already
        std::string raw = std::move(ev.raw);
        int64_t received = ev.received;
        ev.clear();
        ev.raw = std::move(raw);
        ev.received = received;
        ev.flags = keep;
        decode_parsed(ev, again);
      }
    }
  if (ruled && !(ev.flags & kNoTimestamp)) {
    static const FieldId kTimezone = FieldRegistry::intern("event.timezone");
    ev.set(kTimezone, tz_text(zone));
  }
  if (guard_input_event(ev, ctx)) reserved_.fetch_add(1, std::memory_order_relaxed);
}

void Decoder::decode_parsed(Event& ev, const ParseContext& ctx) const {
  if (ev.raw.size() > kMaxMessage) {
    ev.raw.resize(kMaxMessage);
    ev.flags |= kTruncated;
  }
  // Trailing CR/LF/NUL are framing, not content.
  while (!ev.raw.empty() && (ev.raw.back() == '\n' || ev.raw.back() == '\r' || ev.raw.back() == '\0')) ev.raw.pop_back();
  if (!valid_utf8(ev.raw)) ev.flags |= kInvalidUtf8;
  if (ev.received == 0) ev.received = ctx.received ? ctx.received : now_ns();
  std::string_view line = ev.raw;
  for (const auto& e : reg_->envelopes()) {
    if (!e.parser->sniff(line)) continue;
    std::string_view program, body;
    size_t keep = ev.fields.size();
    if (!e.parser->parse(ev, ctx, program, body)) {
      ev.fields.resize(keep);
      continue;
    }
    if (!ev.has(kEventModule)) ev.set(kEventModule, e.name);
    if (!body.empty() && body.data() >= ev.raw.data() && body.data() <= ev.raw.data() + ev.raw.size())
      ev.body_off = static_cast<uint32_t>(body.data() - ev.raw.data());
    if (!body.empty()) decode_body(ev, program, body, ctx);
    if (std::string_view ds = ev.get(kEventDataset); ds == "json" || ds == "xml")  // structured: a family may know its fields
      for (const auto& m : reg_->messages())
        if (m.parser->refine(ev)) break;
    if (!ev.has(kEventDataset)) ev.set(kEventDataset, "syslog");  // understood envelope, unknown program
    if (ev.ts == 0) {
      ev.ts = ev.received;
      ev.flags |= kNoTimestamp;
    }
    return;
  }
  // No envelope: maybe a bare program message (e.g. a netfilter line from dmesg).
  decode_body(ev, {}, line, ctx);
  if (!ev.has(kEventDataset)) {
    ev.flags |= kParseError;
    ev.set(kMessage, line);
    parse_errors_.fetch_add(1, std::memory_order_relaxed);
  }
  if (ev.ts == 0) {
    ev.ts = ev.received;
    ev.flags |= kNoTimestamp;
  }
}

void Decoder::decode_body(Event& ev, std::string_view program, std::string_view body, const ParseContext& ctx) const {
  for (const auto& m : reg_->messages()) {
    if (m.parser->parse(ev, program, body, ctx)) return;
  }
  if (const auto* f = reg_->fallback()) f->parse(ev, program, body, ctx);
}

}  // namespace wardsec
