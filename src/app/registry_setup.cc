#include "app/app.h"
#include "sinks/sinks.h"
#include "sources/sources.h"
#include "transforms/transforms.h"

namespace logferry::app {

const config::Registry& registry() {
  static const config::Registry r = [] {
    config::Registry reg;
    sources::register_sources(reg);
    transforms::register_transforms(reg);
    sinks::register_sinks(reg);
    return reg;
  }();
  return r;
}

}  // namespace logferry::app
