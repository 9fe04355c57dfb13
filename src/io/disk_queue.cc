#include "io/disk_queue.h"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

#include <cstring>
#include <fmt/format.h>

#include "io/atomic_file.h"

namespace logferry::io {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kHeaderBytes = 8;

uint32_t crc_of(std::string_view s) {
  return static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(s.data()),
                                     static_cast<uInt>(s.size())));
}

bool pread_all(int fd, void* buf, std::size_t n, uint64_t offset) {
  auto* p = static_cast<char*>(buf);
  while (n > 0) {
    ssize_t r = ::pread(fd, p, n, static_cast<off_t>(offset));
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
    offset += static_cast<uint64_t>(r);
  }
  return true;
}

Error os_error(const std::string& what, const fs::path& p) {
  return Error{ErrorCode::kUnavailable, what + " " + p.string() + ": " + std::strerror(errno)};
}

}  // namespace

Result<std::unique_ptr<DiskQueue>> DiskQueue::open(Options options) {
  std::unique_ptr<DiskQueue> q(new DiskQueue(std::move(options)));
  std::error_code ec;
  fs::create_directories(q->options_.dir, ec);
  if (ec) return unexpected(ErrorCode::kPermissionDenied,
                            "cannot create " + q->options_.dir.string() + ": " + ec.message());
  if (auto r = q->recover(); !r) return unexpected(r.error());
  return q;
}

DiskQueue::~DiskQueue() {
  persist_position();
  if (write_fd_ >= 0) ::close(write_fd_);
  for (auto& [seq, s] : segments_)
    if (s.read_fd >= 0) ::close(s.read_fd);
}

fs::path DiskQueue::segment_path(uint64_t seq) const {
  return options_.dir / fmt::format("{:020}.seg", seq);
}

// Finds the committed position, forgets consumed segments, and measures what is left.
Result<void> DiskQueue::recover() {
  auto saved = read_small_file(options_.dir / "position");
  if (!saved) return unexpected(saved.error());
  if (*saved) std::sscanf((*saved)->c_str(), "%lu %lu", &committed_.segment, &committed_.offset);
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(options_.dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() != 24 || name.substr(20) != ".seg") continue;
    uint64_t seq = std::stoull(name.substr(0, 20));
    if (seq < committed_.segment) {
      fs::remove(entry.path(), ec);  // consumed before the crash, not yet deleted
      continue;
    }
    segments_[seq] = Segment{};
  }
  if (segments_.empty() || segments_.begin()->first != committed_.segment) committed_.offset = 0;
  if (!segments_.empty()) committed_.segment = segments_.begin()->first;
  for (auto& [seq, seg] : segments_) {
    uint64_t from = seq == committed_.segment ? committed_.offset : 0;
    uint64_t records = 0;
    seg.end = scan_segment(seq, from, &records);
    stats_.recovered_records += records;
    unread_records_ += records;
    pending_bytes_ += seg.end > from ? seg.end - from : 0;
  }
  read_ = persisted_ = committed_;
  uint64_t next = segments_.empty() ? committed_.segment : segments_.rbegin()->first;
  return open_write_segment(next);
}

