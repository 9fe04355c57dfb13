// FileHousekeeper: compresses rotated files and applies retention on its own thread, off the
// write path. A job is a base path: every uncompressed rotated sibling is compressed (this also
// picks up files a previous run rotated but did not get to compress), then retention runs.
// A failed compression leaves the rotated file as it is (counted and logged); nothing is lost.
#pragma once

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "io/rotated_files.h"

namespace logferry::io {

class FileHousekeeper {
 public:
  struct Counters {
    Counter* compressed = nullptr;
    Counter* compress_failures = nullptr;
    Counter* deleted = nullptr;
  };
  FileHousekeeper(Compression compression, RetentionPolicy retention, const Clock& clock,
                  Counters counters);
  // Gives queued jobs up to 5 s, finishes the one in progress; what is left waits for the next
  // run (opening a file schedules its job).
  ~FileHousekeeper();
  FileHousekeeper(const FileHousekeeper&) = delete;
  FileHousekeeper& operator=(const FileHousekeeper&) = delete;

  // Queues a job for `base` (deduplicated while it waits).
  void schedule(const std::filesystem::path& base);
  // Blocks until every queued job is done (tests, shutdown).
  void drain();
  bool needed() const { return compression_ != Compression::kNone || retention_.enabled(); }

 private:
  void run(const std::stop_token& stop);
  void process(const std::filesystem::path& base);

  Compression compression_;
  RetentionPolicy retention_;
  const Clock& clock_;
  Counters counters_;
  RateLimitedLog failure_log_;
  std::mutex mu_;
  std::condition_variable_any cv_;
  std::condition_variable idle_cv_;
  std::deque<std::filesystem::path> queue_;
  std::set<std::string> queued_;
  bool busy_ = false;
  std::jthread thread_;
};

}  // namespace logferry::io
