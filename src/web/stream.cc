#include "web/stream.h"

#include <algorithm>

#include "core/strutil.h"

namespace wardsec::web {

namespace {

// "GET /x HTTP/1.1\r\n" at `p`: a method of capitals, a target, a version.
bool request_line_at(std::string_view s, size_t p) {
  size_t i = p;
  while (i < s.size() && i - p < 12 && s[i] >= 'A' && s[i] <= 'Z') i++;
  if (i - p < 3 || i >= s.size() || s[i] != ' ') return false;
  size_t eol = s.find('\n', i);
  if (eol == std::string_view::npos) eol = std::min(s.size(), i + 8192);
  std::string_view line = s.substr(p, eol - p);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line.size() > 13 && line.substr(line.size() - 9, 6) == " HTTP/";
}

size_t find_request_line(std::string_view s, size_t from) {
  for (size_t p = from; p < s.size(); p++) {
    if ((p == 0 || s[p - 1] == '\n') && request_line_at(s, p)) return p;
  }
  return std::string_view::npos;
}

class HttpFlow : public capture::FlowHandler {
 public:
  HttpFlow(const capture::FlowInfo& info, RequestSink sink, size_t max) : info_(info), sink_(std::move(sink)), max_(max) {}

  void data(int dir, std::string_view bytes, int64_t ts) override {
    if (req_dir_ < 0) {
      // The first side whose data starts with a request line sends the requests; a side
      // that starts otherwise (responses, another protocol) is ignored.
      if (not_req_[dir]) return;
      std::string& b = probe_[dir];
      if (b.empty()) ts_ = ts;
      b.append(bytes);
      if (b.find('\n') == std::string::npos && b.size() < 4096) return;
      if (find_request_line(b, 0) != 0) {
        not_req_[dir] = true;
        b.clear();
        return;
      }
      req_dir_ = dir;
      buf_ = std::move(b);
      probe_[0].clear();
      probe_[1].clear();
      extract(false);
      return;
    }
    if (dir != req_dir_) return;
    if (buf_.empty()) ts_ = ts;
    buf_.append(bytes);
    extract(false);
  }

  void gap(int dir, uint64_t) override {
    if (dir != req_dir_) return;
    // The request in progress lost bytes: report what we had, then find the next one.
    if (!buf_.empty()) emit(buf_, true);
    buf_.clear();
    resync_ = true;
  }

  void closed() override { extract(true); }

 private:
  void emit(std::string_view raw, bool incomplete) {
    StreamRequest r;
    r.raw.assign(raw);
    r.client = req_dir_ == 1 ? info_.server : info_.client;
    r.server = req_dir_ == 1 ? info_.client : info_.server;
    r.ts = ts_;
    r.incomplete = incomplete;
    sink_(std::move(r));
  }

  void extract(bool end) {
    for (;;) {
      if (resync_) {
        size_t p = find_request_line(buf_, 0);
        if (p == std::string::npos) {
          if (buf_.size() > 16384) buf_.erase(0, buf_.size() - 16384);
          return;
        }
        buf_.erase(0, p);
        resync_ = false;
      }
      if (buf_.empty()) return;
      std::string_view s = buf_;
      size_t he = s.find("\r\n\r\n");
      size_t hl = 4;
      size_t lf = s.find("\n\n");
      if (lf != std::string_view::npos && (he == std::string_view::npos || lf < he)) {
        he = lf;
        hl = 2;
      }
      if (he == std::string_view::npos) {
        if (buf_.size() > max_ || end) {
          emit(buf_, true);
          buf_.clear();
          resync_ = !end;
        }
        return;
      }
      size_t body_start = he + hl;
      std::string_view heads = s.substr(0, he);
      // Content-Length or chunked.
      size_t need = body_start;
      bool chunked = false;
      uint64_t cl = 0;
      for (size_t ls = 0; ls < heads.size();) {
        size_t le = heads.find('\n', ls);
        std::string_view line = heads.substr(ls, le == std::string_view::npos ? std::string_view::npos : le - ls);
        size_t c = line.find(':');
        if (c != std::string_view::npos) {
          std::string_view k = trim(line.substr(0, c)), v = trim(line.substr(c + 1));
          if (iequals(k, "content-length")) parse_u64(v, cl);
          if (iequals(k, "transfer-encoding") && icontains(v, "chunked")) chunked = true;
        }
        if (le == std::string_view::npos) break;
        ls = le + 1;
      }
      if (chunked) {
        // Walk the chunks to find the end (0-size chunk and its trailer).
        size_t p = body_start;
        bool done = false, bad = false;
        while (p < s.size()) {
          size_t e = s.find('\n', p);
          if (e == std::string_view::npos) break;
          std::string_view sz = trim(s.substr(p, e - p));
          sz = sz.substr(0, sz.find(';'));
          uint64_t n = 0;
          for (char ch : sz) {
            int d = is_digit(ch) ? ch - '0' : (ch >= 'a' && ch <= 'f') ? ch - 'a' + 10 : (ch >= 'A' && ch <= 'F') ? ch - 'A' + 10 : -1;
            if (d < 0 || n > (1ull << 40)) {
              bad = true;
              break;
            }
            n = n * 16 + static_cast<uint64_t>(d);
          }
          if (bad || sz.empty()) {
            bad = true;
            break;
          }
          p = e + 1;
          if (n == 0) {
            // The trailer section ends with an empty line.
            size_t t = std::string_view::npos;
            if (s.substr(p, 2) == "\r\n")
              t = p + 2;
            else if (s.substr(p, 1) == "\n")
              t = p + 1;
            else if (size_t x = s.find("\r\n\r\n", p); x != std::string_view::npos)
              t = x + 4;
            else if (size_t y = s.find("\n\n", p); y != std::string_view::npos)
              t = y + 2;
            if (t != std::string_view::npos) {
              need = t;
              done = true;
            }
            break;
          }
          if (p + n + 2 > s.size()) break;
          p += n;
          if (s.substr(p, 2) == "\r\n")
            p += 2;
          else if (s.substr(p, 1) == "\n")
            p += 1;
        }
        if (bad)
          need = s.size();  // broken framing: the rest is this request (the inspector reports it)
        else if (!done) {
          if (buf_.size() > max_ || end) {
            emit(buf_, true);
            buf_.clear();
          }
          return;
        }
      } else {
        need = body_start + cl;
      }
      if (need > s.size()) {
        if (buf_.size() > max_ || end) {
          emit(buf_, true);
          buf_.clear();
          resync_ = !end;
        }
        return;
      }
      emit(s.substr(0, need), false);
      buf_.erase(0, need);
      // Pipelined: the next request follows directly (tolerate stray CRLF between).
      while (!buf_.empty() && (buf_[0] == '\r' || buf_[0] == '\n')) buf_.erase(0, 1);
    }
  }

  capture::FlowInfo info_;
  RequestSink sink_;
  size_t max_;
  int req_dir_ = -1;
  std::string probe_[2];
  bool not_req_[2] = {false, false};
  std::string buf_;
  bool resync_ = false;
  int64_t ts_ = 0;
};

}  // namespace

capture::Reassembler::Factory http_request_factory(RequestSink sink, size_t max_request) {
  return [sink = std::move(sink), max_request](const capture::FlowInfo& info) -> std::unique_ptr<capture::FlowHandler> {
    return std::make_unique<HttpFlow>(info, sink, max_request);
  };
}

}  // namespace wardsec::web
