#include "io/fs_watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <unordered_map>

namespace logferry::io {

namespace {

// Sleeps on an eventfd so wake() ends the wait at once.
class WakeFd {
 public:
  WakeFd() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
  ~WakeFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }
  void wake() {
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(fd_, &one, sizeof(one));
  }
  void drain() {
    uint64_t v;
    [[maybe_unused]] auto n = ::read(fd_, &v, sizeof(v));
  }

 private:
  int fd_;
};

class PollingWatcher final : public FsWatcher {
 public:
  bool watch_dir(const std::string&) override { return true; }
  void wait(std::chrono::milliseconds timeout, Changes&) override {
    pollfd p{wake_.fd(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) > 0) wake_.drain();
  }
  void wake() override { wake_.wake(); }
  bool is_polling() const override { return true; }
  std::size_t watched_dirs() const override { return 0; }

 private:
  WakeFd wake_;
};

class InotifyWatcher final : public FsWatcher {
 public:
  explicit InotifyWatcher(int fd) : fd_(fd) {}
  ~InotifyWatcher() override { ::close(fd_); }

  bool watch_dir(const std::string& dir) override {
    if (by_dir_.count(dir)) return true;
    int wd = ::inotify_add_watch(fd_, dir.c_str(),
                                 IN_MODIFY | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
                                     IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR);
    if (wd < 0) return false;
    by_wd_[wd] = dir;
    by_dir_[dir] = wd;
    return true;
  }

  void wait(std::chrono::milliseconds timeout, Changes& out) override {
    pollfd p[2] = {{fd_, POLLIN, 0}, {wake_.fd(), POLLIN, 0}};
    int r = ::poll(p, 2, static_cast<int>(timeout.count()));
    if (r <= 0) return;
    if (p[1].revents & POLLIN) wake_.drain();
    if (!(p[0].revents & POLLIN)) return;
    alignas(inotify_event) char buf[64 * 1024];
    while (true) {
      ssize_t n = ::read(fd_, buf, sizeof(buf));
      if (n <= 0) break;  // EAGAIN: all read
      for (char* q = buf; q < buf + n;) {
        auto* ev = reinterpret_cast<inotify_event*>(q);
        q += sizeof(inotify_event) + ev->len;
        if (ev->mask & IN_Q_OVERFLOW) {
          out.structure_changed = true;
          continue;
        }
        if (ev->mask & IN_IGNORED) {  // the directory went away
          auto it = by_wd_.find(ev->wd);
          if (it != by_wd_.end()) {
            by_dir_.erase(it->second);
            by_wd_.erase(it);
          }
          out.structure_changed = true;
          continue;
        }
        if (ev->mask & (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF |
                        IN_MOVE_SELF)) {
          out.structure_changed = true;
        }
        if ((ev->mask & IN_MODIFY) && ev->len > 0) {
          auto it = by_wd_.find(ev->wd);
          if (it != by_wd_.end()) {
            std::string path = it->second;
            path += '/';
            path += ev->name;  // NUL-terminated within len
            out.modified.push_back(std::move(path));
          }
        }
      }
    }
  }

  void wake() override { wake_.wake(); }
  bool is_polling() const override { return false; }
  std::size_t watched_dirs() const override { return by_dir_.size(); }

 private:
  int fd_;
  WakeFd wake_;
  std::unordered_map<int, std::string> by_wd_;
  std::unordered_map<std::string, int> by_dir_;
};

}  // namespace

std::unique_ptr<FsWatcher> make_inotify_watcher() {
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return make_polling_watcher();
  return std::make_unique<InotifyWatcher>(fd);
}

std::unique_ptr<FsWatcher> make_polling_watcher() { return std::make_unique<PollingWatcher>(); }

}  // namespace logferry::io
