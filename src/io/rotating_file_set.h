// RotatingFileSet: many log files appended to at once, by path. Keeps at most max_open_files
// descriptors (least recently used closed first), closes files idle for idle_timeout, rotates
// by size and by age, hands rotated files to a FileHousekeeper (compression, retention), and
// syncs to disk as the fsync policy says.
//
// Writing is batch-shaped: append() collects lines per file in reused buffers, commit() writes
// each touched file with one write() (more only for partial writes) and fsyncs if asked, so a
// caller acknowledges a batch only after commit() succeeded.
//
// Example:
//   RotatingFileSet files(options, clock, counters);
//   for (...) files.append(path, line_with_newline);
//   if (!files.commit()) { files.discard_pending(); retry later; }
//   files.tick();  // now and then: idle close, age rotation, interval fsync
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/result.h"
#include "io/file_housekeeper.h"
#include "io/rotated_files.h"

namespace logferry::io {

enum class FsyncPolicy {
  kNever,     // written to the kernel (survives a crash of logferry, not of the machine)
  kBatch,     // fdatasync every file a batch touched before the batch is acknowledged
  kInterval,  // fdatasync dirty files at most every fsync_interval
};

struct RotatingFileSetOptions {
  mode_t file_mode = 0640;
  mode_t dir_mode = 0755;
  std::size_t max_open_files = 256;
  std::chrono::nanoseconds idle_timeout = std::chrono::seconds(60);  // 0 = never
  uint64_t max_size = 0;                                               // 0 = no size rotation
  std::chrono::nanoseconds max_age{0};                                 // 0 = no age rotation
  RetentionPolicy retention;
  Compression compression = Compression::kNone;
  FsyncPolicy fsync = FsyncPolicy::kNever;
  std::chrono::nanoseconds fsync_interval = std::chrono::seconds(1);
};

struct RotatingFileSetCounters {
  Counter* bytes = nullptr;
  Counter* rotations = nullptr;
  Counter* opened = nullptr;
  Counter* write_errors = nullptr;
  Gauge* open_files = nullptr;
  FileHousekeeper::Counters housekeeping;
};

class RotatingFileSet {
 public:
  RotatingFileSet(RotatingFileSetOptions options, const Clock& clock,
                  RotatingFileSetCounters counters = {});
  ~RotatingFileSet();  // commits what is pending, closes every file
  RotatingFileSet(const RotatingFileSet&) = delete;
  RotatingFileSet& operator=(const RotatingFileSet&) = delete;

  // Adds `line` (newline included) to the file at `path`. May open the file (creating missing
  // directories), close the least recently used one, write out pending data, or rotate.
  // Errors carry ErrorCode::kInvalidArgument when the path itself can never work (a directory,
  // a name too long): the caller should drop the line rather than retry.
  Result<void> append(std::string_view path, std::string_view line);
  // Writes every file's pending lines; fsyncs them when the policy is kBatch.
  Result<void> commit();
  // Forgets pending lines (the batch will be sent again).
  void discard_pending();
  // Idle close, age rotation, interval fsync, retention sweep, and (once a second) closing
  // files that another tool renamed or deleted, so the next line recreates them. Cheap; call often.
  void tick();

  std::size_t open_files() const { return files_.size(); }
  bool is_open(std::string_view path) const { return find(path) != nullptr; }
  FileHousekeeper& housekeeper() { return housekeeper_; }

 private:
  struct File {
    std::string path;
    int fd = -1;
    uint64_t size = 0;          // bytes in the file (written)
    Timestamp age_start;        // creation, for max_age
    Timestamp last_write;
    std::string pending;        // lines not yet written
    bool touched = false;       // in touched_
    bool dirty = false;         // written since the last fsync
    dev_t dev = 0;              // identity of what fd points at, to notice a file that was
    ino_t ino = 0;              // renamed or deleted by someone else
  };
  using Lru = std::list<File>;
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Eq {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const { return a == b; }
  };

  File* find(std::string_view path) const;
  Result<File*> open(std::string_view path, Timestamp now);
  Result<void> write_pending(File& f);
  Result<void> sync(File& f);
  Result<void> rotate(File& f, Timestamp now);
  Result<void> close(Lru::iterator it);
  void update_gauge();
  // True when `path` no longer names the file `f` has open (moved away or deleted).
  static bool replaced(const File& f);

  RotatingFileSetOptions options_;
  const Clock& clock_;
  RotatingFileSetCounters counters_;
  FileHousekeeper housekeeper_;
  Lru lru_;  // most recently used first
  std::unordered_map<std::string, Lru::iterator, Hash, Eq> files_;
  std::vector<File*> touched_;
  // Next rotation index per path, recovered from the directory at the path's first rotation and
  // kept after its file is closed: a directory listing that races a compression (rename, then
  // unlink) could miss the newest file, and its index must never be given out again. One entry
  // per path this sink has rotated.
  std::unordered_map<std::string, uint64_t, Hash, Eq> next_index_;
  File* last_ = nullptr;  // consecutive lines usually go to the same file
  Timestamp last_sync_;
  Timestamp last_sweep_;
  Timestamp last_identity_check_;
  RateLimitedLog error_log_;
};

}  // namespace logferry::io
