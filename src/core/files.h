// Whole files the center writes and reads: state, settings and manifests.
#pragma once
#include <optional>
#include <string>

#include "core/result.h"

namespace wardsec {

// Writes `data` to `path` all or nothing: a temporary file beside it (0600), flushed to disk,
// renamed into place. An error names the path.
Status write_file_atomic(const std::string& path, const std::string& data);
// The file's bytes; nullopt when it cannot be read.
std::optional<std::string> read_file(const std::string& path);

}  // namespace wardsec
