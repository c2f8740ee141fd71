// The host agents in the center: the service (their record, what they send, the console's
// operations) and, when agents.listen is set, the mutual-TLS channel they reach it by. What
// people do to agents is signed wardsec.fleet records; what agents report is agent.* events.
#include "center/center.h"
#include "core/version.h"
#include "fleet/channel.h"
#include "fleet/service.h"
#include "store/store.h"

namespace wardsec::center {

Status Center::open_fleet() {
  fleet::ServiceOptions o;
  o.data_dir = cfg_.data_dir;
  o.key_dir = cfg_.store.key_dir;
  o.sign_key = &writer_->key();
  o.tz_sec = cfg_.tz_sec;
  o.pipeline = pipeline_.get();
  o.parsers = cfg_.pipeline.parsers;
  o.record = signed_emitter("wardsec.fleet");
  o.alerts = alerts_.get();
  o.outputs = outputs_.get();
  o.version = kVersion;
  o.listen = cfg_.agents.listen;
  o.cert_days = cfg_.agents_cert_days;
  o.offline_after_seconds = cfg_.agents_offline_seconds;
  auto svc = fleet::Service::open(std::move(o));
  if (!svc) return Error{svc.error()};
  fleet_ = std::move(*svc);
  cfg_.http.fleet = fleet_.get();
  cfg_.agents.key_dir = cfg_.store.key_dir;
  return {};
}

}  // namespace wardsec::center
