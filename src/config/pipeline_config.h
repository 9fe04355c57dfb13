// PipelineConfig: the whole native config (PRODUCT.md "Native config"), bound and checked.
// Loading never builds a component; validate stops here.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.h"
#include "config/registry.h"

namespace logferry::config {

struct ComponentConfig {
  std::string name;
  std::string type;
  int line = 0;
  std::vector<std::string> inputs;
  std::vector<int> input_lines;  // the line of each `inputs:` item, for validate errors

  // The line of inputs[i] (the component's line when unknown).
  int input_line(std::size_t i) const { return i < input_lines.size() ? input_lines[i] : line; }
};

struct SourceConfig : ComponentConfig {
  Builder<Source> build;
};

struct TransformConfig : ComponentConfig {
  Builder<Transform> build;
};

struct SinkConfig : ComponentConfig {
  Builder<Sink> build;
  // `buffer: {max_bytes: ...}`: the bounded in-memory queue in front of the sink. When full,
  // the sources feeding it wait (files stay on disk, network sources stop reading). 8 MiB is
  // tens of thousands of lines: enough to ride out a slow write, small enough that the
  // collector's memory stays a fraction of rsyslog's.
  uint64_t buffer_max_bytes = 8ull * 1024 * 1024;
};

struct PipelineConfig {
  std::filesystem::path file;
  std::filesystem::path config_dir;
  std::filesystem::path data_dir = "./data";
  std::string api_address;  // empty: no API server
  // /readyz fails once a sink has been unable to deliver held events for this long.
  std::chrono::milliseconds api_ready_timeout = std::chrono::seconds(30);
  std::vector<SourceConfig> sources;
  std::vector<TransformConfig> transforms;
  std::vector<SinkConfig> sinks;
};

// Reads and checks FILE. Problems go to `diags` (the returned config is then incomplete).
PipelineConfig load_pipeline_file(const std::filesystem::path& file, const Registry& registry,
                                  Diagnostics& diags);
// Same, from text (tests, the embedded demo config).
PipelineConfig parse_pipeline(std::string_view yaml, const std::filesystem::path& config_dir,
                              const Registry& registry, Diagnostics& diags);

}  // namespace logferry::config
