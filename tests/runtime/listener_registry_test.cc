// ListenerRegistry: sockets kept across a reload, closed outside one, and closed at the end of
// a handover when nobody adopted them.
#include "runtime/listener_registry.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>

#include "support/wait.h"

namespace logferry::runtime {
namespace {

int new_socket() { return ::socket(AF_INET, SOCK_DGRAM, 0); }
bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }
ParkedSocket parked(int fd, std::any state = {}, std::vector<HandedConnection> connections = {}) {
  ParkedSocket s;
  s.fd = fd;
  s.state = std::move(state);
  s.connections = std::move(connections);
  return s;
}

TEST(ListenerRegistryTest, KeyNamesKindAddressAndTls) {
  EXPECT_EQ(listener_key("syslog/tcp", "0.0.0.0:514", false), "syslog/tcp|0.0.0.0:514|plain");
  EXPECT_NE(listener_key("syslog/tcp", "0.0.0.0:514", false), listener_key("syslog/relp", "0.0.0.0:514", false));
  EXPECT_NE(listener_key("beats", "0.0.0.0:5044", false), listener_key("beats", "0.0.0.0:5044", true));
}

TEST(ListenerRegistryTest, OutsideAHandoverParkCloses) {
  ListenerRegistry reg;
  int fd = new_socket();
  int conn = new_socket();
  EXPECT_FALSE(reg.park("k", parked(fd, {}, {{conn, "127.0.0.1", {}, nullptr}})));
  EXPECT_FALSE(is_open(fd));
  EXPECT_FALSE(is_open(conn));
  EXPECT_FALSE(reg.adopt("k"));
}

TEST(ListenerRegistryTest, DuringAHandoverTheNextOwnerAdoptsSocketConnectionsAndState) {
  ListenerRegistry reg;
  reg.begin_handover();
  int fd = new_socket();
  int conn = new_socket();
  EXPECT_TRUE(reg.park("k", parked(fd, uint32_t{7}, {{conn, "10.0.0.1", std::string("half a fr"), nullptr}})));
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
  ASSERT_TRUE(reg.park("kept", parked(kept)));
  ASSERT_TRUE(reg.park("unused", parked(unused)));
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
  ASSERT_TRUE(reg.park("k", parked(first)));
  ASSERT_TRUE(reg.park("k", parked(second)));
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
  EXPECT_FALSE(reg.park("k", parked(-1)));  // e.g. a source whose socket already closed
  EXPECT_FALSE(reg.adopt("k"));
  EXPECT_EQ(reg.end_handover(), 0u);
}

// A parked UDP socket is read meanwhile: a drain that takes seconds does not overflow the
// kernel's receive buffer, and the next owner gets the datagrams in order.
TEST(ListenerRegistryTest, AParkedUdpSocketIsReadAndItsDatagramsGoToTheNextOwner) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ListenerRegistry reg;
  reg.begin_handover();
  ParkedSocket udp;
  udp.fd = fd;
  udp.datagrams = true;
  ASSERT_TRUE(reg.park("udp", std::move(udp)));
  int sender = ::socket(AF_INET, SOCK_DGRAM, 0);
  for (const char* d : {"one", "two", "three"})
    ::sendto(sender, d, std::strlen(d), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::close(sender);
  // Taken off the socket by the registry, not left in the kernel.
  ASSERT_TRUE(logferry::testing::wait_until([&] {
    int queued = -1;
    ::ioctl(fd, FIONREAD, &queued);
    return queued == 0;
  }, std::chrono::seconds(5), "datagrams read while parked"));
  auto got = reg.adopt("udp");
  ASSERT_TRUE(got);
  ASSERT_EQ(got->held.size(), 3u);
  EXPECT_EQ(got->held[0].bytes, "one");
  EXPECT_EQ(got->held[2].bytes, "three");
  EXPECT_EQ(got->held[1].peer_ip, "127.0.0.1");
  EXPECT_FALSE(got->held[1].truncated);
  reg.end_handover();
  ::close(fd);
}

}  // namespace
}  // namespace logferry::runtime
