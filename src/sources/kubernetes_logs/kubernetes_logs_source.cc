#include "sources/kubernetes_logs/kubernetes_logs_source.h"

#include <dirent.h>
#include <fnmatch.h>
#include <glob.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "sources/kubernetes_logs/path_metadata.h"

namespace logferry::sources {

using k8s::LineJoiner;
using k8s::LogLine;

namespace {

constexpr std::string_view kStdout = "stdout";
constexpr std::string_view kStderr = "stderr";
// Bytes read from one file before the others get their turn.
constexpr std::size_t kReadBudgetPerFile = 8 * 1024 * 1024;
// A batch is sent when its arena holds this much, whatever its event count.
constexpr std::size_t kBatchBytes = 2 * 1024 * 1024;
constexpr auto kCommitInterval = std::chrono::milliseconds(100);
constexpr auto kRescanDebounce = std::chrono::milliseconds(20);

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string resolve(const std::string& path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) == nullptr) return path;
  return buf;
}

// The directory a glob starts from: its components up to the first one with a wildcard.
std::string static_prefix_dir(const std::string& pattern) {
  auto wild = pattern.find_first_of("*?[");
  std::string head = wild == std::string::npos ? pattern : pattern.substr(0, wild);
  return parent_of(head + "x");
}

// Finds the file with identity `id` in `dir` (a rotated file renamed next to its old name).
std::optional<std::string> find_in_dir(const std::string& dir, const io::FileId& id) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return std::nullopt;
  std::optional<std::string> found;
  while (dirent* e = ::readdir(d)) {
    if (e->d_ino != id.ino) continue;
    std::string p = dir + "/" + e->d_name;
    if (auto fid = io::file_id_of(p); fid && *fid == id) {
      found = std::move(p);
      break;
    }
  }
  ::closedir(d);
  return found;
}

void raise_fd_limit() {
  rlimit rl;
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
}

}  // namespace

// Strings every event of a file refers to; batches retain it, events only hold views.
struct KubernetesLogsSource::FileMeta {
  std::string source, namespace_name, pod, container, container_id, pod_uid, host;
};

struct KubernetesLogsSource::FileState {
  FileState(io::FileTailer t, std::size_t max_line) : tailer(std::move(t)), joiner(max_line) {}
  std::string path;       // as matched by the globs
  std::string real_path;  // what it led to when opened
  io::FileTailer tailer;
  std::shared_ptr<const FileMeta> meta;
  LineJoiner joiner;
  std::shared_ptr<AckWindow<uint64_t>> window = std::make_shared<AckWindow<uint64_t>>();
  Format format = Format::kUnknown;
  uint64_t next_offset = 0;       // after the last whole line processed
  uint64_t committed = 0;         // delivered up to here
  uint32_t fingerprint_len = 0;
  uint64_t fingerprint = 0;
  SteadyTime last_data{};
  bool draining = false;  // no longer what its path leads to: read to the end, then close
  bool closed = false;    // done; waits for its last batches to be acknowledged
  bool skipping = false;  // inside a line longer than the read buffer
  bool dirty = false;
  bool touched = false;
};

