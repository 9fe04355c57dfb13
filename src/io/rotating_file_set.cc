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
  std::string p(path);
  bool created = false;
  int fd = -1;
  for (int attempt = 0; attempt < 3 && fd < 0; ++attempt) {
    fd = ::open(p.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, options_.file_mode);
    if (fd >= 0) {
      created = true;
      break;
    }
    if (errno == EEXIST) {
      fd = ::open(p.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
      if (fd >= 0 || errno != ENOENT) break;
      continue;  // removed in between: create it
    }
    if (errno == ENOENT) {
      int err = 0;
      if (!make_dirs(parent_dir(p), options_.dir_mode, err))
        return unexpected(path_error("cannot create the directory of", path, err));
      continue;
    }
    break;
  }
  if (fd < 0) return unexpected(path_error("cannot open", path, errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return unexpected(path_error("not a regular file:", path, EISDIR));
  }
  if (created) {
    ::fchmod(fd, options_.file_mode);  // exact mode regardless of the umask
    if (options_.fsync != FsyncPolicy::kNever) sync_dir(parent_dir(p));
  }
  lru_.emplace_front();
  File& f = lru_.front();
  f.path = std::move(p);
  f.fd = fd;
  f.size = static_cast<uint64_t>(st.st_size);
  f.age_start = created ? now : creation_time(fd, now);
  f.dev = st.st_dev;
  f.ino = st.st_ino;
  f.last_write = now;
  files_.emplace(f.path, lru_.begin());
  if (counters_.opened) counters_.opened->add();
  update_gauge();
  // Compress what a previous run left behind and apply retention.
  if (!created) housekeeper_.schedule(f.path);
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
      f.pending.erase(0, off);
      f.size += off;
      if (counters_.write_errors) counters_.write_errors->add();
      return unexpected(ErrorCode::kUnavailable, "write " + f.path + ": " + std::strerror(err));
    }
    off += static_cast<std::size_t>(n);
  }
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
    if (counters_.write_errors) counters_.write_errors->add();
    return unexpected(ErrorCode::kUnavailable, "fdatasync " + f.path + ": " + std::strerror(errno));
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
  ::close(f.fd);
  f.fd = -1;
  int fd = ::open(f.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, options_.file_mode);
  if (fd < 0) {
    int err = errno;
    // Not reopened: drop the entry so the next append opens the path afresh.
    auto it = files_.find(std::string_view(f.path))->second;
    if (f.touched) touched_.erase(std::find(touched_.begin(), touched_.end(), &f));
    if (last_ == &f) last_ = nullptr;
    files_.erase(f.path);
    lru_.erase(it);
    update_gauge();
    return unexpected(ErrorCode::kUnavailable, "reopen after rotation: " + std::string(std::strerror(err)));
  }
  ::fchmod(fd, options_.file_mode);
  struct stat st {};
  if (::fstat(fd, &st) == 0) {
    f.dev = st.st_dev;
    f.ino = st.st_ino;
  }
  f.fd = fd;
  f.size = 0;
  f.age_start = now;
  f.dirty = false;
  if (counters_.rotations) counters_.rotations->add();
  housekeeper_.schedule(f.path);
  return {};
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
  Result<void> result;
  for (File* f : touched_) {
    if (result) result = write_pending(*f);
    if (result && options_.fsync == FsyncPolicy::kBatch) result = sync(*f);
  }
  if (!result) return result;
  for (File* f : touched_) f->touched = false;
  touched_.clear();
  if (options_.fsync == FsyncPolicy::kInterval) {
    Timestamp now = clock_.now();
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
    f->pending.clear();
    f->touched = false;
  }
  touched_.clear();
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
