#include "io/rotating_file_set.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace logferry::io {

namespace {

constexpr std::size_t kWriteEarlyBytes = 4 * 1024 * 1024;  // bounds a file's pending buffer
// Buffers kept per open file between batches; a larger one (a burst into one file) is released
// so hundreds of open files do not each hold their largest batch ever.
constexpr std::size_t kKeepBufferBytes = 256 * 1024;
constexpr std::chrono::seconds kSweepInterval(60);
// How often a file being written is checked for a rename by someone else (one stat).
constexpr std::chrono::milliseconds kFollowInterval(100);

// Errors no retry can fix: the path itself is unusable.
bool permanent_path_error(int err) {
  return err == EISDIR || err == ENAMETOOLONG || err == ENOTDIR || err == ELOOP || err == EINVAL ||
         err == EEXIST;
}

Error path_error(const std::string& what, std::string_view path, int err) {
  return Error{permanent_path_error(err) ? ErrorCode::kInvalidArgument : ErrorCode::kUnavailable,
               what + " " + std::string(path) + ": " + std::strerror(err)};
}

// mkdir -p with an exact mode for the directories it creates.
bool make_dirs(const std::string& dir, mode_t mode, int& err) {
  if (dir.empty()) return true;
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return true;
    err = ENOTDIR;
    return false;
  }
  auto slash = dir.find_last_of('/');
  if (slash != std::string::npos && slash > 0 && !make_dirs(dir.substr(0, slash), mode, err))
    return false;
  if (::mkdir(dir.c_str(), mode) != 0) {
    if (errno == EEXIST) return true;
    err = errno;
    return false;
  }
  ::chmod(dir.c_str(), mode);  // exact mode regardless of the umask
  return true;
}

std::string parent_dir(std::string_view path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string_view::npos) return {};
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

