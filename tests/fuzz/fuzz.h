// The fuzz targets: one function per parser and per framing, registered by name with
// WARDSEC_FUZZ_TARGET(name) { ... } (the input is `in`, also as `data`/`size`). The normal
// build replays every target's corpus (replay_main.cc); the ASan build with -DWARDSEC_FUZZ=ON
// also links one libFuzzer binary that fuzzes the target named by $WARDSEC_FUZZ_TARGET.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "parse/parser.h"

namespace wardsec::fuzz {

using TargetFn = void (*)(std::string_view in, const uint8_t* data, size_t size);

struct Target {
  const char* name;
  TargetFn fn;
};

// Every registered target, in registration order (a static list: no allocation at load time).
std::vector<Target>& targets();
const Target* find_target(std::string_view name);

struct Register {
  Register(const char* name, TargetFn fn) { targets().push_back({name, fn}); }
};

// Every decoded field lies inside the event's buffers.
void check(const Event& ev);
// A whole line through a decoder, at a fixed reception time, and the event's invariants checked.
void decode_line(const Decoder& dec, std::string_view in);
// The built-in envelope / message parser of that name on the input.
void run_envelope(const char* name, std::string_view in);
void run_message(const char* name, const char* program, std::string_view in);

}  // namespace wardsec::fuzz

#define WARDSEC_FUZZ_TARGET(name)                                                 \
  static void fuzz_##name(std::string_view in, const uint8_t* data, size_t size); \
  static const ::wardsec::fuzz::Register register_##name(#name, &fuzz_##name);    \
  static void fuzz_##name([[maybe_unused]] std::string_view in, [[maybe_unused]] const uint8_t* data, [[maybe_unused]] size_t size)