void KubernetesLogsSource::describe(config::Schema<Options>& s) {
  s.field("include", &Options::include).doc("Globs of log files to tail.");
  s.field("exclude", &Options::exclude).doc("Globs of paths to skip (matched against the path as found).");
  s.field("read_from", &Options::read_from).one_of({"beginning", "end"})
      .doc("Where to start in files present at startup that have no checkpoint.");
  s.field("max_line_bytes", &Options::max_line_bytes)
      .doc("Joined lines longer than this are cut, counted and marked `truncated: true`.");
  s.field("glob_interval", &Options::glob_interval)
      .doc("Rescan period of the globs; also the polling period when inotify is unavailable.");
  s.field("watch", &Options::watch).one_of({"inotify", "poll"})
      .doc("How changes are noticed: inotify (falls back to polling if unavailable) or poll.");
  s.field("rotate_wait", &Options::rotate_wait)
      .doc("How long a rotated file that still exists is kept open after its last data.");
  s.field("close_idle_after", &Options::close_idle_after)
      .doc("Descriptors of files without new data for this long are closed (reopened on change).");
  s.field("checkpoint_interval", &Options::checkpoint_interval)
      .doc("How often acknowledged positions are written to data_dir.");
  s.field("batch_events", &Options::batch_events).range(1, 1 << 20).doc("Events per batch, at most.");
  s.field("read_buffer", &Options::read_buffer)
      .doc("Bytes read at once (at least max_line_bytes + 64 KiB is used).");
  s.check([](const Options& o, config::CheckContext& c) {
    if (o.max_line_bytes.bytes < 16 || o.max_line_bytes.bytes > (1ull << 30))
      c.error("max_line_bytes", "must be between 16 bytes and 1 GiB");
    if (o.glob_interval.count() <= 0) c.error("glob_interval", "must be positive");
    if (o.include.empty()) c.error("include", "needs at least one glob");
  });
}

Result<std::unique_ptr<Source>> KubernetesLogsSource::build(const Options& options,
                                                             BuildContext& ctx) {
  std::error_code ec;
  std::filesystem::create_directories(ctx.data_dir, ec);
  if (ec)
    return unexpected(ErrorCode::kPermissionDenied,
                      "cannot create " + ctx.data_dir.string() + ": " + ec.message());
  auto source = std::make_unique<KubernetesLogsSource>(options, ctx);
  return std::unique_ptr<Source>(std::move(source));
}

KubernetesLogsSource::KubernetesLogsSource(Options options, BuildContext& ctx)
    : options_(std::move(options)),
      host_(ctx.node_name),
      clock_(ctx.clock),
      checkpoint_file_(ctx.data_dir / "checkpoints"),
      watcher_(options_.watch == "poll" ? io::make_polling_watcher() : io::make_inotify_watcher()),
      store_(checkpoint_file_),
      buffer_size_(std::max<std::size_t>(options_.read_buffer.bytes,
                                         options_.max_line_bytes.bytes + 64 * 1024)),
      buffer_(new char[buffer_size_ + simdjson::SIMDJSON_PADDING]),
      malformed_(ctx.metrics.counter("logferry_kubernetes_logs_malformed_lines_total",
                                     "Lines that were neither CRI nor Docker json-file (kept raw)",
                                     ctx.labels())),
      truncated_(ctx.metrics.counter("logferry_kubernetes_logs_truncated_lines_total",
                                     "Lines cut at max_line_bytes", ctx.labels())),
      bytes_read_(ctx.metrics.counter("logferry_kubernetes_logs_bytes_read_total",
                                      "Bytes read from log files", ctx.labels())),
      rotated_(ctx.metrics.counter("logferry_kubernetes_logs_files_rotated_total",
                                   "Paths that came to lead to another file (rotation, restart)",
                                   ctx.labels())),
      copytruncated_(ctx.metrics.counter("logferry_kubernetes_logs_files_truncated_total",
                                         "Files that shrank under the reader (copytruncate)",
                                         ctx.labels())),
      checkpoint_errors_(ctx.metrics.counter("logferry_kubernetes_logs_checkpoint_errors_total",
                                             "Failed checkpoint writes", ctx.labels())),
      open_files_(ctx.metrics.gauge("logferry_kubernetes_logs_open_files",
                                    "Log files with an open descriptor", ctx.labels())),
      tracked_files_(ctx.metrics.gauge("logferry_kubernetes_logs_tracked_files",
                                       "Log files being followed", ctx.labels())),
      unacked_batches_(ctx.metrics.gauge(
          "logferry_kubernetes_logs_unacked_batches",
          "Batches sent but not yet acknowledged (what a crash may repeat)", ctx.labels())) {
  std::memset(buffer_.get() + buffer_size_, 0, simdjson::SIMDJSON_PADDING);
  raise_fd_limit();
}

KubernetesLogsSource::~KubernetesLogsSource() {
  open_files_.add(-static_cast<int64_t>(std::count_if(
      files_.begin(), files_.end(), [](const auto& f) { return f->tailer.is_open(); })));
  tracked_files_.add(-static_cast<int64_t>(files_.size()));
}

