// `logferry demo`: the whole chain on one machine, in one process, in a minute.
//
//   DIR/node/var/log/pods/...            a kubelet-style log tree (CRI and Docker json-file)
//   DIR/node/var/log/containers/*.log    the symlinks kubelet keeps
//   collector.yaml   kubernetes_logs -> syslog (TCP, RFC 5424) to 127.0.0.1:PORT
//   server.yaml      syslog (TCP) -> file (DIR/syslog/<node>/<namespace>/<pod>.log) + alert
//   DIR/alerts.jsonl what the alert rule fired (exec action)
//
// Both configs are written to DIR so the user can read them and run each role alone with
// `logferry run -c`. The demo refuses to clean a DIR it did not create (marker file).
#include <fmt/format.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <thread>

#include "app/app.h"
#include "app/demo_aggregator.h"
#include "config/pipeline_config.h"
#include "core/log.h"
#include "core/time_util.h"
#include "net/free_port.h"
#include "runtime/topology.h"

namespace logferry::app {

namespace {

namespace fs = std::filesystem;

constexpr const char* kMarker = ".logferry-demo";

struct DemoPod {
  std::string ns, pod, uid, container;
  bool docker_format;
};

const DemoPod kPods[] = {
    {"shop", "checkout-7d9f8b6c5-x2kqp", "0f8e7d6c-1111-4a2b-9c3d-5e6f7a8b9c01", "checkout", false},
    {"shop", "cart-5c4b7f9d8-m8zrt", "1a2b3c4d-2222-4e5f-8a9b-0c1d2e3f4a02", "cart", false},
    {"kube-system", "coredns-6f8b9d7c4-q9wlk", "2b3c4d5e-3333-4f6a-9b8c-1d2e3f4a5b03", "coredns", true},
};

std::string container_id(const DemoPod& p) {
  // 64 hex characters, stable per pod, like a containerd id.
  std::string id;
  uint64_t h = 1469598103934665603ull;
  for (char c : p.pod) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  while (id.size() < 64) {
    h = h * 6364136223846793005ull + 1442695040888963407ull;
    id += fmt::format("{:016x}", h);
  }
  return id.substr(0, 64);
}

std::string iso_now_plus(int64_t ms) {
  Timestamp t = SystemClock::instance().now();
  t.ns += ms * 1'000'000;
  CivilTime c = to_civil(t);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z", c.year, c.month, c.day, c.hour,
                     c.minute, c.second, c.nanos);
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// The lines each container writes: ordinary traffic, one multi-byte line, one long line split
// by the runtime (CRI partial lines / Docker 16 KiB chunks), and an alert-worthy error.
std::vector<std::string> demo_lines(const DemoPod& p, int count) {
  std::vector<std::string> lines;
  for (int i = 0; i < count; ++i) {
    if (p.container == "checkout" && i == count / 2) {
      lines.push_back("java.lang.OutOfMemoryError: Java heap space (order " + std::to_string(i) + ")");
    } else if (i == 3) {
      lines.push_back("grüße aus " + p.pod + " — 日本語 ✓");
    } else {
      lines.push_back(fmt::format("{} request id={} path=/api/v1/items/{} status=200 ms={}",
                                  p.container, i, i * 7 % 100, i % 50));
    }
  }
  return lines;
}

// Appends `lines` to the container's log in its runtime's format; long lines are split as the
// runtime splits them.
void append_lines(const fs::path& file, const DemoPod& p, const std::vector<std::string>& lines,
                  int64_t& clock_ms) {
  std::ofstream out(file, std::ios::app | std::ios::binary);
  for (const auto& line : lines) {
    std::string ts = iso_now_plus(clock_ms++);
    if (p.docker_format) {
      out << "{\"log\":\"" << json_escape(line) << "\\n\",\"stream\":\"stdout\",\"time\":\"" << ts << "\"}\n";
    } else if (line.size() > 100) {
      out << ts << " stdout P " << line.substr(0, 100) << "\n";
      out << ts << " stdout F " << line.substr(100) << "\n";
    } else {
      out << ts << " stdout F " << line << "\n";
    }
  }
}

Result<int> generate_tree(const fs::path& root, int lines_per_container) {
  int total = 0;
  int64_t clock_ms = 0;
  for (const auto& p : kPods) {
    fs::path pod_dir = root / "var/log/pods" / (p.ns + "_" + p.pod + "_" + p.uid) / p.container;
    fs::create_directories(pod_dir);
    fs::create_directories(root / "var/log/containers");
    auto lines = demo_lines(p, lines_per_container);
    lines.push_back(std::string(300, 'x') + " (a 300-byte line the runtime split)");
    append_lines(pod_dir / "0.log", p, lines, clock_ms);
    total += static_cast<int>(lines.size());
    fs::path link = root / "var/log/containers" /
                    (p.pod + "_" + p.ns + "_" + p.container + "-" + container_id(p) + ".log");
    std::error_code ec;
    fs::create_symlink(pod_dir / "0.log", link, ec);
    if (ec) return unexpected(ErrorCode::kInternal, "symlink " + link.string() + ": " + ec.message());
  }
  return total;
}

// Lines in the files under `dir`, and how many of them are distinct (file + line): equal
// counts mean nothing arrived twice.
struct Tally {
  std::size_t lines = 0;
  std::size_t distinct = 0;
};

// With `only_named`, just the files of that name: the aggregator's messages carry
// logstash-output-syslog's APP-NAME, so the server files them as <host>/-/LOGSTASH.log.
Tally count_lines_under(const fs::path& dir, const std::string& only_named = "") {
  Tally t;
  std::set<std::string> seen;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return t;
  for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (ec || !it->is_regular_file()) continue;
    if (!only_named.empty() && it->path().filename() != only_named) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::string line;
    while (std::getline(in, line)) {
      ++t.lines;
      seen.insert(it->path().string() + "\n" + line);
    }
  }
  t.distinct = seen.size();
  return t;
}

std::string write_file(const fs::path& p, const std::string& content) {
  std::ofstream(p, std::ios::binary) << content;
  return p.string();
}

Result<std::unique_ptr<runtime::Topology>> start(const fs::path& file, Metrics& metrics) {
  config::Diagnostics diags(file.string());
  auto cfg = config::load_pipeline_file(file, registry(), diags);
  if (!diags.ok()) return unexpected(ErrorCode::kInvalidArgument, diags.format());
  fs::create_directories(cfg.data_dir);
  auto topo = runtime::Topology::build(cfg, metrics, node_name());
  if (!topo) return topo;
  (*topo)->start();
  return topo;
}

}  // namespace

