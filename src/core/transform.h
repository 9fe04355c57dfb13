// Transform: rewrites a batch in place, synchronously, on the source's thread. May drop,
// change or add events. The runtime builds one instance per upstream source, so a transform
// keeps per-stream state without locks.
//
// A transform that holds events back across batches (multiline: a line waits for the lines
// that continue it) says so with holds_events(). The runtime then gives its source a single
// route (no parallel workers: every batch of a stream reaches the same instance) and calls
// flush_due() on a timer, serialised with apply() by the route's lock, so a held event goes
// out when no further line comes. A held event keeps the finalizers of the batches its lines
// came in (see finalizer.h) and hands them to the batch it finally leaves in: a source's
// position never moves past a line that has not been delivered.
#pragma once

#include <chrono>
#include <memory>
#include <optional>

#include "core/event_batch.h"

namespace logferry {

class Transform {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;
  virtual ~Transform() = default;
  virtual void apply(EventBatch& batch) = 0;

  virtual bool holds_events() const { return false; }
  // Appends to `out` the held events due at `now` (all of them when now is
  // SteadyTime::max(): the pipeline is stopping) and returns when to be called again, or
  // nullopt when nothing is held.
  virtual std::optional<SteadyTime> flush_due(SteadyTime /*now*/, EventBatch& /*out*/) {
    return std::nullopt;
  }
};

using TransformPtr = std::unique_ptr<Transform>;

}  // namespace logferry
