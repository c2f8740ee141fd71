// libFuzzer entry points. Each binary is built with one WARDSEC_FUZZ_TARGET_<name> defined.
// Invariants checked beyond "no crash": every decoded field lies inside the event's buffers.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <unistd.h>
#include <string>
#include <string_view>

#include "core/event.h"
#include "core/strutil.h"
#include "core/timeutil.h"
#include "compliance/catalog.h"
#include "compliance/inventory.h"
#include "detect/sigma.h"
#include "ingest/framing.h"
#include "ingest/multiline.h"
#include "parse/drain.h"
#include "parse/family_parser.h"
#include "parse/family_scan.h"
#include "parse/regex.h"
#include "parse/parser.h"
#include "search/query.h"
#include "server/auth.h"
#include "server/httputil.h"
#include "store/format.h"
#include "store/store.h"
#include "capture/pcap.h"
#include "dbaudit/auditlog.h"
#include "dbaudit/protocol.h"
#include "dbaudit/sql.h"
#include "capture/tcp.h"
#include "bastion/command_rules.h"
#include "bastion/sftp_filter.h"
#include "bastion/shell_words.h"
#include "bastion/term_reader.h"
#include "emergency/plan.h"
#include "incident/input.h"
#include "web/decode.h"
#include "web/stream.h"
#include "web/inspect.h"
#include "web/request.h"
#include "web/sqli.h"
#include "web/xss.h"
#include "ops/config/text.h"
#include "ops/config/trigger.h"
#include "ops/probe/neighbours.h"
#include "ops/probe/wire.h"

using namespace wardsec;

