#include "transforms/common/event_transform.h"

#include <algorithm>

namespace logferry::transforms {

Outcome EventTransform::run(Event& event) {
  Outcome outcome = process(event);
  if (outcome == Outcome::kSuccess && !decorations_.empty()) decorations_.apply(event);
  return outcome;
}

void EventTransform::apply(EventBatch& batch) {
  begin_batch();
  auto& events = batch.events();
  auto kept = events.begin();
  for (auto it = events.begin(); it != events.end(); ++it) {
    if (run(*it) == Outcome::kDrop) continue;
    if (kept != it) *kept = std::move(*it);
    ++kept;
  }
  events.erase(kept, events.end());
  end_batch();
}

}  // namespace logferry::transforms
