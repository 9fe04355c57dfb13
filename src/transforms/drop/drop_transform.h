// drop: Logstash's drop filter. Removes every event (or, with `percentage`, that share of
// them, chosen at random as the plugin's `rand < percentage / 100` does) and counts them. Put
// it under a condition: in a .conf `if [log] =~ /^\s*$/ { drop {} }`, natively a `filter`
// transform's condition or this transform after one. Events it keeps are left untouched: the
// plugin never calls filter_matched, so the common options never apply.
#pragma once

#include <cstdint>
#include <string_view>

#include "config/schema.h"
#include "core/component.h"
#include "core/metrics.h"
#include "transforms/common/event_transform.h"

namespace logferry::transforms {

class DropTransform final : public EventTransform {
 public:
  static constexpr std::string_view kType = "drop";
  static constexpr std::string_view kDoc = "Drops events (all, or a random percentage), counted (Logstash drop).";
  struct Options : CommonOptions {
    double percentage = 100;
  };
  static void describe(config::Schema<Options>& s);
  static Result<std::unique_ptr<Transform>> build(const Options& options, BuildContext& ctx);

  DropTransform(double percentage, Counter& dropped, uint64_t seed)
      : percentage_(percentage), dropped_(dropped), state_(seed | 1) {}

 private:
  // EventTransform
  Outcome process(Event& event) override;
  void begin_batch() override { dropped_in_batch_ = 0; }
  void end_batch() override {
    if (dropped_in_batch_ > 0) dropped_.add(dropped_in_batch_);
  }
  double next_random();  // uniform in [0, 1)

  double percentage_;
  Counter& dropped_;
  uint64_t state_;  // xorshift64*: cheap, and statistical quality is all a sample needs
  uint64_t dropped_in_batch_ = 0;
};

}  // namespace logferry::transforms
