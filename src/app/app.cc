#include "app/app.h"

#include <CLI/CLI.hpp>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <vector>

#include "config/logstash/conf_to_pipeline.h"
#include "config/pipeline_config.h"
#include "core/log.h"
#include "app/logstash_api.h"
#include "core/metrics.h"
#include "net/http_server.h"
#include "runtime/listener_registry.h"
#include "runtime/topology.h"

namespace logferry::app {

std::string node_name() {
  if (const char* n = std::getenv("NODE_NAME"); n != nullptr && *n != '\0') return n;
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) == 0 && buf[0] != '\0') return buf;
  return "localhost";
}

config::ConfDefaults& conf_defaults() {
  static config::ConfDefaults defaults;
  return defaults;
}

int validate(const std::filesystem::path& file) {
  config::Diagnostics diags(file.string());
  (void)config::load_pipeline_file(file, registry(), diags, conf_defaults());
  if (!diags.ok()) {
    std::fputs(diags.format().c_str(), stdout);
    return 2;
  }
  std::printf("%s: ok\n", file.string().c_str());
  return 0;
}

namespace {

// What identifies the config's content on disk: a ConfigMap volume swaps its `..data` symlink,
// so the canonical path changes even when the file's own name does not.
struct FileIdentity {
  std::string canonical;
  ino_t inode = 0;
  off_t size = 0;
  int64_t mtime_ns = 0;
  bool operator==(const FileIdentity&) const = default;
};

FileIdentity identify_file(const std::filesystem::path& file) {
  FileIdentity id;
  std::error_code ec;
  id.canonical = std::filesystem::canonical(file, ec).string();
  struct stat st {};
  if (::stat(file.c_str(), &st) == 0) {
    id.inode = st.st_ino;
    id.size = st.st_size;
    id.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  }
  return id;
}

// A `-c DIR` of .conf files changes when any of them does, or one is added or removed.
std::vector<FileIdentity> identify(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) return {identify_file(path)};
  std::vector<FileIdentity> ids = {identify_file(path)};
  config::Diagnostics ignored;
  for (const auto& f : config::logstash::conf_files(path, ignored)) ids.push_back(identify_file(f));
  return ids;
}

Result<std::unique_ptr<runtime::Topology>> start_topology(const config::PipelineConfig& cfg,
                                                           Metrics& metrics) {
  std::error_code ec;
  std::filesystem::create_directories(cfg.data_dir, ec);
  if (ec) return unexpected(ErrorCode::kPermissionDenied,
                            "cannot create data_dir " + cfg.data_dir.string() + ": " + ec.message());
  auto topo = runtime::Topology::build(cfg, metrics, node_name());
  if (!topo) return topo;
  (*topo)->start();
  return topo;
}

// The running topology as the API thread sees it: /readyz asks it which sinks fail, while
// the main thread swaps it on reload.
class LiveTopology {
 public:
  void set(const runtime::Topology* topology, std::chrono::milliseconds ready_timeout) {
    std::lock_guard lock(mu_);
    topology_ = topology;
    ready_timeout_ = ready_timeout;
  }
  // 200 "ready"; 503 "starting" before the pipeline runs (and while it reloads); 503 with one
  // line per sink that has held undeliverable events for ready_timeout, and why.
  net::HttpResponse readiness(bool started) const {
    std::lock_guard lock(mu_);
    if (!started || topology_ == nullptr) return {503, "text/plain", "starting\n"};
    auto unready = topology_->unready_sinks(ready_timeout_);
    if (unready.empty()) return {200, "text/plain", "ready\n"};
    std::string body;
    for (const auto& u : unready)
      body += fmt::format("not ready: sink {} has not delivered for {} s: {}\n", u.sink,
                          u.failing_for.count(), u.reason);
    return {503, "text/plain", std::move(body)};
  }

 private:
  mutable std::mutex mu_;
  const runtime::Topology* topology_ = nullptr;
  std::chrono::milliseconds ready_timeout_{0};
};

}  // namespace