// ---------------------------------------------------------------------------------------------
// Discovery

bool KubernetesLogsSource::excluded(const std::string& path) const {
  // Kubelet's compressed and temporary rotation files are new inodes with old content.
  auto ends_with = [&](std::string_view suffix) {
    return path.size() >= suffix.size() &&
           path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends_with(".gz") || ends_with(".tmp") || ends_with(".zst")) return true;
  for (const auto& pattern : options_.exclude)
    if (::fnmatch(pattern.c_str(), path.c_str(), 0) == 0) return true;
  return false;
}

void KubernetesLogsSource::watch_parent(const std::string& path) {
  std::string dir = parent_of(path);
  if (watched_dirs_.insert(dir).second) watcher_->watch_dir(dir);
}

void KubernetesLogsSource::rescan(bool first) {
  seen_.clear();
  for (const auto& pattern : options_.include) {
    std::string dir = static_prefix_dir(pattern);
    if (!watcher_->is_polling() && watcher_->watch_dir(dir)) watched_dirs_.insert(dir);
    glob_t g{};
    if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
      for (std::size_t i = 0; i < g.gl_pathc; ++i) {
        std::string path = g.gl_pathv[i];
        if (excluded(path) || seen_.count(path)) continue;
        consider(path, first);
      }
    }
    ::globfree(&g);
  }
  for (auto it = by_path_.begin(); it != by_path_.end();) {
    if (seen_.count(it->first)) {
      ++it;
      continue;
    }
    start_draining(*it->second);  // deleted, or the symlink dangles
    it = by_path_.erase(it);
  }
  rescan_pending_ = false;
}

void KubernetesLogsSource::consider(const std::string& path, bool first) {
  uint64_t size = 0;
  auto id = io::file_id_of(path, &size);
  if (!id) return;
  seen_.insert(path);
  auto it = by_path_.find(path);
  if (it != by_path_.end()) {
    FileState& cur = *it->second;
    if (cur.tailer.id() == *id) {
      if (!cur.tailer.is_open() && size != cur.tailer.offset()) mark_dirty(cur);
      return;
    }
    // Rename rotation, copy to a new inode, or symlink retargeted after a container restart.
    rotated_.add();
    start_draining(cur);
    by_path_.erase(it);
  }
  if (by_id_.count(*id)) return;  // the same file under another path, or one being drained
  auto tailer = io::FileTailer::open(path, 0);
  if (!tailer || !(tailer->id() == *id)) {
    rescan_pending_ = true;  // raced with a rotation; look again
    return;
  }
  FileState* f = open_file(path, resolve(path), std::move(*tailer), size, first, false);
  by_path_[path] = f;
}

KubernetesLogsSource::FileState* KubernetesLogsSource::open_file(
    const std::string& path, const std::string& real_path, io::FileTailer tailer, uint64_t size,
    bool first, bool draining) {
  uint64_t offset = 0;
  const io::FileCheckpoint* cp = store_.find(tailer.id());
  if (cp != nullptr) {
    auto fp = io::fingerprint_fd(tailer.fd(), cp->fingerprint_len);
    if (fp && *fp == cp->fingerprint && cp->offset <= size) {
      offset = cp->offset;
    } else {
      store_.erase(tailer.id());  // a reused inode: not the file the checkpoint was taken of
      cp = nullptr;
    }
  }
  if (cp == nullptr && first && options_.read_from == "end" && !checkpoint_paths_.count(path))
    offset = size;
  tailer.set_offset(offset);

  auto state = std::make_unique<FileState>(std::move(tailer), options_.max_line_bytes.bytes);
  FileState* f = state.get();
  f->path = path;
  f->real_path = real_path;
  f->next_offset = offset;
  f->committed = offset;
  auto [fp_len, fp] = f->tailer.fingerprint();
  f->fingerprint_len = fp_len;
  f->fingerprint = fp;
  f->draining = draining;
  f->last_data = std::chrono::steady_clock::now();
  k8s::PodMetadata pm = k8s::parse_path_metadata(path, real_path);
  auto meta = std::make_shared<FileMeta>();
  meta->source = path;
  meta->namespace_name = std::move(pm.namespace_name);
  meta->pod = std::move(pm.pod);
  meta->container = std::move(pm.container);
  meta->container_id = std::move(pm.container_id);
  meta->pod_uid = std::move(pm.pod_uid);
  meta->host = host_;
  f->meta = std::move(meta);
  files_.push_back(std::move(state));
  by_id_[f->tailer.id()] = f;
  if (!draining) by_real_path_[real_path] = f;
  if (!watcher_->is_polling()) {
    watch_parent(path);
    watch_parent(real_path);
  }
  open_files_.add(1);
  tracked_files_.add(1);
  update_checkpoint(*f);
  files_added_ = true;
  mark_dirty(*f);
  return f;
}

