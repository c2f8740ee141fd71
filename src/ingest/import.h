// `wardsec import`: plain or gzip-compressed log files, one event per line.
#pragma once
#include <string>

#include "core/result.h"
#include "ingest/pipeline.h"

namespace wardsec::ingest {

struct ImportResult {
  uint64_t lines = 0;
  uint64_t bytes = 0;
};

// Reads FILE (gzip detected by its magic bytes) and submits its lines; waits for room in
// the queue. Lines longer than the message limit are cut and flagged, never dropped.
Result<ImportResult> import_file(Pipeline& p, const std::string& path);

}  // namespace wardsec::ingest
