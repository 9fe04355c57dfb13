// The file source in-process with a recording output, against files written, rotated (by
// rename as logrotate's `create`, and by copytruncate) and truncated the way real writers do.
// Each test asserts that every line arrives exactly once, in order per file.
#include "sources/file/file_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <mutex>
#include <thread>

#include "config/pipeline_config.h"
#include "app/app.h"
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

struct Line {
  std::string message, path, host;
  bool truncated = false;
  bool has_timestamp = false;
};

// Keeps what the source sends; releasing a batch acknowledges it.
class LineRecorder final : public testing::RecordingOutput<Line> {
 public:
  std::vector<Line> lines() { return records(); }
  std::vector<std::string> messages() {
    std::vector<std::string> out;
    for (const auto& l : records()) out.push_back(l.message);
    return out;
  }
  std::size_t size() { return count(); }

 private:
  Line record(const Event& e) override {
    auto text = [&](std::string_view key) {
      const Value* v = e.root().get(key);
      return v && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    const Value* cut = e.root().get("truncated");
    return {text("message"), text("path"), text("host"), cut && cut->as_bool(),
            e.root().get("@timestamp") != nullptr};
  }
};

// The source on its thread; destruction stops it and persists checkpoints as the runtime does.
class SourceThread : public testing::RunningSource<FileSource> {
 public:
  SourceThread(const FileSource::Options& options, const fs::path& data_dir, Metrics& metrics,
               LineRecorder& out)
      : RunningSource(options, BuildContext{"files", metrics, data_dir, data_dir, "node-7"}, out) {}
};

// A program appending to its log through one descriptor, as daemons do.
class Writer {
 public:
  explicit Writer(fs::path path) : path_(std::move(path)) { open(); }
  ~Writer() { ::close(fd_); }
  void lines(const std::string& prefix, int count) {
    std::string s;
    for (int i = 0; i < count; ++i) s += prefix + std::to_string(i) + "\n";
    raw(s);
  }
  void raw(const std::string& s) {
    ASSERT_EQ(::write(fd_, s.data(), s.size()), static_cast<ssize_t>(s.size()));
  }
  // logrotate `create`: rename, then the program reopens (after a signal, later).
  void rename_to(const fs::path& to) { fs::rename(path_, to); }
  void open() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  }
  // logrotate `copytruncate`: copy, then truncate the file the program keeps writing.
  void copytruncate(const fs::path& to) {
    fs::copy_file(path_, to);
    ASSERT_EQ(::ftruncate(fd_, 0), 0);
  }

 private:
  fs::path path_;
  int fd_ = -1;
};

class FileSourceTest : public ::testing::Test {
 protected:
  FileSource::Options options() const {
    FileSource::Options o;
    o.include = {(dir_ / "logs" / "*.log").string()};
    o.glob_interval = std::chrono::milliseconds(200);
    o.checkpoint_interval = std::chrono::milliseconds(100);
    return o;
  }
  fs::path log(const std::string& name) const { return dir_ / "logs" / name; }
  fs::path data() const { return dir_ / "data"; }
  void expect_messages(const std::vector<std::string>& want) {
    ASSERT_TRUE(wait_until([&] { return out_.size() >= want.size(); }, std::chrono::seconds(10),
                           "all lines"))
        << out_.size() << " of " << want.size();
    EXPECT_EQ(out_.messages(), want);
  }
  int64_t metric(const std::string& name) {
    return metrics_.value("logferry_file_source_" + name, {{"component", "files"}});
  }
  void SetUp() override { fs::create_directories(dir_ / "logs"); }

  TempDir dir_;
  Metrics metrics_;
  LineRecorder out_;
};