int run_demo(const fs::path& dir_arg, bool keep_running) {
  fs::path dir = fs::absolute(dir_arg);
  std::error_code ec;
  if (fs::exists(dir) && !fs::is_empty(dir, ec) && !fs::exists(dir / kMarker)) {
    std::fprintf(stderr, "demo: %s exists and was not made by the demo; choose another --dir\n",
                 dir.c_str());
    return 2;
  }
  fs::remove_all(dir, ec);
  fs::create_directories(dir);
  write_file(dir / kMarker, "made by logferry demo\n");

  auto total = generate_tree(dir / "node", 200);
  if (!total) {
    std::fprintf(stderr, "demo: %s\n", total.error().message.c_str());
    return 1;
  }
  uint16_t port = net::pick_free_loopback_port();
  std::string server_yaml = fmt::format(R"(# The syslog server role: receive, keep as files, alert.
data_dir: {dir}/server-data
sources:
  syslog_in:
    type: syslog
    mode: tcp
    address: 127.0.0.1:{port}
sinks:
  files:
    type: file
    inputs: [syslog_in]
    # A '/' inside a field value becomes '_': PROCID "shop/cart-..." is one directory.
    path: "{dir}/syslog/%{{host}}/%{{procid}}/%{{appname}}.log"
  alerts:
    type: alert
    inputs: [syslog_in]
    rules:
      - name: out-of-memory
        match: "/OutOfMemory(Error)?/"
    actions:
      - type: exec
        command: ["/bin/sh", "-c", "cat >> '{dir}/alerts.jsonl'; echo >> '{dir}/alerts.jsonl'"]
)",
                                        fmt::arg("dir", dir.string()), fmt::arg("port", port));
  // The Kubernetes mapping docs/syslog_sink.md proposes: RFC 5424, the node as HOSTNAME, the
  // container as APP-NAME, namespace/pod as PROCID, the stream as MSGID, names in SD.
  std::string collector_yaml = fmt::format(R"(# The node collector role: tail container logs, ship them to syslog.
data_dir: {dir}/collector-data
sources:
  containers:
    type: kubernetes_logs
    include: ["{dir}/node/var/log/containers/*.log"]
sinks:
  syslog_out:
    type: syslog
    inputs: [containers]
    address: 127.0.0.1:{port}
    mode: tcp
    rfc: rfc5424
    framing: octet_counting
    facility: local0
    sourcehost: "%{{host}}"
    appname: "%{{kubernetes.container}}"
    procid: "%{{kubernetes.namespace}}/%{{kubernetes.pod}}"
    msgid: "%{{stream}}"
    message: "%{{log}}"
    structured_data_id: kubernetes@32473
    structured_data_params:
      namespace: "%{{kubernetes.namespace}}"
      pod: "%{{kubernetes.pod}}"
      container: "%{{kubernetes.container}}"
)",
                                           fmt::arg("dir", dir.string()), fmt::arg("port", port));
  auto server_file = dir / "server.yaml";
  auto collector_file = dir / "collector.yaml";
  write_file(server_file, server_yaml);
  write_file(collector_file, collector_yaml);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Metrics server_metrics, collector_metrics;
  auto server = start(server_file, server_metrics);
  if (!server) {
    std::fprintf(stderr, "demo: server role: %s\n", server.error().message.c_str());
    return 1;
  }
  auto collector = start(collector_file, collector_metrics);
  if (!collector) {
    std::fprintf(stderr, "demo: collector role: %s\n", collector.error().message.c_str());
    return 1;
  }
  std::printf("logferry demo: %d container log lines generated under %s/node\n", *total, dir.c_str());
  std::fflush(stdout);

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  Tally tally;
  const auto expected = static_cast<std::size_t>(*total);
  while (std::chrono::steady_clock::now() < deadline) {
    tally = count_lines_under(dir / "syslog");
    if (tally.lines >= expected && fs::exists(dir / "alerts.jsonl")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // Let a late duplicate show itself before judging.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  tally = count_lines_under(dir / "syslog");
  bool ok = tally.lines == expected && tally.distinct == expected && fs::exists(dir / "alerts.jsonl");

  // The aggregator role: Filebeat -> logferry running ICP's Logstash pipeline -> the server.
  Metrics aggregator_metrics;
  auto aggregator = run_aggregator(dir, port, aggregator_metrics);
  Tally via_beats;
  if (!aggregator) {
    std::fprintf(stderr, "demo: aggregator role: %s\n", aggregator.error().message.c_str());
    ok = false;
  } else {
    const auto want = static_cast<std::size_t>(aggregator->expected);
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while ((via_beats = count_lines_under(dir / "syslog", "LOGSTASH.log")).lines < want && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ok = ok && via_beats.lines == want && via_beats.distinct == want;
  }

  std::printf("\n  collector: %s\n  server:    %s\n", collector_file.c_str(), server_file.c_str());
  std::printf("  files:     %s/syslog/<node>/<namespace>_<pod>/<container>.log  (%zu of %d lines, %zu distinct)\n",
              dir.c_str(), tally.lines, *total, tally.distinct);
  std::printf("  alerts:    %s/alerts.jsonl%s\n", dir.c_str(),
              fs::exists(dir / "alerts.jsonl") ? "" : "  (none fired!)");
  if (aggregator) {
    std::printf("\n  aggregator (Logstash drop-in): %s/k8s.conf, IBM Cloud Private's pipeline\n",
                aggregator->conf_dir.c_str());
    std::printf("  beats:     %d Filebeat-shaped events in one Lumberjack window, acknowledged;\n"
                "             %zu reached the server (the %d blank lines dropped by the pipeline)\n",
                aggregator->sent, via_beats.lines, aggregator->sent - aggregator->expected);
    std::printf("  files:     %s/syslog/<namespace>_<pod>/-/LOGSTASH.log\n", dir.c_str());
  }
  std::printf("\nTry:  grep -r OutOfMemory %s/syslog\n      cat %s/alerts.jsonl\n", dir.c_str(),
              dir.c_str());
  std::printf("Run a role alone:  build/logferry run -c %s\n", server_file.c_str());

  if (keep_running && ok) {
    std::printf("\nKeeping the pipeline running; appending a line per second. Ctrl-C to stop.\n");
    std::fflush(stdout);
    int64_t clock_ms = 0;
    int n = 0;
    while (true) {
      timespec timeout{1, 0};
      int sig = sigtimedwait(&signals, nullptr, &timeout);
      if (sig == SIGINT || sig == SIGTERM) break;
      for (const auto& p : kPods) {
        fs::path f = dir / "node/var/log/pods" / (p.ns + "_" + p.pod + "_" + p.uid) / p.container / "0.log";
        append_lines(f, p, {fmt::format("{} heartbeat {}", p.container, n)}, clock_ms);
      }
      ++n;
    }
  }
  if (aggregator) aggregator->topology->stop();
  (*collector)->stop();
  (*server)->stop();
  if (!ok) {
    std::printf("\ndemo FAILED: expected %d lines in files and an alert\n", *total);
    return 1;
  }
  std::printf("\ndemo ok: every line arrived exactly once (collector and aggregator), and the alert fired.\n");
  return 0;
}

}  // namespace logferry::app
