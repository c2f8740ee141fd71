// Parsers turn a raw message into ECS-style fields.
//
// Two kinds, both registered by name in one visible list (register_builtin_parsers):
//  - envelope parsers recognize a whole line (syslog RFC 3164/5424, JSON, CEF, auditd, web
//    server access/error logs) and find the program and message body;
//  - message parsers understand the body of one kind of program (sshd, sudo, su, pam,
//    netfilter, ...), chosen by the program name or by the body's shape.
// No parser throws or asserts on input: a message nobody understands keeps its raw text and
// gets the kParseError flag (see docs/STYLE.md, "Error policy").
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"

namespace wardsec {

class SourceZones;

struct ParseContext {
  int64_t received = 0;   // ns; reference time for year-less timestamps
  int tz_sec = 8 * 3600;  // zone for timestamps that carry none (China Standard Time by default)
  // Per-source zones (parse/source_zones.h). The pipeline sets tz_sec from the sender's rule
  // and says so (zone_from_rule); the decoder applies a host-name rule itself, and tags an
  // event read in a rule's zone with event.timezone.
  const SourceZones* zones = nullptr;
  bool zone_from_rule = false;
  // An event's own time must fall within [received - max_past, received + max_future]; else
  // it is filed at reception, the sender's time kept in event.original_time, and tagged
  // (event.time_adjusted: future / past / invalid).
  int64_t max_future_ns = 86400LL * 1000000000LL;
  int64_t max_past_ns = 3650LL * 86400 * 1000000000LL;
};

class EnvelopeParser {
 public:
  virtual ~EnvelopeParser() = default;
  // Cheap check on the first bytes; true if parse() should be tried.
  virtual bool sniff(std::string_view line) const = 0;
  // Fills fields from ev.raw. Sets program/body for the message parsers when it finds them.
  // Returns false if the line is not of this format after all.
  virtual bool parse(Event& ev, const ParseContext& ctx, std::string_view& program, std::string_view& body) const = 0;
};

class MessageParser {
 public:
  virtual ~MessageParser() = default;
  // True if this parser recognized the body and set fields.
  virtual bool parse(Event& ev, std::string_view program, std::string_view body, const ParseContext& ctx) const = 0;
  // For an event a structured format decoded (event.dataset json): true if this parser
  // recognised its fields and mapped them (the device families' field matches).
  virtual bool refine(Event&) const { return false; }
};

using EnvelopeParserPtr = std::unique_ptr<EnvelopeParser>;
using MessageParserPtr = std::unique_ptr<MessageParser>;

class ParserRegistry {
 public:
  struct Envelope {
    std::string name;
    EnvelopeParserPtr parser;
  };
  struct Message {
    std::string name;
    MessageParserPtr parser;
  };
  // A duplicate name throws at start-up (programmer error, never input-driven).
  void add_envelope(std::string name, EnvelopeParserPtr p);
  void add_message(std::string name, MessageParserPtr p);
  // Tried when no message parser claims a body (the guesses of make_guess_parser).
  void set_fallback(MessageParserPtr p) { fallback_ = std::move(p); }
  const MessageParser* fallback() const { return fallback_.get(); }
  const std::vector<Envelope>& envelopes() const { return envelopes_; }
  const std::vector<Message>& messages() const { return messages_; }

 private:
  void check_new(const std::string& name) const;
  std::vector<Envelope> envelopes_;
  std::vector<Message> messages_;
  MessageParserPtr fallback_;
};

// The one list of built-in parsers, in the order they are tried.
void register_builtin_parsers(ParserRegistry& reg);

// Envelope factories (one per file in this folder).
EnvelopeParserPtr make_rfc5424_parser();
EnvelopeParserPtr make_rfc3164_parser();
EnvelopeParserPtr make_json_parser();
EnvelopeParserPtr make_cef_envelope_parser();
EnvelopeParserPtr make_auditd_envelope_parser();
EnvelopeParserPtr make_access_log_parser();
EnvelopeParserPtr make_apache_error_parser();
EnvelopeParserPtr make_nginx_error_parser();
EnvelopeParserPtr make_winxml_parser();  // winxml.cc: Windows events as XML
// Message factories.
MessageParserPtr make_sshd_parser();
MessageParserPtr make_sudo_parser();
MessageParserPtr make_su_parser();
MessageParserPtr make_pam_parser();
MessageParserPtr make_netfilter_parser();
MessageParserPtr make_mariadb_audit_parser();  // dbaudit_log.cc
MessageParserPtr make_pgaudit_parser();
MessageParserPtr make_auditd_message_parser();
MessageParserPtr make_cef_message_parser();
MessageParserPtr make_access_message_parser();
MessageParserPtr make_json_message_parser();
MessageParserPtr make_winxml_message_parser();
// The fallback (guess.cc): source/destination address and port, user name and outcome from
// key=value pairs under common vendor names and from plain phrasings; names what it set in
// labels.guessed.
MessageParserPtr make_guess_parser();

// Shared by envelope and message forms of the same format.
bool parse_cef(Event& ev, std::string_view s);
bool parse_auditd(Event& ev, std::string_view s, const ParseContext& ctx);
bool parse_access(Event& ev, std::string_view s, bool set_time);
bool parse_json_object(Event& ev, std::string_view s, const ParseContext& ctx, bool set_time);
// A Windows event's XML (<Event>...</Event>) as Event.System.* / Event.EventData.* fields; sets
// event.dataset "xml". False (and the event untouched) when it is not one.
bool parse_windows_xml(Event& ev, std::string_view s, const ParseContext& ctx);
// Sets source.ip when `v` is an address, and source.address always.
void set_source(Event& ev, std::string_view v);

// The center's own namespace: field names under wardsec.* (and event.dataset/event.module
// values wardsec*) are written only by the center itself.
bool is_reserved_field(std::string_view name);
// Run on every event an input produced, after parsing: renames reserved names and values to
// claimed.* (returns how many), and bounds the event time (a time more than a day after
// reception, or before 1970, becomes the reception time; the sender's is kept in
// event.original_time).
int guard_input_event(Event& ev, const ParseContext& ctx = {});

// Decodes raw lines into events with the registered parsers. Thread-safe (const); counters
// are atomics.
class Decoder {
 public:
  Decoder();
  explicit Decoder(const ParserRegistry* reg);  // nullptr: the built-in parsers
  // ev.raw must be set; fills everything else. Never fails: an unknown format is kept raw
  // with kParseError.
  void decode(Event& ev, const ParseContext& ctx) const;
  uint64_t parse_errors() const { return parse_errors_.load(std::memory_order_relaxed); }
  // Events that named the center's reserved namespace (guard_input_event).
  uint64_t reserved_renamed() const { return reserved_.load(std::memory_order_relaxed); }

  static constexpr size_t kMaxMessage = (1u << 20) + 1024;  // longer lines are cut (kTruncated)

 private:
  void decode_body(Event& ev, std::string_view program, std::string_view body, const ParseContext& ctx) const;
  void decode_parsed(Event& ev, const ParseContext& ctx) const;
  std::unique_ptr<ParserRegistry> owned_;
  const ParserRegistry* reg_;
  mutable std::atomic<uint64_t> parse_errors_{0}, reserved_{0};
};

}  // namespace wardsec
