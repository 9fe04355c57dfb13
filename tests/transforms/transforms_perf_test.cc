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
#include "transforms/filter/filter_transform.h"
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
Measured measure(Transform& t, int rounds) {
  EventBatch batch;
  for (int i = 0; i < 3; ++i) {  // grow arena chunks, vectors, scratch buffers, name caches
    batch.clear();
    fill(batch);
    t.apply(batch);
  }
  std::chrono::nanoseconds total{0};
  int64_t cpu_total = 0;
  uint64_t allocations = 0;
  std::size_t kept = 0;
  for (int r = 0; r < rounds; ++r) {
    batch.clear();
    fill(batch);
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
