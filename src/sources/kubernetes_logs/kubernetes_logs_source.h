// kubernetes_logs: tails the container logs kubelet leaves on a node (CRI or Docker json-file,
// detected per file), joins partial lines, adds pod metadata from the paths, follows kubelet's
// rotation, and checkpoints how far every file has been delivered (at least once).
//
// Life of a file: discovered by the globs (inotify on the directories makes that immediate,
// a rescan every glob_interval is the fallback) -> read in large chunks from its offset ->
// lines parsed in one pass into batches -> the offset after the last whole line of each batch
// goes into the file's AckWindow -> committed offsets are persisted every checkpoint_interval.
// When the path leads to another inode (rename rotation, symlink retarget) or disappears, the
// old descriptor is drained to its end before it is closed, so no line is lost or repeated.
#pragma once

#include <chrono>
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
#include "sources/kubernetes_logs/cri_parser.h"
#include "sources/kubernetes_logs/docker_parser.h"
#include "sources/kubernetes_logs/line_joiner.h"

namespace logferry::sources {

class KubernetesLogsSource final : public Source {
 public:
  static constexpr std::string_view kType = "kubernetes_logs";
  static constexpr std::string_view kDoc =
      "Tails Kubernetes container logs (CRI, Docker json-file), follows rotation, checkpoints.";
  struct Options {
    std::vector<std::string> include = {"/var/log/containers/*.log"};
    std::vector<std::string> exclude;
    std::string read_from = "beginning";
    config::ByteSize max_line_bytes{1024 * 1024};
    config::Duration glob_interval{1000};
    std::string watch = "inotify";
    config::Duration rotate_wait{5000};
    config::Duration close_idle_after{60000};
    config::Duration checkpoint_interval{1000};
    int64_t batch_events = 2048;
    config::ByteSize read_buffer{1024 * 1024};
  };
  static void describe(config::Schema<Options>& s);
  static Result<std::unique_ptr<Source>> build(const Options& options, BuildContext& ctx);

  KubernetesLogsSource(Options options, BuildContext& ctx);
  ~KubernetesLogsSource() override;

  // Source
  void run(SourceContext& ctx) override;
  void interrupt() override;
  void on_drained() override;

 private:
  struct FileMeta;
  struct FileState;
  enum class Format : unsigned char { kUnknown, kCri, kDocker };
  using SteadyTime = std::chrono::steady_clock::time_point;

  // Discovery.
  void rescan(bool first);
  void consider(const std::string& path, bool first);
  FileState* open_file(const std::string& path, const std::string& real_path, io::FileTailer tailer,
                       uint64_t size, bool first, bool draining);
  void recover_rotated_from_checkpoints();
  void start_draining(FileState& f);
  bool excluded(const std::string& path) const;
  void watch_parent(const std::string& path);

  // Reading.
  bool read_dirty();
  bool read_file(FileState& f, std::size_t budget);
  std::size_t process_chunk(FileState& f, const char* buf, std::size_t n, bool full_buffer);
  void handle_line(FileState& f, std::string_view line, uint64_t start);
  void emit(FileState& f, std::string_view content, const std::string_view* stream, Timestamp time,
            bool truncated);
  void flush_pending(FileState& f);
  void maybe_close(FileState& f, SteadyTime now);
  void mark_dirty(FileState& f);
  bool batch_full() const;
  bool send_batch();

  // Checkpoints.
  void commit_acks();
  void update_checkpoint(FileState& f);
  void retire_closed();
  void persist();
  void persist_new_files();

  Options options_;
  std::string host_;
  const Clock& clock_;
  std::filesystem::path checkpoint_file_;
  std::unique_ptr<io::FsWatcher> watcher_;
  io::CheckpointStore store_;
  std::unordered_set<std::string> checkpoint_paths_;  // paths known before this run started

  std::vector<std::unique_ptr<FileState>> files_;
  std::unordered_map<std::string, FileState*> by_path_;       // current file of each glob match
  std::unordered_map<std::string, FileState*> by_real_path_;  // for inotify's modified entries
  std::map<io::FileId, FileState*> by_id_;
  std::vector<FileState*> dirty_, processing_;
  std::unordered_set<std::string> seen_;
  std::unordered_set<std::string> watched_dirs_;

  std::size_t buffer_size_;
  std::unique_ptr<char[]> buffer_;
  k8s::TimestampParser timestamps_;
  k8s::DockerLineParser docker_;

  SourceContext* ctx_ = nullptr;
  BatchPtr batch_;
  std::vector<FileState*> touched_;
  bool stopping_ = false;
  bool rescan_pending_ = false;
  bool files_added_ = false;

  Counter& malformed_;
  Counter& truncated_;
  Counter& bytes_read_;
  Counter& rotated_;
  Counter& copytruncated_;
  Counter& checkpoint_errors_;
  Gauge& open_files_;
  Gauge& tracked_files_;
  Gauge& unacked_batches_;
  RateLimitedLog bad_line_log_;
  RateLimitedLog checkpoint_log_;
};

}  // namespace logferry::sources
