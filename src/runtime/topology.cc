#include "runtime/topology.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>

#include "core/backoff.h"
#include "core/component.h"
#include "core/log.h"
#include "runtime/disk_channel.h"
#include "runtime/ordered_workers.h"

namespace logferry::runtime {

namespace {

// One step of a source's route: a transform instance (none at the root) and where its output
// goes next.
struct RouteNode {
  std::string name;
  TransformPtr transform;
  Counter* events_in = nullptr;   // into the transform, and out of it (the rest was dropped)
  Counter* events_out = nullptr;
  std::vector<std::unique_ptr<RouteNode>> transforms;
  std::vector<SinkBuffer*> sinks;
};

// Sleeps for `d` unless stop is requested first.
void sleep_for(std::chrono::milliseconds d, const std::stop_token& stop) {
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock lock(mu);
  cv.wait_for(lock, stop, d, [] { return false; });
}

Result<std::unique_ptr<SinkBuffer>> make_buffer(const config::SinkConfig& sc, BuildContext& ctx) {
  if (sc.buffer.type == "memory") return std::unique_ptr<SinkBuffer>(new BatchChannel(sc.buffer.max_bytes));
  DiskBatchChannel::Options o;
  o.dir = ctx.data_dir / "buffer";
  o.max_bytes = sc.buffer.max_bytes;
  o.sync = sc.buffer.sync;
  o.drop_newest = sc.buffer.when_full == "drop_newest";
  auto disk = DiskBatchChannel::open(o, ctx.metrics, ctx.labels());
  if (!disk) return unexpected(disk.error());
  return std::unique_ptr<SinkBuffer>(std::move(*disk));
}

bool holds_events(const RouteNode& node) {
  if (node.transform && node.transform->holds_events()) return true;
  for (const auto& child : node.transforms)
    if (holds_events(*child)) return true;
  return false;
}

}  // namespace

struct Topology::SinkSlot {
  std::string name;
  SinkPtr sink;
  std::unique_ptr<SinkBuffer> channel;
  Counter* received = nullptr;
  Counter* delivered = nullptr;
  Counter* rejected = nullptr;
  Counter* retries = nullptr;
  Gauge* queued_bytes = nullptr;
  Gauge* failing = nullptr;
  std::jthread thread;
  std::atomic<bool> done{false};

  // Delivery health, read by the API thread. failing_since is 0 while deliveries succeed.
  mutable std::mutex health_mu;
  std::chrono::steady_clock::time_point failing_since{};
  std::string reason;

  // A send failed with kRetry: log the reason once per change, not once per attempt.
  void note_retry() {
    std::string now_reason = sink->retry_reason();
    if (now_reason.empty()) now_reason = "delivery failed (the sink gave no reason)";
    std::lock_guard lock(health_mu);
    if (failing_since == std::chrono::steady_clock::time_point{}) {
      failing_since = std::chrono::steady_clock::now();
      failing->set(1);
    }
    if (now_reason == reason) return;
    reason = std::move(now_reason);
    log_warn("sink {}: cannot deliver: {} (events are held and retried)", name, reason);
  }

  void note_delivered() {
    std::lock_guard lock(health_mu);
    if (failing_since == std::chrono::steady_clock::time_point{}) return;
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::steady_clock::now() - failing_since);
    log_info("sink {}: delivering again after {} s of failures", name, seconds.count());
    failing_since = {};
    reason.clear();
    failing->set(0);
  }

  void run(const std::stop_token& stop) {
    // Capped at 10 s: a receiver back from an outage is found within seconds, while a dead
    // one costs a connect attempt every 10 s per sink.
    Backoff backoff(std::chrono::milliseconds(100), std::chrono::seconds(10));
    while (true) {
      BatchPtr batch = channel->pop(stop, std::chrono::milliseconds(200));
      queued_bytes->set(static_cast<int64_t>(channel->bytes()));
      if (!batch) {
        if (stop.stop_requested() || channel->closed_and_empty()) break;
        sink->flush();
        continue;
      }
      received->add(batch->size());
      while (true) {
        Delivery d = sink->send(*batch, stop);
        if (d == Delivery::kDelivered) {
          delivered->add(batch->size());
          channel->commit();
          backoff.reset();
          note_delivered();
          break;
        }
        if (d == Delivery::kRejected) {
          rejected->add(batch->size());
          channel->commit();
          note_delivered();  // nothing is held any more
          break;
        }
        retries->add();
        if (stop.stop_requested()) {
          batch->fail();
          break;
        }
        note_retry();  // after the stop check: "stopping" is not a delivery problem
        sleep_for(backoff.next(), stop);
      }
      if (stop.stop_requested()) break;
    }
    sink->flush();
    channel->fail_pending();  // not delivered: re-read by its sources, or kept on disk
    done = true;
  }
};

