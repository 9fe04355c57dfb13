// A sink's disk buffer against real processes: logferry tails container logs into a syslog sink
// whose receiver (a real rsyslogd) is down, is killed with SIGKILL once the events are in the
// buffer, the source files are deleted, and it is restarted with rsyslogd up: every line must
// arrive. A torn buffer tail (a crash in the middle of a write) is counted and the rest arrives.
#include <signal.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "support/child_process.h"
#include "support/net_util.h"
#include "support/rsyslog_receiver.h"
#include "support/temp_dir.h"
#include "support/wait.h"

namespace logferry::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr int kFiles = 2;
constexpr int kLinesPerFile = 3000;

void write_container_logs(const fs::path& root) {
  for (int f = 0; f < kFiles; ++f) {
    std::string pod = "pod" + std::to_string(f);
    fs::path dir = root / "pods" / ("ns_" + pod + "_uid" + std::to_string(f)) / "app";
    fs::create_directories(dir);
    fs::create_directories(root / "containers");
    std::ofstream out(dir / "0.log");
    for (int i = 0; i < kLinesPerFile; ++i)
      out << "2024-05-01T10:00:00.000000000Z stdout F f" << f << "-" << i << "\n";
    fs::create_symlink(dir / "0.log", root / "containers" / (pod + "_ns_app-" + std::string(64, 'a') + ".log"));
  }
}

// What rsyslogd received, message -> how many times.
std::map<std::string, int> received(const RsyslogReceiver& r) {
  std::map<std::string, int> seen;
  for (const auto& line : r.lines()) ++seen[line];
  return seen;
}

std::string config(const TempDir& dir, uint16_t syslog_port, uint16_t api_port) {
  return "data_dir: data\napi: {address: 127.0.0.1:" + std::to_string(api_port) + "}\n"
         "sources:\n  pods: {type: kubernetes_logs, include: [\"" + (dir.path() / "node/containers/*.log").string() + "\"]}\n"
         "sinks:\n  out:\n    type: syslog\n    inputs: [pods]\n    address: 127.0.0.1:" + std::to_string(syslog_port) +
         "\n    mode: tcp\n    rfc: rfc5424\n    framing: octet_counting\n    message: \"%{log}\"\n"
         "    buffer: {type: disk, max_bytes: 64MiB}\n";
}

int64_t metric(uint16_t api_port, const std::string& series) {
  std::string out;
  if (run_command({"/usr/bin/curl", "-sf", "http://127.0.0.1:" + std::to_string(api_port) + "/metrics"}, &out) != 0)
    return -1;
  auto at = out.find(series + " ");
  return at == std::string::npos ? -1 : std::stoll(out.substr(at + series.size() + 1));
}

ChildProcess run_logferry(const TempDir& dir, const std::string& name) {
  return ChildProcess({{logferry_binary().string(), "run", "-c", (dir / "logferry.yaml").string()},
                       {}, dir.path(), name});
}

void expect_every_line(const RsyslogReceiver& r) {
  auto seen = received(r);
  int missing = 0;
  for (int f = 0; f < kFiles; ++f)
    for (int i = 0; i < kLinesPerFile; ++i)
      missing += seen.count("f" + std::to_string(f) + "-" + std::to_string(i)) == 0;
  EXPECT_EQ(missing, 0);
}

TEST(DiskBufferTest, KillWhileReceiverDownThenSourceFilesDeletedEverythingArrives) {
  if (!have_rsyslog()) GTEST_SKIP() << "rsyslogd not unpacked in .peers/";
  TempDir dir;
  write_container_logs(dir / "node");
  RsyslogReceiver receiver(dir, RsyslogReceiver::Input::kTcp, "%msg%\\n");
  uint16_t api = free_tcp_port();
  dir.write("logferry.yaml", config(dir, receiver.port(), api));
  const std::string written = R"(logferry_disk_buffer_events_written_total{component="out"})";
  {
    ChildProcess first = run_logferry(dir, "logferry-1");
    ASSERT_TRUE(wait_until([&] { return metric(api, written) == kFiles * kLinesPerFile; }, 30s,
                           "every event in the disk buffer"))
        << first.err();
    first.signal(SIGKILL);
    first.wait();
  }
  fs::remove_all(dir / "node");  // the source files are gone: only the buffer has the lines
  receiver.start();
  ChildProcess second = run_logferry(dir, "logferry-2");
  ASSERT_TRUE(wait_until([&] { return received(receiver).size() == kFiles * kLinesPerFile; }, 60s,
                         "every line at rsyslogd"))
      << second.err();
  expect_every_line(receiver);
  int repeats = 0;
  for (const auto& [line, n] : received(receiver)) repeats += n - 1;
  EXPECT_EQ(repeats, 0);  // nothing was delivered before the kill, so nothing repeats
  EXPECT_EQ(second.stop(), 0);
}

TEST(DiskBufferTest, TornTailIsCountedAndTheRestArrives) {
  if (!have_rsyslog()) GTEST_SKIP() << "rsyslogd not unpacked in .peers/";
  TempDir dir;
  write_container_logs(dir / "node");
  RsyslogReceiver receiver(dir, RsyslogReceiver::Input::kTcp, "%msg%\\n");
  uint16_t api = free_tcp_port();
  dir.write("logferry.yaml", config(dir, receiver.port(), api));
  {
    ChildProcess first = run_logferry(dir, "logferry-1");
    ASSERT_TRUE(wait_until([&] {
      return metric(api, R"(logferry_disk_buffer_events_written_total{component="out"})") == kFiles * kLinesPerFile;
    }, 30s, "every event in the disk buffer"));
    first.signal(SIGKILL);
    first.wait();
  }
  // A crash in the middle of a write leaves a torn record at the end of the newest segment.
  fs::path newest;
  for (const auto& e : fs::directory_iterator(dir / "data/out/buffer"))
    if (e.path().extension() == ".seg" && e.path() > newest) newest = e.path();
  ASSERT_FALSE(newest.empty());
  { std::ofstream(newest, std::ios::app | std::ios::binary) << std::string("\x40\x00\x00\x00garbage", 11); }
  receiver.start();
  ChildProcess second = run_logferry(dir, "logferry-2");
  ASSERT_TRUE(wait_until([&] { return received(receiver).size() >= kFiles * kLinesPerFile; }, 60s,
                         "every line at rsyslogd")) << second.err();
  expect_every_line(receiver);
  ASSERT_TRUE(wait_until([&] {
    return metric(api, R"(logferry_disk_buffer_corrupt_records_total{component="out"})") == 1;
  }, 10s, "the torn tail counted"));
  EXPECT_EQ(second.stop(), 0);
}

}  // namespace
}  // namespace logferry::testing
