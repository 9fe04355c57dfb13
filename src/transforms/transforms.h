#pragma once
#include "config/registry.h"
namespace logferry::transforms {
// The one list of transform types, in the order `logferry --help` shows them.
void register_transforms(config::Registry& registry);
}  // namespace logferry::transforms
