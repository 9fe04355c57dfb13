// What every component is given when it is built: its name, the metrics registry, its own
// state directory, and the host facts templates default to.
#pragma once

#include <filesystem>
#include <string>

#include "core/clock.h"
#include "core/metrics.h"

namespace logferry {

struct BuildContext {
  std::string name;                    // the component's key in the config
  Metrics& metrics;
  std::filesystem::path data_dir;      // <data_dir>/<name>, created on demand by the component
  std::filesystem::path config_dir;    // relative paths in options resolve against this
  std::string node_name;               // $NODE_NAME, else the hostname
  const Clock& clock = SystemClock::instance();

  Labels labels() const { return {{"component", name}}; }
  // A path from an option: relative ones resolve against config_dir; empty stays empty.
  std::string resolve(const std::string& path) const {
    if (path.empty() || std::filesystem::path(path).is_absolute()) return path;
    return (config_dir / path).string();
  }
};

}  // namespace logferry
