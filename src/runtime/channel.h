// SinkBuffer: the bounded queue in front of each sink (`buffer:` in the config). push() waits
// while it is full: that wait is the backpressure that leaves files on disk and stops network
// reads. Two kinds: BatchChannel (memory, the default) and DiskBatchChannel (disk_channel.h).
//
// BatchChannel: byte-limited, in memory. A single batch larger than the limit is still
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

class SinkBuffer {
 public:
  virtual ~SinkBuffer() = default;
  // False if stopped or closed before there was room; the caller still owns the batch.
  virtual bool push(const BatchPtr& batch, const std::stop_token& stop) = 0;
  // Waits up to `timeout`; nullptr on timeout, stop, or when closed and empty.
  virtual BatchPtr pop(const std::stop_token& stop, std::chrono::milliseconds timeout) = 0;
  // The batch popped last is done with (delivered, or rejected and counted).
  virtual void commit() {}
  // At stop, for what is still queued: in memory it is failed (its sources re-read it); a disk
  // buffer keeps it for the next start.
  virtual void fail_pending() = 0;
  // No more pushes; pop() drains what is queued, then returns nullptr.
  virtual void close() = 0;
  virtual bool closed_and_empty() const = 0;
  virtual std::size_t bytes() const = 0;
  virtual std::size_t size() const = 0;
};

class BatchChannel final : public SinkBuffer {
 public:
  explicit BatchChannel(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  bool push(const BatchPtr& batch, const std::stop_token& stop) override;
  BatchPtr pop(const std::stop_token& stop, std::chrono::milliseconds timeout) override;
  void fail_pending() override;
  void close() override;
  bool closed_and_empty() const override;
  std::size_t bytes() const override;
  std::size_t size() const override;
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