void KubernetesLogsSource::recover_rotated_from_checkpoints() {
  // Files rotated while we were stopped: their path now leads to a new file, but the old one
  // usually still sits next to it (0.log.<timestamp>) with lines we had not delivered.
  for (const auto& cp : store_.entries()) {
    if (by_id_.count(cp.id)) continue;
    std::optional<std::string> found;
    if (!cp.real_path.empty()) found = find_in_dir(parent_of(cp.real_path), cp.id);
    if (!found) {
      store_.erase(cp.id);
      continue;
    }
    auto tailer = io::FileTailer::open(*found, 0);
    uint64_t size = 0, links = 0;
    if (!tailer || !(tailer->id() == cp.id) || !tailer->stat(size, links)) {
      store_.erase(cp.id);
      continue;
    }
    FileState* f = open_file(cp.path, *found, std::move(*tailer), size, false, true);
    if (f->tailer.offset() == 0 && cp.offset != 0) {
      // The fingerprint did not match: open_file already dropped the entry; not our file.
      f->closed = true;
      f->tailer.close();
      open_files_.add(-1);
    }
  }
}

void KubernetesLogsSource::start_draining(FileState& f) {
  if (f.draining) return;
  f.draining = true;
  f.last_data = std::chrono::steady_clock::now();
  auto it = by_real_path_.find(f.real_path);
  if (it != by_real_path_.end() && it->second == &f) by_real_path_.erase(it);
  if (!f.tailer.is_open()) {
    // Closed while idle: find it again where kubelet renamed it, if it still exists.
    bool reopened = f.tailer.reopen(f.real_path);
    if (!reopened) {
      if (auto moved = find_in_dir(parent_of(f.real_path), f.tailer.id()))
        reopened = f.tailer.reopen(*moved);
    }
    if (reopened) {
      open_files_.add(1);
    } else {
      f.closed = true;
      return;
    }
  }
  mark_dirty(f);
}

// ---------------------------------------------------------------------------------------------
// Reading

void KubernetesLogsSource::mark_dirty(FileState& f) {
  if (f.dirty || f.closed) return;
  f.dirty = true;
  dirty_.push_back(&f);
}

bool KubernetesLogsSource::read_dirty() {
  processing_.swap(dirty_);
  dirty_.clear();
  // Rotated files first: their lines are older than those of the file that replaced them.
  std::stable_partition(processing_.begin(), processing_.end(),
                        [](const FileState* f) { return f->draining; });
  bool more = false;
  auto now = std::chrono::steady_clock::now();
  for (FileState* f : processing_) {
    f->dirty = false;
    if (f->closed || stopping_) continue;
    bool left = read_file(*f, kReadBudgetPerFile);
    if (stopping_) break;
    if (left) {
      mark_dirty(*f);
      more = true;
    } else {
      maybe_close(*f, now);
    }
  }
  processing_.clear();
  return more;
}

