// The aggregator (Logstash drop-in) part of `logferry demo`: a Filebeat stand-in sends the demo
// pods' lines over Lumberjack, as IBM Cloud Private's Filebeat shapes them, to logferry running
// ICP's own k8s.conf filters from a directory; its syslog output feeds the demo's syslog server.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "core/metrics.h"
#include "core/result.h"
#include "runtime/topology.h"

namespace logferry::app {

struct AggregatorDemo {
  std::unique_ptr<runtime::Topology> topology;
  std::filesystem::path conf_dir;
  int sent = 0;       // events Filebeat sent (all acked)
  int expected = 0;   // what reaches syslog: the empty lines are dropped by the pipeline
};

// Writes DIR/aggregator/k8s.conf, starts it, sends the events and waits for their ACK.
Result<AggregatorDemo> run_aggregator(const std::filesystem::path& dir, uint16_t syslog_port,
                                      Metrics& metrics);

}  // namespace logferry::app
