// Throughput of kubernetes_logs -> blackhole through the real runtime (Topology), on a
// generated CRI corpus. Disabled by default (it writes ~250 MB); run it with
//   taskset -c 0 build/tests/logferry_sources_tests --gtest_also_run_disabled_tests
//       --gtest_filter='*Bench*'
// LOGFERRY_BENCH_MB sets the corpus size.
#include <sys/resource.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>

#include "app/app.h"
#include "config/pipeline_config.h"
#include "runtime/topology.h"
#include "support/temp_dir.h"
#include "support/wait.h"

namespace logferry::sources {
namespace {

double cpu_seconds() {
  rusage r{};
  getrusage(RUSAGE_SELF, &r);
  return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
         static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

TEST(KubernetesLogsBench, DISABLED_CriToBlackhole) {
  testing::TempDir dir;
  const char* mb_env = std::getenv("LOGFERRY_BENCH_MB");
  const std::size_t target_bytes = (mb_env ? std::stoul(mb_env) : 250) * 1024 * 1024;
  const int kFiles = 8;
  std::size_t lines = 0, bytes = 0;
  std::string id(64, 'f');
  for (int f = 0; f < kFiles; ++f) {
    auto pod_dir = dir / ("pods/bench_pod" + std::to_string(f) + "_uid" + std::to_string(f) + "/app");
    std::filesystem::create_directories(pod_dir);
    std::ofstream out(pod_dir / "0.log", std::ios::binary);
    std::string chunk;
    std::size_t file_bytes = 0;
    for (std::size_t i = 0; file_bytes < target_bytes / kFiles; ++i) {
      chunk.clear();
      for (int k = 0; k < 1000; ++k, ++i) {
        char line[256];
        int n = std::snprintf(line, sizeof(line),
                              "2024-05-01T10:%02zu:%02zu.%09zuZ %s F level=info msg=\"request served\" "
                              "path=/api/v1/items/%zu status=200 duration_ms=%zu\n",
                              (i / 60000) % 60, (i / 1000) % 60, i, (i % 10) ? "stdout" : "stderr", i, i % 977);
        chunk.append(line, static_cast<std::size_t>(n));
        ++lines;
      }
      out << chunk;
      file_bytes += chunk.size();
    }
    bytes += file_bytes;
  }
  std::string yaml = "data_dir: " + (dir / "data").string() + "\n" +
                     "sources:\n  k8s:\n    type: kubernetes_logs\n    include: ['" +
                     (dir / "pods/*/*/*.log").string() + "']\n" +
                     "sinks:\n  out: {type: blackhole, inputs: [k8s]}\n";
  config::Diagnostics diags("bench.yaml");
  auto cfg = config::parse_pipeline(yaml, dir.path(), app::registry(), diags);
  ASSERT_EQ(diags.format(), "");
  Metrics metrics;
  auto topo = runtime::Topology::build(cfg, metrics, "node");
  ASSERT_TRUE(topo) << topo.error().message;
  double cpu0 = cpu_seconds();
  auto t0 = std::chrono::steady_clock::now();
  (*topo)->start();
  ASSERT_TRUE(testing::wait_until(
      [&] {
        return metrics.value("logferry_sink_events_delivered_total", {{"component", "out"}}) ==
               static_cast<int64_t>(lines);
      },
      std::chrono::seconds(300), "all lines delivered"));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double cpu = cpu_seconds() - cpu0;
  (*topo)->stop();
  std::printf("kubernetes_logs -> blackhole: %zu lines, %.1f MB in %.3f s = %.2f M lines/s, "
              "%.0f MB/s; process CPU %.3f s (%.2f M lines per CPU-second)\n",
              lines, static_cast<double>(bytes) / 1e6, secs, static_cast<double>(lines) / secs / 1e6,
              static_cast<double>(bytes) / secs / 1e6, cpu, static_cast<double>(lines) / cpu / 1e6);
}

}  // namespace
}  // namespace logferry::sources
