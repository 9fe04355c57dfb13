// FileTailing: the machinery every file-tailing source shares (kubernetes_logs, file). The
// source supplies what a line means (a TailHandler); this part finds, reads, follows and
// checkpoints the files, and sends the batches.
//
// Life of a file: discovered by the globs (inotify on the directories makes that immediate,
// a rescan every glob_interval is the fallback) -> read in large chunks from its offset ->
// split into lines, handed one by one to the handler, which adds events to the current batch ->
// the offset after the last whole line of each batch goes into the file's AckWindow ->
// committed offsets are persisted every checkpoint_interval. When the path leads to another
// inode (rename rotation, symlink retarget) or disappears, the old descriptor is drained to its
// end before it is closed, so no line is lost or repeated. At most max_open_files descriptors
// are open at every moment, also while thousands of files are first found: beyond that, the
// files idle longest (read to their end) give theirs up, and files that find none free wait in
// line (new files in the order found, without another rescan).
//
// Idle costs nothing per file: with inotify watching every directory the globs can match, a
// rescan (which stats every match) runs on directory events only, plus a safety pass every
// kQuietRescanInterval; the glob_interval pass is for polling, failed watches and globs with
// wildcards in their directories. Acknowledgements are collected from the files with batches in
// flight only.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "config/schema.h"
#include "core/ack_window.h"
#include "core/component.h"
#include "core/log.h"
#include "core/source.h"
#include "io/checkpoint_store.h"
#include "io/file_tailer.h"
#include "io/fs_watcher.h"

namespace logferry::sources {

// Options of every tailing source; a source's Options derive from it and it binds them with
// describe_tailing().
struct TailingOptions {
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  std::string read_from = "beginning";
  config::ByteSize max_line_bytes{1024 * 1024};
  config::Duration glob_interval{1000};
  std::string watch = "inotify";
  config::Duration rotate_wait{5000};
  config::Duration close_idle_after{60000};
  int64_t max_open_files = 0;  // 0: no limit but the process's
  config::Duration ignore_older{0};
  config::Duration checkpoint_interval{1000};
  int64_t batch_events = 2048;
  config::ByteSize read_buffer{1024 * 1024};
};

template <class O>
void describe_tailing(config::Schema<O>& s);

// What a source needs to tell the machinery apart from its options.
struct TailingTraits {
  std::string type;           // "kubernetes_logs": log lines start with it
  std::string metric_prefix;  // "logferry_kubernetes_logs_": metric names start with it
  // Names that are never read (compressed rotations: new inodes with old content).
  std::vector<std::string> skip_suffixes;
  // An exclude pattern without '/' is matched against the file name too (Logstash's exclude).
  bool exclude_names = false;
  // Where checkpoints are kept; empty keeps them in memory only.
  std::filesystem::path checkpoint_file;
  // Zero bytes kept after the data in the read buffer (parsers such as simdjson read past it).
  std::size_t buffer_padding = 0;
};

// The source's own state of a file (parser, joiner), owned by the TailedFile.
struct TailedFileExtension {
  virtual ~TailedFileExtension() = default;
};

// One file being followed.
struct TailedFile {
  using SteadyTime = std::chrono::steady_clock::time_point;
  explicit TailedFile(io::FileTailer t) : tailer(std::move(t)) {}
  std::string path;       // as matched by the globs
  std::string real_path;  // what it led to when opened
  io::FileTailer tailer;
  std::shared_ptr<const void> retained;  // what its events refer to; every batch retains it
  std::unique_ptr<TailedFileExtension> extension;
  template <class S>
  S& extension_as() { return static_cast<S&>(*extension); }
  template <class S>
  const S& extension_as() const { return static_cast<const S&>(*extension); }
  std::shared_ptr<AckWindow<uint64_t>> window = std::make_shared<AckWindow<uint64_t>>();
  uint64_t next_offset = 0;  // after the last whole line processed
  uint64_t committed = 0;    // delivered up to here
  uint32_t fingerprint_len = 0;
  uint64_t fingerprint = 0;
  SteadyTime last_data{};
  bool draining = false;  // no longer what its path leads to: read to the end, then close
  bool closed = false;    // done; waits for its last batches to be acknowledged
  bool skipping = false;  // inside a line longer than the read buffer
  bool dirty = false;
  bool touched = false;
  bool waiting = false;   // for a descriptor (max_open_files)
  bool in_flight = false; // listed in FileTailing's inflight_ (batches sent, not all acked)
};

// What a line means: the source's part.
class TailHandler {
 public:
  virtual ~TailHandler() = default;
  // A file is followed from now on: set f.retained and f.extension.
  virtual void on_open(TailedFile& f) = 0;
  // One line without its '\n', starting at file offset `start`; a line longer than the read
  // buffer comes once, cut there (f.skipping is set after it).
  virtual void on_line(TailedFile& f, std::string_view line, uint64_t start) = 0;
  // The file shrank under the reader (copytruncate): it is read again from 0.
  virtual void on_truncated(TailedFile&) {}
  // The file is done (rotated or deleted, read to its end): emit anything still held.
  virtual void on_finished(TailedFile&) {}
  // Whether the source holds an unfinished line of the file (its descriptor then stays open).
  virtual bool pending(const TailedFile&) const { return false; }
  // Where a restart must read from so nothing held is lost; `next` is after the last line.
  virtual uint64_t resume_offset(const TailedFile&, uint64_t next) const { return next; }
  // A file the source does not want read (kubernetes_logs: an excluded namespace or pod),
  // asked each time a path not yet followed is found: the answer may change later.
  virtual bool excluded(const std::string& /*path*/) { return false; }
};

class FileTailing {
 public:
  FileTailing(const TailingOptions& options, TailingTraits traits, BuildContext& ctx,
              TailHandler& handler);
  ~FileTailing();

