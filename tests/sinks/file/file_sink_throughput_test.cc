// Throughput figures for the docs, not run by default (the machine is shared; timings vary):
//   build/tests/logferry_sinks_tests --gtest_also_run_disabled_tests --gtest_filter='*Throughput*'
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "core/time_util.h"
#include "sinks/alert/rule_matcher.h"
#include "sinks/file/file_sink.h"
#include "support/batch_builder.h"
#include "support/temp_dir.h"

namespace logferry::sinks {
namespace {

using testing::BatchBuilder;

constexpr int kBatch = 4096;
constexpr int kBatches = 250;

void fill(BatchBuilder& b) {
  Timestamp t = *parse_rfc3339("2026-11-05T09:03:01Z");
  for (int i = 0; i < kBatch; ++i)
    b.add({{"host", "web-1"}, {"appname", "nginx"}, {"procid", "812"},
           {"message", "10.0.0.1 - - \"GET /api/v1/items?id=" + std::to_string(i) +
                           " HTTP/1.1\" 200 512 \"-\" \"curl/7.88.1\""}},
          t);
}

void run(const char* label, FileSink::Options o, int64_t expect_lines) {
  testing::TempDir dir;
  Metrics metrics;
  BuildContext ctx{"bench", metrics, dir.path(), dir.path(), "node1"};
  auto built = FileSink::build(o, ctx);
  ASSERT_TRUE(built);
  BatchBuilder b;
  fill(b);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kBatches; ++i) ASSERT_EQ((*built)->send(b.batch(), {}), Delivery::kDelivered);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double bytes = static_cast<double>(metrics.value("logferry_file_bytes_written_total", {{"component", "bench"}}));
  std::printf("%-34s %8.0f lines/s  %6.1f MB/s\n", label, static_cast<double>(expect_lines) / secs,
              bytes / secs / 1e6);
}

TEST(FileSinkThroughput, DISABLED_OneFileFourKBatches) {
  FileSink::Options o;
  o.path = "one.log";
  run("traditional format, fsync never", o, int64_t{kBatch} * kBatches);
  o.format = Template::compile("%{host} %{appname}[%{procid}]: %{message}").value();
  run("template format, fsync never", o, int64_t{kBatch} * kBatches);
  o.format = Template();
  o.fsync = "batch";
  run("traditional format, fsync batch", o, int64_t{kBatch} * kBatches);
  o.fsync = "never";
  o.path = "%{host}/%{appname}.log";
  run("templated path, traditional", o, int64_t{kBatch} * kBatches);
}

TEST(RuleMatcherThroughput, DISABLED_ManyRules) {
  for (int n : {1, 4, 10, 100, 1000}) {
    std::vector<RuleSpec> rules;
    for (int i = 0; i < n; ++i) {
      if (i % 2 == 0) rules.push_back({"s" + std::to_string(i), "NoSuchText" + std::to_string(i), "", true});
      else rules.push_back({"r" + std::to_string(i), "/err(or)? code=" + std::to_string(i) + "\\b/", "", true});
    }
    auto m = RuleMatcher::compile(rules).value();
    BatchBuilder b;
    fill(b);
    std::vector<int> hits;
    std::size_t total = 0;
    auto start = std::chrono::steady_clock::now();
    for (int round = 0; round < 100; ++round)
      for (const Event& e : b.batch().events()) {
        m.match(e, hits);
        total += hits.size();
      }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(total, 0u);
    std::printf("%5d rules: %10.0f events/s\n", n, 100.0 * kBatch / secs);
  }
}

}  // namespace
}  // namespace logferry::sinks