bool KubernetesLogsSource::read_file(FileState& f, std::size_t budget) {
  if (!f.tailer.is_open()) {
    if (!f.tailer.reopen(f.path)) return false;  // rotated while closed: the rescan handles it
    open_files_.add(1);
  }
  std::size_t total = 0;
  char* buf = buffer_.get();
  while (total < budget) {
    auto r = f.tailer.read(buf, buffer_size_);
    if (r.error) return false;
    if (r.truncated) {
      copytruncated_.add();
      f.joiner.reset();
      f.skipping = false;
      f.next_offset = 0;
      f.fingerprint_len = 0;  // new content at the start: fingerprint it again
      continue;
    }
    if (r.bytes == 0) return false;
    total += r.bytes;
    bytes_read_.add(r.bytes);
    f.last_data = std::chrono::steady_clock::now();
    std::size_t used = process_chunk(f, buf, r.bytes, r.bytes == buffer_size_);
    f.tailer.consume(used);
    if (stopping_) return false;
    // A short read reached the end of the file; an unfinished line there waits for the rest.
    if (r.bytes < buffer_size_) return false;
  }
  return true;
}

std::size_t KubernetesLogsSource::process_chunk(FileState& f, const char* buf, std::size_t n,
                                                bool full_buffer) {
  const char* p = buf;
  const char* end = buf + n;
  const uint64_t base = f.tailer.offset();
  if (f.skipping) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', n));
    if (nl == nullptr) return n;  // still inside the overlong line
    p = nl + 1;
    f.skipping = false;
    f.next_offset = base + static_cast<uint64_t>(p - buf);
  }
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    if (nl == nullptr) {
      if (p == buf && full_buffer) {
        // One line longer than the whole buffer: keep its start (cut and marked), skip the rest.
        handle_line(f, std::string_view(p, static_cast<std::size_t>(end - p)), base);
        f.skipping = true;
        p = end;
      }
      break;
    }
    handle_line(f, std::string_view(p, static_cast<std::size_t>(nl - p)),
                base + static_cast<uint64_t>(p - buf));
    p = nl + 1;
    if (!f.skipping) f.next_offset = base + static_cast<uint64_t>(p - buf);
    if (batch_full() && !send_batch()) {
      stopping_ = true;
      break;
    }
  }
  return static_cast<std::size_t>(p - buf);
}

void KubernetesLogsSource::handle_line(FileState& f, std::string_view line, uint64_t start) {
  if (line.empty()) return;  // not a record in either format; nothing to keep
  if (f.format == Format::kUnknown) f.format = line[0] == '{' ? Format::kDocker : Format::kCri;
  LogLine parsed;
  bool ok = f.format == Format::kCri ? k8s::parse_cri_line(line, parsed, timestamps_)
                                     : docker_.parse(line, /*padded=*/true, parsed);
  if (!ok) {
    malformed_.add();
    bad_line_log_.warn("kubernetes_logs: {}: line at offset {} is not {} (kept as is)", f.path,
                       start, f.format == Format::kCri ? "CRI" : "Docker json-file");
    bool cut = line.size() > options_.max_line_bytes.bytes;
    if (cut) line = line.substr(0, options_.max_line_bytes.bytes);
    emit(f, line, nullptr, clock_.now(), cut || f.skipping);
    return;
  }
  LineJoiner::Joined joined;
  if (!f.joiner.add(parsed, start, joined)) return;
  const std::string_view* stream = parsed.stream == k8s::StreamKind::kStdout ? &kStdout : &kStderr;
  emit(f, joined.content, stream, joined.time, joined.truncated);
}