void sync_dir(const std::string& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

struct Opened {
  int fd = -1;
  bool created = false;
  int err = 0;                        // when fd < 0
  const char* what = "cannot open";   // what failed, for the message
};

// Opens `p` for appending (O_APPEND: writes go to the end even after someone else truncated
// the file), creating it and its missing directories.
Opened open_for_append(const std::string& p, mode_t file_mode, mode_t dir_mode) {
  Opened o;
  for (int attempt = 0; attempt < 3; ++attempt) {
    o.fd = ::open(p.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, file_mode);
    if (o.fd >= 0) {
      o.created = true;
      ::fchmod(o.fd, file_mode);  // exact mode regardless of the umask
      return o;
    }
    if (errno == EEXIST) {
      o.fd = ::open(p.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
      if (o.fd >= 0 || errno != ENOENT) break;
      continue;  // removed in between: create it
    }
    if (errno == ENOENT) {
      int err = 0;
      if (!make_dirs(parent_dir(p), dir_mode, err)) {
        o.err = err;
        o.what = "cannot create the directory of";
        return o;
      }
      continue;
    }
    break;
  }
  if (o.fd < 0) o.err = errno;
  return o;
}

// When an existing file was created, if the file system knows; else `now`.
Timestamp creation_time(int fd, Timestamp now) {
  struct statx sx {};
  if (::statx(fd, "", AT_EMPTY_PATH, STATX_BTIME, &sx) == 0 && (sx.stx_mask & STATX_BTIME)) {
    Timestamp born{static_cast<int64_t>(sx.stx_btime.tv_sec) * 1'000'000'000 + sx.stx_btime.tv_nsec};
    if (born.ns < now.ns) return born;
  }
  return now;
}

}  // namespace

std::string_view fault_name(FileFault f) {
  switch (f) {
    case FileFault::kDiskFull: return "disk_full";
    case FileFault::kPermission: return "permission";
    case FileFault::kReadOnly: return "read_only";
    case FileFault::kDeleted: return "deleted";
    case FileFault::kOther: break;
  }
  return "other";
}

FileFault classify_errno(int err) {
  switch (err) {
    case ENOSPC: case EDQUOT: return FileFault::kDiskFull;
    case EACCES: case EPERM: return FileFault::kPermission;
    case EROFS: return FileFault::kReadOnly;
    default: return FileFault::kOther;
  }
}

RotatingFileSet::RotatingFileSet(RotatingFileSetOptions options, const Clock& clock,
                                 RotatingFileSetCounters counters)
    : options_(options),
      clock_(clock),
      counters_(counters),
      housekeeper_(options.compression, options.retention, clock, counters.housekeeping) {
  if (options_.max_open_files == 0) options_.max_open_files = 1;
  last_sync_ = last_sweep_ = last_identity_check_ = clock_.now();
}

RotatingFileSet::~RotatingFileSet() {
  if (auto r = commit(); !r) log_warn("file sink: at close: {}", r.error().message);
  while (!lru_.empty()) {
    if (auto r = close(std::prev(lru_.end())); !r) log_warn("file sink: at close: {}", r.error().message);
  }
}

RotatingFileSet::File* RotatingFileSet::find(std::string_view path) const {
  auto it = files_.find(path);
  return it == files_.end() ? nullptr : &*it->second;
}

Result<RotatingFileSet::File*> RotatingFileSet::open(std::string_view path, Timestamp now) {
  while (files_.size() >= options_.max_open_files) {
    if (auto r = close(std::prev(lru_.end())); !r) return unexpected(r.error());
  }
  lru_.emplace_front();
  File& f = lru_.front();
  f.path = std::string(path);
  auto created = open_into(f, now);
  if (!created) {
    lru_.pop_front();
    return unexpected(created.error());
  }
  f.last_write = now;
  files_.emplace(f.path, lru_.begin());
  if (counters_.opened) counters_.opened->add();
  update_gauge();
  // Compress what a previous run left behind and apply retention.
  if (!*created) housekeeper_.schedule(f.path);
  return &f;
}

Result<void> RotatingFileSet::append(std::string_view path, std::string_view line) {
  Timestamp now = clock_.now();
  File* f = (last_ != nullptr && last_->path == path) ? last_ : find(path);
  if (f == nullptr) {
    auto opened = open(path, now);
    if (!opened) return unexpected(opened.error());
    f = *opened;
  } else if (&lru_.front() != f) {
    lru_.splice(lru_.begin(), lru_, files_.find(path)->second);
  }
  last_ = f;
  uint64_t used = f->size + f->pending.size();
  if (used > 0) {
    bool too_old = options_.max_age.count() > 0 && now.ns - f->age_start.ns >= options_.max_age.count();
    bool too_big = options_.max_size > 0 && used + line.size() > options_.max_size;
    if (too_big && !too_old && follow_truncation(*f)) {  // copytruncate'd meanwhile: recount
      too_big = f->size + f->pending.size() + line.size() > options_.max_size;
    }
    if (too_old || too_big) {
      if (auto r = rotate(*f, now); !r) return r;
    }
  }
  f->pending.append(line);
  if (!f->touched) {
    f->touched = true;
    touched_.push_back(f);
  }
  if (f->pending.size() >= kWriteEarlyBytes) return write_pending(*f);
  return {};
}

Result<void> RotatingFileSet::write_pending(File& f) {
  std::size_t off = 0;
  while (off < f.pending.size()) {
    ssize_t n = ::write(f.fd, f.pending.data() + off, f.pending.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      if (off > 0) f.mid_line = f.pending[off - 1] != '\n';
      f.pending.erase(0, off);
      f.size += off;
      if (counters_.write_errors) counters_.write_errors->add();
      return unexpected(fault(classify_errno(err), "write " + f.path + ": " + std::strerror(err)));
    }
    off += static_cast<std::size_t>(n);
  }
  f.mid_line = false;
  if (off > 0) {
    f.size += off;
    f.dirty = true;
    f.last_write = clock_.now();
    if (counters_.bytes) counters_.bytes->add(off);
  }
  if (f.pending.capacity() > kKeepBufferBytes) {
    std::string().swap(f.pending);
  } else {
    f.pending.clear();
  }
  return {};
}

Result<void> RotatingFileSet::sync(File& f) {
  if (!f.dirty) return {};
  if (::fdatasync(f.fd) != 0) {
    int err = errno;
    if (counters_.write_errors) counters_.write_errors->add();
    return unexpected(fault(classify_errno(err), "fdatasync " + f.path + ": " + std::strerror(err)));
  }
  f.dirty = false;
  return {};
}

Result<void> RotatingFileSet::rotate(File& f, Timestamp now) {
  if (auto r = write_pending(f); !r) return r;
  if (options_.fsync != FsyncPolicy::kNever) {
    if (auto r = sync(f); !r) return r;
  }
  auto index = next_index_.find(std::string_view(f.path));
  if (index == next_index_.end()) index = next_index_.emplace(f.path, next_rotation_index(f.path)).first;
  RotatedName rotated = rotated_name(f.path, now, index->second);
  const std::string& target = rotated.path.native();
  if (::rename(f.path.c_str(), target.c_str()) != 0) {
    // Keep writing to the current file rather than stall; try again after max_age.
    if (counters_.write_errors) counters_.write_errors->add();
    error_log_.warn("file sink: cannot rotate {}: {}", f.path, std::strerror(errno));
    f.age_start = now;
    return {};
  }
  index->second = rotated.index + 1;
  if (auto r = reopen(f, now); !r) {
    forget(f);  // the next append opens the path afresh
    return unexpected(r.error().code, "reopen after rotation: " + r.error().message);
  }
  f.age_start = now;
  if (counters_.rotations) counters_.rotations->add();
  housekeeper_.schedule(f.path);
  return {};
}

Result<bool> RotatingFileSet::open_into(File& f, Timestamp now) {
  Opened o = open_for_append(f.path, options_.file_mode, options_.dir_mode);
  if (o.fd < 0) {
    if (permanent_path_error(o.err)) return unexpected(path_error(o.what, f.path, o.err));
    return unexpected(fault(classify_errno(o.err), std::string(o.what) + " " + f.path + ": " +
                                                       std::strerror(o.err)));
  }
  struct stat st {};
  if (::fstat(o.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(o.fd);
    return unexpected(path_error("not a regular file:", f.path, EISDIR));
  }
  if (o.created && options_.fsync != FsyncPolicy::kNever) sync_dir(parent_dir(f.path));
  f.fd = o.fd;
  f.size = f.committed = static_cast<uint64_t>(st.st_size);
  f.age_start = o.created ? now : creation_time(o.fd, now);
  f.dev = st.st_dev;
  f.ino = st.st_ino;
  f.dirty = false;
  f.mid_line = false;
  f.identity_checked = now;
  return o.created;
}

Result<void> RotatingFileSet::reopen(File& f, Timestamp now) {
  ::close(f.fd);
  f.fd = -1;
  if (auto r = open_into(f, now); !r) {
    f.gone = true;
    return unexpected(r.error());
  }
  return {};
}

Result<void> RotatingFileSet::follow_path(File& f, Timestamp now) {
  if (now.ns - f.identity_checked.ns < std::chrono::nanoseconds(kFollowInterval).count()) return {};
  f.identity_checked = now;
  if (!replaced(f)) return {};
  // logrotate without copytruncate (`mv F F.1`), or F deleted: what was written is in F.1 (or
  // was deleted by whoever did it); from this batch on the lines go to a new F.
  if (counters_.reopened) counters_.reopened->add();
  error_log_.warn("file sink: {} was renamed or deleted by another program: opened it again", f.path);
  return reopen(f, now);
}

Result<void> RotatingFileSet::check_written(File& f) {
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) return {};
  if (st.st_nlink == 0) {
    // Deleted (or its directory removed) while we wrote: the lines are in no file. Fail the
    // batch; its retry recreates the file (and directory) and writes them again.
    f.gone = true;
    return unexpected(fault(FileFault::kDeleted, f.path + " was deleted while being written"));
  }
  follow_truncation(f, st);
  return {};
}

bool RotatingFileSet::follow_truncation(File& f) {
  struct stat st {};
  return ::fstat(f.fd, &st) == 0 && follow_truncation(f, st);
}

bool RotatingFileSet::follow_truncation(File& f, const struct stat& st) {
  auto real = static_cast<uint64_t>(st.st_size);
  if (real >= f.size) return false;
  // Truncated by someone else (logrotate copytruncate): O_APPEND puts our lines at the new end.
  if (counters_.truncated) counters_.truncated->add();
  uint64_t batch = f.size - f.committed;
  f.size = real;
  f.committed = real >= batch ? real - batch : 0;
  return true;
}

bool RotatingFileSet::cut_back(File& f) {
  if (f.size == f.committed) return true;
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) return false;
  if (st.st_nlink == 0) return true;  // deleted: the entry is forgotten and the file recreated
  // Only our own bytes: a file that does not end where our writes ended was written or
  // truncated by someone else, and cutting it would remove their data.
  if (static_cast<uint64_t>(st.st_size) != f.size || f.committed > f.size) return false;
  if (::ftruncate(f.fd, static_cast<off_t>(f.committed)) != 0) return false;
  if (counters_.rolled_back) counters_.rolled_back->add(f.size - f.committed);
  f.size = f.committed;
  f.mid_line = false;
  return true;
}

Error RotatingFileSet::fault(FileFault kind, std::string message) {
  if (Counter* c = counters_.faults[static_cast<std::size_t>(kind)]) c->add();
  if (kind == FileFault::kOther || kind == FileFault::kDeleted) return Error{ErrorCode::kUnavailable, std::move(message)};
  std::string name(fault_name(kind));
  std::replace(name.begin(), name.end(), '_', ' ');
  return Error{ErrorCode::kUnavailable, name + ": " + message};
}

void RotatingFileSet::forget(File& f) {
  if (f.fd >= 0) ::close(f.fd);
  if (f.touched) touched_.erase(std::find(touched_.begin(), touched_.end(), &f));
  if (last_ == &f) last_ = nullptr;
  auto it = files_.find(std::string_view(f.path))->second;
  files_.erase(f.path);
  lru_.erase(it);
  update_gauge();
}

Result<void> RotatingFileSet::close(Lru::iterator it) {
  File& f = *it;
  Result<void> result = write_pending(f);
  if (result && options_.fsync != FsyncPolicy::kNever) result = sync(f);
  if (!result) return result;
  ::close(f.fd);
  if (f.touched) touched_.erase(std::find(touched_.begin(), touched_.end(), &f));
  if (last_ == &f) last_ = nullptr;
  housekeeper_.schedule(f.path);
  files_.erase(f.path);
  lru_.erase(it);
  update_gauge();
  return {};
}

Result<void> RotatingFileSet::commit() {
  Timestamp now = clock_.now();
  Result<void> result;
  for (File* f : touched_) {
    if (result) result = follow_path(*f, now);
    if (result) result = write_pending(*f);
    if (result) result = check_written(*f);
    if (result && options_.fsync == FsyncPolicy::kBatch) result = sync(*f);
  }
  if (!result) return result;
  for (File* f : touched_) {
    f->touched = false;
    f->committed = f->size;
  }
  touched_.clear();
  if (options_.fsync == FsyncPolicy::kInterval) {
    if (now.ns - last_sync_.ns >= options_.fsync_interval.count()) {
      for (File& f : lru_)
        if (auto r = sync(f); !r) return r;
      last_sync_ = now;
    }
  }
  return {};
}

void RotatingFileSet::discard_pending() {
  for (File* f : touched_) {
    f->touched = false;
    if (!f->gone && !cut_back(*f) && f->mid_line) {
      // Cannot cut: keep the rest of the half-written line, written first next time.
      if (auto nl = f->pending.find('\n'); nl != std::string::npos) f->pending.resize(nl + 1);
    } else {
      f->pending.clear();
    }
  }
  touched_.clear();
  for (auto it = lru_.begin(); it != lru_.end();) {
    auto next = std::next(it);
    if (it->gone) forget(*it);
    it = next;
  }
}

void RotatingFileSet::tick() {
  if (!touched_.empty()) return;  // only between batches
  Timestamp now = clock_.now();
  if (options_.fsync == FsyncPolicy::kInterval && now.ns - last_sync_.ns >= options_.fsync_interval.count()) {
    for (File& f : lru_)
      if (auto r = sync(f); !r) error_log_.warn("file sink: {}", r.error().message);
    last_sync_ = now;
  }
  bool sweep = now.ns - last_sweep_.ns >= std::chrono::nanoseconds(kSweepInterval).count();
  if (sweep) last_sweep_ = now;
  bool check_identity = now.ns - last_identity_check_.ns >= 1'000'000'000;
  if (check_identity) last_identity_check_ = now;
  for (auto it = lru_.begin(); it != lru_.end();) {
    auto next = std::next(it);
    File& f = *it;
    // Age first: an idle file past max_age is rotated before it is closed.
    if (options_.max_age.count() > 0 && f.size > 0 && now.ns - f.age_start.ns >= options_.max_age.count()) {
      if (auto r = rotate(f, now); !r) {
        error_log_.warn("file sink: {}", r.error().message);
        it = next;
        continue;  // rotate() may have dropped the entry
      }
    }
    bool idle = options_.idle_timeout.count() > 0 && now.ns - f.last_write.ns >= options_.idle_timeout.count();
    if (idle || (check_identity && replaced(f))) {
      if (auto r = close(it); !r) error_log_.warn("file sink: {}", r.error().message);
    } else if (sweep) {
      housekeeper_.schedule(f.path);
    }
    it = next;
  }
}

bool RotatingFileSet::replaced(const File& f) {
  struct stat st {};
  if (::stat(f.path.c_str(), &st) != 0) return errno == ENOENT;
  return st.st_dev != f.dev || st.st_ino != f.ino;
}

void RotatingFileSet::update_gauge() {
  if (counters_.open_files) counters_.open_files->set(static_cast<int64_t>(files_.size()));
}

}  // namespace logferry::io
