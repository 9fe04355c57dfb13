// filter: keeps the events that match a condition (Logstash conditional syntax, see
// template/condition.h) and drops the rest, in place. Dropped events are counted; kept ones get
// the common options (add_field, add_tag, ...).
#pragma once

#include <string>
#include <string_view>

#include "config/schema.h"
#include "core/component.h"
#include "core/metrics.h"
#include "template/condition.h"
#include "transforms/common/event_transform.h"

namespace logferry::transforms {

class FilterTransform final : public EventTransform {
 public:
  static constexpr std::string_view kType = "filter";
  static constexpr std::string_view kDoc =
      "Keeps events matching a Logstash-style condition; drops (and counts) the others.";
  struct Options : CommonOptions {
    std::string condition;
  };
  static void describe(config::Schema<Options>& s);
  static Result<std::unique_ptr<Transform>> build(const Options& options, BuildContext& ctx);

  FilterTransform(Condition condition, Counter& dropped)
      : condition_(std::move(condition)), dropped_(dropped) {}

 private:
  // EventTransform
  Outcome process(Event& event) override {
    if (condition_.matches(event)) return Outcome::kSuccess;
    ++dropped_in_batch_;
    return Outcome::kDrop;
  }
  void begin_batch() override { dropped_in_batch_ = 0; }
  void end_batch() override {
    if (dropped_in_batch_ > 0) dropped_.add(dropped_in_batch_);
  }

  Condition condition_;
  Counter& dropped_;
  uint64_t dropped_in_batch_ = 0;
};

}  // namespace logferry::transforms
