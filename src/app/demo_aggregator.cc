#include "app/demo_aggregator.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "app/app.h"
#include "config/pipeline_config.h"
#include "core/json.h"
#include "net/free_port.h"
#include "net/lumberjack.h"

namespace logferry::app {

namespace {

namespace fs = std::filesystem;

struct Container {
  std::string ns, pod, name;
};
const Container kContainers[] = {
    {"shop", "checkout-7d9f8b6c5-x2kqp", "checkout"},
    {"shop", "cart-5c4b7f9d8-m8zrt", "cart"},
    {"kube-system", "coredns-6f8b9d7c4-q9wlk", "coredns"},
};
constexpr int kLinesPerContainer = 20;

// ICP's pipeline (chart ibm-icplogging, k8s.conf), filters verbatim; the output block is the
// one PRODUCT.md adds, over TCP to the demo's syslog server.
std::string k8s_conf(uint16_t beats_port, uint16_t syslog_port) {
  return fmt::format(R"CONF(# IBM Cloud Private's Logstash pipeline (k8s.conf), run by logferry unmodified.
# The chart's elasticsearch output is left out: the demo has no Elasticsearch (the test
# tests/integration/logstash_icp_test.cc runs it against an Elasticsearch stand-in).
input {{ beats {{ host => "127.0.0.1" port => {beats} }} }}
filter {{
  if [type] == "kube-logs" {{
    mutate {{ rename => {{ "message" => "log" }} remove_field => ["host"] }}
    date {{ match => ["time", "ISO8601"] }}
    dissect {{ mapping => {{ "source" => "/var/log/containers/%{{kubernetes.pod}}_%{{kubernetes.namespace}}_%{{container_file_ext}}" }} }}
    dissect {{ mapping => {{ "container_file_ext" => "%{{container}}.%{{?file_ext}}" }} remove_field => ["host", "container_file_ext"] }}
    grok {{ "match" => {{ "container" => "^%{{DATA:kubernetes.container_name}}-(?<kubernetes.container_id>[0-9A-Za-z]{{64,64}})" }} remove_field => ["container"] }}
  }}
}}
filter {{
  if [log] =~ /^\s*$/ {{ drop {{ }} }}
  json {{ source => "log" skip_on_invalid_json => true }}
}}
output {{
  syslog {{ host => "127.0.0.1" port => {syslog} protocol => "tcp" sourcehost => "%{{kubernetes.namespace}}/%{{kubernetes.pod}}" message => "%{{log}}" }}
}}
)CONF",
                     fmt::arg("beats", beats_port), fmt::arg("syslog", syslog_port));
}

// One event as ICP's Filebeat 5.x sends a Docker json-file line (REFERENCE.md §7).
std::string filebeat_event(const Container& c, const std::string& line, int offset) {
  std::string source = "/var/log/containers/" + c.pod + "_" + c.ns + "_" + c.name + "-" +
                       std::string(64, c.name[0]) + ".log";  // a 64-character container id
  std::string out = R"({"@timestamp":"2024-05-01T10:00:05.000Z","@metadata":{"beat":"filebeat","type":"kube-logs"},)"
                    R"("beat":{"hostname":"demo-node","name":"demo-node","version":"5.5.1"},"input_type":"log","log":)";
  append_json_string(out, line);
  out += fmt::format(R"(,"offset":{},"source":"{}","stream":"stdout","tags":["k8s-app"],)"
                     R"("time":"2024-05-01T10:00:{:02}.000Z","type":"kube-logs"}})",
                     offset, source, offset % 60);
  return out;
}

int connect_loopback(uint16_t port) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return fd;
    ::close(fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

// Sends the events as one compressed window, as Filebeat does, and waits for the ACK of the
// last one: it comes only once the syslog output has accepted every event.
Result<void> send_window(uint16_t port, const std::vector<std::string>& events) {
  namespace lj = net::lumberjack;
  std::string frames, out;
  for (std::size_t i = 0; i < events.size(); ++i) lj::append_json(frames, static_cast<uint32_t>(i + 1), events[i]);
  lj::append_window(out, static_cast<uint32_t>(events.size()));
  if (!lj::append_compressed(out, frames, 3)) return unexpected(ErrorCode::kInternal, "zlib failed");
  int fd = connect_loopback(port);
  if (fd < 0) return unexpected(ErrorCode::kUnavailable, "cannot connect to the beats input");
  bool sent = ::send(fd, out.data(), out.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(out.size());
  lj::AckReader acks;
  bool done = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (sent && !done && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[256];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    acks.feed({buf, static_cast<std::size_t>(n)}, [&](uint32_t seq) { done = done || seq == events.size(); });
  }
  ::close(fd);
  if (!done) return unexpected(ErrorCode::kUnavailable, "the window was not acknowledged");
  return {};
}

}  // namespace

Result<AggregatorDemo> run_aggregator(const fs::path& dir, uint16_t syslog_port, Metrics& metrics) {
  AggregatorDemo demo;
  demo.conf_dir = dir / "aggregator";
  fs::create_directories(demo.conf_dir);
  uint16_t beats_port = net::pick_free_loopback_port();
  std::ofstream(demo.conf_dir / "k8s.conf") << k8s_conf(beats_port, syslog_port);

  config::ConfDefaults defaults;
  defaults.data_dir = dir / "aggregator-data";
  defaults.api_address.clear();
  defaults.workers = 2;
  config::Diagnostics diags(demo.conf_dir.string());
  auto cfg = config::load_pipeline_file(demo.conf_dir, registry(), diags, defaults);
  if (!diags.ok()) return unexpected(ErrorCode::kInvalidArgument, diags.format());
  fs::create_directories(cfg.data_dir);
  auto topo = runtime::Topology::build(cfg, metrics, node_name());
  if (!topo) return unexpected(topo.error());
  demo.topology = std::move(*topo);
  demo.topology->start();

  std::vector<std::string> events;
  for (const Container& c : kContainers) {
    for (int i = 0; i < kLinesPerContainer; ++i) {
      std::string line = i == 5   ? std::string("   ")  // blank: the pipeline drops it
                         : i == 9 ? R"({"level":"warn","msg":"slow request","ms":812})"
                                  : fmt::format("{} via beats request id={} status=200", c.name, i);
      events.push_back(filebeat_event(c, line, static_cast<int>(events.size())));
      if (i != 5) ++demo.expected;
    }
  }
  demo.sent = static_cast<int>(events.size());
  if (auto r = send_window(beats_port, events); !r) return unexpected(r.error());
  return demo;
}

}  // namespace logferry::app
