// ListenerRegistry: sockets kept across a reload, closed outside one, and closed at the end of
// a handover when nobody adopted them.
#include "runtime/listener_registry.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace logferry::runtime {
namespace {

int new_socket() { return ::socket(AF_INET, SOCK_DGRAM, 0); }
bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

TEST(ListenerRegistryTest, KeyNamesKindAddressAndTls) {
  EXPECT_EQ(listener_key("syslog/tcp", "0.0.0.0:514", false), "syslog/tcp|0.0.0.0:514|plain");
  EXPECT_NE(listener_key("syslog/tcp", "0.0.0.0:514", false), listener_key("syslog/relp", "0.0.0.0:514", false));
  EXPECT_NE(listener_key("beats", "0.0.0.0:5044", false), listener_key("beats", "0.0.0.0:5044", true));
}

TEST(ListenerRegistryTest, OutsideAHandoverParkCloses) {
  ListenerRegistry reg;
  int fd = new_socket();
  int conn = new_socket();
  EXPECT_FALSE(reg.park("k", {fd, {}, {{conn, "127.0.0.1", {}}}}));
  EXPECT_FALSE(is_open(fd));
  EXPECT_FALSE(is_open(conn));
  EXPECT_FALSE(reg.adopt("k"));
}

TEST(ListenerRegistryTest, DuringAHandoverTheNextOwnerAdoptsSocketConnectionsAndState) {
  ListenerRegistry reg;
  reg.begin_handover();
  int fd = new_socket();
  int conn = new_socket();
  EXPECT_TRUE(reg.park("k", {fd, uint32_t{7}, {{conn, "10.0.0.1", std::string("half a fr")}}}));
  EXPECT_FALSE(reg.adopt("other"));
  auto got = reg.adopt("k");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->fd, fd);
  EXPECT_EQ(std::any_cast<uint32_t>(got->state), 7u);
  ASSERT_EQ(got->connections.size(), 1u);
  EXPECT_EQ(got->connections[0].fd, conn);
  EXPECT_EQ(got->connections[0].peer_ip, "10.0.0.1");
  EXPECT_EQ(std::any_cast<std::string>(got->connections[0].state), "half a fr");
  EXPECT_FALSE(reg.adopt("k"));  // once
  EXPECT_EQ(reg.end_handover(), 0u);
  EXPECT_TRUE(is_open(fd));  // the adopter owns it now
  EXPECT_TRUE(is_open(conn));
  ::close(fd);
  ::close(conn);
}

TEST(ListenerRegistryTest, EndOfHandoverClosesWhatTheNewConfigDoesNotUse) {
  ListenerRegistry reg;
  reg.begin_handover();
  int kept = new_socket();
  int unused = new_socket();
  ASSERT_TRUE(reg.park("kept", {kept, {}, {}}));
  ASSERT_TRUE(reg.park("unused", {unused, {}, {}}));
  ASSERT_TRUE(reg.adopt("kept"));
  EXPECT_EQ(reg.parked(), 1u);
  EXPECT_EQ(reg.end_handover(), 1u);
  EXPECT_FALSE(is_open(unused));
  EXPECT_TRUE(is_open(kept));
  EXPECT_FALSE(reg.handing_over());
  ::close(kept);
}

TEST(ListenerRegistryTest, ASecondParkUnderTheSameKeyClosesTheFirst) {
  ListenerRegistry reg;
  reg.begin_handover();
  int first = new_socket();
  int second = new_socket();
  ASSERT_TRUE(reg.park("k", {first, {}, {}}));
  ASSERT_TRUE(reg.park("k", {second, {}, {}}));
  EXPECT_FALSE(is_open(first));
  auto got = reg.adopt("k");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->fd, second);
  ::close(second);
  reg.end_handover();
}

TEST(ListenerRegistryTest, NothingToParkIsNotKept) {
  ListenerRegistry reg;
  reg.begin_handover();
  EXPECT_FALSE(reg.park("k", {-1, {}, {}}));  // e.g. a source whose socket already closed
  EXPECT_FALSE(reg.adopt("k"));
  EXPECT_EQ(reg.end_handover(), 0u);
}

}  // namespace
}  // namespace logferry::runtime
