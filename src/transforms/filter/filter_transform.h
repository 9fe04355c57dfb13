// filter: keeps the events that match a condition (Logstash conditional syntax, see
// template/condition.h) and drops the rest, in place. Dropped events are counted.
#pragma once

#include <string>
#include <string_view>

#include "config/schema.h"
#include "core/component.h"
#include "core/metrics.h"
#include "core/transform.h"
#include "template/condition.h"

namespace logferry::transforms {

class FilterTransform final : public Transform {
 public:
  static constexpr std::string_view kType = "filter";
  static constexpr std::string_view kDoc =
      "Keeps events matching a Logstash-style condition; drops (and counts) the others.";
  struct Options {
    std::string condition;
  };
  static void describe(config::Schema<Options>& s);
  static Result<std::unique_ptr<Transform>> build(const Options& options, BuildContext& ctx);

  FilterTransform(Condition condition, Counter& dropped)
      : condition_(std::move(condition)), dropped_(dropped) {}
  // Transform
  void apply(EventBatch& batch) override;

 private:
  Condition condition_;
  Counter& dropped_;
};

}  // namespace logferry::transforms