// Returns the end of the last valid record at or after `from`; counts what is wrong.
uint64_t DiskQueue::scan_segment(uint64_t seq, uint64_t from, uint64_t* records) {
  int fd = ::open(segment_path(seq).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return from;
  uint64_t size = static_cast<uint64_t>(::lseek(fd, 0, SEEK_END));
  uint64_t pos = from;
  std::string payload;
  while (pos + kHeaderBytes <= size) {
    uint32_t h[2];
    if (!pread_all(fd, h, kHeaderBytes, pos)) break;
    if (h[0] > kMaxRecordBytes || pos + kHeaderBytes + h[0] > size) break;
    payload.resize(h[0]);
    if (!pread_all(fd, payload.data(), h[0], pos + kHeaderBytes) || crc_of(payload) != h[1]) {
      ++stats_.corrupt_records;
      break;
    }
    pos += kHeaderBytes + h[0];
    ++*records;
  }
  ::close(fd);
  bool last = seq == segments_.rbegin()->first;
  if (pos < size && last) {  // torn or corrupt tail: cut it so appends continue cleanly
    stats_.truncated_bytes += size - pos;
    if (::truncate(segment_path(seq).c_str(), static_cast<off_t>(pos)) != 0) {}
  }
  return pos;
}

Result<void> DiskQueue::open_write_segment(uint64_t seq) {
  if (write_fd_ >= 0) ::close(write_fd_);
  write_fd_ = ::open(segment_path(seq).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (write_fd_ < 0) return unexpected(os_error("cannot open", segment_path(seq)));
  write_seq_ = seq;
  segments_.try_emplace(seq);
  return {};
}

Result<void> DiskQueue::append(std::string_view payload) {
  if (payload.size() > kMaxRecordBytes)
    return unexpected(ErrorCode::kInvalidArgument, "record too large for the disk buffer");
  std::lock_guard lock(mu_);
  uint64_t record = kHeaderBytes + payload.size();
  Segment& current = segments_[write_seq_];
  if (current.end > 0 && current.end + record > options_.segment_bytes) {
    if (auto r = open_write_segment(write_seq_ + 1); !r) return r;
  }
  uint32_t h[2] = {static_cast<uint32_t>(payload.size()), crc_of(payload)};
  iovec iov[2] = {{h, kHeaderBytes}, {const_cast<char*>(payload.data()), payload.size()}};
  ssize_t n = ::writev(write_fd_, iov, 2);
  Segment& seg = segments_[write_seq_];
  if (n != static_cast<ssize_t>(record)) {
    // A short write (ENOSPC): cut it off again so the segment stays readable.
    int err = errno;
    if (::ftruncate(write_fd_, static_cast<off_t>(seg.end)) != 0) {}
    errno = n < 0 ? err : ENOSPC;
    return unexpected(os_error("cannot write", segment_path(write_seq_)));
  }
  if (options_.sync && ::fdatasync(write_fd_) != 0)
    return unexpected(os_error("cannot sync", segment_path(write_seq_)));
  seg.end += record;
  pending_bytes_ += record;
  ++unread_records_;
  return {};
}

Result<bool> DiskQueue::read_next(std::string& payload) {
  std::unique_lock lock(mu_);
  while (true) {
    auto it = segments_.find(read_.segment);
    if (it == segments_.end()) return false;
    Segment& seg = it->second;
    if (read_.offset + kHeaderBytes > seg.end) {
      auto next = std::next(it);
      if (next == segments_.end()) return false;  // caught up with the writers
      read_ = {next->first, 0};
      continue;
    }
    if (seg.read_fd < 0) {
      seg.read_fd = ::open(segment_path(read_.segment).c_str(), O_RDONLY | O_CLOEXEC);
      if (seg.read_fd < 0) return unexpected(os_error("cannot open", segment_path(read_.segment)));
    }
    uint32_t h[2];
    bool ok = pread_all(seg.read_fd, h, kHeaderBytes, read_.offset) && h[0] <= kMaxRecordBytes &&
              read_.offset + kHeaderBytes + h[0] <= seg.end;
    if (ok) {
      payload.resize(h[0]);
      ok = pread_all(seg.read_fd, payload.data(), h[0], read_.offset + kHeaderBytes) &&
           crc_of(payload) == h[1];
    }
    if (!ok) {  // damaged since it was written: skip the rest of this segment
      ++stats_.corrupt_records;
      uint64_t lost = seg.end - read_.offset;
      read_bytes_uncommitted_ += lost;
      read_.offset = seg.end;
      continue;
    }
    read_.offset += kHeaderBytes + h[0];
    read_bytes_uncommitted_ += kHeaderBytes + h[0];
    if (unread_records_ > 0) --unread_records_;
    return true;
  }
}

void DiskQueue::commit() {
  bool persist = false;
  {
    std::lock_guard lock(mu_);
    committed_ = read_;
    pending_bytes_ -= std::min(pending_bytes_, read_bytes_uncommitted_);
    read_bytes_uncommitted_ = 0;
    drop_consumed_segments();
    persist = std::chrono::steady_clock::now() - last_persist_ >= options_.commit_interval;
  }
  if (persist) persist_position();
}

void DiskQueue::drop_consumed_segments() {
  while (!segments_.empty() && segments_.begin()->first < committed_.segment) {
    auto it = segments_.begin();
    if (it->second.read_fd >= 0) ::close(it->second.read_fd);
    std::error_code ec;
    fs::remove(segment_path(it->first), ec);
    segments_.erase(it);
  }
}

void DiskQueue::persist_position() {
  Position now;
  {
    std::lock_guard lock(mu_);
    now = committed_;
    last_persist_ = std::chrono::steady_clock::now();
  }
  if (now.segment == persisted_.segment && now.offset == persisted_.offset) return;
  if (write_file_atomically(options_.dir / "position", fmt::format("{} {}\n", now.segment, now.offset)))
    persisted_ = now;
}

uint64_t DiskQueue::pending_bytes() const {
  std::lock_guard lock(mu_);
  return pending_bytes_;
}

uint64_t DiskQueue::unread_records() const {
  std::lock_guard lock(mu_);
  return unread_records_;
}

DiskQueue::Stats DiskQueue::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace logferry::io