namespace {

void check(const Event& ev) {
  for (const auto& f : ev.fields) {
    const std::string& b = f.in_extra ? ev.extra : ev.raw;
    if (static_cast<size_t>(f.off) + f.len > b.size()) std::abort();
  }
}

// A whole line through a decoder, at a fixed reception time, and the event's invariants checked.
[[maybe_unused]] void decode_line(const Decoder& dec, std::string_view in) {
  Event ev;
  ev.raw.assign(in);
  ParseContext ctx;
  ctx.received = 1795694400LL * 1000000000LL;
  dec.decode(ev, ctx);
  check(ev);
}

[[maybe_unused]] const ParserRegistry& registry() {
  static ParserRegistry reg = [] {
    ParserRegistry r;
    register_builtin_parsers(r);
    return r;
  }();
  return reg;
}

[[maybe_unused]] void run_envelope(const char* name, std::string_view in) {
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

[[maybe_unused]] void run_message(const char* name, const char* program, std::string_view in) {
  for (const auto& m : registry().messages()) {
    if (m.name != name) continue;
    Event ev;
    ev.raw.assign(in);
    ParseContext ctx;
    m.parser->parse(ev, program, ev.raw, ctx);
    check(ev);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

// The targets build what they share once, in statics (every family compiled into one vectorscan
// database, the Sigma rules): done here, before the fuzzing starts, so that one-time work never
// counts against the first input's -timeout on a loaded machine.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  static const uint8_t empty = 0;
  LLVMFuzzerTestOneInput(&empty, 0);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
#if defined(WARDSEC_FUZZ_TARGET_rfc5424)
  run_envelope("rfc5424", in);
#elif defined(WARDSEC_FUZZ_TARGET_rfc3164)
  run_envelope("rfc3164", in);
#elif defined(WARDSEC_FUZZ_TARGET_json)
  run_envelope("json", in);
#elif defined(WARDSEC_FUZZ_TARGET_cef)
  run_envelope("cef", in);
#elif defined(WARDSEC_FUZZ_TARGET_auditd)
  run_envelope("auditd", in);
#elif defined(WARDSEC_FUZZ_TARGET_access)
  run_envelope("access", in);
#elif defined(WARDSEC_FUZZ_TARGET_apache_error)
  run_envelope("apache.error", in);
#elif defined(WARDSEC_FUZZ_TARGET_nginx_error)
  run_envelope("nginx.error", in);
#elif defined(WARDSEC_FUZZ_TARGET_sshd)
  run_message("sshd", "sshd", in);
#elif defined(WARDSEC_FUZZ_TARGET_sudo)
  run_message("sudo", "sudo", in);
#elif defined(WARDSEC_FUZZ_TARGET_su)
  run_message("su", "su", in);
#elif defined(WARDSEC_FUZZ_TARGET_pam)
  run_message("pam", "login", in);
#elif defined(WARDSEC_FUZZ_TARGET_netfilter)
  run_message("netfilter", "kernel", in);
#elif defined(WARDSEC_FUZZ_TARGET_decoder)
  static Decoder dec;
  decode_line(dec, in);
#elif defined(WARDSEC_FUZZ_TARGET_syslog_framing)
  // Split the input in two at a position taken from the first byte.
  ingest::SyslogFramer f(4096);
  size_t total = 0;
  auto emit = [&](std::string_view m, bool) {
    total += m.size();
    if (m.size() > 4096) std::abort();
  };
  size_t cut = size ? data[0] % (size + 1) : 0;
  f.feed(in.substr(0, cut), emit);
  f.feed(in.substr(cut), emit);
  f.finish(emit);
  if (f.buffered() != 0) std::abort();
#elif defined(WARDSEC_FUZZ_TARGET_relp_framing)
  ingest::RelpParser p(4096);
  p.feed(in, [](ingest::RelpFrame&& fr) {
    if (fr.data.size() > 4096) std::abort();
  });
#elif defined(WARDSEC_FUZZ_TARGET_query)
  auto q = search::Query::parse(in);
  if (auto* good = (q ? &q.value() : nullptr)) {
    Event ev;
    ev.raw = "<13>Nov 26 08:00:00 h sshd[1]: Failed password for root from 1.2.3.4 port 5 ssh2";
    static Decoder dec;
    dec.decode(ev, ParseContext{});
    good->matches(ev);
    good->may_match_block("", 0, 0);
  }
#elif defined(WARDSEC_FUZZ_TARGET_web_request)
  // A raw request and an access-log line, through the whole inspector (every decoder and both
  // tokenizers run on what the request holds). A verdict is always one of the three.
  static web::Inspector insp;
  for (const auto& r : {web::parse_raw(in), web::parse_log_line(in).value_or(web::Request{})}) {
    auto v = insp.inspect(r, 1);
    if (v.verdict != "attack" && v.verdict != "benign" && v.verdict != "malformed") std::abort();
    if (r.body.size() > web::kMaxBody) std::abort();
  }
#elif defined(WARDSEC_FUZZ_TARGET_capture)
  // Frames and TCP reassembly: the input is a run of records [linktype:1][len:2][frame], as
  // a pcap holds them; every decoded segment goes to a reassembler with small bounds and an
  // HTTP request extractor. Requests never exceed the bound plus one segment.
  size_t limit = 4096;
  capture::ReassemblyLimits lim;
  lim.max_pending_bytes = 2048;
  lim.max_flows = 8;
  capture::Reassembler r(web::http_request_factory(
                             [&](web::StreamRequest&& s) {
                               if (s.raw.size() > limit + in.size()) std::abort();
                             },
                             limit),
                         lim);
  capture::PacketStats st;
  static const int kLinks[] = {1, 113, 276, 0, 101, 228, 229};
  size_t p = 0;
  int64_t ts = 0;
  while (p + 3 <= in.size()) {
    int lt = kLinks[static_cast<unsigned char>(in[p]) % 7];
    size_t len = (static_cast<unsigned char>(in[p + 1]) << 8) | static_cast<unsigned char>(in[p + 2]);
    p += 3;
    len = std::min(len, in.size() - p);
    capture::Segment seg;
    seg.ts = ts += 1000000;
    if (capture::decode_frame(lt, reinterpret_cast<const uint8_t*>(in.data() + p), len, len, seg, st)) r.add(seg);
    p += len;
  }
  r.flush();
  if (r.flows() != 0) std::abort();
#elif defined(WARDSEC_FUZZ_TARGET_sql_analyze)
  // The database audit's statement analysis: never throws; what it reports are names that
  // came from the statement (each table and column occurs in it, case aside).
  auto info = dbaudit::analyze_sql(in);
  std::string lo;
  for (char c : in) lo.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  for (const auto& x : info.tables)
    if (x.empty()) std::abort();
  if (info.operation.empty() || info.fingerprint.size() > 8192) std::abort();
#elif defined(WARDSEC_FUZZ_TARGET_bastion_shell)
  // The bastion's reading of a command line: never throws, bounded output, every command has
  // words, and the rules' check on it terminates (aliases learned along the way included).
  bastion::Aliases aliases;
  auto cmds = bastion::split_commands(in, &aliases);
  if (cmds.size() > 4096) std::abort();
  for (const auto& c : cmds)
    if (c.words.empty()) std::abort();
  (void)bastion::line_incomplete(in);
  static auto policy = [] {
    std::vector<bastion::CommandRule> rules = {{1, 1, "p", "prefix", "rm -rf", bastion::Action::kDeny, {}, {}, true},
                                               {2, 2, "r", "regex", "^dd( .*)? of=/dev/", bastion::Action::kReview, {}, {}, true},
                                               {3, 3, "e", "exact", "reboot", bastion::Action::kAlert, {}, {}, true}};
    return bastion::CommandPolicy::compile(rules, {}).value();
  }();
  (void)policy->check(in, "u", "a", &aliases);
#elif defined(WARDSEC_FUZZ_TARGET_bastion_term)
  // The bastion's terminal reader: the first byte splits the input into keystrokes and screen
  // output; never throws, and the line it returns stays bounded.
  bastion::TermReader r;
  size_t cut = in.empty() ? 0 : static_cast<unsigned char>(in[0]) * in.size() / 256;
  std::string_view keys = in.substr(0, cut), screen = in.substr(cut);
  for (size_t i = 0; i < keys.size(); i++) {
    if (i % 7 == 0 && !screen.empty()) {
      r.output(screen.substr(0, std::min<size_t>(screen.size(), 13)));
      screen.remove_prefix(std::min<size_t>(screen.size(), 13));
    }
    if (r.key(static_cast<unsigned char>(keys[i]))) {
      if (r.pending_line().size() > (1u << 20)) std::abort();
      if (i % 2)
        r.accept();
      else
        r.cancel();
    }
  }
  r.output(screen);
  (void)r.secret_input();
#elif defined(WARDSEC_FUZZ_TARGET_bastion_sftp)
  // The bastion's SFTP filter: the input alternates client and target chunks (each chunk's
  // length from its first byte); never throws, never passes on more than it was given plus
  // its own refusals, and every file it logs has a name.
  size_t logged = 0;
  bastion::SftpFilter f(in.size() % 2 == 0, in.size() % 3 != 0, [&](const bastion::FileOp& op) {
    if (op.op.empty()) std::abort();
    logged++;
  });
  std::string to_target, to_client;
  bool client = true, ok = true;
  for (size_t p = 0; p < in.size() && ok;) {
    size_t len = std::min<size_t>(in.size() - p - 1, static_cast<unsigned char>(in[p]) * 4u + 1);
    std::string_view chunk = in.substr(p + 1, len);
    ok = client ? f.from_client(chunk, to_target, to_client) : f.from_target(chunk, to_client);
    p += 1 + len;
    client = !client;
  }
  f.finish();
  if (to_target.size() > in.size()) std::abort();
#elif defined(WARDSEC_FUZZ_TARGET_dbaudit_log)
  // The database audit-log readers: every format on the same input; never throws, every
  // statement has a session, and no more statements than records.
  for (const char* f : {"auto", "mariadb", "pgaudit", "pgcsv", "table"}) {
    size_t n = 0;
    auto st = dbaudit::read_audit_log(
        in, "fuzz", f,
        [&](dbaudit::Statement&& s) {
          n++;
          if (!s.session) std::abort();
        },
        nullptr);
    if (st && (st->statements != n || n > st->records)) std::abort();
  }
#elif defined(WARDSEC_FUZZ_TARGET_dbaudit_stream)
  // The database decoders (MySQL, PostgreSQL, TDS) on a conversation cut from the input: each chunk starts with a
  // byte whose low bit says the direction and whose other bits its length (x16); 0xFF is a gap.
  dbaudit::DecoderStats st;
  for (auto make : {dbaudit::make_mysql_decoder, dbaudit::make_postgres_decoder, dbaudit::make_tds_decoder}) {
    capture::FlowInfo fi;
    fi.client = {"10.0.0.1", 40000};
    fi.server = {"10.0.0.2", 3306};
    size_t statements = 0;
    auto h = make(
        fi,
        [&](dbaudit::Statement&& s) {
          statements++;
          if (!s.session) std::abort();
        },
        nullptr, st);
    size_t p = 0;
    int64_t ts = 0;
    while (p < in.size()) {
      unsigned char c = static_cast<unsigned char>(in[p++]);
      if (c == 0xFF) {
        h->gap(0, 10);
        continue;
      }
      size_t len = std::min<size_t>((c >> 1) * 16u + 1, in.size() - p);
      h->data(c & 1, in.substr(p, len), ts += 1000);
      p += len;
    }
    h->closed();
    if (statements > in.size()) std::abort();  // a statement needs at least a byte
  }
#elif defined(WARDSEC_FUZZ_TARGET_web_decode)
  // The decoders: URL (single, double, %u), HTML entities, JavaScript escapes, base64, and the
  // forms/parameters built from them. URL and entity decoding never grow the text.
  if (web::url_decode(in).size() > in.size()) std::abort();
  if (web::html_decode(in).size() > in.size() + 8) std::abort();
  web::js_unescape(in);
  web::base64_decode_text(in);
  auto forms = web::decoded_forms(in);
  if (forms.empty() || forms[0] != in) std::abort();
  std::vector<web::Param> ps;
  web::split_form(in, web::Where::kQuery, ps);
#elif defined(WARDSEC_FUZZ_TARGET_sqli)
  // The SQL lexer: every token is a slice of the input, in order, in every context.
  for (auto ctx : {web::SqlContext::kBare, web::SqlContext::kSingleQuote, web::SqlContext::kDoubleQuote, web::SqlContext::kBacktick}) {
    const char* last = in.data();
    for (const auto& t : web::sql_tokens(in, ctx, 100000)) {
      if (t.text.data() < last || t.text.data() + t.text.size() > in.data() + in.size()) std::abort();
      last = t.text.data();
    }
  }
  auto f = web::detect_sqli(in);
  if (f.found != (f.confidence >= 50)) std::abort();
#elif defined(WARDSEC_FUZZ_TARGET_xss)
  auto f = web::detect_xss(in);
  if (f.found != (f.confidence >= 50) || f.fragment.size() > 400) std::abort();
#elif defined(WARDSEC_FUZZ_TARGET_http_request)
  // What the console's server parses itself (Beast parses the HTTP framing): the target's query
  // string, the Cookie header, the path against route patterns, a TOTP code's base32 secret and a
  // password against the policy. Lines: target, cookie, the rest.
  std::string_view target = in.substr(0, in.find('\n'));
  std::string_view rest = in.size() > target.size() ? in.substr(target.size() + 1) : std::string_view();
  std::string_view cookie = rest.substr(0, rest.find('\n'));
  auto params = server::parse_query_params(target);
  for (const auto& [k, v] : params)
    if (k.size() + v.size() > target.size() + 1) std::abort();  // decoding never grows text
  server::cookie_value(cookie, "wardsec_session");
  std::string path(target.substr(0, target.find('?')));
  for (const char* pattern : {"/api/v1/alerts/{id}/state", "/api/v1/users/{name}", "/api/v1/inventory/{kind}/export", "/api/v1/health"}) {
    std::vector<std::string> p;
    if (server::match_route(pattern, path, p)) {
      size_t holes = std::string_view(pattern).find('{') == std::string_view::npos ? 0 : 1;
      if (p.size() != holes) std::abort();  // every {x} captured, nothing else
      for (const auto& v : p)
        if (v.empty()) std::abort();  // a capture is never empty
    }
  }
  server::base32_decode(rest);
  (void)server::check_password(server::AuthOptions{}, "user", rest);
#elif defined(WARDSEC_FUZZ_TARGET_sigma_rule)
  // A rule file: never a crash, every problem a LoadError; loaded rules evaluate safely.
  auto r = detect::load_rule_text(std::string(in), "fuzz.yml");
  static Decoder dec;
  Event ev;
  ev.raw = R"({"EventID":4624,"CommandLine":"cmd.exe /c whoami","User":"root"})";
  dec.decode(ev, ParseContext{});
  for (const auto& rule : r.rules) detect::naive_match(rule, ev);
  (void)detect::parse_condition(in);
#elif defined(WARDSEC_FUZZ_TARGET_catalog)
  // A requirement catalog file: an error naming the line, or a catalog whose items are sane.
  auto c = compliance::Catalog::parse(in, "fuzz.tsv");
  if (c.ok())
    for (const auto& r : c->all())
      if (r.id.empty() || r.summary.empty()) __builtin_trap();
#elif defined(WARDSEC_FUZZ_TARGET_csv)
  // Inventory CSV: an error naming the line, or rows that write back and parse to the same.
  auto rows = compliance::parse_csv(in, "fuzz.csv");
  if (rows.ok()) {
    std::string again;
    for (const auto& r : *rows) again += compliance::csv_line(r) + "\n";
    auto back = compliance::parse_csv(again, "again.csv");
    if (!back.ok()) __builtin_trap();
  }
#elif defined(WARDSEC_FUZZ_TARGET_store_payload)
  std::vector<Event> out;
  (void)store::decode_payload(in, out);
  for (const auto& ev : out) check(ev);
#elif defined(WARDSEC_FUZZ_TARGET_store_segment)
  // A segment file with any bytes after a valid header: the reader walks it (resyncing past
  // what is not a block) and decodes what checks; nothing may crash or loop.
  static const std::string path = [] {
    char tmpl[] = "/tmp/wardsec-fuzz-seg-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd >= 0) close(fd);
    return std::string(tmpl);
  }();
  store::SegmentHeader h;
  h.id = 1;
  char hb[store::kSegmentHeaderSize];
  store::encode_segment_header(h, hb);
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(hb, 1, sizeof hb, f);
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  auto rd = store::SegmentReader::open({1, path, sizeof hb + size});
  if (rd) {
    std::vector<Event> evs;
    size_t n = 0;
    while (auto b = rd->next()) {
      if (++n > size + 1) __builtin_trap();  // every block takes bytes: no endless walk
      evs.clear();
      if (rd->read_events(*b, evs))
        for (const auto& ev : evs) check(ev);
    }
    for (const auto& g : rd->gaps())
      if (g.from >= g.to || g.to > sizeof hb + size) __builtin_trap();
  }
#elif defined(WARDSEC_FUZZ_TARGET_incident_input)
  // Incident response's outside input: an impact (API bodies) and a bundle's manifest. Never
  // throws; an accepted impact survives its own JSON unchanged; an accepted manifest lists only
  // paths inside the bundle.
  if (auto im = incident::parse_impact(std::string(in))) {
    auto again = incident::parse_impact(incident::impact_json(*im));
    if (!again || incident::impact_json(*again) != incident::impact_json(*im)) std::abort();
  }
  if (auto files = incident::parse_manifest(in))
    for (const auto& f : *files)
      if (f.path.empty() || f.path[0] == '/' || f.path.find("..") != std::string::npos) std::abort();
#elif defined(WARDSEC_FUZZ_TARGET_emergency_plan)
  // Emergency plans and drills from outside: a plan body (the API), a template file, a drill's
  // participants and findings. Never throws; an accepted plan survives its own JSON unchanged.
  if (auto p = emergency::parse_plan_text(in)) {
    auto again = emergency::parse_plan(emergency::plan_body_json(*p));
    if (!again || emergency::plan_body_json(*again) != emergency::plan_body_json(*p)) std::abort();
  }
  (void)emergency::parse_template(in, "fuzz");
  emergency::Drill d;
  auto j = nlohmann::json::parse(in.begin(), in.end(), nullptr, false);
  if (!j.is_discarded()) (void)emergency::parse_drill_body(j, d);
#elif defined(WARDSEC_FUZZ_TARGET_device_family)
  // Device families (parsers/): key=value text as vendors write it, and a family file read,
  // compiled and run on its own samples. Never throws, never loops.
  for (const auto& p : parse_kv(in)) (void)p;
  KvOptions colon;
  colon.assign = ':';
  colon.separators = ";";
  (void)parse_kv(in, colon);
  if (auto f = parse_family(in, "fuzz.yaml"))
    if (make_family_parser({*f})) (void)test_families({*f});
  (void)parse_csv(in);
  (void)parse_csv(in, '|', 8);
  // A family's `time:`: the input as a time in a vendor's layout, and as a layout itself.
  int64_t ns = 0;
  (void)parse_time_format(in, "%d-%b-%Y %H:%M:%S.%f %z", 8 * 3600, 1795694400LL * 1000000000LL, ns);
  if (time_format_ok(in)) (void)parse_time_format("2026-12-04 10:21:07", in, 0, 0, ns);
  // The template miner over the input's lines, and a family file started from each template.
  Drain drain;
  for (std::string_view rest = in; !rest.empty();) {
    size_t nl = rest.find('\n');
    drain.add(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  }
  for (const auto& t : drain.templates()) (void)parse_family(family_skeleton(t, "prog", "fuzz"), "skeleton.yaml");
#elif defined(WARDSEC_FUZZ_TARGET_family_lines)
  // Lines through the built-in parsers and every shipped family (parsers/): the vectorscan pass,
  // PCRE2 confirmation, key=value/CSV extraction, field families on JSON and XML events.
  static const ParserRegistry* reg = [] {
    auto* r = new ParserRegistry();
    register_builtin_parsers(*r);
    auto fams = load_families(WARDSEC_SOURCE_DIR "/parsers");
    if (!fams) std::abort();
    auto fp = make_family_parser(std::move(*fams));
    if (!fp) std::abort();
    r->add_message("families", std::move(*fp));
    return r;
  }();
  static Decoder dec(reg);
  decode_line(dec, in);
  // Differential: a regex the scan matches exactly (no PCRE2 confirmation) must agree with
  // PCRE2 on every input, for every shipped family's match regex.
  struct Exact {
    std::shared_ptr<const FamilyScan> scan;
    std::vector<RegexPtr> re;
    std::vector<std::string> text;
  };
  static const Exact ex = [] {
    Exact e;
    std::vector<FamilyScan::Entry> entries;
    auto fams = load_families(WARDSEC_SOURCE_DIR "/parsers");
    if (!fams) std::abort();
    for (const auto& f : *fams)
      for (const auto& m : f.match)
        if (!m.regex.empty()) {
          entries.push_back({"", m.regex});
          e.re.push_back(Regex::compile(m.regex, f.file).value());
          e.text.push_back(m.regex);
        }
    e.scan = FamilyScan::build(entries).value();
    return e;
  }();
  std::vector<uint32_t> cand;
  if (ex.scan->candidates(in, cand)) {
    for (uint32_t i = 0; i < ex.re.size(); i++) {
      if (!ex.scan->exact(i)) continue;
      bool scan_hit = std::binary_search(cand.begin(), cand.end(), i);
      if (scan_hit != ex.re[i]->search(in)) {
        std::fprintf(stderr, "family_lines: vectorscan says %d, PCRE2 the opposite, for %s\n", scan_hit, ex.text[i].c_str());
        std::abort();
      }
    }
  }
#elif defined(WARDSEC_FUZZ_TARGET_multiline)
  // Multi-line joining: lines from four senders (the first byte of each line picks one), under a
  // start rule with an end and a continue rule, small limits. Whatever arrives, every line comes
  // out exactly once (in an event of its own or joined) and what is held stays bounded.
  static auto rules = [] {
    std::vector<MultilineSpec> specs(2);
    specs[0].programs = {"tomcat*", ""};
    specs[0].start = "^(\\d\\d-[A-Z][a-z]{2}-\\d{4} |<Event)";
    specs[0].end = "</Event>$";
    specs[0].max_lines = 5;
    specs[0].max_bytes = 2048;
    specs[1].programs = {"app"};
    specs[1].cont = "^\\s";
    return ingest::MultilineRules::compile(specs).value();
  }();
  static Decoder dec;
  ingest::Joiner j(rules);
  std::vector<ingest::JoinedEvent> out;
  size_t lines_in = 0, lines_out = 0;
  auto count_out = [&] {
    for (const auto& e : out) {
      std::string_view r = e.raw.empty() ? std::string_view(e.ev.raw) : std::string_view(e.raw);
      lines_out += e.lines;
      if (e.lines > 1 && static_cast<size_t>(std::count(r.begin(), r.end(), '\n')) + 1 < e.lines) std::abort();
    }
    out.clear();
  };
  int64_t now = 0;
  for (size_t pos = 0; pos < in.size();) {
    size_t nl = in.find('\n', pos);
    std::string_view line = in.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? in.size() : nl + 1;
    if (line.empty()) continue;
    std::string source = "10.0.0." + std::to_string(static_cast<unsigned char>(line[0]) % 4) + ":514";
    Event ev;
    ev.raw.assign(line.substr(1));
    dec.decode(ev, {});
    if (ev.raw.find('\n') != std::string::npos) continue;  // one line per message here
    lines_in++;
    now += (static_cast<unsigned char>(line[0]) & 0xf0) * 10000000LL;
    if (!j.offer(ev, "tcp", source, {}, 0, now, out)) lines_out++;
    count_out();
    j.expire(now, out);
    count_out();
    if (j.held() > ingest::Joiner::kMaxHeld || j.held_bytes() > ingest::Joiner::kMaxHeldBytes) std::abort();
  }
  j.flush(out);
  count_out();
  if (lines_in != lines_out) std::abort();
#elif defined(WARDSEC_FUZZ_TARGET_config_text)
  // A device's configuration as it prints it (an SSH session's bytes: anything) and the change
  // lines it logs: the kept text, its diff against the input, and the trigger reader.
  using namespace ops::config;
  std::string_view cmd = in.size() > 8 ? in.substr(0, 8) : std::string_view{};
  std::string t = normalize(in, cmd, "salt");
  if (t.find('\r') != std::string::npos) std::abort();
  Diff d = diff(in.substr(0, in.size() / 2), t, "a", "b", 200);
  if ((d.added + d.removed == 0) != d.text.empty()) std::abort();
  (void)read_only_command(in);
  Event ev;
  ev.raw = std::string(in);
  ev.set(kEventAction, in.substr(0, std::min<size_t>(in.size(), 12)));
  ev.set("process.command_line", in);
  ev.set("log.source.address", in.substr(in.size() / 2));
  (void)config_trigger(ev);
#elif defined(WARDSEC_FUZZ_TARGET_probe_wire)
  // Probes' answers (运行监控): any host on the network can answer a probe. Each reader takes the
  // bytes as they came (and its frame's length, as the reader loop does); none reads past them.
  using namespace ops::probe;
  (void)read_icmp(in, true);
  (void)read_icmp(in, false);
  if (auto d = read_dns(in))
    for (const auto& a : d->addresses)
      if (a.empty() || a.size() > 45) std::abort();
  for (auto [frame, read] : {std::pair{&mysql_frame, &read_mysql}, std::pair{&pg_frame, &read_pg}, std::pair{&tds_frame, &read_tds}}) {
    size_t want = frame(in);
    (void)read(in.substr(0, std::min(want ? want : in.size(), in.size())));
    (void)read(in);
  }
  // An SNMP device's neighbour tables (LLDP/CDP): the bytes as variables — table, column, index
  // length and components, type, value length and value — in any order, repeated.
  std::vector<VarBind> vars;
  for (size_t i = 0; i + 4 <= in.size() && vars.size() < 256;) {
    auto u = [&](size_t k) { return static_cast<uint8_t>(in[k]); };
    VarBind v;
    v.oid = neighbour_tables()[u(i) % 4];
    v.oid.push_back(u(i + 1) % 12);
    size_t n = u(i + 2) % 24;
    i += 3;
    for (; n && i < in.size(); n--) v.oid.push_back(u(i++) % 7 == 0 ? 300 : u(i - 1) % 8);
    if (i + 2 > in.size()) break;
    v.type = static_cast<VarBind::Type>(u(i) % 3);
    v.num = static_cast<int8_t>(u(i));
    size_t len = std::min<size_t>(u(i + 1), in.size() - i - 2);
    v.bytes = std::string(in.substr(i + 2, len));
    i += 2 + len;
    vars.push_back(std::move(v));
  }
  for (const auto& nb : neighbours_from(vars, 64))
    if (nb.name.size() > 255 || nb.chassis.size() > 255 || nb.port.size() > 255 || nb.ip.size() > 45 || !valid_utf8(nb.name)) std::abort();
#else
#error "define one WARDSEC_FUZZ_TARGET_<name>"
#endif
  return 0;
}
