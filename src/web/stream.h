// HTTP/1.1 requests out of a reassembled TCP stream (mirrored traffic): pipelined requests,
// Content-Length and chunked bodies, resynchronization at the next request line after a gap.
// Works on flows joined mid-stream (it finds the side that sends requests).
#pragma once
#include <functional>
#include <memory>
#include <string>

#include "capture/tcp.h"

namespace wardsec::web {

struct StreamRequest {
  std::string raw;  // the request's bytes, as parse_raw reads them
  capture::Endpoint client, server;
  int64_t ts = 0;
  bool incomplete = false;  // cut by a gap, the end of the capture or the size bound
};

using RequestSink = std::function<void(StreamRequest&&)>;

// A factory for capture::Reassembler that turns every flow's client data into requests.
capture::Reassembler::Factory http_request_factory(RequestSink sink, size_t max_request = 2u << 20);

}  // namespace wardsec::web