int run_pipeline(const std::filesystem::path& file) {
  config::Diagnostics diags(file.string());
  config::PipelineConfig cfg = config::load_pipeline_file(file, registry(), diags, conf_defaults());
  if (!diags.ok()) {
    std::fputs(diags.format().c_str(), stderr);
    return 2;
  }

  // Signals are taken synchronously by this thread only; every other thread blocks them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  Metrics metrics;
  std::atomic<bool> ready{false};
  // What /readyz reads from the API thread; set by this thread around every (re)start.
  LiveTopology live;
  live.set(nullptr, cfg.api_ready_timeout);
  std::unique_ptr<net::HttpServer> api;
  LogstashApi logstash_api(metrics, node_name(), cfg.api_address);
  logstash_api.set_pipeline(cfg);
  if (!cfg.api_address.empty()) {
    auto routes = logstash_api.routes();
    routes.insert(
        {{"/metrics", [&metrics] {
            return net::HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8",
                                     metrics.render_prometheus()};
          }},
         {"/healthz", [] { return net::HttpResponse{200, "text/plain", "ok\n"}; }},
         {"/readyz", [&ready, &live] { return live.readiness(ready); }}});
    auto server = net::HttpServer::start(cfg.api_address, std::move(routes), net::HttpServerLimits{},
                                         &metrics);
    if (server) {
      api = std::move(*server);
      log_info("api listening on {}", cfg.api_address);
    } else if (cfg.api_optional) {
      log_warn("no API server: {} (set --api-address)", server.error().message);
    } else {
      log_error("{}", server.error().message);
      return 1;
    }
  }
  Counter& reloads = metrics.counter("logferry_config_reloads_total", "Successful config reloads");
  Counter& reload_errors =
      metrics.counter("logferry_config_reload_errors_total", "Reloads refused: invalid config");

  auto topo = start_topology(cfg, metrics);
  if (!topo) {
    log_error("{}", topo.error().message);
    return 1;
  }
  std::unique_ptr<runtime::Topology> running = std::move(*topo);
  live.set(running.get(), cfg.api_ready_timeout);
  ready = true;
  log_info("logferry {} running {} ({} sources, {} transforms, {} sinks)", LOGFERRY_VERSION,
           file.string(), cfg.sources.size(), cfg.transforms.size(), cfg.sinks.size());

  std::vector<FileIdentity> identity = identify(file);
  while (true) {
    timespec timeout{0, 500'000'000};
    int sig = sigtimedwait(&signals, nullptr, &timeout);
    if (sig == SIGTERM || sig == SIGINT) {
      log_info("signal {}: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
      break;
    }
    if (running->sources_finished()) {
      log_info("all sources finished: stopping");
      break;
    }
    bool changed = false;
    if (sig == SIGHUP) {
      changed = true;
    } else {
      std::vector<FileIdentity> now = identify(file);
      if (now != identity && !now.front().canonical.empty()) changed = true;
    }
    if (!changed) continue;
    identity = identify(file);
    config::Diagnostics new_diags(file.string());
    config::PipelineConfig next = config::load_pipeline_file(file, registry(), new_diags, conf_defaults());
    if (!new_diags.ok()) {
      reload_errors.add();
      log_error("config reload refused, keeping the running pipeline:\n{}", new_diags.format());
      continue;
    }
    log_info("reloading {}", file.string());
    ready = false;
    live.set(nullptr, cfg.api_ready_timeout);
    // Network sources park their sockets and open connections in the registry instead of
    // closing them; the new pipeline's sources adopt them, so nothing is refused meanwhile
    // (the kernel queues connections, datagrams and bytes) and nothing already read is lost.
    auto& listeners = runtime::ListenerRegistry::instance();
    listeners.begin_handover();
    running->stop();  // drains: what was read is delivered or re-read, never lost
    running.reset();
    auto rebuilt = start_topology(next, metrics);
    if (!rebuilt) {
      reload_errors.add();
      log_error("new config failed to start ({}); restarting the previous one",
                rebuilt.error().message);
      rebuilt = start_topology(cfg, metrics);
      if (!rebuilt) {
        log_error("previous config failed to start too: {}", rebuilt.error().message);
        return 1;
      }
    } else {
      cfg = std::move(next);
      logstash_api.set_pipeline(cfg);
      reloads.add();
      log_info("reloaded {}", file.string());
    }
    // Whatever the running config does not use (a port that changed) closes now.
    if (std::size_t unused = listeners.end_handover())
      log_info("reload: closed {} sockets the new config no longer uses", unused);
    running = std::move(*rebuilt);
    live.set(running.get(), cfg.api_ready_timeout);
    ready = true;
  }
  ready = false;
  live.set(nullptr, cfg.api_ready_timeout);
  running->stop();
  running.reset();
  return 0;
}

