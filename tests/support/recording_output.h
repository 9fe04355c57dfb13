// JsonRecordingOutput: a SourceOutput for network source tests. Records each event as JSON, can block
// send() (a full pipeline: backpressure) and hold batches (not yet delivered).
// NetworkSourceRunner<S>: a network source built on 127.0.0.1:0 and run on its own thread into
// one. (support/source_harness.h has the file sources' counterparts, which record typed rows.)
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/event_batch.h"
#include "core/json.h"
#include "core/component.h"
#include "core/source.h"

namespace logferry::testing {

class JsonRecordingOutput final : public SourceOutput {
 public:
  BatchPtr new_batch() override { return pool_->acquire(); }
  bool send(BatchPtr batch) override {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !blocked_; });  // a full pipeline: send blocks
    ++batches_;
    for (const Event& e : batch->events()) {
      std::string json;
      append_json(json, e);
      events_.push_back(std::move(json));
    }
    if (hold_) held_.push_back(std::move(batch));
    return true;
  }
  std::vector<std::string> events() {
    std::lock_guard lock(mu_);
    return events_;
  }
  std::size_t count() {
    std::lock_guard lock(mu_);
    return events_.size();
  }
  std::size_t batches() {
    std::lock_guard lock(mu_);
    return batches_;
  }
  void block(bool b) {
    {
      std::lock_guard lock(mu_);
      blocked_ = b;
    }
    cv_.notify_all();
  }
  // Keep batches (not delivered) until release_held().
  void hold(bool h) {
    std::lock_guard lock(mu_);
    hold_ = h;
  }
  void release_held() {
    std::deque<BatchPtr> held;
    {
      std::lock_guard lock(mu_);
      held.swap(held_);
    }
  }

 private:
  std::shared_ptr<BatchPool> pool_ = BatchPool::create();
  std::mutex mu_;
  std::condition_variable cv_;
  bool blocked_ = false;
  std::vector<std::string> events_;
  std::deque<BatchPtr> held_;
  std::size_t batches_ = 0;
  bool hold_ = false;
};

template <class S>
class NetworkSourceRunner {
 public:
  explicit NetworkSourceRunner(typename S::Options o) : ctx_{"source_test", metrics_, {}, {}, "node1"} {
    o.address = "127.0.0.1:0";
    auto built = S::build(o, ctx_);
    EXPECT_TRUE(built) << (built ? "" : built.error().message);
    source_.reset(static_cast<S*>(built->release()));
    thread_ = std::jthread([this](std::stop_token st) {
      SourceContext sc{"source_test", st, out_};
      source_->run(sc);
    });
  }
  ~NetworkSourceRunner() { stop(); }
  // As Topology::stop: the source stops; drained() once what it sent is acknowledged.
  void stop() {
    out_.block(false);
    thread_.request_stop();
    source_->interrupt();
    if (thread_.joinable()) thread_.join();
  }
  void drained() { source_->on_drained(); }
  uint16_t port() const { return source_->port(); }
  JsonRecordingOutput& out() { return out_; }
  int64_t metric(const std::string& name) { return metrics_.value(name, {{"component", "source_test"}}); }

 private:
  Metrics metrics_;
  BuildContext ctx_;
  JsonRecordingOutput out_;
  std::unique_ptr<S> source_;
  std::jthread thread_;
};

}  // namespace logferry::testing