TEST_F(FileSourceTest, LinesOfNewAndExistingFilesWithTheirFields) {
  Writer before(log("a.log"));
  before.raw("first\n\nthird\r\n");
  SourceThread src(options(), data(), metrics_, out_);
  Writer later(log("b.log"));
  later.raw("from b\n");
  ASSERT_TRUE(wait_until([&] { return out_.size() == 4; }));
  auto lines = out_.lines();
  std::sort(lines.begin(), lines.end(), [](auto& x, auto& y) { return x.path < y.path; });
  EXPECT_EQ(lines[0].message, "first");
  EXPECT_EQ(lines[1].message, "");         // an empty line is an event, as in Logstash
  EXPECT_EQ(lines[2].message, "third\r");  // only "\n" delimits
  EXPECT_EQ(lines[3].message, "from b");
  EXPECT_EQ(lines[0].path, log("a.log").string());
  EXPECT_EQ(lines[3].path, log("b.log").string());
  EXPECT_EQ(lines[0].host, "node-7");
  EXPECT_TRUE(lines[0].has_timestamp);
  EXPECT_FALSE(lines[0].truncated);
}

TEST_F(FileSourceTest, UnfinishedLastLineWaitsForItsNewline) {
  SourceThread src(options(), data(), metrics_, out_);
  Writer w(log("a.log"));
  w.raw("whole\npart");
  expect_messages({"whole"});
  w.raw("ial\n");
  expect_messages({"whole", "partial"});
}

TEST_F(FileSourceTest, RenameRotationDrainsTheOldFileFirst) {
  SourceThread src(options(), data(), metrics_, out_);
  Writer w(log("app.log"));
  w.lines("a", 500);
  ASSERT_TRUE(wait_until([&] { return out_.size() == 500; }));
  w.lines("b", 300);
  w.rename_to(log("app.log.1"));  // not matched by *.log: found only as the rotated inode
  w.lines("c", 200);              // the program has not reopened yet
  w.open();
  w.lines("d", 400);
  expect_messages(concat({seq("a", 500), seq("b", 300), seq("c", 200), seq("d", 400)}));
  EXPECT_GE(metric("files_rotated_total"), 1);
}

TEST_F(FileSourceTest, RenameRotationIntoAMatchedNameIsNotReadTwice) {
  auto o = options();
  o.include = {(dir_ / "logs" / "app.log*").string()};  // matches app.log.1 as well
  SourceThread src(o, data(), metrics_, out_);
  Writer w(log("app.log"));
  w.lines("a", 100);
  ASSERT_TRUE(wait_until([&] { return out_.size() == 100; }));
  w.rename_to(log("app.log.1"));
  w.lines("b", 100);
  w.open();
  w.lines("c", 100);
  expect_messages(concat({seq("a", 100), seq("b", 100), seq("c", 100)}));
}

TEST_F(FileSourceTest, CopyTruncateReadsTheFileAgainFromItsStart) {
  SourceThread src(options(), data(), metrics_, out_);
  Writer w(log("app.log"));
  w.lines("a", 100);
  ASSERT_TRUE(wait_until([&] { return out_.size() == 100; }));
  w.copytruncate(dir_ / "app.log.1");  // the copy is outside the globs
  w.lines("b", 50);                     // shorter than before: the reader sees the size drop
  expect_messages(concat({seq("a", 100), seq("b", 50)}));
  EXPECT_EQ(metric("files_truncated_total"), 1);
}

TEST_F(FileSourceTest, TruncatedAndRewrittenFileIsReadFromZero) {
  SourceThread src(options(), data(), metrics_, out_);
  { std::ofstream(log("state.log")) << "one\ntwo\nthree\n"; }
  expect_messages({"one", "two", "three"});
  { std::ofstream(log("state.log"), std::ios::trunc) << "x\n"; }
  expect_messages({"one", "two", "three", "x"});
}

TEST_F(FileSourceTest, ReadFromEndSkipsWhatExistedAtStartOnly) {
  Writer w(log("old.log"));
  w.lines("old", 50);
  auto o = options();
  o.read_from = "end";
  SourceThread src(o, data(), metrics_, out_);
  ASSERT_TRUE(wait_until([&] { return fs::exists(data() / "checkpoints"); }));
  w.lines("new", 20);
  expect_messages(seq("new", 20));
  Writer w2(log("later.log"));  // appeared after the start: read from its beginning
  w2.lines("later", 5);
  expect_messages(concat({seq("new", 20), seq("later", 5)}));
}

