#include "transforms/drop/drop_transform.h"

#include <random>

namespace logferry::transforms {

void DropTransform::describe(config::Schema<Options>& s) {
  s.field("percentage", &Options::percentage)
      .range(0, 100)
      .doc("Share of the events to drop, chosen at random (100: every event).");
  describe_common(s);
}

Result<std::unique_ptr<Transform>> DropTransform::build(const Options& options, BuildContext& ctx) {
  Counter& dropped = ctx.metrics.counter("logferry_drop_events_dropped_total",
                                         "Events removed by a drop transform", ctx.labels());
  std::random_device seed;
  uint64_t s = (uint64_t{seed()} << 32) ^ seed();
  return std::unique_ptr<Transform>(std::make_unique<DropTransform>(options.percentage, dropped, s));
}

double DropTransform::next_random() {
  state_ ^= state_ >> 12;
  state_ ^= state_ << 25;
  state_ ^= state_ >> 27;
  return static_cast<double>((state_ * 0x2545F4914F6CDD1DULL) >> 11) * 0x1.0p-53;
}

Outcome DropTransform::process(Event&) {
  if (percentage_ >= 100 || next_random() < percentage_ / 100.0) {
    ++dropped_in_batch_;
    return Outcome::kDrop;
  }
  return Outcome::kSkip;
}

}  // namespace logferry::transforms