  void run(SourceContext& ctx);
  void interrupt() { watcher_->wake(); }
  void on_drained() { persist(); }

  // For the handler, inside on_line/on_finished: a new event in the current batch (which
  // retains f.retained), and the counter of lines cut at max_line_bytes.
  Event& add_event(TailedFile& f);
  EventBatch& batch() { return *batch_; }
  Counter& truncated_lines() { return truncated_; }
  const TailingOptions& options() const { return options_; }

 private:
  using SteadyTime = std::chrono::steady_clock::time_point;

  // Discovery.
  void rescan(bool first);
  void consider(const std::string& path, bool first);
  TailedFile* open_file(const std::string& path, const std::string& real_path, io::FileTailer tailer,
                        uint64_t size, bool first, bool draining);
  uint64_t start_offset(const io::FileTailer& tailer, const std::string& path, uint64_t size,
                        bool first);
  void recover_rotated_from_checkpoints();
  bool still_linked(const TailedFile& f) const;
  void start_draining(TailedFile& f);
  bool reopen_rotated(TailedFile& f);
  bool excluded(const std::string& path) const;
  void watch_parent(const std::string& path);
  void watch_dir(const std::string& dir);
  std::chrono::milliseconds rescan_interval() const;
  void open_deferred();

  // Descriptors (max_open_files).
  bool acquire_descriptor();
  bool evict_idle();
  void wait_for_descriptor(TailedFile& f);
  void note_opened();
  void note_closed();

  // Reading.
  void mark_modified_dirty(const std::vector<std::string>& modified);
  bool read_dirty();
  bool read_file(TailedFile& f, std::size_t budget);
  std::size_t process_chunk(TailedFile& f, const char* buf, std::size_t n, bool full_buffer);
  void maybe_close(TailedFile& f, SteadyTime now);
  void close_quiet_files(SteadyTime now);
  void mark_dirty(TailedFile& f);
  bool batch_full() const;
  bool send_batch();

  // Checkpoints.
  void commit_acks();
  void update_checkpoint(TailedFile& f);
  void mark_closed(TailedFile& f);
  void retire_closed();
  void persist();
  void persist_new_files();

  TailingOptions options_;
  TailingTraits traits_;
  TailHandler& handler_;
  std::unique_ptr<io::FsWatcher> watcher_;
  io::CheckpointStore store_;
  std::unordered_set<std::string> checkpoint_paths_;  // paths known before this run started

