// blackhole: accepts everything and counts it. For benchmarks and for measuring a source alone.
#pragma once

#include <string_view>

#include "config/schema.h"
#include "core/component.h"
#include "core/sink.h"

namespace logferry::sinks {

class BlackholeSink final : public Sink {
 public:
  static constexpr std::string_view kType = "blackhole";
  static constexpr std::string_view kDoc = "Counts events and discards them (benchmarks).";
  struct Options {};
  static void describe(config::Schema<Options>&) {}
  static Result<std::unique_ptr<Sink>> build(const Options&, BuildContext& ctx);

  explicit BlackholeSink(Counter& bytes) : bytes_(bytes) {}
  // Sink
  Delivery send(const EventBatch& batch, const std::stop_token&) override {
    bytes_.add(batch.byte_size());
    return Delivery::kDelivered;
  }

 private:
  Counter& bytes_;
};

}  // namespace logferry::sinks
