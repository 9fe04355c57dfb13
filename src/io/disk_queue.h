// DiskQueue: an append-only queue of byte records in segment files under one directory: the
// storage of a sink's disk buffer. Writers append records (u32 length, u32 CRC-32, payload) and
// optionally sync them; one reader takes them in order and commits what it has consumed. The
// committed position is persisted atomically (at most every commit_interval, and on close), so a
// restart replays from there: a kill -9 repeats at most what was read but not yet persisted.
// Segments wholly before the committed position are deleted.
//
// Opening scans what was not yet consumed: a torn record at the end of the last segment (a crash
// in the middle of a write) is cut off, a corrupt record elsewhere ends its segment's readable
// part; both are counted in stats(), never a crash.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/result.h"

namespace logferry::io {

class DiskQueue {
 public:
  struct Options {
    std::filesystem::path dir;
    uint64_t segment_bytes = 16ull * 1024 * 1024;
    bool sync = true;  // fdatasync after each append
    std::chrono::milliseconds commit_interval{100};
  };
  struct Stats {
    uint64_t corrupt_records = 0;  // CRC or length mismatches found (the rest of that segment is skipped)
    uint64_t truncated_bytes = 0;  // torn tail cut off when opening
    uint64_t recovered_records = 0;  // unconsumed records found when opening
  };
  // Largest record accepted; anything claiming more is corrupt.
  static constexpr uint32_t kMaxRecordBytes = 256u * 1024 * 1024;

  static Result<std::unique_ptr<DiskQueue>> open(Options options);
  ~DiskQueue();
  DiskQueue(const DiskQueue&) = delete;
  DiskQueue& operator=(const DiskQueue&) = delete;

  // Writer side: any thread (appends are serialised).
  Result<void> append(std::string_view payload);

  // Reader side: one thread. True and the payload when a record is there; false when the reader
  // has caught up with the writers.
  Result<bool> read_next(std::string& payload);
  // Everything read so far is consumed.
  void commit();
  // Persists the committed position now (also done on destruction).
  void persist_position();

  // Bytes of records appended and not yet committed (what the buffer's max_bytes bounds).
  uint64_t pending_bytes() const;
  // Records appended and not yet read.
  uint64_t unread_records() const;
  Stats stats() const;

 private:
  struct Position {
    uint64_t segment = 0, offset = 0;
  };
  struct Segment {
    uint64_t end = 0;  // bytes of valid records
    int read_fd = -1;
  };
  explicit DiskQueue(Options options) : options_(std::move(options)) {}
  Result<void> recover();
  uint64_t scan_segment(uint64_t seq, uint64_t from, uint64_t* records);
  Result<void> open_write_segment(uint64_t seq);
  std::filesystem::path segment_path(uint64_t seq) const;
  void drop_consumed_segments();

  Options options_;
  mutable std::mutex mu_;
  std::map<uint64_t, Segment> segments_;
  int write_fd_ = -1;
  uint64_t write_seq_ = 0;
  Position read_, committed_, persisted_;
  uint64_t pending_bytes_ = 0, unread_records_ = 0, read_bytes_uncommitted_ = 0;
  std::chrono::steady_clock::time_point last_persist_{};
  Stats stats_;
  std::string header_;  // reused by the reader
};

}  // namespace logferry::io
