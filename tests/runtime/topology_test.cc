// The runtime's promises, with small test components: fan-out, acknowledgements only after
// every sink delivered, retries, backpressure, and failing what could not be delivered.
#include "runtime/topology.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "config/pipeline_config.h"
#include "support/wait.h"

namespace logferry::runtime {
namespace {

using logferry::testing::wait_until;

// Shared state between the test body and the components the runtime builds.
struct Harness {
  std::mutex mu;
  std::vector<std::string> emitted_acks;  // "delivered:N" / "failed:N" per batch
  std::atomic<int> batches_to_emit{0};
  std::atomic<int> emitted{0};
  std::map<std::string, std::vector<std::string>> received;  // sink name -> messages
  std::atomic<int> retries_left{0};
  std::atomic<bool> sink_blocked{false};
  std::atomic<bool> always_retry{false};
};
Harness* g_harness = nullptr;

class ScriptedSource final : public Source {
 public:
  static constexpr std::string_view kType = "scripted";
  static constexpr std::string_view kDoc = "test";
  struct Options {
    int64_t events_per_batch = 1;
  };
  static void describe(config::Schema<Options>& s) {
    s.field("events_per_batch", &Options::events_per_batch);
  }
  static Result<std::unique_ptr<Source>> build(const Options& o, BuildContext&) {
    return std::unique_ptr<Source>(std::make_unique<ScriptedSource>(o));
  }
  explicit ScriptedSource(Options o) : options_(o) {}
  void run(SourceContext& ctx) override {
    Harness& h = *g_harness;
    while (!ctx.stop.stop_requested()) {
      if (h.emitted >= h.batches_to_emit) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        continue;
      }
      int n = h.emitted.fetch_add(1);
      BatchPtr b = ctx.out.new_batch();
      for (int i = 0; i < options_.events_per_batch; ++i) {
        Event& e = b->add();
        e.append("message", e.string_value("m" + std::to_string(n) + "." + std::to_string(i)));
      }
      b->add_finalizer(std::make_shared<Finalizer>([n](BatchStatus s) {
        std::lock_guard lock(g_harness->mu);
        g_harness->emitted_acks.push_back(
            (s == BatchStatus::kDelivered ? "delivered:" : "failed:") + std::to_string(n));
      }));
      if (!ctx.out.send(std::move(b))) return;
    }
  }

 private:
  Options options_;
};

class RecordingSink final : public Sink {
 public:
  static constexpr std::string_view kType = "recording";
  static constexpr std::string_view kDoc = "test";
  struct Options {};
  static void describe(config::Schema<Options>&) {}
  static Result<std::unique_ptr<Sink>> build(const Options&, BuildContext& ctx) {
    return std::unique_ptr<Sink>(std::make_unique<RecordingSink>(ctx.name));
  }
  explicit RecordingSink(std::string name) : name_(std::move(name)) {}
  Delivery send(const EventBatch& batch, const std::stop_token& stop) override {
    Harness& h = *g_harness;
    while (h.sink_blocked && !stop.stop_requested())
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (h.always_retry) return Delivery::kRetry;
    if (h.retries_left > 0) {
      --h.retries_left;
      return Delivery::kRetry;
    }
    std::lock_guard lock(h.mu);
    for (const Event& e : batch.events())
      h.received[name_].emplace_back(e.root().get("message")->as_string());
    return Delivery::kDelivered;
  }
  std::string retry_reason() const override { return "peer said no"; }

 private:
  std::string name_;
};

// Appends "!" to every message: shows that a mutating branch works on its own copy.
class ShoutTransform final : public Transform {
 public:
  static constexpr std::string_view kType = "shout";
  static constexpr std::string_view kDoc = "test";
  struct Options {};
  static void describe(config::Schema<Options>&) {}
  static Result<std::unique_ptr<Transform>> build(const Options&, BuildContext&) {
    return std::unique_ptr<Transform>(std::make_unique<ShoutTransform>());
  }
  void apply(EventBatch& batch) override {
    for (Event& e : batch.events()) {
      Value* m = e.root().get("message");
      *m = e.string_value(std::string(m->as_string()) + "!");
    }
  }
};

// Records which threads ran it and takes an uneven time per batch, so that parallel workers
// finish out of order unless the runtime puts them back in order.
class SlowShoutTransform final : public Transform {
 public:
  static constexpr std::string_view kType = "slow_shout";
  static constexpr std::string_view kDoc = "test";
  struct Options {};
  static void describe(config::Schema<Options>&) {}
  static Result<std::unique_ptr<Transform>> build(const Options&, BuildContext&) {
    return std::unique_ptr<Transform>(std::make_unique<SlowShoutTransform>());
  }
  void apply(EventBatch& batch) override {
    {
      std::lock_guard lock(mu());
      threads().insert(std::this_thread::get_id());
    }
    std::this_thread::sleep_for(std::chrono::microseconds(batches_++ % 3 == 0 ? 3000 : 100));
    for (Event& e : batch.events()) {
      Value* m = e.root().get("message");
      *m = e.string_value(std::string(m->as_string()) + "!");
    }
  }
  static std::mutex& mu() { static std::mutex m; return m; }
  static std::set<std::thread::id>& threads() { static std::set<std::thread::id> t; return t; }

