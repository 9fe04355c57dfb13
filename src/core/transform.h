// Transform: rewrites a batch in place, synchronously, on the source's thread. May drop,
// change or add events. The runtime builds one instance per upstream source, so a transform
// keeps per-stream state without locks.
#pragma once

#include <memory>

#include "core/event_batch.h"

namespace logferry {

class Transform {
 public:
  virtual ~Transform() = default;
  virtual void apply(EventBatch& batch) = 0;
};

using TransformPtr = std::unique_ptr<Transform>;

}  // namespace logferry
