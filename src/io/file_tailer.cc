#include "io/file_tailer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace logferry::io {

std::optional<FileId> file_id_of(const std::string& path, uint64_t* size) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  if (size != nullptr) *size = static_cast<uint64_t>(st.st_size);
  return FileId{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
}

std::optional<uint64_t> fingerprint_fd(int fd, uint32_t len) {
  char buf[FileTailer::kFingerprintBytes];
  if (len > sizeof(buf)) len = sizeof(buf);
  std::size_t got = 0;
  while (got < len) {
    ssize_t n = ::pread(fd, buf + got, len - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    got += static_cast<std::size_t>(n);
  }
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (std::size_t i = 0; i < len; ++i) {
    h ^= static_cast<unsigned char>(buf[i]);
    h *= 1099511628211ull;
  }
  return h;
}

Result<FileTailer> FileTailer::open(const std::string& path, uint64_t offset) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return unexpected(ErrorCode::kNotFound, path + ": " + std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return unexpected(ErrorCode::kInvalidArgument, path + ": not a regular file");
  }
  return FileTailer(fd, FileId{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)},
                    offset);
}

FileTailer::FileTailer(FileTailer&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), id_(other.id_), offset_(other.offset_) {}

FileTailer& FileTailer::operator=(FileTailer&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    id_ = other.id_;
    offset_ = other.offset_;
  }
  return *this;
}

FileTailer::~FileTailer() { close(); }

void FileTailer::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool FileTailer::reopen(const std::string& path) {
  if (fd_ >= 0) return true;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return false;
  struct stat st;
  if (::fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_dev) != id_.dev ||
      static_cast<uint64_t>(st.st_ino) != id_.ino) {
    ::close(fd);
    return false;
  }
  fd_ = fd;
  return true;
}

bool FileTailer::stat(uint64_t& size, uint64_t& links) const {
  struct stat st;
  if (fd_ < 0 || ::fstat(fd_, &st) != 0) return false;
  size = static_cast<uint64_t>(st.st_size);
  links = static_cast<uint64_t>(st.st_nlink);
  return true;
}

FileTailer::ReadResult FileTailer::read(char* buf, std::size_t cap) {
  ReadResult r;
  if (fd_ < 0) {
    r.error = true;
    return r;
  }
  while (true) {
    ssize_t n = ::pread(fd_, buf, cap, static_cast<off_t>(offset_));
    if (n < 0) {
      if (errno == EINTR) continue;
      r.error = true;
      return r;
    }
    if (n > 0) {
      r.bytes = static_cast<std::size_t>(n);
      return r;
    }
    break;
  }
  // At the end: has the file been truncated under us (copytruncate)?
  uint64_t size = 0, links = 0;
  if (offset_ > 0 && stat(size, links) && size < offset_) {
    offset_ = 0;
    r.truncated = true;
  }
  return r;
}

std::pair<uint32_t, uint64_t> FileTailer::fingerprint() const {
  uint64_t size = 0, links = 0;
  if (!stat(size, links)) return {0, 0};
  auto len = static_cast<uint32_t>(size < kFingerprintBytes ? size : kFingerprintBytes);
  auto h = fingerprint_fd(fd_, len);
  if (!h) return {0, 0};
  return {len, *h};
}

}  // namespace logferry::io
