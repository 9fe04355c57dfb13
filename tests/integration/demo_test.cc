// The README's first command ends in `build/logferry demo`: it must keep working end to end
// (kubelet tree -> kubernetes_logs -> syslog sink -> syslog source -> file + alert sinks).
#include <gtest/gtest.h>

#include "support/child_process.h"
#include "support/net_util.h"
#include "support/temp_dir.h"

namespace logferry::testing {
namespace {

TEST(DemoTest, EveryLineArrivesOnceAndTheAlertFires) {
  TempDir dir;
  std::string out;
  int rc = run_command({logferry_binary().string(), "demo", "--dir", (dir / "demo").string()}, &out,
                       std::chrono::seconds(120));
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("demo ok"), std::string::npos) << out;
  std::string alerts = read_file(dir / "demo/alerts.jsonl");
  EXPECT_NE(alerts.find("\"rule\":\"out-of-memory\""), std::string::npos) << alerts;
  EXPECT_NE(alerts.find("OutOfMemoryError"), std::string::npos) << alerts;
}

TEST(DemoTest, RefusesToCleanADirectoryItDidNotMake) {
  TempDir dir;
  dir.write("precious/data.txt", "keep me");
  std::string out;
  EXPECT_EQ(run_command({logferry_binary().string(), "demo", "--dir", (dir / "precious").string()}, &out), 2);
  EXPECT_EQ(read_file(dir / "precious/data.txt"), "keep me");
}

}  // namespace
}  // namespace logferry::testing
