#include "sources/common/file_tailing.h"

#include <dirent.h>
#include <fnmatch.h>
#include <glob.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>

namespace logferry::sources {

namespace {

// Bytes read from one file before the others get their turn.
constexpr std::size_t kReadBudgetPerFile = 8 * 1024 * 1024;
// A batch is sent when its arena holds this much, whatever its event count. The sink's buffer
// holds several batches; with 2 MiB a collector's resident memory was mostly batches in flight.
constexpr std::size_t kBatchBytes = 512 * 1024;
// Events reserved up front, so the events vector does not regrow in the arena (each old array
// stays there until the batch is reset).
constexpr std::size_t kReservedEvents = 2048;
constexpr auto kCommitInterval = std::chrono::milliseconds(100);
constexpr auto kRescanDebounce = std::chrono::milliseconds(20);
// With inotify on every directory a match can appear in, the periodic pass is a safety net only.
constexpr auto kQuietRescanInterval = std::chrono::milliseconds(60000);

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

// Whether new matches of the glob can only appear in its static directory (no wildcard in a
// directory component), so a watch on that directory sees every one.
bool wildcards_in_name_only(const std::string& pattern) {
  auto wild = pattern.find_first_of("*?[");
  return wild == std::string::npos || pattern.find('/', wild) == std::string::npos;
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

// Seconds since the file was last modified; 0 if that cannot be told.
int64_t age_seconds(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return 0;
  return static_cast<int64_t>(::time(nullptr)) - static_cast<int64_t>(st.st_mtime);
}

}  // namespace

namespace {

// Relative include globs are relative to the config file, as every path option is.
TailingOptions resolved(TailingOptions options, const BuildContext& ctx) {
  for (auto& pattern : options.include) pattern = ctx.resolve(pattern);
  return options;
}

}  // namespace

FileTailing::FileTailing(const TailingOptions& options, TailingTraits traits, BuildContext& ctx,
                         TailHandler& handler)
    : options_(resolved(options, ctx)),
      traits_(std::move(traits)),
      handler_(handler),
      watcher_(options_.watch == "poll" ? io::make_polling_watcher() : io::make_inotify_watcher()),
      store_(traits_.checkpoint_file),
      buffer_size_(std::max<std::size_t>(options_.read_buffer.bytes,
                                         options_.max_line_bytes.bytes + 64 * 1024)),
      buffer_(new char[buffer_size_ + traits_.buffer_padding]),
      truncated_(ctx.metrics.counter(traits_.metric_prefix + "truncated_lines_total",
                                     "Lines cut at max_line_bytes", ctx.labels())),
      bytes_read_(ctx.metrics.counter(traits_.metric_prefix + "bytes_read_total",
                                      "Bytes read from log files", ctx.labels())),
      rotated_(ctx.metrics.counter(traits_.metric_prefix + "files_rotated_total",
                                   "Paths that came to lead to another file (rotation, restart)",
                                   ctx.labels())),
      copytruncated_(ctx.metrics.counter(traits_.metric_prefix + "files_truncated_total",
                                         "Files that shrank under the reader (copytruncate)",
                                         ctx.labels())),
      checkpoint_errors_(ctx.metrics.counter(traits_.metric_prefix + "checkpoint_errors_total",
                                             "Failed checkpoint writes", ctx.labels())),
      descriptor_waits_(ctx.metrics.counter(
          traits_.metric_prefix + "descriptor_waits_total",
          "Times a file waited for a descriptor (max_open_files reached)", ctx.labels())),
      rescans_(ctx.metrics.counter(traits_.metric_prefix + "rescans_total",
                                   "Passes over the globs (each stats every match)", ctx.labels())),
      file_checks_(ctx.metrics.counter(traits_.metric_prefix + "file_checks_total",
                                       "Matches stat'ed by rescans", ctx.labels())),
      open_files_(ctx.metrics.gauge(traits_.metric_prefix + "open_files",
                                    "Log files with an open descriptor", ctx.labels())),
      tracked_files_(ctx.metrics.gauge(traits_.metric_prefix + "tracked_files",
                                       "Log files being followed", ctx.labels())),
      unacked_batches_(ctx.metrics.gauge(
          traits_.metric_prefix + "unacked_batches",
          "Batches sent but not yet acknowledged (what a crash may repeat)", ctx.labels())) {
  std::memset(buffer_.get() + buffer_size_, 0, traits_.buffer_padding);
  raise_fd_limit();
  for (const auto& pattern : options_.include)
    if (!wildcards_in_name_only(pattern)) watches_complete_ = false;
}

FileTailing::~FileTailing() {
  open_files_.add(-open_count_);
  tracked_files_.add(-static_cast<int64_t>(files_.size()));
}

// ---------------------------------------------------------------------------------------------
// Discovery

bool FileTailing::excluded(const std::string& path) const {
  auto ends_with = [&](std::string_view suffix) {
    return path.size() >= suffix.size() &&
           path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  for (const auto& suffix : traits_.skip_suffixes)
    if (ends_with(suffix)) return true;
  const char* name = path.c_str() + path.rfind('/') + 1;  // npos + 1 == 0: the whole path
  for (const auto& pattern : options_.exclude) {
    if (::fnmatch(pattern.c_str(), path.c_str(), 0) == 0) return true;
    if (traits_.exclude_names && pattern.find('/') == std::string::npos &&
        ::fnmatch(pattern.c_str(), name, 0) == 0)
      return true;
  }
  return false;
}

void FileTailing::watch_parent(const std::string& path) { watch_dir(parent_of(path)); }

void FileTailing::watch_dir(const std::string& dir) {
  if (watcher_->is_polling() || watched_dirs_.count(dir)) return;
  if (watcher_->watch_dir(dir))
    watched_dirs_.insert(dir);
  else
    watches_complete_ = false;  // max_user_watches: the periodic rescan must find its changes
}

std::chrono::milliseconds FileTailing::rescan_interval() const {
  auto interval = std::chrono::milliseconds(options_.glob_interval.count());
  if (watcher_->is_polling() || !watches_complete_) return interval;
  return std::max(interval, kQuietRescanInterval);
}

void FileTailing::rescan(bool first) {
  rescans_.add();
  seen_.clear();
  for (const auto& pattern : options_.include) {
    watch_dir(static_prefix_dir(pattern));
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
  seen_.rehash(0);
  for (auto it = by_path_.begin(); it != by_path_.end();) {
    if (seen_.count(it->first)) {
      ++it;
      continue;
    }
    TailedFile& gone = *it->second;
    // Renamed away before its replacement appeared (kubelet renames, then the runtime reopens):
    // a rotation, as when the scan finds the new file already there. Deleted: not one.
    if (still_linked(gone)) rotated_.add();
    start_draining(gone);  // deleted, or the symlink dangles
    it = by_path_.erase(it);
  }
  rescan_pending_ = false;
}

bool FileTailing::still_linked(const TailedFile& f) const {
  uint64_t size = 0, links = 0;
  return f.tailer.stat(size, links) && links > 0;
}

void FileTailing::consider(const std::string& path, bool first) {
  uint64_t size = 0;
  file_checks_.add();
  auto id = io::file_id_of(path, &size);
  if (!id) return;
  seen_.insert(path);
  auto it = by_path_.find(path);
  if (it != by_path_.end()) {
    TailedFile& cur = *it->second;
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
  if (handler_.excluded(path)) return;
  if (!acquire_descriptor()) {
    // Opened in turn as descriptors free up (open_deferred).
    if (deferred_set_.insert(path).second) {
      deferred_.emplace_back(path, first);
      descriptor_waits_.add();
    }
    return;
  }
  auto tailer = io::FileTailer::open(path, 0);
  if (!tailer || !(tailer->id() == *id)) {
    rescan_pending_ = true;  // raced with a rotation; look again
    return;
  }
  TailedFile* f = open_file(path, resolve(path), std::move(*tailer), size, first, false);
  by_path_[path] = f;
}

uint64_t FileTailing::start_offset(const io::FileTailer& tailer, const std::string& path,
                                   uint64_t size, bool first) {
  if (const io::FileCheckpoint* cp = store_.find(tailer.id())) {
    auto fp = io::fingerprint_fd(tailer.fd(), cp->fingerprint_len);
    if (fp && *fp == cp->fingerprint && cp->offset <= size) return cp->offset;
    store_.erase(tailer.id());  // a reused inode: not the file the checkpoint was taken of
  }
  if (first && options_.read_from == "end" && !checkpoint_paths_.count(path)) return size;
  if (options_.ignore_older.count() > 0 &&
      age_seconds(tailer.fd()) * 1000 > options_.ignore_older.count())
    return size;  // old news: only what is written from now on
  return 0;
}

TailedFile* FileTailing::open_file(const std::string& path, const std::string& real_path,
                                   io::FileTailer tailer, uint64_t size, bool first,
                                   bool draining) {
  uint64_t offset = start_offset(tailer, path, size, first);
  tailer.set_offset(offset);

  auto state = std::make_unique<TailedFile>(std::move(tailer));
  TailedFile* f = state.get();
  f->path = path;
  f->real_path = real_path;
  f->next_offset = offset;
  f->committed = offset;
  auto [fp_len, fp] = f->tailer.fingerprint();
  f->fingerprint_len = fp_len;
  f->fingerprint = fp;
  f->draining = draining;
  if (draining) draining_.push_back(f);
  f->last_data = std::chrono::steady_clock::now();
  handler_.on_open(*f);
  files_.push_back(std::move(state));
  by_id_[f->tailer.id()] = f;
  if (!draining) by_real_path_[real_path] = f;
  watch_parent(path);
  watch_parent(real_path);
  note_opened();
  tracked_files_.add(1);
  update_checkpoint(*f);
  files_added_ = true;
  mark_dirty(*f);
  return f;
}

void FileTailing::recover_rotated_from_checkpoints() {
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
    bool have_descriptor = acquire_descriptor();
    TailedFile* f = open_file(cp.path, *found, std::move(*tailer), size, false, true);
    if (f->tailer.offset() == 0 && cp.offset != 0) {
      // The fingerprint did not match: open_file already dropped the entry; not our file.
      mark_closed(*f);
      f->tailer.close();
      note_closed();
    } else if (!have_descriptor) {
      // Opened only to check it is ours: reopened where it is (real_path) when its turn comes.
      f->tailer.close();
      --open_count_;
      open_files_.add(-1);
      f->dirty = false;
      dirty_.erase(std::remove(dirty_.begin(), dirty_.end(), f), dirty_.end());
      wait_for_descriptor(*f);
    }
  }
}

void FileTailing::start_draining(TailedFile& f) {
  if (f.draining) return;
  f.draining = true;
  draining_.push_back(&f);
  f.last_data = std::chrono::steady_clock::now();
  auto it = by_real_path_.find(f.real_path);
  if (it != by_real_path_.end() && it->second == &f) by_real_path_.erase(it);
  if (!f.tailer.is_open()) {
    if (!acquire_descriptor()) {
      wait_for_descriptor(f);  // reopened where it was renamed to when one is free
      return;
    }
    if (!reopen_rotated(f)) {
      mark_closed(f);
      return;
    }
    note_opened();
  }
  mark_dirty(f);
}

bool FileTailing::reopen_rotated(TailedFile& f) {
  // Closed while idle: find it again where it was renamed to, if it still exists.
  if (f.tailer.reopen(f.real_path)) return true;
  auto moved = find_in_dir(parent_of(f.real_path), f.tailer.id());
  return moved && f.tailer.reopen(*moved);
}

// ---------------------------------------------------------------------------------------------
// Descriptors

bool FileTailing::acquire_descriptor() {
  if (options_.max_open_files <= 0 || open_count_ < options_.max_open_files) return true;
  return evict_idle();
}

bool FileTailing::evict_idle() {
  // The open file quiet longest that is read to its end and holds nothing unfinished.
  TailedFile* oldest = nullptr;
  for (auto& f : files_) {
    if (!f->tailer.is_open() || f->draining || f->closed || f->dirty || f->skipping ||
        handler_.pending(*f))
      continue;
    if (oldest == nullptr || f->last_data < oldest->last_data) oldest = f.get();
  }
  if (oldest == nullptr) return false;
  oldest->tailer.close();  // reopened by path on its next change, like an idle file
  --open_count_;           // the caller takes this descriptor: nobody waiting is woken
  open_files_.add(-1);
  return true;
}

void FileTailing::wait_for_descriptor(TailedFile& f) {
  if (f.waiting) return;
  f.waiting = true;
  descriptor_waits_.add();
  waiting_.push_back(&f);
}

void FileTailing::note_opened() {
  ++open_count_;
  open_files_.add(1);
}

void FileTailing::note_closed() {
  --open_count_;
  open_files_.add(-1);
  // A descriptor is free: the first file waiting for one tries again, as do deferred new files.
  if (!waiting_.empty()) {
    TailedFile* next = waiting_.front();
    waiting_.erase(waiting_.begin());
    next->waiting = false;
    mark_dirty(*next);
  } else if (!deferred_.empty()) {
    deferred_ready_ = true;
  }
}

void FileTailing::open_deferred() {
  deferred_ready_ = false;
  // acquire_descriptor() frees one if it must; consider() then takes it.
  while (!deferred_.empty() && acquire_descriptor()) {
    auto [path, first] = std::move(deferred_.front());
    deferred_.pop_front();
    deferred_set_.erase(path);
    if (!excluded(path)) consider(path, first);
  }
  if (deferred_.empty()) {
    deferred_set_ = {};  // give the table of thousands of paths back
    deferred_ = {};
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

void FileTailing::mark_dirty(TailedFile& f) {
  if (f.dirty || f.closed || f.waiting) return;
  f.dirty = true;
  dirty_.push_back(&f);
}

void FileTailing::mark_modified_dirty(const std::vector<std::string>& modified) {
  bool unknown = false;
  for (const auto& path : modified) {
    auto it = by_real_path_.find(path);
    if (it != by_real_path_.end())
      mark_dirty(*it->second);
    else
      unknown = true;
  }
  if (!unknown) return;
  // A name no live file holds may be a rotated file still being written (the runtime writes to
  // it until it reopens). Read those now, not at the next sweep: their lines come before the
  // replacement's, which may already be readable.
  for (TailedFile* f : draining_)
    if (f->tailer.is_open()) mark_dirty(*f);
}

bool FileTailing::read_dirty() {
  processing_.swap(dirty_);
  dirty_.clear();
  // Rotated files first: their lines are older than those of the file that replaced them.
  std::stable_partition(processing_.begin(), processing_.end(),
                        [](const TailedFile* f) { return f->draining; });
  bool more = false;
  auto now = std::chrono::steady_clock::now();
  for (TailedFile* f : processing_) {
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

bool FileTailing::read_file(TailedFile& f, std::size_t budget) {
  if (!f.tailer.is_open()) {
    if (!acquire_descriptor()) {
      wait_for_descriptor(f);
      return false;
    }
    bool reopened = f.draining ? reopen_rotated(f) : f.tailer.reopen(f.path);
    if (!reopened) {
      if (f.draining) mark_closed(f);  // gone while it waited for a descriptor
      return false;  // else rotated while closed: the rescan handles it
    }
    note_opened();
  }
  std::size_t total = 0;
  char* buf = buffer_.get();
  while (total < budget) {
    auto r = f.tailer.read(buf, buffer_size_);
    if (r.error) return false;
    if (r.truncated) {
      copytruncated_.add();
      handler_.on_truncated(f);
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

std::size_t FileTailing::process_chunk(TailedFile& f, const char* buf, std::size_t n,
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
        handler_.on_line(f, std::string_view(p, static_cast<std::size_t>(end - p)), base);
        f.skipping = true;
        p = end;
      }
      break;
    }
    handler_.on_line(f, std::string_view(p, static_cast<std::size_t>(nl - p)),
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

Event& FileTailing::add_event(TailedFile& f) {
  if (!batch_) {
    batch_ = ctx_->out.new_batch();
    batch_->events().reserve(
        std::min(kReservedEvents, static_cast<std::size_t>(options_.batch_events)));
  }
  if (!f.touched) {
    f.touched = true;
    touched_.push_back(&f);
    if (f.retained) batch_->retain(f.retained);
  }
  return batch_->add();
}

void FileTailing::maybe_close(TailedFile& f, SteadyTime now) {
  if (!f.tailer.is_open()) return;
  uint64_t size = 0, links = 0;
  if (!f.tailer.stat(size, links)) return;
  if (size > f.tailer.offset()) {  // more arrived meanwhile
    mark_dirty(f);
    return;
  }
  if (f.draining) {
    // Deleted (e.g. gzipped) and read to the end, or quiet for rotate_wait: done.
    if (links == 0 || now - f.last_data >= options_.rotate_wait) {
      handler_.on_finished(f);
      f.tailer.close();
      mark_closed(f);
      note_closed();
    }
    return;
  }
  // Read to its end: another file's turn.
  bool wanted = (!waiting_.empty() || !deferred_.empty()) && !f.skipping;
  if ((wanted || now - f.last_data >= options_.close_idle_after) && !handler_.pending(f)) {
    f.tailer.close();  // reopened by path on the next change
    note_closed();
  }
}

void FileTailing::close_quiet_files(SteadyTime now) {
  // Time-driven, not by a read: quiet files get no inotify event and no rescan looks at them.
  for (auto& f : files_) {
    if (!f->tailer.is_open() || f->dirty) continue;
    auto quiet_for = f->draining ? options_.rotate_wait : options_.close_idle_after;
    if (now - f->last_data >= quiet_for) maybe_close(*f, now);
  }
}

bool FileTailing::batch_full() const {
  return batch_ && (batch_->size() >= static_cast<std::size_t>(options_.batch_events) ||
                    batch_->arena().used() >= kBatchBytes);
}

bool FileTailing::send_batch() {
  if (!batch_) return true;
  for (TailedFile* f : touched_) {
    uint64_t seq = f->window->open(handler_.resume_offset(*f, f->next_offset));
    batch_->add_finalizer(f->window->finalizer_for(seq));
    f->touched = false;
    if (!f->in_flight) {
      f->in_flight = true;
      inflight_.push_back(f);
    }
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

void FileTailing::update_checkpoint(TailedFile& f) {
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

void FileTailing::commit_acks() {
  // Only the files with batches out: an idle node with thousands of files costs nothing here.
  int64_t unacked = 0;
  std::size_t kept = 0;
  for (TailedFile* f : inflight_) {
    if (auto pos = f->window->take_committed()) {
      f->committed = *pos;
      update_checkpoint(*f);
    }
    auto n = f->window->in_flight();
    unacked += static_cast<int64_t>(n);
    if (n != 0 || f->touched)
      inflight_[kept++] = f;
    else
      f->in_flight = false;
  }
  inflight_.resize(kept);
  if (inflight_.empty()) inflight_.shrink_to_fit();
  unacked_batches_.set(unacked);
}

void FileTailing::mark_closed(TailedFile& f) {
  f.closed = true;
  if (f.draining) std::erase(draining_, &f);
  closed_pending_ = true;
}

void FileTailing::retire_closed() {
  if (!closed_pending_) return;  // the usual case: no pass over thousands of files
  closed_pending_ = false;
  for (auto& f : files_) {
    if (!f->closed) continue;
    if (f->dirty || f->touched || f->in_flight || f->waiting || f->window->in_flight() != 0) {
      closed_pending_ = true;  // look again next time
      continue;
    }
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

void FileTailing::persist_new_files() {
  // A file's entry is on disk before any of its lines is delivered: were it rotated away while
  // logferry is down, the restart must still know it (by inode) to read the rest of it.
  if (!files_added_) return;
  files_added_ = false;
  persist();
}

void FileTailing::persist() {
  commit_acks();
  if (traits_.checkpoint_file.empty()) return;
  if (auto r = store_.save(); !r) {
    checkpoint_errors_.add();
    checkpoint_log_.warn("{}: cannot write checkpoints: {}", traits_.type, r.error().message);
  }
}

// ---------------------------------------------------------------------------------------------
// The loop

void FileTailing::run(SourceContext& ctx) {
  ctx_ = &ctx;
  if (!traits_.checkpoint_file.empty()) {
    if (auto r = store_.load(); !r)
      log_warn("{}: {} (starting without those checkpoints)", traits_.type, r.error().message);
  }
  for (const auto& cp : store_.entries()) checkpoint_paths_.insert(cp.path);
  rescan(/*first=*/true);
  recover_rotated_from_checkpoints();
  persist_new_files();

  using Clock = std::chrono::steady_clock;
  auto now = Clock::now();
  auto next_scan = now + rescan_interval();
  auto next_persist = now + options_.checkpoint_interval;
  auto next_commit = now + kCommitInterval;
  auto last_scan = now;
  auto next_sweep = now + options_.glob_interval;
  io::FsWatcher::Changes changes;
  while (!ctx.stop.stop_requested() && !stopping_) {
    if (deferred_ready_) open_deferred();
    bool more = read_dirty();
    if (stopping_ || !send_batch()) break;
    now = Clock::now();
    if (now >= next_commit) {
      commit_acks();
      retire_closed();
      next_commit = now + kCommitInterval;
    }
    if (now >= next_sweep) {
      close_quiet_files(now);
      next_sweep = now + options_.glob_interval;
    }
    if (now >= next_persist) {
      persist();
      next_persist = now + options_.checkpoint_interval;
    }
    auto timeout = std::chrono::milliseconds(0);
    if (!more && !deferred_ready_) {
      auto until = std::min({next_scan, next_persist, next_sweep});
      if (!inflight_.empty()) until = std::min(until, next_commit);
      if (rescan_pending_) until = std::min(until, last_scan + kRescanDebounce);
      timeout = std::max(std::chrono::milliseconds(0),
                         std::chrono::duration_cast<std::chrono::milliseconds>(until - now));
    }
    changes.clear();
    watcher_->wait(timeout, changes);
    mark_modified_dirty(changes.modified);
    if (changes.structure_changed) rescan_pending_ = true;
    now = Clock::now();
    if (now >= next_scan) {
      // The periodic pass: new and vanished files, and every open file looked at once
      // (the polling fallback, and what inotify might have missed).
      rescan(false);
      for (auto& f : files_)
        if (f->tailer.is_open()) mark_dirty(*f);
      next_scan = now + rescan_interval();
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

}  // namespace logferry::sources
