// DiskQueue: records come back in order across reopen, only what was committed is forgotten, a
// torn tail or a damaged record is counted and skipped, and consumed segments are deleted.
#include "io/disk_queue.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "support/temp_dir.h"

namespace logferry::io {
namespace {

namespace fs = std::filesystem;
using logferry::testing::TempDir;

std::unique_ptr<DiskQueue> open_queue(const fs::path& dir, uint64_t segment_bytes = 1 << 20) {
  DiskQueue::Options o;
  o.dir = dir;
  o.segment_bytes = segment_bytes;
  o.commit_interval = std::chrono::milliseconds(0);
  auto q = DiskQueue::open(o);
  EXPECT_TRUE(q) << q.error().message;
  return std::move(*q);
}

std::vector<std::string> drain(DiskQueue& q, bool commit) {
  std::vector<std::string> out;
  std::string p;
  while (true) {
    auto got = q.read_next(p);
    EXPECT_TRUE(got);
    if (!got || !*got) break;
    out.push_back(p);
    if (commit) q.commit();
  }
  return out;
}

std::size_t segment_count(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.path().extension() == ".seg";
  return n;
}

TEST(DiskQueueTest, ReopenReplaysWhatWasNotCommittedInOrder) {
  TempDir dir;
  {
    auto q = open_queue(dir.path());
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(q->append("r" + std::to_string(i)));
    std::string p;
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(*q->read_next(p));
    q->commit();                                   // r0..r3 consumed
    ASSERT_TRUE(*q->read_next(p));                 // r4 read, not committed
    EXPECT_EQ(p, "r4");
  }
  auto q = open_queue(dir.path());
  EXPECT_EQ(q->stats().recovered_records, 6u);
  EXPECT_EQ(q->unread_records(), 6u);
  auto rest = drain(*q, true);
  ASSERT_EQ(rest.size(), 6u);
  EXPECT_EQ(rest.front(), "r4");
  EXPECT_EQ(rest.back(), "r9");
  EXPECT_EQ(q->pending_bytes(), 0u);
}

TEST(DiskQueueTest, ConsumedSegmentsAreDeletedAndPendingBytesBoundWhatIsHeld) {
  TempDir dir;
  auto q = open_queue(dir.path(), 4096);
  std::string record(1000, 'x');
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(q->append(record));
  EXPECT_EQ(q->pending_bytes(), 40u * 1008);
  EXPECT_GE(segment_count(dir.path()), 10u);
  auto all = drain(*q, true);
  EXPECT_EQ(all.size(), 40u);
  EXPECT_EQ(q->pending_bytes(), 0u);
  EXPECT_LE(segment_count(dir.path()), 1u);  // only the one being written
}

TEST(DiskQueueTest, TornTailIsCutAndAppendsContinue) {
  TempDir dir;
  {
    auto q = open_queue(dir.path());
    ASSERT_TRUE(q->append("first"));
    ASSERT_TRUE(q->append("second"));
  }
  fs::path seg;
  for (const auto& e : fs::directory_iterator(dir.path()))
    if (e.path().extension() == ".seg") seg = e.path();
  auto size = fs::file_size(seg);
  fs::resize_file(seg, size - 3);  // a crash in the middle of writing "second"
  auto q = open_queue(dir.path());
  EXPECT_GT(q->stats().truncated_bytes, 0u);
  ASSERT_TRUE(q->append("third"));
  auto all = drain(*q, true);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0], "first");
  EXPECT_EQ(all[1], "third");
}

TEST(DiskQueueTest, DamagedRecordEndsItsSegmentAndIsCounted) {
  TempDir dir;
  {
    auto q = open_queue(dir.path(), 64);  // one record per segment, roughly
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(q->append("record-number-" + std::to_string(i) + std::string(40, '.')));
  }
  std::vector<fs::path> segs;
  for (const auto& e : fs::directory_iterator(dir.path()))
    if (e.path().extension() == ".seg") segs.push_back(e.path());
  std::sort(segs.begin(), segs.end());
  ASSERT_EQ(segs.size(), 5u);
  {
    std::fstream f(segs[1], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(12);
    f.put('#');  // flips a payload byte: the CRC no longer matches
  }
  auto q = open_queue(dir.path(), 64);
  EXPECT_EQ(q->stats().corrupt_records, 1u);
  auto all = drain(*q, true);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].substr(0, 15), "record-number-0");
  EXPECT_EQ(all[1].substr(0, 15), "record-number-2");
}

TEST(DiskQueueTest, GarbageFilesAreNotACrash) {
  TempDir dir;
  fs::create_directories(dir.path());
  {
    std::ofstream(dir.path() / "00000000000000000000.seg") << std::string(100, '\xff');
    std::ofstream(dir.path() / "position") << "garbage";
  }
  auto q = open_queue(dir.path());
  EXPECT_EQ(q->unread_records(), 0u);
  ASSERT_TRUE(q->append("fine"));
  auto all = drain(*q, true);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0], "fine");
}

}  // namespace
}  // namespace logferry::io
