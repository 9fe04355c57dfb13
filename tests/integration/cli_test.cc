// The command-line contract (PRODUCT.md): exit codes, validate output, signals, reload on
// SIGHUP and on a ConfigMap-style symlink swap, and the API endpoints. Runs the real binary.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>

#include "support/child_process.h"
#include "support/net_util.h"
#include "support/temp_dir.h"
#include "support/wait.h"

namespace logferry::testing {
namespace {

std::string bin() { return logferry_binary().string(); }

TEST(CliTest, VersionHelpAndUsageErrors) {
  std::string out;
  EXPECT_EQ(run_command({bin(), "--version"}, &out), 0);
  EXPECT_NE(out.find("logferry "), std::string::npos);
  EXPECT_EQ(run_command({bin(), "--help"}, &out), 0);
  EXPECT_NE(out.find("validate"), std::string::npos);
  EXPECT_EQ(run_command({bin(), "frobnicate"}, &out), 2);
  EXPECT_EQ(run_command({bin(), "run"}, &out), 2);
}

TEST(CliTest, ValidatePrintsFileLineMessageAndExits2) {
  TempDir dir;
  auto bad = dir.write("bad.yaml", "sources:\n  a: {type: nosuchthing}\nsinks:\n  o: {type: console, inputs: [a], colour: red}\n");
  std::string out;
  EXPECT_EQ(run_command({bin(), "validate", "-c", bad.string()}, &out), 2);
  EXPECT_NE(out.find(bad.string() + ":2: sources.a.type: unknown source type 'nosuchthing'"), std::string::npos) << out;
  EXPECT_NE(out.find(bad.string() + ":4: sinks.o: unknown key 'colour'"), std::string::npos) << out;
  auto good = dir.write("good.yaml", "sources: {a: {type: stdin}}\nsinks: {o: {type: console, inputs: [a]}}\n");
  EXPECT_EQ(run_command({bin(), "validate", "-c", good.string()}, &out), 0) << out;
  EXPECT_EQ(run_command({bin(), "validate", "-c", (dir / "missing.yaml").string()}, &out), 2);
  // run refuses an invalid config with the same messages and exit code.
  EXPECT_EQ(run_command({bin(), "run", "-c", bad.string()}, &out), 2);
}

// stdin -> console (text) with a prefix taken from the config, so the output shows which
// config handled each line.
std::string prefixed_config(const std::string& prefix, uint16_t api_port) {
  return "data_dir: data\napi: {address: 127.0.0.1:" + std::to_string(api_port) +
         "}\nsources: {in: {type: stdin}}\nsinks: {out: {type: console, inputs: [in], encoding: "
         "text, format: '" + prefix + "%{message}'}}\n";
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

TEST(CliTest, SighupReloadsWithoutLosingLinesAndSigtermExits0) {
  TempDir dir;
  uint16_t port = free_tcp_port();
  auto cfg = dir.write("pipe.yaml", prefixed_config("A:", port));
  ChildProcess p({{bin(), "run", "-c", cfg.string()}, {}, dir.path(), "logferry", true});
  ASSERT_TRUE(wait_until([&] { return tcp_port_open(port); }, std::chrono::seconds(10), "api"));
  for (int i = 0; i < 100; ++i) p.write_stdin("line" + std::to_string(i) + "\n");
  ASSERT_TRUE(wait_until([&] { return count(p.out(), "A:line") == 100; }));
  dir.write("pipe.yaml", prefixed_config("B:", port));
  p.signal(SIGHUP);
  ASSERT_TRUE(wait_until([&] { return p.err().find("reloaded") != std::string::npos; }));
  for (int i = 100; i < 200; ++i) p.write_stdin("line" + std::to_string(i) + "\n");
  ASSERT_TRUE(wait_until([&] { return count(p.out(), ":line") == 200; }, std::chrono::seconds(15),
                         "200 lines"));
  // Every line exactly once; the ones written after the reload went through config B.
  std::string out = p.out();
  for (int i = 0; i < 200; ++i) {
    std::string line = "line" + std::to_string(i) + "\n";
    EXPECT_EQ(count(out, "A:" + line) + count(out, "B:" + line), 1u) << line;
    if (i >= 100) {
      EXPECT_EQ(count(out, "B:" + line), 1u) << line;
    }
  }
  EXPECT_EQ(p.stop(), 0);
}

TEST(CliTest, ConfigMapSymlinkSwapTriggersReload) {
  TempDir dir;
  uint16_t port = free_tcp_port();
  namespace fs = std::filesystem;
  // The layout a ConfigMap volume has: config.yaml -> ..data/config.yaml, ..data -> ..v1
  dir.write("..v1/config.yaml", prefixed_config("A:", port));
  fs::create_directory_symlink("..v1", dir / "..data");
  fs::create_symlink("..data/config.yaml", dir / "config.yaml");
  ChildProcess p({{bin(), "run", "-c", (dir / "config.yaml").string()}, {}, dir.path(), "logferry", true});
  ASSERT_TRUE(wait_until([&] { return tcp_port_open(port); }, std::chrono::seconds(10), "api"));
  p.write_stdin("one\n");
  ASSERT_TRUE(wait_until([&] { return count(p.out(), "A:one") == 1; }));
  dir.write("..v2/config.yaml", prefixed_config("B:", port));
  fs::create_directory_symlink("..v2", dir / "..data_tmp");
  fs::rename(dir / "..data_tmp", dir / "..data");  // atomic swap, as kubelet does
  ASSERT_TRUE(wait_until([&] { return p.err().find("reloaded") != std::string::npos; },
                         std::chrono::seconds(10), "reload"));
  ASSERT_TRUE(wait_until([&] { return tcp_port_open(port); }, std::chrono::seconds(10), "api"));
  p.write_stdin("two\n");
  ASSERT_TRUE(wait_until([&] { return count(p.out(), "B:two") == 1; }));
  EXPECT_EQ(p.stop(), 0);
}

TEST(CliTest, InvalidReloadKeepsRunningPipeline) {
  TempDir dir;
  uint16_t port = free_tcp_port();
  auto cfg = dir.write("pipe.yaml", prefixed_config("A:", port));
  ChildProcess p({{bin(), "run", "-c", cfg.string()}, {}, dir.path(), "logferry", true});
  ASSERT_TRUE(wait_until([&] { return tcp_port_open(port); }, std::chrono::seconds(10), "api"));
  dir.write("pipe.yaml", "sources: {in: {type: bogus}}\n");
  p.signal(SIGHUP);
  ASSERT_TRUE(wait_until([&] { return p.err().find("reload refused") != std::string::npos; }));
  p.write_stdin("still\n");
  ASSERT_TRUE(wait_until([&] { return count(p.out(), "A:still") == 1; }));
  EXPECT_EQ(p.stop(), 0);
}

TEST(CliTest, ApiServesMetricsHealthAndReadiness) {
  TempDir dir;
  uint16_t port = free_tcp_port();
  auto cfg = dir.write("pipe.yaml", prefixed_config("A:", port));
  ChildProcess p({{bin(), "run", "-c", cfg.string()}, {}, dir.path(), "logferry", true});
  ASSERT_TRUE(wait_until([&] { return tcp_port_open(port); }, std::chrono::seconds(10), "api"));
  p.write_stdin("x\ny\n");
  ASSERT_TRUE(wait_until([&] { return count(p.out(), "A:") == 2; }));
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  std::string out;
  ASSERT_EQ(run_command({"/usr/bin/curl", "-sf", base + "/healthz"}, &out), 0);
  EXPECT_EQ(out, "ok\n");
  ASSERT_EQ(run_command({"/usr/bin/curl", "-sf", base + "/readyz"}, &out), 0);
  ASSERT_EQ(run_command({"/usr/bin/curl", "-sf", base + "/metrics"}, &out), 0);
  EXPECT_NE(out.find("# TYPE logferry_source_events_total counter"), std::string::npos) << out;
  EXPECT_NE(out.find("logferry_sink_events_delivered_total{component=\"out\"} 2"), std::string::npos) << out;
  EXPECT_NE(run_command({"/usr/bin/curl", "-sf", base + "/nope"}, &out), 0);
  EXPECT_EQ(p.stop(), 0);
}

}  // namespace
}  // namespace logferry::testing
