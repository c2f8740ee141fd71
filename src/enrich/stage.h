// Enrichment: the named stages that run, in order, on every decoded batch before it is
// stored (the pipeline's decode thread). Each stage writes fields onto the events themselves,
// once, so that the store, search, the rules, the console and the reports all read the same
// values. A stage never fails on input and never blocks; what it cannot understand it leaves.
//
// A new stage is one class here and one line in center/center.cc (build_stages).
#pragma once
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "core/event.h"

namespace wardsec::enrich {

class Stage {
 public:
  virtual ~Stage() = default;
  virtual std::string_view name() const = 0;
  // Called on the decode thread only (stages may keep state between batches).
  virtual void run(std::span<Event> batch) = 0;
};

// The stages in the order they run.
class Chain {
 public:
  void add(std::unique_ptr<Stage> s) { stages_.push_back(std::move(s)); }
  void run(std::span<Event> batch) {
    for (auto& s : stages_) s->run(batch);
  }
  void run(Event& ev) { run(std::span<Event>(&ev, 1)); }
  bool empty() const { return stages_.empty(); }
  std::vector<std::string_view> names() const {
    std::vector<std::string_view> n;
    for (const auto& s : stages_) n.push_back(s->name());
    return n;
  }

 private:
  std::vector<std::unique_ptr<Stage>> stages_;
};

}  // namespace wardsec::enrich
