// Retention under a burst, through the real binary: 128,000 syslog messages over TCP into a file
// sink that rotates every 64 KiB and keeps 3 rotated files. Dozens of rotations fall in one
// second; exactly the newest files must remain, every message in them (issue 8: a reused
// `F.<second>` name made retention delete 104,000 of 128,000).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "io/rotated_files.h"
#include "support/child_process.h"
#include "support/net_util.h"
#include "support/temp_dir.h"
#include "support/wait.h"

namespace logferry::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr int kMessages = 128'000;
constexpr int kLineBytes = 11;  // "msg 000000\n"
constexpr int kMaxSize = 64 * 1024;
constexpr int kMaxFiles = 3;

std::string message(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "msg %06d", i);
  return buf;
}

std::string kept_content(const fs::path& base) {
  std::string out;
  for (const auto& r : io::list_rotated(base)) out += read_file(r.path);
  return out + (fs::exists(base) ? read_file(base) : "");
}

TEST(FileRetentionIntegrationTest, BurstKeepsExactlyTheNewestFilesWithEveryMessage) {
  TempDir dir;
  uint16_t port = free_tcp_port();
  auto cfg = dir.write("logferry.yaml", "data_dir: ./data\n"
                       "sources:\n"
                       "  in: {type: syslog, mode: tcp, address: 127.0.0.1:" + std::to_string(port) + "}\n"
                       "sinks:\n"
                       "  files:\n"
                       "    type: file\n"
                       "    inputs: [in]\n"
                       "    path: logs/messages.log\n"
                       "    format: '%{message}'\n"
                       "    rotate: {max_size: 64KiB}\n"
                       "    retention: {max_files: 3}\n");
  ChildProcess logferry({{logferry_binary().string(), "run", "-c", cfg.string()}, {}, dir.path(), "logferry"});
  ASSERT_TRUE(wait_until([&] { return tcp_port_open(port); }, 10s, "syslog source listening"))
      << logferry.err();

  std::string burst;
  for (int i = 0; i < kMessages; ++i)
    burst += "<13>1 2026-11-05T09:03:01Z host app - - - " + message(i) + "\n";
  int fd = tcp_connect(port);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(send_all(fd, burst));
  ::close(fd);

  fs::path base = dir / "logs/messages.log";
  std::string last = message(kMessages - 1) + "\n";
  ASSERT_TRUE(wait_until([&] {
    std::string current = fs::exists(base) ? read_file(base) : "";
    return current.size() >= last.size() && current.compare(current.size() - last.size(), last.size(), last) == 0;
  }, 60s, "the last message in the current file")) << logferry.err();
  ASSERT_EQ(logferry.stop(), 0) << logferry.err();  // drains, retention jobs finish

  constexpr int kLinesPerFile = kMaxSize / kLineBytes;          // 5957
  constexpr int kRotations = (kMessages - 1) / kLinesPerFile;   // 21
  auto rotated = io::list_rotated(base);
  ASSERT_EQ(rotated.size(), static_cast<std::size_t>(kMaxFiles));
  EXPECT_EQ(rotated.back().index, static_cast<uint64_t>(kRotations));
  EXPECT_EQ(rotated.front().index, static_cast<uint64_t>(kRotations - kMaxFiles + 1));
  std::string expected;
  for (int i = (kRotations - kMaxFiles) * kLinesPerFile; i < kMessages; ++i) expected += message(i) + "\n";
  EXPECT_TRUE(kept_content(base) == expected)
      << "kept " << kept_content(base).size() << " bytes, expected " << expected.size();
  for (const auto& r : rotated) EXPECT_LE(fs::file_size(r.path), static_cast<uintmax_t>(kMaxSize));
}

}  // namespace
}  // namespace logferry::testing
