// PROXY protocol headers as HAProxy writes them (v1 text, v2 binary), whole and cut short.
#include "net/proxy_protocol.h"

#include <gtest/gtest.h>

namespace logferry::net {
namespace {

const std::string kV2Signature{"\r\n\r\n\0\r\nQUIT\n", 12};

// v2 PROXY over TCP/IPv4: 192.0.2.10:40000 -> 198.51.100.7:6000.
std::string v2_ipv4() {
  std::string h = kV2Signature + std::string("\x21\x11\x00\x0c", 4);
  h += std::string("\xc0\x00\x02\x0a", 4) + std::string("\xc6\x33\x64\x07", 4);
  h += std::string("\x9c\x40", 2) + std::string("\x17\x70", 2);
  return h;
}

TEST(ProxyProtocolTest, V1Tcp4AndTcp6) {
  auto p = parse_proxy_header("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\nhello\n");
  ASSERT_EQ(p.status, ProxyStatus::kDone) << p.error;
  EXPECT_EQ(p.header.length, 45u);
  EXPECT_EQ(p.header.source_ip, "192.0.2.1");
  EXPECT_EQ(p.header.source_port, 56324);
  EXPECT_EQ(p.header.dest_ip, "198.51.100.2");
  EXPECT_EQ(p.header.dest_port, 443);
  auto six = parse_proxy_header("PROXY TCP6 2001:db8::1 2001:db8::2 1000 2000\r\n");
  ASSERT_EQ(six.status, ProxyStatus::kDone) << six.error;
  EXPECT_EQ(six.header.source_ip, "2001:db8::1");
  auto unknown = parse_proxy_header("PROXY UNKNOWN\r\n");
  ASSERT_EQ(unknown.status, ProxyStatus::kDone);
  EXPECT_TRUE(unknown.header.local);
}

TEST(ProxyProtocolTest, V2Ipv4AndLocal) {
  auto p = parse_proxy_header(v2_ipv4() + "data");
  ASSERT_EQ(p.status, ProxyStatus::kDone) << p.error;
  EXPECT_EQ(p.header.length, 28u);
  EXPECT_EQ(p.header.source_ip, "192.0.2.10");
  EXPECT_EQ(p.header.source_port, 40000);
  EXPECT_EQ(p.header.dest_ip, "198.51.100.7");
  EXPECT_EQ(p.header.dest_port, 6000);
  auto local = parse_proxy_header(kV2Signature + std::string("\x20\x00\x00\x00", 4));
  ASSERT_EQ(local.status, ProxyStatus::kDone) << local.error;
  EXPECT_TRUE(local.header.local);
  EXPECT_EQ(local.header.length, 16u);
}

TEST(ProxyProtocolTest, PartialHeadersNeedMoreAndGarbageIsBad) {
  std::string v1 = "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n";
  for (std::size_t n : {0u, 3u, 20u, 44u}) EXPECT_EQ(parse_proxy_header(v1.substr(0, n)).status, ProxyStatus::kNeedMore) << n;
  std::string v2 = v2_ipv4();
  for (std::size_t n : {5u, 12u, 15u, 27u}) EXPECT_EQ(parse_proxy_header(v2.substr(0, n)).status, ProxyStatus::kNeedMore) << n;
  EXPECT_EQ(parse_proxy_header("hello world\n").status, ProxyStatus::kBad);
  EXPECT_EQ(parse_proxy_header("PROXY TCP4 not-an-ip 198.51.100.2 1 2\r\n").status, ProxyStatus::kBad);
  EXPECT_EQ(parse_proxy_header("PROXY TCP4 192.0.2.1 198.51.100.2 1 99999\r\n").status, ProxyStatus::kBad);
  EXPECT_EQ(parse_proxy_header("PROXY " + std::string(120, 'x')).status, ProxyStatus::kBad);
  EXPECT_EQ(parse_proxy_header(kV2Signature + std::string("\x11\x11\x00\x00", 4)).status, ProxyStatus::kBad);
}

}  // namespace
}  // namespace logferry::net
