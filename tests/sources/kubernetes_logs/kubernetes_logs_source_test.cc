// The kubernetes_logs source in-process, with a recording output, against a fake kubelet that
// writes and rotates files the way kubelet and containerd do. Each test asserts that every line
// arrives exactly once and in order per file.
#include "sources/kubernetes_logs/kubernetes_logs_source.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zlib.h>

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include "core/time_util.h"
#include "support/source_harness.h"
#include "support/temp_dir.h"
#include "support/wait.h"

namespace logferry::sources {
namespace {

using testing::TempDir;
using testing::concat;
using testing::seq;
using testing::wait_until;
namespace fs = std::filesystem;

struct Record {
  std::string log, stream, source, ns, pod, container, container_id, pod_uid, host;
  int64_t ts = 0;
  bool truncated = false;
};

std::string str(const Object& o, std::string_view key) {
  const Value* v = o.get(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

class RecordingOutput final : public testing::RecordingOutput<Record> {
 public:
  std::vector<std::string> logs() {
    std::vector<std::string> out;
    for (const auto& r : records()) out.push_back(r.log);
    return out;
  }

 private:
  Record record(const Event& e) override {
    Record r;
    const Object& root = e.root();
    r.log = str(root, "log");
    r.stream = str(root, "stream");
    r.source = str(root, "source");
    r.host = str(root, "host");
    if (const Value* t = root.get("@timestamp")) r.ts = t->as_timestamp().ns;
    if (const Value* t = root.get("truncated")) r.truncated = t->as_bool();
    if (const Value* k = root.get("kubernetes"); k && k->is_object()) {
      r.ns = str(*k->as_object(), "namespace");
      r.pod = str(*k->as_object(), "pod");
      r.container = str(*k->as_object(), "container");
      r.container_id = str(*k->as_object(), "container_id");
      r.pod_uid = str(*k->as_object(), "pod_uid");
    }
    return r;
  }
};

// A running source; stop() persists checkpoints like the runtime does.
class Running : public testing::RunningSource<KubernetesLogsSource> {
 public:
  Running(const KubernetesLogsSource::Options& options, const fs::path& data_dir, Metrics& metrics,
          RecordingOutput& out)
      : RunningSource(options, BuildContext{"k8s", metrics, data_dir, data_dir, "node-1"}, out) {}
};

const std::string kId(64, 'c');

// Writes like containerd: one fd kept open, appends CRI lines; kubelet-style rotation.
class FakeContainer {
 public:
  FakeContainer(const fs::path& root, std::string pod = "web", std::string ns = "prod",
                std::string container = "app")
      : root_(root), pod_(std::move(pod)), ns_(std::move(ns)), container_(std::move(container)) {
    dir_ = root_ / "pods" / (ns_ + "_" + pod_ + "_uid-1234") / container_;
    fs::create_directories(dir_);
    fs::create_directories(root_ / "containers");
    open_new(0);
    link_ = root_ / "containers" / (pod_ + "_" + ns_ + "_" + container_ + "-" + kId + ".log");
    fs::create_symlink(current_, link_);
  }
  ~FakeContainer() {
    if (fd_ >= 0) ::close(fd_);
  }
  void write_raw(const std::string& s) {
    ASSERT_EQ(::write(fd_, s.data(), s.size()), static_cast<ssize_t>(s.size()));
  }
  void line(const std::string& content, const char* stream = "stdout", const char* tag = "F") {
    write_raw(fmt::format("2024-05-01T10:00:{:02}.{:09}Z {} {} {}\n", (n_ / 1000) % 60, n_, stream,
                          tag, content));
    ++n_;
  }
  // Lines "<prefix>0" .. "<prefix><count-1>".
  void lines(const std::string& prefix, int count) {
    std::string batch;
    for (int i = 0; i < count; ++i) {
      batch += fmt::format("2024-05-01T10:00:{:02}.{:09}Z stdout F {}{}\n", (n_ / 1000) % 60, n_,
                           prefix, i);
      ++n_;
    }
    write_raw(batch);
  }
  // kubelet: rename 0.log -> 0.log.<timestamp>; the runtime reopens 0.log (a new inode).
  // Returns the rotated path. The old fd stays open until reopen(), as in containerd.
  fs::path rename_rotate() {
    fs::path rotated = current_;
    rotated += ".20240501-100000";
    fs::rename(current_, rotated);
    return rotated;
  }
  void reopen() {
    ::close(fd_);
    fd_ = ::open(current_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  }
  // kubelet: gzip a rotated file (x.tmp -> x.gz, a new inode), then delete the original.
  static void gzip_and_delete(const fs::path& rotated) {
    std::string content = testing::read_file(rotated);
    fs::path tmp = rotated;
    tmp += ".tmp";
    gzFile gz = gzopen(tmp.c_str(), "wb");
    gzwrite(gz, content.data(), static_cast<unsigned>(content.size()));
    gzclose(gz);
    fs::path gzpath = rotated;
    gzpath += ".gz";
    fs::rename(tmp, gzpath);
    fs::remove(rotated);
  }
  // Container restart: the runtime writes <n>.log and kubelet retargets the symlink.
  void restart(int n) {
    ::close(fd_);
    open_new(n);
    fs::path tmp = link_;
    tmp += ".new";
    fs::create_symlink(current_, tmp);
    fs::rename(tmp, link_);  // atomic retarget
  }
  const fs::path& link() const { return link_; }
  const fs::path& current() const { return current_; }
  int fd() const { return fd_; }

 private:
  void open_new(int n) {
    current_ = dir_ / (std::to_string(n) + ".log");
    fd_ = ::open(current_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  }
  fs::path root_, dir_, current_, link_;
  std::string pod_, ns_, container_;
  int fd_ = -1;
  int64_t n_ = 0;
};

class KubernetesLogsSourceTest : public ::testing::Test {
 protected:
  KubernetesLogsSource::Options options() {
    KubernetesLogsSource::Options o;
    o.include = {(dir_ / "containers" / "*.log").string()};
    o.glob_interval = std::chrono::milliseconds(200);
    o.checkpoint_interval = std::chrono::milliseconds(100);
    return o;
  }
  fs::path data() const { return dir_ / "data"; }
  // Waits for exactly `want` (in order) and checks nothing more arrives after a settle pass.
  void expect_logs(const std::vector<std::string>& want) {
    ASSERT_TRUE(wait_until([&] { return out_.count() >= want.size(); },
                           std::chrono::seconds(10), "all lines"))
        << out_.count() << " of " << want.size();
    EXPECT_EQ(out_.logs(), want);
  }
  int64_t metric(const std::string& name) { return metrics_.value(name, {{"component", "k8s"}}); }

  TempDir dir_;
  Metrics metrics_;
  RecordingOutput out_;
};

TEST_F(KubernetesLogsSourceTest, NewFileAppearsWithAllFields) {
  Running src(options(), data(), metrics_, out_);
  FakeContainer c(dir_.path());
  c.line("hello world");
  c.line("oops", "stderr");
  expect_logs({"hello world", "oops"});
  auto r = out_.records();
  EXPECT_EQ(r[0].stream, "stdout");
  EXPECT_EQ(r[1].stream, "stderr");
  EXPECT_EQ(r[0].ts, parse_rfc3339("2024-05-01T10:00:00.000000000Z")->ns);
  EXPECT_EQ(r[1].ts, parse_rfc3339("2024-05-01T10:00:00.000000001Z")->ns);
  EXPECT_EQ(r[0].ns, "prod");
  EXPECT_EQ(r[0].pod, "web");
  EXPECT_EQ(r[0].container, "app");
  EXPECT_EQ(r[0].container_id, kId);
  EXPECT_EQ(r[0].pod_uid, "uid-1234");
  EXPECT_EQ(r[0].source, c.link().string());
  EXPECT_EQ(r[0].host, "node-1");
}

TEST_F(KubernetesLogsSourceTest, FilesOfExcludedNamespacesAreNeverOpened) {
  auto o = options();
  o.exclude_namespaces = {"kube-*", "secret"};
  Running src(o, data(), metrics_, out_);
  FakeContainer system(dir_.path(), "coredns", "kube-system");
  FakeContainer hidden(dir_.path(), "vault", "secret");
  FakeContainer shown(dir_.path(), "web", "secretive");  // not a prefix pattern: read
  system.line("dns");
  hidden.line("password");
  shown.line("visible");
  expect_logs({"visible"});
  ASSERT_TRUE(wait_until([&] { return metric("logferry_kubernetes_logs_files_excluded_total") == 2; }));
  EXPECT_EQ(metric("logferry_kubernetes_logs_tracked_files"), 1);
}

TEST_F(KubernetesLogsSourceTest, RenameRotationDrainsTheOldFileFirst) {
  Running src(options(), data(), metrics_, out_);
  FakeContainer c(dir_.path());
  c.lines("a", 500);
  ASSERT_TRUE(wait_until([&] { return out_.count() == 500; }));
  c.lines("b", 300);          // maybe not read yet when the rename happens
  c.rename_rotate();
  c.lines("c", 200);          // still into the old fd: the runtime has not reopened yet
  c.reopen();
  c.lines("d", 400);          // the new 0.log
  expect_logs(concat({seq("a", 500), seq("b", 300), seq("c", 200), seq("d", 400)}));
  EXPECT_GE(metric("logferry_kubernetes_logs_files_rotated_total"), 1);
}

TEST_F(KubernetesLogsSourceTest, CopyTruncateStartsOver) {
  Running src(options(), data(), metrics_, out_);
  FakeContainer c(dir_.path());
  c.lines("a", 100);
  ASSERT_TRUE(wait_until([&] { return out_.count() == 100; }));
  fs::copy_file(c.current(), dir_ / "copy.log");
  ASSERT_EQ(::ftruncate(c.fd(), 0), 0);
  c.lines("b", 50);  // shorter than before: the reader sees the size drop
  expect_logs(concat({seq("a", 100), seq("b", 50)}));
  EXPECT_EQ(metric("logferry_kubernetes_logs_files_truncated_total"), 1);
}

TEST_F(KubernetesLogsSourceTest, GzippedAndDeletedWhileOpenIsDrainedNeverReread) {
  auto o = options();
  o.include.push_back((dir_ / "pods" / "*" / "*" / "*").string());  // would match .gz too
  o.rotate_wait = std::chrono::minutes(10);  // only the deletion may close the old fd
  Running src(o, data(), metrics_, out_);
  FakeContainer c(dir_.path());
  c.lines("a", 300);
  ASSERT_TRUE(wait_until([&] { return out_.count() == 300; }));
  fs::path rotated = c.rename_rotate();
  c.lines("b", 100);
  c.reopen();
  c.lines("c", 100);
  ASSERT_TRUE(wait_until([&] { return out_.count() == 500; }));
  FakeContainer::gzip_and_delete(rotated);
  c.lines("d", 100);
  expect_logs(concat({seq("a", 300), seq("b", 100), seq("c", 100), seq("d", 100)}));
  // The deleted file's descriptor is closed: only the live 0.log stays open.
  EXPECT_TRUE(wait_until([&] { return metric("logferry_kubernetes_logs_open_files") == 1; }))
      << metric("logferry_kubernetes_logs_open_files");
  c.lines("e", 10);
  expect_logs(concat({seq("a", 300), seq("b", 100), seq("c", 100), seq("d", 100), seq("e", 10)}));
}

TEST_F(KubernetesLogsSourceTest, SymlinkRetargetOnContainerRestart) {
  Running src(options(), data(), metrics_, out_);
  FakeContainer c(dir_.path());
  c.lines("a", 100);
  ASSERT_TRUE(wait_until([&] { return out_.count() == 100; }));
  c.lines("z", 100);  // the last words of the old container, maybe not read before the retarget
  c.restart(1);
  c.lines("b", 200);
  expect_logs(concat({seq("a", 100), seq("z", 100), seq("b", 200)}));
  auto r = out_.records();
  EXPECT_EQ(r.back().source, c.link().string());
  EXPECT_EQ(r.back().container, "app");
}

TEST_F(KubernetesLogsSourceTest, DeletedFileIsDrainedAndClosed) {
  Running src(options(), data(), metrics_, out_);
  FakeContainer c(dir_.path());
  ASSERT_TRUE(wait_until([&] { return metric("logferry_kubernetes_logs_tracked_files") == 1; }));
  c.lines("a", 100);
  fs::remove(c.link());
  fs::remove(c.current());
  expect_logs(seq("a", 100));
  EXPECT_TRUE(wait_until([&] { return metric("logferry_kubernetes_logs_tracked_files") == 0; }));
  EXPECT_EQ(metric("logferry_kubernetes_logs_open_files"), 0);
}

TEST_F(KubernetesLogsSourceTest, ReadFromEndSkipsExistingLinesOnly) {
  FakeContainer c(dir_.path());
  c.lines("old", 50);
  auto o = options();
  o.read_from = "end";
  Running src(o, data(), metrics_, out_);
  // A second container appearing later is read from its beginning.
  ASSERT_TRUE(wait_until([&] { return fs::exists(data() / "checkpoints"); }));
  c.lines("new", 20);
  expect_logs(seq("new", 20));
  FakeContainer c2(dir_.path(), "api");
  c2.lines("api", 5);
  expect_logs(concat({seq("new", 20), seq("api", 5)}));
}

TEST_F(KubernetesLogsSourceTest, RestartResumesFromCheckpointIncludingLinesWrittenWhileStopped) {
  FakeContainer c(dir_.path());
  c.lines("a", 300);
  {
    Running src(options(), data(), metrics_, out_);
    expect_logs(seq("a", 300));
  }
  c.lines("b", 100);  // the pipeline is stopped
  Running src(options(), data(), metrics_, out_);
  c.lines("c", 100);
  expect_logs(concat({seq("a", 300), seq("b", 100), seq("c", 100)}));
}

TEST_F(KubernetesLogsSourceTest, RotationWhileStoppedRecoversTheRotatedFile) {
  FakeContainer c(dir_.path());
  c.lines("a", 100);
  {
    Running src(options(), data(), metrics_, out_);
    expect_logs(seq("a", 100));
  }
  c.lines("b", 100);
  c.rename_rotate();
  c.reopen();
  c.lines("c", 100);
  Running src(options(), data(), metrics_, out_);
  expect_logs(concat({seq("a", 100), seq("b", 100), seq("c", 100)}));
}

TEST_F(KubernetesLogsSourceTest, PartialLinesJoinedAndCutAtMaxLineBytes) {
  auto o = options();
  o.max_line_bytes = config::ByteSize{20 * 1024};
  Running src(o, data(), metrics_, out_);
  FakeContainer c(dir_.path());
  std::string big(16384, 'x');
  c.line(big, "stdout", "P");
  c.line("interleaved", "stderr", "F");
  c.line(big, "stdout", "P");
  c.line("end", "stdout", "F");
  c.line("short", "stdout", "F");
  expect_logs({"interleaved", std::string(20 * 1024, 'x'), "short"});
  auto r = out_.records();
  EXPECT_TRUE(r[1].truncated);
  EXPECT_FALSE(r[2].truncated);
  EXPECT_EQ(metric("logferry_kubernetes_logs_truncated_lines_total"), 1);
}

TEST_F(KubernetesLogsSourceTest, LongLinesUtf8InvalidUtf8AndNulPassThrough) {
  Running src(options(), data(), metrics_, out_);
  FakeContainer c(dir_.path());
  std::string big;
  for (int i = 0; i < 40 * 1024; ++i) big += static_cast<char>('a' + i % 26);
  std::string utf8 = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80 \xe6\x97\xa5\xe6\x9c\xac";
  std::string invalid = "bad \xff\xfe \xc3 end";
  std::string nul("nul\0inside\0", 11);
  c.line(big);
  c.line(utf8);
  c.line(invalid);
  c.line(nul);
  expect_logs({big, utf8, invalid, nul});
}

TEST_F(KubernetesLogsSourceTest, MalformedLinesKeptAndCounted) {
  Running src(options(), data(), metrics_, out_);
  FakeContainer c(dir_.path());
  c.line("before");
  c.write_raw("this is not CRI\n");
  c.line("after");
  expect_logs({"before", "this is not CRI", "after"});
  EXPECT_EQ(metric("logferry_kubernetes_logs_malformed_lines_total"), 1);
}

TEST_F(KubernetesLogsSourceTest, DockerJsonFileDirectlyUnderPods) {
  auto o = options();
  o.include = {(dir_ / "pods" / "*" / "*" / "*.log").string()};
  o.watch = "poll";
  Running src(o, data(), metrics_, out_);
  fs::path f = dir_ / "pods" / "ns1_pod1_uid-9" / "ctr" / "0.log";
  fs::create_directories(f.parent_path());
  std::ofstream(f) << R"({"log":"first\n","stream":"stdout","time":"2024-05-01T10:00:00.5Z"})" "\n"
                   << R"({"log":"split ","stream":"stderr","time":"2024-05-01T10:00:01Z"})" "\n"
                   << R"({"log":"line\n","stream":"stderr","time":"2024-05-01T10:00:02Z"})" "\n";
  expect_logs({"first", "split line"});
  auto r = out_.records();
  EXPECT_EQ(r[1].stream, "stderr");
  EXPECT_EQ(r[1].ts, parse_rfc3339("2024-05-01T10:00:01Z")->ns);
  EXPECT_EQ(r[0].ns, "ns1");
  EXPECT_EQ(r[0].pod, "pod1");
  EXPECT_EQ(r[0].pod_uid, "uid-9");
  EXPECT_EQ(r[0].container, "ctr");
}

TEST_F(KubernetesLogsSourceTest, IdleFilesGiveUpTheirDescriptorAndComeBack) {
  auto o = options();
  o.close_idle_after = std::chrono::milliseconds(100);
  Running src(o, data(), metrics_, out_);
  FakeContainer c(dir_.path());
  c.lines("a", 50);
  ASSERT_TRUE(wait_until([&] { return out_.count() == 50; }));
  ASSERT_TRUE(wait_until([&] { return metric("logferry_kubernetes_logs_open_files") == 0; }));
  c.lines("b", 50);  // reopened by path, same inode, same offset
  expect_logs(concat({seq("a", 50), seq("b", 50)}));
  ASSERT_TRUE(wait_until([&] { return metric("logferry_kubernetes_logs_open_files") == 0; }));
  // Rotated while closed: the old inode is found next to its old name and drained first.
  c.rename_rotate();
  c.lines("c", 50);  // into the renamed file, whose descriptor we had given up
  c.reopen();
  c.lines("d", 50);
  expect_logs(concat({seq("a", 50), seq("b", 50), seq("c", 50), seq("d", 50)}));
}

TEST_F(KubernetesLogsSourceTest, LinesWrittenAfterARotationWasSeenComeBeforeTheNewFiles) {
  // containerd writes to the renamed file until it reopens; logferry has already found the new
  // file by then. Those late lines are older than the new file's and must come first, read on
  // their inotify event, not at the rotated file's quiet timeout (rotate_wait, 5 s).
  Running src(options(), data(), metrics_, out_);
  FakeContainer c(dir_.path());
  c.lines("a", 20);
  ASSERT_TRUE(wait_until([&] { return out_.count() == 20; }));
  c.rename_rotate();
  { std::ofstream create(c.current()); }  // kubelet's new 0.log, before the runtime reopens
  ASSERT_TRUE(wait_until([&] { return metric("logferry_kubernetes_logs_files_rotated_total") == 1; }));
  c.lines("c", 50);  // still through the old descriptor: into the rotated file
  c.reopen();
  c.lines("d", 50);
  ASSERT_TRUE(wait_until([&] { return out_.count() >= 120; }, std::chrono::seconds(3), "all lines"))
      << out_.count() << " of 120 within 3 s (rotate_wait is 5 s)";
  EXPECT_EQ(out_.logs(), concat({seq("a", 20), seq("c", 50), seq("d", 50)}));
}

TEST_F(KubernetesLogsSourceTest, ManyFilesNoBusyLoop) {
  auto o = options();
  Running src(o, data(), metrics_, out_);
  std::vector<std::unique_ptr<FakeContainer>> cs;
  for (int i = 0; i < 200; ++i) {
    cs.push_back(std::make_unique<FakeContainer>(dir_.path(), "pod" + std::to_string(i)));
    cs.back()->lines("x", 10);
  }
  ASSERT_TRUE(wait_until([&] { return out_.count() == 2000; }));
  // Idle: the source thread sleeps in poll, it does not spin.
  rusage before{}, after{};
  getrusage(RUSAGE_SELF, &before);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));  // measuring idle CPU, not waiting for a result
  getrusage(RUSAGE_SELF, &after);
  auto cpu_us = [](const rusage& r) {
    return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1'000'000 + r.ru_utime.tv_usec + r.ru_stime.tv_usec;
  };
  EXPECT_LT(cpu_us(after) - cpu_us(before), 300'000);
  EXPECT_EQ(out_.count(), 2000u);
}

// Container logs written and closed, as a node has them after a burst: pods/<ns>_<pod>_<uid>/app/0.log
// with a symlink in containers/.
void write_quiet_containers(const fs::path& root, int count, int lines_each) {
  fs::create_directories(root / "containers");
  for (int i = 0; i < count; ++i) {
    std::string pod = "pod" + std::to_string(i);
    fs::path dir = root / "pods" / ("prod_" + pod + "_uid-" + std::to_string(i)) / "app";
    fs::create_directories(dir);
    std::ofstream f(dir / "0.log");
    for (int n = 0; n < lines_each; ++n)
      f << fmt::format("2024-05-01T10:00:00.{:09}Z stdout F {}-{}\n", n, pod, n);
    fs::create_symlink(dir / "0.log", root / "containers" / (pod + "_prod_app-" + kId + ".log"));
  }
}

// Descriptors of this process open on container logs (*/0.log), from /proc/self/fd.
int open_log_descriptors() {
  int n = 0;
  for (const auto& e : fs::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    auto target = fs::read_symlink(e.path(), ec);
    if (!ec && target.filename() == "0.log") ++n;
  }
  return n;
}

TEST_F(KubernetesLogsSourceTest, DescriptorBoundHoldsWhileDiscoveringManyFiles) {
  constexpr int kFiles = 1000, kLines = 5, kBound = 64;
  write_quiet_containers(dir_.path(), kFiles, kLines);
  auto o = options();
  o.max_open_files = kBound;
  std::atomic<bool> done{false};
  std::atomic<int> most{0};
  std::thread sampler([&] {  // from before the first open to the last line
    while (!done) {
      int n = open_log_descriptors();
      if (n > most) most = n;
    }
  });
  {
    Running src(o, data(), metrics_, out_);
    EXPECT_TRUE(wait_until([&] { return out_.count() == kFiles * kLines; },
                           std::chrono::seconds(30), "every line"))
        << out_.count();
    EXPECT_LE(metric("logferry_kubernetes_logs_open_files"), kBound);
  }
  done = true;
  sampler.join();
  EXPECT_LE(most.load(), kBound);
  EXPECT_GT(most.load(), 0);  // the sampler saw the reading
  EXPECT_GE(metric("logferry_kubernetes_logs_descriptor_waits_total"), kFiles - kBound);
  EXPECT_EQ(out_.count(), static_cast<std::size_t>(kFiles * kLines));
}

TEST_F(KubernetesLogsSourceTest, DefaultBoundIs256Descriptors) {
  EXPECT_EQ(KubernetesLogsSource::Options().max_open_files, 256);
}

// With inotify on the one directory the glob reads, quiet files cost no rescans: a change is
// found through its event. The same files polled are rescanned every glob_interval (which is
// what shows the counter works).
TEST_F(KubernetesLogsSourceTest, QuietFilesAreNotRescannedUnderInotify) {
  constexpr int kFiles = 300;
  write_quiet_containers(dir_.path(), kFiles, 2);
  auto o = options();
  o.glob_interval = std::chrono::milliseconds(50);
  Running src(o, data(), metrics_, out_);
  ASSERT_TRUE(wait_until([&] { return out_.count() == 2 * kFiles; }));
  const int64_t rescans = metric("logferry_kubernetes_logs_rescans_total");
  const int64_t checks = metric("logferry_kubernetes_logs_file_checks_total");
  // A line appended to one file arrives without a rescan.
  {
    std::ofstream f(dir_.path() / "pods" / "prod_pod7_uid-7" / "app" / "0.log", std::ios::app);
    f << "2024-05-01T10:00:01.000000000Z stdout F late\n";
  }
  ASSERT_TRUE(wait_until([&] { return out_.count() == 2 * kFiles + 1; }));
  // For 20 glob_intervals (a periodic rescan would have run by now), checked all along.
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1000);
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_EQ(metric("logferry_kubernetes_logs_rescans_total"), rescans);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(metric("logferry_kubernetes_logs_file_checks_total"), checks);
}

TEST_F(KubernetesLogsSourceTest, PolledFilesAreRescannedEveryGlobInterval) {
  write_quiet_containers(dir_.path(), 20, 2);
  auto o = options();
  o.glob_interval = std::chrono::milliseconds(50);
  o.watch = "poll";
  Running src(o, data(), metrics_, out_);
  ASSERT_TRUE(wait_until([&] { return out_.count() == 40; }));
  const int64_t rescans = metric("logferry_kubernetes_logs_rescans_total");
  EXPECT_TRUE(wait_until([&] { return metric("logferry_kubernetes_logs_rescans_total") >= rescans + 3; }));
}

}  // namespace
}  // namespace logferry::sources
