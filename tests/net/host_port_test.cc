#include "net/host_port.h"

#include <gtest/gtest.h>

namespace logferry::net {
namespace {

TEST(HostPortTest, SplitsHostAndPortIncludingV6AndEmptyHost) {
  auto a = split_host_port("127.0.0.1:9880");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->first, "127.0.0.1");
  EXPECT_EQ(a->second, 9880);
  auto b = split_host_port("[::1]:6514");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->first, "::1");
  EXPECT_EQ(b->second, 6514);
  auto c = split_host_port(":0");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->first, "0.0.0.0");
  EXPECT_EQ(c->second, 0);
  auto d = split_host_port("rsyslog.logging.svc:514");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->first, "rsyslog.logging.svc");
}

TEST(HostPortTest, RefusesMissingOrBadPorts) {
  for (const char* bad : {"localhost", "host:", "host:65536", "host:12x", "host:-1"}) {
    auto r = split_host_port(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message.find(bad), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace logferry::net
