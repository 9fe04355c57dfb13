#pragma once
#include "config/registry.h"
namespace logferry::sources {
// The one list of source types, in the order `logferry --help` shows them.
void register_sources(config::Registry& registry);
}  // namespace logferry::sources
