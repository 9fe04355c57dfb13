// DiskBatchChannel: a sink's buffer on disk (`buffer: {type: disk, max_bytes: 256MiB}`), the
// product's "events survive restarts and kill -9 while a peer is down". push() encodes the
// batch (core/event_codec) and appends it to an io::DiskQueue, synced when `sync` is on; once
// it returns, the caller drops its reference and the batch's sources may advance: the events
// are durable. The sink thread pops decoded batches in order and commit()s each one it has
// delivered or rejected; a restart replays everything not committed, in order.
//
// Bounded: push() waits while max_bytes of records are not yet committed (the sources stop),
// or with when_full: drop_newest drops the batch and counts it.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "core/metrics.h"
#include "core/result.h"
#include "io/disk_queue.h"
#include "runtime/channel.h"

namespace logferry::runtime {

class DiskBatchChannel final : public SinkBuffer {
 public:
  struct Options {
    std::filesystem::path dir;
    uint64_t max_bytes = 256ull * 1024 * 1024;
    bool sync = true;
    bool drop_newest = false;
  };
  static Result<std::unique_ptr<DiskBatchChannel>> open(const Options& options, Metrics& metrics,
                                                        const Labels& labels);

  bool push(const BatchPtr& batch, const std::stop_token& stop) override;
  BatchPtr pop(const std::stop_token& stop, std::chrono::milliseconds timeout) override;
  void commit() override;
  void fail_pending() override {}  // it stays on disk for the next start
  void close() override;
  bool closed_and_empty() const override;
  std::size_t bytes() const override;
  std::size_t size() const override;

 private:
  DiskBatchChannel(Options options, std::unique_ptr<io::DiskQueue> queue, Metrics& metrics,
                   const Labels& labels);
  void count_corruption();

  Options options_;
  std::unique_ptr<io::DiskQueue> queue_;
  std::shared_ptr<BatchPool> pool_ = BatchPool::create(2);
  mutable std::mutex mu_;
  std::condition_variable_any not_full_, not_empty_;
  bool closed_ = false;
  bool popped_uncommitted_ = false;
  std::string encode_buf_, read_buf_;
  uint64_t corrupt_seen_ = 0;
  Counter& written_;
  Counter& dropped_;
  Counter& write_errors_;
  Counter& corrupt_;
  Counter& undecodable_;
};

}  // namespace logferry::runtime