TEST_F(FileSourceTest, IgnoreOlderReadsOldFilesFromTheirEnd) {
  Writer w(log("stale.log"));
  w.lines("stale", 10);
  timespec old[2] = {{::time(nullptr) - 7200, 0}, {::time(nullptr) - 7200, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, log("stale.log").c_str(), old, 0), 0);
  Writer fresh(log("fresh.log"));
  fresh.lines("fresh", 3);
  auto o = options();
  o.ignore_older = std::chrono::hours(1);
  SourceThread src(o, data(), metrics_, out_);
  expect_messages(seq("fresh", 3));
  w.lines("now", 2);  // written after discovery: read
  expect_messages(concat({seq("fresh", 3), seq("now", 2)}));
}

TEST_F(FileSourceTest, LongLinesAreCutMarkedAndCounted) {
  auto o = options();
  o.max_line_bytes = config::ByteSize{1000};
  o.read_buffer = config::ByteSize{4096};  // the buffer is max_line_bytes + 64 KiB
  SourceThread src(o, data(), metrics_, out_);
  Writer w(log("a.log"));
  std::string longer(5000, 'x');
  std::string huge(200 * 1024, 'y');  // longer than the read buffer itself
  w.raw("short\n" + longer + "\n" + huge + "\nafter\n");
  expect_messages({"short", std::string(1000, 'x'), std::string(1000, 'y'), "after"});
  auto lines = out_.lines();
  EXPECT_FALSE(lines[0].truncated);
  EXPECT_TRUE(lines[1].truncated);
  EXPECT_TRUE(lines[2].truncated);
  EXPECT_FALSE(lines[3].truncated);
  EXPECT_EQ(metric("truncated_lines_total"), 2);
}

TEST_F(FileSourceTest, ExcludeByPathAndByFileName) {
  auto o = options();
  o.include = {(dir_ / "logs" / "*").string()};
  o.exclude = {"*.old", (dir_ / "logs" / "debug*").string()};
  SourceThread src(o, data(), metrics_, out_);
  Writer keep(log("app.log")), old(log("app.old")), debug(log("debug.log"));
  Writer gz(log("app.log.1.gz"));  // compressed rotations are never read
  old.lines("old", 3);
  debug.lines("debug", 3);
  gz.lines("gz", 3);
  keep.lines("keep", 3);
  expect_messages(seq("keep", 3));
  keep.lines("more", 1);  // what was excluded has had time to arrive, had it been read
  expect_messages(concat({seq("keep", 3), seq("more", 1)}));
}

TEST_F(FileSourceTest, MaxOpenFilesCapsDescriptorsAndEveryFileIsStillRead) {
  auto o = options();
  o.max_open_files = 2;
  SourceThread src(o, data(), metrics_, out_);
  std::vector<std::unique_ptr<Writer>> writers;
  for (int i = 0; i < 6; ++i) {
    writers.push_back(std::make_unique<Writer>(log("f" + std::to_string(i) + ".log")));
    writers.back()->lines("f" + std::to_string(i) + "-", 20);
  }
  int64_t most_open = 0;
  ASSERT_TRUE(wait_until([&] {
    most_open = std::max(most_open, metric("open_files"));
    return out_.size() == 120;
  }));
  EXPECT_LE(most_open, 2);
  for (int i = 0; i < 6; ++i) writers[static_cast<std::size_t>(i)]->lines("g" + std::to_string(i) + "-", 5);
  ASSERT_TRUE(wait_until([&] {
    most_open = std::max(most_open, metric("open_files"));
    return out_.size() == 150;
  }));
  EXPECT_LE(most_open, 2);
  EXPECT_GE(metric("descriptor_waits_total"), 1);
  // Per file, in order and once.
  for (int i = 0; i < 6; ++i) {
    std::vector<std::string> got;
    for (const auto& l : out_.lines())
      if (l.path == log("f" + std::to_string(i) + ".log").string()) got.push_back(l.message);
    std::string n = std::to_string(i);
    EXPECT_EQ(got, concat({seq("f" + n + "-", 20), seq("g" + n + "-", 5)})) << i;
  }
}

