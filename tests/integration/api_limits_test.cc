// The API server under attack, against the real binary, while syslog traffic flows into a file
// sink: an endless header, 500 silent connections and a 100 MiB body. The process stays small
// (peak RSS read from /proc), no message is lost, and /healthz keeps answering (issue 8: a
// 300 MiB header used to take the process to 536 MB).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "support/child_process.h"
#include "support/net_util.h"
#include "support/temp_dir.h"
#include "support/wait.h"

namespace logferry::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// VmRSS or VmHWM (peak) of `pid`, in KiB.
long proc_status_kib(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(key + ":", 0) == 0) return std::stol(line.substr(key.size() + 1));
  return -1;
}

bool healthy(uint16_t api) {
  return http_exchange(api, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 200", 0) == 0;
}

std::size_t count_lines(const fs::path& p) {
  if (!fs::exists(p)) return 0;
  std::string s = read_file(p);
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

// Sends bytes until the server closes; returns how many were sent (stops at `cap`).
uint64_t push_until_closed(int fd, std::string_view prefix, uint64_t cap) {
  if (!send_all(fd, prefix)) return 0;
  std::string chunk(64 * 1024, 'a');
  uint64_t sent = prefix.size();
  while (sent < cap && send_all(fd, chunk)) sent += chunk.size();
  return sent;
}

TEST(ApiLimitsIntegrationTest, AttacksOnTheApiLeaveMemoryBoundedTrafficIntactAndHealthAnswering) {
  TempDir dir;
  uint16_t syslog_port = free_tcp_port();
  uint16_t api = free_tcp_port();
  auto cfg = dir.write("logferry.yaml",
                       "data_dir: ./data\n"
                       "api: {address: 127.0.0.1:" + std::to_string(api) + "}\n"
                       "sources:\n"
                       "  in: {type: syslog, mode: tcp, address: 127.0.0.1:" + std::to_string(syslog_port) + "}\n"
                       "sinks:\n"
                       "  files: {type: file, inputs: [in], path: logs/all.log, format: '%{message}'}\n");
  ChildProcess logferry({{logferry_binary().string(), "run", "-c", cfg.string()}, {}, dir.path(), "logferry"});
  ASSERT_TRUE(wait_until([&] { return tcp_port_open(syslog_port) && healthy(api); }, 10s, "logferry up"))
      << logferry.err();
  long rss_before = proc_status_kib(logferry.pid(), "VmRSS");

  // Syslog traffic all along: 100 paced rounds of 1,000 messages on one connection.
  constexpr int kMessages = 100'000;
  std::atomic<bool> traffic_done{false};
  std::thread traffic([&] {
    int fd = tcp_connect(syslog_port);
    std::string round;
    for (int i = 0; i < kMessages; ++i) {
      round += "<13>1 2026-11-05T09:03:01Z host app - - - msg " + std::to_string(i) + "\n";
      if (i % 1000 == 999) {
        EXPECT_TRUE(send_all(fd, round));
        round.clear();
        std::this_thread::sleep_for(20ms);
      }
    }
    ::close(fd);
    traffic_done = true;
  });

  // 500 silent connections, held for the whole attack.
  std::vector<int> silent;
  for (int i = 0; i < 500; ++i) silent.push_back(tcp_connect(api));
  EXPECT_TRUE(healthy(api)) << "health answers while 500 silent connections are open";

  // An endless header: the server answers 431 and closes after its 16 KiB limit.
  int endless = tcp_connect(api);
  uint64_t header_sent = push_until_closed(endless, "GET /healthz HTTP/1.1\r\nX-Endless: ", 300ull << 20);
  ::close(endless);
  EXPECT_LT(header_sent, 300ull << 20) << "the server never closed the endless header";

  // A 100 MiB body: refused (413) on the head, the connection closed.
  int body = tcp_connect(api);
  uint64_t body_sent = push_until_closed(
      body, "GET /healthz HTTP/1.1\r\nContent-Length: 104857600\r\n\r\n", 100ull << 20);
  ::close(body);
  EXPECT_LT(body_sent, 100ull << 20) << "the server read the whole 100 MiB body";
  EXPECT_TRUE(healthy(api));

  traffic.join();
  fs::path out = dir / "logs/all.log";
  EXPECT_TRUE(wait_until([&] { return count_lines(out) == kMessages; }, 30s, "every message in the file"))
      << count_lines(out) << " of " << kMessages;
  long peak = proc_status_kib(logferry.pid(), "VmHWM");
  long rss_after = proc_status_kib(logferry.pid(), "VmRSS");
  std::printf("RSS before %ld KiB, after %ld KiB, peak %ld KiB; endless header stopped after %llu "
              "bytes, body after %llu bytes\n", rss_before, rss_after, peak,
              static_cast<unsigned long long>(header_sent), static_cast<unsigned long long>(body_sent));
  // 256 connections at ~24 KiB each is ~6 MiB; everything else is the pipeline's own buffers.
  EXPECT_LT(peak - rss_before, 32 * 1024) << "peak RSS grew by more than 32 MiB";
  EXPECT_TRUE(healthy(api));
  for (int fd : silent) ::close(fd);
  ASSERT_EQ(logferry.stop(), 0) << logferry.err();
  EXPECT_EQ(count_lines(out), static_cast<std::size_t>(kMessages));
  std::string all = read_file(out);
  EXPECT_NE(all.find("msg 0\n"), std::string::npos);
  EXPECT_NE(all.find("msg 99999\n"), std::string::npos);
}

}  // namespace
}  // namespace logferry::testing