struct Topology::SourceSlot final : SourceOutput {
  std::string name;
  SourcePtr source;
  // One route per transform worker; each has its own transform instances.
  std::vector<std::unique_ptr<RouteNode>> routes;
  std::unique_ptr<OrderedWorkers> workers;  // null: transforms run on the source's thread
  std::shared_ptr<BatchPool> pool = BatchPool::create();
  Counter* events = nullptr;
  std::jthread thread;
  std::atomic<bool> finished{false};
  // Stops pushes into full sink buffers. Separate from the thread's stop: a stopping source
  // may still wait for room for what it has read while the sinks drain (see Topology::stop).
  std::stop_source push_stop;
  std::stop_token stop = push_stop.get_token();
  Pushes pushes;  // reused by the inline path
  // A transform on the route holds events across batches (Transform::holds_events): the
  // ticker thread flushes what is due, under route_mu, which send() takes too.
  bool holds_events = false;
  std::mutex route_mu;
  std::jthread ticker;
  std::atomic<bool> ticker_done{true};

  // SourceOutput
  BatchPtr new_batch() override { return pool->acquire(); }
  bool send(BatchPtr batch) override {
    events->add(batch->size());
    if (workers) return workers->submit(std::move(batch), stop);
    std::unique_lock lock(route_mu, std::defer_lock);
    if (holds_events) lock.lock();  // uncontended but for the ticker: one lock per batch
    route(*routes.front(), std::move(batch), pushes);
    bool ok = emit(pushes);
    pushes.clear();
    return ok;
  }

  // Timeouts of held events are honoured within kTickCap of their deadline.
  static constexpr auto kTickCap = std::chrono::milliseconds(100);

  void start_ticker() {
    if (!holds_events) return;
    ticker_done = false;
    ticker = std::jthread([this](std::stop_token st) {
      Pushes out;
      while (!st.stop_requested() && !finished) {
        auto next = tick(std::chrono::steady_clock::now(), out);
        auto wait = kTickCap;
        if (next) {
          auto until = std::chrono::duration_cast<std::chrono::milliseconds>(
              *next - std::chrono::steady_clock::now());
          wait = std::clamp(until, std::chrono::milliseconds(1), kTickCap);
        }
        sleep_for(wait, st);
      }
      // The source has returned: what is still held goes out now, while the sinks drain.
      tick(Transform::SteadyTime::max(), out);
      ticker_done = true;
    });
  }

  // Runs flush_due on every transform of the route and sends what it gave out onwards.
  std::optional<Transform::SteadyTime> tick(Transform::SteadyTime now, Pushes& out) {
    std::lock_guard lock(route_mu);
    std::optional<Transform::SteadyTime> next;
    tick_node(*routes.front(), now, out, next);
    emit(out);
    out.clear();
    return next;
  }

  void tick_node(RouteNode& node, Transform::SteadyTime now, Pushes& out,
                 std::optional<Transform::SteadyTime>& next) {
    if (node.transform) {
      BatchPtr b = pool->acquire();
      auto due = node.transform->flush_due(now, *b);
      if (due && (!next || *due < *next)) next = due;
      if (!b->empty()) {
        node.events_out->add(b->size());
        forward(node, std::move(b), out);
      }
    }
    for (auto& child : node.transforms) tick_node(*child, now, out, next);
  }

  void start_workers() {
    if (routes.size() < 2) return;
    workers = std::make_unique<OrderedWorkers>(
        routes.size(),
        [this](std::size_t worker, BatchPtr batch, Pushes& out) {
          route(*routes[worker], std::move(batch), out);
        },
        [this](Pushes& p) { emit(p); });
  }

  // Runs the node's transform, then collects where the batch goes next.
  void route(RouteNode& node, BatchPtr batch, Pushes& out) {
    if (node.transform) {
      node.events_in->add(batch->size());
      node.transform->apply(*batch);
      node.events_out->add(batch->size());
    }
    forward(node, std::move(batch), out);
  }

