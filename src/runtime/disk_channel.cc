#include "runtime/disk_channel.h"

#include "core/event_codec.h"
#include "core/log.h"

namespace logferry::runtime {

Result<std::unique_ptr<DiskBatchChannel>> DiskBatchChannel::open(const Options& options,
                                                                 Metrics& metrics,
                                                                 const Labels& labels) {
  io::DiskQueue::Options q;
  q.dir = options.dir;
  q.sync = options.sync;
  // Several segments per buffer, so consumed space is given back while a long outage drains.
  q.segment_bytes = std::clamp<uint64_t>(options.max_bytes / 8, 1 << 20, 64ull << 20);
  auto queue = io::DiskQueue::open(q);
  if (!queue) return unexpected(queue.error());
  auto stats = (*queue)->stats();
  if (stats.recovered_records > 0 || stats.truncated_bytes > 0)
    log_info("disk buffer {}: {} batches to replay, {} torn bytes cut off", options.dir.string(),
             stats.recovered_records, stats.truncated_bytes);
  return std::unique_ptr<DiskBatchChannel>(
      new DiskBatchChannel(options, std::move(*queue), metrics, labels));
}

DiskBatchChannel::DiskBatchChannel(Options options, std::unique_ptr<io::DiskQueue> queue,
                                   Metrics& metrics, const Labels& labels)
    : options_(std::move(options)),
      queue_(std::move(queue)),
      written_(metrics.counter("logferry_disk_buffer_events_written_total",
                               "Events written (and synced, with sync on) to a sink's disk buffer",
                               labels)),
      dropped_(metrics.counter("logferry_disk_buffer_events_dropped_total",
                               "Events dropped because the disk buffer was full (when_full: drop_newest)",
                               labels)),
      write_errors_(metrics.counter("logferry_disk_buffer_write_errors_total",
                                    "Failed writes to a disk buffer (e.g. ENOSPC); the batch is not acknowledged",
                                    labels)),
      corrupt_(metrics.counter("logferry_disk_buffer_corrupt_records_total",
                               "Damaged records found in a disk buffer and skipped", labels)),
      undecodable_(metrics.counter("logferry_disk_buffer_undecodable_records_total",
                                   "Records whose events could not be decoded (skipped)", labels)) {
  auto stats = queue_->stats();
  corrupt_seen_ = stats.corrupt_records;
  corrupt_.add(stats.corrupt_records + (stats.truncated_bytes > 0 ? 1 : 0));
}

bool DiskBatchChannel::push(const BatchPtr& batch, const std::stop_token& stop) {
  std::unique_lock lock(mu_);
  encode_buf_.clear();
  encode_events(*batch, encode_buf_);
  uint64_t need = encode_buf_.size() + 8;
  auto room = [&] {
    uint64_t pending = queue_->pending_bytes();
    return closed_ || pending == 0 || pending + need <= options_.max_bytes;
  };
  if (!room() && options_.drop_newest) {
    dropped_.add(batch->size());
    return true;
  }
  if (!not_full_.wait(lock, stop, room) || closed_) return false;
  if (auto r = queue_->append(encode_buf_); !r) {
    write_errors_.add();
    log_warn("disk buffer {}: {}", options_.dir.string(), r.error().message);
    return false;  // not durable: the caller fails the batch, its source does not advance
  }
  written_.add(batch->size());
  not_empty_.notify_one();
  return true;
}

BatchPtr DiskBatchChannel::pop(const std::stop_token& stop, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  not_empty_.wait_for(lock, stop, timeout, [&] { return closed_ || queue_->unread_records() > 0; });
  while (true) {
    auto got = queue_->read_next(read_buf_);
    count_corruption();
    if (!got) {
      log_warn("disk buffer {}: {}", options_.dir.string(), got.error().message);
      return nullptr;
    }
    if (!*got) return nullptr;
    BatchPtr batch = pool_->acquire();
    if (decode_events(read_buf_, *batch)) {
      popped_uncommitted_ = true;
      return batch;
    }
    undecodable_.add();
    queue_->commit();  // skip it: a record that cannot be decoded never will be
  }
}

void DiskBatchChannel::count_corruption() {
  uint64_t now = queue_->stats().corrupt_records;
  if (now > corrupt_seen_) corrupt_.add(now - corrupt_seen_);
  corrupt_seen_ = now;
}

void DiskBatchChannel::commit() {
  std::lock_guard lock(mu_);
  queue_->commit();
  popped_uncommitted_ = false;
  not_full_.notify_all();
}

void DiskBatchChannel::close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  not_full_.notify_all();
  not_empty_.notify_all();
}

bool DiskBatchChannel::closed_and_empty() const {
  std::lock_guard lock(mu_);
  return closed_ && queue_->unread_records() == 0;
}

std::size_t DiskBatchChannel::bytes() const { return queue_->pending_bytes(); }

std::size_t DiskBatchChannel::size() const {
  std::lock_guard lock(mu_);
  return queue_->unread_records() + (popped_uncommitted_ ? 1 : 0);
}

}  // namespace logferry::runtime
