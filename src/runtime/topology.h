// Topology: a running pipeline built from a PipelineConfig. One thread per source (which also
// runs that source's transforms) and one per sink; a bounded BatchChannel in front of each sink.
//
// Lifecycle: build() builds every component (sockets and files open here) -> start() ->
// stop(drain_timeout): sources stop reading; sinks deliver what is queued until the deadline;
// what is left is failed (not acknowledged), then sources persist their final checkpoints.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "config/pipeline_config.h"
#include "core/metrics.h"
#include "core/result.h"
#include "runtime/channel.h"

namespace logferry::runtime {

class Topology {
 public:
  static Result<std::unique_ptr<Topology>> build(const config::PipelineConfig& cfg, Metrics& metrics,
                                                 const std::string& node_name);
  ~Topology();

  void start();
  void stop(std::chrono::milliseconds drain_timeout = std::chrono::seconds(10));
  // True once every source has returned on its own (e.g. stdin at EOF, a finite demo input).
  bool sources_finished() const;
  // Every queued batch delivered (or the channels are empty).
  bool idle() const;

  // A sink that has held events it could not deliver for `at_least` or longer: its name, how
  // long, and the sink's retry reason. Thread-safe (the API server asks from its thread).
  struct Unready {
    std::string sink;
    std::chrono::seconds failing_for;
    std::string reason;
  };
  std::vector<Unready> unready_sinks(std::chrono::milliseconds at_least) const;

  struct SinkSlot;
  struct SourceSlot;

 private:
  Topology() = default;
  std::vector<std::unique_ptr<SourceSlot>> sources_;
  std::vector<std::unique_ptr<SinkSlot>> sinks_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace logferry::runtime
