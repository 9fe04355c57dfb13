// The README's first command ends in `build/logferry demo`: it must keep working end to end
// (kubelet tree -> kubernetes_logs -> syslog sink -> syslog source -> file + alert sinks, and
// Filebeat-shaped Lumberjack -> ICP's Logstash pipeline -> the same syslog server).
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
  // The aggregator's messages: HOSTNAME namespace_pod, APP-NAME LOGSTASH, the line as MSG.
  std::string cart = read_file(dir / "demo/syslog/shop_cart-5c4b7f9d8-m8zrt/-/LOGSTASH.log");
  EXPECT_NE(cart.find("cart via beats request id=0 status=200"), std::string::npos) << cart;
  EXPECT_NE(cart.find("slow request"), std::string::npos) << cart;
  EXPECT_NE(out.find("60 Filebeat-shaped events in one Lumberjack window, acknowledged;"), std::string::npos) << out;
  EXPECT_NE(out.find("57 reached the server"), std::string::npos) << out;
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
