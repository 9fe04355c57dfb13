// The real binary tailing container logs, killed with SIGKILL in the middle of the stream and
// restarted: no line may be lost, and the only repeats allowed are the unacknowledged window.
// First into the console sink once; then (the fault suite) into a real rsyslogd over TCP,
// killed at 20 different moments of one run: right after start, while starting, mid-stream
// after more or fewer lines, and right after a checkpoint was written.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "support/child_process.h"
#include "support/net_util.h"
#include "support/rsyslog_receiver.h"
#include "support/temp_dir.h"
#include "support/wait.h"

namespace logferry::testing {
namespace {

namespace fs = std::filesystem;

// Complete lines of a run's stdout (a SIGKILL may leave the last one half written).
std::vector<std::string> complete_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    auto nl = text.find('\n', start);
    if (nl == std::string::npos) break;
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

class Writer {
 public:
  explicit Writer(const fs::path& root, int index) {
    std::string pod = "pod" + std::to_string(index);
    dir_ = root / "pods" / ("ns_" + pod + "_uid" + std::to_string(index)) / "app";
    fs::create_directories(dir_);
    fs::create_directories(root / "containers");
    path_ = dir_ / "0.log";
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    fs::create_symlink(path_, root / "containers" / (pod + "_ns_app-" + std::string(64, 'a') + ".log"));
    prefix_ = "f" + std::to_string(index) + "-";
  }
  ~Writer() { ::close(fd_); }
  void write(int count) {
    std::string s;
    for (int i = 0; i < count; ++i, ++n_)
      s += "2024-05-01T10:00:00.000000000Z stdout F " + prefix_ + std::to_string(n_) + suffix_ + "\n";
    ASSERT_EQ(::write(fd_, s.data(), s.size()), static_cast<ssize_t>(s.size()));
  }
  void rotate() {
    fs::rename(path_, fs::path(path_.string() + ".20240501-100000"));
    ::close(fd_);
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  }
  int written() const { return n_; }
  const std::string& prefix() const { return prefix_; }
  // Text after the number, so a line cut short on the wire is told from a shorter number.
  void set_suffix(std::string s) { suffix_ = std::move(s); }
  const fs::path& path() const { return path_; }