TEST_F(FileSourceTest, RestartResumesFromCheckpointsWithLinesWrittenWhileStopped) {
  Writer w(log("app.log"));
  w.lines("a", 300);
  {
    SourceThread src(options(), data(), metrics_, out_);
    expect_messages(seq("a", 300));
  }
  w.lines("b", 100);
  w.rename_to(log("app.log.1"));  // rotated while stopped: the old inode is found again
  w.lines("c", 10);
  w.open();
  w.lines("d", 100);
  SourceThread src(options(), data(), metrics_, out_);
  expect_messages(concat({seq("a", 300), seq("b", 100), seq("c", 10), seq("d", 100)}));
}

TEST_F(FileSourceTest, CheckpointFileDevNullKeepsNothingAcrossRestarts) {
  Writer w(log("app.log"));
  w.lines("a", 10);
  auto o = options();
  o.checkpoint_file = "/dev/null";
  {
    SourceThread src(o, data(), metrics_, out_);
    expect_messages(seq("a", 10));
  }
  EXPECT_FALSE(fs::exists(data() / "checkpoints"));
  SourceThread src(o, data(), metrics_, out_);
  expect_messages(concat({seq("a", 10), seq("a", 10)}));
}

TEST_F(FileSourceTest, CheckpointFileElsewhere) {
  Writer w(log("app.log"));
  w.lines("a", 10);
  auto o = options();
  o.checkpoint_file = (dir_ / "state" / "positions").string();
  {
    SourceThread src(o, data(), metrics_, out_);
    expect_messages(seq("a", 10));
  }
  EXPECT_TRUE(fs::exists(dir_ / "state" / "positions"));
  w.lines("b", 5);
  SourceThread src(o, data(), metrics_, out_);
  expect_messages(concat({seq("a", 10), seq("b", 5)}));
}

TEST_F(FileSourceTest, ALogstashSincedbAtTheCheckpointFileIsReplaced) {
  Writer w(log("app.log"));
  w.lines("a", 10);
  fs::path sincedb = dir_ / "sincedb";
  { std::ofstream(sincedb) << "1234 0 2049 99 1700000000.5 /var/log/app.log\n"; }
  auto o = options();
  o.checkpoint_file = sincedb.string();
  {
    SourceThread src(o, data(), metrics_, out_);
    expect_messages(seq("a", 10));  // not understood: read as read_from says
  }
  EXPECT_EQ(testing::read_file(sincedb).rfind("logferry-checkpoints 1\n", 0), 0u);
  w.lines("b", 3);
  SourceThread src(o, data(), metrics_, out_);
  expect_messages(concat({seq("a", 10), seq("b", 3)}));
}

TEST(FileSourceConfig, OptionsAreValidated) {
  TempDir dir;
  auto parse = [&](const std::string& options) {
    std::string yaml = "sources:\n  f:\n    type: file\n" + options +
                       "sinks:\n  out: {type: blackhole, inputs: [f]}\n";
    config::Diagnostics diags("test.yaml");
    config::parse_pipeline(yaml, dir.path(), app::registry(), diags);
    return diags.format();
  };
  EXPECT_EQ(parse("    include: ['/var/log/*.log']\n"), "");
  EXPECT_NE(parse("    exclude: ['*.gz']\n").find("include: needs at least one glob"),
            std::string::npos);
  EXPECT_NE(parse("    include: ['/x/*.log']\n    encoding: latin1\n").find("encoding"),
            std::string::npos);
  EXPECT_NE(parse("    include: ['/x/*.log']\n    read_from: middle\n").find("read_from"),
            std::string::npos);
  EXPECT_NE(parse("    include: ['/x/*.log']\n    max_open_files: -1\n").find("max_open_files"),
            std::string::npos);
}

}  // namespace
}  // namespace logferry::sources
