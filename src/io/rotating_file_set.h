// RotatingFileSet: many log files appended to at once, by path. Keeps at most max_open_files
// descriptors (least recently used closed first), closes files idle for idle_timeout, rotates
// by size and by age, hands rotated files to a FileHousekeeper (compression, retention), and
// syncs to disk as the fsync policy says.
//
// Writing is batch-shaped: append() collects lines per file in reused buffers, commit() writes
// each touched file with one write() (more only for partial writes) and fsyncs if asked, so a
// caller acknowledges a batch only after commit() succeeded.
//
// Faults (docs/file_sink.md "Faults"): a failed batch is cut back off the end of each file it
// wrote (ftruncate to the last committed size), so its retry writes every line once and no
// partial line is left; a file deleted under the sink (nlink 0 after the write) fails the
// commit and is recreated; a file renamed away is reopened at its path; a file truncated by
// someone else (copytruncate) is followed, as every write is O_APPEND.
//
// Example:
//   RotatingFileSet files(options, clock, counters);
//   for (...) files.append(path, line_with_newline);
//   if (!files.commit()) { files.discard_pending(); retry later; }
//   files.tick();  // now and then: idle close, age rotation, interval fsync
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <array>
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

// Why a write could not be done, for the per-cause counter and the message.
enum class FileFault { kDiskFull, kPermission, kReadOnly, kDeleted, kOther };
inline constexpr std::size_t kFileFaultKinds = 5;
std::string_view fault_name(FileFault f);  // "disk_full", "permission", ...
FileFault classify_errno(int err);

struct RotatingFileSetCounters {
  Counter* bytes = nullptr;
  Counter* rotations = nullptr;
  Counter* opened = nullptr;
  Counter* write_errors = nullptr;
  Gauge* open_files = nullptr;
  std::array<Counter*, kFileFaultKinds> faults{};  // failed batches by FileFault
  Counter* reopened = nullptr;      // files renamed or deleted by someone else, opened again
  Counter* truncated = nullptr;     // files found truncated by someone else (copytruncate)
  Counter* rolled_back = nullptr;   // bytes of failed batches cut off the end of files
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
  // Forgets the failed batch (it will be sent again): drops pending lines and cuts what the
  // batch had already written off the end of each file, so the retry writes it once. Where a
  // file cannot be cut (someone else wrote to it, a read-only file system), the rest of a
  // partly written line is kept and written first, so the file never holds half a line.
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
    uint64_t committed = 0;     // size after the last successful commit (a line boundary)
    Timestamp age_start;        // creation, for max_age
    Timestamp last_write;
    std::string pending;        // lines not yet written
    bool touched = false;       // in touched_
    bool dirty = false;         // written since the last fsync
    bool mid_line = false;      // the last write failed inside a line
    bool gone = false;          // deleted under us, or not reopened: forget the entry
    dev_t dev = 0;              // identity of what fd points at, to notice a file that was
    ino_t ino = 0;              // renamed or deleted by someone else
    Timestamp identity_checked; // when the path was last compared with dev/ino
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
  // Opens (creating it and its directories) the file at f.path into f; true if created.
  Result<bool> open_into(File& f, Timestamp now);
  // Closes f's descriptor and opens f.path again; on failure f is marked gone.
  Result<void> reopen(File& f, Timestamp now);
  // Before a write: the path names another file (renamed away, deleted): reopen it.
  Result<void> follow_path(File& f, Timestamp now);
  // After a write: what was written is still in a file (not deleted); notices a truncation.
  Result<void> check_written(File& f);
  // The file is shorter than f.size (truncated by someone else): take its real size. True if so.
  bool follow_truncation(File& f);
  bool follow_truncation(File& f, const struct stat& st);
  // Cuts what f's failed batch wrote off the end of the file; false when it may not or cannot.
  bool cut_back(File& f);
  Error fault(FileFault kind, std::string message);
  void forget(File& f);  // removes the entry without writing (its descriptor already closed)
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
