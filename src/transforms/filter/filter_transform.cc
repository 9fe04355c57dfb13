#include "transforms/filter/filter_transform.h"

namespace logferry::transforms {

void FilterTransform::describe(config::Schema<Options>& s) {
  s.field("condition", &Options::condition).required().doc(
      "Events for which this is true are kept, e.g. "
      "'[kubernetes][namespace] == \"prod\" and [log] =~ /ERROR/'.");
  describe_common(s);
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
  auto decorations = Decorations::compile(options);
  if (!decorations) return unexpected(decorations.error());
  Counter& dropped = ctx.metrics.counter("logferry_filter_events_dropped_total",
                                         "Events dropped by a filter transform", ctx.labels());
  auto filter = std::make_unique<FilterTransform>(std::move(*c), dropped);
  filter->set_decorations(std::move(*decorations));
  return std::unique_ptr<Transform>(std::move(filter));
}

}  // namespace logferry::transforms
