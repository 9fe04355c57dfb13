// The two read endpoints of Logstash's monitoring API that existing tools poll (IBM Cloud
// Private's chart, check_logstash, Metricbeat's logstash module): `GET /` (node info) and
// `GET /_node/stats` (events in / filtered / out, per pipeline and per plugin id), in
// Logstash's JSON shape and served from the same counters as /metrics. Mounted on the API
// server beside /metrics; a Logstash drop-in sets the API address to Logstash's :9600.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "config/pipeline_config.h"
#include "core/metrics.h"
#include "net/http_server.h"

namespace logferry::app {

class LogstashApi {
 public:
  LogstashApi(Metrics& metrics, std::string node_name, std::string http_address);

  // The running pipeline's components (called at start and after each reload).
  void set_pipeline(const config::PipelineConfig& cfg);
  // Routes to add to the API server: "/" and "/_node/stats".
  std::map<std::string, net::HttpServer::Handler> routes();

  net::HttpResponse node_info() const;
  net::HttpResponse node_stats() const;

 private:
  struct Plugin {
    std::string id, type;
  };
  std::string header() const;  // the fields every Logstash API answer starts with
  void append_plugins(std::string& out, const std::vector<Plugin>& plugins, const char* stage) const;

  Metrics& metrics_;
  std::string node_name_, http_address_, id_;
  mutable std::mutex mu_;
  std::vector<Plugin> inputs_, filters_, outputs_;
  int workers_ = 1;
};

}  // namespace logferry::app
