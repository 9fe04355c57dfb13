#include "sinks/blackhole/blackhole_sink.h"

namespace logferry::sinks {

Result<std::unique_ptr<Sink>> BlackholeSink::build(const Options&, BuildContext& ctx) {
  return std::unique_ptr<Sink>(std::make_unique<BlackholeSink>(ctx.metrics.counter(
      "logferry_blackhole_bytes_total", "Bytes of events a blackhole sink discarded", ctx.labels())));
}

}  // namespace logferry::sinks
