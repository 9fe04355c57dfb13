// Hot-path checks for filter and mutate: no heap allocation per event once buffers have grown,
// and (DISABLED_, run by hand) ns/event on a 4k-event batch:
//   build/tests/logferry_transforms_tests --gtest_also_run_disabled_tests --gtest_filter='*Throughput*'
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>

#include <time.h>

#include "core/time_util.h"
#include "transforms/dissect/dissect_transform.h"
#include "transforms/filter/filter_transform.h"
#include "transforms/grok/grok_transform.h"
#include "transforms/mutate/mutate_transform.h"
#include "transforms/transform_test_util.h"

// Counts every global heap allocation in this test binary (a relaxed increment, nothing else).
// Under AddressSanitizer, which owns operator new itself, nothing is counted and the allocation
// checks are skipped; the code paths still run.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kCountingAllocations = false;
namespace {
std::atomic<uint64_t> g_allocations{0};
}
#else
constexpr bool kCountingAllocations = true;
// GCC flags free() on memory from `operator new` once both are inlined; here they pair up.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace {
std::atomic<uint64_t> g_allocations{0};
}
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace logferry::transforms {
namespace {

using testing::build_transform;

constexpr int kBatchEvents = 4096;

// A kubernetes_logs-shaped event; every 4th is an error line from namespace "prod".
void fill(EventBatch& batch) {
  static const char* kNamespaces[] = {"prod", "staging", "dev", "prod"};
  for (int i = 0; i < kBatchEvents; ++i) {
    Event& e = batch.add();
    bool error = i % 4 == 0;
    e.append("log", Value::string(error ? "2024-05-01 ERROR db: connection timeout after 30s"
                                        : "2024-05-01 INFO GET /api/users 200 12ms"));
    e.append("stream", Value::string(i % 2 ? "stdout" : "stderr"));
    e.append("@timestamp", Value::timestamp(Timestamp{1'714'564'800'000'000'000 + i}));
    Object& k = e.append_object("kubernetes");
    k.fields.push_back({"namespace", Value::string(kNamespaces[i % 4])});
    k.fields.push_back({"pod", Value::string("web-7d9f8-abcde")});
    k.fields.push_back({"container", Value::string("web")});
    e.append("host", Value::string("node-1"));
  }
}

// CPU time of this thread: on a shared, oversubscribed machine wall time mostly measures the
// neighbours.
int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

struct Measured {
  double ns_per_event;      // wall clock
  double cpu_ns_per_event;  // thread CPU time
  uint64_t allocations;
  std::size_t kept;
};

// Warms up, then times apply() over `rounds` fresh batches (filling is not timed).
Measured measure(Transform& t, int rounds, void (*fill_batch)(EventBatch&) = fill) {
  EventBatch batch;
  for (int i = 0; i < 3; ++i) {  // grow arena chunks, vectors, scratch buffers, name caches
    batch.clear();
    fill_batch(batch);
    t.apply(batch);
  }
  std::chrono::nanoseconds total{0};
  int64_t cpu_total = 0;
  uint64_t allocations = 0;
  std::size_t kept = 0;
  for (int r = 0; r < rounds; ++r) {
    batch.clear();
    fill_batch(batch);
    uint64_t before = g_allocations.load();
    auto start = std::chrono::steady_clock::now();
    int64_t cpu_start = thread_cpu_ns();
    t.apply(batch);
    cpu_total += thread_cpu_ns() - cpu_start;
    total += std::chrono::steady_clock::now() - start;
    allocations += g_allocations.load() - before;
    kept = batch.size();
  }
  double events = static_cast<double>(rounds) * kBatchEvents;
  return {static_cast<double>(total.count()) / events, static_cast<double>(cpu_total) / events,
          allocations, kept};
}

const char* kFilter = R"(condition: '[kubernetes][namespace] == "prod" and [log] =~ /ERROR/')";
const char* kMutate = R"(
rename: {log: message}
add_field: {env: "k8s-%{[kubernetes][namespace]}"}
remove_field: [stream]
)";

TEST(TransformsHotPathTest, AllocationCounterSeesAllocations) {
  if (!kCountingAllocations) GTEST_SKIP() << "AddressSanitizer build: allocations not counted";
  uint64_t before = g_allocations.load();
  auto s = std::make_unique<std::string>(100, 'x');
  EXPECT_GE(g_allocations.load() - before, 2u) << *s;  // the string object and its buffer
}

TEST(TransformsHotPathTest, FilterAllocatesNothingPerBatch) {
  Metrics metrics;
  auto filter = build_transform<FilterTransform>(kFilter, metrics);
  Measured m = measure(*filter, 5);
  EXPECT_EQ(m.kept, static_cast<std::size_t>(kBatchEvents / 4));
  if (kCountingAllocations) {
    EXPECT_EQ(m.allocations, 0u);
  }
  // A real regex (RE2's DFA, not the plain-text shortcut), numbers, `in` and negation.
  auto regex_filter = build_transform<FilterTransform>(
      R"(condition: '[log] =~ /E[R]+OR|FATAL/ and !([stream] in ["none"]) and [@timestamp] > 0')",
      metrics, "regex");
  Measured r = measure(*regex_filter, 5);
  EXPECT_EQ(r.kept, static_cast<std::size_t>(kBatchEvents / 4));
  if (kCountingAllocations) {
    EXPECT_EQ(r.allocations, 0u);
  }
}

TEST(TransformsHotPathTest, MutateCommonPathsAllocateNothingPerBatch) {
  Metrics metrics;
  auto mutate = build_transform<MutateTransform>(R"(
rename: {log: message, "[kubernetes][pod]": "pod_%{stream}"}
update: {host: "%{host}.cluster"}
replace: {source: "%{[kubernetes][namespace]}/%{[kubernetes][container]}"}
convert: {stream: boolean}
uppercase: [host]
strip: [message]
split: {source: "/"}
join: {source: "_"}
copy: {kubernetes: k8s}
add_field: {env: "k8s-%{[kubernetes][namespace]}", "by_%{[kubernetes][namespace]}": constant}
remove_field: [stream, "[k8s][container]"]
add_tag: [collected, "ns_%{[kubernetes][namespace]}"]
remove_tag: [collected]
)",
                                                 metrics);
  Measured m = measure(*mutate, 5);
  EXPECT_EQ(m.kept, static_cast<std::size_t>(kBatchEvents));
  if (kCountingAllocations) {
    EXPECT_EQ(m.allocations, 0u);
  }
}

