#include "sinks/sinks.h"

#include "sinks/blackhole/blackhole_sink.h"
#include "sinks/console/console_sink.h"

namespace logferry::sinks {

void register_sinks(config::Registry& registry) {
  registry.add_sink<ConsoleSink>();
  registry.add_sink<BlackholeSink>();
}

}  // namespace logferry::sinks
