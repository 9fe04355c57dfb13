// RecordingOutput: a SourceOutput for source tests. Records each event as JSON, can block
// send() (a full pipeline: backpressure) and hold batches (not yet delivered).
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/event_batch.h"
#include "core/json.h"
#include "core/source.h"

namespace logferry::testing {

class RecordingOutput final : public SourceOutput {
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

}  // namespace logferry::testing
