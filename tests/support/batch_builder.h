// Builds event batches for sink tests: string fields from a list of key/value pairs, plus an
// optional @timestamp. Header-only.
//
// Example:
//   BatchBuilder b;
//   b.add({{"message", "hello"}, {"host", "web-1"}}, parse_rfc3339("2026-11-05T09:03:01Z"));
//   sink->send(b.batch(), {});
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/event_batch.h"

namespace logferry::testing {

class BatchBuilder {
 public:
  using Fields = std::vector<std::pair<std::string, std::string>>;
  BatchBuilder() : pool_(BatchPool::create()), batch_(pool_->acquire()) {}

  Event& add(const Fields& fields, std::optional<Timestamp> ts = std::nullopt) {
    Event& e = batch_->add();
    if (ts) e.append("@timestamp", Value::timestamp(*ts));
    for (const auto& [k, v] : fields) e.append(e.arena().copy(k), e.string_value(v));
    return e;
  }
  EventBatch& batch() { return *batch_; }
  // Starts a new, empty batch (the old one goes back to the pool).
  void reset() { batch_ = pool_->acquire(); }

 private:
  std::shared_ptr<BatchPool> pool_;
  BatchPtr batch_;
};

}  // namespace logferry::testing
