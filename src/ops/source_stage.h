// The enrichment stage that counts each live line for its source's health (ops/source_health.h).
// It writes nothing on the events.
#pragma once
#include <memory>

#include "enrich/stage.h"
#include "ops/source_health.h"

namespace wardsec::ops {

class SourceHealthStage final : public enrich::Stage {
 public:
  explicit SourceHealthStage(std::shared_ptr<SourceHealth> h) : h_(std::move(h)) {}
  std::string_view name() const override { return "source-health"; }
  void run(std::span<Event> batch) override { h_->observe(batch); }

 private:
  std::shared_ptr<SourceHealth> h_;
};

}  // namespace wardsec::ops