 private:
  int batches_ = 0;  // per instance: a transform must never see two threads at once
};

class TopologyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_harness = &harness;
    registry.add_source<ScriptedSource>();
    registry.add_sink<RecordingSink>();
    registry.add_transform<ShoutTransform>();
    registry.add_transform<SlowShoutTransform>();
  }
  void TearDown() override {
    if (topo) topo->stop(std::chrono::milliseconds(500));
    topo.reset();
    g_harness = nullptr;
  }
  void start(const std::string& yaml) {
    config::Diagnostics d("t.yaml");
    cfg = config::parse_pipeline(yaml, "/tmp", registry, d);
    ASSERT_TRUE(d.ok()) << d.format();
    auto t = Topology::build(cfg, metrics, "node");
    ASSERT_TRUE(t) << t.error().message;
    topo = std::move(*t);
    topo->start();
  }
  std::vector<std::string> acks() {
    std::lock_guard lock(harness.mu);
    return harness.emitted_acks;
  }
  std::size_t received(const std::string& sink) {
    std::lock_guard lock(harness.mu);
    return harness.received[sink].size();
  }

  Harness harness;
  config::Registry registry;
  config::PipelineConfig cfg;
  Metrics metrics;
  std::unique_ptr<Topology> topo;
};

TEST_F(TopologyTest, FanOutReachesEverySinkAndMutatingBranchGetsACopy) {
  start(R"(
sources: {src: {type: scripted}}
transforms: {loud: {type: shout, inputs: [src]}}
sinks:
  plain: {type: recording, inputs: [src]}
  shouted: {type: recording, inputs: [loud]}
)");
  harness.batches_to_emit = 5;
  ASSERT_TRUE(wait_until([&] { return acks().size() == 5; }));
  std::lock_guard lock(harness.mu);
  EXPECT_EQ(harness.received["plain"][0], "m0.0");
  EXPECT_EQ(harness.received["shouted"][0], "m0.0!");
  EXPECT_EQ(harness.received["plain"].size(), 5u);
  EXPECT_EQ(harness.received["shouted"].size(), 5u);
  for (const auto& a : harness.emitted_acks) EXPECT_EQ(a.substr(0, 9), "delivered");
}

TEST_F(TopologyTest, AckWaitsForRetriedDelivery) {
  harness.retries_left = 2;
  start(R"(
sources: {src: {type: scripted}}
sinks: {out: {type: recording, inputs: [src]}}
)");
  harness.batches_to_emit = 1;
  ASSERT_TRUE(wait_until([&] { return acks().size() == 1; }));
  EXPECT_EQ(acks()[0], "delivered:0");
  EXPECT_EQ(received("out"), 1u);
  EXPECT_EQ(metrics.value("logferry_sink_retries_total", {{"component", "out"}}), 2);
}

TEST_F(TopologyTest, FullBufferMakesTheSourceWait) {
  harness.sink_blocked = true;
  start(R"(
sources: {src: {type: scripted, events_per_batch: 100}}
sinks: {out: {type: recording, inputs: [src], buffer: {max_bytes: 1}}}
)");
  harness.batches_to_emit = 50;
  // One batch in the sink's hands, one admitted into the empty queue, one waiting to be pushed.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_LE(harness.emitted.load(), 3);
  harness.sink_blocked = false;
  ASSERT_TRUE(wait_until([&] { return acks().size() == 50; }));
  EXPECT_EQ(received("out"), 5000u);
}

TEST_F(TopologyTest, StopFailsWhatCouldNotBeDelivered) {
  harness.always_retry = true;
  start(R"(
sources: {src: {type: scripted}}
sinks: {out: {type: recording, inputs: [src], buffer: {max_bytes: 1}}}
)");
  harness.batches_to_emit = 3;
  ASSERT_TRUE(wait_until([&] { return harness.emitted.load() >= 2; }));
  topo->stop(std::chrono::milliseconds(100));
  topo.reset();
  auto a = acks();
  ASSERT_FALSE(a.empty());
  for (const auto& s : a) EXPECT_EQ(s.substr(0, 6), "failed") << s;
}