int main(int argc, char** argv) {
  CLI::App cli{"logferry: Kubernetes and syslog log pipeline (collector, Logstash drop-in, syslog server)",
               "logferry"};
  cli.set_version_flag("--version", std::string("logferry ") + LOGFERRY_VERSION);
  cli.require_subcommand(1);
  std::string config_file;
  // What a Logstash pipeline cannot say itself (logstash.yml's path.data, api.http.host/port,
  // config.support_escapes); native YAML configs carry their own data_dir and api.
  config::ConfDefaults& conf = conf_defaults();
  if (const char* d = std::getenv("LOGFERRY_DATA_DIR"); d != nullptr && *d != '\0') conf.data_dir = d;
  if (const char* a = std::getenv("LOGFERRY_API_ADDRESS"); a != nullptr) {
    conf.api_address = a;
    conf.api_address_given = true;
  }
  std::string data_dir_flag, api_flag;
  bool api_flag_given = false;
  auto conf_flags = [&](CLI::App* sub) {
    sub->add_option("--data-dir", data_dir_flag,
                    "For .conf pipelines: positions and buffers (default ./data, or $LOGFERRY_DATA_DIR)");
    sub->add_option("--api-address", api_flag,
                    "For .conf pipelines: HOST:PORT of /metrics, /healthz, /readyz and Logstash's "
                    "monitoring API (default 127.0.0.1:9600 as Logstash; '' for none; or $LOGFERRY_API_ADDRESS)")
        ->each([&](const std::string&) { api_flag_given = true; });
    sub->add_option("-w,--pipeline-workers", conf.workers,
                    "For .conf pipelines: threads running the filters (default: one per CPU core, as Logstash)")
        ->check(CLI::Range(1, 64));
    sub->add_flag("--config-support-escapes", conf.support_escapes,
                  "For .conf pipelines: process \\n \\t \\\" ... in strings (Logstash's config.support_escapes)");
  };
  auto* run = cli.add_subcommand("run", "Run the pipeline in FILE (.yaml/.yml native, .conf Logstash) "
                                        "or every *.conf of DIR");
  run->add_option("-c,--config", config_file, "Config file or directory of .conf files")->required();
  conf_flags(run);
  auto* check = cli.add_subcommand("validate", "Check FILE or DIR; print FILE:LINE: message per problem, exit 2 if any");
  check->add_option("-c,--config", config_file, "Config file or directory of .conf files")->required();
  conf_flags(check);
  std::string demo_dir = "demo-out";
  bool keep_running = false;
  auto* demo = cli.add_subcommand(
      "demo", "Generate a kubelet-style log tree, ship it through the collector to the syslog "
              "server role, write files and fire an alert");
  demo->add_option("--dir", demo_dir, "Where the demo writes its tree, files and alerts");
  demo->add_flag("--keep-running", keep_running, "Keep the demo pipeline running until Ctrl-C");

  auto* docs = cli.add_subcommand("docs", "Print the configuration reference (Markdown) generated from the component schemas");
  bool logstash_docs = false;
  docs->add_flag("--logstash", logstash_docs,
                 "Print the plugin and setting tables of docs/logstash.md instead");

  std::string types_footer = "\nComponent types:\n  sources:";
  for (const auto& c : registry().sources()) types_footer += " " + c.type;
  types_footer += "\n  transforms:";
  for (const auto& c : registry().transforms()) types_footer += " " + c.type;
  types_footer += "\n  sinks:";
  for (const auto& c : registry().sinks()) types_footer += " " + c.type;
  types_footer += "\n\nExit codes: 0 ok, 1 runtime failure, 2 bad config or usage.";
  cli.footer(types_footer);

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = cli.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (!data_dir_flag.empty()) conf.data_dir = data_dir_flag;
  if (api_flag_given) {
    conf.api_address = api_flag;
    conf.api_address_given = true;
  }
  if (*run) return run_pipeline(config_file);
  if (*check) return validate(config_file);
  if (*demo) return run_demo(demo_dir, keep_running);
  if (*docs) {
    std::fputs(logstash_docs ? config::logstash::reference_markdown(registry()).c_str()
                             : reference_markdown().c_str(),
               stdout);
    return 0;
  }
  return 2;
}

}  // namespace logferry::app