void KubernetesLogsSource::emit(FileState& f, std::string_view content,
                                const std::string_view* stream, Timestamp time, bool truncated) {
  if (!batch_) batch_ = ctx_->out.new_batch();
  EventBatch& batch = *batch_;
  Arena& arena = batch.arena();
  Event& e = batch.add();
  const FileMeta& m = *f.meta;
  auto& fields = e.root().fields;
  fields.reserve(8);
  fields.push_back({"log", Value::string(arena.copy(content))});
  if (stream != nullptr) fields.push_back({"stream", Value::string(*stream)});
  fields.push_back({"@timestamp", Value::timestamp(time)});
  Object* k = e.new_object();
  k->fields.reserve(5);
  if (!m.namespace_name.empty()) k->fields.push_back({"namespace", Value::string(m.namespace_name)});
  if (!m.pod.empty()) k->fields.push_back({"pod", Value::string(m.pod)});
  if (!m.container.empty()) k->fields.push_back({"container", Value::string(m.container)});
  if (!m.container_id.empty()) k->fields.push_back({"container_id", Value::string(m.container_id)});
  if (!m.pod_uid.empty()) k->fields.push_back({"pod_uid", Value::string(m.pod_uid)});
  fields.push_back({"kubernetes", Value::object(k)});
  fields.push_back({"source", Value::string(m.source)});
  fields.push_back({"host", Value::string(m.host)});
  if (truncated) {
    fields.push_back({"truncated", Value::boolean(true)});
    truncated_.add();
  }
  if (!f.touched) {
    f.touched = true;
    touched_.push_back(&f);
    batch.retain(f.meta);
  }
}

void KubernetesLogsSource::flush_pending(FileState& f) {
  for (auto stream : {k8s::StreamKind::kStdout, k8s::StreamKind::kStderr}) {
    LineJoiner::Joined joined;
    if (f.joiner.flush(stream, joined))
      emit(f, joined.content, stream == k8s::StreamKind::kStdout ? &kStdout : &kStderr,
           joined.time, joined.truncated);
  }
}

void KubernetesLogsSource::maybe_close(FileState& f, SteadyTime now) {
  if (!f.tailer.is_open()) return;
  uint64_t size = 0, links = 0;
  if (!f.tailer.stat(size, links)) return;
  if (size > f.tailer.offset()) {  // more arrived meanwhile
    mark_dirty(f);
    return;
  }
  if (f.draining) {
    // Deleted (kubelet gzipped it) and read to the end, or quiet for rotate_wait: done.
    if (links == 0 || now - f.last_data >= options_.rotate_wait) {
      flush_pending(f);
      f.tailer.close();
      f.closed = true;
      open_files_.add(-1);
    }
    return;
  }
  if (now - f.last_data >= options_.close_idle_after && !f.joiner.pending()) {
    f.tailer.close();  // reopened by path on the next change
    open_files_.add(-1);
  }
}

bool KubernetesLogsSource::batch_full() const {
  return batch_ && (batch_->size() >= static_cast<std::size_t>(options_.batch_events) ||
                    batch_->arena().used() >= kBatchBytes);
}

bool KubernetesLogsSource::send_batch() {
  if (!batch_) return true;
  for (FileState* f : touched_) {
    uint64_t seq = f->window->open(f->joiner.resume_offset(f->next_offset));
    batch_->add_finalizer(f->window->finalizer_for(seq));
    f->touched = false;
  }
  touched_.clear();
  if (batch_->empty()) {
    batch_.reset();
    return true;
  }
  return ctx_->out.send(std::move(batch_));
}

// ---------------------------------------------------------------------------------------------
// Checkpoints

void KubernetesLogsSource::update_checkpoint(FileState& f) {
  if (f.fingerprint_len < io::FileTailer::kFingerprintBytes && f.tailer.is_open() &&
      f.committed > f.fingerprint_len) {
    auto [len, fp] = f.tailer.fingerprint();
    f.fingerprint_len = len;
    f.fingerprint = fp;
  }
  io::FileCheckpoint cp;
  cp.id = f.tailer.id();
  cp.offset = f.committed;
  cp.fingerprint_len = f.fingerprint_len;
  cp.fingerprint = f.fingerprint;
  cp.path = f.path;
  cp.real_path = f.real_path;
  store_.put(cp);
}

void KubernetesLogsSource::commit_acks() {
  int64_t unacked = 0;
  for (auto& f : files_) {
    if (auto pos = f->window->take_committed()) {
      f->committed = *pos;
      update_checkpoint(*f);
    }
    unacked += static_cast<int64_t>(f->window->in_flight());
  }
  unacked_batches_.set(unacked);
}

