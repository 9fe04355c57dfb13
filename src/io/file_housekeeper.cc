#include "io/file_housekeeper.h"

namespace logferry::io {

namespace {
constexpr std::chrono::seconds kShutdownGrace(5);
}  // namespace

FileHousekeeper::FileHousekeeper(Compression compression, RetentionPolicy retention,
                                 const Clock& clock, Counters counters)
    : compression_(compression), retention_(retention), clock_(clock), counters_(counters) {
  if (needed()) thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

FileHousekeeper::~FileHousekeeper() {
  if (thread_.joinable()) {
    {
      // Rotated files are small enough to compress in a moment; a backlog waits for the next run.
      std::unique_lock lock(mu_);
      idle_cv_.wait_for(lock, kShutdownGrace, [this] { return queue_.empty() && !busy_; });
    }
    thread_.request_stop();
    cv_.notify_all();
    thread_.join();
  }
}

void FileHousekeeper::schedule(const std::filesystem::path& base) {
  if (!needed()) return;
  std::lock_guard lock(mu_);
  if (!queued_.insert(base.string()).second) return;
  queue_.push_back(base);
  cv_.notify_one();
}

void FileHousekeeper::drain() {
  std::unique_lock lock(mu_);
  idle_cv_.wait(lock, [this] { return (queue_.empty() && !busy_) || !thread_.joinable(); });
}

void FileHousekeeper::run(const std::stop_token& stop) {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, stop, [this] { return !queue_.empty(); });
    if (stop.stop_requested()) break;
    std::filesystem::path base = std::move(queue_.front());
    queue_.pop_front();
    queued_.erase(base.string());
    busy_ = true;
    lock.unlock();
    process(base);
    lock.lock();
    busy_ = false;
    if (queue_.empty()) idle_cv_.notify_all();
  }
  busy_ = false;
  idle_cv_.notify_all();
}

void FileHousekeeper::process(const std::filesystem::path& base) {
  if (compression_ != Compression::kNone) {
    for (const RotatedFile& f : list_rotated(base)) {
      if (f.compressed) continue;
      auto done = compress_file(f.path, compression_);
      if (done) {
        if (counters_.compressed) counters_.compressed->add();
      } else {
        if (counters_.compress_failures) counters_.compress_failures->add();
        failure_log_.warn("file sink: {} (the rotated file is kept uncompressed)",
                          done.error().message);
      }
    }
  }
  int deleted = apply_retention(base, retention_, clock_.now());
  if (deleted > 0 && counters_.deleted) counters_.deleted->add(static_cast<uint64_t>(deleted));
}

}  // namespace logferry::io
