#include "io/checkpoint_store.h"

#include <gtest/gtest.h>

#include <fstream>

#include "io/file_tailer.h"
#include "support/temp_dir.h"

namespace logferry::io {
namespace {

using testing::TempDir;

TEST(CheckpointStoreTest, SaveLoadRoundTripAndErase) {
  TempDir dir;
  CheckpointStore a(dir / "cp");
  a.put({{1, 2}, 300, 256, 0xdeadbeef, "/var/log/containers/p_ns_c-ab.log", "/var/log/pods/x/c/0.log"});
  a.put({{1, 3}, 0, 0, 7, "/b", "/b"});
  ASSERT_TRUE(a.save());
  CheckpointStore b(dir / "cp");
  ASSERT_TRUE(b.load());
  ASSERT_EQ(b.size(), 2u);
  const FileCheckpoint* cp = b.find({1, 2});
  ASSERT_NE(cp, nullptr);
  EXPECT_EQ(cp->offset, 300u);
  EXPECT_EQ(cp->fingerprint_len, 256u);
  EXPECT_EQ(cp->fingerprint, 0xdeadbeefu);
  EXPECT_EQ(cp->path, "/var/log/containers/p_ns_c-ab.log");
  EXPECT_EQ(cp->real_path, "/var/log/pods/x/c/0.log");
  b.erase({1, 3});
  ASSERT_TRUE(b.save());
  CheckpointStore c(dir / "cp");
  ASSERT_TRUE(c.load());
  EXPECT_EQ(c.size(), 1u);
  EXPECT_EQ(c.find({1, 3}), nullptr);
}

TEST(CheckpointStoreTest, MissingFileIsEmptyCorruptFileIsAnError) {
  TempDir dir;
  CheckpointStore a(dir / "none");
  ASSERT_TRUE(a.load());
  EXPECT_EQ(a.size(), 0u);
  dir.write("bad", "logferry-checkpoints 1\n1\t2\tx\t0\t0\t/a\t/a\n");
  CheckpointStore b(dir / "bad");
  EXPECT_FALSE(b.load());
  dir.write("half", "logferry-checkpoints 1\n1\t2\t3\t0\t0\t/a\t/a");
  CheckpointStore c(dir / "half");
  EXPECT_FALSE(c.load());
}

TEST(FileTailerTest, ReadsByOffsetDetectsTruncationAndFingerprints) {
  TempDir dir;
  auto path = dir.write("f.log", "hello\nworld\n");
  auto t = FileTailer::open(path.string(), 0);
  ASSERT_TRUE(t);
  char buf[64];
  auto r = t->read(buf, sizeof(buf));
  EXPECT_EQ(r.bytes, 12u);
  t->consume(6);
  r = t->read(buf, sizeof(buf));
  EXPECT_EQ(std::string(buf, r.bytes), "world\n");
  t->consume(6);
  EXPECT_EQ(t->read(buf, sizeof(buf)).bytes, 0u);
  auto [len, fp] = t->fingerprint();
  EXPECT_EQ(len, 12u);
  EXPECT_EQ(fingerprint_fd(t->fd(), len), fp);
  std::filesystem::resize_file(path, 0);
  std::ofstream(path, std::ios::app) << "new\n";
  r = t->read(buf, sizeof(buf));
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(t->offset(), 0u);
  EXPECT_NE(t->fingerprint().second, fp);
  auto id = file_id_of(path.string());
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, t->id());
  t->close();
  EXPECT_TRUE(t->reopen(path.string()));
}

}  // namespace
}  // namespace logferry::io
