// FsWatcher: tells a tailer which files changed so it does not poll thousands of them.
// Two implementations behind one interface: inotify (Linux; watches directories, reports
// modified entries and structure changes), and polling (reports nothing; the caller's periodic
// rescan finds everything). The inotify one degrades to polling per directory when the kernel
// refuses a watch (max_user_watches), which the caller learns from watch_dir()'s result.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace logferry::io {

class FsWatcher {
 public:
  struct Changes {
    std::vector<std::string> modified;  // full paths of entries whose content changed
    bool structure_changed = false;     // entries created, removed or renamed; or overflow
    void clear() {
      modified.clear();
      structure_changed = false;
    }
  };

  virtual ~FsWatcher() = default;
  // Starts watching a directory (idempotent). False if it cannot be watched.
  virtual bool watch_dir(const std::string& dir) = 0;
  // Waits up to `timeout` for changes (0 = just collect what is pending) and appends them.
  virtual void wait(std::chrono::milliseconds timeout, Changes& out) = 0;
  // Wakes a wait() from another thread.
  virtual void wake() = 0;
  virtual bool is_polling() const = 0;
  virtual std::size_t watched_dirs() const = 0;
};

// inotify when available, else polling.
std::unique_ptr<FsWatcher> make_inotify_watcher();
std::unique_ptr<FsWatcher> make_polling_watcher();

}  // namespace logferry::io
