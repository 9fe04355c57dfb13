#include "support/tmpfs_mount.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace logferry::testing {

namespace {

constexpr const char* kFiller = ".filler";

bool set_flag(const std::filesystem::path& path, int flag, bool on) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return false;
  int flags = 0;
  bool ok = ::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
  if (ok) {
    flags = on ? (flags | flag) : (flags & ~flag);
    ok = ::ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
  }
  ::close(fd);
  return ok;
}

}  // namespace

TmpfsMount::TmpfsMount(std::filesystem::path dir, const std::string& size) : dir_(std::move(dir)) {
  std::filesystem::create_directories(dir_);
  std::string options = "size=" + size + ",mode=0755";
  if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, options.c_str()) != 0) {
    why_ = "cannot mount a tmpfs at " + dir_.string() + ": " + std::strerror(errno) +
           " (needs root / CAP_SYS_ADMIN)";
    return;
  }
  mounted_ = true;
}

TmpfsMount::~TmpfsMount() {
  if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
}

uint64_t TmpfsMount::fill() {
  int fd = ::open((dir_ / kFiller).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return 0;
  std::vector<char> block(64 * 1024, 'x');
  uint64_t total = 0;
  std::size_t chunk = block.size();
  while (chunk > 0) {  // big writes first, then smaller ones to take the last pages
    ssize_t n = ::write(fd, block.data(), chunk);
    if (n > 0) {
      total += static_cast<uint64_t>(n);
    } else {
      chunk /= 2;
    }
  }
  ::close(fd);
  return total;
}

void TmpfsMount::free_filler() { std::filesystem::remove(dir_ / kFiller); }

bool TmpfsMount::remount(bool read_only) {
  unsigned long flags = MS_REMOUNT | (read_only ? MS_RDONLY : 0);
  return ::mount("tmpfs", dir_.c_str(), "tmpfs", flags, nullptr) == 0;
}

bool TmpfsMount::set_immutable(const std::filesystem::path& dir, bool on) {
  return set_flag(dir, FS_IMMUTABLE_FL, on);
}

bool TmpfsMount::set_append_only(const std::filesystem::path& file, bool on) {
  return set_flag(file, FS_APPEND_FL, on);
}

}  // namespace logferry::testing
