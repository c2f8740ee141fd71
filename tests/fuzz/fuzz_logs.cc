// Fuzz targets: Log lines: the built-in envelopes and message parsers, the decoder, syslog/RELP framing,
// multi-line joining, the search query language and the store's payloads and segments.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

#include "fuzz.h"
#include "ingest/framing.h"
#include "ingest/multiline.h"
#include "search/query.h"
#include "store/format.h"
#include "store/store.h"
#include "store/summary.h"

using namespace wardsec;
using namespace wardsec::fuzz;

WARDSEC_FUZZ_TARGET(rfc5424) { run_envelope("rfc5424", in); }

WARDSEC_FUZZ_TARGET(rfc3164) { run_envelope("rfc3164", in); }

WARDSEC_FUZZ_TARGET(json) { run_envelope("json", in); }

WARDSEC_FUZZ_TARGET(cef) { run_envelope("cef", in); }

WARDSEC_FUZZ_TARGET(auditd) { run_envelope("auditd", in); }

WARDSEC_FUZZ_TARGET(access) { run_envelope("access", in); }

WARDSEC_FUZZ_TARGET(apache_error) { run_envelope("apache.error", in); }

WARDSEC_FUZZ_TARGET(nginx_error) { run_envelope("nginx.error", in); }

WARDSEC_FUZZ_TARGET(sshd) { run_message("sshd", "sshd", in); }

WARDSEC_FUZZ_TARGET(sudo) { run_message("sudo", "sudo", in); }

WARDSEC_FUZZ_TARGET(su) { run_message("su", "su", in); }

WARDSEC_FUZZ_TARGET(pam) { run_message("pam", "login", in); }

WARDSEC_FUZZ_TARGET(netfilter) { run_message("netfilter", "kernel", in); }

WARDSEC_FUZZ_TARGET(decoder) {
  static Decoder dec;
  decode_line(dec, in);
}

WARDSEC_FUZZ_TARGET(syslog_framing) {
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
}

WARDSEC_FUZZ_TARGET(relp_framing) {
  ingest::RelpParser p(4096);
  p.feed(in, [](ingest::RelpFrame&& fr) {
    if (fr.data.size() > 4096) std::abort();
  });
}

WARDSEC_FUZZ_TARGET(query) {
  auto q = search::Query::parse(in);
  if (auto* good = (q ? &q.value() : nullptr)) {
    Event ev;
    ev.raw = "<13>Nov 26 08:00:00 h sshd[1]: Failed password for root from 1.2.3.4 port 5 ssh2";
    static Decoder dec;
    dec.decode(ev, ParseContext{});
    good->matches(ev);
    good->may_match_block("", 0, 0);
  }
}

WARDSEC_FUZZ_TARGET(multiline) {
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
}

WARDSEC_FUZZ_TARGET(store_payload) {
  std::vector<Event> out;
  (void)store::decode_payload(in, out);
  for (const auto& ev : out) check(ev);
}

WARDSEC_FUZZ_TARGET(store_summary) {
  // A block's facet summary (store/summary.h): the first two bytes are the block's event
  // count, the rest the raw form, compressed as the writer does; the bytes are also tried as a
  // whole section. Whatever decodes must hold only ids and counts that agree.
  if (size < 2) return;
  uint32_t n = static_cast<uint32_t>(data[0]) | static_cast<uint32_t>(data[1]) << 8;
  std::string_view raw = in.substr(2);
  auto sec = store::encode_summary_section(raw, 1);
  const std::string section = sec ? *sec : std::string();  // named: a view of a temporary would dangle
  for (std::string_view s : {std::string_view(section), in}) {
    auto d = store::decode_summary(s, n);
    if (!d) continue;
    uint64_t sum = 0;
    for (uint64_t c : d->tuple_counts) sum += c;
    std::vector<uint32_t> tuple;
    std::vector<int64_t> ts;
    if (sum != n) __builtin_trap();
    if (d->events(tuple, ts)) {
      if (tuple.size() != n || ts.size() != n) __builtin_trap();
      for (uint32_t t : tuple)
        if (t >= d->ntuples) __builtin_trap();
    }
    for (size_t t = 0; t < d->ntuples; t++)
      for (size_t f = 0; f < d->fields.size(); f++)
        if (d->value(t, f) > d->values[f].size()) __builtin_trap();
  }
}

WARDSEC_FUZZ_TARGET(store_segment) {
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
  if (!f) return;
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
}
