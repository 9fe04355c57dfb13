#include "io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace logferry::io {

namespace {
Error errno_error(const std::string& what) {
  return Error{errno == ENOENT ? ErrorCode::kNotFound
                               : (errno == EACCES ? ErrorCode::kPermissionDenied : ErrorCode::kUnavailable),
               what + ": " + std::strerror(errno)};
}
}  // namespace

Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return unexpected(errno_error("open " + tmp.string()));
  std::size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      auto e = errno_error("write " + tmp.string());
      ::close(fd);
      return unexpected(e);
    }
    off += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    auto e = errno_error("fsync " + tmp.string());
    ::close(fd);
    return unexpected(e);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return unexpected(errno_error("rename " + path.string()));
  auto dir = path.parent_path();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

Result<std::optional<std::string>> read_small_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return unexpected(errno_error("open " + path.string()));
  }
  std::string out;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      auto e = errno_error("read " + path.string());
      ::close(fd);
      return unexpected(e);
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return std::optional<std::string>(std::move(out));
}

}  // namespace logferry::io
