#include "ingest/import.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>

#include "core/timeutil.h"
#include "parse/parser.h"

namespace wardsec::ingest {

Result<ImportResult> import_file(Pipeline& p, const std::string& path) {
  // gzopen reads gzip and passes plain files through unchanged.
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) return Error{"cannot open " + path + ": " + std::strerror(errno)};
  gzbuffer(f, 1 << 17);
  ImportResult res;
  RawBatch batch;
  batch.input = "file";
  batch.source = path;
  std::string line;
  std::string buf(1 << 16, '\0');
  size_t batch_bytes = 0;
  int64_t read_at = now_ns();
  auto flush = [&] {
    if (batch.msgs.empty()) return;
    RawBatch b;
    b.input = batch.input;
    b.source = batch.source;
    b.msgs.swap(batch.msgs);
    b.buf.swap(batch.buf);
    p.submit(std::move(b));
    batch_bytes = 0;
  };
  auto emit = [&](std::string&& l) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    if (l.empty()) return;
    res.lines++;
    batch_bytes += l.size();
    batch.add(l, read_at);
    if (batch.msgs.size() >= 4096 || batch_bytes >= (4u << 20)) flush();
  };
  bool skipping = false;
  for (;;) {
    int n = gzread(f, buf.data(), static_cast<unsigned>(buf.size()));
    if (n < 0) {
      int err;
      std::string msg = gzerror(f, &err);
      gzclose(f);
      flush();
      return Error{path + ": read error after " + std::to_string(res.lines) + " lines: " + msg};
    }
    if (n == 0) break;
    read_at = now_ns();  // receive time: when this chunk was read
    res.bytes += static_cast<uint64_t>(n);
    std::string_view chunk(buf.data(), static_cast<size_t>(n));
    while (!chunk.empty()) {
      size_t nl = chunk.find('\n');
      std::string_view part = chunk.substr(0, nl);
      if (!skipping) {
        size_t room = Decoder::kMaxMessage + 1 - std::min(line.size(), Decoder::kMaxMessage + 1);
        line.append(part.substr(0, room));
        if (line.size() > Decoder::kMaxMessage) skipping = true;  // the decoder cuts and flags it
      }
      if (nl == std::string_view::npos) break;
      emit(std::move(line));
      line.clear();
      skipping = false;
      chunk.remove_prefix(nl + 1);
    }
  }
  if (!line.empty()) emit(std::move(line));
  gzclose(f);
  flush();
  return res;
}

}  // namespace wardsec::ingest
