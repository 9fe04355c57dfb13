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

// `buffer:` of a sink: the bounded queue in front of it. When full, the sources feeding it wait
// (files stay on disk, network sources stop reading).
struct BufferConfig {
  std::string type = "memory";  // memory | disk
  // Memory: 2 MiB, a batch being filled plus the one the sink works on. The sink is the slow
  // side, so a deeper queue only holds more memory: on the collector benchmark 8 MiB gave the
  // same throughput and 4 MiB more peak RSS. (Vector holds 500 events.) Disk: 256 MiB.
  uint64_t max_bytes = 2ull * 1024 * 1024;
  bool sync = true;                 // disk: fdatasync each batch before its source may advance
  std::string when_full = "block";  // block | drop_newest (counted)
};

struct SinkConfig : ComponentConfig {
  Builder<Sink> build;
  BufferConfig buffer;
};

struct PipelineConfig {
  std::filesystem::path file;
  std::filesystem::path config_dir;
  std::filesystem::path data_dir = "./data";
  std::string api_address;  // empty: no API server
  bool api_optional = false;  // a default address (.conf runs): if it is taken, run without API
  // /readyz fails once a sink has been unable to deliver held events for this long.
  std::chrono::milliseconds api_ready_timeout = std::chrono::seconds(30);
  // Threads that run each source's transforms (Logstash's pipeline.workers). 1 runs them on the
  // source's own thread; more transform batches in parallel and still deliver them in order.
  int workers = 1;
  std::vector<SourceConfig> sources;
  std::vector<TransformConfig> transforms;
  std::vector<SinkConfig> sinks;
};

// What a Logstash pipeline (.conf) cannot say itself (Logstash keeps it in logstash.yml):
// given on the command line or in the environment.
struct ConfDefaults {
  std::filesystem::path data_dir = "data";  // relative: against the working directory
  // Logstash serves its monitoring API on 127.0.0.1:9600 unless told otherwise (http.host,
  // http.port), and tools such as ICP's liveness poller expect it there. Empty: no API server.
  std::string api_address = "127.0.0.1:9600";
  bool api_address_given = false;           // else the default: a taken port is not fatal
  int workers = 0;                          // pipeline.workers; 0: one per CPU core, as Logstash
  bool support_escapes = false;             // Logstash's config.support_escapes
};

// Reads and checks FILE: .yaml/.yml native, .conf (or a directory of them) Logstash. Problems go to `diags` (the returned config is then incomplete).
PipelineConfig load_pipeline_file(const std::filesystem::path& file, const Registry& registry,
                                  Diagnostics& diags, const ConfDefaults& conf = {});
// Same, from text (tests, the embedded demo config).
PipelineConfig parse_pipeline(std::string_view yaml, const std::filesystem::path& config_dir,
                              const Registry& registry, Diagnostics& diags);

}  // namespace logferry::config
