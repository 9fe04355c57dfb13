// Rotation and retention under many rotations per second and per clock tick. The real clock is
// the point: a fake clock that advances a second per rotation hid the reuse of a name that
// retention had just freed (issue 8), so most cases here run on SystemClock.
#include "io/rotating_file_set.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>

#include "core/time_util.h"
#include "io/rotated_files.h"
#include "support/gunzip.h"
#include "support/temp_dir.h"

namespace logferry::io {
namespace {

namespace fs = std::filesystem;
using testing::gunzip;
using testing::read_file;
using testing::TempDir;

constexpr int kLinesPerFile = 5;  // 12-byte lines, max_size 64

std::string line(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "line %06d\n", i);
  return buf;
}

std::string lines(int from, int to) {
  std::string out;
  for (int i = std::max(from, 0); i < to; ++i) out += line(i);
  return out;
}

// Rotated files of `base`, oldest first, then the current file.
std::string kept_content(const fs::path& base) {
  std::string out;
  for (const RotatedFile& r : list_rotated(base)) out += r.compressed ? gunzip(r.path) : read_file(r.path);
  return out + read_file(base);
}

RotatingFileSetOptions small_files(int64_t max_files, Compression c = Compression::kNone) {
  RotatingFileSetOptions o;
  o.max_size = 64;
  o.retention.max_files = max_files;
  o.compression = c;
  return o;
}

// Writes `count` numbered lines, one commit each; after every rotation waits for retention
// and checks that exactly the newest `max_files` rotated files remain, with every line of them.
void write_and_check_each_rotation(RotatingFileSet& files, const fs::path& base, int count,
                                   int max_files, const std::function<void()>& between = {}) {
  int rotated = 0;
  for (int i = 0; i < count; ++i) {
    ASSERT_TRUE(files.append(base.string(), line(i)));
    ASSERT_TRUE(files.commit());
    if (between) between();
    if (i > 0 && i % kLinesPerFile == 0) {  // line i opened a new file: a rotation happened
      ++rotated;
      files.housekeeper().drain();
      auto kept = list_rotated(base);
      ASSERT_EQ(kept.size(), static_cast<std::size_t>(std::min(rotated, max_files)))
          << "after rotation " << rotated;
      // The kept files are the newest ones, oldest first, and nothing in them is missing.
      ASSERT_EQ(kept_content(base), lines((rotated - max_files) * kLinesPerFile, i + 1))
          << "after rotation " << rotated;
      ASSERT_EQ(kept.back().index, static_cast<uint64_t>(rotated));
    }
  }
}

TEST(RotatingFileSetTest, ManyRotationsPerSecondOnTheRealClockKeepTheNewestFiles) {
  TempDir dir;
  fs::path base = dir / "app.log";
  RotatingFileSet files(small_files(3), SystemClock::instance());
  Timestamp start = SystemClock::instance().now();
  write_and_check_each_rotation(files, base, 2000, 3);
  // 399 rotations: far more than one per second, which is what used to reuse names.
  double seconds = static_cast<double>(SystemClock::instance().now().ns - start.ns) / 1e9;
  EXPECT_LT(seconds / 399, 0.5) << "the test must rotate several times per second";
}

TEST(RotatingFileSetTest, CompressedRotationsOnTheRealClockKeepTheNewestFiles) {
  TempDir dir;
  fs::path base = dir / "app.log";
  RotatingFileSet files(small_files(3, Compression::kGzip), SystemClock::instance());
  write_and_check_each_rotation(files, base, 600, 3);
  for (const RotatedFile& r : list_rotated(base)) EXPECT_TRUE(r.compressed) << r.path;
}

TEST(RotatingFileSetTest, EveryRotationInOneClockTick) {
  TempDir dir;
  fs::path base = dir / "app.log";
  FakeClock clock;  // never advances: every rotation gets the same time stamp
  RotatingFileSet files(small_files(3), clock);
  write_and_check_each_rotation(files, base, 500, 3);
}

TEST(RotatingFileSetTest, ClockStepsBackDoNotReorderRotatedFiles) {
  TempDir dir;
  fs::path base = dir / "app.log";
  FakeClock clock;
  RotatingFileSet files(small_files(4), clock);
  int n = 0;
  // Each rotation lands an hour earlier than the one before.
  write_and_check_each_rotation(files, base, 300, 4, [&] {
    if (++n % kLinesPerFile == 0) clock.advance(-std::chrono::hours(1));
  });
}

TEST(RotatingFileSetTest, RestartContinuesTheIndexAndPrunesOlderNamesFirst) {
  TempDir dir;
  fs::path base = dir / "app.log";
  // Names an older release left: F.<time> and F.<time>-N.
  dir.write("app.log.20261105T090301Z", "legacy a\n");
  dir.write("app.log.20261105T090301Z-1", "legacy b\n");
  {
    RotatingFileSet files(small_files(4), SystemClock::instance());
    for (int i = 0; i < 11; ++i) ASSERT_TRUE(files.append(base.string(), line(i)));  // 2 rotations
    ASSERT_TRUE(files.commit());
    files.housekeeper().drain();
    auto kept = list_rotated(base);
    ASSERT_EQ(kept.size(), 4u);
    EXPECT_EQ(read_file(kept[0].path), "legacy a\n");
    EXPECT_EQ(read_file(kept[1].path), "legacy b\n");
    EXPECT_EQ(kept[2].index, 1u);
    EXPECT_EQ(kept[3].index, 2u);
  }
  RotatingFileSet files(small_files(4), SystemClock::instance());
  for (int i = 11; i < 26; ++i) ASSERT_TRUE(files.append(base.string(), line(i)));  // 3 more
  ASSERT_TRUE(files.commit());
  files.housekeeper().drain();
  auto kept = list_rotated(base);
  ASSERT_EQ(kept.size(), 4u);
  // Index 3, 4, 5 continue after 2; the legacy files went first, then index 1.
  EXPECT_EQ(kept.front().index, 2u);
  EXPECT_EQ(kept.back().index, 5u);
  EXPECT_EQ(kept_content(base), lines(5, 26));
}

TEST(RotatedFilesTest, NamesParseAndOrderByIndex) {
  TempDir dir;
  fs::path base = dir / "m.log";
  dir.write("m.log.20261105T090301Z.10", "");
  dir.write("m.log.20261105T090301Z.9.gz", "");
  dir.write("m.log.20261105T090302Z.2", "");  // a later time, a smaller index: older
  dir.write("m.log.20261105T090301Z-3", "");  // older release
  dir.write("m.log.20261105T090301Z.11.gz.tmp", "");  // compression in progress: not listed
  dir.write("m.log.20261105T090301Z.0", "");          // index 0 is never given out
  dir.write("m.log.20261105T090301Z.x", "");
  dir.write("m.log.other", "");
  auto listed = list_rotated(base);
  std::vector<std::string> names;
  for (const auto& r : listed) names.push_back(r.path.filename().string());
  EXPECT_EQ(names, (std::vector<std::string>{"m.log.20261105T090301Z-3", "m.log.20261105T090302Z.2",
                                             "m.log.20261105T090301Z.9.gz",
                                             "m.log.20261105T090301Z.10"}));
  EXPECT_EQ(listed[0].sequence, 3);
  EXPECT_EQ(listed[3].index, 10u);
  EXPECT_EQ(listed[3].rotated_at.ns, parse_rfc3339("2026-11-05T09:03:01Z")->ns);
  EXPECT_EQ(next_rotation_index(base), 11u);
  EXPECT_EQ(next_rotation_index(dir / "none.log"), 1u);
  // A taken index (in any compressed form) is skipped, never overwritten.
  auto name = rotated_name(base, *parse_rfc3339("2026-11-05T09:03:01Z"), 9);
  EXPECT_EQ(name.path.filename(), "m.log.20261105T090301Z.11");
  EXPECT_EQ(name.index, 11u);
}

}  // namespace
}  // namespace logferry::io
