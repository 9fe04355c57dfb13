#pragma once
#include "config/registry.h"
namespace logferry::sinks {
// The one list of sink types, in the order `logferry --help` shows them.
void register_sinks(config::Registry& registry);
}  // namespace logferry::sinks