// A network source cannot read again what it has read: at stop it may still push it while the
// sinks drain, within the drain deadline (a reload hands the sockets on, so this is the last
// chance for those events).
TEST_F(TopologyTest, StopLetsASourcePushWhatItHoldsWhileTheSinksDrain) {
  harness.sink_blocked = true;
  start(R"(
sources: {src: {type: scripted}}
sinks: {out: {type: recording, inputs: [src], buffer: {max_bytes: 1}}}
)");
  harness.batches_to_emit = 3;
  // One batch in the sink's hands, one queued, the third waiting in push.
  ASSERT_TRUE(wait_until([&] { return harness.emitted.load() == 3; }));
  std::jthread unblock([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    harness.sink_blocked = false;
  });
  topo->stop(std::chrono::seconds(5));
  topo.reset();
  EXPECT_EQ(acks(), (std::vector<std::string>{"delivered:0", "delivered:1", "delivered:2"}));
  EXPECT_EQ(received("out"), 3u);
}

TEST_F(TopologyTest, SinkHoldingUndeliverableEventsIsUnreadyWithItsReasonUntilItDelivers) {
  harness.always_retry = true;
  start(R"(
sources: {src: {type: scripted}}
sinks:
  stuck: {type: recording, inputs: [src]}
)");
  EXPECT_TRUE(topo->unready_sinks(std::chrono::milliseconds(0)).empty()) << "nothing held yet";
  harness.batches_to_emit = 1;
  ASSERT_TRUE(wait_until([&] { return !topo->unready_sinks(std::chrono::milliseconds(0)).empty(); }));
  auto unready = topo->unready_sinks(std::chrono::milliseconds(0));
  ASSERT_EQ(unready.size(), 1u);
  EXPECT_EQ(unready[0].sink, "stuck");
  EXPECT_EQ(unready[0].reason, "peer said no");
  EXPECT_TRUE(topo->unready_sinks(std::chrono::hours(1)).empty()) << "not failing that long";
  EXPECT_EQ(metrics.value("logferry_sink_failing", {{"component", "stuck"}}), 1);
  harness.always_retry = false;
  ASSERT_TRUE(wait_until([&] { return acks().size() == 1; }));
  EXPECT_TRUE(topo->unready_sinks(std::chrono::milliseconds(0)).empty());
  EXPECT_EQ(metrics.value("logferry_sink_failing", {{"component", "stuck"}}), 0);
}

TEST_F(TopologyTest, WorkersTransformInParallelAndDeliverInTheSourcesOrder) {
  SlowShoutTransform::threads().clear();
  start(R"(
workers: 2
sources: {src: {type: scripted, events_per_batch: 3}}
transforms: {loud: {type: slow_shout, inputs: [src]}}
sinks: {out: {type: recording, inputs: [loud]}}
)");
  harness.batches_to_emit = 120;
  ASSERT_TRUE(wait_until([&] { return acks().size() == 120; }));
  std::lock_guard lock(harness.mu);
  const auto& got = harness.received["out"];
  ASSERT_EQ(got.size(), 360u);
  for (int n = 0; n < 120; ++n)
    for (int i = 0; i < 3; ++i)
      ASSERT_EQ(got[n * 3 + i], "m" + std::to_string(n) + "." + std::to_string(i) + "!");
  for (const auto& a : harness.emitted_acks) EXPECT_EQ(a.substr(0, 9), "delivered");
  std::lock_guard tl(SlowShoutTransform::mu());
  EXPECT_EQ(SlowShoutTransform::threads().size(), 2u);
}

// workers only applies to sources with transforms; one without still delivers everything.
TEST_F(TopologyTest, WorkersSettingOnASourceWithoutTransformsStillDelivers) {
  start(R"(
workers: 4
sources: {src: {type: scripted}}
sinks: {out: {type: recording, inputs: [src]}}
)");
  harness.batches_to_emit = 10;
  ASSERT_TRUE(wait_until([&] { return acks().size() == 10; }));
  EXPECT_EQ(received("out"), 10u);
}

TEST_F(TopologyTest, StopWithWorkersFailsWhatTheyHeld) {
  harness.always_retry = true;
  start(R"(
workers: 2
sources: {src: {type: scripted}}
transforms: {loud: {type: shout, inputs: [src]}}
sinks: {out: {type: recording, inputs: [loud], buffer: {max_bytes: 1}}}
)");
  harness.batches_to_emit = 20;
  ASSERT_TRUE(wait_until([&] { return harness.emitted.load() >= 4; }));
  topo->stop(std::chrono::milliseconds(100));
  topo.reset();
  auto a = acks();
  ASSERT_EQ(a.size(), static_cast<std::size_t>(harness.emitted.load()));
  for (const auto& s : a) EXPECT_EQ(s.substr(0, 6), "failed") << s;
}

TEST(PipelineConfigWorkers, OutOfRangeIsAValidateError) {
  config::Registry registry;
  config::Diagnostics d("t.yaml");
  config::parse_pipeline("workers: 0\nsources: {}\n", "/tmp", registry, d);
  EXPECT_FALSE(d.ok());
  EXPECT_NE(d.format().find("t.yaml:1: workers: 0 is outside 1..64"), std::string::npos) << d.format();
}

}  // namespace
}  // namespace logferry::runtime
