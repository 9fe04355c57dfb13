#include "app/logstash_api.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>

#include "core/json.h"

namespace logferry::app {

namespace {

std::string random_uuid() {
  std::random_device rd;
  std::uniform_int_distribution<int> hex(0, 15);
  std::string s = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx";
  for (char& c : s) {
    if (c == 'x') c = "0123456789abcdef"[hex(rd)];
    else if (c == 'y') c = "89ab"[hex(rd) & 3];
  }
  return s;
}

std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

// Resident and virtual memory and CPU time of this process, from /proc.
struct ProcessStats {
  int64_t cpu_millis = 0, virtual_bytes = 0, open_fds = 0, max_fds = 0;
};

ProcessStats process_stats() {
  ProcessStats p;
  std::ifstream stat("/proc/self/stat");
  std::string line;
  std::getline(stat, line);
  if (auto close = line.rfind(')'); close != std::string::npos) {
    std::istringstream fields(line.substr(close + 2));
    std::vector<std::string> f{std::istream_iterator<std::string>(fields), {}};
    // Fields after "(comm)": state is index 0, utime 11, stime 12, vsize 20.
    if (f.size() > 20) {
      long ticks = ::sysconf(_SC_CLK_TCK);
      p.cpu_millis = (std::stoll(f[11]) + std::stoll(f[12])) * 1000 / (ticks > 0 ? ticks : 100);
      p.virtual_bytes = std::stoll(f[20]);
    }
  }
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++p.open_fds;
  p.max_fds = ::sysconf(_SC_OPEN_MAX);
  return p;
}

}  // namespace

LogstashApi::LogstashApi(Metrics& metrics, std::string node_name, std::string http_address)
    : metrics_(metrics),
      node_name_(std::move(node_name)),
      http_address_(std::move(http_address)),
      id_(random_uuid()) {}

void LogstashApi::set_pipeline(const config::PipelineConfig& cfg) {
  std::lock_guard lock(mu_);
  inputs_.clear();
  filters_.clear();
  outputs_.clear();
  for (const auto& c : cfg.sources) inputs_.push_back({c.name, c.type});
  for (const auto& c : cfg.transforms) {
    if (c.type == "decorate") continue;  // an input's type/tags/add_field: part of the input in Logstash
    filters_.push_back({c.name, c.type});
  }
  for (const auto& c : cfg.sinks) outputs_.push_back({c.name, c.type});
  workers_ = cfg.workers;
}

std::map<std::string, net::HttpServer::Handler> LogstashApi::routes() {
  return {{"/", [this] { return node_info(); }}, {"/_node/stats", [this] { return node_stats(); }}};
}

std::string LogstashApi::header() const {
  return fmt::format(R"("host":{},"version":{},"http_address":{},"id":{},"name":{},"status":"green")",
                     json_string(node_name_), json_string(LOGFERRY_VERSION),
                     json_string(http_address_), json_string(id_), json_string(node_name_));
}

net::HttpResponse LogstashApi::node_info() const {
  std::lock_guard lock(mu_);
  std::string body = "{" + header() +
                     fmt::format(R"(,"pipeline":{{"workers":{},"batch_size":2048,"batch_delay":50}},)"
                                 R"("build_snapshot":false,"product":"logferry"}})",
                                 workers_) +
                     "\n";
  return {200, "application/json", std::move(body)};
}

void LogstashApi::append_plugins(std::string& out, const std::vector<Plugin>& plugins,
                                 const char* stage) const {
  out += '[';
  for (std::size_t i = 0; i < plugins.size(); ++i) {
    const Plugin& p = plugins[i];
    Labels l{{"component", p.id}};
    std::string events;
    if (std::string_view(stage) == "inputs") {
      events = fmt::format(R"("out":{},"queue_push_duration_in_millis":0)",
                           metrics_.value("logferry_source_events_total", l));
    } else if (std::string_view(stage) == "filters") {
      events = fmt::format(R"("in":{},"out":{},"duration_in_millis":0)",
                           metrics_.value("logferry_transform_events_in_total", l),
                           metrics_.value("logferry_transform_events_out_total", l));
    } else {
      events = fmt::format(R"("in":{},"out":{},"duration_in_millis":0)",
                           metrics_.value("logferry_sink_events_received_total", l),
                           metrics_.value("logferry_sink_events_delivered_total", l));
    }
    out += fmt::format(R"({}{{"id":{},"name":{},"events":{{{}}}}})", i ? "," : "",
                       json_string(p.id), json_string(p.type), events);
  }
  out += ']';
}

// Logstash counts an event once per stage: in (from inputs), filtered (out of the filters),
// out (through the outputs). With several outputs we report the one that delivered the most.
net::HttpResponse LogstashApi::node_stats() const {
  std::lock_guard lock(mu_);
  int64_t in = 0, out = 0;
  for (const auto& p : inputs_) in += metrics_.value("logferry_source_events_total", {{"component", p.id}});
  for (const auto& p : outputs_)
    out = std::max(out, metrics_.value("logferry_sink_events_delivered_total", {{"component", p.id}}));
  int64_t filtered = in;
  if (!filters_.empty())
    filtered = metrics_.value("logferry_transform_events_out_total", {{"component", filters_.back().id}});
  std::string events = fmt::format(
      R"("events":{{"in":{},"filtered":{},"out":{},"duration_in_millis":0,"queue_push_duration_in_millis":0}})",
      in, filtered, out);
  ProcessStats proc = process_stats();
  std::string body = "{" + header() + "," + events;
  body += fmt::format(
      R"(,"process":{{"open_file_descriptors":{},"max_file_descriptors":{},"mem":{{"total_virtual_in_bytes":{}}},"cpu":{{"total_in_millis":{}}}}})",
      proc.open_fds, proc.max_fds, proc.virtual_bytes, proc.cpu_millis);
  body += fmt::format(R"(,"reloads":{{"successes":{},"failures":{}}})",
                      metrics_.value("logferry_config_reloads_total"),
                      metrics_.value("logferry_config_reload_errors_total"));
  body += R"(,"pipelines":{"main":{)" + events + R"(,"plugins":{"inputs":)";
  append_plugins(body, inputs_, "inputs");
  body += R"(,"filters":)";
  append_plugins(body, filters_, "filters");
  body += R"(,"outputs":)";
  append_plugins(body, outputs_, "outputs");
  body += fmt::format(R"(}},"reloads":{{"successes":{},"failures":{}}},"queue":{{"type":"memory"}}}}}}}})",
                      metrics_.value("logferry_config_reloads_total"),
                      metrics_.value("logferry_config_reload_errors_total"));
  body += "\n";
  return {200, "application/json", std::move(body)};
}

}  // namespace logferry::app