TEST(TransformsHotPathTest, GsubWithoutCapturesAllocatesNothingPerBatch) {
  Metrics metrics;
  auto mutate = build_transform<MutateTransform>(R"(gsub: [[log, '\d+', "N"]])", metrics);
  Measured m = measure(*mutate, 5);
  if (kCountingAllocations) {
    EXPECT_EQ(m.allocations, 0u);
  }
}

// Apache combined-log lines (varied clients, paths, statuses, agents), made once.
const std::vector<std::string>& apache_lines() {
  static const std::vector<std::string> lines = [] {
    const char* paths[] = {"/index.html", "/api/v1/users/42?expand=roles&page=3", "/static/app.3f2a1c.js",
                           "/images/logo.png", "/login"};
    const char* agents[] = {
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
        "curl/7.88.1", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"};
    const char* statuses[] = {"200", "304", "404", "500", "200"};
    std::vector<std::string> out;
    for (int i = 0; i < kBatchEvents; ++i) {
      char line[512];
      std::snprintf(line, sizeof line,
                    "10.%d.%d.%d - %s [02/Dec/2026:05:%02d:%02d +0000] \"%s %s HTTP/1.1\" %s %d \"%s\" \"%s\"",
                    i % 200, (i / 7) % 250, i % 251, i % 9 == 0 ? "alice" : "-", i % 60, (i * 7) % 60,
                    i % 5 == 0 ? "POST" : "GET", paths[i % 5], statuses[i % 5], 200 + i * 13 % 90000,
                    i % 3 == 0 ? "-" : "https://example.com/start", agents[i % 3]);
      out.emplace_back(line);
    }
    return out;
  }();
  return lines;
}

void fill_apache(EventBatch& batch) {
  for (const auto& line : apache_lines()) batch.add().append("message", Value::string(line));
}

void fill_icp_source(EventBatch& batch) {
  for (int i = 0; i < kBatchEvents; ++i)
    batch.add().append("source", Value::string("/var/log/containers/web-7d9f8-abcde_prod_nginx-"
                                               "3b6c2a9d0e4f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70819a2b.log"));
}

const char* kGrokApache = "match: {message: '%{COMBINEDAPACHELOG}'}";
const char* kDissectIcp =
    "mapping: {source: '/var/log/containers/%{kubernetes.pod}_%{kubernetes.namespace}_%{container_file_ext}'}";

TEST(TransformsHotPathTest, GrokCombinedApacheLogAllocatesNothingPerBatch) {
  Metrics metrics;
  auto grok = build_transform<GrokTransform>(kGrokApache, metrics);
  Measured m = measure(*grok, 5, fill_apache);
  EXPECT_EQ(m.kept, static_cast<std::size_t>(kBatchEvents));
  EXPECT_EQ(metrics.value("logferry_grok_failures_total", {{"component", "t"}}), 0);
  EXPECT_EQ(metrics.value("logferry_grok_matches_total", {{"component", "t"}}), 8 * kBatchEvents);
  if (kCountingAllocations) {
    EXPECT_EQ(m.allocations, 0u);
  }
}

TEST(TransformsHotPathTest, DissectAllocatesNothingPerBatch) {
  Metrics metrics;
  auto dissect = build_transform<DissectTransform>(kDissectIcp, metrics);
  Measured m = measure(*dissect, 5, fill_icp_source);
  EXPECT_EQ(metrics.value("logferry_dissect_matches_total", {{"component", "t"}}), 8 * kBatchEvents);
  if (kCountingAllocations) {
    EXPECT_EQ(m.allocations, 0u);
  }
}

// By hand: events/s of one core through %{COMBINEDAPACHELOG} and the ICP dissect.
TEST(TransformsHotPathTest, DISABLED_GrokAndDissectThroughput) {
  Metrics metrics;
  auto grok = build_transform<GrokTransform>(kGrokApache, metrics);
  auto dissect = build_transform<DissectTransform>(kDissectIcp, metrics);
  Measured g = measure(*grok, 100, fill_apache);
  Measured d = measure(*dissect, 100, fill_icp_source);
  auto report = [](const char* what, const Measured& r) {
    std::printf("%-44s %7.1f ns/event CPU = %9.0f events/s (%7.1f ns wall), %llu allocations\n", what,
                r.cpu_ns_per_event, 1e9 / r.cpu_ns_per_event, r.ns_per_event,
                static_cast<unsigned long long>(r.allocations));
  };
  report("grok %{COMBINEDAPACHELOG}, 4096-event batch:", g);
  report("dissect, the ICP source mapping:", d);
  EXPECT_EQ(metrics.value("logferry_grok_failures_total", {{"component", "t"}}), 0);
}

TEST(TransformsHotPathTest, DISABLED_Throughput) {
  Metrics metrics;
  auto filter = build_transform<FilterTransform>(kFilter, metrics);
  auto mutate = build_transform<MutateTransform>(kMutate, metrics);
  auto gsub = build_transform<MutateTransform>(R"(gsub: [[log, '(\d+)ms', '\1 ms']])", metrics);
  constexpr int kRounds = 200;
  Measured f = measure(*filter, kRounds);
  Measured m = measure(*mutate, kRounds);
  Measured g = measure(*gsub, kRounds);
  auto report = [](const char* what, const Measured& r) {
    std::printf("%-62s %6.1f ns/event CPU (%6.1f wall), %llu allocations\n", what,
                r.cpu_ns_per_event, r.ns_per_event, static_cast<unsigned long long>(r.allocations));
  };
  report("filter, 2 clauses (== and =~ /ERROR/), 4096-event batch:", f);
  report("mutate, 3 ops (rename, add_field template, remove_field):", m);
  report("mutate, gsub with a capture group:", g);
  EXPECT_EQ(f.kept, static_cast<std::size_t>(kBatchEvents / 4));
}

}  // namespace
}  // namespace logferry::transforms
