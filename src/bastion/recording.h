// A session's recording as asciicast v2 (https://docs.asciinema.org/manual/asciicast/v2/):
// a header line, then one JSON array per chunk: [seconds, "o", output], [seconds, "i", input],
// [seconds, "r", "COLSxROWS"] and [seconds, "m", label] markers at each command (the player
// jumps to them). The SHA-256 of the file's bytes is kept as it is written; at the end it goes
// into the tamper-evident store with the session's end event, so `wardsec verify` can tell a
// recording that was changed afterwards.
#pragma once
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace wardsec::bastion {

class Recording {
 public:
  // Creates `path` (0600; an existing file is an error).
  static Result<std::unique_ptr<Recording>> create(const std::string& path, int cols, int rows, int64_t start_ns, const std::string& title,
                                                   const std::string& term);
  ~Recording();
  void output(int64_t now_ns, std::string_view data) { event(now_ns, 'o', data, out_tail_); }
  void input(int64_t now_ns, std::string_view data) { event(now_ns, 'i', data, in_tail_); }
  void resize(int64_t now_ns, int cols, int rows);
  void marker(int64_t now_ns, std::string_view label);
  // Flushes, syncs and closes; returns the SHA-256 (hex) of the whole file.
  std::string finish();
  const std::string& digest() const { return digest_; }
  int64_t bytes() const { return bytes_; }
  // Milliseconds from the start to `now_ns`.
  int64_t offset_ms(int64_t now_ns) const { return (now_ns - start_) / 1000000; }

 private:
  Recording() = default;
  void event(int64_t now_ns, char kind, std::string_view data, std::string& tail);
  void write(const std::string& line);
  FILE* f_ = nullptr;
  EVP_MD_CTX* md_ = nullptr;
  int64_t start_ = 0, bytes_ = 0;
  std::string digest_;
  std::string out_tail_, in_tail_;  // an incomplete UTF-8 character carried to the next chunk
};

// The SHA-256 (hex) of a file, for verification; empty when it cannot be read.
std::string file_sha256(const std::string& path);

}  // namespace wardsec::bastion