  // Where a batch that went through `node`'s transform goes next.
  void forward(RouteNode& node, BatchPtr batch, Pushes& out) {
    if (batch->empty()) return;  // all filtered out: nothing to deliver, finalizers fire
    std::size_t consumers = node.transforms.size() + (node.sinks.empty() ? 0 : 1);
    for (auto& child : node.transforms) {
      BatchPtr b = batch;
      if (consumers > 1) {  // mutating branches get their own copy
        b = pool->acquire();
        b->copy_from(*batch);
      }
      route(*child, std::move(b), out);
    }
    for (SinkBuffer* ch : node.sinks) out.push_back({ch, batch});
  }

  bool emit(Pushes& out) {
    bool ok = true;
    for (Push& p : out) {
      if (!p.channel->push(p.batch, stop)) {
        p.batch->fail();
        ok = false;
      }
    }
    return ok;
  }
};

Topology::~Topology() { stop(std::chrono::seconds(0)); }

Result<std::unique_ptr<Topology>> Topology::build(const config::PipelineConfig& cfg,
                                                   Metrics& metrics, const std::string& node_name) {
  std::unique_ptr<Topology> topo(new Topology());
  auto context = [&](const std::string& name) {
    return BuildContext{name, metrics, cfg.data_dir / name, cfg.config_dir, node_name};
  };

  std::map<std::string, SinkBuffer*> sink_channels;
  for (const auto& sc : cfg.sinks) {
    auto slot = std::make_unique<SinkSlot>();
    slot->name = sc.name;
    BuildContext ctx = context(sc.name);
    auto buffer = make_buffer(sc, ctx);
    if (!buffer) return unexpected(ErrorCode::kInvalidArgument,
                                   fmt::format("sinks.{}.buffer: {}", sc.name, buffer.error().message));
    slot->channel = std::move(*buffer);
    auto sink = sc.build(ctx);
    if (!sink) return unexpected(ErrorCode::kInvalidArgument,
                                 fmt::format("sinks.{}: {}", sc.name, sink.error().message));
    slot->sink = std::move(*sink);
    auto labels = ctx.labels();
    slot->received = &metrics.counter("logferry_sink_events_received_total",
                                      "Events a sink took from its buffer to send", labels);
    slot->delivered = &metrics.counter("logferry_sink_events_delivered_total",
                                       "Events a sink's destination accepted", labels);
    slot->rejected = &metrics.counter("logferry_sink_events_rejected_total",
                                      "Events dropped after a permanent delivery error", labels);
    slot->retries = &metrics.counter("logferry_sink_retries_total",
                                     "Batches retried after a transient error", labels);
    slot->queued_bytes = &metrics.gauge("logferry_sink_buffer_bytes",
                                        "Bytes of events queued in front of a sink", labels);
    slot->failing = &metrics.gauge("logferry_sink_failing",
                                   "1 while a sink holds events it cannot deliver (retrying)", labels);
    slot->failing->set(0);
    sink_channels[sc.name] = slot->channel.get();
    topo->sinks_.push_back(std::move(slot));
  }

  // Route tree for one upstream component: transforms and sinks that read it.
  std::function<Result<void>(RouteNode&, const std::string&, int)> wire =
      [&](RouteNode& node, const std::string& upstream, int depth) -> Result<void> {
    if (depth > 64) return unexpected(ErrorCode::kInvalidArgument, "transform graph too deep");
    for (const auto& tc : cfg.transforms) {
      if (std::find(tc.inputs.begin(), tc.inputs.end(), upstream) == tc.inputs.end()) continue;
      auto child = std::make_unique<RouteNode>();
      child->name = tc.name;
      BuildContext ctx = context(tc.name);
      auto t = tc.build(ctx);
      if (!t) return unexpected(ErrorCode::kInvalidArgument,
                                fmt::format("transforms.{}: {}", tc.name, t.error().message));
      child->transform = std::move(*t);
      child->events_in = &metrics.counter("logferry_transform_events_in_total",
                                          "Events into a transform", ctx.labels());
      child->events_out = &metrics.counter("logferry_transform_events_out_total",
                                           "Events out of a transform (the others were dropped)",
                                           ctx.labels());
      if (auto r = wire(*child, tc.name, depth + 1); !r) return r;
      node.transforms.push_back(std::move(child));
    }
    for (const auto& sc : cfg.sinks) {
      if (std::find(sc.inputs.begin(), sc.inputs.end(), upstream) != sc.inputs.end())
        node.sinks.push_back(sink_channels[sc.name]);
    }
    return {};
  };

  for (const auto& src : cfg.sources) {
    auto slot = std::make_unique<SourceSlot>();
    slot->name = src.name;
    BuildContext ctx = context(src.name);
    auto source = src.build(ctx);
    if (!source) return unexpected(ErrorCode::kInvalidArgument,
                                   fmt::format("sources.{}: {}", src.name, source.error().message));
    slot->source = std::move(*source);
    slot->events = &metrics.counter("logferry_source_events_total",
                                    "Events a source produced", ctx.labels());
    // Parallel transform workers only pay off where there is a transform to run.
    bool has_transforms = false;
    for (const auto& tc : cfg.transforms)
      for (const auto& in : tc.inputs) has_transforms = has_transforms || in == src.name;
    std::size_t routes = has_transforms ? static_cast<std::size_t>(std::max(1, cfg.workers)) : 1;
    for (std::size_t i = 0; i < routes; ++i) {
      slot->routes.push_back(std::make_unique<RouteNode>());
      if (auto r = wire(*slot->routes.back(), src.name, 0); !r) return unexpected(r.error());
      if (i == 0 && holds_events(*slot->routes.front())) {
        slot->holds_events = true;  // one instance must see every batch of a stream
        break;
      }
    }
    topo->sources_.push_back(std::move(slot));
  }
  return topo;
}

