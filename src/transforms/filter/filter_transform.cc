#include "transforms/filter/filter_transform.h"

#include <algorithm>

namespace logferry::transforms {

void FilterTransform::describe(config::Schema<Options>& s) {
  s.field("condition", &Options::condition).required().doc(
      "Events for which this is true are kept, e.g. "
      "'[kubernetes][namespace] == \"prod\" and [log] =~ /ERROR/'.");
  // Compiling here makes a bad condition a validate error at the key's line.
  s.check([](const Options& o, config::CheckContext& ctx) {
    if (o.condition.empty()) return;  // `required` reports a missing one
    auto c = Condition::compile(o.condition);
    if (!c) ctx.error("condition", c.error().message);
  });
}

Result<std::unique_ptr<Transform>> FilterTransform::build(const Options& options,
                                                          BuildContext& ctx) {
  auto c = Condition::compile(options.condition);
  if (!c) return unexpected(ErrorCode::kInvalidArgument, "condition: " + c.error().message);
  Counter& dropped = ctx.metrics.counter("logferry_filter_events_dropped_total",
                                         "Events dropped by a filter transform", ctx.labels());
  return std::unique_ptr<Transform>(
      std::make_unique<FilterTransform>(std::move(*c), dropped));
}

void FilterTransform::apply(EventBatch& batch) {
  auto& events = batch.events();
  // Stable compaction: kept events slide down over dropped ones, no allocation. Their strings
  // stay in the batch arena until the batch is recycled.
  auto kept_end = std::remove_if(events.begin(), events.end(),
                                 [this](const Event& e) { return !condition_.matches(e); });
  std::size_t dropped = static_cast<std::size_t>(events.end() - kept_end);
  if (dropped == 0) return;
  events.erase(kept_end, events.end());
  dropped_.add(dropped);
}

}  // namespace logferry::transforms