 private:
  fs::path dir_, path_;
  std::string prefix_, suffix_;
  int fd_ = -1;
  int n_ = 0;
};

ChildProcess start(const TempDir& dir, const std::string& name) {
  return ChildProcess({{logferry_binary().string(), "run", "-c", (dir / "logferry.yaml").string()},
                       {},
                       dir.path(),
                       name});
}

TEST(KubernetesLogsKillTest, Kill9MidStreamLosesNothingRepeatsOnlyTheUnackedTail) {
  TempDir dir;
  dir.write("logferry.yaml", "data_dir: " + (dir / "data").string() + R"(
sources:
  k8s:
    type: kubernetes_logs
    include: [")" + (dir / "containers").string() + R"(/*.log"]
    checkpoint_interval: 200ms
sinks:
  out: {type: console, inputs: [k8s], encoding: text, format: "%{log}"}
)");
  std::vector<std::unique_ptr<Writer>> writers;
  for (int i = 0; i < 3; ++i) writers.push_back(std::make_unique<Writer>(dir.path(), i));
  for (auto& w : writers) w->write(20000);

  std::string out1;
  {
    ChildProcess first = start(dir, "run1");
    std::atomic<bool> stop_writing{false};
    std::thread writing([&] {
      while (!stop_writing) {
        for (auto& w : writers) w->write(500);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
    ASSERT_TRUE(wait_until([&] { return complete_lines(first.out()).size() >= 100000; },
                           std::chrono::seconds(30), "first run streaming"));
    // Positions have been persisted at least once (they are every checkpoint_interval).
    ASSERT_TRUE(wait_until(
        [&] {
          std::string cp = read_file(dir / "data" / "k8s" / "checkpoints");
          for (const auto& line : complete_lines(cp)) {
            std::istringstream in(line);
            uint64_t dev = 0, ino = 0, offset = 0;
            if (in >> dev >> ino >> offset && offset > 0) return true;
          }
          return false;
        },
        std::chrono::seconds(10), "a checkpoint with progress"));
    first.signal(SIGKILL);
    first.wait();
    stop_writing = true;
    writing.join();
    out1 = first.out();
  }
  // While it is down: more lines, and a rotation of one file.
  for (auto& w : writers) w->write(1000);
  writers[0]->rotate();
  for (auto& w : writers) w->write(1000);

  std::size_t total = 0;
  for (auto& w : writers) total += static_cast<std::size_t>(w->written());
  std::vector<std::string> run1 = complete_lines(out1);
  ChildProcess second = start(dir, "run2");
  ASSERT_TRUE(wait_until(
      [&] {
        std::set<std::string> all(run1.begin(), run1.end());
        for (auto& l : complete_lines(second.out())) all.insert(l);
        return all.size() >= total;
      },
      std::chrono::seconds(60), "every line after the restart"))
      << [&] {
           // Which lines never arrived, per file: the first few.
           std::set<std::string> all(run1.begin(), run1.end());
           for (auto& l : complete_lines(second.out())) all.insert(l);
           std::string missing;
           int shown = 0;
           for (auto& w : writers)
             for (int i = 0; i < w->written() && shown < 10; ++i)
               if (!all.count(w->prefix() + std::to_string(i))) {
                 missing += w->prefix() + std::to_string(i) + " ";
                 ++shown;
               }
           return "missing: " + missing + "\nrun2 stderr: " + second.err() + "\ncheckpoints: " +
                  read_file(dir / "data" / "k8s" / "checkpoints");
         }();
  EXPECT_EQ(second.stop(), 0) << second.err();
  std::vector<std::string> run2 = complete_lines(second.out());

  // Nothing lost; nothing made up.
  std::set<std::string> all(run1.begin(), run1.end());
  all.insert(run2.begin(), run2.end());
  EXPECT_EQ(all.size(), total);
  // Within each run, each file's lines come once and in order.
  for (const auto* run : {&run1, &run2}) {
    std::map<std::string, int> last;
    for (const auto& l : *run) {
      auto dash = l.find('-');
      ASSERT_NE(dash, std::string::npos) << l;
      int n = std::stoi(l.substr(dash + 1));
      auto [it, fresh] = last.emplace(l.substr(0, dash + 1), n);
      if (!fresh) {
        EXPECT_EQ(n, it->second + 1) << l;
        it->second = n;
      }
    }
  }
  std::set<std::string> seen1(run1.begin(), run1.end());
  std::size_t repeats = 0;
  for (const auto& l : run2) repeats += seen1.count(l);
  std::printf("run1 %zu lines, run2 %zu lines, repeated %zu, total %zu\n", run1.size(),
              run2.size(), repeats, total);
  // The checkpoint had moved: not everything is repeated. (How much is: what was delivered
  // after the last persisted checkpoint, at most one checkpoint_interval plus the in-flight
  // window; printed above.)
  EXPECT_LT(repeats, run1.size());
}

// What rsyslogd has written so far, read incrementally: whole lines by count, and lines cut
// short (a frame torn by the kill: rsyslog submits an incomplete last frame as a message).
class ReceivedTally {
 public:
  explicit ReceivedTally(fs::path file) : file_(std::move(file)) {}
  std::size_t distinct() {
    update();
    return counts_.size();
  }
  const std::map<std::string, int>& counts() {
    update();
    return counts_;
  }
  std::size_t torn() {
    update();
    return torn_;
  }

 private:
  void update() {
    std::ifstream in(file_, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(offset_));
    std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::size_t start = 0;
    for (auto nl = chunk.find('\n'); nl != std::string::npos; start = nl + 1, nl = chunk.find('\n', start)) {
      std::string l = chunk.substr(start, nl - start);
      if (l.size() > 4 && l.compare(l.size() - 4, 4, " end") == 0) {
        ++counts_[l.substr(0, l.size() - 4)];
      } else {
        ++torn_;
      }
    }
    offset_ += start;
  }
  fs::path file_;
  std::size_t offset_ = 0;
  std::map<std::string, int> counts_;
  std::size_t torn_ = 0;
};

// The inode of a file (0 if missing). The checkpoint file's changes each time a checkpoint is
// written (atomically, by rename).
ino_t inode_of(const fs::path& file) {
  struct stat st {};
  return ::stat(file.c_str(), &st) == 0 ? st.st_ino : 0;
}

std::size_t newlines(const std::string& text, std::size_t up_to) {
  return static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(std::min(up_to, text.size())), '\n'));
}

// Lines of the source files after the positions persisted in the checkpoint file: all a
// restart may send again (the unacknowledged window at a kill, at most).
std::size_t lines_after_checkpoint(const fs::path& checkpoints, const std::vector<std::unique_ptr<Writer>>& writers) {
  std::map<ino_t, uint64_t> offsets;
  for (const auto& l : complete_lines(read_file(checkpoints))) {
    std::istringstream in(l);
    uint64_t dev = 0, ino = 0, offset = 0;
    if (in >> dev >> ino >> offset) offsets[static_cast<ino_t>(ino)] = offset;
  }
  std::size_t window = 0;
  for (const auto& w : writers) {
    std::string text = read_file(w->path());
    auto it = offsets.find(inode_of(w->path()));
    window += newlines(text, text.size()) - (it == offsets.end() ? 0 : newlines(text, it->second));
  }
  return window;
}

TEST(KubernetesLogsKillTest, Kill9AtTwentyMomentsIntoRsyslogLosesNothing) {
  if (!have_rsyslog()) GTEST_SKIP() << "rsyslogd not unpacked in .peers/";
  TempDir dir;
  RsyslogReceiver receiver(dir, RsyslogReceiver::Input::kTcp, "%msg%\\n");
  receiver.start();
  uint16_t api = free_tcp_port();
  dir.write("logferry.yaml", "data_dir: " + (dir / "data").string() +
                                 "\napi: {address: 127.0.0.1:" + std::to_string(api) + R"(}
sources:
  k8s:
    type: kubernetes_logs
    include: [")" + (dir / "containers").string() + R"(/*.log"]
    checkpoint_interval: 50ms
sinks:
  out:
    type: syslog
    inputs: [k8s]
    address: 127.0.0.1:)" + std::to_string(receiver.port()) + R"(
    mode: tcp
    rfc: rfc5424
    framing: octet_counting
    message: "%{log}"
)");
  std::vector<std::unique_ptr<Writer>> writers;
  for (int i = 0; i < 3; ++i) {
    writers.push_back(std::make_unique<Writer>(dir.path(), i));
    writers.back()->set_suffix(" end");
    writers.back()->write(330000);  // ~1 M lines of backlog: the runs are killed while catching up
  }
  // The sender: ~15,000 lines/s across three containers for the whole run.
  std::atomic<bool> stop_writing{false};
  std::thread writing([&] {
    while (!stop_writing) {
      for (auto& w : writers) w->write(50);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  ReceivedTally tally(dir / "received.log");
  fs::path checkpoints = dir / "data" / "k8s" / "checkpoints";
  auto poll_until = [](const std::function<bool()>& moment, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!moment() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  };
  // The 20 moments. `more(n)`: once n more lines reached rsyslogd in this run (mid-stream);
  // `after_checkpoint(d)`: d ms after this run replaced its checkpoint file.
  struct Moment {
    std::string what;
    std::function<void(ChildProcess&)> wait;
  };
  auto more = [&](std::size_t n) {
    return [&, n](ChildProcess&) {
      std::size_t base = tally.distinct();
      poll_until([&] { return tally.distinct() >= base + n; }, std::chrono::seconds(10));
    };
  };
  auto after_checkpoint = [&](int delay_ms) {
    return [&, delay_ms](ChildProcess&) {
      ino_t before = inode_of(checkpoints);
      poll_until([&] { return inode_of(checkpoints) != before; }, std::chrono::seconds(10));
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    };
  };
  auto after_ms = [](int ms) {
    return [ms](ChildProcess&) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); };
  };
  std::vector<Moment> moments = {
      {"right after start", after_ms(0)},
      {"1 ms after start", after_ms(1)},
      {"5 ms after start", after_ms(5)},
      {"20 ms after start", after_ms(20)},
      {"API answering", [&](ChildProcess&) { poll_until([&] { return tcp_port_open(api); }, std::chrono::seconds(10)); }},
      {"first line delivered", more(1)},
      {"10 lines delivered", more(10)},
      {"100 lines delivered", more(100)},
      {"500 lines delivered", more(500)},
      {"1000 lines delivered", more(1000)},
      {"2500 lines delivered", more(2500)},
      {"5000 lines delivered", more(5000)},
      {"10000 lines delivered", more(10000)},
      {"0 ms after a checkpoint", after_checkpoint(0)},
      {"10 ms after a checkpoint", after_checkpoint(10)},
      {"25 ms after a checkpoint", after_checkpoint(25)},
      {"40 ms after a checkpoint", after_checkpoint(40)},
      {"200 ms after start", after_ms(200)},
      {"300 lines delivered", more(300)},
      {"3 ms after a checkpoint", after_checkpoint(3)},
  };
  ASSERT_EQ(moments.size(), 20u);
  int run = 0;
  std::size_t window = 0;  // sum over the kills of what a restart may send again
  for (const Moment& m : moments) {
    ChildProcess p = start(dir, "run" + std::to_string(++run));
    m.wait(p);
    p.signal(SIGKILL);
    p.wait();
    std::size_t unacked = lines_after_checkpoint(checkpoints, writers);
    window += unacked;
    std::printf("[ measure  ] kill %2d (%s): %zu distinct lines at rsyslogd, %zu after the checkpoint\n",
                run, m.what.c_str(), tally.distinct(), unacked);
  }
  stop_writing = true;
  writing.join();
  std::size_t total = 0;
  for (auto& w : writers) total += static_cast<std::size_t>(w->written());
  ChildProcess last = start(dir, "last");
  ASSERT_TRUE(wait_until([&] { return tally.distinct() >= total; }, std::chrono::seconds(60),
                         "every line after the 20th restart"))
      << tally.distinct() << " of " << total << "\n" << last.err();
  EXPECT_EQ(last.stop(), 0) << last.err();
  const auto& counts = tally.counts();
  std::size_t missing = 0, repeats = 0;
  for (auto& w : writers)
    for (int i = 0; i < w->written(); ++i) {
      auto it = counts.find(w->prefix() + std::to_string(i));
      if (it == counts.end()) {
        ++missing;
      } else {
        repeats += static_cast<std::size_t>(it->second - 1);
      }
    }
  EXPECT_EQ(counts.size(), total);  // nothing made up
  EXPECT_EQ(missing, 0u);
  std::printf("[ measure  ] 20 kills: %zu lines, %zu repeated (%.0f per kill), %zu torn frames; "
              "bound (lines after the checkpoint at the kills) %zu\n",
              total, repeats, static_cast<double>(repeats) / 20.0, tally.torn(), window);
  // Repeats come only from the window a restart reads again: what lay after the persisted
  // checkpoint at each kill (a run killed before its first checkpoint leaves the previous one).
  EXPECT_LE(repeats, window);
}

}  // namespace
}  // namespace logferry::testing
