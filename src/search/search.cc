#include "search/search.h"

#include <iconv.h>

#include <algorithm>
#include <vector>

#include "core/timeutil.h"
#include "store/store.h"

namespace wardsec::search {

Result<Event> read_event_by_ref(const std::string& data_dir, uint64_t ref) {
  uint64_t seq = ref >> store::kRefRowBits, row = ref & ((1u << store::kRefRowBits) - 1);
  auto segs = store::list_segments(data_dir);
  // Segments are in id order and each starts at a block sequence: the last one starting at
  // or before `seq` holds it.
  for (size_t i = segs.size(); i-- > 0;) {
    auto rd = store::SegmentReader::open(segs[i]);
    if (!rd) continue;
    if (rd->header().first_seq > seq) continue;
    while (auto b = rd->next()) {
      if (b->header.seq != seq) continue;
      if (row >= b->header.n_events)
        return Error{"event " + store::ref_to_string(ref) + ": block has only " + std::to_string(b->header.n_events) + " events"};
      std::vector<Event> evs;
      Status s = rd->read_events(*b, evs);
      if (!s) return Error{"event " + store::ref_to_string(ref) + ": " + s.error()};
      return std::move(evs[row]);
    }
    return Error{"event " + store::ref_to_string(ref) + ": block " + std::to_string(seq) +
                 " is not in the store (not sealed yet, or removed)"};
  }
  return Error{"event " + store::ref_to_string(ref) + ": no segment holds block " + std::to_string(seq) + " (expired by retention?)"};
}

bool stop_now(const SearchOptions& opt, SearchStats& st) {
  if (opt.cancel && opt.cancel->load(std::memory_order_relaxed)) return st.cancelled = true;
  if (opt.deadline && now_ns() > opt.deadline) return st.timed_out = true;
  return false;
}

Status visit_blocks(const std::string& data_dir, const Query& q, const SearchOptions& opt, SearchStats& st, const BlockVisitor& visit) {
  auto segs = store::list_segments(data_dir);
  if (opt.newest_first) std::reverse(segs.begin(), segs.end());
  for (const auto& s : segs) {
    auto rd = store::SegmentReader::open(s);
    if (!rd) {
      if (s.size >= store::kSegmentHeaderSize) st.add_damaged(s.path + ": " + rd.error());  // else being created
      continue;
    }
    std::vector<store::BlockRef> blocks;
    while (auto b = rd->next()) blocks.push_back(std::move(*b));
    for (const auto& g : rd->gaps())
      st.add_damaged("segment " + std::to_string(rd->header().id) + " bytes " + std::to_string(g.from) + "-" + std::to_string(g.to) +
                     ": not a block (damaged)");
    if (opt.newest_first) std::reverse(blocks.begin(), blocks.end());
    for (const auto& b : blocks) {
      if (stop_now(opt, st)) return {};
      st.blocks_total++;
      const auto& h = b.header;
      if (h.ts_max < opt.from || h.ts_min >= opt.to || !q.may_match_block(b.index, h.ts_min, h.ts_max)) {
        st.blocks_skipped++;
        continue;
      }
      st.blocks_read++;
      if (!visit(*rd, s, b)) return {};
    }
  }
  return {};
}

Status run_search(const std::string& data_dir, const Query& q, const SearchOptions& opt, const std::function<bool(const Event&)>& on_match,
                  SearchStats& st) {
  std::vector<Event> events;
  return visit_blocks(data_dir, q, opt, st, [&](store::SegmentReader& rd, const store::SegmentInfo&, const store::BlockRef& b) {
    events.clear();
    if (Status s = rd.read_events(b, events); !s) {
      st.add_damaged(s.error());
      return true;
    }
    if (opt.newest_first) std::reverse(events.begin(), events.end());
    for (const auto& ev : events) {
      if ((++st.events_scanned & 4095) == 0 && stop_now(opt, st)) return false;
      if (ev.ts < opt.from || ev.ts >= opt.to || !q.matches(ev)) continue;
      st.matched++;
      if (!on_match(ev)) return false;
      if (opt.limit && st.matched >= opt.limit) return false;
    }
    return true;
  });
}

void json_escape(std::string_view s, std::string& out) {
  static const char* hexd = "0123456789abcdef";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(hexd[c >> 4]);
          out.push_back(hexd[c & 15]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
}

static std::string replace_invalid(std::string_view s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
    if (n && i + n <= s.size() && valid_utf8(s.substr(i, n))) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      i++;
    }
  }
  return out;
}

std::string display_text(std::string_view s, bool* decoded_gbk) {
  if (decoded_gbk) *decoded_gbk = false;
  if (valid_utf8(s)) return std::string(s);
  iconv_t cd = iconv_open("UTF-8", "GB18030");
  if (cd != reinterpret_cast<iconv_t>(-1)) {  // NOLINT(performance-no-int-to-ptr): iconv_open says failure so
    std::string out(s.size() * 2 + 16, '\0');
    char* in = const_cast<char*>(s.data());
    size_t inleft = s.size(), outleft = out.size();
    char* o = out.data();
    size_t r = iconv(cd, &in, &inleft, &o, &outleft);
    iconv_close(cd);
    if (r != static_cast<size_t>(-1) && inleft == 0) {
      out.resize(out.size() - outleft);
      if (valid_utf8(out)) {
        if (decoded_gbk) *decoded_gbk = true;
        return out;
      }
    }
  }
  return replace_invalid(s);
}

std::string event_to_json(const Event& ev) {
  std::string out;
  out.reserve(ev.raw.size() * 2 + 256);
  out += "{\"@timestamp\":\"" + format_rfc3339(ev.ts) + "\",\"event.created\":\"" + format_rfc3339(ev.received) + "\"";
  bool utf8 = !(ev.flags & kInvalidUtf8);
  bool gbk = false;
  auto add = [&](std::string_view k, std::string_view v) {
    out += ",\"";
    json_escape(k, out);
    out += "\":\"";
    if (utf8) {
      json_escape(v, out);
    } else {
      bool g = false;
      json_escape(display_text(v, &g), out);
      gbk = gbk || g;
    }
    out += "\"";
  };
  for (const auto& f : ev.fields) add(FieldRegistry::name(f.id), ev.value(f));
  add("event.original", ev.raw);
  std::vector<std::string_view> tags;
  if (ev.flags & kParseError) tags.push_back("_parse_failure");
  if (ev.flags & kTruncated) tags.push_back("_truncated");
  if (ev.flags & kInvalidUtf8) tags.push_back(gbk ? "_gb18030_decoded" : "_invalid_utf8");
  if (ev.flags & kNoTimestamp) tags.push_back("_no_timestamp");
  if (!tags.empty()) {
    out += ",\"tags\":[";
    for (size_t i = 0; i < tags.size(); i++) {
      if (i) out += ",";
      out += "\"" + std::string(tags[i]) + "\"";
    }
    out += "]";
  }
  out += "}";
  return out;
}

}  // namespace wardsec::search
