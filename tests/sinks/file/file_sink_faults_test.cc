// The file sink under real file system faults, on a small tmpfs of the test's own: disk full
// (ENOSPC, with a short write in the middle of a line), the output directory removed, made
// immutable or the file system remounted read-only, and a file renamed or truncated by another
// program (logrotate). In each case: the batch is held (kRetry) and counted, no partial line is
// left in a file, and once the fault is gone every line is written, once. Skips with a message
// only where the machine forbids mounting.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "sinks/file/file_sink.h"
#include "support/batch_builder.h"
#include "support/temp_dir.h"
#include "support/tmpfs_mount.h"

namespace logferry::testing {
uint64_t heap_allocations();  // alloc_counter_test.cc
}  // namespace logferry::testing

namespace logferry::sinks {
namespace {

namespace fs = std::filesystem;
using testing::BatchBuilder;
using testing::read_file;
using testing::TempDir;
using testing::TmpfsMount;

struct Harness {
  TempDir dir;
  TmpfsMount small{dir / "small", "1m"};
  Metrics metrics;
  FakeClock clock;
  BuildContext ctx{"files", metrics, dir.path() / "data", dir.path(), "node1", clock};
  std::unique_ptr<FileSink> sink;
  BatchBuilder batch;

  void build(const std::string& path, int64_t max_open_files = 256) {
    FileSink::Options o;
    o.path = path;
    o.format = Template::compile("%{message}").value();
    o.max_open_files = max_open_files;
    auto built = FileSink::build(o, ctx);
    ASSERT_TRUE(built) << built.error().message;
    sink.reset(static_cast<FileSink*>(built->release()));
  }
  // A batch of lines `from`..`to`-1, each ~100 bytes, into the file of `app`.
  EventBatch& lines(int from, int to, const std::string& app = "app") {
    batch.reset();
    for (int i = from; i < to; ++i) batch.add({{"appname", app}, {"message", line(i)}});
    return batch.batch();
  }
  static std::string line(int i) { return "line " + std::to_string(i) + " " + std::string(90, 'x'); }
  static std::string expected(int from, int to) {
    std::string out;
    for (int i = from; i < to; ++i) out += line(i) + "\n";
    return out;
  }
  int64_t fault(const std::string& kind) {
    return metrics.value("logferry_file_faults_total", {{"component", "files"}, {"fault", kind}});
  }
  int64_t metric(const std::string& name) { return metrics.value(name, {{"component", "files"}}); }
};

#define REQUIRE_TMPFS(h) \
  if (!(h).small.available()) GTEST_SKIP() << (h).small.why()

TEST(FileSinkFaultsTest, DiskFullHoldsTheBatchLeavesNoPartialLineAndResumesWhenSpaceFrees) {
  Harness h;
  REQUIRE_TMPFS(h);
  fs::path file = h.small.path() / "app.log";
  h.build((h.small.path() / "%{appname}.log").string());
  ASSERT_EQ(h.sink->send(h.lines(0, 30), {}), Delivery::kDelivered);  // 3 KB: part of a page
  ASSERT_GT(h.small.fill(), 0u);
  // 500 lines: the first write fills the rest of the file's page (a short write that ends in
  // the middle of a line), the next one gets ENOSPC.
  EXPECT_EQ(h.sink->send(h.lines(30, 530), {}), Delivery::kRetry);
  EXPECT_NE(h.sink->retry_reason().find("disk full"), std::string::npos) << h.sink->retry_reason();
  EXPECT_EQ(read_file(file), Harness::expected(0, 30));  // the short write was cut back
  EXPECT_GT(h.metric("logferry_file_rolled_back_bytes_total"), 0);
  EXPECT_EQ(h.sink->send(h.lines(30, 530), {}), Delivery::kRetry);  // still full
  EXPECT_EQ(h.fault("disk_full"), 2);
  h.small.free_filler();
  EXPECT_EQ(h.sink->send(h.lines(30, 530), {}), Delivery::kDelivered);
  EXPECT_EQ(read_file(file), Harness::expected(0, 530));  // every line, once, whole
}

TEST(FileSinkFaultsTest, DiskFullOnAFileThatCannotBeCutFinishesTheHalfWrittenLine) {
  Harness h;
  REQUIRE_TMPFS(h);
  fs::path file = h.small.path() / "app.log";
  h.build((h.small.path() / "%{appname}.log").string());
  ASSERT_EQ(h.sink->send(h.lines(0, 30), {}), Delivery::kDelivered);
  // Append-only: writes still go to the end, but the file can no longer be truncated.
  if (!TmpfsMount::set_append_only(file, true)) GTEST_SKIP() << "no append-only attribute on tmpfs here";
  ASSERT_GT(h.small.fill(), 0u);
  EXPECT_EQ(h.sink->send(h.lines(30, 530), {}), Delivery::kRetry);
  h.small.free_filler();
  EXPECT_EQ(h.sink->send(h.lines(30, 530), {}), Delivery::kDelivered);
  TmpfsMount::set_append_only(file, false);
  // The half-written line was finished first, then the batch came again whole: every line of
  // the file is a complete line, lines written before the fault repeat, none is missing.
  std::string text = read_file(file);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  std::size_t start = 0, complete = 0;
  for (auto nl = text.find('\n'); nl != std::string::npos; start = nl + 1, nl = text.find('\n', start)) {
    std::string l = text.substr(start, nl - start);
    int n = std::stoi(l.substr(5));
    EXPECT_EQ(l, Harness::line(n));
    ++complete;
  }
  EXPECT_NE(text.find(Harness::expected(30, 530)), std::string::npos);
  EXPECT_GT(complete, 530u);  // the lines before the fault are there twice
}

TEST(FileSinkFaultsTest, DirectoryRemovedWhileWritingIsRecreatedAndNothingIsLost) {
  Harness h;
  TempDir& d = h.dir;
  fs::path file = d / "out/k8s/app.log";
  h.build((d / "out/k8s/%{appname}.log").string());
  ASSERT_EQ(h.sink->send(h.lines(0, 10), {}), Delivery::kDelivered);
  fs::remove_all(d / "out");  // the open file is now unlinked: writing to it would lose lines
  EXPECT_EQ(h.sink->send(h.lines(10, 20), {}), Delivery::kRetry);
  EXPECT_EQ(h.fault("deleted"), 1);
  EXPECT_EQ(h.sink->send(h.lines(10, 20), {}), Delivery::kDelivered);
  EXPECT_EQ(read_file(file), Harness::expected(10, 20));
}

TEST(FileSinkFaultsTest, ImmutableDirectoryIsRetriedAndCountedUntilItIsWritableAgain) {
  Harness h;
  REQUIRE_TMPFS(h);
  fs::create_directories(h.small.path() / "logs");
  h.build((h.small.path() / "logs/%{appname}.log").string());
  // Mode bits do not stop root: the immutable attribute does (EPERM on create).
  if (!TmpfsMount::set_immutable(h.small.path() / "logs", true)) GTEST_SKIP() << "no chattr +i on tmpfs here";
  EXPECT_EQ(h.sink->send(h.lines(0, 10, "new"), {}), Delivery::kRetry);
  EXPECT_NE(h.sink->retry_reason().find("permission"), std::string::npos) << h.sink->retry_reason();
  EXPECT_EQ(h.fault("permission"), 1);
  ASSERT_TRUE(TmpfsMount::set_immutable(h.small.path() / "logs", false));
  EXPECT_EQ(h.sink->send(h.lines(0, 10, "new"), {}), Delivery::kDelivered);
  EXPECT_EQ(read_file(h.small.path() / "logs/new.log"), Harness::expected(0, 10));
}

TEST(FileSinkFaultsTest, ReadOnlyFileSystemIsRetriedAndCountedUntilRemountedReadWrite) {
  Harness h;
  REQUIRE_TMPFS(h);
  fs::path file = h.small.path() / "logs/app.log";
  h.build((h.small.path() / "logs/%{appname}.log").string());
  ASSERT_EQ(h.sink->send(h.lines(0, 10), {}), Delivery::kDelivered);
  ASSERT_FALSE(h.small.remount(true));  // refused (EBUSY) while the sink has a file open for writing
  h.build((h.small.path() / "logs/%{appname}.log").string());  // the old sink closed its files
  ASSERT_TRUE(h.small.remount(true));
  EXPECT_EQ(h.sink->send(h.lines(10, 20), {}), Delivery::kRetry);
  EXPECT_NE(h.sink->retry_reason().find("read only"), std::string::npos) << h.sink->retry_reason();
  EXPECT_EQ(h.fault("read_only"), 1);
  ASSERT_TRUE(h.small.remount(false));
  EXPECT_EQ(h.sink->send(h.lines(10, 20), {}), Delivery::kDelivered);
  EXPECT_EQ(read_file(file), Harness::expected(0, 20));
}

TEST(FileSinkFaultsTest, FileRenamedByAnotherProgramIsReopenedAtItsPath) {
  Harness h;
  fs::path file = h.dir / "out/app.log";
  h.build((h.dir / "out/%{appname}.log").string());
  ASSERT_EQ(h.sink->send(h.lines(0, 10), {}), Delivery::kDelivered);
  fs::rename(file, h.dir / "out/app.log.1");  // logrotate without copytruncate
  h.clock.advance(std::chrono::milliseconds(150));  // the path is compared every 100 ms
  ASSERT_EQ(h.sink->send(h.lines(10, 20), {}), Delivery::kDelivered);
  EXPECT_EQ(read_file(h.dir / "out/app.log.1"), Harness::expected(0, 10));
  EXPECT_EQ(read_file(file), Harness::expected(10, 20));
  EXPECT_EQ(h.metric("logferry_file_reopened_total"), 1);
}

TEST(FileSinkFaultsTest, FileTruncatedByAnotherProgramIsFollowedWithoutAHole) {
  Harness h;
  fs::path file = h.dir / "out/app.log";
  h.build((h.dir / "out/%{appname}.log").string());
  ASSERT_EQ(h.sink->send(h.lines(0, 10), {}), Delivery::kDelivered);
  fs::copy_file(file, h.dir / "out/app.log.1");
  fs::resize_file(file, 0);  // logrotate copytruncate
  ASSERT_EQ(h.sink->send(h.lines(10, 20), {}), Delivery::kDelivered);
  // O_APPEND: the lines start at the new end (0), no NUL-filled hole up to the old offset.
  EXPECT_EQ(read_file(file), Harness::expected(10, 20));
  EXPECT_EQ(h.metric("logferry_file_truncated_total"), 1);
  ASSERT_EQ(h.sink->send(h.lines(20, 30), {}), Delivery::kDelivered);
  EXPECT_EQ(read_file(file), Harness::expected(10, 30));
  EXPECT_EQ(h.metric("logferry_file_truncated_total"), 1);
}

TEST(FileSinkFaultsTest, FileTruncatedByAnotherProgramIsNotRotatedEarlyByItsOldSize) {
  Harness h;
  fs::path file = h.dir / "out/app.log";
  FileSink::Options o;
  o.path = (h.dir / "out/%{appname}.log").string();
  o.format = Template::compile("%{message}").value();
  o.rotate.max_size.bytes = 2500;
  auto built = FileSink::build(o, h.ctx);
  ASSERT_TRUE(built);
  h.sink.reset(static_cast<FileSink*>(built->release()));
  ASSERT_EQ(h.sink->send(h.lines(0, 15), {}), Delivery::kDelivered);  // ~1.5 KB
  fs::resize_file(file, 0);  // copytruncate
  ASSERT_EQ(h.sink->send(h.lines(15, 30), {}), Delivery::kDelivered);  // fits the truncated file
  EXPECT_EQ(h.metric("logferry_file_rotations_total"), 0);
  EXPECT_EQ(read_file(file), Harness::expected(15, 30));
  EXPECT_EQ(h.metric("logferry_file_truncated_total"), 1);
}

// The checks that make the guarantees (an fstat after each write, a stat of the path every
// 100 ms) cost no allocation: a steady stream into an open file allocates nothing per batch.
TEST(FileSinkFaultsTest, FaultChecksAllocateNothingInTheSteadyState) {
  Harness h;
  h.build((h.dir / "out/%{appname}.log").string());
  EventBatch& batch = h.lines(0, 100);
  ASSERT_EQ(h.sink->send(batch, {}), Delivery::kDelivered);  // opens the file, sizes the buffers
  h.clock.advance(std::chrono::milliseconds(150));
  ASSERT_EQ(h.sink->send(batch, {}), Delivery::kDelivered);
  uint64_t before = testing::heap_allocations();
  for (int i = 0; i < 50; ++i) {
    h.clock.advance(std::chrono::milliseconds(150));  // every send compares the path too
    ASSERT_EQ(h.sink->send(batch, {}), Delivery::kDelivered);
  }
  EXPECT_EQ(testing::heap_allocations() - before, 0u);
}

}  // namespace
}  // namespace logferry::sinks