  std::vector<std::unique_ptr<TailedFile>> files_;
  std::unordered_map<std::string, TailedFile*> by_path_;       // current file of each glob match
  std::unordered_map<std::string, TailedFile*> by_real_path_;  // for inotify's modified entries
  std::map<io::FileId, TailedFile*> by_id_;
  std::vector<TailedFile*> dirty_, processing_, waiting_;
  std::vector<TailedFile*> draining_;  // rotated away, not yet read to their end and closed
  std::vector<TailedFile*> inflight_;  // files with batches not all acknowledged
  // New paths found while no descriptor was free, opened in this order as descriptors free up.
  std::deque<std::pair<std::string, bool>> deferred_;  // path, found by the first scan
  std::unordered_set<std::string> deferred_set_;
  std::unordered_set<std::string> seen_;
  std::unordered_set<std::string> watched_dirs_;

  std::size_t buffer_size_;
  std::unique_ptr<char[]> buffer_;

  SourceContext* ctx_ = nullptr;
  BatchPtr batch_;
  std::vector<TailedFile*> touched_;
  bool stopping_ = false;
  bool rescan_pending_ = false;
  bool files_added_ = false;
  bool closed_pending_ = false;  // some file is closed and not yet retired
  bool deferred_ready_ = false;  // a descriptor freed up while new files wait for one
  bool watches_complete_ = true;  // every directory a match can appear in is watched
  int64_t open_count_ = 0;

  Counter& truncated_;
  Counter& bytes_read_;
  Counter& rotated_;
  Counter& copytruncated_;
  Counter& checkpoint_errors_;
  Counter& descriptor_waits_;
  Counter& rescans_;
  Counter& file_checks_;
  Gauge& open_files_;
  Gauge& tracked_files_;
  Gauge& unacked_batches_;
  RateLimitedLog checkpoint_log_;
};

// ---------------------------------------------------------------------------------------------

template <class O>
void describe_tailing(config::Schema<O>& s) {
  using T = TailingOptions;
  using Strings = std::vector<std::string>;
  s.template field<Strings>("include", &T::include).doc("Globs of log files to tail.");
  s.template field<Strings>("exclude", &T::exclude)
      .doc("Globs of paths to skip (matched against the path as found).");
  s.template field<std::string>("read_from", &T::read_from).one_of({"beginning", "end"})
      .doc("Where to start in files present at startup that have no checkpoint.");
  s.template field<config::ByteSize>("max_line_bytes", &T::max_line_bytes)
      .doc("Lines longer than this (partial lines joined first) are cut, counted and marked `truncated: true`.");
  s.template field<config::Duration>("glob_interval", &T::glob_interval)
      .doc("Rescan period of the globs when inotify cannot watch every directory a match can "
           "appear in (a wildcard in a directory part, watch: poll); otherwise rescans follow "
           "inotify events, with a safety pass every max(this, 60 s).");
  s.template field<std::string>("watch", &T::watch).one_of({"inotify", "poll"})
      .doc("How changes are noticed: inotify (falls back to polling if unavailable) or poll.");
  s.template field<config::Duration>("rotate_wait", &T::rotate_wait)
      .doc("How long a rotated file that still exists is kept open after its last data.");
  s.template field<config::Duration>("close_idle_after", &T::close_idle_after)
      .doc("Descriptors of files without new data for this long are closed (reopened on change).");
  s.template field<int64_t>("max_open_files", &T::max_open_files).range(0, 1 << 24)
      .doc("Descriptors open at once, at most (0: no limit but the process's). Beyond it the "
           "files idle longest give theirs up; others wait.");
  s.template field<config::Duration>("ignore_older", &T::ignore_older)
      .doc("New files not modified for this long are read from their end (0: off).");
  s.template field<config::Duration>("checkpoint_interval", &T::checkpoint_interval)
      .doc("How often acknowledged positions are written to data_dir.");
  s.template field<int64_t>("batch_events", &T::batch_events).range(1, 1 << 20)
      .doc("Events per batch, at most.");
  s.template field<config::ByteSize>("read_buffer", &T::read_buffer)
      .doc("Bytes read at once (at least max_line_bytes + 64 KiB is used).");
  s.check([](const O& derived, config::CheckContext& c) {
    const TailingOptions& o = derived;
    if (o.max_line_bytes.bytes < 16 || o.max_line_bytes.bytes > (1ull << 30))
      c.error("max_line_bytes", "must be between 16 bytes and 1 GiB");
    if (o.glob_interval.count() <= 0) c.error("glob_interval", "must be positive");
    if (o.include.empty()) c.error("include", "needs at least one glob");
  });
}

}  // namespace logferry::sources