void KubernetesLogsSource::retire_closed() {
  for (auto& f : files_) {
    if (!f->closed || f->dirty || f->touched || f->window->in_flight() != 0) continue;
    // Everything it had is delivered and the file is gone or rotated away: forget it.
    store_.erase(f->tailer.id());
    auto it = by_id_.find(f->tailer.id());
    if (it != by_id_.end() && it->second == f.get()) by_id_.erase(it);
    auto rp = by_real_path_.find(f->real_path);
    if (rp != by_real_path_.end() && rp->second == f.get()) by_real_path_.erase(rp);
    auto bp = by_path_.find(f->path);
    if (bp != by_path_.end() && bp->second == f.get()) by_path_.erase(bp);
    tracked_files_.add(-1);
    f.reset();
  }
  files_.erase(std::remove(files_.begin(), files_.end(), nullptr), files_.end());
}

void KubernetesLogsSource::persist_new_files() {
  // A file's entry is on disk before any of its lines is delivered: were it rotated away while
  // logferry is down, the restart must still know it (by inode) to read the rest of it.
  if (!files_added_) return;
  files_added_ = false;
  persist();
}

void KubernetesLogsSource::persist() {
  commit_acks();
  if (auto r = store_.save(); !r) {
    checkpoint_errors_.add();
    checkpoint_log_.warn("kubernetes_logs: cannot write checkpoints: {}", r.error().message);
  }
}

// ---------------------------------------------------------------------------------------------
// The loop

void KubernetesLogsSource::run(SourceContext& ctx) {
  ctx_ = &ctx;
  if (auto r = store_.load(); !r)
    log_warn("kubernetes_logs: {} (starting without those checkpoints)", r.error().message);
  for (const auto& cp : store_.entries()) checkpoint_paths_.insert(cp.path);
  rescan(/*first=*/true);
  recover_rotated_from_checkpoints();
  persist_new_files();

  using Clock = std::chrono::steady_clock;
  auto now = Clock::now();
  auto next_scan = now + options_.glob_interval;
  auto next_persist = now + options_.checkpoint_interval;
  auto next_commit = now + kCommitInterval;
  auto last_scan = now;
  io::FsWatcher::Changes changes;
  while (!ctx.stop.stop_requested() && !stopping_) {
    bool more = read_dirty();
    if (stopping_ || !send_batch()) break;
    now = Clock::now();
    if (now >= next_commit) {
      commit_acks();
      retire_closed();
      next_commit = now + kCommitInterval;
    }
    if (now >= next_persist) {
      persist();
      next_persist = now + options_.checkpoint_interval;
    }
    auto timeout = std::chrono::milliseconds(0);
    if (!more) {
      auto until = std::min({next_scan, next_persist, next_commit});
      if (rescan_pending_) until = std::min(until, last_scan + kRescanDebounce);
      timeout = std::max(std::chrono::milliseconds(0),
                         std::chrono::duration_cast<std::chrono::milliseconds>(until - now));
    }
    changes.clear();
    watcher_->wait(timeout, changes);
    for (const auto& path : changes.modified) {
      auto it = by_real_path_.find(path);
      if (it != by_real_path_.end()) mark_dirty(*it->second);
    }
    if (changes.structure_changed) rescan_pending_ = true;
    now = Clock::now();
    if (now >= next_scan) {
      // The periodic pass: new and vanished files, and every open file looked at once
      // (the polling fallback, and what inotify might have missed).
      rescan(false);
      for (auto& f : files_)
        if (f->tailer.is_open()) mark_dirty(*f);
      next_scan = now + options_.glob_interval;
      last_scan = now;
    } else if (rescan_pending_ && now >= last_scan + kRescanDebounce) {
      rescan(false);
      last_scan = now;
    }
    persist_new_files();
  }
  if (batch_) {
    // Never sent (stopping): nothing was acknowledged for it.
    touched_.clear();
    for (auto& f : files_) f->touched = false;
    batch_.reset();
  }
  persist();
}

void KubernetesLogsSource::interrupt() { watcher_->wake(); }

void KubernetesLogsSource::on_drained() { persist(); }

}  // namespace logferry::sources