void Topology::start() {
  if (started_) return;
  started_ = true;
  for (auto& s : sinks_) {
    SinkSlot* slot = s.get();
    slot->thread = std::jthread([slot](std::stop_token st) { slot->run(st); });
  }
  for (auto& s : sources_) {
    SourceSlot* slot = s.get();
    slot->start_workers();
    slot->start_ticker();
    slot->thread = std::jthread([slot](std::stop_token st) {
      SourceContext ctx{slot->name, st, *slot};
      slot->source->run(ctx);
      slot->finished = true;
    });
  }
}

bool Topology::sources_finished() const {
  for (const auto& s : sources_)
    if (!s->finished) return false;
  return true;
}

bool Topology::idle() const {
  for (const auto& s : sinks_)
    if (s->channel->size() != 0) return false;
  return true;
}

std::vector<Topology::Unready> Topology::unready_sinks(std::chrono::milliseconds at_least) const {
  std::vector<Unready> out;
  auto now = std::chrono::steady_clock::now();
  for (const auto& s : sinks_) {
    std::lock_guard lock(s->health_mu);
    if (s->failing_since == std::chrono::steady_clock::time_point{}) continue;
    if (now - s->failing_since < at_least) continue;
    out.push_back({s->name, std::chrono::duration_cast<std::chrono::seconds>(now - s->failing_since),
                   s->reason});
  }
  return out;
}

void Topology::stop(std::chrono::milliseconds drain_timeout) {
  if (!started_ || stopped_) return;
  stopped_ = true;
  // 1. Sources stop reading. What they have read still goes into the sink buffers (the sinks
  // run and make room), until the deadline: a network source cannot read it again.
  auto deadline = std::chrono::steady_clock::now() + drain_timeout;
  for (auto& s : sources_) {
    s->thread.request_stop();
    s->source->interrupt();
  }
  for (auto& s : sources_) {
    while (!(s->finished && s->ticker_done) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    s->push_stop.request_stop();
    if (s->ticker.joinable()) s->ticker.join();
    if (s->thread.joinable()) s->thread.join();
    if (s->workers) s->workers->finish();  // what the workers hold reaches the channels (or fails)
  }
  // 2. Sinks deliver what is queued, until the same deadline (stop takes drain_timeout at most).
  for (auto& s : sinks_) s->channel->close();
  for (auto& s : sinks_) {
    while (!s->done && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    s->thread.request_stop();
    if (s->thread.joinable()) s->thread.join();
  }
  // 3. Acknowledgements are in; sources persist where they got to.
  for (auto& s : sources_) s->source->on_drained();
  log_info("pipeline stopped");
}

}  // namespace logferry::runtime
