// BatchChannel: the bounded, byte-limited queue in front of each sink. push() waits while the
// queue is over its byte limit (backpressure); a single batch larger than the limit is still
// admitted when the queue is empty, so nothing deadlocks on a huge line.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <stop_token>

#include "core/event_batch.h"

namespace logferry::runtime {

class BatchChannel {
 public:
  explicit BatchChannel(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // False if stopped or closed before there was room; the caller still owns the batch.
  bool push(const BatchPtr& batch, const std::stop_token& stop);
  // Waits up to `timeout`; nullptr on timeout, stop, or when closed and empty.
  BatchPtr pop(const std::stop_token& stop, std::chrono::milliseconds timeout);
  // No more pushes; pop() drains what is queued, then returns nullptr.
  void close();
  bool closed_and_empty() const;

  std::size_t bytes() const;
  std::size_t size() const;
  std::size_t max_bytes() const { return max_bytes_; }

 private:
  mutable std::mutex mu_;
  std::condition_variable_any not_full_, not_empty_;
  std::deque<std::pair<BatchPtr, std::size_t>> queue_;
  std::size_t bytes_ = 0;
  std::size_t max_bytes_;
  bool closed_ = false;
};

}  // namespace logferry::runtime
